/* SPDX-License-Identifier: MIT */
/*
 * Tests of the red-black tree (src/lib/rbtree.c):
 *
 *  - 100k random inserts and erases of keyed nodes against a sorted array:
 *    lookups on every step; in-order and reverse walks, rb_first/rb_last
 *    and rb_check() every 1000 steps;
 *  - an augmented tree of free blocks (start, size) with subtree_max_size:
 *    after every insert, erase or in-place resize the maxima are checked,
 *    and the lowest-address fit found by descending on subtree_max_size
 *    matches a linear scan for random sizes;
 *  - rb_replace_node(), post-order walks, height bounds, empty trees;
 *  - rb_check() catches each kind of corruption (red root, red-red, black
 *    height, parent links, cycles, order, wrong maxima);
 *  - propagation stops as soon as a maximum does not change.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/rbtree.h"
#include "test_util.h"

/* ------------------------------------------------------------- helpers */

/* rb_check() reports, collected for inspection. */
struct reports {
	int n;
	size_t len;
	char text[8192];
};

static void collect(const char *msg, void *arg)
{
	struct reports *rep = arg;
	int w;

	rep->n++;
	if (rep->len >= sizeof(rep->text))
		return;
	w = snprintf(rep->text + rep->len, sizeof(rep->text) - rep->len, "%s\n",
		     msg);
	if (w > 0)
		rep->len += (size_t)w;
	if (rep->len > sizeof(rep->text))
		rep->len = sizeof(rep->text);
}

static void reports_reset(struct reports *rep)
{
	rep->n = 0;
	rep->len = 0;
	rep->text[0] = '\0';
}

/* Longest root-to-node path, in nodes. */
static int tree_height(const struct rb_node *node)
{
	int l, r;

	if (!node)
		return 0;
	l = tree_height(node->rb_left);
	r = tree_height(node->rb_right);
	return 1 + (l > r ? l : r);
}

static int node_depth(const struct rb_node *node)
{
	int d = 0;

	for (; node; node = rb_parent(node))
		d++;
	return d;
}

/* --------------------------------------------------------- keyed nodes */

struct knode {
	struct rb_node rb;
	long key;
};

static long kkey(const struct rb_node *rb)
{
	return rb_entry(rb, const struct knode, rb)->key;
}

static int knode_cmp(const struct rb_node *a, const struct rb_node *b)
{
	long ka = kkey(a), kb = kkey(b);

	return (ka > kb) - (ka < kb);
}

static struct knode *ktree_find(const struct rb_root *root, long key)
{
	struct rb_node *node = root->rb_node;

	while (node) {
		long k = kkey(node);

		if (key < k)
			node = node->rb_left;
		else if (key > k)
			node = node->rb_right;
		else
			return rb_entry(node, struct knode, rb);
	}
	return NULL;
}

/* Returns false, changing nothing, if the key is already there. */
static bool ktree_insert(struct rb_root *root, struct knode *kn)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		long k = kkey(*link);

		parent = *link;
		if (kn->key < k)
			link = &parent->rb_left;
		else if (kn->key > k)
			link = &parent->rb_right;
		else
			return false;
	}
	rb_link_node(&kn->rb, parent, link);
	rb_insert_color(&kn->rb, root);
	return true;
}

/* The brute-force twin: the same keys in a sorted array. */
struct twin {
	long *keys;
	size_t n;
};

/* Index of the first key >= @key. */
static size_t twin_lower(const struct twin *t, long key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool twin_has(const struct twin *t, long key)
{
	size_t i = twin_lower(t, key);

	return i < t->n && t->keys[i] == key;
}

static void twin_insert(struct twin *t, long key)
{
	size_t i = twin_lower(t, key);

	memmove(&t->keys[i + 1], &t->keys[i], (t->n - i) * sizeof(long));
	t->keys[i] = key;
	t->n++;
}

static void twin_erase(struct twin *t, long key)
{
	size_t i = twin_lower(t, key);

	memmove(&t->keys[i], &t->keys[i + 1], (t->n - i - 1) * sizeof(long));
	t->n--;
}

/* Everything about @root that can be compared with @t. */
static void ktree_verify(const struct rb_root *root, const struct twin *t)
{
	struct reports rep;
	unsigned long count = 0;
	struct rb_node *rb;
	size_t i;
	int errors;

	reports_reset(&rep);
	errors = rb_check(root, knode_cmp, NULL, collect, &rep, &count);
	cr_assert_eq(errors, 0, "rb_check: %d violations:\n%s", errors,
		     rep.text);
	cr_assert_eq(count, t->n, "rb_check counted %lu nodes, twin has %zu",
		     count, t->n);

	i = 0;
	for (rb = rb_first(root); rb; rb = rb_next(rb), i++) {
		cr_assert_lt(i, t->n, "in-order walk longer than the twin");
		cr_assert_eq(kkey(rb), t->keys[i],
			     "in-order position %zu: tree %ld, twin %ld", i,
			     kkey(rb), t->keys[i]);
	}
	cr_assert_eq(i, t->n, "in-order walk: %zu nodes, twin %zu", i, t->n);

	i = t->n;
	for (rb = rb_last(root); rb; rb = rb_prev(rb)) {
		cr_assert_gt(i, 0, "reverse walk longer than the twin");
		i--;
		cr_assert_eq(kkey(rb), t->keys[i],
			     "reverse position %zu: tree %ld, twin %ld", i,
			     kkey(rb), t->keys[i]);
	}
	cr_assert_eq(i, 0, "reverse walk stopped %zu short", i);

	if (t->n) {
		cr_assert_eq(kkey(rb_first(root)), t->keys[0]);
		cr_assert_eq(kkey(rb_last(root)), t->keys[t->n - 1]);
		cr_assert(rb_is_black(root->rb_node));
		cr_assert_null(rb_parent(root->rb_node));
	} else {
		cr_assert(RB_EMPTY_ROOT(root));
		cr_assert_null(rb_first(root));
		cr_assert_null(rb_last(root));
	}
}

#define KEYS 5000
#define KEY_OPS 100000

Test(rbtree, random_against_sorted_array)
{
	struct knode *nodes = calloc(KEYS, sizeof(*nodes));
	struct twin t = { .keys = calloc(KEYS, sizeof(long)) };
	struct rb_root root = RB_ROOT;
	unsigned long peak = 0;
	long op;
	int i;

	cr_assert(nodes && t.keys);
	rng_seed(0x5eed0001);
	for (i = 0; i < KEYS; i++) {
		/* Spread out and negative too: order by value, not index. */
		nodes[i].key = (long)i * 37 - 90000;
		RB_CLEAR_NODE(&nodes[i].rb);
	}

	for (op = 0; op < KEY_OPS; op++) {
		/* Phases that grow the tree towards KEYS, then drain it. */
		static const unsigned int insert_pct[] = { 80, 50, 65, 20, 50 };
		unsigned int pct = insert_pct[(op / 20000) % 5];
		long probe = (long)rng_below(KEYS) * 37 - 90000 +
			     (long)rng_below(3) - 1;
		struct knode *kn;

		if (rng_below(100) < pct || t.n == 0) {
			kn = &nodes[rng_below(KEYS)];
			if (RB_EMPTY_NODE(&kn->rb)) {
				cr_assert(ktree_insert(&root, kn));
				twin_insert(&t, kn->key);
			} else {
				/* Present: a second insert is refused. */
				struct knode dup = { .key = kn->key };

				cr_assert_not(ktree_insert(&root, &dup));
			}
		} else {
			long key = t.keys[rng_below(t.n)];

			kn = ktree_find(&root, key);
			cr_assert_not_null(kn, "key %ld missing", key);
			cr_assert_eq(kn->key, key);
			rb_erase(&kn->rb, &root);
			RB_CLEAR_NODE(&kn->rb);
			twin_erase(&t, key);
		}
		if (t.n > peak)
			peak = t.n;

		/* A lookup on every step, hits and misses alike. */
		kn = ktree_find(&root, probe);
		cr_assert_eq(kn != NULL, twin_has(&t, probe),
			     "op %ld: lookup of %ld disagrees", op, probe);

		if (op % 1000 == 999)
			ktree_verify(&root, &t);
	}
	cr_assert_gt(peak, KEYS / 2, "the tree never grew (peak %lu)", peak);

	/* Drain from the smallest up, checking on the way. */
	while (t.n) {
		struct rb_node *first = rb_first(&root);

		cr_assert_eq(kkey(first), t.keys[0]);
		rb_erase(first, &root);
		twin_erase(&t, t.keys[0]);
		if (t.n % 500 == 0)
			ktree_verify(&root, &t);
	}
	ktree_verify(&root, &t);
	free(t.keys);
	free(nodes);
}

Test(rbtree, empty_and_single)
{
	struct rb_root root = RB_ROOT;
	struct knode a = { .key = 7 };
	unsigned long count = 1;

	cr_assert(RB_EMPTY_ROOT(&root));
	cr_assert_null(rb_first(&root));
	cr_assert_null(rb_last(&root));
	cr_assert_null(rb_first_postorder(&root));
	cr_assert_null(rb_next_postorder(NULL));
	cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL, &count), 0);
	cr_assert_eq(count, 0);

	RB_CLEAR_NODE(&a.rb);
	cr_assert(RB_EMPTY_NODE(&a.rb));
	cr_assert_null(rb_next(&a.rb));
	cr_assert_null(rb_prev(&a.rb));

	cr_assert(ktree_insert(&root, &a));
	cr_assert_not(RB_EMPTY_ROOT(&root));
	cr_assert_not(RB_EMPTY_NODE(&a.rb));
	cr_assert(rb_is_black(&a.rb));
	cr_assert_eq(rb_first(&root), &a.rb);
	cr_assert_eq(rb_last(&root), &a.rb);
	cr_assert_null(rb_next(&a.rb));
	cr_assert_null(rb_prev(&a.rb));
	cr_assert_eq(rb_first_postorder(&root), &a.rb);
	cr_assert_null(rb_next_postorder(&a.rb));
	cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL, &count), 0);
	cr_assert_eq(count, 1);

	rb_erase(&a.rb, &root);
	cr_assert(RB_EMPTY_ROOT(&root));
	cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL, &count), 0);
	cr_assert_eq(count, 0);
}

#define HEIGHT_N (1 << 16)

/* Height stays within 2 * log2(n + 1) for sorted and reversed input. */
Test(rbtree, height_bound)
{
	struct knode *nodes = calloc(HEIGHT_N, sizeof(*nodes));
	struct rb_root root = RB_ROOT;
	unsigned long count;
	int pass, i, bound;

	cr_assert_not_null(nodes);
	for (pass = 0; pass < 2; pass++) {
		root = RB_ROOT;
		for (i = 0; i < HEIGHT_N; i++) {
			nodes[i].key = pass ? HEIGHT_N - i : i;
			cr_assert(ktree_insert(&root, &nodes[i]));
		}
		/* 2 * log2(n + 1) rounded up: 2 * 17 = 34 for 65536 nodes. */
		bound = 2 * (ilog2(HEIGHT_N) + 1);
		cr_assert_leq(tree_height(root.rb_node), bound,
			      "height %d over %d", tree_height(root.rb_node),
			      bound);
		cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL,
				      &count),
			     0);
		cr_assert_eq(count, HEIGHT_N);

		/* Erase every other key, then check again. */
		for (i = 0; i < HEIGHT_N; i += 2)
			rb_erase(&nodes[i].rb, &root);
		cr_assert_leq(tree_height(root.rb_node), bound);
		cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL,
				      &count),
			     0);
		cr_assert_eq(count, HEIGHT_N / 2);
	}
	free(nodes);
}
#define REPLACE_N 64

Test(rbtree, replace_node)
{
	struct knode nodes[REPLACE_N], spare[REPLACE_N];
	struct rb_root root = RB_ROOT;
	unsigned long count;
	int i, order[REPLACE_N];

	rng_seed(0x5eed0002);
	for (i = 0; i < REPLACE_N; i++)
		order[i] = i;
	for (i = REPLACE_N - 1; i > 0; i--) {
		int j = (int)rng_below((unsigned long)i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < REPLACE_N; i++) {
		nodes[order[i]].key = order[i] * 10;
		cr_assert(ktree_insert(&root, &nodes[order[i]]));
	}

	/* Replace every node, the root and the leaves included. */
	for (i = 0; i < REPLACE_N; i++) {
		struct knode *old = &nodes[order[i]], *new = &spare[order[i]];
		bool was_root = root.rb_node == &old->rb;
		unsigned long color = rb_color(&old->rb);
		struct rb_node *rb;
		long expect = 0;

		new->key = old->key;
		rb_replace_node(&old->rb, &new->rb, &root);
		RB_CLEAR_NODE(&old->rb);

		cr_assert_eq(ktree_find(&root, new->key), new);
		cr_assert_eq(rb_color(&new->rb), color);
		if (was_root)
			cr_assert_eq(root.rb_node, &new->rb);
		cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL,
				      &count),
			     0);
		cr_assert_eq(count, REPLACE_N);
		for (rb = rb_first(&root); rb; rb = rb_next(rb)) {
			cr_assert_eq(kkey(rb), expect);
			expect += 10;
		}
		cr_assert_eq(expect, REPLACE_N * 10);
	}
	/* Nothing of the old nodes is left in the tree. */
	for (i = 0; i < REPLACE_N; i++)
		cr_assert_eq(ktree_find(&root, i * 10), &spare[i]);
}
#define POST_FREE_N 3000

Test(rbtree, postorder_frees_safely)
{
	struct pnode {
		struct rb_node rb;
		long key;
		int *seen;
	};
	struct rb_root root = RB_ROOT;
	struct pnode *pos, *n;
	int *seen = calloc(POST_FREE_N, sizeof(int));
	int visited = 0, i;

	cr_assert_not_null(seen);
	rng_seed(0x5eed0003);
	for (i = 0; i < POST_FREE_N; i++) {
		struct pnode *p = malloc(sizeof(*p));
		struct rb_node **link = &root.rb_node, *parent = NULL;

		cr_assert_not_null(p);
		p->key = (long)(rng_next() >> 1);
		p->seen = &seen[i];
		while (*link) {
			parent = *link;
			if (p->key < rb_entry(parent, struct pnode, rb)->key)
				link = &parent->rb_left;
			else
				link = &parent->rb_right; /* duplicates right */
		}
		rb_link_node(&p->rb, parent, link);
		rb_insert_color(&p->rb, &root);
	}

	/* Each node once, freed as we go (ASan sees any use after free). */
	rbtree_postorder_for_each_entry_safe(pos, n, &root, rb) {
		cr_assert_eq(*pos->seen, 0, "visited twice");
		*pos->seen = 1;
		visited++;
		free(pos);
	}
	cr_assert_eq(visited, POST_FREE_N);
	for (i = 0; i < POST_FREE_N; i++)
		cr_assert_eq(seen[i], 1);
	free(seen);
}

#define POST_N 1000

/* Post order without freeing: every child is seen before its parent. */
Test(rbtree, postorder_order)
{
	struct knode nodes[POST_N];
	bool done[POST_N];
	struct rb_root root = RB_ROOT;
	struct rb_node *rb;
	int i, visited = 0;

	rng_seed(0x5eed0004);
	for (i = 0; i < POST_N; i++) {
		nodes[i].key = (long)(rng_next() >> 1);
		done[i] = false;
		cr_assert(ktree_insert(&root, &nodes[i]));
	}
#define KINDEX(p) (rb_entry(p, struct knode, rb) - nodes)
	for (rb = rb_first_postorder(&root); rb; rb = rb_next_postorder(rb)) {
		struct knode *kn = rb_entry(rb, struct knode, rb);
		int idx = (int)(kn - nodes);

		cr_assert_not(done[idx]);
		if (rb->rb_left)
			cr_assert(done[KINDEX(rb->rb_left)]);
		if (rb->rb_right)
			cr_assert(done[KINDEX(rb->rb_right)]);
		done[idx] = true;
		visited++;
	}
	cr_assert_eq(visited, POST_N);
#undef KINDEX
}

/* ----------------------------------------------- augmented: free blocks */

struct fblock {
	struct rb_node rb;
	unsigned long start;
	unsigned long size;
	unsigned long subtree_max_size; /* largest size in the subtree */
};

/* Calls of the compute function: one per node a callback recomputes. */
static unsigned long compute_calls;

static inline unsigned long fb_size(const struct fblock *b)
{
	compute_calls++;
	return b->size;
}

RB_DECLARE_CALLBACKS_MAX(static, fb_augment, struct fblock, rb, unsigned long,
			 subtree_max_size, fb_size);

static unsigned long fb_max_of(const struct rb_node *rb)
{
	return rb ? rb_entry(rb, const struct fblock, rb)->subtree_max_size : 0;
}

static int fb_cmp(const struct rb_node *a, const struct rb_node *b)
{
	unsigned long sa = rb_entry(a, const struct fblock, rb)->start;
	unsigned long sb = rb_entry(b, const struct fblock, rb)->start;

	return (sa > sb) - (sa < sb);
}

/* Non-zero when @rb's maximum is not max(size, children's maxima). */
static int fb_aug_check(const struct rb_node *rb)
{
	const struct fblock *b = rb_entry(rb, const struct fblock, rb);
	unsigned long m = b->size;

	if (fb_max_of(rb->rb_left) > m)
		m = fb_max_of(rb->rb_left);
	if (fb_max_of(rb->rb_right) > m)
		m = fb_max_of(rb->rb_right);
	return m != b->subtree_max_size;
}

/*
 * Insert @b by start address. With @raise_on_descent the maxima on the way
 * down are raised first (the interval-tree habit); without, the tree's
 * own propagation has to do it.
 */
static void fb_insert(struct rb_root *root, struct fblock *b,
		      bool raise_on_descent)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct fblock *p = rb_entry(*link, struct fblock, rb);

		parent = *link;
		if (raise_on_descent && p->subtree_max_size < b->size)
			p->subtree_max_size = b->size;
		link = b->start < p->start ? &parent->rb_left :
					     &parent->rb_right;
	}
	rb_link_node(&b->rb, parent, link);
	if (raise_on_descent)
		b->subtree_max_size = b->size;
	else
		fb_augment_compute_max(b, false);
	rb_insert_augmented(&b->rb, root, &fb_augment);
}

/*
 * The lowest-address block of at least @want bytes, found as the area
 * allocator will: go left while the left subtree can hold the request,
 * else take this block if it fits, else go right if that subtree can.
 */
static struct fblock *fb_lowest_fit(const struct rb_root *root,
				    unsigned long want)
{
	struct rb_node *node = root->rb_node;

	if (fb_max_of(node) < want)
		return NULL;
	while (node) {
		struct fblock *b = rb_entry(node, struct fblock, rb);

		if (fb_max_of(node->rb_left) >= want)
			node = node->rb_left;
		else if (b->size >= want)
			return b;
		else if (fb_max_of(node->rb_right) >= want)
			node = node->rb_right;
		else
			return NULL; /* cannot happen in a sound tree */
	}
	return NULL;
}

#define SLOTS 2048
#define SLOT_BYTES 4096UL

struct fpool {
	struct fblock blocks[SLOTS];
	bool used[SLOTS];
	int n;
};

/* The lowest-address fit by brute force over the slots (address order). */
static struct fblock *fpool_lowest_fit(struct fpool *pool, unsigned long want)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (pool->used[i] && pool->blocks[i].size >= want)
			return &pool->blocks[i];
	return NULL;
}

static void fb_verify(const struct rb_root *root, const struct fpool *pool)
{
	struct reports rep;
	unsigned long count = 0, biggest = 0;
	int errors, i;

	reports_reset(&rep);
	errors = rb_check(root, fb_cmp, fb_aug_check, collect, &rep, &count);
	cr_assert_eq(errors, 0, "rb_check: %d violations:\n%s", errors,
		     rep.text);
	cr_assert_eq(count, (unsigned long)pool->n);
	for (i = 0; i < SLOTS; i++)
		if (pool->used[i] && pool->blocks[i].size > biggest)
			biggest = pool->blocks[i].size;
	cr_assert_eq(fb_max_of(root->rb_node), biggest);
}

static unsigned long random_size(void)
{
	/* Mostly small, sometimes a whole slot, to vary the maxima. */
	if (rng_below(8) == 0)
		return SLOT_BYTES - rng_below(16);
	return 1 + rng_below(SLOT_BYTES / 4);
}

#define FB_OPS 30000

Test(rbtree, augmented_free_blocks)
{
	struct fpool *pool = calloc(1, sizeof(*pool));
	struct rb_root root = RB_ROOT;
	unsigned long calls = 0, structural = 0;
	long op;
	int i, q;

	cr_assert_not_null(pool);
	rng_seed(0x5eed0005);
	for (i = 0; i < SLOTS; i++)
		pool->blocks[i].start = (unsigned long)i * SLOT_BYTES;

	for (op = 0; op < FB_OPS; op++) {
		static const unsigned int insert_pct[] = { 70, 45, 30, 55 };
		unsigned int pct = insert_pct[(op / 5000) % 4];
		unsigned long r = rng_below(100);
		struct fblock *b;
		int s;

		if (pool->n == 0 || r < pct) {
			do
				s = (int)rng_below(SLOTS);
			while (pool->used[s] && pool->n < SLOTS);
			if (pool->used[s])
				continue;
			b = &pool->blocks[s];
			b->size = random_size();
			compute_calls = 0;
			fb_insert(&root, b, rng_below(2));
			calls += compute_calls;
			structural++;
			pool->used[s] = true;
			pool->n++;
		} else {
			do
				s = (int)rng_below(SLOTS);
			while (!pool->used[s]);
			b = &pool->blocks[s];
			if (r < pct + (100 - pct) / 2) {
				compute_calls = 0;
				rb_erase_augmented(&b->rb, &root, &fb_augment);
				calls += compute_calls;
				structural++;
				pool->used[s] = false;
				pool->n--;
			} else {
				/* Resize in place, as a split or merge does. */
				b->size = random_size();
				fb_augment.propagate(&b->rb, NULL);
			}
		}

		fb_verify(&root, pool);
		for (q = 0; q < 3; q++) {
			unsigned long want = 1 + rng_below(SLOT_BYTES + 8);
			struct fblock *got = fb_lowest_fit(&root, want);
			struct fblock *expect = fpool_lowest_fit(pool, want);

			cr_assert_eq(got, expect,
				     "op %ld: fit for %lu: tree %lx, scan %lx",
				     op, want, got ? got->start : ~0UL,
				     expect ? expect->start : ~0UL);
		}
	}

	/* Each insert or erase recomputes O(log n) nodes, not O(n). */
	cr_assert_lt(calls / structural, 40, "%lu recomputations per update",
		     calls / structural);

	/* Empty it through the augmented erase, checking as it shrinks. */
	for (i = 0; i < SLOTS; i++) {
		if (!pool->used[i])
			continue;
		rb_erase_augmented(&pool->blocks[i].rb, &root, &fb_augment);
		pool->used[i] = false;
		pool->n--;
		if (pool->n % 64 == 0)
			fb_verify(&root, pool);
	}
	cr_assert(RB_EMPTY_ROOT(&root));
	free(pool);
}
#define AUG_REPLACE_N 200

Test(rbtree, augmented_replace_node)
{
	struct fblock *blocks = calloc(2 * AUG_REPLACE_N, sizeof(*blocks));
	struct rb_root root = RB_ROOT;
	unsigned long count;
	int i;

	cr_assert_not_null(blocks);
	rng_seed(0x5eed0006);
	for (i = 0; i < AUG_REPLACE_N; i++) {
		blocks[i].start = (unsigned long)i * SLOT_BYTES;
		blocks[i].size = random_size();
		fb_insert(&root, &blocks[i], false);
	}
	for (i = 0; i < AUG_REPLACE_N; i++) {
		struct fblock *old = &blocks[i],
			      *new = &blocks[AUG_REPLACE_N + i];

		new->start = old->start;
		new->size = old->size;
		rb_replace_node(&old->rb, &new->rb, &root);
		fb_augment.copy(&old->rb, &new->rb);
		cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL,
				      &count),
			     0);
		cr_assert_eq(count, AUG_REPLACE_N);
	}
	free(blocks);
}

#define EARLY_N 1023

/* ------------------------------------------------ propagation stops early */
Test(rbtree, propagate_stops_early)
{
	struct fblock *blocks = calloc(EARLY_N, sizeof(*blocks));
	struct rb_root root = RB_ROOT;
	struct fblock *leaf = NULL, *parent;
	unsigned long biggest = 0, calls;
	int i;

	cr_assert_not_null(blocks);
	rng_seed(0x5eed0007);
	for (i = 0; i < EARLY_N; i++) {
		blocks[i].start = (unsigned long)i * SLOT_BYTES;
		blocks[i].size = 2 + rng_below(1000);
		if (blocks[i].size > biggest)
			biggest = blocks[i].size;
		fb_insert(&root, &blocks[i], false);
	}
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);

	/* A leaf whose parent's maximum is held by something else. */
	for (i = 0; i < EARLY_N && !leaf; i++) {
		struct rb_node *rb = &blocks[i].rb;

		if (rb->rb_left || rb->rb_right || !rb_parent(rb))
			continue;
		parent = rb_entry(rb_parent(rb), struct fblock, rb);
		if (parent->subtree_max_size > blocks[i].size + 1 &&
		    node_depth(rb) >= 5)
			leaf = &blocks[i];
	}
	cr_assert_not_null(leaf, "no suitable leaf");

	/* Same value: the leaf itself, and nothing more. */
	compute_calls = 0;
	fb_augment.propagate(&leaf->rb, NULL);
	cr_assert_eq(compute_calls, 1, "propagate visited %lu nodes",
		     compute_calls);

	/* The leaf changes, its parent's maximum does not: two nodes. */
	leaf->size++;
	compute_calls = 0;
	fb_augment.propagate(&leaf->rb, NULL);
	cr_assert_eq(compute_calls, 2, "propagate visited %lu nodes",
		     compute_calls);
	cr_assert_eq(leaf->subtree_max_size, leaf->size);
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);

	leaf->size -= 2;
	compute_calls = 0;
	fb_augment.propagate(&leaf->rb, NULL);
	cr_assert_eq(compute_calls, 2, "propagate visited %lu nodes",
		     compute_calls);
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);

	/* A new global maximum has to climb all the way: depth nodes. */
	leaf->size = biggest + 1;
	compute_calls = 0;
	fb_augment.propagate(&leaf->rb, NULL);
	cr_assert_eq(compute_calls, (unsigned long)node_depth(&leaf->rb),
		     "propagate visited %lu nodes, depth %d", compute_calls,
		     node_depth(&leaf->rb));
	cr_assert_eq(fb_max_of(root.rb_node), biggest + 1);
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);

	/* Inserting a small block under a big parent recomputes little. */
	calls = 0;
	for (i = 0; i < EARLY_N; i++) {
		struct fblock *b = &blocks[i];

		rb_erase_augmented(&b->rb, &root, &fb_augment);
		b->size = 1;
		compute_calls = 0;
		fb_insert(&root, b, false);
		calls += compute_calls;
	}
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);
	cr_assert_lt(calls / EARLY_N, 12, "%lu recomputations per small insert",
		     calls / EARLY_N);
	free(blocks);
}

/* ------------------------------------------ rb_check is not vacuous */

/* The @nth node in order. */
static struct rb_node *nth(const struct rb_root *root, int nth)
{
	struct rb_node *rb = rb_first(root);

	while (rb && nth--)
		rb = rb_next(rb);
	return rb;
}

static void expect_caught(const struct rb_root *root, bool aug,
			  const char *kind, const char *not_kind)
{
	struct reports rep;
	int errors;

	reports_reset(&rep);
	if (aug)
		errors = rb_check(root, fb_cmp, fb_aug_check, collect, &rep,
				  NULL);
	else
		errors = rb_check(root, knode_cmp, NULL, collect, &rep, NULL);
	cr_assert_gt(errors, 0, "no violation found, expected %s", kind);
	cr_assert_eq(errors, rep.n);
	cr_assert_not_null(strstr(rep.text, kind), "expected %s, got:\n%s",
			   kind, rep.text);
	if (not_kind)
		cr_assert_null(strstr(rep.text, not_kind),
			       "did not expect %s, got:\n%s", not_kind,
			       rep.text);
}
#define CORRUPT_N 300

Test(rbtree, check_catches_corruption)
{
	struct knode nodes[CORRUPT_N];
	struct rb_root root = RB_ROOT;
	struct rb_node *rb, *victim;
	unsigned long saved, count;
	long key;
	int i;

	rng_seed(0x5eed0008);
	for (i = 0; i < CORRUPT_N; i++) {
		do
			nodes[i].key = (long)rng_below(100000);
		while (!ktree_insert(&root, &nodes[i]));
	}
	cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL, &count), 0);
	cr_assert_eq(count, CORRUPT_N);

	/* A red root. */
	root.rb_node->__parent_color &= ~RB_BLACK;
	expect_caught(&root, false, "root:", "order:");
	root.rb_node->__parent_color |= RB_BLACK;

	/* A red node's black child turned red: red-red. */
	victim = NULL;
	for (rb = rb_first(&root); rb && !victim; rb = rb_next(rb))
		if (rb_is_red(rb) && rb->rb_left)
			victim = rb->rb_left;
	cr_assert_not_null(victim, "no red node with children");
	victim->__parent_color &= ~RB_BLACK;
	expect_caught(&root, false, "red-red:", "order:");
	victim->__parent_color |= RB_BLACK;

	/* A red leaf turned black: one path gets longer, nothing else. */
	victim = NULL;
	for (rb = rb_first(&root); rb && !victim; rb = rb_next(rb))
		if (rb_is_red(rb) && !rb->rb_left && !rb->rb_right)
			victim = rb;
	cr_assert_not_null(victim, "no red leaf");
	victim->__parent_color |= RB_BLACK;
	expect_caught(&root, false, "black-height:", "red-red:");
	victim->__parent_color &= ~RB_BLACK;

	/* Two neighbours' keys swapped: order, nothing else. */
	rb = nth(&root, CORRUPT_N / 2);
	victim = rb_next(rb);
	key = kkey(rb);
	rb_entry(rb, struct knode, rb)->key = kkey(victim);
	rb_entry(victim, struct knode, rb)->key = key;
	expect_caught(&root, false, "order:", "black-height:");
	rb_entry(victim, struct knode, rb)->key = kkey(rb);
	rb_entry(rb, struct knode, rb)->key = key;

	/* A wrong parent pointer. */
	victim = nth(&root, CORRUPT_N / 3);
	if (victim == root.rb_node)
		victim = nth(&root, CORRUPT_N / 3 + 1);
	saved = victim->__parent_color;
	victim->__parent_color = (unsigned long)victim | rb_color(victim);
	expect_caught(&root, false, "parent:", NULL);
	victim->__parent_color = saved;

	/* A cycle: a leaf pointing back at the root. The walk must end. */
	victim = NULL;
	for (rb = rb_last(&root); rb && !victim; rb = rb_prev(rb))
		if (!rb->rb_left && !rb->rb_right)
			victim = rb;
	cr_assert_not_null(victim, "no leaf");
	victim->rb_right = root.rb_node;
	expect_caught(&root, false, "parent:", NULL);
	victim->rb_right = NULL;

	/* And a parent for the root. */
	victim = root.rb_node == &nodes[0].rb ? &nodes[1].rb : &nodes[0].rb;
	root.rb_node->__parent_color = (unsigned long)victim | RB_BLACK;
	expect_caught(&root, false, "root:", NULL);
	root.rb_node->__parent_color = RB_BLACK;

	/* Everything restored: clean again. */
	cr_assert_eq(rb_check(&root, knode_cmp, NULL, NULL, NULL, &count), 0);
	cr_assert_eq(count, CORRUPT_N);
}

Test(rbtree, check_catches_wrong_max)
{
	struct fblock *blocks = calloc(CORRUPT_N, sizeof(*blocks));
	struct rb_root root = RB_ROOT;
	struct rb_node *rb;
	struct fblock *b;
	int i;

	cr_assert_not_null(blocks);
	rng_seed(0x5eed0009);
	for (i = 0; i < CORRUPT_N; i++) {
		blocks[i].start = (unsigned long)i * SLOT_BYTES;
		blocks[i].size = random_size();
		fb_insert(&root, &blocks[i], false);
	}
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);

	/* Too big at the root. */
	b = rb_entry(root.rb_node, struct fblock, rb);
	b->subtree_max_size++;
	expect_caught(&root, true, "augment:", "order:");
	b->subtree_max_size--;

	/* Too small at a leaf: the leaf and its parent disagree. */
	rb = nth(&root, 0);
	cr_assert_null(rb->rb_left);
	b = rb_entry(rb, struct fblock, rb);
	b->subtree_max_size--;
	expect_caught(&root, true, "augment:", "black-height:");
	b->subtree_max_size++;

	/* A size changed without propagating. */
	b = rb_entry(nth(&root, CORRUPT_N / 2), struct fblock, rb);
	b->size = fb_max_of(root.rb_node) + 1;
	expect_caught(&root, true, "augment:", NULL);
	fb_augment.propagate(&b->rb, NULL);
	cr_assert_eq(rb_check(&root, fb_cmp, fb_aug_check, NULL, NULL, NULL),
		     0);
	free(blocks);
}

/* ------------------------------------------ rb_add(), rb_find() and kin */

/*
 * A multiset of keys drawn from a small range, so that equal keys are
 * common. Each node remembers when it was added: rb_add() must keep equal
 * nodes in that order, and the twin (an array sorted by key, then by the
 * order of adding) says what every query must return.
 */
struct mnode {
	struct rb_node rb;
	long key;
	long seq;
};

static struct mnode *mnode_of(const struct rb_node *rb)
{
	return rb_entry(rb, struct mnode, rb);
}

static bool mnode_less(struct rb_node *a, const struct rb_node *b)
{
	return mnode_of(a)->key < mnode_of(b)->key;
}

static int mnode_key_cmp(const void *key, const struct rb_node *node)
{
	long k = *(const long *)key, nk = mnode_of(node)->key;

	return (k > nk) - (k < nk);
}

static int mnode_cmp(struct rb_node *a, const struct rb_node *b)
{
	return mnode_key_cmp(&mnode_of(a)->key, b);
}

/*
 * rb_check() order: by key, then by the order of adding, which is the order
 * rb_add() promises for equal keys.
 */
static int mnode_check_cmp(const struct rb_node *a, const struct rb_node *b)
{
	int c = mnode_key_cmp(&mnode_of(a)->key, b);
	long sa = mnode_of(a)->seq, sb = mnode_of(b)->seq;

	return c ? c : (sa > sb) - (sa < sb);
}

#define MKEYS 64
#define MNODES 3000
#define M_OPS 60000

struct mtwin {
	struct mnode *at[MNODES]; /* sorted by key, then seq */
	int n;
};

static int mtwin_first(const struct mtwin *t, long key)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->at[i]->key == key)
			return i;
	return -1;
}

static void mtwin_add(struct mtwin *t, struct mnode *m)
{
	int i = t->n;

	/* After every node that sorts before it or equals it. */
	while (i > 0 && t->at[i - 1]->key > m->key)
		i--;
	memmove(&t->at[i + 1], &t->at[i], (size_t)(t->n - i) * sizeof(m));
	t->at[i] = m;
	t->n++;
}

static void mtwin_del(struct mtwin *t, struct mnode *m)
{
	int i;

	for (i = 0; t->at[i] != m; i++)
		;
	memmove(&t->at[i], &t->at[i + 1], (size_t)(t->n - i - 1) * sizeof(m));
	t->n--;
}

static void mtree_verify(const struct rb_root *root, const struct mtwin *t)
{
	struct reports rep;
	unsigned long count = 0;
	struct rb_node *rb;
	int errors, i = 0;

	reports_reset(&rep);
	errors = rb_check(root, mnode_check_cmp, NULL, collect, &rep, &count);
	cr_assert_eq(errors, 0, "rb_check: %d violations:\n%s", errors,
		     rep.text);
	cr_assert_eq(count, (unsigned long)t->n);
	for (rb = rb_first(root); rb; rb = rb_next(rb), i++)
		cr_assert_eq(
			mnode_of(rb), t->at[i],
			"in-order position %d: key %ld seq %ld, twin key %ld seq %ld",
			i, mnode_of(rb)->key, mnode_of(rb)->seq, t->at[i]->key,
			t->at[i]->seq);
	cr_assert_eq(i, t->n);
}

/* Every query on @key against the twin. */
static void mtree_query(const struct rb_root *root, const struct mtwin *t,
			long key)
{
	int first = mtwin_first(t, key), i = first;
	struct rb_node *hit = rb_find(&key, root, mnode_key_cmp);
	struct rb_node *lead = rb_find_first(&key, root, mnode_key_cmp);
	struct rb_node *rb;

	if (first < 0) {
		cr_assert_null(hit, "rb_find(%ld) found a key not there", key);
		cr_assert_null(lead, "rb_find_first(%ld) found a key not there",
			       key);
	} else {
		cr_assert_not_null(hit, "rb_find(%ld) missed", key);
		cr_assert_eq(mnode_of(hit)->key, key);
		cr_assert_eq(mnode_of(lead), t->at[first],
			     "rb_find_first(%ld): seq %ld, twin seq %ld", key,
			     lead ? mnode_of(lead)->seq : -1,
			     t->at[first]->seq);
	}
	rb_for_each(rb, &key, root, mnode_key_cmp) {
		cr_assert(i >= 0 && i < t->n && t->at[i]->key == key,
			  "rb_for_each(%ld) went past the twin's run", key);
		cr_assert_eq(mnode_of(rb), t->at[i]);
		i++;
	}
	if (first >= 0)
		cr_assert(i == t->n || t->at[i]->key != key,
			  "rb_for_each(%ld) stopped inside the run", key);
}

Test(rbtree, add_and_find_against_twin)
{
	struct mnode *nodes = calloc(MNODES, sizeof(*nodes));
	struct mtwin *t = calloc(1, sizeof(*t));
	struct rb_root root = RB_ROOT;
	long op, seq = 0, key;
	int dups = 0;

	cr_assert(nodes && t);
	rng_seed(0x5eed0011);
	for (op = 0; op < MNODES; op++)
		RB_CLEAR_NODE(&nodes[op].rb);

	for (op = 0; op < M_OPS; op++) {
		struct mnode *m = &nodes[rng_below(MNODES)];

		if (RB_EMPTY_NODE(&m->rb)) {
			m->key = (long)rng_below(MKEYS) - MKEYS / 2;
			m->seq = seq++;
			dups += mtwin_first(t, m->key) >= 0;
			rb_add(&m->rb, &root, mnode_less);
			mtwin_add(t, m);
		} else if (rng_below(3) == 0) {
			rb_erase(&m->rb, &root);
			RB_CLEAR_NODE(&m->rb);
			mtwin_del(t, m);
		}
		key = (long)rng_below(MKEYS + 4) - MKEYS / 2 - 2;
		mtree_query(&root, t, key);
		if (op % 2000 == 1999)
			mtree_verify(&root, t);
	}
	mtree_verify(&root, t);
	cr_assert_gt(dups, 1000, "too few equal keys to test (%d)", dups);
	for (key = -MKEYS / 2 - 2; key < MKEYS / 2 + 2; key++)
		mtree_query(&root, t, key);
	free(t);
	free(nodes);
}

Test(rbtree, find_add_keeps_keys_unique)
{
	struct mnode *nodes = calloc(MNODES, sizeof(*nodes));
	bool held[MKEYS * 4] = { false };
	struct mnode *holder[MKEYS * 4] = { NULL };
	struct rb_root root = RB_ROOT;
	struct reports rep;
	unsigned long count = 0, want = 0;
	int i, errors;

	cr_assert_not_null(nodes);
	rng_seed(0x5eed0012);
	for (i = 0; i < MNODES; i++) {
		struct mnode *m = &nodes[i];
		long k = (long)rng_below(MKEYS * 4);
		struct rb_node *there;

		m->key = k;
		there = rb_find_add(&m->rb, &root, mnode_cmp);
		if (held[k]) {
			cr_assert_eq(
				there, &holder[k]->rb,
				"key %ld: rb_find_add returned another node",
				k);
		} else {
			cr_assert_null(there, "key %ld went in twice", k);
			held[k] = true;
			holder[k] = m;
			want++;
		}
		/* Now and then take one out, so its key may come back. */
		if (rng_below(4) == 0) {
			k = (long)rng_below(MKEYS * 4);
			if (held[k]) {
				rb_erase(&holder[k]->rb, &root);
				held[k] = false;
				want--;
			}
		}
	}
	reports_reset(&rep);
	errors = rb_check(&root, mnode_check_cmp, NULL, collect, &rep, &count);
	cr_assert_eq(errors, 0, "rb_check: %d violations:\n%s", errors,
		     rep.text);
	cr_assert_eq(count, want);
	for (i = 0; i < MKEYS * 4; i++) {
		long k = i;
		struct rb_node *hit = rb_find(&k, &root, mnode_key_cmp);

		cr_assert_eq(hit, held[i] ? &holder[i]->rb : NULL,
			     "key %d: rb_find disagrees with the twin", i);
	}
	free(nodes);
}

/* A range key: zero for the interval [start, start + size) that holds it. */
static int fb_range_cmp(const void *key, const struct rb_node *node)
{
	unsigned long addr = *(const unsigned long *)key;
	const struct fblock *b = rb_entry(node, const struct fblock, rb);

	if (addr < b->start)
		return -1;
	return addr >= b->start + b->size;
}

static bool fb_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct fblock, rb)->start <
	       rb_entry(b, const struct fblock, rb)->start;
}

Test(rbtree, add_augmented_and_range_find)
{
	struct fpool *pool = calloc(1, sizeof(*pool));
	struct rb_root root = RB_ROOT;
	int i, op;

	cr_assert_not_null(pool);
	rng_seed(0x5eed0013);
	for (i = 0; i < SLOTS; i++)
		pool->blocks[i].start = (unsigned long)i * SLOT_BYTES;

	for (op = 0; op < FB_OPS / 2; op++) {
		int s = (int)rng_below(SLOTS);
		struct fblock *b = &pool->blocks[s];
		unsigned long addr = rng_below(SLOTS * SLOT_BYTES);
		struct rb_node *hit;
		struct fblock *want = NULL;

		if (!pool->used[s]) {
			/* A stale maximum must not matter: rb_add_augmented sets it. */
			b->size = random_size();
			b->subtree_max_size = rng_below(2) ? 0 : ~0UL;
			rb_add_augmented(&b->rb, &root, fb_less, &fb_augment);
			pool->used[s] = true;
			pool->n++;
		} else if (rng_below(3) == 0) {
			rb_erase_augmented(&b->rb, &root, &fb_augment);
			pool->used[s] = false;
			pool->n--;
		}

		/* Brute force: the one block whose interval holds @addr. */
		s = (int)(addr / SLOT_BYTES);
		if (pool->used[s] &&
		    addr < pool->blocks[s].start + pool->blocks[s].size)
			want = &pool->blocks[s];
		hit = rb_find(&addr, &root, fb_range_cmp);
		cr_assert_eq(hit, want ? &want->rb : NULL,
			     "op %d: range lookup of %#lx disagrees", op, addr);
		if (op % 1000 == 999)
			fb_verify(&root, pool);
	}
	fb_verify(&root, pool);
	free(pool);
}
