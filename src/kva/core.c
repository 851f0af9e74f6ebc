/* SPDX-License-Identifier: MIT */
/*
 * The strategy-independent part of the area allocator: request checks, the
 * guard page, retry after a purge, lazy accounting and the purge itself.
 *
 * A purge, in the order the safety rule needs:
 *
 *   1. collect every lazy area (they stay unallocatable);
 *   2. sort them by address and ask the owner to flush each contiguous run
 *      once: adjacent lazy areas cost one host call between them;
 *   3. let the owner reclaim what it hung on each area (its pages), which
 *      is safe only now that no host mapping reaches them;
 *   4. give the ranges back to the strategy (free space or a pool).
 *
 *   window: |busy|lazy A|lazy B|busy|lazy C|free...
 *   flush:        [------------)      [------)      two calls for three areas
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kva.h"
#include "lib/log.h"

struct kva_state kva;

/*
 * Set while this thread purges: an owner's reclaim may free areas of its
 * own (a vmalloc'ed pages array), and those frees must not start a purge
 * inside the purge.
 */
static __thread bool in_purge;
/* Lazy frees an owner's reclaim made during this thread's purge. */
static __thread unsigned long freed_in_purge;

static const struct kva_strategy *const strategies[NR_KVA_STRATEGIES] = {
	[KVA_LIST] = &kva_list_strategy,
	[KVA_RBTREE] = &kva_rbtree_strategy,
	[KVA_AUGMENT] = &kva_augment_strategy,
};

#define KVA_PAGE_SHIFT 12
#define KVA_PAGE_SIZE (1UL << KVA_PAGE_SHIFT)

int kva_init(const struct kva_params *params, unsigned long start,
	     unsigned long end, int nr_cpus)
{
	int err;

	memset(&kva, 0, sizeof(kva));
	kva.params = *params;
	kva.ops = strategies[params->strategy];
	kva.start = start;
	kva.end = end;
	pthread_mutex_init(&kva.purge_lock, NULL);
	INIT_LIST_HEAD(&kva.deferred);

	/* The 6.9 design: one vmap node per CPU, at most 128. */
	kva.nr_vmap_nodes = 1;
	if (params->strategy == KVA_AUGMENT)
		kva.nr_vmap_nodes = params->vmap_nodes ?
					    (int)params->vmap_nodes :
					    clamp(nr_cpus, 1, 128);
	/* The kernel's lazy_max_pages(): fls(online CPUs) * 32 MiB. */
	kva.lazy_max_pages = params->lazy_max_pages ?
				     params->lazy_max_pages :
				     (unsigned long)fls_long(nr_cpus) *
					     ((32UL << 20) >> KVA_PAGE_SHIFT);

	err = kva.ops->init(start, end);
	if (err)
		pr_err("kva: the %s allocator could not start: %s",
		       kva.ops->name, strerror(-err));
	return err;
}

void kva_exit(void)
{
	struct vmap_area *va, *n;

	if (!kva.ops)
		return;
	list_for_each_entry_safe(va, n, &kva.deferred, purge) {
		list_del_init(&va->purge);
		kva.ops->release(va);
	}
	kva.ops->exit();
	pthread_mutex_destroy(&kva.purge_lock);
	memset(&kva, 0, sizeof(kva));
}

void kva_set_owner(const struct kva_owner_ops *owner)
{
	kva.owner = owner;
}

static int owner_flush(unsigned long start, unsigned long end)
{
	atomic_fetch_add_explicit(&kva.flush_calls, 1, memory_order_relaxed);
	return kva.owner && kva.owner->flush ? kva.owner->flush(start, end) : 0;
}

static void owner_reclaim(struct vmap_area *va)
{
	if (kva.owner && kva.owner->reclaim)
		kva.owner->reclaim(va);
}

static bool request_ok(unsigned long *size, unsigned long *align,
		       unsigned long vstart, unsigned long vend,
		       unsigned int flags)
{
	if (!*size || *size & (KVA_PAGE_SIZE - 1)) {
		pr_warn("vmap: size %#lx is zero or not page-aligned", *size);
		return false;
	}
	if (!is_power_of_2(*align)) {
		pr_warn("vmap: alignment %#lx is not a power of two", *align);
		return false;
	}
	if (*align < KVA_PAGE_SIZE)
		*align = KVA_PAGE_SIZE;
	if (vstart < kva.start || vend > kva.end || vstart >= vend ||
	    (vstart | vend) & (KVA_PAGE_SIZE - 1)) {
		pr_warn("vmap: range %#lx-%#lx is not a page-aligned part of the window %#lx-%#lx",
			vstart, vend, kva.start, kva.end);
		return false;
	}
	if (!(flags & KVA_NO_GUARD)) {
		if (*size + KVA_PAGE_SIZE < *size) {
			pr_warn("vmap: size %#lx leaves no room for a guard page",
				*size);
			return false;
		}
		*size += KVA_PAGE_SIZE;
	}
	return true;
}

struct vmap_area *kva_alloc(unsigned long size, unsigned long align,
			    unsigned long vstart, unsigned long vend,
			    unsigned int flags, int cpu)
{
	bool topdown = flags & KVA_TOPDOWN;
	int cpu_node = (cpu < 0 ? 0 : cpu) % kva.nr_vmap_nodes;
	struct vmap_area *va = NULL;

	if (!request_ok(&size, &align, vstart, vend, flags))
		return NULL;
	if (size <= vend - vstart) {
		va = kva.ops->alloc(size, align, vstart, vend, topdown,
				    cpu_node);
		/* Lazy areas and pools may hold the space: purge, retry once. */
		if (!va && kva.ops->lazy) {
			kva_purge(true);
			va = kva.ops->alloc(size, align, vstart, vend, topdown,
					    cpu_node);
		}
	}
	if (!va) {
		atomic_fetch_add(&kva.failures, 1);
		/*
		 * The kernel's own words, under the kernel's name: this is the
		 * line its alloc_vmap_area() prints when the range is full,
		 * and the one a reader of a real log will search for.
		 */
		if (!(flags & KVA_NOWARN))
			pr_warn("vmalloc_node_range for size %lu failed: Address range restricted to %#lx - %#lx",
				size, vstart, vend);
		return NULL;
	}
	atomic_fetch_add_explicit(&kva.nr_busy, 1, memory_order_relaxed);
	return va;
}

struct vmap_area *kva_find(unsigned long addr)
{
	if (addr < kva.start || addr >= kva.end)
		return NULL;
	return kva.ops->find(addr);
}

void kva_free(struct vmap_area *va)
{
	unsigned long pages;

	if (!va || va->state != VA_BUSY) {
		pr_warn("vmap: freeing %s",
			va ? "an area that is not busy" : "a NULL area");
		return;
	}
	atomic_fetch_sub_explicit(&kva.nr_busy, 1, memory_order_relaxed);

	if (!kva.ops->lazy) {
		/*
		 * 2.6.12 freed at once: flush while the range is still busy,
		 * so nobody can map over it before its old mapping is gone.
		 */
		if (owner_flush(va->va_start, va->va_end)) {
			pr_err("vmap: %#lx-%#lx could not be unmapped; it stays reserved",
			       va->va_start, va->va_end);
			atomic_fetch_add(&kva.nr_busy, 1);
			return;
		}
		owner_reclaim(va);
		kva.ops->release(va);
		return;
	}

	pages = va_size(va) >> KVA_PAGE_SHIFT;
	kva.ops->free_lazy(va);
	pages += atomic_fetch_add(&kva.lazy_pages, pages);
	if (in_purge)
		freed_in_purge++;
	else if (!kva.params.lazy || pages > kva.lazy_max_pages)
		kva_purge(false);
}

bool kva_revive(struct vmap_area *va)
{
	if (!kva.ops->revive || !kva.ops->revive(va))
		return false;
	atomic_fetch_sub(&kva.lazy_pages, va_size(va) >> KVA_PAGE_SHIFT);
	atomic_fetch_add_explicit(&kva.nr_busy, 1, memory_order_relaxed);
	return true;
}

void kva_absorb(struct vmap_area *va, struct vmap_area *next)
{
	if (!va || !next || va->state != VA_BUSY || next->state != VA_BUSY ||
	    next->va_start != va->va_end) {
		pr_warn("vmap: cannot absorb an area that is not busy and adjacent");
		return;
	}
	kva.ops->absorb(va, next);
	atomic_fetch_sub_explicit(&kva.nr_busy, 1, memory_order_relaxed);
}

void kva_for_each_lazy(void (*fn)(struct vmap_area *va, void *arg), void *arg)
{
	if (kva.ops && kva.ops->for_each_lazy)
		kva.ops->for_each_lazy(fn, arg);
}

static int va_start_cmp(const void *a, const void *b)
{
	const struct vmap_area *x = *(struct vmap_area *const *)a;
	const struct vmap_area *y = *(struct vmap_area *const *)b;

	return x->va_start < y->va_start ? -1 : x->va_start > y->va_start;
}

/* Flush [a[i], a[j]) as one run; on refusal keep them for the next purge. */
static unsigned long purge_run(struct vmap_area **a, size_t i, size_t j)
{
	size_t k;

	if (owner_flush(a[i]->va_start, a[j - 1]->va_end)) {
		for (k = i; k < j; k++) {
			list_add_tail(&a[k]->purge, &kva.deferred);
			atomic_fetch_add(&kva.lazy_pages,
					 va_size(a[k]) >> KVA_PAGE_SHIFT);
		}
		return 0;
	}
	for (k = i; k < j; k++) {
		owner_reclaim(a[k]);
		kva.ops->release(a[k]);
	}
	return j - i;
}

/* One round of a purge: everything lazy now, flushed, reclaimed, returned. */
static unsigned long purge_batch(bool decay_all)
{
	struct vmap_area *va, *n, **a;
	unsigned long pages, done = 0;
	struct list_head batch;
	size_t nr = 0, i, j;

	INIT_LIST_HEAD(&batch);
	pages = kva.ops->collect_lazy(&batch);
	atomic_fetch_sub(&kva.lazy_pages, pages);
	/* Areas whose flush was refused last time are tried again. */
	list_for_each_entry(va, &kva.deferred, purge)
		atomic_fetch_sub(&kva.lazy_pages,
				 va_size(va) >> KVA_PAGE_SHIFT);
	list_splice_tail_init(&kva.deferred, &batch);
	kva.ops->decay(decay_all);

	list_for_each_entry(va, &batch, purge)
		nr++;
	a = nr ? malloc(nr * sizeof(*a)) : NULL;
	if (nr && !a) {
		/* No memory to sort: flush one by one, which still works. */
		list_for_each_entry_safe(va, n, &batch, purge) {
			list_del_init(&va->purge);
			done += purge_run(&va, 0, 1);
		}
		goto out;
	}
	i = 0;
	list_for_each_entry_safe(va, n, &batch, purge) {
		list_del_init(&va->purge);
		a[i++] = va;
	}
	if (nr)
		qsort(a, nr, sizeof(*a), va_start_cmp);
	for (i = 0; i < nr; i = j) {
		for (j = i + 1; j < nr && a[j]->va_start == a[j - 1]->va_end;
		     j++)
			;
		done += purge_run(a, i, j);
	}
	free(a);
out:
	if (decay_all)
		kva.ops->decay(true); /* what this purge pooled goes back too */
	return done;
}

unsigned long kva_purge(bool decay_all)
{
	unsigned long done;

	if (!kva.ops || !kva.ops->lazy || in_purge)
		return 0;
	pthread_mutex_lock(&kva.purge_lock);
	in_purge = true;
	freed_in_purge = 0;
	done = purge_batch(decay_all);
	/*
	 * Reclaiming an area may free another (its vmalloc'ed pages array);
	 * purge those too, so that a purge leaves nothing lazy behind that
	 * it made itself. Each round's frees are smaller than the last's.
	 */
	while (freed_in_purge) {
		freed_in_purge = 0;
		done += purge_batch(decay_all);
	}
	in_purge = false;
	atomic_fetch_add(&kva.purges, 1);
	atomic_fetch_add(&kva.purged_areas, done);
	pthread_mutex_unlock(&kva.purge_lock);
	return done;
}
