/* SPDX-License-Identifier: MIT */
/*
 * Mapping what the caller owns, and reserving virtual space alone:
 *
 *   vmap() / vunmap()      the caller's pages, mapped contiguously, with a
 *                          guard page after them
 *   vmap_pfn()             raw frames (no struct page needed): VM_IOREMAP
 *   get_vm_area() & co.    a range and its vm_struct; nothing mapped
 *   map_vm_area()          2.6-era: map pages into such a range
 *   remove_vm_area()       the range goes; the vm_struct stays the caller's
 *   free_vm_area()         the range, if still there, and the vm_struct go
 *
 * Who owns what is mapped:
 *
 *   vmap()                    the caller; vunmap() leaves the pages alone
 *   vmap(VM_MAP_PUT_PAGES)    the area, once vmap() succeeded: every entry
 *                             of the array (one page reference each) and
 *                             the array itself (from kvmalloc()) are freed
 *                             when a purge collects the area after its
 *                             vunmap() or vfree() (area.c frees them: the
 *                             safety rule of vmalloc_int.h holds for them)
 *   map_vm_area()             the caller; the array is recorded, not
 *                             copied (vmallocinfo and the checker read it),
 *                             so it must outlive the mapping
 *   vmap_pfn()                nobody: the frames may not even be RAM
 *
 * vmap_pfn() and frames outside RAM: the tables map any frame that fits an
 * entry, marked _PAGE_SPECIAL, so vmalloc_to_pfn() finds it. The host
 * backend has nothing to mirror such a frame with (no memfd holds it), so
 * mmu_map_pfns() leaves that page of the window PROT_NONE: touching it
 * faults, vread() reads zeros and vwrite() skips it. Frames of RAM map as
 * any page does, allocated or not.
 *
 * Where this differs from the kernel, and why:
 *  - vunmap() of a VM_MAP_PUT_PAGES area frees the pages and the array as
 *    vfree() does (the kernel's vunmap() would leak them): the area owns
 *    them, and nobody else could free them safely after the purge.
 *  - vunmap() refuses vmalloc() areas (and anything else flagged VM_ALLOC,
 *    such as the per-CPU areas) and vm_map_ram() areas, with a warning:
 *    the kernel would free the vm_struct and leak the pages.
 *  - vmap() refuses VM_ALLOC: here that flag means "the area owns its
 *    pages", which a vmap() area never does unless VM_MAP_PUT_PAGES says
 *    so. VM_NO_GUARD is dropped with a warning, as the kernel does.
 *  - bad arguments the kernel trusts (no pages, a NULL entry, a frame that
 *    does not fit an entry) are refused with one warning.
 *  - remove_vm_area() unmaps the range from the host at once rather than
 *    lazily, so that the caller may free the pages the moment it returns
 *    without a stale host mapping reaching them; if the host refuses to
 *    unmap, the area stays as it was and NULL comes back with a warning.
 *  - free_vm_area() of an area that owns its pages (a vmalloc() area, or
 *    VM_MAP_PUT_PAGES) frees them too; the kernel frees only the struct.
 *  - with mmu=soft vmalloc memory cannot be read, so an array passed in
 *    from there is refused rather than dereferenced.
 *  - vunmap() from a signal handler that interrupted the library is parked
 *    and carried out later as vfree() does it (the kernel forbids vunmap()
 *    in interrupt context).
 */
#include <errno.h>
#include <string.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* The largest alignment a VM_IOREMAP area gets: 128 pages, as on x86. */
#define IOREMAP_MAX_ORDER (7 + PAGE_SHIFT)

/* With these flags an area owns its pages (area.c frees them). */
#define VM_OWNS_PAGES (VM_ALLOC | VM_MAP_PUT_PAGES)

/* vmap() and vmap_pfn() never map executable memory, as the kernel's. */
static inline pgprot_t prot_nx(pgprot_t prot)
{
	return __pgprot(pgprot_val(prot) | _PAGE_NX);
}

/* An array the caller hands in, where mmu=soft could not read it. */
static bool unreadable(const void *array)
{
	unsigned long a = (unsigned long)array;

	return !mmu.ops->mirrors && a >= mmu.vmalloc_start &&
	       a < mmu.vmalloc_end;
}

static bool prot_ok(const char *fn, pgprot_t prot)
{
	if (pgprot_val(prot) & _PAGE_PRESENT)
		return true;
	pr_warn("%s: protection %#llx maps nothing (no _PAGE_PRESENT)", fn,
		(unsigned long long)pgprot_val(prot));
	return false;
}

/*
 * Every entry of @pages is an allocated page: checked here, before any
 * range is reserved, so that a bad array costs one warning and nothing
 * else.
 */
static bool pages_ok(const char *fn, struct page **pages, unsigned long nr)
{
	unsigned long i;

	if (!pages) {
		pr_warn("%s: NULL pages array", fn);
		return false;
	}
	if (unreadable(pages)) {
		pr_warn("%s: the pages array %p is vmalloc memory, which mmu=soft cannot read",
			fn, pages);
		return false;
	}
	for (i = 0; i < nr; i++) {
		struct page *page = pages[i];

		if (!page || !phys_page_valid(page) ||
		    (!page_ref_count(page) &&
		     !phys_frame_allocated(__page_to_pfn(page)))) {
			pr_warn("%s: entry %lu of %lu (%p) is not an allocated page",
				fn, i, nr, page);
			return false;
		}
	}
	return true;
}

/*
 * The alignment the kernel's __get_vm_area_node() gives: a VM_IOREMAP area
 * is aligned to its size rounded up to a power of two (get_count_order),
 * at least a page and at most 1 << IOREMAP_MAX_ORDER, so that an
 * architecture may map it with larger entries; others to a page. @len is
 * page-aligned and does not count the guard page.
 */
static unsigned long area_align(unsigned long len, unsigned long flags)
{
	int order;

	if (!(flags & VM_IOREMAP))
		return PAGE_SIZE;
	order = fls_long(len - 1);
	return 1UL << clamp(order, PAGE_SHIFT, IOREMAP_MAX_ORDER);
}

/*
 * A range of [@start, @end) for @size bytes (rounded up to pages, plus the
 * guard page unless VM_NO_GUARD) and its node, not yet published.
 *
 * Return: the node, or NULL after one warning line.
 */
static struct vm_node *reserve_area(const char *fn, unsigned long size,
				    unsigned long flags, unsigned long start,
				    unsigned long end, const void *caller)
{
	struct vm_node *vmn;
	unsigned long len;

	/* PAGE_ALIGN() of more than this wraps to a small size. */
	if (!size || size > (unsigned long)-PAGE_SIZE) {
		pr_warn("%s: size %lu is zero or beyond any window", fn, size);
		return NULL;
	}
	len = PAGE_ALIGN(size);
	vmn = vm_area_reserve(len, area_align(len, flags), start, end,
			      flags & ~VM_INTERNAL_FLAGS, 0, GFP_KERNEL,
			      caller);
	if (vmn)
		vmn->vm.requested_size = size;
	return vmn;
}

/*
 * Put a claimed node back on the live list as it was, with its vmalloc'ed
 * pages array (which the claim took off the list with it).
 */
static void republish(struct vm_node *vmn)
{
	struct vm_node *array;

	vm_area_publish(vmn);
	if (!(vmn->vm.flags & VM_VPAGES_INTERNAL))
		return;
	/* Reachable only through its owner, which is ours again. */
	array = vm_area_find(vmn->vm.pages);
	if (array && !array->live)
		vm_area_publish(array);
}

/*
 * Take a claimed area's range away, keeping the node for the caller. The
 * host mapping goes now, not at the next purge: the caller may free the
 * pages (or, through free_vm_area(), have them freed) right away.
 *
 * Return: 0, or the host's refusal (the area is then live again).
 */
static int remove_claimed(struct vm_node *vmn)
{
	long ret = mmu_unmap((unsigned long)vmn->vm.addr, vmn->vm.size);

	if (ret < 0) {
		republish(vmn);
		pr_warn("remove_vm_area: %p could not be unmapped (%s); it stays",
			vmn->vm.addr, strerror((int)-ret));
		return (int)ret;
	}
	vm_area_remove(vmn);
	return 0;
}

static struct vm_node *remove_area(const void *addr)
{
	struct vm_node *vmn;

	if (!PAGE_ALIGNED(addr)) {
		pr_warn("Trying to vfree() bad address (%p)", addr);
		return NULL;
	}
	/* Unknown addresses: NULL without a word, as the kernel's. */
	vmn = vm_area_claim(addr, VM_RAM_INTERNAL);
	if (IS_ERR(vmn))
		return NULL;
	return remove_claimed(vmn) ? NULL : vmn;
}

/*
 * Both a vmalloc'ed array of kvmalloc() and one from the C heap may carry
 * VM_MAP_PUT_PAGES; anything else in the window would be freed wrongly.
 */
static bool put_array_ok(struct page **pages)
{
	struct vm_node *array;

	if (!is_vmalloc_addr(pages))
		return true;
	array = vm_area_find(pages);
	if (array && array->live && array->vm.addr == pages &&
	    (array->vm.flags & VM_ALLOC) &&
	    !(array->vm.flags & VM_INTERNAL_FLAGS))
		return true;
	pr_warn("vmap: VM_MAP_PUT_PAGES array %p is not a kvmalloc() allocation",
		pages);
	return false;
}

/*
 * From here on the area owns the pages, as the kernel's vmap() records
 * them. A vmalloc'ed array (kvmalloc() past the heap's sizes) is tied to
 * its owner the way vmalloc()'s own vmalloc'ed arrays are: it leaves the
 * list with its owner and is released when the owner is reclaimed, never
 * before (the reclaim reads it), and the leak report at shutdown names
 * the owner alone.
 */
static void take_pages(struct vm_node *vmn, struct page **pages,
		       unsigned int count)
{
	vmn->vm.pages = pages;
	vmn->vm.nr_pages = count;
	if (!is_vmalloc_addr(pages))
		return;
	vmn->vm.flags |= VM_VPAGES_INTERNAL;
	vm_area_mark_pages_array(pages);
}

static void *do_vmap(struct page **pages, unsigned int count,
		     unsigned long flags, pgprot_t prot, const void *caller)
{
	unsigned long size = (unsigned long)count << PAGE_SHIFT;
	struct vm_node *vmn;
	int err;

	if (!count || count > phys.max_pfn) {
		pr_warn("vmap: %u pages: %s", count,
			count ? "more than all of RAM" : "nothing to map");
		return NULL;
	}
	if (flags & VM_FLUSH_RESET_PERMS) {
		pr_warn("vmap: VM_FLUSH_RESET_PERMS is not for vmap() areas");
		return NULL;
	}
	if (flags & VM_ALLOC) {
		pr_warn("vmap: VM_ALLOC marks areas that own their pages; use VM_MAP (with VM_MAP_PUT_PAGES to hand the pages over)");
		return NULL;
	}
	if (!prot_ok("vmap", prot) || !pages_ok("vmap", pages, count))
		return NULL;
	if ((flags & VM_MAP_PUT_PAGES) && !put_array_ok(pages))
		return NULL;
	/* Its guard page protects the next area, whatever the caller says. */
	if (flags & VM_NO_GUARD) {
		pr_warn("vmap: VM_NO_GUARD dropped: the guard page after an area protects its neighbour");
		flags &= ~VM_NO_GUARD;
	}

	vmn = reserve_area("vmap", size, flags, mmu.vmalloc_start,
			   mmu.vmalloc_end, caller);
	if (!vmn)
		return NULL;
	err = mmu_map_pages((unsigned long)vmn->vm.addr, pages, count,
			    prot_nx(prot), PAGE_SHIFT);
	if (err) {
		pr_warn("vmap: %u pages could not be mapped: %s", count,
			strerror(-err));
		/*
     * A failed mapping leaves nothing mapped, and the pages are
     * not the area's yet: only the range goes.
     */
		vm_area_discard(vmn);
		return NULL;
	}
	/* From here on the area owns them, as the kernel's vmap() records. */
	if (flags & VM_MAP_PUT_PAGES)
		take_pages(vmn, pages, count);
	vmn->prot = prot_nx(prot);
	vm_area_publish(vmn);
	return vmn->vm.addr;
}

/**
 * vmap() - map the caller's pages contiguously in the vmalloc window
 * @pages: @count pages; the same page may appear more than once (two
 *         copies of a ring back to back)
 * @count: how many, at most the pages of RAM
 * @flags: VM_MAP, VM_MAP_PUT_PAGES (the area takes over the pages and the
 *         array, which must come from kvmalloc()), other kinds for
 *         vmallocinfo; VM_NO_GUARD is dropped with a warning; VM_ALLOC and
 *         VM_FLUSH_RESET_PERMS are refused
 * @prot: the protection, made non-executable
 *
 * Takes and releases the area-list and kva locks; may purge.
 *
 * Return: the address, or NULL after one warning line (the pages and the
 * array stay the caller's).
 */
void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgprot_t prot)
{
	void *addr;

	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	addr = do_vmap(pages, count, flags, prot, __builtin_return_address(0));
	uvm_call_leave();
	return addr;
}

/**
 * vunmap() - unmap an area vmap(), vmap_pfn() or get_vm_area() made
 * @addr: its first address; NULL is a no-op
 *
 * The tables forget the range now, the host mapping goes at the next purge
 * (as the kernel's TLB flush is deferred): the caller's pages stay
 * reachable through a stale pointer until then, unless it purges first.
 * A VM_MAP_PUT_PAGES area frees its pages and array at that purge. A
 * vmalloc() or vm_map_ram() area, or an address no area starts at, gets a
 * warning and stays as it is.
 */
void vunmap(const void *addr)
{
	struct vm_node *vmn;

	if (!vm_free_enter(addr))
		return;
	vmn = vm_area_claim(addr, VM_ALLOC | VM_RAM_INTERNAL);
	if (vmn == ERR_PTR(-EPERM))
		pr_warn("%s: %p is not a vmap() area (vfree() a vmalloc() area, vm_unmap_ram() a vm_map_ram() one); it stays",
			__func__, addr);
	else if (IS_ERR(vmn))
		pr_warn("Trying to vunmap() nonexistent vm area (%p)", addr);
	else
		vm_area_release(vmn, false);
	uvm_call_leave();
}

static void *do_vmap_pfn(unsigned long *pfns, unsigned int count, pgprot_t prot,
			 const void *caller)
{
	struct vm_node *vmn;
	unsigned int i;
	int err;

	if (!count) {
		pr_warn("vmap_pfn: 0 frames: nothing to map");
		return NULL;
	}
	if (!pfns || unreadable(pfns)) {
		pr_warn("vmap_pfn: the pfn array %p %s", pfns,
			pfns ? "is vmalloc memory, which mmu=soft cannot read" :
			       "is NULL");
		return NULL;
	}
	for (i = 0; i < count; i++) {
		if (pfns[i] > PTE_PFN_MASK >> PAGE_SHIFT) {
			pr_warn("vmap_pfn: entry %u, pfn %#lx, does not fit a page-table entry",
				i, pfns[i]);
			return NULL;
		}
	}
	if (!prot_ok("vmap_pfn", prot))
		return NULL;

	vmn = reserve_area("vmap_pfn", (unsigned long)count << PAGE_SHIFT,
			   VM_IOREMAP, mmu.vmalloc_start, mmu.vmalloc_end,
			   caller);
	if (!vmn)
		return NULL;
	err = mmu_map_pfns((unsigned long)vmn->vm.addr, pfns, count,
			   prot_nx(prot));
	if (err) {
		pr_warn("vmap_pfn: %u frames could not be mapped: %s", count,
			strerror(-err));
		vm_area_discard(vmn);
		return NULL;
	}
	vmn->prot = prot_nx(prot);
	vm_area_publish(vmn);
	return vmn->vm.addr;
}

/**
 * vmap_pfn() - map raw page frames, RAM or not, as a VM_IOREMAP area
 * @pfns: @count frame numbers; each must fit a page-table entry
 * @count: how many
 * @prot: the protection, made non-executable
 *
 * The entries are marked _PAGE_SPECIAL: no struct page is assumed. Frames
 * outside RAM are in the tables only; with mmu=host their pages of the
 * window stay inaccessible (see the top of this file). Undo with vunmap().
 *
 * Return: the address, or NULL after one warning line.
 */
void *vmap_pfn(unsigned long *pfns, unsigned int count, pgprot_t prot)
{
	void *addr;

	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	addr = do_vmap_pfn(pfns, count, prot, __builtin_return_address(0));
	uvm_call_leave();
	return addr;
}

/**
 * __get_vm_area_caller() - reserve a range of [@start, @end), map nothing
 * @size: bytes, rounded up to pages; a guard page follows unless
 *        VM_NO_GUARD (vm_struct.size counts it, get_vm_area_size() not)
 * @flags: VM_* flags for the area; VM_IOREMAP aligns it to its size's
 *         power of two, clamped to [PAGE_SIZE, 128 pages]
 * @start: the range's bottom (page-aligned, in the window)
 * @end: its top
 * @caller: recorded for vmallocinfo
 *
 * The area is findable (find_vm_area()) and listed at once. Free it with
 * free_vm_area() (or vunmap(), unless VM_ALLOC).
 *
 * Return: the area, or NULL after one warning line.
 */
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags,
				       unsigned long start, unsigned long end,
				       const void *caller)
{
	struct vm_node *vmn;

	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	vmn = reserve_area("get_vm_area", size, flags, start, end, caller);
	if (vmn)
		vm_area_publish(vmn);
	uvm_call_leave();
	return vmn ? &vmn->vm : NULL;
}

/**
 * get_vm_area_caller() - __get_vm_area_caller() over the whole window
 * @size: as for __get_vm_area_caller()
 * @flags: as for __get_vm_area_caller()
 * @caller: recorded for vmallocinfo
 *
 * Return: the area, or NULL after one warning line.
 */
struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags,
				     const void *caller)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __get_vm_area_caller(size, flags, mmu.vmalloc_start,
				    mmu.vmalloc_end, caller);
}

/**
 * get_vm_area() - __get_vm_area_caller() over the whole window, naming
 *                 the calling function
 * @size: as for __get_vm_area_caller()
 * @flags: as for __get_vm_area_caller()
 *
 * Return: the area, or NULL after one warning line.
 */
struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __get_vm_area_caller(size, flags, mmu.vmalloc_start,
				    mmu.vmalloc_end,
				    __builtin_return_address(0));
}

/**
 * remove_vm_area() - take an area's range away, keep its vm_struct
 * @addr: the area's first address
 *
 * The area is no longer findable, nothing maps its range (the host mapping
 * goes at once), and the range returns to the window at the next purge.
 * The vm_struct, with whatever its pages array lists, is the caller's: hand
 * it to free_vm_area(), which also frees the pages of an area that owned
 * them (vmalloc(), VM_MAP_PUT_PAGES). vm_map_ram() areas are not removed.
 *
 * Return: the area; NULL for an address no area starts at (silently, as
 * the kernel's), for an unaligned one (with the kernel's warning), or when
 * the host refused to unmap (with a warning; the area stays).
 */
struct vm_struct *remove_vm_area(const void *addr)
{
	struct vm_node *vmn;

	if (!addr || !uvm_ensure_booted())
		return NULL;
	vm_enter();
	vmn = remove_area(addr);
	uvm_call_leave();
	return vmn ? &vmn->vm : NULL;
}

/**
 * free_vm_area() - free an area from get_vm_area() and friends
 * @area: live, or given back by remove_vm_area(); NULL is a no-op
 *
 * Removes the area first if it is still there (see remove_vm_area()), then
 * frees the vm_struct; for an area that owns its pages (vmalloc(),
 * VM_MAP_PUT_PAGES) the pages and their array too, at once: nothing maps
 * them any more. Pages of any other area stay the caller's.
 */
void free_vm_area(struct vm_struct *area)
{
	struct vm_node *vmn, *claimed;

	if (!area || !uvm_ensure_booted())
		return;
	vm_enter();
	vmn = vm_node_of(area);
	/* Still listed: remove it the way remove_vm_area() does. */
	if (vmn->va) {
		claimed = vm_area_claim(area->addr, VM_RAM_INTERNAL);
		if (IS_ERR(claimed)) {
			pr_warn("%s: %p is not an area that can be freed this way; it stays",
				__func__, area->addr);
			goto out;
		}
		if (claimed != vmn) {
			republish(claimed);
			pr_warn("%s: the vm_struct %p is not the area at %p; it stays",
				__func__, area, area->addr);
			goto out;
		}
		if (remove_claimed(vmn))
			goto out;
	}
	vm_area_free_node(vmn);
out:
	uvm_call_leave();
}

static int do_map_vm_area(struct vm_struct *area, pgprot_t prot,
			  struct page **pages)
{
	struct vm_node *vmn;
	unsigned long nr;
	int err;

	if (!area) {
		pr_warn("map_vm_area: NULL area");
		return -EINVAL;
	}
	vmn = vm_node_of(area);
	if (!vmn->va || vm_area_find(area->addr) != vmn || !vmn->live ||
	    (area->flags & VM_RAM_INTERNAL)) {
		pr_warn("map_vm_area: %p is not a live area of get_vm_area()",
			area->addr);
		return -EINVAL;
	}
	nr = get_vm_area_size(area) >> PAGE_SHIFT;
	if (!prot_ok("map_vm_area", prot) ||
	    !pages_ok("map_vm_area", pages, nr))
		return -EINVAL;
	err = mmu_map_pages((unsigned long)area->addr, pages, nr, prot,
			    PAGE_SHIFT);
	if (err) {
		/* -EBUSY: the mmu layer said where; -ENOMEM may be silent. */
		if (err != -EBUSY)
			pr_warn("map_vm_area: %lu pages could not be mapped at %p: %s",
				nr, area->addr, strerror(-err));
		return err;
	}
	/*
	 * Recorded for vmallocinfo and the checker, under the list lock they
	 * read it with; never where the area would take them as its own.
	 */
	if (!(area->flags & VM_OWNS_PAGES))
		vm_area_resize(vmn, pages, (unsigned int)nr,
			       area->requested_size);
	vmn->prot = prot;
	return 0;
}

/**
 * map_vm_area() - map pages into the whole of a get_vm_area() area
 * @area: from get_vm_area() and friends, nothing mapped in it yet
 * @prot: the protection
 * @pages: get_vm_area_size(@area) / PAGE_SIZE allocated pages, which stay
 *         the caller's; the array is recorded (not copied) unless the area
 *         owns its pages (VM_ALLOC, VM_MAP_PUT_PAGES), so it must live as
 *         long as the mapping
 *
 * The 2.6 kernel's interface, with a plain array where it took a cursor.
 *
 * Return: 0; -EINVAL for bad arguments, -EBUSY if something is mapped
 * there already, -ENOMEM when a table page or the host mapping could not
 * be had (then nothing is mapped). Each failure prints why.
 */
int map_vm_area(struct vm_struct *area, pgprot_t prot, struct page **pages)
{
	int err;

	if (!uvm_ensure_booted())
		return -ENODEV;
	vm_enter();
	err = do_map_vm_area(area, prot, pages);
	uvm_call_leave();
	return err;
}
