/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU page lists: each CPU keeps a few free blocks of orders 0..3 of each
 * zone, so that most allocations and frees touch only its own lock and
 * cache-hot pages. An empty list refills with a batch from the buddy lists;
 * a list past its high mark returns a batch, coldest blocks first.
 *
 * The CPU is the one the calling thread runs on (sched_getcpu()). A thread
 * may migrate between reading it and taking the lock; the lock makes that
 * harmless, it only costs locality.
 */
#include "lib/log.h"
#include "phys.h"

/*
 * batch: a quarter of the zone's 1/1024th, at most 1 MiB worth, rounded to
 * 2^n - 1 so that batches do not alias the buddy's power-of-two blocks.
 */
static int zone_batchsize(const struct zone *zone)
{
	unsigned long batch =
		min(zone->managed_pages >> 10, (1UL << 20) / PAGE_SIZE);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	return (int)(rounddown_pow_of_two(batch + batch / 2) - 1) ?: 1;
}

/*
 * high: the zone's low watermark shared among the CPUs of its node, but at
 * least four batches, so a burst of frees does not return pages at once.
 */
static int zone_highsize(const struct zone *zone, int batch)
{
	int cpus = 0, cpu;
	unsigned long high;

	for (cpu = 0; cpu < phys.nr_cpus; cpu++)
		cpus += phys_cpu_to_node(cpu) == zone->node;
	high = zone->watermark[WMARK_LOW] / (unsigned long)max(cpus, 1);
	return (int)max(high, 4UL * (unsigned long)batch);
}

void pcp_setup(struct zone *zone)
{
	int batch = zone_batchsize(zone);
	int high = zone_highsize(zone, batch);
	int cpu, i;

	for (cpu = 0; cpu < phys.nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &zone->pcp[cpu];

		spin_lock_init(&pcp->lock);
		pcp->count = 0;
		pcp->batch = batch;
		pcp->high = high;
		for (i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
}

static void pcp_list_add(struct per_cpu_pages *pcp, struct page *page,
			 unsigned int order, int mt, int cpu)
{
	page_set(page, PG_pcp);
	page->order = (uint8_t)order;
	page->migratetype = (uint8_t)mt;
	page->pcp_cpu = (uint16_t)cpu;
	list_add(&page->lru, &pcp->lists[order_to_pindex(mt, order)]);
	WRITE_ONCE(pcp->count, pcp->count + (1 << order));
}

static void pcp_list_del(struct per_cpu_pages *pcp, struct page *page)
{
	phys_debug_unlink(page, "per-cpu list");
	list_del_init(&page->lru);
	page_clear(page, PG_pcp);
	WRITE_ONCE(pcp->count, pcp->count - (1 << page->order));
}

/*
 * Return at least @count pages of @pcp to the buddy lists, taking the
 * coldest block of each non-empty list in turn. Caller holds pcp->lock.
 */
static void free_pcppages_bulk(struct zone *zone, struct per_cpu_pages *pcp,
			       int count)
{
	unsigned int pindex = 0;
	int idle = 0;

	spin_lock(&zone->lock);
	while (count > 0 && pcp->count > 0 && idle < NR_PCP_LISTS) {
		struct list_head *list = &pcp->lists[pindex];

		pindex = (pindex + 1) % NR_PCP_LISTS;
		if (list_empty(list)) {
			idle++;
			continue;
		}
		idle = 0;
		{
			struct page *page =
				list_last_entry(list, struct page, lru);
			unsigned int order = page->order;

			pcp_list_del(pcp, page);
			__free_one_page(zone, page, order, false);
			count -= 1 << order;
		}
	}
	spin_unlock(&zone->lock);
}

/* Pop a block of @order and @mt from @pcp, refilling it first if empty. */
static struct page *pcp_pop(struct zone *zone, struct per_cpu_pages *pcp,
			    int cpu, unsigned int order, int mt)
{
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	struct page *page;

	if (list_empty(list)) {
		struct list_head fresh;
		int batch = max(pcp->batch >> order, 2);

		INIT_LIST_HEAD(&fresh);
		if (!rmqueue_bulk(zone, order, batch, &fresh, mt))
			return NULL;
		while (!list_empty(&fresh)) {
			page = list_last_entry(&fresh, struct page, lru);
			list_del_init(&page->lru);
			/*
			 * A fallback may hand over a block from another
			 * type's pageblock; it serves this type's list all
			 * the same, and returns to its pageblock's list when
			 * it goes back to the buddy.
			 */
			pcp_list_add(pcp, page, order, mt, cpu);
		}
	}
	page = list_first_entry(list, struct page, lru);
	pcp_list_del(pcp, page);
	return page;
}

struct page *pcp_alloc(struct zone *zone, unsigned int order, int mt, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pcp[cpu];
	struct page *page;

	spin_lock(&pcp->lock);
	page = pcp_pop(zone, pcp, cpu, order, mt);
	if (likely(page))
		event_inc(&pcp->alloc_events);
	spin_unlock(&pcp->lock);
	return page;
}

unsigned long pcp_alloc_bulk(struct zone *zone, int mt, unsigned long nr,
			     struct page **array, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pcp[cpu];
	unsigned long i, got = 0;

	spin_lock(&pcp->lock);
	for (i = 0; i < nr; i++) {
		if (array[i])
			continue;
		array[i] = pcp_pop(zone, pcp, cpu, 0, mt);
		if (!array[i])
			break;
		event_inc(&pcp->alloc_events);
		got++;
	}
	spin_unlock(&pcp->lock);
	return got;
}

bool pcp_free(struct zone *zone, struct page *page, unsigned int order, int cpu)
{
	unsigned long pfn = __page_to_pfn(page);
	int mt = get_pageblock_migratetype(zone, pfn);
	struct per_cpu_pages *pcp = &zone->pcp[cpu];

	if (mt >= MIGRATE_PCPTYPES)
		return false;
	if (!spin_trylock(&pcp->lock))
		return false;
	pcp_list_add(pcp, page, order, mt, cpu);
	event_inc(&pcp->free_events);
	if (pcp->count >= pcp->high)
		free_pcppages_bulk(zone, pcp, pcp->batch);
	spin_unlock(&pcp->lock);
	return true;
}

void pcp_drain_zone_cpu(struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pcp[cpu];

	spin_lock(&pcp->lock);
	if (pcp->count)
		free_pcppages_bulk(zone, pcp, pcp->count);
	spin_unlock(&pcp->lock);
}
