/* SPDX-License-Identifier: MIT */
/*
 * The kernel-virtual-address allocator: which ranges of the vmalloc window
 * are busy, lazily freed, pooled or free. Pure address arithmetic: nothing
 * here touches a page or a page table.
 *
 * Every address of the window is in exactly one state at any moment:
 *
 *   busy    handed out by kva_alloc(), findable with kva_find()
 *   lazy    freed by kva_free() but its host mappings may still exist; not
 *           allocatable until a purge has flushed and reclaimed it
 *   pooled  free, parked in a per-node pool of same-sized areas (6.9 design)
 *   free    in the strategy's free space
 *   purging lazy, but collected by a purge (or kept by one whose flush was
 *           refused): no longer revivable
 *
 * kva_check() proves that the four sets never overlap and cover the window
 * exactly, plus each strategy's own invariants.
 *
 * Three historical strategies (kva=) keep the free space, each as its era
 * did, behind one interface (struct kva_strategy):
 *
 *   list     2.6.12: busy areas on one address-sorted list, searched from
 *            the start for the first gap; frees are immediate.
 *   rbtree   2.6.28..5.1: busy areas in a red-black tree and a sorted list,
 *            the search starting from the last allocation under the
 *            free_vmap_cache rules; lazy frees stay in the busy tree,
 *            flagged, until a purge.
 *   augment  5.2+: free space in its own address-sorted red-black tree,
 *            each node augmented with the largest free block below it;
 *            lowest-address first fit; the 6.9 vmap nodes with per-node
 *            busy and lazy sets and pools of small free areas.
 *
 * The core (core.c) validates requests, adds the guard page, retries once
 * after a purge, keeps the lazy accounting and runs purges: collect the lazy
 * areas, have the owner flush their host mappings in as few contiguous
 * ranges as possible, let the owner reclaim what it attached to each area
 * (its pages: they must not be reused before the flush), then give the
 * ranges back to the strategy.
 */
#ifndef UVM_KVA_KVA_H
#define UVM_KVA_KVA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "lib/compiler.h"
#include "lib/list.h"
#include "lib/rbtree.h"
#include "lib/spinlock.h"

enum va_state {
	VA_FREE,
	VA_BUSY,
	VA_LAZY,
	VA_POOLED,
	VA_PURGING
};

/* kva_alloc() flags */
#define KVA_NO_GUARD 0x1 /* no guard page after the area */
#define KVA_TOPDOWN 0x2	 /* highest fitting address (per-CPU areas) */
#define KVA_NOWARN 0x4	 /* fail without the warning line */

/**
 * struct vmap_area - one range of the window
 * @va_start: first address
 * @va_end: one past the last (the guard page, if any, is inside)
 * @rb_node: in the tree of its state (busy, lazy or free), if any
 * @list: in the address-sorted list of its state, or a pool
 * @purge: lazy areas: in the strategy's lazy set; during a purge, in the
 *         batch being purged (never used for anything else, so an rbtree-era
 *         lazy area can sit in the busy list and a batch at once)
 * @subtree_max_size: free tree only: the largest free area in the subtree
 * @owner: busy and lazy: the owner's cookie (its vm_struct)
 * @state: enum va_state
 * @node: the vmap node that keeps it (augment with vmap nodes; else 0)
 * @flags: the owner's flags (e.g. which API made it), kept for the owner
 */
struct vmap_area {
	unsigned long va_start;
	unsigned long va_end;
	struct rb_node rb_node;
	struct list_head list;
	struct list_head purge;
	union {
		unsigned long subtree_max_size;
		void *owner;
	};
	uint8_t state;
	uint16_t node;
	unsigned long flags;
};

static inline unsigned long va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

/*
 * The order of every tree of areas, for rb_add(): by start address. Areas
 * in one tree never overlap, so no two starts are equal.
 */
static inline bool va_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vmap_area, rb_node)->va_start <
	       rb_entry(b, const struct vmap_area, rb_node)->va_start;
}

/*
 * An address against an area, for rb_find(): zero when the area holds it,
 * so a lookup finds the area containing an address, not only one starting
 * there.
 */
static inline int va_addr_cmp(const void *key, const struct rb_node *n)
{
	unsigned long addr = *(const unsigned long *)key;
	const struct vmap_area *va =
		rb_entry(n, const struct vmap_area, rb_node);

	if (addr < va->va_start)
		return -1;
	return addr >= va->va_end;
}

/**
 * struct kva_params - the boot parameters of this layer
 * @strategy: kva=: 0 list, 1 rbtree, 2 augment
 * @lazy: lazy=: 0 purges at every free
 * @lazy_max_pages: 0 computes the kernel's fls(nr_cpus) * 32 MiB worth
 * @vmap_nodes: vmap_nodes=: 0 means clamp(nr_cpus, 1, 128)
 * @vmap_pools: vmap_pools=: per-node pools of small free areas (augment)
 */
struct kva_params {
	int strategy;
	int lazy;
	unsigned long lazy_max_pages;
	long vmap_nodes;
	int vmap_pools;
};

enum kva_strategy_id {
	KVA_LIST,
	KVA_RBTREE,
	KVA_AUGMENT,
	NR_KVA_STRATEGIES
};

/**
 * struct kva_strategy - one era's free-space design
 * @name: "list", "rbtree" or "augment"
 * @lazy: whether frees may be deferred (false: the 2.6.12 design)
 * @init: the whole window [start, end) is free; set up the structures
 * @exit: free every struct vmap_area it holds, whatever its state
 * @alloc: carve a busy area of @size (already including any guard) aligned
 *         to @align inside [@vstart, @vend), lowest address first (highest
 *         with @topdown); @cpu_node is the caller's vmap node for pools.
 *         Takes its own locks. Returns NULL if no range fits.
 * @find: the busy area containing @addr, or NULL; lazy areas are not busy
 * @free_lazy: @va (busy) becomes lazy; it stays unallocatable
 * @collect_lazy: chain every lazy area onto @list through va->purge (any
 *                order), taking them out of the lazy set and marking them
 *                VA_PURGING; they stay unallocatable (an rbtree-era area
 *                stays in the busy tree until @release); returns their
 *                total pages
 * @revive: if @va is still in the lazy set (not collected), take it out
 *          and make it busy again; NULL where frees are immediate
 * @for_each_lazy: call @fn for every area in the lazy set, under the lock
 *                 that guards it (@fn must not call back into kva)
 * @absorb: busy @next starts at busy @va's end: @va grows over it, and
 *          @next leaves every structure (the strategy va_free()s it)
 * @release: @va (collected, or busy when frees are immediate; the owner is
 *           done with it) leaves every structure it is in and goes back to
 *           free space (or a pool); the strategy may merge and va_free() it
 * @decay: shrink pools as a purge does (25% of each; all of it if @all)
 * @for_each: call @fn for every area the strategy holds, whatever its state
 *            (busy, lazy, pooled, free), except areas collected by a purge
 *            and not yet released (the core reports those it keeps); the
 *            caller holds no lock and nothing else runs (for the checker)
 * @check: the strategy's own invariants (trees, lists, maxima, caches);
 *         returns the number of violations, each reported in one line
 */
struct kva_strategy {
	const char *name;
	bool lazy;
	int (*init)(unsigned long start, unsigned long end);
	void (*exit)(void);
	struct vmap_area *(*alloc)(unsigned long size, unsigned long align,
				   unsigned long vstart, unsigned long vend,
				   bool topdown, int cpu_node);
	struct vmap_area *(*find)(unsigned long addr);
	void (*free_lazy)(struct vmap_area *va);
	unsigned long (*collect_lazy)(struct list_head *list);
	bool (*revive)(struct vmap_area *va);
	void (*for_each_lazy)(void (*fn)(struct vmap_area *va, void *arg),
			      void *arg);
	void (*absorb)(struct vmap_area *va, struct vmap_area *next);
	void (*release)(struct vmap_area *va);
	void (*decay)(bool all);
	void (*for_each)(void (*fn)(struct vmap_area *va, void *arg),
			 void *arg);
	int (*check)(void);
};

extern const struct kva_strategy kva_list_strategy;
extern const struct kva_strategy kva_rbtree_strategy;
extern const struct kva_strategy kva_augment_strategy;

/**
 * struct kva_owner_ops - what the owner of the areas (the vmalloc layer)
 * does during a purge
 * @flush: remove the host mappings of [@start, @end), which covers only
 *         lazy areas (and their guard pages); return 0 or a negative errno
 *         (then the areas stay lazy and are retried at the next purge)
 * @reclaim: the owner's last look at a purged area: free what it attached
 *           to @va->owner (its pages); called after the flush
 */
struct kva_owner_ops {
	int (*flush)(unsigned long start, unsigned long end);
	void (*reclaim)(struct vmap_area *va);
};

/**
 * struct kva_state - the allocator of an instance
 * @params: as booted
 * @ops: the strategy
 * @owner: the owner's purge callbacks (none: nothing to flush or reclaim)
 * @start: the window's first address
 * @end: one past its last
 * @nr_vmap_nodes: vmap nodes in use (1 unless augment with nodes)
 * @lazy_max_pages: past this many lazy pages, a free purges
 * @lazy_pages: lazily freed pages not yet purged
 * @purge_lock: one purge at a time (a sleeping lock, as the kernel's
 *              vmap_purge_lock: a purge may take a while)
 * @deferred: collected areas whose flush the owner refused, retried at the
 *            next purge (through va->purge; under @purge_lock)
 * @nr_busy: busy areas
 * @purges: purges run
 * @purged_areas: areas returned to free space by purges
 * @flush_calls: owner flush calls made by purges
 * @failures: allocations that found no range even after a purge
 */
struct kva_state {
	struct kva_params params;
	const struct kva_strategy *ops;
	const struct kva_owner_ops *owner;
	unsigned long start;
	unsigned long end;
	int nr_vmap_nodes;
	unsigned long lazy_max_pages;
	atomic_ulong lazy_pages;
	pthread_mutex_t purge_lock;
	struct list_head deferred;
	atomic_long nr_busy;
	atomic_ulong purges;
	atomic_ulong purged_areas;
	atomic_ulong flush_calls;
	atomic_ulong failures;
};

extern struct kva_state kva;

/* The vmap node an address belongs to: 16-page zones, round-robin. */
#define VMAP_ZONE_SIZE (16UL << 12)

static inline int kva_addr_to_node(unsigned long addr)
{
	return (int)((addr / VMAP_ZONE_SIZE) %
		     (unsigned long)kva.nr_vmap_nodes);
}

/* @x rounded up to @align (a power of two); false if that wraps. */
static inline bool kva_align_up(unsigned long x, unsigned long align,
				unsigned long *res)
{
	unsigned long r = (x + align - 1) & ~(align - 1);

	if (r < x)
		return false;
	*res = r;
	return true;
}

/* gaps.c: for the designs that keep only busy areas (list, rbtree) */

/**
 * kva_report_list() - hand every area of a sorted list, and every gap
 *                     between them, to a for_each callback
 * @head: areas sorted by address, linked through va->list
 * @start: the window's first address
 * @end: one past its last
 * @skip_lazy: do not report VA_LAZY areas (whoever keeps them does); their
 *             range is still not a gap
 * @fn: the callback; a gap comes as a temporary VA_FREE area on the stack
 * @arg: passed to @fn
 *
 * The caller holds the lock that guards @head.
 */
void kva_report_list(struct list_head *head, unsigned long start,
		     unsigned long end, bool skip_lazy,
		     void (*fn)(struct vmap_area *va, void *arg), void *arg);

/**
 * kva_highest_gap() - the highest fitting address, walking a sorted list
 *                     down from @va
 * @head: areas sorted by address, linked through va->list
 * @va: the highest area that starts below @vend, or NULL if none does
 * @size: bytes wanted
 * @align: a power of two
 * @vstart: the range's bottom
 * @vend: and top
 * @addrp: set to the address found
 * @below: set to the area just under the gap (NULL: the gap is the bottom)
 *
 * Return: whether a fitting address exists.
 */
bool kva_highest_gap(struct list_head *head, struct vmap_area *va,
		     unsigned long size, unsigned long align,
		     unsigned long vstart, unsigned long vend,
		     unsigned long *addrp, struct vmap_area **below);

/* area.c: struct vmap_area storage */

/**
 * va_alloc() - a zeroed struct vmap_area from the C heap
 *
 * Return: the struct, or NULL.
 */
struct vmap_area *va_alloc(void);

/**
 * va_free() - give a struct vmap_area back
 * @va: from va_alloc(); on no list or tree
 */
void va_free(struct vmap_area *va);

/* core.c */

/**
 * kva_init() - the whole window [start, end) becomes free space
 * @params: this layer's boot parameters (copied)
 * @start: the window's first address (page-aligned)
 * @end: one past its last
 * @nr_cpus: the instance's CPUs, for lazy_max_pages and the vmap nodes
 *
 * Return: 0 or a negative errno after one line saying why.
 */
int kva_init(const struct kva_params *params, unsigned long start,
	     unsigned long end, int nr_cpus);

/**
 * kva_exit() - free every area structure
 */
void kva_exit(void);

/**
 * kva_set_owner() - install the owner's purge callbacks
 * @owner: the callbacks, or NULL for none
 */
void kva_set_owner(const struct kva_owner_ops *owner);

/**
 * kva_alloc() - reserve a range of the window
 * @size: bytes, page-aligned, without the guard page
 * @align: a power of two, at least PAGE_SIZE
 * @vstart: the range must start at or above this
 * @vend: and end at or below this
 * @flags: KVA_NO_GUARD, KVA_TOPDOWN, KVA_NOWARN
 * @cpu: the caller's CPU (for the vmap node of its pool)
 *
 * On failure, purges lazy areas and retries once; then warns (unless
 * KVA_NOWARN) in the kernel's words.
 *
 * Return: the busy area, whose va_end includes the guard page, or NULL.
 */
struct vmap_area *kva_alloc(unsigned long size, unsigned long align,
			    unsigned long vstart, unsigned long vend,
			    unsigned int flags, int cpu);

/**
 * kva_find() - the busy area containing @addr
 * @addr: any address
 *
 * Return: the area or NULL.
 */
struct vmap_area *kva_find(unsigned long addr);

/**
 * kva_free() - free a busy area lazily (or at once: lazy=0, or kva=list)
 * @va: a busy area from kva_alloc()
 *
 * The owner's cookie stays on the area until its reclaim callback; past
 * lazy_max_pages lazy pages, this call purges.
 */
void kva_free(struct vmap_area *va);

/**
 * kva_revive() - take a lazily freed area back before any purge flushed it
 * @va: an area given to kva_free(); its owner cookie is still set
 *
 * For an owner that keeps what it mapped over a freed area (pages, host
 * mapping) until the reclaim: reviving the area makes it busy again with
 * all of that intact, so a same-sized allocation costs no mapping at all.
 * Fails once a purge has collected the area (its flush may be under way),
 * and always where frees are immediate (kva=list).
 *
 * Return: true if @va is busy again and the caller owns it.
 */
bool kva_revive(struct vmap_area *va);

/**
 * kva_absorb() - grow a busy area over the busy area just above it
 * @va: a busy area
 * @next: a busy area starting at @va->va_end (say, reserved with an exact
 *        range for the purpose); it is gone afterwards
 *
 * For growing an area in place: reserve the space above it first, map
 * into it, and only then absorb it (or kva_free() it on failure).
 */
void kva_absorb(struct vmap_area *va, struct vmap_area *next);

/**
 * kva_for_each_lazy() - visit every lazily freed area not yet collected
 * @fn: called under the lock of the set that holds the area; it must not
 *      call into kva
 * @arg: passed to @fn
 *
 * For the "unpurged vm_area" lines of vmallocinfo.
 */
void kva_for_each_lazy(void (*fn)(struct vmap_area *va, void *arg), void *arg);

/**
 * kva_purge() - flush and reclaim every lazy area now
 * @decay_all: also empty every pool back into free space
 *
 * Return: the number of areas purged.
 */
unsigned long kva_purge(bool decay_all);

/**
 * kva_check() - the allocator's whole-structure checker
 *
 * Meaningful only while no other thread allocates or frees.
 *
 * Return: the number of violations, each reported in one line.
 */
int kva_check(void);

#endif /* UVM_KVA_KVA_H */
