/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc layer's internal picture: the one place that joins an area
 * (kva), its pages (phys) and its mapping (mmu).
 *
 * Life of an area (area.c):
 *
 *   vm_area_reserve()    a range of the window, with its guard page, and
 *                        the struct vm_node that describes it
 *   ... the caller fills it: pages and mapping (vmalloc.c), caller-owned
 *       pages (vmap.c), a block of small mappings (vmap_block.c) ...
 *   vm_area_publish()    findable (find_vm_area, vmallocinfo) and owned
 *   vm_area_claim()      off the list: exactly one of two racing frees wins
 *   vm_area_release()    tables cleared at once, range freed lazily
 *   purge: the flush callback removes the host mapping (mmu_flush), then
 *          the reclaim callback frees the pages the area owns and the node
 *
 * so a stale pointer into a freed area can never reach a page that has a
 * new owner: the pages are freed only after the host mapping is gone.
 *
 * A released vmalloc() area whose host mapping still stands can be taken
 * back whole by a same-shaped vmalloc() before any purge (vm_area_revive):
 * its range, pages and host mapping are all still there, so only the tables
 * are written again and no host call is made.
 *
 * Live areas are kept on a list, for vmallocinfo (which sorts them by
 * address) and for the leak report at shutdown.
 */
#ifndef UVM_VMALLOC_VMALLOC_INT_H
#define UVM_VMALLOC_VMALLOC_INT_H

#include <linux/vmalloc.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/compiler.h"
#include "lib/err.h"
#include "lib/list.h"

struct vmap_area;

/* Flags of our own, above the kernel's VM_* bits. */
/* The area's pages array was itself vmalloc'ed ("vpages"). */
#define VM_VPAGES_INTERNAL 0x80000000UL
/* The area is such a pages array: it goes with its owner. */
#define VM_PAGES_ARRAY_INTERNAL 0x40000000UL
/* A vm_map_ram() area or vmap block: printed as "vm_map_ram". */
#define VM_RAM_INTERNAL 0x20000000UL
#define VM_INTERNAL_FLAGS \
	(VM_VPAGES_INTERNAL | VM_PAGES_ARRAY_INTERNAL | VM_RAM_INTERNAL)

/**
 * struct vmalloc_params - the boot parameters of this layer
 * @nohuge: nohugevmalloc: vmalloc_huge() maps with small pages only
 * @revive: vmalloc_revive=: a vmalloc() may take back a freed area of its
 *          shape whole before the purge (0: every area is new, as in the
 *          kernel)
 */
struct vmalloc_params {
	int nohuge;
	int revive;
};

extern struct vmalloc_params vmalloc_params;

/**
 * struct vm_node - a vm_struct with what only this layer needs
 * @vm: what callers see
 * @va: the area behind it (NULL once remove_vm_area() gave it up)
 * @list: on the live list while published; on a revival list while
 *        released but revivable; else empty
 * @private: the user's cookie (a vmap block)
 * @prot: the protection the pages are mapped with
 * @zone_gfp: the zone modifiers the pages were allocated with
 * @nid: the node the caller asked for (NUMA_NO_NODE: any)
 * @live: published and not yet claimed
 */
struct vm_node {
	struct vm_struct vm;
	struct vmap_area *va;
	struct list_head list;
	void *private;
	pgprot_t prot;
	gfp_t zone_gfp;
	int nid;
	bool live;
};

static inline struct vm_node *vm_node_of(const struct vm_struct *vm)
{
	return container_of(vm, struct vm_node, vm);
}

/* area.c */

/**
 * vm_area_reserve() - a range of the window and the node describing it
 * @size: bytes, page-aligned, without the guard page
 * @align: a power of two (below PAGE_SIZE means PAGE_SIZE)
 * @start: the range must lie in [@start, @end)
 * @end: see @start
 * @vm_flags: VM_* flags for the area (VM_NO_GUARD: no guard page)
 * @kva_flags: extra KVA_* flags (KVA_TOPDOWN)
 * @gfp: only __GFP_NOWARN matters: fail without the warning line
 * @caller: recorded for vmallocinfo
 *
 * The node is not published: nobody can find it until vm_area_publish().
 *
 * Return: the node, or NULL after one warning line (unless __GFP_NOWARN).
 */
struct vm_node *vm_area_reserve(unsigned long size, unsigned long align,
				unsigned long start, unsigned long end,
				unsigned long vm_flags, unsigned int kva_flags,
				gfp_t gfp, const void *caller);

/**
 * vm_area_publish() - make a filled node findable, and count its pages
 * @vmn: from vm_area_reserve(), with its pages and mapping in place
 */
void vm_area_publish(struct vm_node *vmn);

/**
 * vm_area_claim() - take the live area starting at @addr off the list
 * @addr: the area's first address
 * @forbid: VM_* flags the caller may not free this way (the area stays)
 *
 * Of two racing claims of one address exactly one succeeds.
 *
 * Return: the area's node, now off the list; ERR_PTR(-ENOENT) if no live
 * area starts at @addr, or ERR_PTR(-EPERM) if it has a flag in @forbid.
 */
struct vm_node *vm_area_claim(const void *addr, unsigned long forbid);

/**
 * vm_area_release() - unmap a claimed area and free it lazily
 * @vmn: claimed (or never published)
 * @revivable: a vmalloc() area whose pages and mapping may be reused whole
 *             by a later vm_area_revive() until the purge
 *
 * The tables forget the range now; the host mapping, the pages the area
 * owns and @vmn itself go when a purge has flushed the range.
 */
void vm_area_release(struct vm_node *vmn, bool revivable);

/**
 * vm_area_remove() - unmap a claimed area, keeping its node for the caller
 * @vmn: claimed
 *
 * remove_vm_area(): the range is freed lazily, but the node (and whatever
 * its pages array lists) stays the caller's, to free with free_vm_area().
 */
void vm_area_remove(struct vm_node *vmn);

/**
 * vm_area_discard() - undo a vm_area_reserve() that was never mapped
 * @vmn: never published; nothing mapped in its range
 *
 * Frees the pages it owns (see vm_area_free_node()) at once.
 */
void vm_area_discard(struct vm_node *vmn);

/**
 * vm_area_free_node() - free a node and what it owns
 * @vmn: unreachable: off every list, not an owner of any kva area
 *
 * Owned are the pages of VM_ALLOC and VM_MAP_PUT_PAGES areas and their
 * pages array (a VM_MAP_PUT_PAGES array goes back through kvfree()).
 */
void vm_area_free_node(struct vm_node *vmn);

/**
 * vm_area_revive() - take back a released, still mapped vmalloc() area
 * @nr: its pages
 * @align: the address must be aligned so
 * @start: and lie in [@start, @end)
 * @end: see @start
 * @vm_flags: its flags must be exactly these
 * @prot: its protection
 * @zone_gfp: its pages' zone modifiers
 * @nid: its node (NUMA_NO_NODE: any)
 *
 * Return: the node, busy again, mapped again, not yet published; or NULL
 * when no released area of this shape is at hand.
 */
struct vm_node *vm_area_revive(unsigned long nr, unsigned long align,
			       unsigned long start, unsigned long end,
			       unsigned long vm_flags, pgprot_t prot,
			       gfp_t zone_gfp, int nid);

/**
 * vm_area_resize() - record a live area's new shape
 * @vmn: live, its kva area already covering @nr pages (and guard)
 * @pages: its pages array (when new, the caller frees the old one)
 * @nr: its entries
 * @requested: the size the caller now asks for
 *
 * Under the list lock, so that vmallocinfo reads either shape whole.
 */
void vm_area_resize(struct vm_node *vmn, struct page **pages, unsigned int nr,
		    unsigned long requested);

/**
 * vm_area_mark_pages_array() - flag the live area at @array as another
 *                              area's pages array
 * @array: its first address
 *
 * Under the list lock, which vmallocinfo reads the flags under. The array
 * then leaves with its owner and is never reported as a leak of its own.
 */
void vm_area_mark_pages_array(const void *array);

/**
 * vm_area_find() - the live node whose area contains @addr
 * @addr: any address
 *
 * The node stays valid only as long as the caller knows nobody frees it.
 *
 * Return: the node or NULL.
 */
struct vm_node *vm_area_find(const void *addr);

/**
 * vmalloc_init() - connect the purge callbacks, empty the area lists
 * @params: this layer's boot parameters (copied)
 *
 * Return: 0.
 */
int vmalloc_init(const struct vmalloc_params *params);

/**
 * vmalloc_exit() - report every live area as a leak, then free it
 *
 * Called before the lower layers go: each area still allocated gets one
 * line naming its caller and size, as a leak detector would print it.
 *
 * Return: the number of areas that were still allocated.
 */
unsigned long vmalloc_exit(void);

/**
 * vmalloc_for_each() - visit every live area, in no particular order
 * @fn: called with each area, under the area-list lock (it must not call
 *      back into vmalloc)
 * @arg: passed to @fn
 */
void vmalloc_for_each(void (*fn)(const struct vm_struct *vm, void *arg),
		      void *arg);

/**
 * vmalloc_for_each_unpurged() - visit every lazily freed range not yet
 *                               collected by a purge
 * @fn: called with each range [@start, @end), under a kva lock (it must
 *      not call back into vmalloc or kva)
 * @arg: passed to @fn
 */
void vmalloc_for_each_unpurged(void (*fn)(unsigned long start,
					  unsigned long end, void *arg),
			       void *arg);

/**
 * vmalloc_nr_pages() - pages currently held by vmalloc areas
 */
unsigned long vmalloc_nr_pages(void);

/**
 * vmalloc_check() - the vmalloc layer's checker
 *
 * Every listed area is busy in kva at its address with the right size, its
 * pages are mapped where they should be, every revivable area is lazy and
 * still owned, and the page count agrees.
 *
 * Return: the number of violations, each reported in one line.
 */
int vmalloc_check(void);

/* vmalloc.c */

/**
 * vm_free_addr() - vfree() from inside the library: never deferred
 * @addr: as vfree()'s; anything else gets its warning
 */
void vm_free_addr(const void *addr);

/**
 * vm_alloc_pages() - fill an array with order-0 pages the vmalloc way
 * @gfp: allocation flags
 * @nid: the node, or NUMA_NO_NODE
 * @nr: how many
 * @pages: filled from the start
 *
 * High-order blocks first (split), then the bulk allocator, at most 100
 * pages a call, then single pages.
 *
 * Return: how many were filled; on a shortfall the caller frees them.
 */
unsigned long vm_alloc_pages(gfp_t gfp, int nid, unsigned long nr,
			     struct page **pages);

/**
 * vm_copy() - copy between addresses either of which may be vmalloc'ed
 * @dst: destination
 * @src: source
 * @n: bytes
 *
 * memcpy() where the window is really mapped; through vread()/vwrite()
 * with mmu=soft.
 */
void vm_copy(void *dst, const void *src, size_t n);

/**
 * vm_walk_to_pfn() - the frame mapped at a window address, through any
 *                    leaf size
 * @addr: any address (outside the window: a hole)
 * @pfn: set to the frame (it may lie beyond RAM for a vmap_pfn() area)
 *
 * Return: false for a hole.
 */
bool vm_walk_to_pfn(const void *addr, unsigned long *pfn);

/**
 * vm_free_pages() - free the order-0 pages of an array, skipping holes
 * @pages: the array
 * @nr: its entries
 */
void vm_free_pages(struct page **pages, unsigned long nr);

/* vmap_block.c */

/**
 * vmap_block_init() - empty per-CPU vmap block lists for a new instance
 */
void vmap_block_init(void);

/**
 * vmap_block_check() - the vm_map_ram() checker: every block and large
 *                      mapping agrees with its bookkeeping and the tables
 *
 * Return: the number of violations, each reported in one line.
 */
int vmap_block_check(void);

/**
 * vmap_block_exit() - report vm_map_ram() mappings never unmapped, and
 *                     release every vmap block
 *
 * Called by vmalloc_exit() before its own leak report.
 */
void vmap_block_exit(void);

/* deferred.c */

/**
 * vfree_deferred_if_signal() - park a vfree() made from a signal handler
 * @addr: what it frees
 *
 * A thread already inside the library (holding a lock, or in an entry
 * point) can only call vfree() from a handler that interrupted it.
 *
 * Return: true if the free was parked for a later drain.
 */
bool vfree_deferred_if_signal(const void *addr);

/**
 * vm_enter() - the start of every vmalloc-layer entry point
 *
 * The call counts as inside the library from here (a signal handler that
 * interrupts it parks its frees), and the frees parked so far are carried
 * out. Ends with uvm_call_leave().
 */
void vm_enter(void);

/**
 * vm_free_enter() - the common start of vfree() and vunmap()
 * @addr: what is to be freed
 *
 * NULL, or no instance to be had, ends the call; from a signal handler
 * that interrupted the library the free is parked. Otherwise the parked
 * frees are carried out first, and the call counts as inside the library.
 *
 * Return: true if the caller goes on (and ends with uvm_call_leave()).
 */
bool vm_free_enter(const void *addr);

/**
 * vmalloc_drain_deferred() - carry out the parked frees
 *
 * Only right after the outermost uvm_call_enter() of this thread (see
 * vm_enter()); anywhere else it does nothing. Reports frees dropped
 * because the table was full.
 *
 * Return: the number of frees carried out.
 */
unsigned long vmalloc_drain_deferred(void);

/**
 * vmalloc_deferred_counts() - frees parked, and carried out, since the
 *                             process started
 * @parked: set to the frees parked
 * @done: set to the parked frees carried out
 */
void vmalloc_deferred_counts(unsigned long *parked, unsigned long *done);

#endif /* UVM_VMALLOC_VMALLOC_INT_H */
