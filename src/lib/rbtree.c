/* SPDX-License-Identifier: MIT */
/*
 * Red-black tree rebalancing, iteration and checking (see rbtree.h).
 *
 * Both rebalancing paths, and the in-order steps, are written once for
 * either side, with the side as a parameter (RB_LEFT or RB_RIGHT), and the
 * rebalancing once for plain and augmented trees: the plain entry points
 * pass a set of empty callbacks that the compiler folds away, so
 * rb_insert_color() and rb_erase() pay nothing for the augmented variants.
 *
 * Insertion: the new node is red. While its parent is red too, either the
 * uncle is red (push the red up two levels by recolouring and continue from
 * the grandparent) or it is black (one or two rotations end it).
 *
 * Erasure: a node with two children is first replaced by its in-order
 * successor, so that what actually leaves its place has at most one child.
 * Removing a red node, or a black one with a (necessarily red) child, is
 * repaired by colour alone; removing a black leaf leaves one side of its
 * parent a black node short, which erase_fixup() repairs by borrowing from
 * the sibling's side (at most three rotations) or by moving the deficit up.
 *
 * Augmented values: every value is made right before any rotation, and each
 * rotation keeps them right through the rotate callback, so that no stale
 * value is ever left off the path that the final propagation walks.
 */
#include <stdarg.h>
#include <stdio.h>

#include "rbtree.h"

/* ------------------------------------------------------------ helpers */

rb_inline void set_parent(struct rb_node *node, struct rb_node *parent)
{
	node->__parent_color = (unsigned long)parent | rb_color(node);
}

rb_inline void set_color(struct rb_node *node, unsigned long color)
{
	node->__parent_color = (node->__parent_color & ~RB_BLACK) | color;
}

rb_inline void set_black(struct rb_node *node)
{
	node->__parent_color |= RB_BLACK;
}

rb_inline void set_red(struct rb_node *node)
{
	node->__parent_color &= ~RB_BLACK;
}

/* A missing child counts as black. */
rb_inline bool node_is_red(const struct rb_node *node)
{
	return node && rb_is_red(node);
}

rb_inline void set_child(struct rb_node *node, int right, struct rb_node *new)
{
	if (right)
		node->rb_right = new;
	else
		node->rb_left = new;
}

/* Point whatever held @old (@parent's slot, or the root) at @new. */
rb_inline void replace_child(struct rb_node *parent, struct rb_node *old,
			     struct rb_node *new, struct rb_root *root)
{
	if (!parent)
		WRITE_ONCE(root->rb_node, new);
	else if (parent->rb_left == old)
		WRITE_ONCE(parent->rb_left, new);
	else
		WRITE_ONCE(parent->rb_right, new);
}

/*
 * Rotate @top down toward side @dir: its child on the other side rises into
 * its place and takes @top as its @dir child; the rising node's inner
 * subtree moves across to @top. Colours are the caller's business.
 */
rb_inline void rotate(struct rb_node *top, int dir, struct rb_root *root,
		      const struct rb_augment_callbacks *aug)
{
	struct rb_node *up = rb_child(top, !dir);
	struct rb_node *inner = rb_child(up, dir);
	struct rb_node *parent = rb_parent(top);

	set_child(top, !dir, inner);
	if (inner)
		set_parent(inner, top);
	set_child(up, dir, top);
	set_parent(up, parent);
	set_parent(top, up);
	replace_child(parent, top, up, root);
	aug->rotate(top, up);
}

/* ---------------------------------------------------------- insertion */

rb_inline void insert_fixup(struct rb_node *node, struct rb_root *root,
			    const struct rb_augment_callbacks *aug)
{
	struct rb_node *parent, *gparent, *uncle;
	int side;

	/* @node is red throughout; the loop ends when its parent is not. */
	while ((parent = rb_parent(node)) && rb_is_red(parent)) {
		/* A red node is never the root: the grandparent exists. */
		gparent = rb_parent(parent);
		side = parent == gparent->rb_right;
		uncle = rb_child(gparent, !side);

		if (node_is_red(uncle)) {
			set_black(parent);
			set_black(uncle);
			set_red(gparent);
			node = gparent;
			continue;
		}

		/* An inner grandchild is first turned into an outer one. */
		if (node == rb_child(parent, !side)) {
			rotate(parent, side, root, aug);
			parent = node;
		}
		set_black(parent);
		set_red(gparent);
		rotate(gparent, !side, root, aug);
		return;
	}
	if (!parent)
		set_black(node);
}

/* ------------------------------------------------------------ erasure */

/*
 * The subtree on side @side of @parent (possibly empty) has one black node
 * fewer on each path than its sibling subtree: restore the balance.
 */
rb_inline void erase_fixup(struct rb_node *parent, int side,
			   struct rb_root *root,
			   const struct rb_augment_callbacks *aug)
{
	struct rb_node *node, *sib, *near, *far;

	for (;;) {
		/* The heavier side holds at least one black node. */
		sib = rb_child(parent, !side);
		if (rb_is_red(sib)) {
			/* Make the sibling black; the deficit stays put. */
			set_black(sib);
			set_red(parent);
			rotate(parent, side, root, aug);
			sib = rb_child(parent, !side);
		}

		near = rb_child(sib, side);
		far = rb_child(sib, !side);
		if (!node_is_red(far)) {
			if (!node_is_red(near)) {
				/* Lighten the sibling's side too. */
				set_red(sib);
				if (rb_is_red(parent)) {
					set_black(parent);
					return;
				}
				node = parent;
				parent = rb_parent(node);
				if (!parent)
					return;
				side = node == parent->rb_right;
				continue;
			}
			/*
			 * Bring the red inner nephew to the outside. The two
			 * nodes' colours are set by the final case below.
			 */
			rotate(sib, !side, root, aug);
			far = sib;
			sib = near;
		}

		/* The outer nephew is red: one rotation at @parent ends it. */
		set_color(sib, rb_color(parent));
		set_black(parent);
		set_black(far);
		rotate(parent, side, root, aug);
		return;
	}
}

rb_inline void erase(struct rb_node *node, struct rb_root *root,
		     const struct rb_augment_callbacks *aug)
{
	struct rb_node *parent = rb_parent(node);
	struct rb_node *left = node->rb_left, *right = node->rb_right;
	struct rb_node *fix_parent = NULL;
	int fix_side = RB_LEFT;

	if (!left || !right) {
		/* At most one child, and then a red leaf under a black node. */
		struct rb_node *only = left ? left : right;

		fix_side = parent && parent->rb_right == node;
		replace_child(parent, node, only, root);
		if (only)
			only->__parent_color = node->__parent_color;
		else if (rb_is_black(node))
			fix_parent = parent;
		aug->propagate(parent, NULL);
	} else {
		struct rb_node *succ = right, *succ_parent, *succ_right;
		bool succ_black;

		while (succ->rb_left)
			succ = succ->rb_left;
		succ_right = succ->rb_right;
		succ_black = rb_is_black(succ);

		if (succ == right) {
			/* @succ keeps its right subtree. */
			succ_parent = succ;
			fix_side = RB_RIGHT;
		} else {
			/* Lift @succ out of @right's leftmost slot. */
			succ_parent = rb_parent(succ);
			succ_parent->rb_left = succ_right;
			if (succ_right)
				set_parent(succ_right, succ_parent);
			succ->rb_right = right;
			set_parent(right, succ);
			fix_side = RB_LEFT;
		}
		succ->rb_left = left;
		set_parent(left, succ);
		succ->__parent_color = node->__parent_color;
		replace_child(parent, node, succ, root);

		if (succ_right)
			set_black(succ_right);
		else if (succ_black)
			fix_parent = succ_parent;

		/* @succ now spans what @node spanned, less @node itself. */
		aug->copy(node, succ);
		if (succ_parent != succ)
			aug->propagate(succ_parent, succ);
		aug->propagate(succ, NULL);
	}

	if (fix_parent)
		erase_fixup(fix_parent, fix_side, root, aug);
}

/* ---------------------------------------------------- plain entry points */

static void noop_propagate(struct rb_node *node __maybe_unused,
			   struct rb_node *stop __maybe_unused)
{
}

static void noop_copy(struct rb_node *old __maybe_unused,
		      struct rb_node *new __maybe_unused)
{
}

static void noop_rotate(struct rb_node *old __maybe_unused,
			struct rb_node *new __maybe_unused)
{
}

static const struct rb_augment_callbacks no_augment = {
	.propagate = noop_propagate,
	.copy = noop_copy,
	.rotate = noop_rotate,
};

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	insert_fixup(node, root, &no_augment);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	erase(node, root, &no_augment);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment)
{
	struct rb_node *parent = rb_parent(node);

	if (parent)
		augment->propagate(parent, NULL);
	insert_fixup(node, root, augment);
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment)
{
	erase(node, root, augment);
}

void rb_replace_node(struct rb_node *victim, struct rb_node *new,
		     struct rb_root *root)
{
	struct rb_node *parent = rb_parent(victim);

	*new = *victim;
	if (victim->rb_left)
		set_parent(victim->rb_left, new);
	if (victim->rb_right)
		set_parent(victim->rb_right, new);
	replace_child(parent, victim, new, root);
}

/* ---------------------------------------------------------- iteration */

/* The node furthest toward @side in @node's subtree. */
rb_inline struct rb_node *outermost(const struct rb_node *node, int side)
{
	struct rb_node *next;

	while ((next = rb_child(node, side)))
		node = next;
	return (struct rb_node *)node;
}

/* @node's in-order neighbour on @side: RB_RIGHT the next, RB_LEFT the last. */
rb_inline struct rb_node *neighbour(const struct rb_node *node, int side)
{
	struct rb_node *parent;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (rb_child(node, side))
		return outermost(rb_child(node, side), !side);
	/* Climb while coming up from @side: those are all done. */
	while ((parent = rb_parent(node)) && node == rb_child(parent, side))
		node = parent;
	return parent;
}

struct rb_node *rb_first(const struct rb_root *root)
{
	return root->rb_node ? outermost(root->rb_node, RB_LEFT) : NULL;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	return root->rb_node ? outermost(root->rb_node, RB_RIGHT) : NULL;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	return neighbour(node, RB_RIGHT);
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	return neighbour(node, RB_LEFT);
}

/* The first node a post-order walk of @node's subtree visits. */
static struct rb_node *deepest_first(const struct rb_node *node)
{
	for (;;) {
		if (node->rb_left)
			node = node->rb_left;
		else if (node->rb_right)
			node = node->rb_right;
		else
			return (struct rb_node *)node;
	}
}

struct rb_node *rb_first_postorder(const struct rb_root *root)
{
	return root->rb_node ? deepest_first(root->rb_node) : NULL;
}

struct rb_node *rb_next_postorder(const struct rb_node *node)
{
	struct rb_node *parent;

	if (!node)
		return NULL;
	parent = rb_parent(node);
	/* From a left child, the right sibling's subtree comes next. */
	if (parent && node == parent->rb_left && parent->rb_right)
		return deepest_first(parent->rb_right);
	return parent;
}

/* ----------------------------------------------------------- checking */

/*
 * No valid tree in a 64-bit address space is deeper than 2 * log2(n + 1)
 * with n < 2^60 nodes of 24 bytes: anything deeper is a corrupted tree.
 */
#define RB_CHECK_MAX_DEPTH (2 * 8 * sizeof(long))

struct rb_check_state {
	int (*cmp)(const struct rb_node *a, const struct rb_node *b);
	int (*aug_check)(const struct rb_node *node);
	void (*report)(const char *msg, void *arg);
	void *arg;
	const struct rb_node *prev; /* the last node visited in order */
	unsigned long count;
	int errors;
};

static __printf(2, 3) void check_fail(struct rb_check_state *st,
				      const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->errors++;
	if (st->report)
		st->report(msg, st->arg);
	else
		fprintf(stderr, "rbtree: %s\n", msg);
}

/* Is @node's @right child there and safe to enter? */
static bool check_link(struct rb_check_state *st, const struct rb_node *node,
		       int right)
{
	const struct rb_node *c = rb_child(node, right);

	if (!c)
		return false;
	if (rb_parent(c) != node) {
		check_fail(st, "parent: %s child %p of %p names %p as parent",
			   right ? "right" : "left", (const void *)c,
			   (const void *)node, (const void *)rb_parent(c));
		return false;
	}
	return true;
}

/*
 * Checks the subtree at @node in order. Returns its black height (missing
 * children count 0), or -1 where that could not be established (a violation
 * below has been reported already).
 */
static int check_subtree(struct rb_check_state *st, const struct rb_node *node,
			 unsigned int depth)
{
	bool enter_left, enter_right;
	int lh = 0, rh = 0;

	if (depth > RB_CHECK_MAX_DEPTH) {
		check_fail(st,
			   "depth: %p is more than %u levels down (a cycle?)",
			   (const void *)node,
			   (unsigned int)RB_CHECK_MAX_DEPTH);
		return -1;
	}
	st->count++;

	enter_left = check_link(st, node, RB_LEFT);
	enter_right = check_link(st, node, RB_RIGHT);
	if (rb_is_red(node) &&
	    (node_is_red(node->rb_left) || node_is_red(node->rb_right)))
		check_fail(st, "red-red: red node %p has a red child",
			   (const void *)node);

	if (enter_left)
		lh = check_subtree(st, node->rb_left, depth + 1);
	else if (node->rb_left)
		lh = -1;

	if (st->cmp && st->prev && st->cmp(st->prev, node) >= 0)
		check_fail(st,
			   "order: %p does not sort after its predecessor %p",
			   (const void *)node, (const void *)st->prev);
	st->prev = node;
	/* A child not entered may be garbage: leave the value unread. */
	if (st->aug_check && enter_left == !!node->rb_left &&
	    enter_right == !!node->rb_right && st->aug_check(node))
		check_fail(
			st,
			"augment: %p holds a value its subtree disagrees with",
			(const void *)node);

	if (enter_right)
		rh = check_subtree(st, node->rb_right, depth + 1);
	else if (node->rb_right)
		rh = -1;

	if (lh < 0 || rh < 0)
		return -1;
	if (lh != rh) {
		check_fail(
			st,
			"black-height: %p has %d black nodes below on the left, %d on the right",
			(const void *)node, lh, rh);
		return -1;
	}
	return lh + (int)rb_is_black(node);
}

int rb_check(const struct rb_root *root,
	     int (*cmp)(const struct rb_node *a, const struct rb_node *b),
	     int (*aug_check)(const struct rb_node *node),
	     void (*report)(const char *msg, void *arg), void *arg,
	     unsigned long *count)
{
	struct rb_check_state st = {
		.cmp = cmp,
		.aug_check = aug_check,
		.report = report,
		.arg = arg,
	};
	const struct rb_node *top = root->rb_node;

	if (top) {
		if (rb_parent(top))
			check_fail(&st, "root: %p has parent %p",
				   (const void *)top,
				   (const void *)rb_parent(top));
		if (rb_is_red(top))
			check_fail(&st, "root: %p is red", (const void *)top);
		check_subtree(&st, top, 1);
	}
	if (count)
		*count = st.count;
	return st.errors;
}
