/* SPDX-License-Identifier: MIT */
/*
 * pcpu_get_vm_areas(): the per-CPU allocator's congruent areas. Area i
 * lies at base + offsets[i] and is sizes[i] bytes long, for one base shared
 * by all, so that the same offset from each area's start reaches each
 * CPU's copy of a variable. As the kernel does it: no guard pages, VM_ALLOC
 * flags, pcpu_get_vm_areas itself as the caller, and the highest base that
 * fits, searched down from the top of the window (the per-CPU areas keep
 * away from vmalloc(), which fills the window from the bottom).
 *
 * The search. Only kva knows the free space, and it offers two questions:
 * "is [a, a + size) free?" (an exact reservation) and "what is the highest
 * free place for size bytes below x?" (a top-down reservation). Starting
 * from the highest base the window allows:
 *
 *   1. reserve every area at base + offsets[i], exactly;
 *   2. if area k does not fit there, no base between the current one and
 *      the next place area k fits can work: give back what was reserved,
 *      purge (so that those ranges, and lazily freed and pooled ones, are
 *      free space again and cannot hide a higher fit), reserve area k
 *      top-down below base + offsets[k] + sizes[k]; that fixes the next
 *      candidate base, and step 1 runs again with area k already placed;
 *   3. no top-down place at all: nothing fits, NULL after one warning.
 *
 *        window top ->|.............|
 *   base0 + off[2]    [area 2 ]  ok
 *   base0 + off[1]    [a1]XXX        busy: area 1 does not fit at base0
 *                         ... highest place for area 1 below: base1
 *   base1 + off[2]    [area 2 ]  ok, base1 + off[0] ok: done
 *
 * Every base passed over is one where some area collides with a busy
 * range, so the base found is the highest that fits, as the kernel's (the
 * areas may straddle busy ranges that fall between them). Each step costs
 * a purge, and each exact reservation that fails is counted in the kva
 * failure statistics; this is an allocator for a handful of calls at boot.
 */
#include <stdlib.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* The window's part where every base of @align may lie. */
struct pcpu_window {
	unsigned long start;
	unsigned long end;
};

static const void *pcpu_caller(void)
{
	return (const void *)pcpu_get_vm_areas;
}

/* The checks the kernel makes with BUG_ON(), here one warning each. */
static bool args_ok(const unsigned long *offsets, const size_t *sizes,
		    int nr_vms, size_t align, struct pcpu_window *w,
		    unsigned long *last_end)
{
	unsigned long end, end2;
	int i, j;

	if (nr_vms < 1 || !offsets || !sizes) {
		pr_warn("pcpu_get_vm_areas: %d areas, offsets %p, sizes %p",
			nr_vms, offsets, sizes);
		return false;
	}
	if (!is_power_of_2(align) || align < PAGE_SIZE) {
		pr_warn("pcpu_get_vm_areas: alignment %#zx is not a power of two of at least a page",
			align);
		return false;
	}
	*last_end = 0;
	for (i = 0; i < nr_vms; i++) {
		end = offsets[i] + sizes[i];
		if (!sizes[i] || !IS_ALIGNED(offsets[i], align) ||
		    !IS_ALIGNED(sizes[i], align) || end < offsets[i]) {
			pr_warn("pcpu_get_vm_areas: area %d at %#lx, %#zx bytes, is empty, wraps, or is not aligned to %#zx",
				i, offsets[i], sizes[i], align);
			return false;
		}
		for (j = i + 1; j < nr_vms; j++) {
			end2 = offsets[j] + sizes[j];
			if (offsets[j] < end && offsets[i] < end2) {
				pr_warn("pcpu_get_vm_areas: areas %d and %d overlap",
					i, j);
				return false;
			}
		}
		*last_end = max(*last_end, end);
	}
	w->end = ALIGN_DOWN(mmu.vmalloc_end, align);
	if (!kva_align_up(mmu.vmalloc_start, align, &w->start) ||
	    w->start >= w->end || *last_end > w->end - w->start) {
		pr_warn("pcpu_get_vm_areas: %#lx bytes aligned to %#zx do not fit the window %#lx-%#lx",
			*last_end, align, mmu.vmalloc_start, mmu.vmalloc_end);
		return false;
	}
	return true;
}

/* Area @i exactly at @base + its offset, or NULL (quietly). */
static struct vm_node *place_at(unsigned long base, unsigned long off,
				size_t size, size_t align)
{
	return vm_area_reserve(size, align, base + off, base + off + size,
			       VM_ALLOC, KVA_NO_GUARD, __GFP_NOWARN,
			       pcpu_caller());
}

/* Area @i as high as it fits below @base + its end, base >= @w->start. */
static struct vm_node *place_below(const struct pcpu_window *w,
				   unsigned long base, unsigned long off,
				   size_t size, size_t align)
{
	return vm_area_reserve(size, align, w->start + off, base + off + size,
			       VM_ALLOC, KVA_NO_GUARD | KVA_TOPDOWN,
			       __GFP_NOWARN, pcpu_caller());
}

/* Give back every area reserved so far. */
static void drop_all(struct vm_node **held, int nr_vms)
{
	int i;

	for (i = 0; i < nr_vms; i++) {
		if (held[i])
			vm_area_discard(held[i]);
		held[i] = NULL;
	}
}

/* Steps 1-3 of the search at the top of this file. */
static bool search(const unsigned long *offsets, const size_t *sizes,
		   int nr_vms, size_t align, const struct pcpu_window *w,
		   unsigned long last_end, struct vm_node **held)
{
	unsigned long base = w->end - last_end;
	int k;

again:
	for (k = 0; k < nr_vms; k++) {
		if (held[k])
			continue;
		held[k] = place_at(base, offsets[k], sizes[k], align);
		if (held[k])
			continue;
		drop_all(held, nr_vms);
		kva_purge(true);
		held[k] = place_below(w, base, offsets[k], sizes[k], align);
		if (!held[k])
			return false;
		base = (unsigned long)held[k]->vm.addr - offsets[k];
		goto again;
	}
	return true;
}

static struct vm_struct **get_areas(const unsigned long *offsets,
				    const size_t *sizes, int nr_vms,
				    size_t align)
{
	struct vm_struct **vms = NULL;
	struct vm_node **held = NULL;
	struct pcpu_window w;
	unsigned long last_end;
	int i;

	if (!args_ok(offsets, sizes, nr_vms, align, &w, &last_end))
		return NULL;
	vms = calloc((size_t)nr_vms, sizeof(*vms));
	held = calloc((size_t)nr_vms, sizeof(*held));
	if (!vms || !held) {
		pr_warn("pcpu_get_vm_areas: no memory for %d areas", nr_vms);
		goto fail;
	}
	if (!search(offsets, sizes, nr_vms, align, &w, last_end, held)) {
		drop_all(held, nr_vms);
		pr_warn("pcpu_get_vm_areas: no base in %#lx-%#lx fits %d congruent areas spanning %#lx bytes",
			w.start, w.end, nr_vms, last_end);
		goto fail;
	}
	for (i = 0; i < nr_vms; i++) {
		vm_area_publish(held[i]);
		vms[i] = &held[i]->vm;
	}
	free(held);
	return vms;
fail:
	free(held);
	free(vms);
	return NULL;
}

/**
 * pcpu_get_vm_areas() - reserve congruent areas for the per-CPU allocator
 * @offsets: where each area starts, relative to a common base; multiples
 *           of @align
 * @sizes: each area's bytes, multiples of @align, none zero
 * @nr_vms: how many areas, at least one; they must not overlap
 * @align: the base's alignment: a power of two, at least PAGE_SIZE
 *
 * The areas get no guard pages, VM_ALLOC flags (as the kernel's, without
 * VM_NO_GUARD: get_vm_area_size() of one is a page short of its size) and
 * nothing mapped. The base is the highest that fits; see the top of this
 * file for the search. May purge.
 *
 * Return: an array of @nr_vms areas, area i at base + @offsets[i], to give
 * back with pcpu_free_vm_areas(); or NULL after one warning line.
 */
struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align)
{
	struct vm_struct **vms;

	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	vms = get_areas(offsets, sizes, nr_vms, align);
	uvm_call_leave();
	return vms;
}

/**
 * pcpu_free_vm_areas() - free what pcpu_get_vm_areas() returned
 * @vms: the array; NULL is a no-op
 * @nr_vms: its length, as given to pcpu_get_vm_areas()
 *
 * Each area goes as free_vm_area() frees it, then the array.
 */
void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms)
{
	int i;

	if (!vms)
		return;
	for (i = 0; i < nr_vms; i++)
		free_vm_area(vms[i]);
	free(vms);
}
