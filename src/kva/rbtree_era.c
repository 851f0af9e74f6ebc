/* SPDX-License-Identifier: MIT */
/*
 * The area allocator of Linux 2.6.28 to 5.1: the busy areas, lazily freed
 * ones included, live in a red-black tree keyed by start address and on a
 * list in the same order. Free space is not recorded anywhere: it is the
 * gaps between neighbours.
 *
 * A search would have to walk the list from the bottom of the range every
 * time, so the design remembers where the last allocation ended and starts
 * there, as long as that cannot miss a fitting hole below:
 *
 *   free_vmap_cache   the node of the last area allocated (or an area just
 *                     below a freed one); NULL: search from vstart
 *   cached_hole_size  the largest hole the searches walked past below it
 *   cached_vstart     the vstart of the previous request
 *   cached_align      and its alignment
 *
 * A request starts from scratch if it could fit a hole already passed
 * (size < cached_hole_size), may start lower (vstart < cached_vstart) or
 * may land on addresses the previous alignment skipped (align <
 * cached_align). A free at or below the cached area moves the cache down to
 * the freed area's predecessor; a free wholly below cached_vstart forgets
 * the cache. The hole size and alignment are left as they are on a free,
 * as the kernel did: the heuristic may then miss a hole, never overlap.
 *
 * A lazy free only flags the area: it keeps its place in the tree and on
 * the list, so its range stays taken, and it joins the lazy set (a list
 * through va->purge). A purge takes the whole set and later releases each
 * area, which only then leaves the tree.
 *
 * Top-down requests (the per-CPU allocator's) ignore the cache: they take
 * the highest fitting gap below vend, walking the list backwards from the
 * last area that starts below vend.
 *
 * One spinlock covers everything here.
 */
#include <errno.h>
#include <linux/mm.h>

#include "kva.h"
#include "lib/log.h"

#define violation(fmt, ...) \
	(pr_err("kva_check: rbtree: " fmt, ##__VA_ARGS__), 1)

static spinlock_t vmap_area_lock = __SPIN_LOCK_UNLOCKED;
static struct rb_root vmap_area_root;
static struct list_head vmap_area_list = LIST_HEAD_INIT(vmap_area_list);
static struct list_head vmap_lazy_list = LIST_HEAD_INIT(vmap_lazy_list);
static unsigned long vmap_start, vmap_end; /* the window */
static unsigned long nr_vmap_areas;	   /* in the tree, busy or lazy */
static unsigned long nr_lazy_areas;	   /* in the lazy set */

static struct rb_node *free_vmap_cache;
static unsigned long cached_hole_size;
static unsigned long cached_vstart;
static unsigned long cached_align;

static inline struct vmap_area *node_to_va(struct rb_node *n)
{
	return rb_entry_safe(n, struct vmap_area, rb_node);
}

static inline struct vmap_area *next_area(struct vmap_area *va)
{
	return va->list.next == &vmap_area_list ?
		       NULL :
		       list_entry(va->list.next, struct vmap_area, list);
}

static inline void drop_cache(void)
{
	free_vmap_cache = NULL;
	cached_hole_size = 0;
}

/* The area containing @addr, busy or lazy, or NULL. */
static struct vmap_area *area_at(unsigned long addr)
{
	return node_to_va(rb_find(&addr, &vmap_area_root, va_addr_cmp));
}

/* The lowest area ending above @addr (it may contain @addr), or NULL. */
static struct vmap_area *first_ending_above(unsigned long addr)
{
	struct rb_node *n = vmap_area_root.rb_node;
	struct vmap_area *first = NULL;

	while (n) {
		struct vmap_area *va = node_to_va(n);

		if (va->va_end > addr) {
			first = va;
			if (va->va_start <= addr)
				break;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return first;
}

/* The highest area starting below @addr, or NULL. */
static struct vmap_area *last_starting_below(unsigned long addr)
{
	struct rb_node *n = vmap_area_root.rb_node;
	struct vmap_area *last = NULL;

	while (n) {
		struct vmap_area *va = node_to_va(n);

		if (va->va_start < addr) {
			last = va;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return last;
}

/* Link @va (its range set, overlapping nothing) into the tree and list. */
static void insert_area(struct vmap_area *va)
{
	struct vmap_area *prev;

	rb_add(&va->rb_node, &vmap_area_root, va_less);
	prev = node_to_va(rb_prev(&va->rb_node));
	list_add(&va->list, prev ? &prev->list : &vmap_area_list);
	nr_vmap_areas++;
}

/*
 * The era's search: the lowest fitting address at or above its starting
 * point, which is the end of the cached area when the rules allow it and
 * vstart otherwise. Updates the cache state as it goes.
 */
static bool search_from_cache(unsigned long size, unsigned long align,
			      unsigned long vstart, unsigned long vend,
			      unsigned long *addrp)
{
	struct vmap_area *first = NULL;
	unsigned long addr = 0;

	if (!free_vmap_cache || size < cached_hole_size ||
	    vstart < cached_vstart || align < cached_align)
		drop_cache();
	cached_vstart = vstart;
	cached_align = align;

	if (free_vmap_cache) {
		struct vmap_area *cache = node_to_va(free_vmap_cache);

		/* Nothing lies between the cached area and its successor. */
		if (kva_align_up(cache->va_end, align, &addr) && addr >= vstart)
			first = next_area(cache);
		else
			drop_cache();
	}
	if (!free_vmap_cache) {
		if (!kva_align_up(vstart, align, &addr))
			return false;
		first = first_ending_above(addr);
	}
	if (addr + size < addr)
		return false;

	while (first && addr + size > first->va_start && addr + size <= vend) {
		/* Remember the largest hole left behind, as aligned then. */
		if (first->va_start > addr &&
		    first->va_start - addr > cached_hole_size)
			cached_hole_size = first->va_start - addr;
		if (!kva_align_up(first->va_end, align, &addr) ||
		    addr + size < addr)
			return false;
		first = next_area(first);
	}
	if (addr + size > vend)
		return false;
	*addrp = addr;
	return true;
}

/* The highest fitting address below @vend; the cache is not involved. */
static bool search_topdown(unsigned long size, unsigned long align,
			   unsigned long vstart, unsigned long vend,
			   unsigned long *addrp)
{
	struct vmap_area *below;

	return kva_highest_gap(&vmap_area_list, last_starting_below(vend), size,
			       align, vstart, vend, addrp, &below);
}

static int rbtree_init(unsigned long start, unsigned long end)
{
	if (start >= end)
		return -EINVAL;
	spin_lock(&vmap_area_lock);
	vmap_area_root = RB_ROOT;
	INIT_LIST_HEAD(&vmap_area_list);
	INIT_LIST_HEAD(&vmap_lazy_list);
	vmap_start = start;
	vmap_end = end;
	nr_vmap_areas = 0;
	nr_lazy_areas = 0;
	drop_cache();
	cached_vstart = 0;
	cached_align = 0;
	spin_unlock(&vmap_area_lock);
	return 0;
}

static void rbtree_exit(void)
{
	struct vmap_area *va, *n;

	spin_lock(&vmap_area_lock);
	list_for_each_entry_safe(va, n, &vmap_area_list, list)
		va_free(va);
	vmap_area_root = RB_ROOT;
	INIT_LIST_HEAD(&vmap_area_list);
	INIT_LIST_HEAD(&vmap_lazy_list);
	nr_vmap_areas = 0;
	nr_lazy_areas = 0;
	drop_cache();
	cached_vstart = 0;
	cached_align = 0;
	spin_unlock(&vmap_area_lock);
}

static struct vmap_area *rbtree_alloc(unsigned long size, unsigned long align,
				      unsigned long vstart, unsigned long vend,
				      bool topdown, int cpu_node)
{
	struct vmap_area *va = va_alloc();
	unsigned long addr;
	bool found;

	(void)cpu_node;
	if (!va)
		return NULL;
	spin_lock(&vmap_area_lock);
	if (topdown)
		found = search_topdown(size, align, vstart, vend, &addr);
	else
		found = search_from_cache(size, align, vstart, vend, &addr);
	if (found) {
		va->va_start = addr;
		va->va_end = addr + size;
		va->state = VA_BUSY;
		insert_area(va);
		if (!topdown)
			free_vmap_cache = &va->rb_node;
	}
	spin_unlock(&vmap_area_lock);
	if (!found) {
		va_free(va);
		return NULL;
	}
	return va;
}

static struct vmap_area *rbtree_find(unsigned long addr)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	va = area_at(addr);
	if (va && va->state != VA_BUSY)
		va = NULL;
	spin_unlock(&vmap_area_lock);
	return va;
}

static void rbtree_free_lazy(struct vmap_area *va)
{
	spin_lock(&vmap_area_lock);
	va->state = VA_LAZY;
	list_add_tail(&va->purge, &vmap_lazy_list);
	nr_lazy_areas++;
	spin_unlock(&vmap_area_lock);
}

static unsigned long rbtree_collect_lazy(struct list_head *list)
{
	struct vmap_area *va;
	unsigned long pages = 0;

	spin_lock(&vmap_area_lock);
	list_for_each_entry(va, &vmap_lazy_list, purge) {
		pages += va_size(va) >> PAGE_SHIFT;
		va->state = VA_PURGING;
	}
	list_splice_tail_init(&vmap_lazy_list, list);
	nr_lazy_areas = 0;
	spin_unlock(&vmap_area_lock);
	return pages;
}

/* The area never left the tree: only its flag and lazy-set entry go. */
static bool rbtree_revive(struct vmap_area *va)
{
	bool revived = false;

	spin_lock(&vmap_area_lock);
	if (va->state == VA_LAZY) {
		list_del_init(&va->purge);
		nr_lazy_areas--;
		va->state = VA_BUSY;
		revived = true;
	}
	spin_unlock(&vmap_area_lock);
	return revived;
}

static void rbtree_for_each_lazy(void (*fn)(struct vmap_area *va, void *arg),
				 void *arg)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	list_for_each_entry(va, &vmap_lazy_list, purge)
		fn(va, arg);
	spin_unlock(&vmap_area_lock);
}

/* A cached @next becomes @va, which now ends where @next did. */
static void rbtree_absorb(struct vmap_area *va, struct vmap_area *next)
{
	spin_lock(&vmap_area_lock);
	if (free_vmap_cache == &next->rb_node)
		free_vmap_cache = &va->rb_node;
	rb_erase(&next->rb_node, &vmap_area_root);
	list_del_init(&next->list);
	nr_vmap_areas--;
	va->va_end = next->va_end;
	spin_unlock(&vmap_area_lock);
	va_free(next);
}

static void rbtree_release(struct vmap_area *va)
{
	spin_lock(&vmap_area_lock);
	if (free_vmap_cache) {
		if (va->va_end < cached_vstart)
			free_vmap_cache = NULL;
		else if (va->va_start <= node_to_va(free_vmap_cache)->va_start)
			free_vmap_cache = rb_prev(&va->rb_node);
	}
	rb_erase(&va->rb_node, &vmap_area_root);
	RB_CLEAR_NODE(&va->rb_node);
	list_del_init(&va->list);
	nr_vmap_areas--;
	spin_unlock(&vmap_area_lock);
	va_free(va);
}

static void rbtree_decay(bool all)
{
	(void)all;
}

/*
 * Busy areas and free gaps come from the list, lazy areas from the lazy
 * set. A collected area that has not been released yet (say, because its
 * flush was refused) is taken but reported by none of them: whoever holds
 * it reports it.
 */
static void rbtree_for_each(void (*fn)(struct vmap_area *va, void *arg),
			    void *arg)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	kva_report_list(&vmap_area_list, vmap_start, vmap_end, true, fn, arg);
	list_for_each_entry(va, &vmap_lazy_list, purge)
		fn(va, arg);
	spin_unlock(&vmap_area_lock);
}

static void report_tree(const char *msg, void *arg)
{
	(void)arg;
	pr_err("kva_check: rbtree: tree: %s", msg);
}

static int va_start_cmp(const struct rb_node *a, const struct rb_node *b)
{
	unsigned long x = node_to_va((struct rb_node *)a)->va_start;
	unsigned long y = node_to_va((struct rb_node *)b)->va_start;

	return x < y ? -1 : x > y;
}

/* The list against the tree, node by node, and each area on its own. */
static int check_areas(bool tree_ok, bool *cache_seen, unsigned long *nr_lazy)
{
	struct rb_node *rb = tree_ok ? rb_first(&vmap_area_root) : NULL;
	struct vmap_area *va, *prev = NULL;
	unsigned long nr = 0;
	struct list_head *pos;
	int bad = 0;

	for (pos = vmap_area_list.next; pos != &vmap_area_list;
	     pos = pos->next) {
		if (pos->next->prev != pos || pos->prev->next != pos)
			return bad + violation("broken links at list node %p",
					       (void *)pos);
		if (++nr > nr_vmap_areas)
			return bad +
			       violation(
				       "more areas on the list than the %lu counted",
				       nr_vmap_areas);
		va = list_entry(pos, struct vmap_area, list);
		if (tree_ok) {
			if (&va->rb_node != rb) {
				bad += violation(
					"list entry %lu is %#lx-%#lx, the tree's is %#lx-%#lx",
					nr, va->va_start, va->va_end,
					rb ? node_to_va(rb)->va_start : 0,
					rb ? node_to_va(rb)->va_end : 0);
				tree_ok = false;
			} else {
				rb = rb_next(rb);
			}
		}
		if (&va->rb_node == free_vmap_cache)
			*cache_seen = true;
		if (va->state == VA_LAZY || va->state == VA_PURGING)
			(*nr_lazy)++;
		else if (va->state != VA_BUSY)
			bad += violation(
				"area %#lx-%#lx has state %d, neither busy nor lazy",
				va->va_start, va->va_end, va->state);
		if (va->va_start >= va->va_end)
			bad += violation("area %#lx-%#lx is empty",
					 va->va_start, va->va_end);
		if (!PAGE_ALIGNED(va->va_start) || !PAGE_ALIGNED(va->va_end))
			bad += violation("area %#lx-%#lx is not page-aligned",
					 va->va_start, va->va_end);
		if (va->va_start < vmap_start || va->va_end > vmap_end)
			bad += violation(
				"area %#lx-%#lx is outside the window %#lx-%#lx",
				va->va_start, va->va_end, vmap_start, vmap_end);
		if (prev && va->va_start < prev->va_end)
			bad += violation(
				"area %#lx-%#lx follows %#lx-%#lx: out of order or overlapping",
				va->va_start, va->va_end, prev->va_start,
				prev->va_end);
		prev = va;
	}
	if (tree_ok && rb)
		bad += violation("the tree holds %#lx-%#lx past the list's end",
				 node_to_va(rb)->va_start,
				 node_to_va(rb)->va_end);
	if (nr != nr_vmap_areas)
		bad += violation("%lu areas on the list, %lu counted", nr,
				 nr_vmap_areas);
	return bad;
}

/* Every member of the lazy set is lazy, in the tree, and counted. */
static int check_lazy_set(bool tree_ok, unsigned long nr_lazy)
{
	unsigned long nr = 0;
	struct list_head *pos;
	struct vmap_area *va;
	int bad = 0;

	for (pos = vmap_lazy_list.next; pos != &vmap_lazy_list;
	     pos = pos->next) {
		if (pos->next->prev != pos || pos->prev->next != pos)
			return bad +
			       violation("broken links in the lazy set at %p",
					 (void *)pos);
		if (++nr > nr_lazy_areas)
			return bad +
			       violation(
				       "more areas in the lazy set than the %lu counted",
				       nr_lazy_areas);
		va = list_entry(pos, struct vmap_area, purge);
		if (va->state != VA_LAZY)
			bad += violation(
				"area %#lx-%#lx is in the lazy set with state %d",
				va->va_start, va->va_end, va->state);
		if (tree_ok && area_at(va->va_start) != va)
			bad += violation(
				"lazy area %#lx-%#lx is not in the tree",
				va->va_start, va->va_end);
	}
	if (nr != nr_lazy_areas)
		bad += violation("%lu areas in the lazy set, %lu counted", nr,
				 nr_lazy_areas);
	if (nr > nr_lazy)
		bad += violation(
			"%lu areas in the lazy set, only %lu lazy ones in the tree",
			nr, nr_lazy);
	return bad;
}

static int rbtree_check(void)
{
	unsigned long nr_tree = 0, nr_lazy = 0;
	bool cache_seen = false, tree_ok;
	int bad;

	spin_lock(&vmap_area_lock);
	bad = rb_check(&vmap_area_root, va_start_cmp, NULL, report_tree, NULL,
		       &nr_tree);
	tree_ok = !bad;
	if (tree_ok && nr_tree != nr_vmap_areas)
		bad += violation("%lu areas in the tree, %lu counted", nr_tree,
				 nr_vmap_areas);
	bad += check_areas(tree_ok, &cache_seen, &nr_lazy);
	bad += check_lazy_set(tree_ok, nr_lazy);
	if (free_vmap_cache && !cache_seen)
		bad += violation(
			"free_vmap_cache %p is not an area of the tree",
			(void *)free_vmap_cache);
	if (cached_align & (cached_align - 1))
		bad += violation("cached_align %#lx is not a power of two",
				 cached_align);
	spin_unlock(&vmap_area_lock);
	return bad;
}

/*
 * kva=rbtree: the 2.6.28..5.1 design. Busy and lazy areas in one tree and
 * list, searched from the last allocation; lazy frees until a purge.
 */
const struct kva_strategy kva_rbtree_strategy = {
	.name = "rbtree",
	.lazy = true,
	.init = rbtree_init,
	.exit = rbtree_exit,
	.alloc = rbtree_alloc,
	.find = rbtree_find,
	.free_lazy = rbtree_free_lazy,
	.collect_lazy = rbtree_collect_lazy,
	.revive = rbtree_revive,
	.for_each_lazy = rbtree_for_each_lazy,
	.absorb = rbtree_absorb,
	.release = rbtree_release,
	.decay = rbtree_decay,
	.for_each = rbtree_for_each,
	.check = rbtree_check,
};
