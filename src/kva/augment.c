/* SPDX-License-Identifier: MIT */
/*
 * The augment strategy (kva=augment): the free space of the 5.2 design and
 * the vmap nodes of the 6.9 design.
 *
 * Free space is kept as free areas, not as gaps between busy ones, so that a
 * search never looks at a busy area:
 *
 *   free_root  red-black tree of the free areas (state VA_FREE) by address;
 *              each node's subtree_max_size is the size of the largest free
 *              area in its subtree, which lets a search skip any subtree
 *              too small for the request
 *   free_list  the same areas in address order: O(1) neighbours
 *
 * Two free areas are never adjacent: a release merges with both neighbours,
 * so every free area is a maximal run of free addresses. free_lock guards
 * both structures.
 *
 * Everything else lives in vmap nodes. The window is cut into 16-page zones
 * dealt round-robin to kva.nr_vmap_nodes nodes (kva_addr_to_node()); an area
 * belongs to the node of its first address. Each node has
 *
 *   busy   tree and list of its busy areas, under busy.lock
 *   lazy   list (through va->purge) of its lazily freed areas, under
 *          lazy.lock
 *   pools  with vmap_pools=1: pool[i] holds free areas of exactly i + 1
 *          pages (state VA_POOLED), under pool_lock
 *
 * so that threads working in different zones, or hitting their own node's
 * pools, do not meet on one lock. A purge feeds released small areas into
 * the pools rather than the tree; an allocation of the same size over the
 * whole window takes one back without searching or touching free_lock;
 * decay() returns a quarter of each pool (or all of it) to the tree.
 *
 * Locking: no path holds two of these locks at once. Each operation takes
 * one lock, finishes with that structure, drops it and only then takes the
 * next; an area in transit between two structures is in neither for that
 * moment, which only kva_check() (run while nothing else runs) could notice.
 * Struct vmap_area storage is allocated before and freed after the critical
 * sections, never inside them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mm.h>

#include "kva/kva.h"
#include "lib/log.h"

/* Pools hold areas of 1 .. MAX_VA_SIZE_PAGES pages (1 MiB). */
#define MAX_VA_SIZE_PAGES 256

#define CACHELINE 64

struct vmap_pool {
	struct list_head head;
	unsigned long len; /* written under pool_lock, peeked without it */
};

struct vmap_node {
	struct {
		spinlock_t lock;
		struct rb_root root;
		struct list_head head;
	} busy __attribute__((aligned(CACHELINE)));

	struct {
		spinlock_t lock;
		struct list_head head;
	} lazy __attribute__((aligned(CACHELINE)));

	spinlock_t pool_lock __attribute__((aligned(CACHELINE)));
	struct vmap_pool pool[MAX_VA_SIZE_PAGES];
};

static spinlock_t free_lock = __SPIN_LOCK_UNLOCKED;
static struct rb_root free_root;
static struct list_head free_list = LIST_HEAD_INIT(free_list);

static struct vmap_node *vmap_nodes;
static int nr_nodes;
static bool pools_on;
static unsigned long win_start, win_end;

RB_DECLARE_CALLBACKS_MAX(static, free_augment, struct vmap_area, rb_node,
			 unsigned long, subtree_max_size, va_size);

static inline struct vmap_area *rb_va(const struct rb_node *n)
{
	return rb_entry(n, struct vmap_area, rb_node);
}

/* The largest free area under @n; an empty subtree holds nothing. */
static inline unsigned long subtree_max(const struct rb_node *n)
{
	return n ? rb_va(n)->subtree_max_size : 0;
}

/* Give back the structs that merges and full fits left over. */
static void free_dead(struct list_head *dead)
{
	struct vmap_area *va, *tmp;

	list_for_each_entry_safe(va, tmp, dead, list)
		va_free(va);
	INIT_LIST_HEAD(dead);
}

/* ------------------------------------------------------------ searching */

/*
 * The start nearest @side (RB_LEFT: the lowest, RB_RIGHT: the highest) of
 * an @align-aligned range of @size inside the free area @va, which only the
 * bound on that side clips: @vstart for RB_LEFT, @vend for RB_RIGHT. The
 * other bound is left to find_fit(), which applies it once, to the area it
 * settles on. Written so that no sum can wrap past ULONG_MAX.
 */
rb_inline bool fit(const struct vmap_area *va, int side, unsigned long size,
		   unsigned long align, unsigned long vstart,
		   unsigned long vend, unsigned long *nva)
{
	unsigned long lo = va->va_start, hi = va->va_end, last, addr;

	if (side == RB_LEFT)
		lo = max(lo, vstart);
	else
		hi = min(hi, vend);
	if (hi < lo || hi - lo < size)
		return false;
	/* Every start in [lo, last] fits: align the one nearest @side. */
	last = hi - size;
	if (side == RB_LEFT) {
		addr = lo + (-lo & (align - 1));
		if (addr < lo || addr > last)
			return false;
	} else {
		addr = ALIGN_DOWN(last, align);
		if (addr < lo)
			return false;
	}
	*nva = addr;
	return true;
}

/*
 * Whether the subtree on @side of the free area @va can reach into
 * [@vstart, @vend) at all: every area on its left ends at or below its
 * va_start, every area on its right starts at or above its va_end.
 */
rb_inline bool side_reaches(const struct vmap_area *va, int side,
			    unsigned long vstart, unsigned long vend)
{
	return side == RB_LEFT ? vstart < va->va_start : va->va_end < vend;
}

/*
 * The fit nearest @side: with RB_LEFT the lowest address (first fit), with
 * RB_RIGHT the highest (KVA_TOPDOWN). An in-order walk of the free tree,
 * from @side towards the other one, that enters a subtree only if it holds
 * an area of at least @size, and a subtree on @side only if it can reach
 * [@vstart, @vend) at all (side_reaches()). The first area in that order
 * that can hold the aligned range is the answer; if the range then crosses
 * the bound fit() leaves out (@vend going up, @vstart going down) the
 * request fails, since every later area would place it further still.
 *
 * Pruning uses @size alone, never size + align - 1 (the bound the kernel
 * uses for align > PAGE_SIZE to keep the walk logarithmic): a subtree whose
 * largest area is smaller than size + align - 1 may still hold a range that
 * happens to be aligned, and skipping it would return a higher address than
 * the 2.6.12 list strategy finds for the same free space. The price is that
 * a large alignment may visit areas that are big enough but misaligned.
 *
 * The walk is iterative: descending sets @descend; coming back up from the
 * child on @side visits the parent and then its subtree on the other side.
 * Inlined with @side a constant at each call, so that each direction gets
 * its own specialised walk.
 */
rb_inline struct vmap_area *find_fit(int side, unsigned long size,
				     unsigned long align, unsigned long vstart,
				     unsigned long vend, unsigned long *nvap)
{
	struct rb_node *n = free_root.rb_node, *p;
	bool descend = true;
	unsigned long nva;
	struct vmap_area *va;

	if (subtree_max(n) < size)
		return NULL;
	for (;;) {
		va = rb_va(n);
		if (descend && side_reaches(va, side, vstart, vend) &&
		    subtree_max(rb_child(n, side)) >= size) {
			n = rb_child(n, side);
			continue;
		}
		if (va_size(va) >= size &&
		    fit(va, side, size, align, vstart, vend, &nva))
			break;
		if (subtree_max(rb_child(n, !side)) >= size) {
			n = rb_child(n, !side);
			descend = true;
			continue;
		}
		/* Done with n's subtree: up to the first unvisited ancestor. */
		while ((p = rb_parent(n)) && rb_child(p, !side) == n)
			n = p;
		if (!p)
			return NULL;
		n = p;
		descend = false;
	}
	if (nva < vstart || nva > vend || vend - nva < size)
		return NULL;
	*nvap = nva;
	return va;
}

/* ------------------------------------------------- carving and merging */

/*
 * Take [nva, nva + size) out of the free area @va. Four shapes:
 *
 *   FL  full fit      |<-------- va -------->|
 *                     |<------ busy -------->|      va leaves the tree
 *
 *   LE  left edge     |<-------- va -------->|
 *                     |<- busy ->|<-- va --->|      va_start moves up
 *
 *   RE  right edge    |<-------- va -------->|
 *                     |<-- va --->|<- busy ->|      va_end moves down
 *
 *   NE  no edge       |<-------- va -------->|
 *                     |<-lva->|<busy>|<- va->|      split in two
 *
 * For NE the existing node keeps the right part, so its place in the tree
 * and the list stays right, and the preallocated @spare becomes the left
 * part, inserted just before it. Shrinking only lowers maxima, so the
 * propagation stops at the first ancestor whose value does not change.
 *
 * Returns 0, or -ENOMEM when a split finds no spare. A full fit hands the
 * unlinked @va back through @dead; a used spare is taken from @spare.
 */
static int carve(struct vmap_area *va, unsigned long nva, unsigned long size,
		 struct vmap_area **spare, struct list_head *dead)
{
	unsigned long nva_end = nva + size;
	struct vmap_area *lva;

	if (va->va_start == nva && va->va_end == nva_end) {
		rb_erase_augmented(&va->rb_node, &free_root, &free_augment);
		list_del_init(&va->list);
		list_add(&va->list, dead);
		return 0;
	}
	if (va->va_start == nva) {
		va->va_start = nva_end;
	} else if (va->va_end == nva_end) {
		va->va_end = nva;
	} else {
		lva = *spare;
		if (!lva)
			return -ENOMEM;
		*spare = NULL;
		lva->va_start = va->va_start;
		lva->va_end = nva;
		lva->state = VA_FREE;
		lva->node = 0;
		va->va_start = nva_end;
		free_augment_propagate(&va->rb_node, NULL);

		/* lva sorts immediately before va, which kept its place. */
		rb_add_augmented(&lva->rb_node, &free_root, va_less,
				 &free_augment);
		list_add_tail(&lva->list, &va->list);
		return 0;
	}
	free_augment_propagate(&va->rb_node, NULL);
	return 0;
}

/*
 * Return @va to the free tree, merging it with the free areas around it:
 *
 *   |<- prev ->|<- va ->|<- next ->|   prev absorbs va and next
 *   |<- prev ->|<- va ->|  (busy)      prev absorbs va
 *     (busy)   |<- va ->|<- next ->|   next absorbs va
 *     (busy)   |<- va ->|  (busy)      va goes in as a node of its own
 *
 * The neighbours are the last nodes the descent turned right and left at.
 * Growing a node only raises maxima, and propagating stops where the value
 * already covered the new size. Absorbed structs go onto @dead, to be freed
 * once free_lock is dropped.
 */
static void free_insert_merge(struct vmap_area *va, struct list_head *dead)
{
	struct rb_node **link = &free_root.rb_node, *parent = NULL;
	struct vmap_area *prev = NULL, *next = NULL, *tmp;

	while (*link) {
		parent = *link;
		tmp = rb_va(parent);
		if (va->va_start < tmp->va_start) {
			next = tmp;
			link = &parent->rb_left;
		} else {
			prev = tmp;
			link = &parent->rb_right;
		}
	}
	if ((prev && prev->va_end > va->va_start) ||
	    (next && next->va_start < va->va_end)) {
		/* A double free or a stray range: keep the tree sound. */
		pr_err("kva: augment: released [%#lx, %#lx) overlaps free space",
		       va->va_start, va->va_end);
		return;
	}

	if (prev && prev->va_end == va->va_start) {
		if (next && next->va_start == va->va_end) {
			rb_erase_augmented(&next->rb_node, &free_root,
					   &free_augment);
			list_del_init(&next->list);
			prev->va_end = next->va_end;
			list_add(&next->list, dead);
		} else {
			prev->va_end = va->va_end;
		}
		free_augment_propagate(&prev->rb_node, NULL);
		list_add(&va->list, dead);
		return;
	}
	if (next && next->va_start == va->va_end) {
		next->va_start = va->va_start;
		free_augment_propagate(&next->rb_node, NULL);
		list_add(&va->list, dead);
		return;
	}

	va->state = VA_FREE;
	va->node = 0;
	rb_link_node(&va->rb_node, parent, link);
	va->subtree_max_size = va_size(va);
	rb_insert_augmented(&va->rb_node, &free_root, &free_augment);
	list_add(&va->list, prev ? &prev->list : &free_list);
}

/* ------------------------------------------------------------- busy sets */

/* File a busy area in its node; busy.lock held. */
static void busy_insert(struct vmap_node *vn, struct vmap_area *va)
{
	struct rb_node *prev;

	rb_add(&va->rb_node, &vn->busy.root, va_less);
	prev = rb_prev(&va->rb_node);
	list_add(&va->list, prev ? &rb_va(prev)->list : &vn->busy.head);
}

/* The busy area of @vn containing @addr; busy.lock held. */
static struct vmap_area *busy_lookup(struct vmap_node *vn, unsigned long addr)
{
	return rb_entry_safe(rb_find(&addr, &vn->busy.root, va_addr_cmp),
			     struct vmap_area, rb_node);
}

static void busy_remove(struct vmap_area *va)
{
	struct vmap_node *vn = &vmap_nodes[va->node];

	spin_lock(&vn->busy.lock);
	rb_erase(&va->rb_node, &vn->busy.root);
	RB_CLEAR_NODE(&va->rb_node);
	list_del_init(&va->list);
	spin_unlock(&vn->busy.lock);
}

/* ----------------------------------------------------------------- pools */

/* The pool an area of @size would go to, or NULL if none does. */
static struct vmap_pool *size_to_pool(struct vmap_node *vn, unsigned long size)
{
	unsigned long pages = size >> PAGE_SHIFT;

	if (!pools_on || !pages || pages > MAX_VA_SIZE_PAGES ||
	    !PAGE_ALIGNED(size))
		return NULL;
	return &vn->pool[pages - 1];
}

/*
 * The first area of the right size in @cpu_node's pools, if its start meets
 * @align. Only the head is looked at, as the kernel does: pools are meant
 * for the plain page-aligned case, and a scan would turn the fast path into
 * a search.
 */
static struct vmap_area *pool_take(int cpu_node, unsigned long size,
				   unsigned long align)
{
	struct vmap_node *vn;
	struct vmap_pool *vp;
	struct vmap_area *va = NULL;

	vn = &vmap_nodes[cpu_node >= 0 ? cpu_node % nr_nodes : 0];
	vp = size_to_pool(vn, size);
	/* An empty pool is the common miss: no lock for it. */
	if (!vp || !READ_ONCE(vp->len))
		return NULL;

	spin_lock(&vn->pool_lock);
	if (!list_empty(&vp->head)) {
		va = list_first_entry(&vp->head, struct vmap_area, list);
		if (IS_ALIGNED(va->va_start, align)) {
			list_del_init(&va->list);
			WRITE_ONCE(vp->len, vp->len - 1);
		} else {
			va = NULL;
		}
	}
	spin_unlock(&vn->pool_lock);
	return va;
}

/* Park a free area in its node's pool; false if no pool takes its size. */
static bool pool_put(struct vmap_area *va)
{
	int node = kva_addr_to_node(va->va_start);
	struct vmap_node *vn = &vmap_nodes[node];
	struct vmap_pool *vp = size_to_pool(vn, va_size(va));

	if (!vp)
		return false;
	spin_lock(&vn->pool_lock);
	va->state = VA_POOLED;
	va->node = (uint16_t)node;
	list_add(&va->list, &vp->head);
	WRITE_ONCE(vp->len, vp->len + 1);
	spin_unlock(&vn->pool_lock);
	return true;
}

/* ------------------------------------------------------------ operations */

static void augment_exit(void);

static int augment_init(unsigned long start, unsigned long end)
{
	struct vmap_area *va;
	int i, j;

	if (vmap_nodes)
		augment_exit();
	if (kva.nr_vmap_nodes < 1 || kva.nr_vmap_nodes > UINT16_MAX) {
		pr_err("kva: augment: %d vmap nodes", kva.nr_vmap_nodes);
		return -EINVAL;
	}
	nr_nodes = kva.nr_vmap_nodes;
	vmap_nodes = aligned_alloc(CACHELINE, sizeof(*vmap_nodes) * nr_nodes);
	if (!vmap_nodes) {
		pr_err("kva: augment: no memory for %d vmap nodes", nr_nodes);
		return -ENOMEM;
	}
	memset(vmap_nodes, 0, sizeof(*vmap_nodes) * nr_nodes);
	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];

		spin_lock_init(&vn->busy.lock);
		vn->busy.root = RB_ROOT;
		INIT_LIST_HEAD(&vn->busy.head);
		spin_lock_init(&vn->lazy.lock);
		INIT_LIST_HEAD(&vn->lazy.head);
		spin_lock_init(&vn->pool_lock);
		for (j = 0; j < MAX_VA_SIZE_PAGES; j++)
			INIT_LIST_HEAD(&vn->pool[j].head);
	}
	pools_on = kva.params.vmap_pools != 0;
	win_start = start;
	win_end = end;

	spin_lock_init(&free_lock);
	free_root = RB_ROOT;
	INIT_LIST_HEAD(&free_list);
	if (start < end) {
		va = va_alloc();
		if (!va) {
			pr_err("kva: augment: no memory for the free area");
			free(vmap_nodes);
			vmap_nodes = NULL;
			nr_nodes = 0;
			return -ENOMEM;
		}
		va->va_start = start;
		va->va_end = end;
		rb_link_node(&va->rb_node, NULL, &free_root.rb_node);
		va->subtree_max_size = va_size(va);
		rb_insert_augmented(&va->rb_node, &free_root, &free_augment);
		list_add(&va->list, &free_list);
		va->state = VA_FREE;
	}
	return 0;
}

static void augment_exit(void)
{
	struct vmap_area *va, *tmp;
	int i, j;

	list_for_each_entry_safe(va, tmp, &free_list, list)
		va_free(va);
	INIT_LIST_HEAD(&free_list);
	free_root = RB_ROOT;

	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];

		list_for_each_entry_safe(va, tmp, &vn->busy.head, list)
			va_free(va);
		list_for_each_entry_safe(va, tmp, &vn->lazy.head, purge)
			va_free(va);
		for (j = 0; j < MAX_VA_SIZE_PAGES; j++)
			list_for_each_entry_safe(va, tmp, &vn->pool[j].head,
						 list)
				va_free(va);
	}
	free(vmap_nodes);
	vmap_nodes = NULL;
	nr_nodes = 0;
}

/*
 * Pools first when the request is one they can serve: the whole window
 * (pooled areas lie anywhere in it), bottom-up, a pooled size. Otherwise, or
 * on a miss, carve from the free tree. Either way the result is filed in
 * the busy set of the node its start belongs to.
 */
static struct vmap_area *augment_alloc(unsigned long size, unsigned long align,
				       unsigned long vstart, unsigned long vend,
				       bool topdown, int cpu_node)
{
	struct vmap_area *va, *bva, *spare;
	struct vmap_node *vn;
	struct list_head dead;
	unsigned long nva = 0;

	if (!size || !is_power_of_2(align) || vstart >= vend)
		return NULL;

	if (!topdown && vstart == win_start && vend == win_end) {
		bva = pool_take(cpu_node, size, align);
		if (bva) {
			nva = bva->va_start;
			goto busy;
		}
	}

	/*
	 * Both structs a carve may need are allocated before free_lock is
	 * taken, so that the search and the carve never wait on the heap and
	 * never have to be undone: the busy area itself, and the left part of
	 * a split (unknown until the fit is found; freed if unused).
	 */
	bva = va_alloc();
	if (!bva)
		return NULL;
	spare = va_alloc();
	INIT_LIST_HEAD(&dead);

	spin_lock(&free_lock);
	if (topdown)
		va = find_fit(RB_RIGHT, size, align, vstart, vend, &nva);
	else
		va = find_fit(RB_LEFT, size, align, vstart, vend, &nva);
	if (va && carve(va, nva, size, &spare, &dead))
		va = NULL;
	spin_unlock(&free_lock);

	if (spare)
		va_free(spare);
	free_dead(&dead);
	if (!va) {
		va_free(bva);
		return NULL;
	}
	bva->va_start = nva;
	bva->va_end = nva + size;

busy:
	bva->state = VA_BUSY;
	bva->owner = NULL;
	bva->flags = 0;
	bva->node = (uint16_t)kva_addr_to_node(nva);
	vn = &vmap_nodes[bva->node];
	spin_lock(&vn->busy.lock);
	busy_insert(vn, bva);
	spin_unlock(&vn->busy.lock);
	return bva;
}

/*
 * An area is filed under the node of its first address, but may run on
 * through zones of other nodes; the node of @addr is only the likeliest
 * place. Every node is tried, starting there.
 */
static struct vmap_area *augment_find(unsigned long addr)
{
	int first = kva_addr_to_node(addr), i;
	struct vmap_area *va = NULL;

	for (i = 0; i < nr_nodes && !va; i++) {
		struct vmap_node *vn = &vmap_nodes[(first + i) % nr_nodes];

		spin_lock(&vn->busy.lock);
		va = busy_lookup(vn, addr);
		spin_unlock(&vn->busy.lock);
	}
	return va;
}

static void augment_free_lazy(struct vmap_area *va)
{
	struct vmap_node *vn = &vmap_nodes[va->node];

	busy_remove(va);
	spin_lock(&vn->lazy.lock);
	va->state = VA_LAZY;
	list_add_tail(&va->purge, &vn->lazy.head);
	spin_unlock(&vn->lazy.lock);
}

static unsigned long augment_collect_lazy(struct list_head *list)
{
	unsigned long pages = 0;
	struct vmap_area *va;
	int i;

	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];
		struct list_head *head = &vn->lazy.head;

		spin_lock(&vn->lazy.lock);
		list_for_each_entry(va, head, purge) {
			pages += va_size(va) >> PAGE_SHIFT;
			va->state = VA_PURGING;
		}
		if (!list_empty(head)) {
			/* Splice the whole list onto the tail of @list. */
			head->next->prev = list->prev;
			list->prev->next = head->next;
			head->prev->next = list;
			list->prev = head->prev;
			INIT_LIST_HEAD(head);
		}
		spin_unlock(&vn->lazy.lock);
	}
	return pages;
}

/* Out of the lazy set (unless a purge got there first), into busy. */
static bool augment_revive(struct vmap_area *va)
{
	struct vmap_node *vn = &vmap_nodes[va->node];

	spin_lock(&vn->lazy.lock);
	if (va->state != VA_LAZY) {
		spin_unlock(&vn->lazy.lock);
		return false;
	}
	list_del_init(&va->purge);
	va->state = VA_BUSY;
	spin_unlock(&vn->lazy.lock);

	spin_lock(&vn->busy.lock);
	busy_insert(vn, va);
	spin_unlock(&vn->busy.lock);
	return true;
}

/* The busy tree is ordered by start: growing @va's end moves nothing. */
static void augment_absorb(struct vmap_area *va, struct vmap_area *next)
{
	struct vmap_node *vn = &vmap_nodes[va->node];
	unsigned long end = next->va_end;

	busy_remove(next);
	va_free(next);
	spin_lock(&vn->busy.lock);
	va->va_end = end;
	spin_unlock(&vn->busy.lock);
}

static void augment_for_each_lazy(void (*fn)(struct vmap_area *va, void *arg),
				  void *arg)
{
	struct vmap_area *va;
	int i;

	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];

		spin_lock(&vn->lazy.lock);
		list_for_each_entry(va, &vn->lazy.head, purge)
			fn(va, arg);
		spin_unlock(&vn->lazy.lock);
	}
}

/*
 * A purged area, or a busy one when frees are immediate. Small areas go to
 * the pool of the node they lie in, as a purge of the 6.9 design feeds them;
 * the rest merge back into the free tree.
 */
static void augment_release(struct vmap_area *va)
{
	struct list_head dead;

	/*
	 * Still linked into the batch of the purge that collected it: unlink
	 * it, since it may be merged away below. (A zeroed or self-linked
	 * purge link is on no list.)
	 */
	if (va->purge.next && !list_empty(&va->purge))
		list_del_init(&va->purge);
	if (va->state == VA_BUSY)
		busy_remove(va);
	va->owner = NULL;
	va->flags = 0;

	if (pool_put(va))
		return;

	INIT_LIST_HEAD(&dead);
	spin_lock(&free_lock);
	free_insert_merge(va, &dead);
	spin_unlock(&free_lock);
	free_dead(&dead);
}

/*
 * Return part of every pool to the free tree: a quarter of each (rounded
 * down, as the kernel does, so a pool of fewer than four stays), or all of
 * it. The oldest entries go, since allocation takes from the head. The
 * entries are unhooked under pool_lock and merged under free_lock, one lock
 * after the other.
 */
static void augment_decay(bool all)
{
	struct vmap_area *va, *tmp;
	struct list_head batch, dead;
	int i, j;

	if (!pools_on)
		return;
	INIT_LIST_HEAD(&dead);
	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];

		INIT_LIST_HEAD(&batch);
		spin_lock(&vn->pool_lock);
		for (j = 0; j < MAX_VA_SIZE_PAGES; j++) {
			struct vmap_pool *vp = &vn->pool[j];
			unsigned long n = all ? vp->len : vp->len >> 2;

			WRITE_ONCE(vp->len, vp->len - n);
			while (n--) {
				va = list_last_entry(&vp->head,
						     struct vmap_area, list);
				list_move(&va->list, &batch);
			}
		}
		spin_unlock(&vn->pool_lock);
		if (list_empty(&batch))
			continue;

		spin_lock(&free_lock);
		list_for_each_entry_safe(va, tmp, &batch, list) {
			list_del_init(&va->list);
			free_insert_merge(va, &dead);
		}
		spin_unlock(&free_lock);
		free_dead(&dead);
	}
}

/*
 * No lock is held while @fn runs: the caller guarantees nothing else runs,
 * and @fn may well look an area up through the other operations.
 */
static void augment_for_each(void (*fn)(struct vmap_area *va, void *arg),
			     void *arg)
{
	struct vmap_area *va, *tmp;
	int i, j;

	list_for_each_entry_safe(va, tmp, &free_list, list)
		fn(va, arg);
	for (i = 0; i < nr_nodes; i++) {
		struct vmap_node *vn = &vmap_nodes[i];

		list_for_each_entry_safe(va, tmp, &vn->busy.head, list)
			fn(va, arg);
		list_for_each_entry_safe(va, tmp, &vn->lazy.head, purge)
			fn(va, arg);
		for (j = 0; j < MAX_VA_SIZE_PAGES; j++)
			list_for_each_entry_safe(va, tmp, &vn->pool[j].head,
						 list)
				fn(va, arg);
	}
}

/* ----------------------------------------------------------------- check */

#define violation(fmt, ...) \
	(pr_err("kva_check: augment: " fmt, ##__VA_ARGS__), 1)

static int cmp_start(const struct rb_node *a, const struct rb_node *b)
{
	unsigned long x = rb_va(a)->va_start, y = rb_va(b)->va_start;

	return x < y ? -1 : x > y;
}

static int free_aug_check(const struct rb_node *n)
{
	const struct vmap_area *va = rb_va(n);
	unsigned long m = va_size(va);

	m = max(m, subtree_max(n->rb_left));
	m = max(m, subtree_max(n->rb_right));
	return m != va->subtree_max_size;
}

static void report_tree(const char *msg, void *arg)
{
	pr_err("kva_check: augment: %s: %s", (const char *)arg, msg);
}

/*
 * Walk the address-sorted @head alongside the in-order walk of @root: the
 * same areas in the same order, none overlapping (and, for free space with
 * @strict_gap, none touching: they should have merged). @nr is the tree's
 * count, so a corrupt list that never comes back to its head stops there.
 */
static int check_list_vs_tree(const char *what, struct list_head *head,
			      const struct rb_root *root, unsigned long nr,
			      bool strict_gap)
{
	struct rb_node *n = rb_first(root);
	struct vmap_area *va, *prev = NULL;
	struct list_head *pos;
	unsigned long seen = 0;
	int bad = 0;

	for (pos = head->next; pos != head; pos = pos->next) {
		if (pos->next->prev != pos)
			return bad + violation("%s list is corrupt", what);
		if (++seen > nr)
			return bad +
			       violation(
				       "%s list holds more than the %lu areas of its tree",
				       what, nr);
		va = list_entry(pos, struct vmap_area, list);
		if (&va->rb_node != n)
			bad += violation(
				"%s list and tree disagree at [%#lx, %#lx)",
				what, va->va_start, va->va_end);
		if (va->va_start >= va->va_end)
			bad += violation("%s area [%#lx, %#lx) is empty", what,
					 va->va_start, va->va_end);
		if (va->va_start < win_start || va->va_end > win_end)
			bad += violation(
				"%s area [%#lx, %#lx) leaves the window", what,
				va->va_start, va->va_end);
		if (prev && prev->va_end > va->va_start)
			bad += violation(
				"%s areas [%#lx, %#lx) and [%#lx, %#lx) overlap or are out of order",
				what, prev->va_start, prev->va_end,
				va->va_start, va->va_end);
		else if (strict_gap && prev && prev->va_end == va->va_start)
			bad += violation(
				"free areas [%#lx, %#lx) and [%#lx, %#lx) touch but were not merged",
				prev->va_start, prev->va_end, va->va_start,
				va->va_end);
		prev = va;
		n = n ? rb_next(n) : NULL;
	}
	if (seen != nr)
		bad += violation("%s list holds %lu areas, its tree %lu", what,
				 seen, nr);
	return bad;
}

static int check_free(void)
{
	struct vmap_area *va;
	unsigned long nr = 0;
	int bad;

	spin_lock(&free_lock);
	bad = rb_check(&free_root, cmp_start, free_aug_check, report_tree,
		       "free tree", &nr);
	if (!bad) {
		bad += check_list_vs_tree("free", &free_list, &free_root, nr,
					  true);
		list_for_each_entry(va, &free_list, list)
			if (va->state != VA_FREE)
				bad += violation(
					"free area [%#lx, %#lx) has state %u",
					va->va_start, va->va_end, va->state);
	}
	spin_unlock(&free_lock);
	return bad;
}

static int check_node(int i)
{
	struct vmap_node *vn = &vmap_nodes[i];
	struct vmap_area *va;
	struct list_head *pos;
	unsigned long nr = 0, count;
	int bad, j;

	spin_lock(&vn->busy.lock);
	bad = rb_check(&vn->busy.root, cmp_start, NULL, report_tree,
		       "busy tree", &nr);
	if (!bad) {
		bad += check_list_vs_tree("busy", &vn->busy.head,
					  &vn->busy.root, nr, false);
		list_for_each_entry(va, &vn->busy.head, list) {
			if (va->state != VA_BUSY)
				bad += violation(
					"busy area [%#lx, %#lx) has state %u",
					va->va_start, va->va_end, va->state);
			if (va->node != i ||
			    kva_addr_to_node(va->va_start) != i)
				bad += violation(
					"busy area [%#lx, %#lx) of node %u is in node %d",
					va->va_start, va->va_end, va->node, i);
		}
	}
	spin_unlock(&vn->busy.lock);

	spin_lock(&vn->lazy.lock);
	count = 0;
	for (pos = vn->lazy.head.next; pos != &vn->lazy.head; pos = pos->next) {
		if (pos->next->prev != pos || ++count > (1UL << 40)) {
			bad += violation("lazy list of node %d is corrupt", i);
			break;
		}
		va = list_entry(pos, struct vmap_area, purge);
		if (va->state != VA_LAZY)
			bad += violation("lazy area [%#lx, %#lx) has state %u",
					 va->va_start, va->va_end, va->state);
		if (va->node != i || kva_addr_to_node(va->va_start) != i)
			bad += violation(
				"lazy area [%#lx, %#lx) of node %u is in node %d",
				va->va_start, va->va_end, va->node, i);
	}
	spin_unlock(&vn->lazy.lock);

	spin_lock(&vn->pool_lock);
	for (j = 0; j < MAX_VA_SIZE_PAGES; j++) {
		struct vmap_pool *vp = &vn->pool[j];

		count = 0;
		for (pos = vp->head.next; pos != &vp->head; pos = pos->next) {
			if (pos->next->prev != pos || count > vp->len) {
				bad += violation(
					"pool %d of node %d is corrupt or longer than %lu",
					j + 1, i, vp->len);
				break;
			}
			count++;
			va = list_entry(pos, struct vmap_area, list);
			if (va_size(va) != (unsigned long)(j + 1) << PAGE_SHIFT)
				bad += violation(
					"pool of %d pages holds [%#lx, %#lx)",
					j + 1, va->va_start, va->va_end);
			if (va->state != VA_POOLED)
				bad += violation(
					"pooled area [%#lx, %#lx) has state %u",
					va->va_start, va->va_end, va->state);
			if (va->node != i ||
			    kva_addr_to_node(va->va_start) != i)
				bad += violation(
					"pooled area [%#lx, %#lx) of node %u is in node %d",
					va->va_start, va->va_end, va->node, i);
		}
		if (count != vp->len)
			bad += violation(
				"pool %d of node %d: %lu areas, length %lu",
				j + 1, i, count, vp->len);
		if (count && !pools_on)
			bad += violation(
				"pool %d of node %d holds areas with pools off",
				j + 1, i);
	}
	spin_unlock(&vn->pool_lock);
	return bad;
}

static int augment_check(void)
{
	int bad = check_free(), i;

	for (i = 0; i < nr_nodes; i++)
		bad += check_node(i);
	return bad;
}

/*
 * The augment strategy: the free-space tree of 5.2 with the vmap nodes and
 * pools of 6.9. Frees are lazy.
 */
const struct kva_strategy kva_augment_strategy = {
	.name = "augment",
	.lazy = true,
	.init = augment_init,
	.exit = augment_exit,
	.alloc = augment_alloc,
	.find = augment_find,
	.free_lazy = augment_free_lazy,
	.collect_lazy = augment_collect_lazy,
	.revive = augment_revive,
	.for_each_lazy = augment_for_each_lazy,
	.absorb = augment_absorb,
	.release = augment_release,
	.decay = augment_decay,
	.for_each = augment_for_each,
	.check = augment_check,
};
