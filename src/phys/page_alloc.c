/* SPDX-License-Identifier: MIT */
/*
 * The page allocator's entry points: alloc_pages() and friends, the
 * zonelist walk with its watermarks, the bulk allocator, and freeing.
 *
 * An allocation walks the zonelist of the preferred node, highest usable
 * zone first, and takes from the first zone whose free pages stay above the
 * low watermark plus the zone's reserve against higher-zone users. Failing
 * that, the slow path retries down to the min watermark (less for
 * __GFP_HIGH, less still when it may not block), drains the per-CPU lists if
 * it may block, and finally warns. There is nothing to reclaim, so that is
 * the end, except for __GFP_NOFAIL, which waits for memory to come back.
 *
 * Every entry point validates what it is given: bad input gets one warning
 * line and changes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "phys.h"

enum alloc_flags {
	ALLOC_WMARK_MASK = 3, /* index into zone->watermark */
	ALLOC_NO_WATERMARKS = 4,
	ALLOC_MIN_RESERVE = 8, /* __GFP_HIGH: half of min */
	ALLOC_NON_BLOCK = 16,  /* cannot block: a further quarter */
};

/*
 * debug_vm=3 runs phys_check() after every operation. Operations hold this
 * lock shared and the checker exclusive, so a check never sees a block in
 * flight between a list and its owner.
 */
static pthread_rwlock_t debug_lock = PTHREAD_RWLOCK_INITIALIZER;

static inline void debug_enter(void)
{
	if (unlikely(uvm_debug_vm >= 3))
		pthread_rwlock_rdlock(&debug_lock);
}

static inline void debug_exit(void)
{
	if (unlikely(uvm_debug_vm >= 3)) {
		pthread_rwlock_unlock(&debug_lock);
		pthread_rwlock_wrlock(&debug_lock);
		phys_check();
		pthread_rwlock_unlock(&debug_lock);
	}
}

static inline void count_failure(atomic_ulong *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static bool zone_watermark_ok(struct zone *zone, unsigned int order,
			      unsigned long mark, enum zone_type highest,
			      unsigned int alloc_flags)
{
	long free_pages =
		atomic_load_explicit(&zone->free_pages, memory_order_relaxed) -
		(1L << order) + 1;
	long min = (long)mark;
	unsigned int o;
	int mt;

	if (alloc_flags & ALLOC_MIN_RESERVE) {
		min -= min / 2;
		if (alloc_flags & ALLOC_NON_BLOCK)
			min -= min / 4;
	}
	if (free_pages <= min + zone->lowmem_reserve[highest])
		return false;
	if (!order)
		return true;
	/* Enough pages is not enough: one block must be large enough. */
	for (o = order; o < NR_PAGE_ORDERS; o++)
		for (mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (zone_free_block_count(zone, o, mt))
				return true;
	return false;
}

static bool zone_usable(const struct zone *zone, enum zone_type highest,
			gfp_t gfp, int nid)
{
	return zone->idx <= highest &&
	       (!(gfp & __GFP_THISNODE) || zone->node == nid);
}

/* Check and clear the poison of every page of a fresh block. */
static void check_poison(struct page *page, unsigned int order)
{
	unsigned long i, n = 1UL << order;

	for (i = 0; i < n; i++) {
		const unsigned char *p = __page_address(page + i);
		size_t off;

		if (!page_test(page + i, PG_poisoned))
			continue;
		page_clear(page + i, PG_poisoned);
		for (off = 0; off < PAGE_SIZE; off++) {
			if (p[off] != PAGE_POISON) {
				pr_err("pagealloc: memory corruption at pfn %#lx offset %#zx: %#x instead of %#x (written after free)",
				       __page_to_pfn(page + i), off, p[off],
				       PAGE_POISON);
				break;
			}
		}
	}
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp,
			  int mt)
{
	if (unlikely(uvm_debug_vm >= 2)) {
		unsigned long i;

		for (i = 1; i < 1UL << order; i++)
			if (page_ref_count(page + i) ||
			    page_is_free_head(&page[i]))
				pr_err("pagealloc: bad page state in new block: pfn %#lx",
				       __page_to_pfn(page + i));
	}
	page->order = (uint8_t)order;
	page->migratetype = (uint8_t)mt;
	atomic_store_explicit(&page->_refcount, 1, memory_order_relaxed);
	if (unlikely(phys.params.page_poison))
		check_poison(page, order);
	if (gfp & __GFP_ZERO)
		memset(__page_address(page), 0, PAGE_SIZE << order);
}

static struct page *rmqueue(struct zone *zone, unsigned int order, int mt,
			    int cpu)
{
	struct page *page;

	if (likely(order <= PAGE_ALLOC_COSTLY_ORDER))
		return pcp_alloc(zone, order, mt, cpu);
	spin_lock(&zone->lock);
	page = __rmqueue(zone, order, mt);
	if (page)
		event_inc(&zone->alloc_events);
	spin_unlock(&zone->lock);
	return page;
}

static struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags, int nid,
					   enum zone_type highest, int cpu)
{
	int mt = gfp_migratetype(gfp);
	struct zone *const *zp;

	for (zp = phys.nodes[nid].zonelist; *zp; zp++) {
		struct zone *zone = *zp;
		struct page *page;

		if (!zone_usable(zone, highest, gfp, nid))
			continue;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
		    !zone_watermark_ok(
			    zone, order,
			    zone->watermark[alloc_flags & ALLOC_WMARK_MASK],
			    highest, alloc_flags))
			continue;
		page = rmqueue(zone, order, mt, cpu);
		if (page) {
			prep_new_page(page, order, gfp, mt);
			return page;
		}
	}
	return NULL;
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int flags = WMARK_MIN;

	if (gfp & __GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (!gfpflags_allow_blocking(gfp))
		flags |= ALLOC_NON_BLOCK;
	return flags;
}

static bool pcp_holds_pages(void)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	return st.pcp_pages != 0;
}

static void warn_alloc(gfp_t gfp, unsigned int order, int nid, const char *why)
{
	char names[256];

	if (gfp & __GFP_NOWARN)
		return;
	format_gfp(gfp, names, sizeof(names));
	pr_warn("page allocation failure: order:%u, mode:%#x(%s), nid=%d%s%s",
		order, gfp, names, nid, why ? ": " : "", why ? why : "");
}

static struct page *alloc_slowpath(gfp_t gfp, unsigned int order, int nid,
				   enum zone_type highest, int cpu)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp);
	bool warned = false;
	struct page *page;

	page = get_page_from_freelist(gfp, order, alloc_flags, nid, highest,
				      cpu);
	if (page)
		return page;

	/* Our only "reclaim": pages parked on per-CPU lists. */
	if (gfpflags_allow_blocking(gfp) && pcp_holds_pages()) {
		phys_drain(NULL);
		page = get_page_from_freelist(gfp, order, alloc_flags, nid,
					      highest, cpu);
		if (page)
			return page;
	}
	if (!(gfp & __GFP_NOFAIL))
		return NULL;

	/*
	 * __GFP_NOFAIL never returns NULL: it may dip into the atomic
	 * reserve, then waits for another thread to free memory.
	 */
	for (;;) {
		page = get_page_from_freelist(gfp, order,
					      WMARK_MIN | ALLOC_MIN_RESERVE,
					      nid, highest, phys_cpu());
		if (page)
			return page;
		if (!warned) {
			warned = true;
			warn_alloc(gfp & ~__GFP_NOWARN, order, nid,
				   "__GFP_NOFAIL waits for memory");
		}
		phys_drain(NULL);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

/*
 * Validate a request; on success set the node to use. Each rejection is one
 * warning line; a bad order honours __GFP_NOWARN, as the kernel's
 * WARN_ON_ONCE_GFP() does, other bad input always warns.
 */
static int prepare_alloc(gfp_t gfp, unsigned int order, int *nid, int cpu,
			 const char *fn)
{
	if (unlikely(order > MAX_PAGE_ORDER)) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn("%s: order %u is above MAX_PAGE_ORDER (%d)", fn,
				order, MAX_PAGE_ORDER);
		return -EINVAL;
	}
	if (unlikely(gfp & ~__GFP_BITS_MASK)) {
		pr_warn("%s: unknown gfp bits %#x", fn, gfp & ~__GFP_BITS_MASK);
		return -EINVAL;
	}
	if (unlikely((gfp & (__GFP_DMA | __GFP_DMA32)) ==
		     (__GFP_DMA | __GFP_DMA32))) {
		pr_warn("%s: mode:%#x asks for both __GFP_DMA and __GFP_DMA32",
			fn, gfp);
		return -EINVAL;
	}
	if (*nid == NUMA_NO_NODE) {
		*nid = phys_cpu_to_node(cpu);
	} else if (unlikely(*nid < 0 || *nid >= phys.nr_nodes)) {
		pr_warn("%s: node %d does not exist (numa=%d)", fn, *nid,
			phys.nr_nodes);
		return -EINVAL;
	}
	return 0;
}

/*
 * A request none of whose zones has memory is a caller's error, not memory
 * pressure: say so instead of reporting an allocation failure.
 */
static bool no_zone_for(gfp_t gfp, int nid, const char *fn)
{
	enum zone_type highest = gfp_zone(gfp);
	struct zone *const *zp;
	char names[256];

	for (zp = phys.nodes[nid].zonelist; *zp; zp++)
		if (zone_usable(*zp, highest, gfp, nid))
			return false;
	format_gfp(gfp, names, sizeof(names));
	pr_warn("%s: no populated zone at or below %s %sfor mode:%#x(%s)", fn,
		phys.nodes[0].node_zones[highest].name,
		(gfp & __GFP_THISNODE) ? "on this node " : "", gfp, names);
	return true;
}

static struct page *__alloc_pages(gfp_t gfp, unsigned int order, int nid,
				  const char *fn)
{
	enum zone_type highest;
	struct page *page;
	int cpu = phys_cpu();

	if (prepare_alloc(gfp, order, &nid, cpu, fn)) {
		count_failure(&phys.alloc_failures);
		return NULL;
	}
	highest = gfp_zone(gfp);
	debug_enter();
	if (unlikely(phys.fail_page_alloc.enabled && !(gfp & __GFP_NOFAIL) &&
		     should_fail(&phys.fail_page_alloc, 1L << order))) {
		count_failure(&phys.injected_failures);
		page = NULL;
		goto out;
	}
	page = get_page_from_freelist(gfp, order, WMARK_LOW, nid, highest, cpu);
	if (unlikely(!page) && !no_zone_for(gfp, nid, fn)) {
		page = alloc_slowpath(gfp, order, nid, highest, cpu);
		if (!page)
			warn_alloc(gfp, order, nid, NULL);
	}
out:
	if (unlikely(!page))
		count_failure(&phys.alloc_failures);
	debug_exit();
	return page;
}

/*
 * The kernel-named entry points boot an instance if none runs. The layers
 * above call them too (vmalloc's pages come from alloc_pages_node() and
 * alloc_pages_bulk_node()); only phys_table_alloc(), which the mmu layer
 * also calls while booting, reaches __alloc_pages() without that check.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __alloc_pages(gfp, order, NUMA_NO_NODE, __func__);
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __alloc_pages(gfp, order, nid, __func__);
}

struct page *__alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	if (!uvm_ensure_booted())
		return NULL;
	if (nid == NUMA_NO_NODE) {
		pr_warn("%s: needs a node, not NUMA_NO_NODE", __func__);
		return NULL;
	}
	return __alloc_pages(gfp, order, nid, __func__);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page;

	if (!uvm_ensure_booted())
		return 0;
	if (gfp & __GFP_HIGHMEM) {
		pr_warn("%s: __GFP_HIGHMEM pages have no address", __func__);
		return 0;
	}
	page = __alloc_pages(gfp, order, NUMA_NO_NODE, __func__);
	return page ? (unsigned long)__page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

void free_block_to_zone(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);

	if (unlikely(phys.params.page_poison)) {
		unsigned long i;

		for (i = 0; i < 1UL << order; i++) {
			memset(__page_address(page + i), PAGE_POISON,
			       PAGE_SIZE);
			page_set(page + i, PG_poisoned);
		}
	}
	if (order <= PAGE_ALLOC_COSTLY_ORDER &&
	    pcp_free(zone, page, order, phys_cpu()))
		return;
	spin_lock(&zone->lock);
	__free_one_page(zone, page, order, false);
	event_inc(&zone->free_events);
	spin_unlock(&zone->lock);
}

/*
 * Is @page the head of an allocated block of @order? One warning line
 * saying what is wrong otherwise.
 */
static bool page_is_allocated_head(const struct page *page, unsigned int order,
				   const char *fn)
{
	if (unlikely(!phys_page_valid(page))) {
		pr_warn("%s: %p is not a struct page", fn, page);
		return false;
	}
	if (unlikely(order > MAX_PAGE_ORDER)) {
		pr_warn("%s: order %u is above MAX_PAGE_ORDER (%d) for pfn %#lx",
			fn, order, MAX_PAGE_ORDER, __page_to_pfn(page));
		return false;
	}
	if (unlikely(page_is_free_head(page))) {
		pr_warn("%s: pfn %#lx is already free (double free)", fn,
			__page_to_pfn(page));
		return false;
	}
	if (unlikely(!page_ref_count(page))) {
		pr_warn("%s: pfn %#lx is not allocated (refcount 0: never allocated, or a tail page of a block)",
			fn, __page_to_pfn(page));
		return false;
	}
	if (unlikely(page->order != order)) {
		pr_warn("%s: pfn %#lx was allocated as order %u, freed as order %u",
			fn, __page_to_pfn(page), page->order, order);
		return false;
	}
	if (unlikely(page_test(page, PG_table))) {
		pr_warn("%s: pfn %#lx holds a page table", fn,
			__page_to_pfn(page));
		return false;
	}
	return true;
}

/*
 * Drop a reference; true when it was the last one. Never goes below 0.
 * A sole owner (refcount 1) needs no atomic read-modify-write: nobody else
 * may legitimately touch the count of a page only its freer holds.
 */
static bool page_ref_put(struct page *page)
{
	int old = atomic_load_explicit(&page->_refcount, memory_order_relaxed);

	if (likely(old == 1)) {
		atomic_store_explicit(&page->_refcount, 0,
				      memory_order_relaxed);
		return true;
	}
	do {
		if (unlikely(old <= 0))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&page->_refcount, &old, old - 1, memory_order_acq_rel,
		memory_order_relaxed));
	return old == 1;
}

void __free_pages(struct page *page, unsigned int order)
{
	if (!page_is_allocated_head(page, order, __func__))
		return;
	debug_enter();
	if (page_ref_put(page))
		free_block_to_zone(page, order);
	debug_exit();
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct page *page;

	if (!addr)
		return;
	if (!virt_addr_valid((void *)addr) || !PAGE_ALIGNED(addr)) {
		pr_warn("%s: %#lx is not a page of the direct map", __func__,
			addr);
		return;
	}
	page = __pfn_to_page((addr - (unsigned long)phys.direct_map) >>
			     PAGE_SHIFT);
	__free_pages(page, order);
}

struct page *phys_table_alloc(int nid)
{
	struct page *page = __alloc_pages(GFP_KERNEL | __GFP_ZERO, 0, nid,
					  "pagetable_alloc");

	if (page) {
		page_set(page, PG_table);
		atomic_fetch_add_explicit(&phys.pagetable_pages, 1,
					  memory_order_relaxed);
	}
	return page;
}

void phys_table_free(struct page *page)
{
	if (!phys_page_valid(page) || !page_test(page, PG_table)) {
		pr_warn("pagetable_free: %p is not a page-table page", page);
		return;
	}
	page_clear(page, PG_table);
	atomic_fetch_sub_explicit(&phys.pagetable_pages, 1,
				  memory_order_relaxed);
	__free_pages(page, 0);
}

int page_count(const struct page *page)
{
	if (!phys_page_valid(page)) {
		pr_warn("%s: %p is not a struct page", __func__, page);
		return 0;
	}
	return (int)page_ref_count(page);
}

void get_page(struct page *page)
{
	if (!phys_page_valid(page) || !page_ref_count(page)) {
		pr_warn("%s: %p is not an allocated page", __func__, page);
		return;
	}
	atomic_fetch_add_explicit(&page->_refcount, 1, memory_order_relaxed);
}

void put_page(struct page *page)
{
	if (!phys_page_valid(page) || !page_ref_count(page) ||
	    page_is_free_head(page)) {
		pr_warn("%s: %p is not an allocated page", __func__, page);
		return;
	}
	debug_enter();
	if (page_ref_put(page))
		free_block_to_zone(page, page->order);
	debug_exit();
}

void split_page(struct page *page, unsigned int order)
{
	unsigned long i;

	if (!page_is_allocated_head(page, order, __func__))
		return;
	if (page_ref_count(page) != 1) {
		pr_warn("%s: pfn %#lx has %u references", __func__,
			__page_to_pfn(page), page_ref_count(page));
		return;
	}
	for (i = 1; i < 1UL << order; i++) {
		page[i].order = 0;
		page[i].migratetype = page->migratetype;
		atomic_store_explicit(&page[i]._refcount, 1,
				      memory_order_relaxed);
	}
	page->order = 0;
}

/*
 * The bulk allocator: fill the empty slots of @page_array from one zone's
 * per-CPU list under one lock. When no zone has room for all of them, or
 * only one is wanted, it falls back to a single alloc_pages().
 */
unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid, unsigned long nr_pages,
				    struct page **page_array)
{
	unsigned long i, nr_populated = 0, missing = 0, first_hole = nr_pages;
	enum zone_type highest;
	struct zone *const *zp;
	struct page *page;
	int cpu;

	if (!uvm_ensure_booted())
		return 0;
	if (!page_array) {
		if (nr_pages)
			pr_warn("alloc_pages_bulk: NULL page array");
		return 0;
	}
	for (i = 0; i < nr_pages; i++) {
		if (page_array[i]) {
			nr_populated++;
		} else {
			missing++;
			if (first_hole == nr_pages)
				first_hole = i;
		}
	}
	if (!missing)
		return nr_populated;
	cpu = phys_cpu();
	if (prepare_alloc(gfp, 0, &nid, cpu, "alloc_pages_bulk"))
		return nr_populated;
	highest = gfp_zone(gfp);
	if (missing == 1)
		goto single;

	debug_enter();
	if (should_fail(&phys.fail_page_alloc, 1)) {
		count_failure(&phys.injected_failures);
		count_failure(&phys.alloc_failures);
		debug_exit();
		return nr_populated;
	}
	for (zp = phys.nodes[nid].zonelist; *zp; zp++) {
		struct zone *zone = *zp;
		int mt = gfp_migratetype(gfp);
		unsigned long got;

		if (!zone_usable(zone, highest, gfp, nid) ||
		    !zone_watermark_ok(zone, 0,
				       zone->watermark[WMARK_LOW] + missing,
				       highest, 0))
			continue;
		got = pcp_alloc_bulk(zone, mt, nr_pages, page_array, cpu);
		if (!got)
			continue;
		for (i = 0; i < nr_pages && got; i++) {
			page = page_array[i];
			if (!page || page_ref_count(page))
				continue;
			prep_new_page(page, 0, gfp, mt);
			nr_populated++;
			got--;
		}
		debug_exit();
		return nr_populated;
	}
	debug_exit();
single:
	page = __alloc_pages(gfp, 0, nid, "alloc_pages_bulk");
	if (page) {
		page_array[first_hole] = page;
		nr_populated++;
	}
	return nr_populated;
}

void phys_drain(struct zone *zone)
{
	struct zone *each;
	int cpu;

	for_each_populated_zone(each) {
		if (zone && zone != each)
			continue;
		for (cpu = 0; cpu < phys.nr_cpus; cpu++)
			pcp_drain_zone_cpu(each, cpu);
	}
}

void drain_all_pages(struct zone *zone)
{
	if (uvm_ensure_booted())
		phys_drain(zone);
}

void drain_local_pages(struct zone *zone)
{
	struct zone *each;
	int cpu;

	if (!uvm_ensure_booted())
		return;
	cpu = phys_cpu();
	for_each_populated_zone(each)
		if (!zone || zone == each)
			pcp_drain_zone_cpu(each, cpu);
}

void uvm_phys_stats(struct uvm_phys_stats *st)
{
	struct zone *zone;
	int cpu;

	memset(st, 0, sizeof(*st));
	if (!atomic_load_explicit(&uvm_running, memory_order_acquire) ||
	    !phys.mem_map)
		return;
	st->total_pages = phys.max_pfn;
	st->pagetable_pages = (unsigned long)atomic_load_explicit(
		&phys.pagetable_pages, memory_order_relaxed);
	for_each_populated_zone(zone) {
		st->free_pages += (unsigned long)atomic_load_explicit(
			&zone->free_pages, memory_order_relaxed);
		st->alloc_calls += READ_ONCE(zone->alloc_events);
		st->free_calls += READ_ONCE(zone->free_events);
		for (cpu = 0; cpu < phys.nr_cpus; cpu++) {
			struct per_cpu_pages *pcp = &zone->pcp[cpu];

			st->pcp_pages += (unsigned long)READ_ONCE(pcp->count);
			st->alloc_calls += READ_ONCE(pcp->alloc_events);
			st->free_calls += READ_ONCE(pcp->free_events);
		}
	}
	st->alloc_failures = atomic_load(&phys.alloc_failures);
	st->injected_failures = atomic_load(&phys.injected_failures);
}
