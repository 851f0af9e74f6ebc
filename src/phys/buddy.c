/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator: per-zone free lists of naturally aligned blocks of
 * 2^order frames, split on allocation and merged with their buddies on free.
 *
 * A block of order k at pfn p has its buddy at p ^ (1 << k). Freeing merges
 * upward while the buddy is a free block of the same order in the same zone:
 *
 *   order 0:  [p][b]            p ^ 1 == b, both free -> one order-1 block
 *   order 1:  [p  p][b  b]      p ^ 2 == b           -> one order-2 block
 *   ...
 *
 * Allocation takes the smallest block that fits and splits the rest off
 * (expand), each half going back on the free lists one order lower:
 *
 *   want order 0 from an order-3 block at p:
 *   [ A | 0 | 1 1 | 2 2 2 2 ]  A returned; 0, 1 and 2 land on the order-0,
 *                              order-1 and order-2 lists.
 *
 * Mobility grouping: each pageblock (2^9 frames) has a type, and a free block
 * sits on the list of its pageblock's type (phys_check() proves it). When a
 * type's lists are empty it falls back to another type's blocks, claiming the
 * whole pageblock when the block is large or enough of the pageblock is free
 * or alike, as the kernel's try_to_claim_block() does.
 */
#include "lib/log.h"
#include "phys.h"

/* Which types each type may borrow from, in order. */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static void __add_to_free_list(struct zone *zone, struct page *page,
			       unsigned int order, int mt, bool tail)
{
	struct free_area *area = &zone->free_area[order];

	page_set(page, PG_buddy);
	page->order = (uint8_t)order;
	page->migratetype = (uint8_t)mt;
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	WRITE_ONCE(area->nr_free, area->nr_free + 1);
	WRITE_ONCE(area->nr_free_mt[mt], area->nr_free_mt[mt] + 1);
	atomic_fetch_add_explicit(&zone->free_pages, 1L << order,
				  memory_order_relaxed);
}

static void add_to_free_list(struct zone *zone, struct page *page,
			     unsigned int order, int mt)
{
	__add_to_free_list(zone, page, order, mt, false);
}

static void del_from_free_list(struct zone *zone, struct page *page,
			       unsigned int order)
{
	struct free_area *area = &zone->free_area[order];
	int mt = page->migratetype;

	phys_debug_unlink(page, "free list");
	list_del_init(&page->lru);
	page_clear(page, PG_buddy);
	WRITE_ONCE(area->nr_free, area->nr_free - 1);
	WRITE_ONCE(area->nr_free_mt[mt], area->nr_free_mt[mt] - 1);
	atomic_fetch_sub_explicit(&zone->free_pages, 1L << order,
				  memory_order_relaxed);
}

static void move_to_free_list(struct zone *zone, struct page *page,
			      unsigned int order, int mt)
{
	del_from_free_list(zone, page, order);
	add_to_free_list(zone, page, order, mt);
}

/* Set the type of every pageblock a block of @order at @pfn covers. */
static void change_pageblock_range(struct zone *zone, unsigned long pfn,
				   unsigned int order, int mt)
{
	unsigned long end =
		pfn + (1UL << max(order, (unsigned int)pageblock_order));

	for (pfn = ALIGN_DOWN(pfn, pageblock_nr_pages); pfn < end;
	     pfn += pageblock_nr_pages)
		set_pageblock_migratetype(zone, pfn, mt);
}

/*
 * Split the block of order @high at @page down to order @low, returning the
 * upper halves to the free lists of type @mt; @page keeps the low part.
 */
static void expand(struct zone *zone, struct page *page, unsigned int low,
		   unsigned int high, int mt)
{
	while (high > low) {
		high--;
		add_to_free_list(zone, page + (1UL << high), high, mt);
	}
}

void __free_one_page(struct zone *zone, struct page *page, unsigned int order,
		     bool to_tail)
{
	unsigned long pfn = __page_to_pfn(page);

	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (!zone_spans_pfn(zone, buddy_pfn))
			break;
		buddy = __pfn_to_page(buddy_pfn);
		if (!page_test(buddy, PG_buddy) || buddy->order != order)
			break;
		del_from_free_list(zone, buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
	page = __pfn_to_page(pfn);
	/*
	 * A merged block that spans pageblocks takes the type of its first
	 * one; the others follow so the block's type stays single.
	 */
	if (order >= pageblock_order)
		change_pageblock_range(zone, pfn, order,
				       get_pageblock_migratetype(zone, pfn));
	__add_to_free_list(zone, page, order,
			   get_pageblock_migratetype(zone, pfn), to_tail);
}

/* The smallest block of type @mt that holds @order, split down to it. */
static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order,
				       int mt)
{
	unsigned int current_order;

	for (current_order = order; current_order < NR_PAGE_ORDERS;
	     current_order++) {
		struct free_area *area = &zone->free_area[current_order];
		struct page *page;

		if (list_empty(&area->free_list[mt]))
			continue;
		page = list_first_entry(&area->free_list[mt], struct page, lru);
		del_from_free_list(zone, page, current_order);
		expand(zone, page, order, current_order, mt);
		return page;
	}
	return NULL;
}

/*
 * May a borrower of type @start_mt take a whole pageblock when it found a
 * free block of @order there? Large blocks, and unmovable or reclaimable
 * borrowers (who would fragment movable blocks anyway), may.
 */
static bool can_claim_block(unsigned int order, int start_mt)
{
	return order >= pageblock_order / 2 ||
	       start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE;
}

/* The first fallback type with a free block of @order, or -1. */
static int find_fallback(struct zone *zone, unsigned int order, int start_mt)
{
	struct free_area *area = &zone->free_area[order];
	int i;

	if (!area->nr_free)
		return -1;
	for (i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int mt = fallbacks[start_mt][i];

		if (!list_empty(&area->free_list[mt]))
			return mt;
	}
	return -1;
}

/*
 * Count the free pages of the pageblock at @block_pfn and the allocated ones
 * of type @start_mt; if together they are at least half the block, move
 * every free block in it to @start_mt's lists and retype the block.
 */
static bool try_to_claim_block(struct zone *zone, unsigned long block_pfn,
			       int start_mt)
{
	unsigned long pfn, end = block_pfn + pageblock_nr_pages;
	unsigned long free_pages = 0, alike = 0;

	if (block_pfn < zone->zone_start_pfn || end > zone_end_pfn(zone))
		return false; /* a partial block at a zone edge stays put */

	for (pfn = block_pfn; pfn < end;) {
		struct page *page = __pfn_to_page(pfn);
		unsigned long n = 1;

		if (page_test(page, PG_buddy)) {
			n = 1UL << page->order;
			free_pages += n;
		} else if (page_ref_count(page)) {
			n = min(1UL << page->order, end - pfn);
			if (page->migratetype == start_mt)
				alike += n;
		}
		pfn += n;
	}
	if (free_pages + alike < pageblock_nr_pages / 2)
		return false;

	for (pfn = block_pfn; pfn < end;) {
		struct page *page = __pfn_to_page(pfn);

		if (page_test(page, PG_buddy)) {
			move_to_free_list(zone, page, page->order, start_mt);
			pfn += 1UL << page->order;
		} else {
			pfn++;
		}
	}
	set_pageblock_migratetype(zone, block_pfn, start_mt);
	return true;
}

/*
 * Borrow from another type. Search from the largest order down, since a big
 * block stolen early keeps types from mixing in many pageblocks; a movable
 * borrower that could not claim the whole block takes the smallest block
 * instead, to leave the large ones whole.
 */
static struct page *__rmqueue_fallback(struct zone *zone, unsigned int order,
				       int start_mt)
{
	int current_order, fallback_mt = -1;
	struct page *page;
	unsigned long pfn;

	for (current_order = MAX_PAGE_ORDER; current_order >= (int)order;
	     current_order--) {
		fallback_mt = find_fallback(zone, current_order, start_mt);
		if (fallback_mt < 0)
			continue;
		if (!can_claim_block(current_order, start_mt)) {
			for (current_order = order;
			     current_order < NR_PAGE_ORDERS; current_order++) {
				fallback_mt = find_fallback(zone, current_order,
							    start_mt);
				if (fallback_mt >= 0)
					break;
			}
		}
		break;
	}
	if (fallback_mt < 0)
		return NULL;

	page = list_first_entry(
		&zone->free_area[current_order].free_list[fallback_mt],
		struct page, lru);
	pfn = __page_to_pfn(page);

	if (current_order >= pageblock_order) {
		/* The block holds whole pageblocks: take them all. */
		change_pageblock_range(zone, pfn, current_order, start_mt);
		del_from_free_list(zone, page, current_order);
		expand(zone, page, order, current_order, start_mt);
		return page;
	}
	if (can_claim_block(current_order, start_mt) &&
	    try_to_claim_block(zone, ALIGN_DOWN(pfn, pageblock_nr_pages),
			       start_mt))
		return __rmqueue_smallest(zone, order, start_mt);

	/* Take just this block; its remainders stay with the block's type. */
	del_from_free_list(zone, page, current_order);
	expand(zone, page, order, current_order, fallback_mt);
	return page;
}

struct page *__rmqueue(struct zone *zone, unsigned int order, int mt)
{
	struct page *page = __rmqueue_smallest(zone, order, mt);

	if (unlikely(!page))
		page = __rmqueue_fallback(zone, order, mt);
	return page;
}

int rmqueue_bulk(struct zone *zone, unsigned int order, int count,
		 struct list_head *list, int mt)
{
	int i;

	spin_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(zone, order, mt);

		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	spin_unlock(&zone->lock);
	return i;
}

unsigned long zone_free_block_count(struct zone *zone, unsigned int order,
				    int mt)
{
	return READ_ONCE(zone->free_area[order].nr_free_mt[mt]);
}
