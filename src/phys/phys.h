/* SPDX-License-Identifier: MIT */
/*
 * The physical memory layer's internal picture: nodes, zones, struct page,
 * the buddy free lists and the per-CPU page lists.
 *
 * Physical memory is one memfd per NUMA node. Page frames are numbered
 * globally: node 0 holds pfns [0, n0), node 1 [n0, n0 + n1), and so on; frame
 * pfn of node n is the byte range [(pfn - start(n)) * PAGE_SIZE, +PAGE_SIZE)
 * of that node's memfd. The direct map is one host reservation into which each
 * node's memfd is mapped whole, in pfn order, so that
 *
 *	page_address(page) == direct_map + page_to_pfn(page) * PAGE_SIZE
 *
 * as on a 64-bit kernel. mem_map[] holds one struct page per frame.
 *
 * Every page is, at any moment, exactly one of:
 *   - the head of a free block on a zone free list     (PG_buddy, order)
 *   - the head of a free block on a per-CPU list       (PG_pcp, order, cpu)
 *   - a tail page inside one of those free blocks      (refcount 0)
 *   - the head of an allocated block                   (refcount > 0, order)
 *   - a tail page inside an allocated block            (refcount 0)
 * phys_check() proves it page by page.
 *
 * Locking: zone->lock guards the zone's free lists, nr_free counts and
 * pageblock types. pcp->lock guards one CPU's lists of one zone. The order is
 * pcp->lock, then zone->lock; no path holds two pcp locks except the checker,
 * which takes them in CPU order.
 */
#ifndef UVM_PHYS_PHYS_H
#define UVM_PHYS_PHYS_H

#include <linux/gfp.h>
#include <sched.h>
#include <linux/mm.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/fault_inject.h"
#include "lib/list.h"
#include "lib/options.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"

#define MAX_NR_CPUS 1024
#define CACHELINE 64

/* Mobility types; only the first MIGRATE_PCPTYPES have per-CPU lists. */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

extern const char *const migratetype_names[MIGRATE_TYPES];

/* struct page flag bits; the zone and node numbers live above them. */
enum pageflags {
	PG_buddy,    /* head of a free block on a zone free list */
	PG_pcp,	     /* head of a free block on a per-CPU list */
	PG_poisoned, /* free page filled with PAGE_POISON (page_poison=1) */
	PG_table,    /* holds a page table (set by the mmu layer) */
	PG_reserved, /* never handed to the allocator */
	NR_PAGEFLAGS
};

#define PAGE_FLAGS_MASK ((1UL << NR_PAGEFLAGS) - 1)
#define PAGE_ZONE_SHIFT 56
#define PAGE_NODE_SHIFT 48
#define PAGE_POISON 0xaa

/**
 * struct page - one page frame
 * @flags: PG_* bits; bits 48..55 the node, 56..63 the zone
 * @lru: links a free block's head into a free list or a per-CPU list; an
 *       allocated page's owner may use it
 * @_refcount: users of an allocated block's head; 0 for free and tail pages
 * @order: order of the block this page heads (free or allocated)
 * @migratetype: free: the list the block is on; allocated: the type it was
 *               allocated as (used to weigh a pageblock when stealing)
 * @pcp_cpu: PG_pcp only: the CPU whose list holds the block
 */
struct page {
	unsigned long flags;
	struct list_head lru;
	atomic_int _refcount;
	uint8_t order;
	uint8_t migratetype;
	uint16_t pcp_cpu;
};

_Static_assert(sizeof(struct page) == 32, "struct page must stay 32 bytes");

/*
 * Only a page's owner (the zone-lock holder for a buddy block, the CPU-list
 * lock holder for a per-CPU block, the caller for an allocated one) writes
 * its flags, but the buddy merge reads a neighbour's flags that another
 * owner may be writing: every access is a relaxed atomic so that read sees
 * a whole value.
 */
static inline unsigned long page_flags(const struct page *page)
{
	return READ_ONCE(page->flags);
}

static inline bool page_test(const struct page *page, enum pageflags bit)
{
	return page_flags(page) & (1UL << bit);
}

static inline void page_set(struct page *page, enum pageflags bit)
{
	WRITE_ONCE(page->flags, page_flags(page) | (1UL << bit));
}

static inline void page_clear(struct page *page, enum pageflags bit)
{
	WRITE_ONCE(page->flags, page_flags(page) & ~(1UL << bit));
}

/* Is @page the head of a free block, on a zone list or a per-CPU list? */
static inline bool page_is_free_head(const struct page *page)
{
	return page_flags(page) & ((1UL << PG_buddy) | (1UL << PG_pcp));
}

/* The free lists of one order: a list per mobility type. */
struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;			 /* blocks, all types */
	unsigned long nr_free_mt[MIGRATE_TYPES]; /* blocks per type */
};

/* Per-CPU lists: one per (mobility type, order) for orders 0..3. */
#define NR_PCP_ORDERS (PAGE_ALLOC_COSTLY_ORDER + 1)
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * NR_PCP_ORDERS)

static inline unsigned int order_to_pindex(int mt, unsigned int order)
{
	return order * MIGRATE_PCPTYPES + mt;
}

/**
 * struct per_cpu_pages - one CPU's cache of free pages of one zone
 * @lock: guards everything below
 * @count: pages on all lists (read racily for statistics)
 * @high: past this many, @batch pages go back to the buddy lists
 * @batch: pages moved per refill or return
 * @lists: free blocks, hottest first
 * @alloc_events: blocks handed out from these lists
 * @free_events: blocks freed onto these lists
 */
struct per_cpu_pages {
	spinlock_t lock;
	int count;
	int high;
	int batch;
	struct list_head lists[NR_PCP_LISTS];
	unsigned long alloc_events;
	unsigned long free_events;
} __attribute__((aligned(CACHELINE)));

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	NR_WMARK
};

/**
 * struct zone - a range of a node's frames with its own free lists
 * @lock: guards @free_area and @pageblock_mt
 * @free_area: the buddy free lists, one per order
 * @free_pages: pages on the free lists (NR_FREE_PAGES); per-CPU lists excluded
 * @watermark: min, low and high, in pages
 * @lowmem_reserve: pages kept back from allocations whose highest usable zone
 *                  is the index, so that higher zones' users cannot drain
 *                  this one
 * @zone_start_pfn: first frame
 * @spanned_pages: frames from the first to the last
 * @present_pages: frames that exist (no holes here, so == spanned)
 * @managed_pages: frames handed to the buddy allocator
 * @pageblock_base: zone_start_pfn rounded down to a pageblock
 * @pageblock_mt: the mobility type of each pageblock the zone touches
 * @pcp: per-CPU lists, nr_cpus of them
 * @node: the node's id
 * @idx: ZONE_DMA, ZONE_DMA32 or ZONE_NORMAL
 * @name: "DMA", "DMA32" or "Normal"
 * @alloc_events: blocks handed out straight from the free lists
 * @free_events: blocks freed straight to the free lists
 */
struct zone {
	spinlock_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];
	atomic_long free_pages;
	unsigned long watermark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;
	unsigned long pageblock_base;
	uint8_t *pageblock_mt;
	struct per_cpu_pages *pcp;
	int node;
	enum zone_type idx;
	const char *name;
	unsigned long alloc_events;
	unsigned long free_events;
} __attribute__((aligned(CACHELINE)));

/*
 * Event counters live beside the lock that already guards the event, so
 * counting costs no atomic instruction; readers sum them racily.
 */
static inline void event_inc(unsigned long *counter)
{
	WRITE_ONCE(*counter, *counter + 1);
}

static inline bool populated_zone(const struct zone *zone)
{
	return zone->present_pages != 0;
}

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

static inline bool zone_spans_pfn(const struct zone *zone, unsigned long pfn)
{
	return pfn >= zone->zone_start_pfn && pfn < zone_end_pfn(zone);
}

/* Fallback order: every populated zone of every node, own node first. */
#define MAX_ZONELIST (MAX_NUMNODES * MAX_NR_ZONES + 1)

/**
 * struct pglist_data - one NUMA node
 * @node_id: its number
 * @node_start_pfn: its first frame
 * @node_spanned_pages: its frames
 * @node_zones: its zones; unpopulated ones have no pages
 * @zonelist: NULL-terminated, highest zone first on this node, then the
 *            other nodes in distance order, each highest zone first
 * @memfd: the node's RAM
 */
struct pglist_data {
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;
	struct zone node_zones[MAX_NR_ZONES];
	struct zone *zonelist[MAX_ZONELIST];
	int memfd;
};

/**
 * struct phys_params - the boot parameters of this layer
 * @mem: bytes of RAM (mem=)
 * @numa: nodes (numa=)
 * @zone_dma: end of ZONE_DMA (zone_dma=)
 * @zone_dma32: end of ZONE_DMA32 (zone_dma32=)
 * @nr_cpus: CPUs; 0 means the host's (nr_cpus=)
 * @page_poison: fill free pages with PAGE_POISON and check on allocation
 * @fail_page_alloc: fault injection text (fail_page_alloc=)
 * @min_free_kbytes: the reserve the watermarks derive from; 0 computes it as
 *                   the kernel does
 */
struct phys_params {
	unsigned long mem;
	long numa;
	unsigned long zone_dma;
	unsigned long zone_dma32;
	long nr_cpus;
	int page_poison;
	char fail_page_alloc[UVM_OPT_STRING_MAX];
	unsigned long min_free_kbytes;
};

/**
 * struct phys_mem - the whole physical memory of an instance
 * @params: as booted
 * @nr_nodes: nodes
 * @nr_cpus: CPUs
 * @max_pfn: frames in all nodes; valid pfns are [0, max_pfn)
 * @mem_map: one struct page per frame
 * @mem_map_bytes: its host mapping's length
 * @direct_map: the host address of frame 0
 * @direct_map_bytes: the reservation's length
 * @nodes: the nodes
 * @min_free_kbytes: the reserve in force
 * @fail_page_alloc: the injection point of alloc_pages
 * @cpu_node: the node of each CPU
 * @alloc_failures: allocations that returned NULL
 * @injected_failures: of those, the ones fault injection forced
 * @pagetable_pages: pages the mmu layer holds for page tables
 */
struct phys_mem {
	struct phys_params params;
	int nr_nodes;
	int nr_cpus;
	unsigned long max_pfn;
	struct page *mem_map;
	size_t mem_map_bytes;
	char *direct_map;
	size_t direct_map_bytes;
	struct pglist_data nodes[MAX_NUMNODES];
	unsigned long min_free_kbytes;
	struct fault_attr fail_page_alloc;
	uint8_t cpu_node[MAX_NR_CPUS];
	atomic_ulong alloc_failures;
	atomic_ulong injected_failures;
	atomic_long pagetable_pages;
};

extern struct phys_mem phys;

/*
 * Iterators over the booted nodes and their zones, in node order and, within
 * a node, in zone order (DMA, DMA32, Normal). The iterators over every
 * node's zones follow zone->node, which phys_init() sets before any of them
 * runs; before a boot (no node) they visit nothing. `break` and `continue`
 * act on the whole walk.
 */

/* Every node id in [0, nr_nodes). */
#define for_each_online_node(nid) \
	for ((nid) = 0; (nid) < phys.nr_nodes; (nid)++)

/* The first zone of node 0, or NULL when no node is booted. */
static inline struct zone *first_zone(void)
{
	return phys.nr_nodes ? phys.nodes[0].node_zones : NULL;
}

/*
 * The zone after @zone: its node's next, else the next node's first, else
 * NULL.
 */
static inline struct zone *next_zone(struct zone *zone)
{
	int nid = zone->node;

	if (zone < &phys.nodes[nid].node_zones[MAX_NR_ZONES - 1])
		return zone + 1;
	if (nid + 1 < phys.nr_nodes)
		return phys.nodes[nid + 1].node_zones;
	return NULL;
}

/* @zone if it is populated, else the next populated zone after it, or NULL. */
static inline struct zone *next_populated_zone(struct zone *zone)
{
	while (zone && !populated_zone(zone))
		zone = next_zone(zone);
	return zone;
}

/* Every zone of every node, populated or not (the kernel's for_each_zone). */
#define for_each_zone(zone) \
	for ((zone) = first_zone(); (zone); (zone) = next_zone(zone))

/* Every zone that has pages, of every node. */
#define for_each_populated_zone(zone)                            \
	for ((zone) = next_populated_zone(first_zone()); (zone); \
	     (zone) = next_populated_zone(next_zone(zone)))

/*
 * Every zone of node @pgdat, populated or not. It reads nothing but the
 * node's array, so it also serves before zone_init() has run.
 */
#define for_each_node_zone(pgdat, zone)    \
	for ((zone) = (pgdat)->node_zones; \
	     (zone) < (pgdat)->node_zones + MAX_NR_ZONES; (zone)++)

/* @zone if it is populated, else the next populated zone of @pgdat. */
static inline struct zone *node_populated_zone(struct pglist_data *pgdat,
					       struct zone *zone)
{
	while (zone < pgdat->node_zones + MAX_NR_ZONES && !populated_zone(zone))
		zone++;
	return zone;
}

/* Every zone of node @pgdat that has pages. */
#define for_each_populated_node_zone(pgdat, zone)                        \
	for ((zone) = node_populated_zone((pgdat), (pgdat)->node_zones); \
	     (zone) < (pgdat)->node_zones + MAX_NR_ZONES;                \
	     (zone) = node_populated_zone((pgdat), (zone) + 1))

/*
 * Frame arithmetic. These inline forms trust their argument; the exported
 * kernel-named functions validate first.
 */
static inline unsigned long __page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - phys.mem_map);
}

static inline struct page *__pfn_to_page(unsigned long pfn)
{
	return phys.mem_map + pfn;
}

static inline void *__page_address(const struct page *page)
{
	return phys.direct_map + (__page_to_pfn(page) << PAGE_SHIFT);
}

static inline int __page_to_nid(const struct page *page)
{
	return (page_flags(page) >> PAGE_NODE_SHIFT) & 0xff;
}

static inline enum zone_type __page_zonenum(const struct page *page)
{
	return (enum zone_type)(page_flags(page) >> PAGE_ZONE_SHIFT);
}

static inline struct zone *page_zone(const struct page *page)
{
	return &phys.nodes[__page_to_nid(page)].node_zones[__page_zonenum(page)];
}

static inline unsigned int page_ref_count(const struct page *page)
{
	return atomic_load_explicit(&((struct page *)page)->_refcount,
				    memory_order_relaxed);
}

/* Whether @page, any pointer, points at a struct page of mem_map. */
static inline bool phys_page_valid(const struct page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)phys.mem_map;

	return off < phys.max_pfn * sizeof(struct page) &&
	       off % sizeof(struct page) == 0;
}

static inline int phys_cpu_to_node(int cpu)
{
	return phys.cpu_node[cpu];
}

/*
 * The CPU the calling thread runs on, in [0, nr_cpus). With nr_cpus below
 * the host's, host CPUs share instance CPUs round-robin.
 */
static inline int phys_cpu(void)
{
	int cpu = sched_getcpu();

	if (unlikely(cpu < 0))
		return 0;
	if (unlikely(cpu >= phys.nr_cpus))
		cpu %= phys.nr_cpus;
	return cpu;
}

/* The mobility type of the pageblock holding @pfn; zone->lock or racy. */
static inline int get_pageblock_migratetype(const struct zone *zone,
					    unsigned long pfn)
{
	return READ_ONCE(zone->pageblock_mt[(pfn - zone->pageblock_base) >>
					    pageblock_order]);
}

static inline void set_pageblock_migratetype(struct zone *zone,
					     unsigned long pfn, int mt)
{
	WRITE_ONCE(zone->pageblock_mt[(pfn - zone->pageblock_base) >>
				      pageblock_order],
		   (uint8_t)mt);
}

/* gfp.c */

/*
 * The highest zone a request may use. Asking for both DMA zones is refused
 * by the caller before this is consulted.
 */
static inline enum zone_type gfp_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_DMA32)
		return ZONE_DMA32;
	return ZONE_NORMAL; /* no highmem or movable zone here */
}

/* The mobility type a request allocates as. */
static inline int gfp_migratetype(gfp_t gfp)
{
	if (gfp & __GFP_MOVABLE)
		return MIGRATE_MOVABLE;
	if (gfp & __GFP_RECLAIMABLE)
		return MIGRATE_RECLAIMABLE;
	return MIGRATE_UNMOVABLE;
}

/**
 * format_gfp() - print flags as "GFP_KERNEL|__GFP_ZERO"
 * @gfp: the flags
 * @buf: the output, always terminated
 * @len: its size
 */
void format_gfp(gfp_t gfp, char *buf, size_t len);

/**
 * phys_list_corrupt() - report a free-list link that does not point back
 * @page: the page being unlinked
 * @where: the list's kind, for the message
 *
 * Called at debug_vm >= 1 only, as CONFIG_DEBUG_LIST checks each unlink.
 *
 * Return: true (and one error line) when the neighbours disagree with @page.
 */
bool phys_list_corrupt(const struct page *page, const char *where);

/* The debug_vm >= 1 check before every unlink from a free list. */
static inline void phys_debug_unlink(const struct page *page, const char *where)
{
	if (unlikely(uvm_debug_vm))
		phys_list_corrupt(page, where);
}

/* memory.c */

/**
 * phys_init() - lay out nodes and zones and hand all frames to the buddy
 * @params: this layer's boot parameters (copied)
 *
 * Return: 0, or a negative errno after one line saying why; on failure
 * nothing is left allocated.
 */
int phys_init(const struct phys_params *params);

/**
 * phys_late_init() - finish booting once every layer is up
 *
 * Drains the per-CPU lists the other layers' boot allocations filled, and
 * arms fail_page_alloc=, so that injected failures never hit the boot itself
 * (as the kernel's boot allocations come before its fault injection).
 */
void phys_late_init(void);

/**
 * phys_exit() - return every host resource phys_init() took
 */
void phys_exit(void);

/* buddy.c: the zone free lists. Callers hold zone->lock. */

/**
 * __rmqueue() - take a free block of @order for mobility type @mt
 * @zone: the zone, its lock held
 * @order: the order wanted
 * @mt: the mobility type wanted; may steal from other types' pageblocks
 *
 * Return: the block's head page, off every list, or NULL.
 */
struct page *__rmqueue(struct zone *zone, unsigned int order, int mt);

/**
 * __free_one_page() - put a block on the free lists, merging buddies
 * @zone: the zone, its lock held
 * @page: the head of the block; its refcount is 0 and it is on no list
 * @order: its order
 * @to_tail: queue it last, to be handed out after the blocks already free
 *           (boot uses it so that low addresses go first); else first, since
 *           a just-freed block is cache-hot
 */
void __free_one_page(struct zone *zone, struct page *page, unsigned int order,
		     bool to_tail);

/**
 * rmqueue_bulk() - take up to @count blocks of @order onto @list
 * @zone: the zone (takes its lock)
 * @order: the order of each block
 * @count: how many blocks
 * @list: where to add them, in the order found
 * @mt: the mobility type wanted
 *
 * Return: the number of blocks taken.
 */
int rmqueue_bulk(struct zone *zone, unsigned int order, int count,
		 struct list_head *list, int mt);

/**
 * zone_free_block_count() - blocks of @order and @mt on @zone's free lists
 * @zone: the zone, its lock held
 * @order: the order
 * @mt: the mobility type
 */
unsigned long zone_free_block_count(struct zone *zone, unsigned int order,
				    int mt);

/* pcp.c: the per-CPU lists. */

/**
 * pcp_setup() - compute every zone's batch and high, init the lists
 * @zone: a populated zone, its pcp array allocated
 */
void pcp_setup(struct zone *zone);

/**
 * pcp_alloc() - take a block from this CPU's list, refilling it in a batch
 * @zone: the zone
 * @order: at most PAGE_ALLOC_COSTLY_ORDER
 * @mt: a type below MIGRATE_PCPTYPES
 * @cpu: the calling thread's CPU (phys_cpu())
 *
 * Return: the head page, or NULL when the zone has no block of @order.
 */
struct page *pcp_alloc(struct zone *zone, unsigned int order, int mt, int cpu);

/**
 * pcp_alloc_bulk() - fill the NULL slots of @array with order-0 pages
 * @zone: the zone
 * @mt: a type below MIGRATE_PCPTYPES
 * @nr: the array's length
 * @array: slots already holding a page are skipped
 * @cpu: the calling thread's CPU
 *
 * Holds this CPU's lock across the whole fill, as the kernel's bulk
 * allocator does; stops at the first slot it cannot fill.
 *
 * Return: the number of slots filled.
 */
unsigned long pcp_alloc_bulk(struct zone *zone, int mt, unsigned long nr,
			     struct page **array, int cpu);

/**
 * pcp_free() - give a block to this CPU's list, returning a batch past high
 * @zone: the zone
 * @page: the block's head, refcount 0, on no list
 * @order: at most PAGE_ALLOC_COSTLY_ORDER
 * @cpu: the calling thread's CPU
 *
 * Return: false when the list could not take it (lock busy, or the pageblock
 * is of a type without per-CPU lists); the caller frees to the buddy then.
 */
bool pcp_free(struct zone *zone, struct page *page, unsigned int order,
	      int cpu);

/**
 * pcp_drain_zone_cpu() - return all of one CPU's blocks of one zone
 * @zone: the zone
 * @cpu: the CPU
 */
void pcp_drain_zone_cpu(struct zone *zone, int cpu);

/* page_alloc.c */

/**
 * free_block_to_zone() - free a block whose refcount reached 0
 * @page: the head
 * @order: the block's order
 *
 * Poisons if asked, then hands the block to a per-CPU list or the buddy.
 */
void free_block_to_zone(struct page *page, unsigned int order);

/**
 * phys_table_alloc() - a zeroed page for a page table
 * @nid: the node to prefer, or NUMA_NO_NODE for the caller's
 *
 * Marked PG_table and counted in PageTables; __free_pages() refuses it.
 *
 * Return: the page, or NULL (after the usual allocation-failure line).
 */
struct page *phys_table_alloc(int nid);

/**
 * phys_table_free() - free a page phys_table_alloc() gave
 * @page: the table page
 */
void phys_table_free(struct page *page);

/**
 * phys_drain() - return every per-CPU block of @zone (NULL: all zones)
 * @zone: the zone
 *
 * drain_all_pages() without the boot check, for use during boot.
 */
void phys_drain(struct zone *zone);

/**
 * phys_zone_populated_count() - populated zones in all nodes
 */
int phys_zone_populated_count(void);

/* check.c */

/**
 * phys_frame_allocated() - whether frame @pfn belongs to an allocated block
 * @pfn: a valid frame
 *
 * True for the head and the tails of an allocated block, false for a frame
 * inside a free block (on a zone or per-CPU list). Racy against concurrent
 * allocation; for checkers.
 */
bool phys_frame_allocated(unsigned long pfn);

/**
 * phys_check() - the physical layer's whole-structure invariant checker
 *
 * Takes every pcp lock and zone lock in turn. Meaningful only while no other
 * thread allocates or frees (a block in flight is neither free nor owned).
 *
 * Return: the number of violations, each reported in one line.
 */
int phys_check(void);

#endif /* UVM_PHYS_PHYS_H */
