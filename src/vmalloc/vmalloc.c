/* SPDX-License-Identifier: MIT */
/*
 * vmalloc() and vfree(): an area from kva, pages from phys, a mapping from
 * mmu. See vmalloc_int.h for the life of an area and the safety rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/symbol.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* At most this many pages per bulk-allocator call, as the kernel does. */
#define BULK_PAGES 100

/* High-order blocks are tried up to 2 MiB: one host mapping per block. */
#define VMALLOC_MAX_ORDER 9

/*
 * The flags vmalloc honours; anything else is a caller's mistake that the
 * kernel fixes up with a warning (vmalloc_fix_flags()).
 */
#define GFP_VMALLOC_SUPPORTED                                                 \
	(GFP_KERNEL | GFP_ATOMIC | GFP_NOWAIT | __GFP_NOFAIL | __GFP_ZERO |   \
	 __GFP_NORETRY | __GFP_RETRY_MAYFAIL | GFP_NOFS | GFP_NOIO |          \
	 GFP_KERNEL_ACCOUNT | GFP_USER | __GFP_NOLOCKDEP | __GFP_SKIP_KASAN | \
	 __GFP_NOWARN)

/* The zone modifiers vmalloc_32() and friends ask for. */
#define GFP_VMALLOC_ZONES (__GFP_DMA | __GFP_DMA32)

void vm_free_pages(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_pages(pages[i], 0);
}

/*
 * Fill @pages with @nr order-0 pages: high-order blocks first (split, so a
 * physically contiguous run maps with one host call), then the bulk
 * allocator, at most BULK_PAGES a call, then single pages.
 *
 * Return: how many were filled; on a shortfall the caller frees them.
 */
unsigned long vm_alloc_pages(gfp_t gfp, int nid, unsigned long nr,
			     struct page **pages)
{
	gfp_t quiet = gfp | __GFP_NOWARN | __GFP_NORETRY;
	unsigned long done = 0, k;
	struct page *page;

	while (nr - done >= 2) {
		unsigned int order = min(ilog2(nr - done), VMALLOC_MAX_ORDER);

		for (page = NULL; order > 0 && !page; order--) {
			page = alloc_pages_node(nid, quiet & ~__GFP_NOFAIL,
						order);
			if (page)
				break;
		}
		if (!page)
			break;
		split_page(page, order);
		for (k = 0; k < 1UL << order; k++)
			pages[done++] = pfn_to_page(page_to_pfn(page) + k);
	}
	while (done < nr) {
		unsigned long want = min(nr - done, (unsigned long)BULK_PAGES);
		unsigned long got = alloc_pages_bulk_node(
			gfp | __GFP_NOWARN, nid, want, pages + done);

		if (!got)
			break;
		done += got;
		if (got < want)
			break;
	}
	while (done < nr) {
		page = alloc_pages_node(nid, gfp | __GFP_NOWARN, 0);
		if (!page)
			break;
		pages[done++] = page;
	}
	return done;
}

/* Lazily freed areas whose pages a purge would give back. */
static bool lazy_pages_pending(void)
{
	return atomic_load(&kva.lazy_pages) != 0;
}

/*
 * The pages array: from the C heap, or vmalloc itself past a page, as the
 * kernel does, where vmalloc memory can be dereferenced (not with
 * mmu=soft). A vmalloc'ed array is marked as such on both sides, so that
 * it leaves with its owner and never shows up as a leak of its own.
 */
static int alloc_pages_array(struct vm_node *vmn, unsigned long nr, gfp_t gfp,
			     int node)
{
	unsigned long bytes = nr * sizeof(struct page *);

	if (bytes > PAGE_SIZE && mmu.ops->mirrors) {
		vmn->vm.pages = __vmalloc_node(bytes, 1, gfp | __GFP_ZERO, node,
					       vmn->vm.caller);
		if (!vmn->vm.pages)
			return -ENOMEM;
		vmn->vm.flags |= VM_VPAGES_INTERNAL;
		vm_area_mark_pages_array(vmn->vm.pages);
		return 0;
	}
	vmn->vm.pages = calloc(nr, sizeof(struct page *));
	return vmn->vm.pages ? 0 : -ENOMEM;
}

/*
 * Whether every 2 MiB of the area is one aligned, contiguous order-9 run:
 * then each maps with a PMD leaf, and the area's page order is 9.
 */
static bool pages_form_pmds(struct page **pages, unsigned long nr)
{
	unsigned long i, pfn;

	if (nr & (PTRS_PER_PTE - 1))
		return false;
	for (i = 0; i < nr; i++) {
		pfn = __page_to_pfn(pages[i]);
		if ((i & (PTRS_PER_PTE - 1)) ?
			    pfn != __page_to_pfn(pages[i - 1]) + 1 :
			    pfn & (PTRS_PER_PTE - 1))
			return false;
	}
	return true;
}

/*
 * A released area of the same shape, taken back with its pages and host
 * mapping: no page allocation, no host call (see vm_area_revive()).
 */
static void *revive_area(unsigned long size, unsigned long align,
			 unsigned long start, unsigned long end, gfp_t gfp,
			 pgprot_t prot, unsigned long vm_flags, int node,
			 const void *caller, unsigned long real_size)
{
	struct vm_node *vmn;
	unsigned int i;

	vmn = vm_area_revive(size >> PAGE_SHIFT, align, start, end, vm_flags,
			     prot, gfp & GFP_VMALLOC_ZONES, node);
	if (!vmn)
		return NULL;
	vmn->vm.caller = caller;
	vmn->vm.requested_size = real_size;
	vmn->nid = node;
	/* Through the direct map, which both backends have. */
	if (gfp & __GFP_ZERO)
		for (i = 0; i < vmn->vm.nr_pages; i++)
			memset(__page_address(vmn->vm.pages[i]), 0, PAGE_SIZE);
	vm_area_publish(vmn);
	return vmn->vm.addr;
}

/* What a vmalloc call asked for, as it asked (before any rounding). */
struct vmalloc_request {
	unsigned long size;
	unsigned long align;
	unsigned long start;
	unsigned long end;
	gfp_t gfp;
	pgprot_t prot;
	unsigned long vm_flags;
	int node;
	const void *caller;
};

/* Whether @req can be tried at all; one warning line when it cannot. */
static bool vmalloc_request_valid(const struct vmalloc_request *req)
{
	if (!req->size || req->size > (unsigned long)-PMD_SIZE ||
	    (PAGE_ALIGN(req->size) >> PAGE_SHIFT) > phys.max_pfn) {
		/* Zero, too big to round up to a page, or more than all RAM. */
		if (!(req->gfp & __GFP_NOWARN))
			pr_warn("vmalloc error: size %lu, exceeds total pages",
				req->size);
		return false;
	}
	if (req->node != NUMA_NO_NODE &&
	    (req->node < 0 || req->node >= phys.nr_nodes)) {
		pr_warn("vmalloc error: size %lu, node %d does not exist",
			req->size, req->node);
		return false;
	}
	if (req->align && !is_power_of_2(req->align)) {
		pr_warn("vmalloc error: size %lu, alignment %#lx is not a power of two",
			req->size, req->align);
		return false;
	}
	return true;
}

/*
 * The page size to try first: 2 MiB when huge mappings are allowed and the
 * area (per node, if spread over all of them) holds at least that much.
 */
static unsigned int vmalloc_first_shift(const struct vmalloc_request *req)
{
	unsigned long per_node = req->size;

	if (!(req->vm_flags & VM_ALLOW_HUGE_VMAP) || vmalloc_params.nohuge)
		return PAGE_SHIFT;
	if (req->node == NUMA_NO_NODE)
		per_node /= (unsigned long)phys.nr_nodes;
	return per_node >= PMD_SIZE ? PMD_SHIFT : PAGE_SHIFT;
}

/*
 * Give the reserved area @vmn its pages and map them; false (with the
 * reason printed, unless quiet) when it cannot, and then nothing is
 * mapped and the caller discards the area.
 */
static bool vmalloc_fill_area(struct vm_node *vmn,
			      const struct vmalloc_request *req,
			      unsigned int shift)
{
	unsigned long nr = ALIGN_UP(req->size, 1UL << shift) >> PAGE_SHIFT, got;
	bool warn = !(req->gfp & __GFP_NOWARN);

	vmn->vm.requested_size = req->size;
	vmn->nid = req->node;
	vmn->prot = req->prot;
	vmn->zone_gfp = req->gfp & GFP_VMALLOC_ZONES;

	if (alloc_pages_array(vmn, nr, req->gfp, req->node)) {
		if (warn)
			pr_warn("vmalloc error: size %lu, failed to allocate page array size %lu",
				req->size, nr * sizeof(struct page *));
		return false;
	}

	got = vm_alloc_pages(req->gfp, req->node, nr, vmn->vm.pages);
	/*
	 * Freed areas keep their pages until a purge (the safety rule), so
	 * a shortage may be only that: purge, then try for the rest once.
	 */
	if (got < nr && lazy_pages_pending()) {
		kva_purge(true);
		got += vm_alloc_pages(req->gfp, req->node, nr - got,
				      vmn->vm.pages + got);
	}
	vmn->vm.nr_pages = (unsigned int)got;
	if (got < nr) {
		/* A huge try's shortage is no news: small pages come next. */
		if (warn && shift == PAGE_SHIFT)
			pr_warn("vmalloc error: size %lu, page order 0, failed to allocate pages",
				req->size);
		return false;
	}

	if (shift > PAGE_SHIFT && pages_form_pmds(vmn->vm.pages, nr))
		vmn->vm.page_order = PMD_SHIFT - PAGE_SHIFT;
	/* Each 2 MiB that is one aligned run maps with a PMD leaf. */
	if (mmu_map_pages(vmn->va->va_start, vmn->vm.pages, nr, req->prot,
			  shift)) {
		if (warn)
			pr_warn("vmalloc error: size %lu, failed to map pages",
				req->size);
		return false;
	}
	vmn->vm.flags &= ~VM_UNINITIALIZED;
	return true;
}

/*
 * One try at page size 1 << @shift: a small try first takes back a
 * released area of the same shape, if there is one (revive_area()), and
 * otherwise reserves address space and fills it. A huge try fails quietly,
 * since the small try follows. __GFP_NOFAIL waits for address space as the
 * kernel does: someone may free some. NULL with everything rolled back.
 */
static void *vmalloc_try(const struct vmalloc_request *req, unsigned int shift)
{
	unsigned long size = ALIGN_UP(req->size, 1UL << shift);
	unsigned long align =
		shift > PAGE_SHIFT ? max(req->align, 1UL << shift) : req->align;
	gfp_t gfp = req->gfp | (shift > PAGE_SHIFT ? __GFP_NOWARN : 0);
	bool warned = false;
	struct vm_node *vmn;
	void *addr;

	for (;;) {
		if (shift == PAGE_SHIFT) {
			addr = revive_area(size, req->align, req->start,
					   req->end, req->gfp, req->prot,
					   req->vm_flags, req->node,
					   req->caller, req->size);
			if (addr)
				return addr;
		}
		vmn = vm_area_reserve(size, align, req->start, req->end,
				      req->vm_flags | VM_UNINITIALIZED, 0, gfp,
				      req->caller);
		if (vmn)
			break;
		if (!(req->gfp & __GFP_NOFAIL) || shift != PAGE_SHIFT)
			return NULL;
		if (!warned && !(req->gfp & __GFP_NOWARN))
			pr_warn("vmalloc error: size %lu, vm_struct allocation failed. Retrying.",
				req->size);
		warned = true;
		usleep(1000);
	}
	if (!vmalloc_fill_area(vmn, req, shift)) {
		/* Nothing is mapped: the pages go at once, the range lazily. */
		vm_area_discard(vmn);
		return NULL;
	}
	vm_area_publish(vmn);
	return vmn->vm.addr;
}

static void *vmalloc_node_range(unsigned long size, unsigned long align,
				unsigned long start, unsigned long end,
				gfp_t gfp_mask, pgprot_t prot,
				unsigned long vm_flags, int node,
				const void *caller)
{
	struct vmalloc_request req = {
		.size = size,
		.align = align,
		.start = start,
		.end = end,
		.gfp = gfp_mask,
		.prot = prot,
		.vm_flags = (vm_flags & ~VM_INTERNAL_FLAGS) | VM_ALLOC,
		.node = node,
		.caller = caller,
	};
	unsigned int shift;
	void *addr;

	if (!uvm_ensure_booted() || !vmalloc_request_valid(&req))
		return NULL;
	shift = vmalloc_first_shift(&req);
	addr = vmalloc_try(&req, shift);
	/* A huge try that failed falls back to small pages. */
	if (!addr && shift > PAGE_SHIFT)
		addr = vmalloc_try(&req, PAGE_SHIFT);
	return addr;
}

/*
 * Every allocation ends here. Frees parked by signal handlers are carried
 * out first; the call then counts as inside the library, so that a handler
 * interrupting it parks its frees rather than wait on our locks.
 */
void *__vmalloc_node_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node, const void *caller)
{
	void *addr;

	vm_enter();
	addr = vmalloc_node_range(size, align, start, end, gfp_mask, prot,
				  vm_flags, node, caller);
	uvm_call_leave();
	return addr;
}

void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask,
		     int node, const void *caller)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __vmalloc_node_range(size, align, mmu.vmalloc_start,
				    mmu.vmalloc_end, gfp_mask, PAGE_KERNEL, 0,
				    node, caller);
}

/* The whole window, with flags, for the wrappers below. */
static void *vmalloc_window(unsigned long size, unsigned long align,
			    gfp_t gfp_mask, pgprot_t prot,
			    unsigned long vm_flags, int node,
			    const void *caller)
{
	if (!uvm_ensure_booted())
		return NULL;
	return __vmalloc_node_range(size, align, mmu.vmalloc_start,
				    mmu.vmalloc_end, gfp_mask, prot, vm_flags,
				    node, caller);
}

/* Unsupported gfp bits are dropped with the kernel's warning. */
static gfp_t vmalloc_fix_flags(gfp_t gfp_mask)
{
	gfp_t fixed = gfp_mask & GFP_VMALLOC_SUPPORTED;

	if (gfp_mask != fixed)
		pr_warn("Unexpected gfp: %#x. Fixing up to gfp: %#x. Fix your code!",
			gfp_mask, fixed);
	return fixed;
}

void *__vmalloc(unsigned long size, gfp_t gfp_mask)
{
	return __vmalloc_node(size, 1, vmalloc_fix_flags(gfp_mask),
			      NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_KERNEL, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vzalloc(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_node(unsigned long size, int node)
{
	return __vmalloc_node(size, 1, GFP_KERNEL, node,
			      __builtin_return_address(0));
}

void *vzalloc_node(unsigned long size, int node)
{
	return __vmalloc_node(size, 1, GFP_KERNEL | __GFP_ZERO, node,
			      __builtin_return_address(0));
}

void *vmalloc_32(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_KERNEL | __GFP_DMA32, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_user(unsigned long size)
{
	return vmalloc_window(size, SHMLBA, GFP_KERNEL | __GFP_ZERO,
			      PAGE_KERNEL, VM_USERMAP, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_32_user(unsigned long size)
{
	return vmalloc_window(size, SHMLBA,
			      GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO,
			      PAGE_KERNEL, VM_USERMAP, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node)
{
	return vmalloc_window(size, 1, vmalloc_fix_flags(gfp_mask), PAGE_KERNEL,
			      VM_ALLOW_HUGE_VMAP, node,
			      __builtin_return_address(0));
}

void *vmalloc_huge(unsigned long size, gfp_t gfp_mask)
{
	return vmalloc_window(size, 1, vmalloc_fix_flags(gfp_mask), PAGE_KERNEL,
			      VM_ALLOW_HUGE_VMAP, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_exec(unsigned long size)
{
	return vmalloc_window(size, 1, GFP_KERNEL, PAGE_KERNEL_EXEC, 0,
			      NUMA_NO_NODE, __builtin_return_address(0));
}

/* n * size, or false (after the kernel-style warning) if it overflows. */
static bool array_bytes(size_t n, size_t size, size_t *bytes)
{
	if (__builtin_mul_overflow(n, size, bytes)) {
		pr_warn("vmalloc_array: %zu elements of %zu bytes overflow", n,
			size);
		return false;
	}
	return true;
}

void *vmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (!array_bytes(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, GFP_KERNEL, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vcalloc(size_t n, size_t size)
{
	size_t bytes;

	if (!array_bytes(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

/*
 * A freed vmalloc() area small enough for revival, mapped with small pages
 * whose poisoning nobody expects, may be taken back whole before a purge.
 */
static bool area_revivable(const struct vm_node *vmn)
{
	return (vmn->vm.flags & VM_ALLOC) && !vmn->vm.page_order &&
	       !(vmn->vm.flags & VM_INTERNAL_FLAGS) && vmalloc_params.revive &&
	       !phys.params.page_poison;
}

void vm_free_addr(const void *addr)
{
	struct vm_node *vmn = vm_area_claim(addr, VM_RAM_INTERNAL);

	if (IS_ERR(vmn)) {
		pr_warn("Trying to vfree() %s vm area (%p)",
			PTR_ERR(vmn) == -EPERM ? "a vm_map_ram" : "nonexistent",
			addr);
		return;
	}
	vm_area_release(vmn, area_revivable(vmn));
}

void vfree(const void *addr)
{
	if (!vm_free_enter(addr))
		return;
	vm_free_addr(addr);
	uvm_call_leave();
}

struct vm_struct *find_vm_area(const void *addr)
{
	struct vm_node *vmn;

	if (!uvm_ensure_booted())
		return NULL;
	vmn = vm_area_find(addr);
	if (!vmn || !vmn->live || (vmn->vm.flags & VM_RAM_INTERNAL))
		return NULL;
	return &vmn->vm;
}

int is_vmalloc_addr(const void *x)
{
	unsigned long a = (unsigned long)x;

	return uvm_ensure_booted() && a >= mmu.vmalloc_start &&
	       a < mmu.vmalloc_end;
}

bool vm_walk_to_pfn(const void *addr, unsigned long *pfn)
{
	unsigned long leaf_size, a = (unsigned long)addr;
	pteval_t e;

	if (!is_vmalloc_addr(addr))
		return false;
	e = mmu_lookup(a, &leaf_size);
	if (!entry_present(e))
		return false;
	*pfn = entry_pfn(e) + ((a & (leaf_size - 1)) >> PAGE_SHIFT);
	return true;
}

unsigned long vmalloc_to_pfn(const void *addr)
{
	unsigned long pfn;

	return vm_walk_to_pfn(addr, &pfn) ? pfn : 0;
}

struct page *vmalloc_to_page(const void *addr)
{
	unsigned long pfn;

	if (!vm_walk_to_pfn(addr, &pfn) || pfn >= phys.max_pfn)
		return NULL;
	return __pfn_to_page(pfn);
}
