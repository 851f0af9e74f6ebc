/* SPDX-License-Identifier: MIT */
/*
 * What the designs that keep only busy areas (2.6.12's list, 2.6.28's tree)
 * share: their free space is the gaps between busy areas, which the checker
 * needs to see as areas too.
 */
#include "kva.h"

/* Hand @fn a free range [@start, @end) dressed as a temporary area. */
static void report_gap(void (*fn)(struct vmap_area *va, void *arg), void *arg,
		       unsigned long start, unsigned long end)
{
	struct vmap_area gap = {
		.va_start = start,
		.va_end = end,
		.state = VA_FREE,
	};

	RB_CLEAR_NODE(&gap.rb_node);
	INIT_LIST_HEAD(&gap.list);
	INIT_LIST_HEAD(&gap.purge);
	fn(&gap, arg);
}

void kva_report_list(struct list_head *head, unsigned long start,
		     unsigned long end, bool skip_lazy,
		     void (*fn)(struct vmap_area *va, void *arg), void *arg)
{
	struct vmap_area *va;
	unsigned long at = start;

	list_for_each_entry(va, head, list) {
		if (va->va_start > at)
			report_gap(fn, arg, at, va->va_start);
		if (!skip_lazy ||
		    (va->state != VA_LAZY && va->state != VA_PURGING))
			fn(va, arg);
		at = max(at, va->va_end);
	}
	if (at < end)
		report_gap(fn, arg, at, end);
}

bool kva_highest_gap(struct list_head *head, struct vmap_area *va,
		     unsigned long size, unsigned long align,
		     unsigned long vstart, unsigned long vend,
		     unsigned long *addrp, struct vmap_area **below)
{
	unsigned long hi = vend, lo, addr;

	for (;;) {
		/* The gap [lo, hi) lies between @va (or vstart) and hi. */
		lo = va ? max(va->va_end, vstart) : vstart;
		if (hi > lo && hi - lo >= size) {
			addr = ALIGN_DOWN(hi - size, align);
			if (addr >= lo) {
				*addrp = addr;
				*below = va;
				return true;
			}
		}
		if (!va || va->va_start <= vstart)
			return false;
		hi = va->va_start;
		va = va->list.prev == head ?
			     NULL :
			     list_entry(va->list.prev, struct vmap_area, list);
	}
}
