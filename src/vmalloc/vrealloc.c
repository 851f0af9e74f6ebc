/* SPDX-License-Identifier: MIT */
/*
 * vrealloc(): resizing a vmalloc() area, copying only when nothing else
 * works.
 *
 *   shrink           the pages stay; only the recorded size changes
 *   grow, in pages   the same, up to the last page the area has
 *   grow, in place   beyond the kernel: when the window right after the
 *                    area is free, reserve it, map new pages from where the
 *                    guard page was, move the guard to the new end:
 *
 *       before   |p0|p1|G|..free..........|
 *       after    |p0|p1|p2|p3|p4|G|.......|    (nothing copied)
 *                        ^ the old guard's place now holds a page
 *
 *   otherwise        vmalloc() anew, copy, vfree() the old area
 *
 * The space above is reserved before anything is mapped, and joins the
 * area only once the new pages are mapped, so every failure undoes itself
 * by freeing what it made: the pages, the reservation, the new array.
 */
#include <stdlib.h>
#include <string.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

void vm_copy(void *dst, const void *src, size_t n)
{
	char bounce[256];
	size_t done, chunk;

	if (mmu.ops->mirrors || !n) {
		if (n)
			memcpy(dst, src, n);
		return;
	}
	if (!is_vmalloc_addr(src)) {
		vwrite((char *)src, dst, n);
		return;
	}
	if (!is_vmalloc_addr(dst)) {
		vread(dst, (char *)src, n);
		return;
	}
	for (done = 0; done < n; done += chunk) {
		chunk = min(n - done, sizeof(bounce));
		vread(bounce, (char *)src + done, chunk);
		vwrite(bounce, (char *)dst + done, chunk);
	}
}

/* Zero [@from, @to) of an area, on either backend. */
static void vm_zero(void *addr, size_t from, size_t to)
{
	static const char zeros[256];
	size_t at, chunk;

	if (to <= from)
		return;
	if (mmu.ops->mirrors) {
		memset((char *)addr + from, 0, to - from);
		return;
	}
	for (at = from; at < to; at += chunk) {
		chunk = min(to - at, sizeof(zeros));
		vwrite((char *)zeros, (char *)addr + at, chunk);
	}
}

/*
 * Map @size bytes' worth of pages for @vmn without moving it, if the
 * window above it is free. Return: whether it did.
 */
static bool grow_in_place(struct vm_node *vmn, size_t size, gfp_t flags)
{
	unsigned long nr = vmn->vm.nr_pages, new_nr, extra, guard, new_end;
	struct vmap_area *va = vmn->va, *above;
	struct page **pages, **old;
	unsigned long start;

	if (vmn->vm.page_order || (vmn->vm.flags & VM_INTERNAL_FLAGS) ||
	    size > (unsigned long)-PAGE_SIZE)
		return false;
	new_nr = PAGE_ALIGN(size) >> PAGE_SHIFT;
	extra = new_nr - nr;
	guard = vmn->vm.flags & VM_NO_GUARD ? 0 : PAGE_SIZE;
	start = va->va_start;
	if (new_nr > phys.max_pfn || new_nr > UINT32_MAX ||
	    (new_nr << PAGE_SHIFT) + guard > mmu.vmalloc_end - start)
		return false;
	new_end = start + (new_nr << PAGE_SHIFT) + guard;

	pages = calloc(new_nr, sizeof(*pages));
	if (!pages)
		return false;
	above = kva_alloc(new_end - va->va_end, PAGE_SIZE, va->va_end, new_end,
			  KVA_NO_GUARD | KVA_NOWARN, phys_cpu());
	if (!above)
		goto free_array;
	memcpy(pages, vmn->vm.pages, nr * sizeof(*pages));
	if (vm_alloc_pages(flags | __GFP_NOWARN, vmn->nid, extra, pages + nr) <
	    extra)
		goto free_pages;
	if (mmu_map_pages(start + (nr << PAGE_SHIFT), pages + nr, extra,
			  vmn->prot, PAGE_SHIFT))
		goto free_pages;

	kva_absorb(va, above);
	old = vmn->vm.pages;
	vm_area_resize(vmn, pages, (unsigned int)new_nr,
		       vmn->vm.requested_size);
	free(old);
	return true;

free_pages:
	for (; extra; extra--)
		if (pages[nr + extra - 1]) {
			__free_pages(pages[nr + extra - 1], 0);
			pages[nr + extra - 1] = NULL;
		}
	kva_free(above);
free_array:
	free(pages);
	return false;
}

static void *resize(const void *p, size_t size, gfp_t flags, const void *caller)
{
	struct vm_node *vmn = vm_area_find(p);
	size_t old_size, alloced;
	void *n;

	if (!vmn || !vmn->live || vmn->vm.addr != p ||
	    !(vmn->vm.flags & VM_ALLOC) ||
	    (vmn->vm.flags & (VM_PAGES_ARRAY_INTERNAL | VM_RAM_INTERNAL))) {
		pr_warn("Trying to vrealloc() nonexistent vm area (%p)", p);
		return NULL;
	}
	old_size = vmn->vm.requested_size;
	alloced = (size_t)vmn->vm.nr_pages << PAGE_SHIFT;

	if (size <= old_size) {
		/* What is given up reads as zeros if it comes back. */
		if (flags & __GFP_ZERO)
			vm_zero(vmn->vm.addr, size, old_size);
		vm_area_resize(vmn, vmn->vm.pages, vmn->vm.nr_pages, size);
		return (void *)p;
	}
	if (size <= alloced || grow_in_place(vmn, size, flags)) {
		if (flags & __GFP_ZERO)
			vm_zero(vmn->vm.addr, old_size, size);
		vm_area_resize(vmn, vmn->vm.pages, vmn->vm.nr_pages, size);
		return (void *)p;
	}

	n = __vmalloc_node(size, 1, flags, NUMA_NO_NODE, caller);
	if (!n)
		return NULL;
	vm_copy(n, p, old_size);
	vm_free_addr(p);
	return n;
}

void *vrealloc(const void *p, size_t size, gfp_t flags)
{
	const void *caller = __builtin_return_address(0);
	void *n;

	if (!p)
		return __vmalloc_node(size, 1, flags, NUMA_NO_NODE, caller);
	if (!size) {
		vfree(p);
		return NULL;
	}
	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	n = resize(p, size, flags, caller);
	uvm_call_leave();
	return n;
}
