/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc layer's internal picture: the one place that joins an area
 * (kva), its pages (phys) and its mapping (mmu).
 *
 * Life of a vmalloc() area:
 *
 *   kva_alloc()          a range of the window, with its guard page
 *   pages                from the page allocator (high orders first, split;
 *                        then the bulk allocator; then single pages)
 *   mmu_map_pages()      tables, and the host mapping of each contiguous run
 *   ... in use ...
 *   vfree(): mmu_clear() the tables at once, kva_free() the range (lazy)
 *   purge: the flush callback removes the host mapping (mmu_flush), then
 *          the reclaim callback frees the pages and the vm_struct
 *
 * so a stale pointer into a freed area can never reach a page that has a
 * new owner: the pages are freed only after the host mapping is gone.
 *
 * Live areas are also kept on a list, for vmallocinfo (which sorts them by
 * address) and for the leak report at shutdown.
 */
#ifndef UVM_VMALLOC_VMALLOC_INT_H
#define UVM_VMALLOC_VMALLOC_INT_H

#include <linux/vmalloc.h>
#include <stdio.h>

/**
 * vmalloc_init() - connect the purge callbacks, empty the area list
 *
 * Return: 0.
 */
int vmalloc_init(void);

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
 * vmalloc_nr_pages() - pages currently held by vmalloc areas
 */
unsigned long vmalloc_nr_pages(void);

/**
 * vmalloc_check() - the vmalloc layer's checker
 *
 * Every listed area is busy in kva at its address with the right size, its
 * pages are mapped where they should be, and the page count agrees.
 *
 * Return: the number of violations, each reported in one line.
 */
int vmalloc_check(void);

#endif /* UVM_VMALLOC_VMALLOC_INT_H */
