/* SPDX-License-Identifier: MIT */
/*
 * vm_map_ram(): fast, short-lived mappings of pages the caller owns.
 *
 * Up to VMAP_MAX_ALLOC pages come from per-CPU vmap blocks: one area of the
 * window reserved once and carved by a bump pointer, so that a small
 * mapping costs no trip to the area allocator. Larger counts get an area of
 * their own. Neither kind has a guard page, and neither has a vm_struct a
 * caller could find (find_vm_area() hides them); both are listed, as
 * VM_RAM_INTERNAL areas, so vmallocinfo prints them as "vm_map_ram".
 *
 * A block of vb_geo.pages pages (16 here to keep the picture small; at
 * least 2 * VMAP_MAX_ALLOC in fact), five mappings made in this order:
 *
 *    0   1   2   3   4   5   6   7   8   9  10  11  12  13  14  15
 *  +---+-------+---+---------------+---------------+---------------+
 *  | d | m   m | f | d   d   d   d | m   m   m   p | .   .   .   . |
 *  +---+-------+---+---------------+---------------+---------------+
 *    A     B     C         D               E        ^ free = 4
 *                                                   bump = pages - free
 *
 *  m  mapped (a live mapping)
 *  p  padding: E asked for 3 pages and got a 2^order slot of 4
 *  d  dirty: unmapped, the tables are clear, but the host may still map
 *     the page (the kernel's unflushed TLB entry) until vm_unmap_aliases()
 *     or the block's release flushes it
 *  f  unmapped and flushed (C was unmapped before a vm_unmap_aliases())
 *  .  never handed out
 *
 *  dirty = 6 (A, C, D: every page unmapped, flushed or not)
 *  [dirty_min, dirty_max) = [0, 8): the pages a flush must look at; only
 *  the runs of d inside it are flushed, since mapped pages lie between
 *
 * Rules, as the kernel has them:
 *  - a mapping takes the next 2^order pages at the bump pointer; a hole
 *    left by vm_unmap_ram() is never reused, so no two mappings ever share
 *    an address while the block lives, and a stale host mapping in a hole
 *    can never be mistaken for a new one;
 *  - a block is on its CPU's free list while free > 0; allocation tries
 *    the blocks there in order, then reserves a new one;
 *  - when dirty == pages (so free == 0 too) the block is released whole:
 *    its range goes lazy and a purge flushes it;
 *  - a block that maps nothing (free + dirty == pages) but still has free
 *    pages is released early ("purged") when free < pages / 4, by
 *    vm_unmap_aliases(), or whatever free is left when a reservation finds
 *    the window full.
 *
 * The block size is the kernel's VMAP_BBMAP_BITS formula, with the
 * instance's real window where the kernel guesses a fixed 128 GiB:
 *
 *   pages = min(1024, max(2 * VMAP_MAX_ALLOC,
 *                         window pages / roundup_pow_of_two(nr_cpus) / 16))
 *
 * so that a window holds at least 16 blocks per CPU. Blocks are aligned
 * to their size rounded up to a power of two (the size itself whenever the
 * window is a power of two), which makes an address's block start a mask
 * away.
 *
 * Locking, outermost first; no lock is held across a vm_area_*() call,
 * since a release may purge and the purge takes vm_lock:
 *
 *   vb_index[s].lock  an address-sorted tree of the blocks whose start
 *                     hashes to shard s. Lookups lock the block before
 *                     letting go of the shard, and a block leaves its tree
 *                     only with both held, so once out of the tree (and
 *                     its lock taken and dropped once more) nobody can
 *                     reach it.
 *   vb_queue[c].lock  CPU c's free list (blocks with free > 0)
 *   vb->lock          the block's map, dirty counts and callers; free is
 *                     written under both this and its queue's lock, so
 *                     either is enough to read it
 *   large_lock        the tree of large (> VMAP_MAX_ALLOC) mappings
 *
 * mmu calls (which take mmu.lock) may be made under any of these.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "lib/rbtree.h"
#include "lib/runtime.h"
#include "lib/spinlock.h"
#include "lib/symbol.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "vmalloc_int.h"

/* Bounds on a block's pages (the kernel's VMAP_BBMAP_BITS_MIN and _MAX). */
#define VB_PAGES_MIN (2 * VMAP_MAX_ALLOC)
#define VB_PAGES_MAX 1024

/* One page of a block, in its map entry. */
#define VB_COUNT_MASK 0x00ffU /* the first page of a mapping: its count */
#define VB_HEAD 0x0100U	      /* the first page of a mapping */
#define VB_LIVE 0x0200U	      /* in a slot not unmapped yet (padding too) */
#define VB_DIRTY 0x0400U      /* unmapped, the host mapping not flushed */

#define VB_CACHELINE 64

/**
 * struct vmap_block - one block of small vm_map_ram() mappings
 * @lock: guards @map, @callers, @dirty, @dirty_min, @dirty_max (and, with
 *        the queue's lock, @free)
 * @start: the first address (constant)
 * @vmn: the area (constant); its private cookie points back here
 * @cpu: whose queue's free list it is on (constant)
 * @free: pages never handed out, all at the end: bump = pages - free
 * @dirty: pages unmapped so far, flushed or not
 * @dirty_min: the first page that may be VB_DIRTY (pages when none)
 * @dirty_max: one past the last (0 when none)
 * @free_list: on the queue of @cpu while @free > 0 (under its lock)
 * @node: in its shard's tree (under the shard's lock)
 * @purge: on a private list once out of every shared structure
 * @callers: who made each mapping, at its first page (for the leak report)
 * @map: a VB_* word per page
 */
struct vmap_block {
	spinlock_t lock;
	unsigned long start;
	struct vm_node *vmn;
	unsigned int cpu;
	unsigned int free;
	unsigned int dirty;
	unsigned int dirty_min;
	unsigned int dirty_max;
	struct list_head free_list;
	struct rb_node node;
	struct list_head purge;
	const void **callers;
	uint16_t map[];
};

/**
 * struct vmap_block_queue - one CPU's blocks that still have free pages
 * @lock: guards @free and the blocks' @free_list links
 * @free: oldest first, so that the fullest block is tried first
 */
struct vmap_block_queue {
	spinlock_t lock;
	struct list_head free;
} __attribute__((aligned(VB_CACHELINE)));

/**
 * struct vmap_block_index - one shard of the address-to-block lookup
 * @lock: guards @root and the blocks' @node links
 * @root: blocks by start address
 */
struct vmap_block_index {
	spinlock_t lock;
	struct rb_root root;
} __attribute__((aligned(VB_CACHELINE)));

/**
 * struct vm_ram_large - a vm_map_ram() mapping with an area of its own
 * @node: in large_root, by address
 * @vmn: the area
 * @addr: its first address
 * @count: the pages mapped
 */
struct vm_ram_large {
	struct rb_node node;
	struct vm_node *vmn;
	unsigned long addr;
	unsigned int count;
};

/*
 * The instance's block geometry, set at boot before any thread can call
 * in (the boot publishes the instance with a release store), then only
 * read.
 */
static struct {
	unsigned int pages;	      /* VMAP_BBMAP_BITS */
	unsigned int purge_threshold; /* purge below this many free pages */
	unsigned long align;	      /* bytes: pages rounded up to 2^n */
	int nr_cpus;		      /* queues and index shards in use */
} vb_geo;

static struct vmap_block_queue vb_queue[MAX_NR_CPUS];
static struct vmap_block_index vb_index[MAX_NR_CPUS];

static spinlock_t large_lock = __SPIN_LOCK_UNLOCKED;
static struct rb_root large_root;

void vmap_block_init(void)
{
	unsigned long window, pages;
	int cpu;

	window = (mmu.vmalloc_end - mmu.vmalloc_start) >> PAGE_SHIFT;
	vb_geo.nr_cpus = clamp(phys.nr_cpus, 1, MAX_NR_CPUS);
	pages = window / roundup_pow_of_two((unsigned long)vb_geo.nr_cpus) / 16;
	pages = min(max(pages, (unsigned long)VB_PAGES_MIN),
		    (unsigned long)VB_PAGES_MAX);
	vb_geo.pages = (unsigned int)pages;
	vb_geo.purge_threshold = vb_geo.pages / 4;
	vb_geo.align = roundup_pow_of_two(pages) << PAGE_SHIFT;

	for (cpu = 0; cpu < vb_geo.nr_cpus; cpu++) {
		spin_lock_init(&vb_queue[cpu].lock);
		INIT_LIST_HEAD(&vb_queue[cpu].free);
		spin_lock_init(&vb_index[cpu].lock);
		vb_index[cpu].root = RB_ROOT;
	}
	spin_lock_init(&large_lock);
	large_root = RB_ROOT;
}

/* ------------------------------------------------------------ the index */

static struct vmap_block_index *index_of(unsigned long start)
{
	return &vb_index[(start / vb_geo.align) % (unsigned long)vb_geo.nr_cpus];
}

static struct vmap_block *vb_of(struct rb_node *n)
{
	return rb_entry(n, struct vmap_block, node);
}

/* The address of page @off of @vb. */
static unsigned long vb_addr(const struct vmap_block *vb, unsigned int off)
{
	return vb->start + ((unsigned long)off << PAGE_SHIFT);
}

static unsigned long vb_end(const struct vmap_block *vb)
{
	return vb_addr(vb, vb_geo.pages);
}

/* Three-way comparison of two addresses, for the trees' rb_find(). */
static int cmp_addr(unsigned long a, unsigned long b)
{
	return (a > b) - (a < b);
}

/* The index's order: by start address. */
static bool vb_less(struct rb_node *a, const struct rb_node *b)
{
	return vb_of(a)->start <
	       rb_entry(b, const struct vmap_block, node)->start;
}

/* @key points at a block start. */
static int vb_cmp(const void *key, const struct rb_node *n)
{
	return cmp_addr(*(const unsigned long *)key,
			rb_entry(n, const struct vmap_block, node)->start);
}

static struct vm_ram_large *large_of(struct rb_node *n)
{
	return rb_entry(n, struct vm_ram_large, node);
}

/* large_root's order: by address. */
static bool large_less(struct rb_node *a, const struct rb_node *b)
{
	return large_of(a)->addr <
	       rb_entry(b, const struct vm_ram_large, node)->addr;
}

/* @key points at the address a large mapping starts at. */
static int large_cmp(const void *key, const struct rb_node *n)
{
	return cmp_addr(*(const unsigned long *)key,
			rb_entry(n, const struct vm_ram_large, node)->addr);
}

static void index_insert(struct vmap_block *vb)
{
	struct vmap_block_index *idx = index_of(vb->start);

	spin_lock(&idx->lock);
	rb_add(&vb->node, &idx->root, vb_less);
	spin_unlock(&idx->lock);
}

/*
 * The block holding @addr, locked; NULL if none does. The block is locked
 * before its shard is let go, which is what lets index_remove() know when
 * nobody can reach a block any more.
 */
static struct vmap_block *vb_find_lock(unsigned long addr)
{
	unsigned long start = ALIGN_DOWN(addr, vb_geo.align);
	struct vmap_block_index *idx = index_of(start);
	struct vmap_block *vb;

	spin_lock(&idx->lock);
	vb = rb_entry_safe(rb_find(&start, &idx->root, vb_cmp),
			   struct vmap_block, node);
	/* A block smaller than its alignment leaves a gap after it. */
	if (vb && addr >= vb_end(vb))
		vb = NULL;
	if (vb)
		spin_lock(&vb->lock);
	spin_unlock(&idx->lock);
	return vb;
}

/*
 * Take @vb out of its tree; afterwards nobody can reach it. A lookup that
 * found it just before holds its lock: taking the lock once more waits
 * that lookup out, and no new one can start.
 */
static void index_remove(struct vmap_block *vb)
{
	struct vmap_block_index *idx = index_of(vb->start);

	spin_lock(&idx->lock);
	rb_erase(&vb->node, &idx->root);
	spin_lock(&vb->lock);
	spin_unlock(&vb->lock);
	spin_unlock(&idx->lock);
}

/* ------------------------------------------------ areas and their fates */

/* What vb_purge() does besides releasing the blocks worth releasing. */
enum vb_purge_flags {
	/* Release every block that maps nothing, whatever its free pages. */
	VB_PURGE_FORCE = 1U << 0,
	/* Flush the dirty pages of the blocks that stay. */
	VB_PURGE_FLUSH = 1U << 1,
};

static unsigned long vb_purge(unsigned int flags);

/*
 * An area for vm_map_ram(): no guard page (the kernel reserves these
 * ranges straight from its area allocator, which adds none). When the
 * window is full, blocks that map nothing are given up first, as the
 * kernel purges fragmented blocks before it fails a reservation.
 */
static struct vm_node *reserve_ram_area(unsigned long size, unsigned long align,
					const void *caller)
{
	const unsigned long flags = VM_RAM_INTERNAL | VM_NO_GUARD;
	struct vm_node *vmn;

	vmn = vm_area_reserve(size, align, mmu.vmalloc_start, mmu.vmalloc_end,
			      flags, 0, GFP_KERNEL | __GFP_NOWARN, caller);
	if (vmn)
		return vmn;
	vb_purge(VB_PURGE_FORCE);
	return vm_area_reserve(size, align, mmu.vmalloc_start, mmu.vmalloc_end,
			       flags, 0, GFP_KERNEL, caller);
}

/* Unlist and release the area at @addr: tables now, the range lazily. */
static void release_ram_area(unsigned long addr)
{
	struct vm_node *vmn = vm_area_claim((void *)addr, 0);

	if (IS_ERR(vmn)) {
		pr_err("vm_map_ram: the area at %#lx is no longer listed",
		       addr);
		return;
	}
	vm_area_release(vmn, false);
}

/* @vb is out of every shared structure: its area goes, and so does it. */
static void vb_destroy(struct vmap_block *vb)
{
	release_ram_area(vb->start);
	free(vb->callers);
	free(vb);
}

/* ------------------------------------------------------- block contents */

/* A mapping of @count pages occupies 2^order pages. */
static unsigned int slot_pages(unsigned int count)
{
	return (unsigned int)roundup_pow_of_two(count);
}

/* Hand out [@off, @off + slot) for @count pages; vb->lock held. */
static void vb_mark_mapped(struct vmap_block *vb, unsigned int off,
			   unsigned int count, const void *caller)
{
	unsigned int i, n = slot_pages(count);

	vb->map[off] = VB_HEAD | VB_LIVE | count;
	for (i = 1; i < n; i++)
		vb->map[off + i] = VB_LIVE;
	vb->callers[off] = caller;
}

/*
 * Whether @vb maps nothing but could still hand pages out, and is worth
 * giving up (with VB_PURGE_FORCE in @flags: whatever its free pages);
 * vb->lock held.
 */
static bool vb_purgeable(const struct vmap_block *vb, unsigned int flags)
{
	if (vb->free + vb->dirty != vb_geo.pages || vb->dirty == vb_geo.pages)
		return false;
	return (flags & VB_PURGE_FORCE) || vb->free < vb_geo.purge_threshold;
}

/*
 * Take the host mappings of @vb's dirty pages now, a run at a time: the
 * dirty range may hold live mappings, which must stay. vb->lock held, so
 * the block cannot be released (and its range reused) under the flush.
 */
static void vb_flush_dirty(struct vmap_block *vb)
{
	unsigned int i, j, k, lo = vb_geo.pages, hi = 0;

	for (i = vb->dirty_min; i < vb->dirty_max; i = j) {
		if (!(vb->map[i] & VB_DIRTY)) {
			j = i + 1;
			continue;
		}
		for (j = i; j < vb->dirty_max && (vb->map[j] & VB_DIRTY); j++)
			vb->map[j] &= ~VB_DIRTY;
		if (mmu_flush(vb_addr(vb, i), (unsigned long)(j - i)
						      << PAGE_SHIFT)) {
			/* The host refused: still dirty, for the next try. */
			for (k = i; k < j; k++)
				vb->map[k] |= VB_DIRTY;
			lo = min(lo, i);
			hi = max(hi, j);
		}
	}
	vb->dirty_min = lo;
	vb->dirty_max = hi;
}

/*
 * Walk every block: release the purgeable ones (see vb_purgeable()) and,
 * with VB_PURGE_FLUSH in @flags, flush the dirty pages of the others.
 *
 * Return: the number of blocks released.
 */
static unsigned long vb_purge(unsigned int flags)
{
	const bool flush = flags & VB_PURGE_FLUSH;
	struct vmap_block *vb, *tmp;
	unsigned long nr = 0;
	struct rb_node *n, *next;
	LIST_HEAD(purge);
	int s;

	for (s = 0; s < vb_geo.nr_cpus; s++) {
		struct vmap_block_index *idx = &vb_index[s];

		spin_lock(&idx->lock);
		for (n = rb_first(&idx->root); n; n = next) {
			struct vmap_block_queue *q;
			bool purged = false;

			next = rb_next(n);
			vb = vb_of(n);
			spin_lock(&vb->lock);
			if (!vb_purgeable(vb, flags)) {
				if (flush)
					vb_flush_dirty(vb);
				spin_unlock(&vb->lock);
				continue;
			}
			spin_unlock(&vb->lock);

			/* Off the free list needs the queue, taken first. */
			q = &vb_queue[vb->cpu];
			spin_lock(&q->lock);
			spin_lock(&vb->lock);
			if (vb_purgeable(vb, flags)) {
				/* Nothing can be handed out or found now. */
				vb->free = 0;
				vb->dirty = vb_geo.pages;
				list_del_init(&vb->free_list);
				rb_erase(&vb->node, &idx->root);
				list_add_tail(&vb->purge, &purge);
				purged = true;
			}
			spin_unlock(&q->lock);
			if (!purged && flush)
				vb_flush_dirty(vb);
			spin_unlock(&vb->lock);
		}
		spin_unlock(&idx->lock);
	}
	/* Their dirty pages are flushed with their whole range, lazily. */
	list_for_each_entry_safe(vb, tmp, &purge, purge) {
		list_del_init(&vb->purge);
		vb_destroy(vb);
		nr++;
	}
	return nr;
}

/* ---------------------------------------------------- allocating, freeing */

/*
 * A new block for @cpu whose first slot maps @count pages.
 *
 * Return: the slot's address, or 0 after one warning line.
 */
static unsigned long new_vmap_block(int cpu, unsigned int count,
				    const void *caller)
{
	struct vmap_block_queue *q = &vb_queue[cpu];
	struct vmap_block *vb;
	struct vm_node *vmn;

	vb = calloc(1, sizeof(*vb) + vb_geo.pages * sizeof(vb->map[0]));
	if (vb)
		vb->callers = calloc(vb_geo.pages, sizeof(*vb->callers));
	if (!vb || !vb->callers) {
		pr_warn("vm_map_ram: %u pages: no memory for a vmap block",
			count);
		free(vb);
		return 0;
	}
	vmn = reserve_ram_area((unsigned long)vb_geo.pages << PAGE_SHIFT,
			       vb_geo.align, NULL);
	if (!vmn) {
		free(vb->callers);
		free(vb);
		return 0;
	}
	spin_lock_init(&vb->lock);
	vb->start = (unsigned long)vmn->vm.addr;
	vb->vmn = vmn;
	vb->cpu = (unsigned int)cpu;
	vb->free = vb_geo.pages - slot_pages(count);
	vb->dirty_min = vb_geo.pages;
	INIT_LIST_HEAD(&vb->free_list);
	INIT_LIST_HEAD(&vb->purge);
	vb_mark_mapped(vb, 0, count, caller);
	vmn->private = vb;
	vm_area_publish(vmn);

	/* Findable before any of its addresses is handed out. */
	index_insert(vb);
	spin_lock(&q->lock);
	list_add_tail(&vb->free_list, &q->free);
	spin_unlock(&q->lock);
	return vb->start;
}

/*
 * @count (<= VMAP_MAX_ALLOC) pages of address space from this CPU's
 * blocks, bump-allocated in a slot of 2^order pages.
 *
 * Return: the address, or 0 after one warning line.
 */
static unsigned long vb_alloc(unsigned int count, const void *caller)
{
	unsigned int n = slot_pages(count), off;
	int cpu = phys_cpu();
	struct vmap_block_queue *q = &vb_queue[cpu];
	struct vmap_block *vb;

	spin_lock(&q->lock);
	list_for_each_entry(vb, &q->free, free_list) {
		if (vb->free < n)
			continue;
		spin_lock(&vb->lock);
		off = vb_geo.pages - vb->free;
		vb_mark_mapped(vb, off, count, caller);
		vb->free -= n;
		if (!vb->free)
			list_del_init(&vb->free_list);
		spin_unlock(&vb->lock);
		spin_unlock(&q->lock);
		return vb_addr(vb, off);
	}
	spin_unlock(&q->lock);
	return new_vmap_block(cpu, count, caller);
}

/* The large mapping that starts at @addr, or NULL; large_lock held. */
static struct vm_ram_large *large_lookup(unsigned long addr)
{
	return rb_entry_safe(rb_find(&addr, &large_root, large_cmp),
			     struct vm_ram_large, node);
}

/* The pages mapped at @addr by a live vm_map_ram(), or 0. */
static unsigned int mapped_count(unsigned long addr)
{
	struct vmap_block *vb = vb_find_lock(addr);
	struct vm_ram_large *l;
	unsigned int count = 0;

	if (vb) {
		uint16_t m = vb->map[(addr - vb->start) >> PAGE_SHIFT];

		if ((m & (VB_HEAD | VB_LIVE)) == (VB_HEAD | VB_LIVE))
			count = m & VB_COUNT_MASK;
		spin_unlock(&vb->lock);
		return count;
	}
	spin_lock(&large_lock);
	l = large_lookup(addr);
	if (l)
		count = l->count;
	spin_unlock(&large_lock);
	return count;
}

/* vm_unmap_ram() of @count pages where vm_map_ram() mapped @mapped. */
static void warn_wrong_count(unsigned long addr, unsigned int count,
			     unsigned int mapped)
{
	pr_warn("vm_unmap_ram: %#lx: count %u, but vm_map_ram() mapped %u pages there (no partial unmap)",
		addr, count, mapped);
}

/* The one line a vm_unmap_ram() that undoes nothing prints: @why. */
static void warn_bad_unmap(unsigned long addr, unsigned int count,
			   const char *why)
{
	pr_warn("vm_unmap_ram: %#lx (%u pages) %s", addr, count, why);
}

/* Why (@addr, @count) names no mapping to undo, in one line. */
static void warn_not_mapped(unsigned long addr, unsigned int count)
{
	unsigned int mapped = mapped_count(addr);

	if (mapped)
		warn_wrong_count(addr, count, mapped);
	else
		warn_bad_unmap(addr, count, "was not mapped by vm_map_ram()");
}

/*
 * Undo a small mapping: clear its tables (the host mapping stays until a
 * flush) and count its slot dirty; a block dirty all over is released.
 */
static void vb_free(unsigned long addr, unsigned int count)
{
	struct vmap_block *vb = vb_find_lock(addr);
	unsigned int off, n, i;
	uint16_t m;
	bool full;

	if (!vb) {
		warn_not_mapped(addr, count);
		return;
	}
	off = (unsigned int)((addr - vb->start) >> PAGE_SHIFT);
	m = vb->map[off];
	if (!(m & VB_HEAD)) {
		spin_unlock(&vb->lock);
		warn_bad_unmap(addr, count,
			       "is not where a vm_map_ram() mapping starts");
		return;
	}
	if (!(m & VB_LIVE)) {
		spin_unlock(&vb->lock);
		warn_bad_unmap(addr, count, "was unmapped already");
		return;
	}
	if ((m & VB_COUNT_MASK) != count) {
		spin_unlock(&vb->lock);
		warn_wrong_count(addr, count, m & VB_COUNT_MASK);
		return;
	}
	/*
	 * Not live (a second unmap now warns) and not dirty yet: the block
	 * cannot reach dirty == pages, be released and its range reused,
	 * until the tables below are clear.
	 */
	n = slot_pages(count);
	for (i = off; i < off + n; i++)
		vb->map[i] &= ~VB_LIVE;
	vb->callers[off] = NULL;
	spin_unlock(&vb->lock);

	mmu_clear_noflush(addr, (unsigned long)count << PAGE_SHIFT);

	spin_lock(&vb->lock);
	for (i = off; i < off + n; i++)
		vb->map[i] |= VB_DIRTY;
	vb->dirty_min = min(vb->dirty_min, off);
	vb->dirty_max = max(vb->dirty_max, off + n);
	vb->dirty += n;
	full = vb->dirty == vb_geo.pages;
	spin_unlock(&vb->lock);

	/* Only this call saw the block fill up; it has left the free list. */
	if (full) {
		index_remove(vb);
		vb_destroy(vb);
	}
}

/*
 * mmu_map_pages() of @count pages failed with @err, in one line; the mmu
 * has already said why it refused bad arguments (-EINVAL).
 */
static void warn_map_failed(unsigned int count, int err)
{
	if (err != -EINVAL)
		pr_warn("vm_map_ram: %u pages: failed to map (%d)", count, err);
}

/* A large mapping: an area of its own, listed in large_root. */
static unsigned long large_map(struct page **pages, unsigned int count,
			       int node, const void *caller)
{
	struct vm_ram_large *l = malloc(sizeof(*l));
	struct vm_node *vmn;
	unsigned long addr;
	int err;

	if (!l) {
		pr_warn("vm_map_ram: %u pages: no memory to track the mapping",
			count);
		return 0;
	}
	vmn = reserve_ram_area((unsigned long)count << PAGE_SHIFT, PAGE_SIZE,
			       caller);
	if (!vmn) {
		free(l);
		return 0;
	}
	addr = (unsigned long)vmn->vm.addr;
	err = mmu_map_pages(addr, pages, count, PAGE_KERNEL, PAGE_SHIFT);
	if (err) {
		warn_map_failed(count, err);
		vm_area_discard(vmn);
		free(l);
		return 0;
	}
	vmn->nid = node;
	vm_area_publish(vmn);

	l->vmn = vmn;
	l->addr = addr;
	l->count = count;
	spin_lock(&large_lock);
	rb_add(&l->node, &large_root, large_less);
	spin_unlock(&large_lock);
	return addr;
}

static void large_unmap(unsigned long addr, unsigned int count)
{
	struct vm_ram_large *l;

	spin_lock(&large_lock);
	l = large_lookup(addr);
	if (l && l->count == count)
		rb_erase(&l->node, &large_root);
	spin_unlock(&large_lock);

	if (!l) {
		warn_not_mapped(addr, count);
		return;
	}
	if (l->count != count) {
		warn_wrong_count(addr, count, l->count);
		return;
	}
	release_ram_area(addr);
	free(l);
}

/* ------------------------------------------------------------- the API */

static void *map_ram(struct page **pages, unsigned int count, int node,
		     const void *caller)
{
	unsigned long addr;
	unsigned int i;
	int err;

	if (!pages) {
		pr_warn("vm_map_ram: NULL pages array (count %u)", count);
		return NULL;
	}
	if (!count) {
		pr_warn("vm_map_ram: count 0");
		return NULL;
	}
	if (node != NUMA_NO_NODE && (node < 0 || node >= phys.nr_nodes)) {
		pr_warn("vm_map_ram: %u pages: node %d does not exist", count,
			node);
		return NULL;
	}
	for (i = 0; i < count; i++) {
		if (!pages[i]) {
			pr_warn("vm_map_ram: page %u of %u is NULL", i, count);
			return NULL;
		}
	}
	if (count > VMAP_MAX_ALLOC)
		return (void *)large_map(pages, count, node, caller);

	addr = vb_alloc(count, caller);
	if (!addr)
		return NULL;
	err = mmu_map_pages(addr, pages, count, PAGE_KERNEL, PAGE_SHIFT);
	if (err) {
		warn_map_failed(count, err);
		/* Nothing is mapped: the slot just turns dirty. */
		vb_free(addr, count);
		return NULL;
	}
	return (void *)addr;
}

/**
 * vm_map_ram() - map pages the caller owns, for a short while
 * @pages: the pages, in order (the same page may appear twice)
 * @count: how many
 * @node: the caller's preferred node for bookkeeping, or NUMA_NO_NODE
 *
 * Up to VMAP_MAX_ALLOC pages come from this CPU's vmap blocks, more from
 * an area of their own; neither has a guard page. The pages stay the
 * caller's: vm_unmap_ram() gives the address back, never the pages.
 * After vm_unmap_ram() the host may keep mapping the old address (an
 * alias) until vm_unmap_aliases() or a purge.
 *
 * Return: the address, or NULL after one warning line.
 */
void *vm_map_ram(struct page **pages, unsigned int count, int node)
{
	const void *caller = __builtin_return_address(0);
	void *mem;

	if (!uvm_ensure_booted())
		return NULL;
	vm_enter();
	mem = map_ram(pages, count, node, caller);
	uvm_call_leave();
	return mem;
}

/**
 * vm_unmap_ram() - undo a vm_map_ram()
 * @mem: what vm_map_ram() returned
 * @count: the count it was given (there is no partial unmap)
 *
 * The tables forget the mapping at once; the host mapping stays until
 * vm_unmap_aliases() or, once the whole block or area is freed, a purge.
 * Where the kernel would BUG() on bad input (an address vm_map_ram() did
 * not return, a wrong count, a second unmap) this prints one warning line
 * and changes nothing.
 */
void vm_unmap_ram(const void *mem, unsigned int count)
{
	unsigned long addr = (unsigned long)mem;

	if (!uvm_ensure_booted())
		return;
	vm_enter();
	if (!addr || !PAGE_ALIGNED(addr) || !mmu_in_window(addr, PAGE_SIZE))
		pr_warn("%s: %p (%u pages) is not a page-aligned address of the vmalloc window",
			__func__, mem, count);
	else if (!count)
		pr_warn("%s: %p: count 0", __func__, mem);
	else if (count <= VMAP_MAX_ALLOC)
		vb_free(addr, count);
	else
		large_unmap(addr, count);
	uvm_call_leave();
}

/**
 * vm_unmap_aliases() - remove every stale host mapping vm_map_ram() and
 *                      the lazy frees left behind
 *
 * Blocks that map nothing and have little room left are released; the
 * dirty pages of the others are unmapped from the host now; then a purge
 * flushes every lazily freed area. Afterwards no address unmapped before
 * the call reaches its old page.
 */
void vm_unmap_aliases(void)
{
	if (!uvm_ensure_booted())
		return;
	vm_enter();
	vb_purge(VB_PURGE_FLUSH);
	kva_purge(false);
	uvm_call_leave();
}

/* ------------------------------------------------------------- shutdown */

/* One leak line for a mapping never unmapped. */
static void report_leak(unsigned long addr, unsigned int count,
			const void *caller)
{
	char name[256];

	uvm_format_caller(caller, name, sizeof(name));
	pr_warn("leak: vm_map_ram mapping %#lx-%#lx, %u pages, caller %s, still mapped at shutdown",
		addr, addr + ((unsigned long)count << PAGE_SHIFT), count, name);
}

void vmap_block_exit(void)
{
	struct vmap_block *vb, *tmp;
	struct vm_ram_large *l;
	struct rb_node *n;
	unsigned int off;
	LIST_HEAD(dead);
	int s;

	/* Out of every shared structure first; reported and freed after. */
	for (s = 0; s < vb_geo.nr_cpus; s++) {
		spin_lock(&vb_queue[s].lock);
		list_for_each_entry_safe(vb, tmp, &vb_queue[s].free, free_list)
			list_del_init(&vb->free_list);
		spin_unlock(&vb_queue[s].lock);

		spin_lock(&vb_index[s].lock);
		while ((n = rb_first(&vb_index[s].root))) {
			vb = vb_of(n);
			rb_erase(n, &vb_index[s].root);
			list_add_tail(&vb->purge, &dead);
		}
		spin_unlock(&vb_index[s].lock);
	}
	list_for_each_entry_safe(vb, tmp, &dead, purge) {
		list_del_init(&vb->purge);
		spin_lock(&vb->lock);
		for (off = 0; off < vb_geo.pages - vb->free; off++) {
			uint16_t m = vb->map[off];

			if ((m & (VB_HEAD | VB_LIVE)) == (VB_HEAD | VB_LIVE))
				report_leak(vb_addr(vb, off), m & VB_COUNT_MASK,
					    vb->callers[off]);
		}
		spin_unlock(&vb->lock);
		vb_destroy(vb);
	}

	for (;;) {
		spin_lock(&large_lock);
		n = rb_first(&large_root);
		if (n)
			rb_erase(n, &large_root);
		spin_unlock(&large_lock);
		if (!n)
			break;
		l = large_of(n);
		report_leak(l->addr, l->count, l->vmn->vm.caller);
		release_ram_area(l->addr);
		free(l);
	}
}

/* -------------------------------------------------------------- checker */

/* Whether every page of [@addr, @addr + @nr pages) is @present. */
static bool range_is(unsigned long addr, unsigned int nr, bool present)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		unsigned long a = addr + ((unsigned long)i << PAGE_SHIFT);

		if (entry_present(mmu_lookup(a, NULL)) != present)
			return false;
	}
	return true;
}

/* Whether the tables map all of [@addr, @addr + @nr pages). */
static bool range_mapped(unsigned long addr, unsigned int nr)
{
	return range_is(addr, nr, true);
}

/* Whether the tables map none of [@addr, @addr + @nr pages). */
static bool range_unmapped(unsigned long addr, unsigned int nr)
{
	return range_is(addr, nr, false);
}

/* One block's invariants; its queue's lock and its own held. */
static int check_block(struct vmap_block *vb, int shard, bool on_free_list)
{
	unsigned int bump = vb_geo.pages - vb->free, off = 0, n, i, dirty = 0;
	const struct vm_node *vmn = vb->vmn;
	int bad = 0;

	if (vb->start & (vb_geo.align - 1) ||
	    index_of(vb->start) != &vb_index[shard]) {
		pr_err("vmap_block_check: block %#lx is misaligned or in the wrong shard",
		       vb->start);
		bad++;
	}
	if (!vmn || vmn->private != vb ||
	    (unsigned long)vmn->vm.addr != vb->start ||
	    vmn->vm.size != (unsigned long)vb_geo.pages << PAGE_SHIFT ||
	    (vmn->vm.flags & (VM_RAM_INTERNAL | VM_NO_GUARD)) !=
		    (VM_RAM_INTERNAL | VM_NO_GUARD) ||
	    !vmn->live) {
		pr_err("vmap_block_check: block %#lx is not the live area it names",
		       vb->start);
		bad++;
	}
	if (on_free_list != (vb->free > 0) || vb->free >= vb_geo.pages ||
	    vb->dirty >= vb_geo.pages) {
		pr_err("vmap_block_check: block %#lx: free %u, dirty %u, %s the free list",
		       vb->start, vb->free, vb->dirty,
		       on_free_list ? "on" : "off");
		bad++;
	}
	while (off < bump && !bad) {
		uint16_t m = vb->map[off];
		unsigned int count = m & VB_COUNT_MASK;
		unsigned long addr = vb_addr(vb, off);

		n = count ? slot_pages(count) : 0;
		if (!(m & VB_HEAD) || !count || count > VMAP_MAX_ALLOC ||
		    off + n > bump) {
			pr_err("vmap_block_check: block %#lx: page %u starts no mapping (%#x)",
			       vb->start, off, m);
			bad++;
			break;
		}
		for (i = off; i < off + n; i++) {
			if ((vb->map[i] ^ m) & VB_LIVE ||
			    ((m & VB_LIVE) && (vb->map[i] & VB_DIRTY)) ||
			    (i > off &&
			     (vb->map[i] & (VB_HEAD | VB_COUNT_MASK)))) {
				pr_err("vmap_block_check: block %#lx: page %u disagrees with its slot at %u",
				       vb->start, i, off);
				bad++;
				break;
			}
			if ((vb->map[i] & VB_DIRTY) &&
			    (i < vb->dirty_min || i >= vb->dirty_max)) {
				pr_err("vmap_block_check: block %#lx: dirty page %u lies outside [%u, %u)",
				       vb->start, i, vb->dirty_min,
				       vb->dirty_max);
				bad++;
				break;
			}
		}
		if (m & VB_LIVE) {
			if (!range_mapped(addr, count) ||
			    !range_unmapped(vb_addr(vb, off + count),
					    n - count)) {
				pr_err("vmap_block_check: mapping %#lx (%u pages) is not mapped, or its padding is",
				       addr, count);
				bad++;
			}
		} else {
			dirty += n;
			if (!range_unmapped(addr, n)) {
				pr_err("vmap_block_check: unmapped %#lx (%u pages) is still in the tables",
				       addr, n);
				bad++;
			}
		}
		off += n;
	}
	for (i = bump; i < vb_geo.pages && !bad; i++) {
		if (vb->map[i]) {
			pr_err("vmap_block_check: block %#lx: free page %u is marked %#x",
			       vb->start, i, vb->map[i]);
			bad++;
		}
	}
	if (!bad && !range_unmapped(vb_addr(vb, bump), vb->free)) {
		pr_err("vmap_block_check: block %#lx: free pages are mapped",
		       vb->start);
		bad++;
	}
	if (!bad && dirty != vb->dirty) {
		pr_err("vmap_block_check: block %#lx: %u pages unmapped, the count says %u",
		       vb->start, dirty, vb->dirty);
		bad++;
	}
	return bad;
}

/* Whether @vb is on its queue's free list; that queue's lock held. */
static bool on_queue(const struct vmap_block *vb)
{
	const struct vmap_block *b;

	list_for_each_entry(b, &vb_queue[vb->cpu].free, free_list)
		if (b == vb)
			return true;
	return false;
}

/**
 * vmap_block_check() - the vm_map_ram() checker
 *
 * Every block is an aligned, live VM_RAM_INTERNAL area that names it, in
 * the right shard, on its CPU's free list exactly when it has free pages;
 * its map is a run of whole slots up to the bump pointer, live slots
 * mapped in the tables and the rest not, the dirty count and range agree
 * with the map; every large mapping is a live area, mapped whole.
 * Meaningful only while no other thread maps or unmaps.
 *
 * Return: the number of violations, each reported in one line.
 */
int vmap_block_check(void)
{
	struct rb_node *n;
	int s, bad = 0;

	for (s = 0; s < vb_geo.nr_cpus; s++) {
		spin_lock(&vb_index[s].lock);
		for (n = rb_first(&vb_index[s].root); n; n = rb_next(n)) {
			struct vmap_block *vb = vb_of(n);
			struct vmap_block_queue *q = &vb_queue[vb->cpu];

			spin_lock(&q->lock);
			spin_lock(&vb->lock);
			bad += check_block(vb, s, on_queue(vb));
			spin_unlock(&vb->lock);
			spin_unlock(&q->lock);
		}
		spin_unlock(&vb_index[s].lock);
	}
	spin_lock(&large_lock);
	for (n = rb_first(&large_root); n; n = rb_next(n)) {
		struct vm_ram_large *l = large_of(n);

		if (!l->vmn->live ||
		    (unsigned long)l->vmn->vm.addr != l->addr ||
		    l->vmn->vm.size != (unsigned long)l->count << PAGE_SHIFT ||
		    !range_mapped(l->addr, l->count)) {
			pr_err("%s: large mapping %#lx (%u pages) is not a live area mapped whole",
			       __func__, l->addr, l->count);
			bad++;
		}
	}
	spin_unlock(&large_lock);
	return bad;
}
