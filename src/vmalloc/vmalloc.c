/* SPDX-License-Identifier: MIT */
/*
 * vmalloc() and vfree(): an area from kva, pages from phys, a mapping from
 * mmu. See vmalloc_int.h for the life of an area and the safety rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/symbol.h"
#include "lib/runtime.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* Set on an area whose pages array was itself vmalloc'ed ("vpages"). */
#define VM_VPAGES_INTERNAL 0x80000000UL
/* Set on an area that is such a pages array: it goes with its owner. */
#define VM_PAGES_ARRAY_INTERNAL 0x40000000UL
/* Set on an area that is such a pages array: it goes with its owner. */
#define VM_PAGES_ARRAY_INTERNAL 0x40000000UL

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

/**
 * struct vm_node - a vm_struct with what only this layer needs
 * @vm: what callers see
 * @va: the area behind it
 * @list: on vm_list (in no particular order: readers sort)
 * @nid: the node the caller asked for (NUMA_NO_NODE: any)
 */
struct vm_node {
	struct vm_struct vm;
	struct vmap_area *va;
	struct list_head list;
	int nid;
};

static spinlock_t vm_lock = __SPIN_LOCK_UNLOCKED;
static struct list_head vm_list = LIST_HEAD_INIT(vm_list);
static atomic_ulong vmalloc_pages;

static void free_vm_node(struct vm_node *vmn);
static struct vm_node *vm_node_at(const void *addr);
static bool vm_unlist_locked(struct vm_node *vmn);
static void vm_release(struct vm_node *vmn);

/* Purge, step 2: the host mapping goes (the deferred TLB flush). */
static int vm_flush(unsigned long start, unsigned long end)
{
	return mmu_flush(start, end - start);
}

/* Purge, step 3: only now may the pages go back to the page allocator. */
static void vm_reclaim(struct vmap_area *va)
{
	struct vm_node *vmn;

	/*
	 * Owners are read under vm_lock (a racing vfree() may have found
	 * this area just before it went lazy); once the owner is cleared
	 * under it, nobody can reach the structure any more.
	 */
	spin_lock(&vm_lock);
	vmn = va->owner;
	va->owner = NULL;
	spin_unlock(&vm_lock);
	if (vmn)
		free_vm_node(vmn);
}

static const struct kva_owner_ops vmalloc_owner = {
	.flush = vm_flush,
	.reclaim = vm_reclaim,
};

int vmalloc_init(void)
{
	spin_lock(&vm_lock);
	INIT_LIST_HEAD(&vm_list);
	spin_unlock(&vm_lock);
	atomic_store(&vmalloc_pages, 0);
	kva_set_owner(&vmalloc_owner);
	return 0;
}

static void free_pages_array(struct vm_struct *vm)
{
	if (!vm->pages)
		return;
	if (vm->flags & VM_VPAGES_INTERNAL) {
		struct vm_node *array;

		/* Off the list already if its owner was vfree()d; else now. */
		spin_lock(&vm_lock);
		array = vm_node_at(vm->pages);
		vm_unlist_locked(array);
		spin_unlock(&vm_lock);
		vm_release(array);
	} else {
		free(vm->pages);
	}
	vm->pages = NULL;
}

/* Free an area's pages, its pages array and the structure itself. */
static void free_vm_node(struct vm_node *vmn)
{
	unsigned int i;

	for (i = 0; i < vmn->vm.nr_pages; i++)
		if (vmn->vm.pages[i])
			__free_pages(vmn->vm.pages[i], 0);
	free_pages_array(&vmn->vm);
	free(vmn);
}

/*
 * Fill @pages with @nr order-0 pages: high-order blocks first (split, so a
 * physically contiguous run maps with one host call), then the bulk
 * allocator, at most BULK_PAGES a call, then single pages.
 *
 * Return: how many were filled; on a shortfall the caller frees them.
 */
static unsigned long alloc_area_pages(gfp_t gfp, int nid, unsigned long nr,
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

/* Take an area off the live list (and out of VmallocUsed); vm_lock held. */
static bool vm_unlist_locked(struct vm_node *vmn)
{
	if (!vmn || list_empty(&vmn->list))
		return false;
	list_del_init(&vmn->list);
	atomic_fetch_sub(&vmalloc_pages, vmn->vm.nr_pages);
	return true;
}

/* Publish a finished area: findable through its kva area, and listed. */
static void vm_list_add(struct vm_node *vmn)
{
	spin_lock(&vm_lock);
	vmn->va->owner = vmn;
	list_add_tail(&vmn->list, &vm_list);
	spin_unlock(&vm_lock);
}

void *__vmalloc_node_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node, const void *caller)
{
	unsigned long real_size = size, nr, got, bytes;
	bool nowarn = gfp_mask & __GFP_NOWARN;
	struct vmap_area *va;
	struct vm_node *vmn;
	unsigned int kflags;
	int err;

	if (!uvm_ensure_booted())
		return NULL;
	/* Zero, too big to round up to a page, or more than all of RAM. */
	if (!size || size > (unsigned long)-PAGE_SIZE ||
	    (PAGE_ALIGN(size) >> PAGE_SHIFT) > phys.max_pfn) {
		if (!nowarn)
			pr_warn("vmalloc error: size %lu, exceeds total pages",
				real_size);
		return NULL;
	}
	size = PAGE_ALIGN(size);
	if (node != NUMA_NO_NODE && (node < 0 || node >= phys.nr_nodes)) {
		pr_warn("vmalloc error: size %lu, node %d does not exist",
			real_size, node);
		return NULL;
	}

	kflags = (vm_flags & VM_NO_GUARD ? KVA_NO_GUARD : 0) |
		 (nowarn ? KVA_NOWARN : 0);
	va = kva_alloc(size, align, start, end, kflags, phys_cpu());
	if (!va)
		return NULL;
	vmn = calloc(1, sizeof(*vmn));
	if (!vmn) {
		kva_free(va);
		pr_warn("vmalloc error: size %lu, vm_struct allocation failed",
			real_size);
		return NULL;
	}
	vmn->va = va;
	vmn->nid = node;
	INIT_LIST_HEAD(&vmn->list);
	vmn->vm.addr = (void *)va->va_start;
	vmn->vm.size = va_size(va);
	vmn->vm.flags = vm_flags | VM_ALLOC | VM_UNINITIALIZED;
	vmn->vm.caller = caller;
	vmn->vm.requested_size = real_size;

	/*
	 * The pages array: from the C heap, or vmalloc itself past a page,
	 * as the kernel does, where vmalloc memory can be dereferenced (not
	 * with mmu=soft).
	 */
	nr = size >> PAGE_SHIFT;
	bytes = nr * sizeof(struct page *);
	if (bytes > PAGE_SIZE && mmu.ops->mirrors) {
		vmn->vm.pages = __vmalloc_node(bytes, 1, gfp_mask | __GFP_ZERO,
					       node, caller);
		vmn->vm.flags |= VM_VPAGES_INTERNAL;
		/* vmallocinfo may be reading the array's listed area. */
		spin_lock(&vm_lock);
		if (vmn->vm.pages)
			vm_node_at(vmn->vm.pages)->vm.flags |=
				VM_PAGES_ARRAY_INTERNAL;
		spin_unlock(&vm_lock);
	} else {
		vmn->vm.pages = calloc(nr, sizeof(struct page *));
	}
	if (!vmn->vm.pages) {
		if (!nowarn)
			pr_warn("vmalloc error: size %lu, failed to allocate page array size %lu",
				real_size, bytes);
		goto fail;
	}

	got = alloc_area_pages(gfp_mask, node, nr, vmn->vm.pages);
	/*
	 * Freed areas keep their pages until a purge (the safety rule), so
	 * a shortage may be only that: purge, then try for the rest once.
	 */
	if (got < nr && lazy_pages_pending()) {
		kva_purge(true);
		got += alloc_area_pages(gfp_mask, node, nr - got,
					vmn->vm.pages + got);
	}
	vmn->vm.nr_pages = (unsigned int)got;
	if (got < nr) {
		if (!nowarn)
			pr_warn("vmalloc error: size %lu, page order 0, failed to allocate pages",
				real_size);
		goto fail;
	}

	err = mmu_map_pages(va->va_start, vmn->vm.pages, nr, prot, PAGE_SHIFT);
	if (err) {
		if (!nowarn)
			pr_warn("vmalloc error: size %lu, failed to map pages",
				real_size);
		goto fail;
	}

	atomic_fetch_add(&vmalloc_pages, nr);
	vmn->vm.flags &= ~VM_UNINITIALIZED;
	vm_list_add(vmn);
	return vmn->vm.addr;

fail:
	/* Nothing is mapped: the pages can go at once, the range lazily. */
	free_vm_node(vmn);
	kva_free(va);
	return NULL;
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

void *__vmalloc(unsigned long size, gfp_t gfp_mask)
{
	if (gfp_mask & ~GFP_VMALLOC_SUPPORTED) {
		gfp_t fixed = gfp_mask & GFP_VMALLOC_SUPPORTED;

		pr_warn("Unexpected gfp: %#x. Fixing up to gfp: %#x. Fix your code!",
			gfp_mask, fixed);
		gfp_mask = fixed;
	}
	return __vmalloc_node(size, 1, gfp_mask, NUMA_NO_NODE,
			      __builtin_return_address(0));
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

/* The live area starting exactly at @addr, or NULL; vm_lock held. */
static struct vm_node *vm_node_at(const void *addr)
{
	struct vmap_area *va = kva_find((unsigned long)addr);

	if (!va || va->va_start != (unsigned long)addr || !va->owner)
		return NULL;
	return va->owner;
}

/*
 * Claim the live area at @addr for freeing. Under vm_lock, so that of two
 * racing vfree()s of one address exactly one wins; the other finds it gone.
 * The area leaves vmallocinfo now, and so does its vmalloc'ed pages array,
 * which lives on until the purge reclaims the area (it lists the pages to
 * free) and is released then.
 */
static struct vm_node *vm_claim(const void *addr)
{
	struct vm_node *vmn;

	spin_lock(&vm_lock);
	vmn = vm_node_at(addr);
	if (!vm_unlist_locked(vmn))
		vmn = NULL;
	else if (vmn->vm.flags & VM_VPAGES_INTERNAL)
		vm_unlist_locked(vm_node_at(vmn->vm.pages));
	spin_unlock(&vm_lock);
	return vmn;
}

/*
 * The tables forget the area now; the host mapping and the pages stay
 * until a purge flushes and reclaims it (vm_flush, vm_reclaim).
 */
static void vm_release(struct vm_node *vmn)
{
	mmu_clear(vmn->va->va_start, va_size(vmn->va));
	kva_free(vmn->va);
}

void vfree(const void *addr)
{
	struct vm_node *vmn;

	if (!addr)
		return;
	if (!uvm_ensure_booted())
		return;
	vmn = vm_claim(addr);
	if (!vmn) {
		pr_warn("Trying to vfree() nonexistent vm area (%p)", addr);
		return;
	}
	vm_release(vmn);
}

struct vm_struct *find_vm_area(const void *addr)
{
	struct vmap_area *va;
	struct vm_node *vmn;

	if (!uvm_ensure_booted())
		return NULL;
	spin_lock(&vm_lock);
	va = kva_find((unsigned long)addr);
	vmn = va ? va->owner : NULL;
	spin_unlock(&vm_lock);
	return vmn ? &vmn->vm : NULL;
}

int is_vmalloc_addr(const void *x)
{
	unsigned long a = (unsigned long)x;

	return uvm_ensure_booted() && a >= mmu.vmalloc_start &&
	       a < mmu.vmalloc_end;
}

/* The frame mapped at @addr through any leaf size; false for a hole. */
static bool walk_to_pfn(const void *addr, unsigned long *pfn)
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

	return walk_to_pfn(addr, &pfn) ? pfn : 0;
}

struct page *vmalloc_to_page(const void *addr)
{
	unsigned long pfn;

	if (!walk_to_pfn(addr, &pfn) || pfn >= phys.max_pfn)
		return NULL;
	return __pfn_to_page(pfn);
}

void vmalloc_for_each(void (*fn)(const struct vm_struct *vm, void *arg),
		      void *arg)
{
	struct vm_node *vmn;

	spin_lock(&vm_lock);
	list_for_each_entry(vmn, &vm_list, list)
		fn(&vmn->vm, arg);
	spin_unlock(&vm_lock);
}

unsigned long vmalloc_nr_pages(void)
{
	return atomic_load(&vmalloc_pages);
}

/* The first live area a caller owns (not a pages array), or NULL. */
static struct vm_node *first_owned_area(void)
{
	struct vm_node *vmn, *found = NULL;

	spin_lock(&vm_lock);
	list_for_each_entry(vmn, &vm_list, list) {
		if (!(vmn->vm.flags & VM_PAGES_ARRAY_INTERNAL)) {
			found = vmn;
			break;
		}
	}
	spin_unlock(&vm_lock);
	return found;
}

unsigned long vmalloc_exit(void)
{
	unsigned long leaks = 0;
	struct vm_node *vmn;

	/* Finish the frees in flight: they take their pages arrays along. */
	kva_purge(true);
	while ((vmn = first_owned_area())) {
		char caller[256];

		uvm_format_caller(vmn->vm.caller, caller, sizeof(caller));
		pr_warn("leak: vmalloc area %p-%#lx, %lu bytes (%lu asked), caller %s, still allocated at shutdown",
			vmn->vm.addr,
			(unsigned long)vmn->vm.addr + vmn->vm.size,
			vmn->vm.size, vmn->vm.requested_size, caller);
		leaks++;
		vfree(vmn->vm.addr);
	}
	kva_purge(true);
	kva_set_owner(NULL);
	return leaks;
}

int vmalloc_check(void)
{
	unsigned long pages = 0, i;
	struct vm_node *vmn;
	int bad = 0;

	spin_lock(&vm_lock);
	list_for_each_entry(vmn, &vm_list, list) {
		unsigned long addr = (unsigned long)vmn->vm.addr;

		pages += vmn->vm.nr_pages;
		if (kva_find(addr) != vmn->va || vmn->va->va_start != addr ||
		    va_size(vmn->va) != vmn->vm.size) {
			bad++;
			pr_err("vmalloc_check: area %#lx is not the busy area of its address",
			       addr);
			continue;
		}
		for (i = 0; i < vmn->vm.nr_pages; i++) {
			unsigned long pfn = vmalloc_to_pfn(
				(void *)(addr + (i << PAGE_SHIFT)));

			if (pfn != __page_to_pfn(vmn->vm.pages[i])) {
				bad++;
				pr_err("vmalloc_check: page %lu of area %#lx maps pfn %#lx, not %#lx",
				       i, addr, pfn,
				       __page_to_pfn(vmn->vm.pages[i]));
				break;
			}
		}
	}
	spin_unlock(&vm_lock);
	if (pages != vmalloc_nr_pages()) {
		bad++;
		pr_err("vmalloc_check: areas hold %lu pages, the count says %lu",
		       pages, vmalloc_nr_pages());
	}
	return bad;
}
