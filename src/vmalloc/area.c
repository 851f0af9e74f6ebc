/* SPDX-License-Identifier: MIT */
/*
 * The areas of the vmalloc layer: reserving, publishing, claiming and
 * releasing them, the purge callbacks that finish a release, reviving
 * released vmalloc() areas, and the lists behind vmallocinfo, the leak
 * report and the checker. Every kind of area (vmalloc, vmap, get_vm_area,
 * vm_map_ram) lives and dies through here.
 *
 * Locking: vm_lock guards the live list, the revival lists, every node's
 * @list and @live, and every kva area's owner cookie. It is taken inside
 * no other lock, and the only locks taken under it are kva's (to revive
 * or look up an area).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "lib/symbol.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* Released vmalloc() areas up to this many pages may be revived. */
#define VM_REVIVE_MAX_PAGES 256

struct vmalloc_params vmalloc_params;

static spinlock_t vm_lock = __SPIN_LOCK_UNLOCKED;
static struct list_head vm_list = LIST_HEAD_INIT(vm_list);
/*
 * Released, revivable areas by size in pages (index nr - 1), newest first:
 * the newest is the likeliest to be still lazy, and its pages still warm.
 */
static struct list_head vm_revivable[VM_REVIVE_MAX_PAGES];
static atomic_ulong vmalloc_pages;

/* Purge, step 2: the host mapping goes (the deferred TLB flush). */
static int vm_flush(unsigned long start, unsigned long end)
{
	return mmu_flush(start, end - start);
}

/*
 * Purge, step 3: only now may the pages go back to the page allocator.
 * Owners are read under vm_lock (a racing vfree() may have found this area
 * just before it went lazy, a vmalloc() may be about to revive it); once
 * the owner is cleared under it, nobody can reach the node any more.
 */
static void vm_reclaim(struct vmap_area *va)
{
	struct vm_node *vmn;

	spin_lock(&vm_lock);
	vmn = va->owner;
	va->owner = NULL;
	if (vmn)
		list_del_init(&vmn->list);
	spin_unlock(&vm_lock);
	if (vmn)
		vm_area_free_node(vmn);
}

static const struct kva_owner_ops vmalloc_owner = {
	.flush = vm_flush,
	.reclaim = vm_reclaim,
};

int vmalloc_init(const struct vmalloc_params *params)
{
	int i;

	vmalloc_params = *params;
	spin_lock(&vm_lock);
	INIT_LIST_HEAD(&vm_list);
	for (i = 0; i < VM_REVIVE_MAX_PAGES; i++)
		INIT_LIST_HEAD(&vm_revivable[i]);
	spin_unlock(&vm_lock);
	atomic_store(&vmalloc_pages, 0);
	kva_set_owner(&vmalloc_owner);
	vmap_block_init();
	return 0;
}

struct vm_node *vm_area_reserve(unsigned long size, unsigned long align,
				unsigned long start, unsigned long end,
				unsigned long vm_flags, unsigned int kva_flags,
				gfp_t gfp, const void *caller)
{
	struct vmap_area *va;
	struct vm_node *vmn;

	if (vm_flags & VM_NO_GUARD)
		kva_flags |= KVA_NO_GUARD;
	if (gfp & __GFP_NOWARN)
		kva_flags |= KVA_NOWARN;
	va = kva_alloc(size, align, start, end, kva_flags, phys_cpu());
	if (!va)
		return NULL;
	vmn = calloc(1, sizeof(*vmn));
	if (!vmn) {
		kva_free(va);
		if (!(gfp & __GFP_NOWARN))
			pr_warn("vmalloc: size %lu: no memory for the vm_struct",
				size);
		return NULL;
	}
	vmn->va = va;
	vmn->nid = NUMA_NO_NODE;
	vmn->prot = PAGE_KERNEL;
	INIT_LIST_HEAD(&vmn->list);
	vmn->vm.addr = (void *)va->va_start;
	vmn->vm.size = va_size(va);
	vmn->vm.flags = vm_flags;
	vmn->vm.caller = caller;
	vmn->vm.requested_size = size;
	return vmn;
}

void vm_area_publish(struct vm_node *vmn)
{
	if (vmn->vm.flags & VM_ALLOC)
		atomic_fetch_add(&vmalloc_pages, vmn->vm.nr_pages);
	spin_lock(&vm_lock);
	vmn->va->owner = vmn;
	vmn->live = true;
	list_add_tail(&vmn->list, &vm_list);
	spin_unlock(&vm_lock);
}

/* The live node whose area starts exactly at @addr, or NULL; vm_lock held. */
static struct vm_node *vm_node_at(const void *addr)
{
	struct vmap_area *va = kva_find((unsigned long)addr);
	struct vm_node *vmn = va ? va->owner : NULL;

	if (!vmn || va->va_start != (unsigned long)addr || !vmn->live)
		return NULL;
	return vmn;
}

/* Off the live list (and out of VmallocUsed); vm_lock held. */
static void vm_unlist_locked(struct vm_node *vmn)
{
	list_del_init(&vmn->list);
	vmn->live = false;
	if (vmn->vm.flags & VM_ALLOC)
		atomic_fetch_sub(&vmalloc_pages, vmn->vm.nr_pages);
}

/*
 * A vmalloc'ed pages array leaves the list with its owner: it lives on
 * until the owner is reclaimed (it lists the pages to free), and is
 * released then.
 */
struct vm_node *vm_area_claim(const void *addr, unsigned long forbid)
{
	struct vm_node *vmn, *array;

	spin_lock(&vm_lock);
	vmn = vm_node_at(addr);
	if (!vmn || (vmn->vm.flags & VM_PAGES_ARRAY_INTERNAL)) {
		spin_unlock(&vm_lock);
		return ERR_PTR(-ENOENT);
	}
	if (vmn->vm.flags & forbid) {
		spin_unlock(&vm_lock);
		return ERR_PTR(-EPERM);
	}
	vm_unlist_locked(vmn);
	if (vmn->vm.flags & VM_VPAGES_INTERNAL) {
		array = vm_node_at(vmn->vm.pages);
		if (array)
			vm_unlist_locked(array);
	}
	spin_unlock(&vm_lock);
	return vmn;
}

/*
 * The tables forget the area now; the host mapping and the pages stay
 * until a purge flushes and reclaims it (vm_flush, vm_reclaim). A
 * revivable area is filed for revival first, since kva_free() may purge
 * (and reclaim it) before returning.
 */
void vm_area_release(struct vm_node *vmn, bool revivable)
{
	struct vmap_area *va = vmn->va;
	unsigned long nr = vmn->vm.nr_pages;

	spin_lock(&vm_lock);
	va->owner = vmn;
	if (revivable && nr && nr <= VM_REVIVE_MAX_PAGES)
		list_add(&vmn->list, &vm_revivable[nr - 1]);
	spin_unlock(&vm_lock);
	mmu_clear_noflush(va->va_start, va_size(va));
	kva_free(va);
}

void vm_area_remove(struct vm_node *vmn)
{
	struct vmap_area *va = vmn->va;

	spin_lock(&vm_lock);
	va->owner = NULL;
	vmn->va = NULL;
	spin_unlock(&vm_lock);
	mmu_clear_noflush(va->va_start, va_size(va));
	kva_free(va);
}

void vm_area_discard(struct vm_node *vmn)
{
	struct vmap_area *va = vmn->va;

	vmn->va = NULL;
	vm_area_free_node(vmn);
	kva_free(va);
}

static void free_pages_array(struct vm_node *vmn)
{
	struct vm_struct *vm = &vmn->vm;

	if (!vm->pages)
		return;
	if (vm->flags & VM_VPAGES_INTERNAL) {
		struct vm_node *array;

		/* Off the list already if its owner was freed; else now. */
		spin_lock(&vm_lock);
		array = vm_area_find(vm->pages);
		if (array && array->live)
			vm_unlist_locked(array);
		spin_unlock(&vm_lock);
		if (array)
			vm_area_release(array, false);
	} else if (vm->flags & VM_MAP_PUT_PAGES) {
		/* Not vfree(): from inside the library it would only park. */
		if (is_vmalloc_addr(vm->pages))
			vm_free_addr(vm->pages);
		else
			free(vm->pages);
	} else {
		free(vm->pages);
	}
	vm->pages = NULL;
}

void vm_area_free_node(struct vm_node *vmn)
{
	unsigned long owned = vmn->vm.flags & (VM_ALLOC | VM_MAP_PUT_PAGES);

	if (owned && vmn->vm.pages) {
		vm_free_pages(vmn->vm.pages, vmn->vm.nr_pages);
		free_pages_array(vmn);
	}
	free(vmn);
}

void vm_area_resize(struct vm_node *vmn, struct page **pages, unsigned int nr,
		    unsigned long requested)
{
	spin_lock(&vm_lock);
	vmn->vm.requested_size = requested;
	if (vmn->live && (vmn->vm.flags & VM_ALLOC))
		atomic_fetch_add(&vmalloc_pages, nr - vmn->vm.nr_pages);
	vmn->vm.pages = pages;
	vmn->vm.nr_pages = nr;
	vmn->vm.size = va_size(vmn->va);
	spin_unlock(&vm_lock);
}

void vm_area_mark_pages_array(const void *array)
{
	struct vm_node *vmn;

	spin_lock(&vm_lock);
	vmn = vm_area_find(array);
	if (vmn)
		vmn->vm.flags |= VM_PAGES_ARRAY_INTERNAL;
	spin_unlock(&vm_lock);
}

struct vm_node *vm_area_find(const void *addr)
{
	struct vmap_area *va = kva_find((unsigned long)addr);

	return va ? va->owner : NULL;
}

static bool revivable_fits(const struct vm_node *vmn, unsigned long align,
			   unsigned long start, unsigned long end,
			   unsigned long vm_flags, pgprot_t prot,
			   gfp_t zone_gfp, int nid)
{
	const struct vmap_area *va = vmn->va;

	return vmn->vm.flags == vm_flags &&
	       pgprot_val(vmn->prot) == pgprot_val(prot) &&
	       vmn->zone_gfp == zone_gfp &&
	       (nid == NUMA_NO_NODE || nid == vmn->nid) &&
	       va->va_start >= start && va->va_end <= end &&
	       !(va->va_start & (align - 1));
}

struct vm_node *vm_area_revive(unsigned long nr, unsigned long align,
			       unsigned long start, unsigned long end,
			       unsigned long vm_flags, pgprot_t prot,
			       gfp_t zone_gfp, int nid)
{
	struct list_head *head;
	struct vm_node *vmn;
	bool revived;

	if (!nr || nr > VM_REVIVE_MAX_PAGES || !vmalloc_params.revive)
		return NULL;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	head = &vm_revivable[nr - 1];

	spin_lock(&vm_lock);
	if (list_empty(head)) {
		spin_unlock(&vm_lock);
		return NULL;
	}
	vmn = list_first_entry(head, struct vm_node, list);
	if (!revivable_fits(vmn, align, start, end, vm_flags, prot, zone_gfp,
			    nid)) {
		spin_unlock(&vm_lock);
		return NULL;
	}
	list_del_init(&vmn->list);
	/*
	 * Lost to a purge that collected it (it will reclaim the node), or
	 * not lazy yet (its vfree() is still on the way): either way it is
	 * no longer ours to take.
	 */
	revived = kva_revive(vmn->va);
	spin_unlock(&vm_lock);
	if (!revived)
		return NULL;

	if (mmu_revive(vmn->va->va_start, va_size(vmn->va), vmn->vm.pages, nr,
		       prot) &&
	    mmu_map_pages(vmn->va->va_start, vmn->vm.pages, nr, prot,
			  PAGE_SHIFT)) {
		/* Mapped neither way: let the purge have it after all. */
		vm_area_release(vmn, false);
		return NULL;
	}
	return vmn;
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

struct unpurged_walk {
	void (*fn)(unsigned long start, unsigned long end, void *arg);
	void *arg;
};

static void unpurged_one(struct vmap_area *va, void *arg)
{
	struct unpurged_walk *w = arg;

	w->fn(va->va_start, va->va_end, w->arg);
}

void vmalloc_for_each_unpurged(void (*fn)(unsigned long start,
					  unsigned long end, void *arg),
			       void *arg)
{
	struct unpurged_walk w = { .fn = fn, .arg = arg };

	kva_for_each_lazy(unpurged_one, &w);
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
	vm_enter();
	uvm_call_leave();
	vmap_block_exit();
	kva_purge(true);
	while ((vmn = first_owned_area())) {
		char caller[256];

		uvm_format_caller(vmn->vm.caller, caller, sizeof(caller));
		pr_warn("leak: vmalloc area %p-%#lx, %lu bytes (%lu asked), caller %s, still allocated at shutdown",
			vmn->vm.addr,
			(unsigned long)vmn->vm.addr + vmn->vm.size,
			vmn->vm.size, vmn->vm.requested_size, caller);
		leaks++;
		vmn = vm_area_claim(vmn->vm.addr, 0);
		if (IS_ERR(vmn))
			break;
		vm_area_release(vmn, false);
	}
	kva_purge(true);
	kva_set_owner(NULL);
	return leaks;
}

static int check_live(struct vm_node *vmn, unsigned long *pages)
{
	unsigned long addr = (unsigned long)vmn->vm.addr, i;
	int bad = 0;

	if (vmn->vm.flags & VM_ALLOC)
		*pages += vmn->vm.nr_pages;
	if (!vmn->live || !vmn->va || kva_find(addr) != vmn->va ||
	    vmn->va->va_start != addr || va_size(vmn->va) != vmn->vm.size ||
	    vmn->va->owner != vmn) {
		pr_err("vmalloc_check: area %#lx is not the busy area of its address",
		       addr);
		return 1;
	}
	for (i = 0; vmn->vm.pages && i < vmn->vm.nr_pages; i++) {
		unsigned long pfn =
			vmalloc_to_pfn((void *)(addr + (i << PAGE_SHIFT)));

		if (pfn != __page_to_pfn(vmn->vm.pages[i])) {
			bad++;
			pr_err("vmalloc_check: page %lu of area %#lx maps pfn %#lx, not %#lx",
			       i, addr, pfn, __page_to_pfn(vmn->vm.pages[i]));
			break;
		}
	}
	return bad;
}

/* A revivable area is lazy (or on its way), owned, and the right size. */
static int check_revivable(struct vm_node *vmn, unsigned long nr)
{
	struct vmap_area *va = vmn->va;

	if (vmn->live || !va || va->owner != vmn || vmn->vm.nr_pages != nr ||
	    (va->state != VA_LAZY && va->state != VA_PURGING)) {
		pr_err("vmalloc_check: revivable area %p of %lu pages is not a lazy area it owns",
		       vmn->vm.addr, nr);
		return 1;
	}
	return 0;
}

int vmalloc_check(void)
{
	unsigned long pages = 0, nr;
	struct vm_node *vmn;
	int bad = 0;

	spin_lock(&vm_lock);
	list_for_each_entry(vmn, &vm_list, list)
		bad += check_live(vmn, &pages);
	for (nr = 1; nr <= VM_REVIVE_MAX_PAGES; nr++)
		list_for_each_entry(vmn, &vm_revivable[nr - 1], list)
			bad += check_revivable(vmn, nr);
	spin_unlock(&vm_lock);
	bad += vmap_block_check();
	if (pages != vmalloc_nr_pages()) {
		bad++;
		pr_err("%s: areas hold %lu pages, the count says %lu", __func__,
		       pages, vmalloc_nr_pages());
	}
	return bad;
}
