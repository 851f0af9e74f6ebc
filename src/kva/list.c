/* SPDX-License-Identifier: MIT */
/*
 * The 2.6.12 area allocator: every busy area sits on one list sorted by
 * address, and nothing else is kept. Free space is whatever lies between
 * two neighbours on the list.
 *
 * An allocation walks the list from its head and takes the lowest aligned
 * address whose range fits before the next busy area (top-down requests
 * walk from the tail and take the highest). A lookup walks the list too:
 * every operation costs O(number of busy areas), which is what the later
 * designs were written to fix. Frees are immediate, so no area is ever lazy.
 *
 *   window: |busy|  gap  |busy|busy|      gap      |busy|  gap  |
 *   list:    A ---------> B -> C ----------------> D
 *
 * One spinlock covers the list, the counter and the window bounds.
 */
#include <errno.h>
#include <linux/mm.h>

#include "kva.h"
#include "lib/log.h"

#define violation(fmt, ...) (pr_err("kva_check: list: " fmt, ##__VA_ARGS__), 1)

static spinlock_t vmlist_lock = __SPIN_LOCK_UNLOCKED;
static struct list_head vmlist = LIST_HEAD_INIT(vmlist);
static unsigned long vmlist_start, vmlist_end; /* the window */
static unsigned long vmlist_nr;		       /* areas on the list */

/* Whether [@addr, @addr + @size) ends at or below @limit, without wrapping. */
static inline bool fits_below(unsigned long addr, unsigned long size,
			      unsigned long limit)
{
	return addr <= limit && limit - addr >= size;
}

/*
 * The lowest fitting address. *@prev receives the list node the new area
 * goes after (the head when it becomes the first).
 */
static bool vmlist_find_lowest(unsigned long size, unsigned long align,
			       unsigned long vstart, unsigned long vend,
			       unsigned long *addrp, struct list_head **prev)
{
	struct list_head *after = &vmlist;
	struct vmap_area *tmp;
	unsigned long addr;

	if (!kva_align_up(vstart, align, &addr))
		return false;
	list_for_each_entry(tmp, &vmlist, list) {
		if (tmp->va_end <= addr) {
			/* Wholly below the candidate: skip it. */
			after = &tmp->list;
			continue;
		}
		if (fits_below(addr, size, min(tmp->va_start, vend)))
			goto found;
		if (tmp->va_start >= vend)
			return false;
		/* Overlaps, or the gap before it is too small: jump past. */
		if (!kva_align_up(tmp->va_end, align, &addr) || addr >= vend)
			return false;
		after = &tmp->list;
	}
	if (!fits_below(addr, size, vend))
		return false;
found:
	*addrp = addr;
	*prev = after;
	return true;
}

/* The highest fitting address, walking from the tail; as above. */
static bool vmlist_find_highest(unsigned long size, unsigned long align,
				unsigned long vstart, unsigned long vend,
				unsigned long *addrp, struct list_head **prev)
{
	struct vmap_area *top = NULL, *below, *tmp;

	list_for_each_entry(tmp, &vmlist, list) {
		if (tmp->va_start >= vend)
			break;
		top = tmp;
	}
	if (!kva_highest_gap(&vmlist, top, size, align, vstart, vend, addrp,
			     &below))
		return false;
	*prev = below ? &below->list : &vmlist;
	return true;
}

static int vmlist_init(unsigned long start, unsigned long end)
{
	if (start >= end)
		return -EINVAL;
	spin_lock(&vmlist_lock);
	INIT_LIST_HEAD(&vmlist);
	vmlist_start = start;
	vmlist_end = end;
	vmlist_nr = 0;
	spin_unlock(&vmlist_lock);
	return 0;
}

static void vmlist_exit(void)
{
	struct vmap_area *va, *n;

	spin_lock(&vmlist_lock);
	list_for_each_entry_safe(va, n, &vmlist, list)
		va_free(va);
	INIT_LIST_HEAD(&vmlist);
	vmlist_nr = 0;
	spin_unlock(&vmlist_lock);
}

static struct vmap_area *vmlist_alloc(unsigned long size, unsigned long align,
				      unsigned long vstart, unsigned long vend,
				      bool topdown, int cpu_node)
{
	struct vmap_area *va = va_alloc();
	struct list_head *prev;
	unsigned long addr;
	bool found;

	(void)cpu_node;
	if (!va)
		return NULL;
	spin_lock(&vmlist_lock);
	if (topdown)
		found = vmlist_find_highest(size, align, vstart, vend, &addr,
					    &prev);
	else
		found = vmlist_find_lowest(size, align, vstart, vend, &addr,
					   &prev);
	if (found) {
		va->va_start = addr;
		va->va_end = addr + size;
		va->state = VA_BUSY;
		list_add(&va->list, prev);
		vmlist_nr++;
	}
	spin_unlock(&vmlist_lock);
	if (!found) {
		va_free(va);
		return NULL;
	}
	return va;
}

static struct vmap_area *vmlist_find(unsigned long addr)
{
	struct vmap_area *tmp, *va = NULL;

	spin_lock(&vmlist_lock);
	list_for_each_entry(tmp, &vmlist, list) {
		if (addr < tmp->va_start)
			break;
		if (addr < tmp->va_end) {
			va = tmp;
			break;
		}
	}
	spin_unlock(&vmlist_lock);
	return va;
}

static void vmlist_release(struct vmap_area *va)
{
	spin_lock(&vmlist_lock);
	list_del_init(&va->list);
	vmlist_nr--;
	spin_unlock(&vmlist_lock);
	va_free(va);
}

static void vmlist_absorb(struct vmap_area *va, struct vmap_area *next)
{
	spin_lock(&vmlist_lock);
	list_del_init(&next->list);
	vmlist_nr--;
	va->va_end = next->va_end;
	spin_unlock(&vmlist_lock);
	va_free(next);
}

/* This design has no lazy state: a lazy free is an immediate one. */
static void vmlist_free_lazy(struct vmap_area *va)
{
	vmlist_release(va);
}

static unsigned long vmlist_collect_lazy(struct list_head *list)
{
	(void)list;
	return 0;
}

static void vmlist_decay(bool all)
{
	(void)all;
}

static void vmlist_for_each(void (*fn)(struct vmap_area *va, void *arg),
			    void *arg)
{
	spin_lock(&vmlist_lock);
	kva_report_list(&vmlist, vmlist_start, vmlist_end, false, fn, arg);
	spin_unlock(&vmlist_lock);
}

static int vmlist_check(void)
{
	struct vmap_area *va, *prev = NULL;
	unsigned long nr = 0;
	struct list_head *pos;
	bool cut = false;
	int bad = 0;

	spin_lock(&vmlist_lock);
	for (pos = vmlist.next; pos != &vmlist; pos = pos->next) {
		if (pos->next->prev != pos || pos->prev->next != pos) {
			bad += violation("broken links at list node %p",
					 (void *)pos);
			cut = true;
			break;
		}
		if (++nr > vmlist_nr) {
			bad += violation(
				"more areas on the list than the %lu counted",
				vmlist_nr);
			cut = true;
			break;
		}
		va = list_entry(pos, struct vmap_area, list);
		if (va->state != VA_BUSY)
			bad += violation(
				"area %#lx-%#lx has state %d, not busy",
				va->va_start, va->va_end, va->state);
		if (va->va_start >= va->va_end)
			bad += violation("area %#lx-%#lx is empty",
					 va->va_start, va->va_end);
		if (!PAGE_ALIGNED(va->va_start) || !PAGE_ALIGNED(va->va_end))
			bad += violation("area %#lx-%#lx is not page-aligned",
					 va->va_start, va->va_end);
		if (va->va_start < vmlist_start || va->va_end > vmlist_end)
			bad += violation(
				"area %#lx-%#lx is outside the window %#lx-%#lx",
				va->va_start, va->va_end, vmlist_start,
				vmlist_end);
		if (prev && va->va_start < prev->va_end)
			bad += violation(
				"area %#lx-%#lx follows %#lx-%#lx: out of order or overlapping",
				va->va_start, va->va_end, prev->va_start,
				prev->va_end);
		prev = va;
	}
	if (!cut && nr != vmlist_nr)
		bad += violation("%lu areas on the list, %lu counted", nr,
				 vmlist_nr);
	spin_unlock(&vmlist_lock);
	return bad;
}

/*
 * kva=list: the 2.6.12 design. Busy areas only, on one sorted list; frees
 * are immediate.
 */
const struct kva_strategy kva_list_strategy = {
	.name = "list",
	.lazy = false,
	.init = vmlist_init,
	.exit = vmlist_exit,
	.alloc = vmlist_alloc,
	.find = vmlist_find,
	.free_lazy = vmlist_free_lazy,
	.collect_lazy = vmlist_collect_lazy,
	.release = vmlist_release,
	.decay = vmlist_decay,
	.for_each = vmlist_for_each,
	.absorb = vmlist_absorb,
	.check = vmlist_check,
};
