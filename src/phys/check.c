/* SPDX-License-Identifier: MIT */
/*
 * The physical layer's whole-structure invariant checker.
 *
 * For every populated zone, with its per-CPU locks and its lock held:
 *   1. every free-list entry is a PG_buddy head of the list's order and
 *      type, naturally aligned, inside the zone, on the list of its
 *      pageblock's type, and no two blocks overlap;
 *   2. no free block has a free buddy of the same order (it would have
 *      merged);
 *   3. nr_free and nr_free_mt agree with the lists, free_pages with the sum;
 *   4. every per-CPU entry is a PG_pcp head of its list's order and type,
 *      owned by that CPU, and count agrees with the lists;
 *   5. walking every frame, each is exactly one of: inside a free block,
 *      the head or a tail of an allocated block; flags carry the right
 *      zone and node; tails are clean.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "phys.h"

/* Report one violation; returns 1 so callers can add it up. */
#define violation(fmt, ...) (pr_err("phys_check: " fmt, ##__VA_ARGS__), 1)

/* Frames claimed by free blocks, one byte each: 0 unclaimed, 1 free. */
struct coverage {
	unsigned char *map;
	unsigned long base;
	unsigned long len;
};

static int claim(struct coverage *cov, struct zone *zone, unsigned long pfn,
		 unsigned int order, const char *where)
{
	unsigned long i, n = 1UL << order;

	if (pfn < cov->base || pfn + n > cov->base + cov->len)
		return violation(
			"%s: block pfn %#lx order %u leaves zone %s of node %d",
			where, pfn, order, zone->name, zone->node);
	for (i = 0; i < n; i++) {
		if (cov->map[pfn - cov->base + i])
			return violation("%s: pfn %#lx is in two free blocks",
					 where, pfn + i);
		cov->map[pfn - cov->base + i] = 1;
	}
	return 0;
}

static int check_free_lists(struct zone *zone, struct coverage *cov)
{
	unsigned long free_pages = 0;
	unsigned int order;
	int bad = 0, mt;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];
		unsigned long total = 0;

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			unsigned long n = 0;
			struct page *page;

			list_for_each_entry(page, &area->free_list[mt], lru) {
				unsigned long pfn = __page_to_pfn(page);

				n++;
				if (page->lru.next->prev != &page->lru)
					return bad +
					       violation(
						       "free list order %u type %d of zone %s is corrupt at pfn %#lx",
						       order, mt, zone->name,
						       pfn);
				if (!page_test(page, PG_buddy) ||
				    page_test(page, PG_pcp))
					bad += violation(
						"pfn %#lx on a free list lacks PG_buddy",
						pfn);
				if (page->order != order)
					bad += violation(
						"pfn %#lx on the order-%u list says order %u",
						pfn, order, page->order);
				if (page->migratetype != mt)
					bad += violation(
						"pfn %#lx on the %s list says type %d",
						pfn, migratetype_names[mt],
						page->migratetype);
				if (get_pageblock_migratetype(zone, pfn) != mt)
					bad += violation(
						"pfn %#lx on the %s list sits in a %s pageblock",
						pfn, migratetype_names[mt],
						migratetype_names
							[get_pageblock_migratetype(
								zone, pfn)]);
				if (pfn & ((1UL << order) - 1))
					bad += violation(
						"pfn %#lx is not aligned to its order %u",
						pfn, order);
				if (page_ref_count(page))
					bad += violation(
						"free pfn %#lx has refcount %u",
						pfn, page_ref_count(page));
				bad += claim(cov, zone, pfn, order,
					     "free list");
				if (order < MAX_PAGE_ORDER) {
					unsigned long b = pfn ^ (1UL << order);
					struct page *buddy = __pfn_to_page(b);

					if (zone_spans_pfn(zone, b) &&
					    page_test(buddy, PG_buddy) &&
					    buddy->order == order)
						bad += violation(
							"free buddies pfn %#lx and %#lx of order %u are not merged",
							pfn, b, order);
				}
			}
			if (n != area->nr_free_mt[mt])
				bad += violation(
					"zone %s order %u type %s: nr_free_mt %lu, list holds %lu",
					zone->name, order,
					migratetype_names[mt],
					area->nr_free_mt[mt], n);
			total += n;
		}
		if (total != area->nr_free)
			bad += violation(
				"zone %s order %u: nr_free %lu, lists hold %lu",
				zone->name, order, area->nr_free, total);
		free_pages += total << order;
	}
	if ((long)free_pages != atomic_load(&zone->free_pages))
		bad += violation(
			"zone %s of node %d: free_pages %ld, lists hold %lu",
			zone->name, zone->node, atomic_load(&zone->free_pages),
			free_pages);
	return bad;
}

static int check_pcp(struct zone *zone, struct coverage *cov, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pcp[cpu];
	unsigned int pindex;
	long pages = 0;
	int bad = 0;

	for (pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
		unsigned int order = pindex / MIGRATE_PCPTYPES;
		int mt = pindex % MIGRATE_PCPTYPES;
		struct page *page;

		list_for_each_entry(page, &pcp->lists[pindex], lru) {
			unsigned long pfn = __page_to_pfn(page);

			if (!page_test(page, PG_pcp) ||
			    page_test(page, PG_buddy))
				bad += violation(
					"pfn %#lx on cpu %d's list lacks PG_pcp",
					pfn, cpu);
			if (page->pcp_cpu != cpu)
				bad += violation(
					"pfn %#lx on cpu %d's list says cpu %u",
					pfn, cpu, page->pcp_cpu);
			if (page->order != order || page->migratetype != mt)
				bad += violation(
					"pfn %#lx on cpu %d's order-%u %s list says order %u type %d",
					pfn, cpu, order, migratetype_names[mt],
					page->order, page->migratetype);
			if (page_ref_count(page))
				bad += violation(
					"pfn %#lx on cpu %d's list has refcount %u",
					pfn, cpu, page_ref_count(page));
			bad += claim(cov, zone, pfn, order, "per-cpu list");
			pages += 1L << order;
		}
	}
	if (pages != pcp->count)
		bad += violation("zone %s cpu %d: count %d, lists hold %ld",
				 zone->name, cpu, pcp->count, pages);
	return bad;
}

static int check_frames(struct zone *zone, struct coverage *cov)
{
	unsigned long pfn = zone->zone_start_pfn, end = zone_end_pfn(zone);
	unsigned long want = ((unsigned long)zone->idx << PAGE_ZONE_SHIFT) |
			     ((unsigned long)zone->node << PAGE_NODE_SHIFT);
	int bad = 0;

	while (pfn < end) {
		struct page *page = __pfn_to_page(pfn);
		unsigned long i, n = 1;

		if ((page_flags(page) & ~PAGE_FLAGS_MASK) != want)
			bad += violation(
				"pfn %#lx says node %d zone %d, lies in node %d zone %s",
				pfn, __page_to_nid(page), __page_zonenum(page),
				zone->node, zone->name);
		if (cov->map[pfn - cov->base]) {
			/* Inside a free block: no flag but the head's. */
			if (!page_is_free_head(page) && page_ref_count(page))
				bad += violation(
					"pfn %#lx inside a free block has refcount %u",
					pfn, page_ref_count(page));
			pfn++;
			continue;
		}
		if (page_is_free_head(page)) {
			bad += violation(
				"pfn %#lx is marked free but is on no list",
				pfn);
		} else if (!page_ref_count(page)) {
			bad += violation(
				"pfn %#lx is neither free nor allocated (leaked)",
				pfn);
		} else {
			n = 1UL << page->order;
			if (pfn & (n - 1) || pfn + n > end) {
				bad += violation(
					"allocated pfn %#lx order %u is misaligned or leaves the zone",
					pfn, page->order);
				n = 1;
			}
			for (i = 1; i < n; i++) {
				struct page *tail = page + i;

				if (cov->map[pfn + i - cov->base] ||
				    page_ref_count(tail) ||
				    page_is_free_head(tail))
					bad += violation(
						"tail pfn %#lx of the order-%u block at %#lx is not clean",
						pfn + i, page->order, pfn);
			}
		}
		pfn += n;
	}
	return bad;
}

bool phys_frame_allocated(unsigned long pfn)
{
	unsigned int order;

	/* The block holding @pfn starts at @pfn rounded down to its order. */
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long head = pfn & ~((1UL << order) - 1);
		struct page *page = __pfn_to_page(head);

		if (page->order < order)
			continue; /* a block that ends before @pfn */
		if (page_is_free_head(page))
			return false;
		if (page_ref_count(page))
			return true;
	}
	return false;
}

bool phys_list_corrupt(const struct page *page, const char *where)
{
	const struct list_head *node = &page->lru;

	if (node->next->prev == node && node->prev->next == node)
		return false;
	pr_err("list corruption: pfn %#lx on a %s: next->prev %p, prev->next %p, should be %p",
	       __page_to_pfn(page), where, (void *)node->next->prev,
	       (void *)node->prev->next, (const void *)node);
	return true;
}

static int check_zone(struct zone *zone)
{
	struct coverage cov = {
		.base = zone->zone_start_pfn,
		.len = zone->spanned_pages,
	};
	int bad = 0, cpu;

	cov.map = calloc(cov.len, 1);
	if (!cov.map)
		return violation("no host memory to check zone %s", zone->name);

	for (cpu = 0; cpu < phys.nr_cpus; cpu++)
		spin_lock(&zone->pcp[cpu].lock);
	spin_lock(&zone->lock);

	bad += check_free_lists(zone, &cov);
	for (cpu = 0; cpu < phys.nr_cpus; cpu++)
		bad += check_pcp(zone, &cov, cpu);
	bad += check_frames(zone, &cov);

	spin_unlock(&zone->lock);
	for (cpu = phys.nr_cpus - 1; cpu >= 0; cpu--)
		spin_unlock(&zone->pcp[cpu].lock);
	free(cov.map);
	return bad;
}

int phys_check(void)
{
	struct zone *zone;
	int bad = 0;

	if (!phys.mem_map)
		return 0;
	for_each_populated_zone(zone)
		bad += check_zone(zone);
	return bad;
}
