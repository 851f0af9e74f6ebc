/* SPDX-License-Identifier: MIT */
/*
 * remap_vmalloc_range(): the pages of a VM_USERMAP area (vmalloc_user(),
 * vmalloc_32_user()) shown at a host address range the caller owns, as the
 * kernel inserts them into a user VMA for a driver's mmap().
 *
 * Here the area and the request are checked, and the frame behind every
 * requested page is found by walking the page tables (huge leaves too);
 * all of them before anything is mapped, so a refused request changes
 * nothing. The host mapping itself is the mmu layer's (mmu_map_user()): it
 * maps the frames of the memfd "RAM" with MAP_SHARED, so the user range and
 * the area share memory on either mmu backend. With mmu=soft this is the
 * way to dereference a vmalloc_user() buffer directly.
 *
 * Where this differs from the kernel:
 *  - no page references are taken. The kernel's VMA holds a reference on
 *    every page until munmap(); the library never learns of the munmap(),
 *    so the caller must remove the user mapping (munmap(), or map over it)
 *    before vfree() of the area. A user mapping left behind still reaches
 *    the frames after they return to the page allocator, as a
 *    use-after-free would; it never faults and never corrupts the
 *    allocator's own records, which live in struct page.
 *  - the size is checked against the area's end counted from @kaddr, not
 *    from the area's start, so an interior @kaddr can never reach the guard
 *    page; and a zero size is refused rather than mapping one page.
 *  - the vma's flags are left alone (no VM_DONTEXPAND or VM_DONTDUMP here).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "mmu/usermap.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* The areas the kernel lets a driver hand to user space. */
#define USERMAP_AREA_FLAGS (VM_USERMAP | VM_DMA_COHERENT)

/* The frame of RAM mapped at @addr, through any leaf size. */
static bool ram_pfn_at(unsigned long addr, unsigned long *pfn)
{
	return vm_walk_to_pfn((const void *)addr, pfn) && *pfn < phys.max_pfn;
}

/* Whether @vma describes a non-empty, page-aligned host range. */
static bool vma_valid(const char *fn, const struct vm_area_struct *vma)
{
	if (!vma) {
		pr_warn("%s: NULL vma", fn);
		return false;
	}
	if (vma->vm_end <= vma->vm_start || !PAGE_ALIGNED(vma->vm_start) ||
	    !PAGE_ALIGNED(vma->vm_end)) {
		pr_warn("%s: vma %#lx-%#lx is empty or not page-aligned", fn,
			vma->vm_start, vma->vm_end);
		return false;
	}
	return true;
}

/*
 * The area @kaddr lies in, if the pages [@pgoff, @pgoff + @size pages)
 * counted from @kaddr lie inside its usable part; else NULL after one
 * warning line.
 */
static struct vm_struct *usermap_area(const char *fn, void *kaddr,
				      unsigned long pgoff, unsigned long size)
{
	unsigned long start, end;
	struct vm_struct *area;

	area = find_vm_area(kaddr);
	if (!area) {
		pr_warn("%s: %p is not in a vmalloc area", fn, kaddr);
		return NULL;
	}
	if (!(area->flags & USERMAP_AREA_FLAGS)) {
		pr_warn("%s: %p is not a VM_USERMAP area (flags %#lx)", fn,
			kaddr, area->flags);
		return NULL;
	}
	start = (unsigned long)kaddr - (unsigned long)area->addr;
	if (pgoff > (~0UL >> PAGE_SHIFT) ||
	    __builtin_add_overflow(start, pgoff << PAGE_SHIFT, &start) ||
	    __builtin_add_overflow(start, size, &end) ||
	    end > get_vm_area_size(area)) {
		pr_warn("%s: %lu pages at page %lu of %p run past the area's %zu usable pages",
			fn, size >> PAGE_SHIFT, pgoff, kaddr,
			get_vm_area_size(area) >> PAGE_SHIFT);
		return NULL;
	}
	return area;
}

static int remap_range(const char *fn, struct vm_area_struct *vma,
		       unsigned long uaddr, void *kaddr, unsigned long pgoff,
		       unsigned long size)
{
	unsigned long base, nr, i, *pfns;
	int err;

	if (!vma_valid(fn, vma))
		return -EINVAL;
	if (!size || size > -PAGE_SIZE) {
		pr_warn("%s: bad size %#lx", fn, size);
		return -EINVAL;
	}
	size = PAGE_ALIGN(size);
	if (!PAGE_ALIGNED(uaddr) || !PAGE_ALIGNED(kaddr)) {
		pr_warn("%s: user address %#lx or vmalloc address %p is not page-aligned",
			fn, uaddr, kaddr);
		return -EINVAL;
	}
	/* The kernel's vm_insert_page() says -EFAULT outside the vma. */
	if (uaddr < vma->vm_start || uaddr >= vma->vm_end ||
	    size > vma->vm_end - uaddr) {
		pr_warn("%s: %#lx+%#lx lies outside the vma %#lx-%#lx", fn,
			uaddr, size, vma->vm_start, vma->vm_end);
		return -EFAULT;
	}
	if (!usermap_area(fn, kaddr, pgoff, size))
		return -EINVAL;

	nr = size >> PAGE_SHIFT;
	pfns = malloc(nr * sizeof(*pfns));
	if (!pfns) {
		pr_warn("%s: no memory for %lu frame numbers", fn, nr);
		return -ENOMEM;
	}
	base = (unsigned long)kaddr + (pgoff << PAGE_SHIFT);
	for (i = 0; i < nr; i++) {
		if (!ram_pfn_at(base + (i << PAGE_SHIFT), &pfns[i])) {
			pr_warn("%s: no page is mapped at %#lx", fn,
				base + (i << PAGE_SHIFT));
			free(pfns);
			return -ENOMEM;
		}
	}
	err = mmu_map_user(uaddr, pfns, nr, PROT_READ | PROT_WRITE);
	free(pfns);
	return err;
}

/**
 * remap_vmalloc_range_partial() - map pages of a VM_USERMAP area at a host
 *                                 address range the caller owns
 * @vma: the caller's range (vm_start, vm_end; page-aligned, not empty)
 * @uaddr: where in @vma the first page goes (page-aligned)
 * @kaddr: a page-aligned address inside a vmalloc_user() or
 *         vmalloc_32_user() area (any VM_USERMAP or VM_DMA_COHERENT area)
 * @pgoff: pages into the area, counted from @kaddr, of the first page
 * @size: bytes to map, rounded up to whole pages
 *
 * Each page is mapped readable and writable with MAP_SHARED, so writes on
 * either side are seen on the other, on both mmu backends; whatever
 * [@uaddr, @uaddr + @size) held before is replaced. The caller keeps the
 * area alive during the call, and removes the user mapping (munmap()) before
 * freeing the area: no page reference is held for it. Takes no lock of its
 * own; may be called from any thread.
 *
 * Return: 0; -EINVAL for a bad vma, size or alignment, an address that is
 * not in a VM_USERMAP area, pages that run past the area's usable size, or
 * a user range that overlaps the library's own mappings; -EFAULT when
 * [@uaddr, @uaddr + @size) is not inside @vma; -ENOMEM when a page is not
 * mapped or memory ran short; or the host's error. Every failure prints one
 * warning line. Failures before the host call change nothing; after a host
 * refusal the user range is left inaccessible (PROT_NONE).
 */
int remap_vmalloc_range_partial(struct vm_area_struct *vma, unsigned long uaddr,
				void *kaddr, unsigned long pgoff,
				unsigned long size)
{
	int err;

	if (!uvm_ensure_booted())
		return -ENODEV;
	uvm_call_enter();
	err = remap_range(__func__, vma, uaddr, kaddr, pgoff, size);
	uvm_call_leave();
	return err;
}

/**
 * remap_vmalloc_range() - fill a whole host range with pages of a
 *                         VM_USERMAP area
 * @vma: the caller's range; all of [vm_start, vm_end) is mapped
 * @addr: a page-aligned address inside a vmalloc_user() area (normally its
 *        start)
 * @pgoff: pages into the area, counted from @addr, of the page that goes
 *         at vm_start
 *
 * Maps (vm_end - vm_start) / PAGE_SIZE pages; see
 * remap_vmalloc_range_partial() for the rules.
 *
 * Return: as remap_vmalloc_range_partial().
 */
int remap_vmalloc_range(struct vm_area_struct *vma, void *addr,
			unsigned long pgoff)
{
	int err;

	if (!uvm_ensure_booted())
		return -ENODEV;
	uvm_call_enter();
	if (vma_valid(__func__, vma))
		err = remap_range(__func__, vma, vma->vm_start, addr, pgoff,
				  vma->vm_end - vma->vm_start);
	else
		err = -EINVAL;
	uvm_call_leave();
	return err;
}
