/* SPDX-License-Identifier: MIT */
/*
 * Intrusive red-black trees in the kernel's shape, with optional per-node
 * augmented values.
 *
 * A tree is a struct rb_root; each element embeds a struct rb_node. The tree
 * knows nothing of keys: the order is the caller's, given as a comparison
 * function. rb_add() inserts by a less() predicate (rb_add_augmented() in
 * an augmented tree), rb_find_add() inserts unless an equal node is there,
 * rb_find() and rb_find_first() look a key up; they are inline, so the
 * comparison is compiled into the walk. A
 * caller that needs more from the descent than these give (the neighbours
 * it passed, a value raised on the way down) walks down from root->rb_node
 * itself, links the new node with rb_link_node() where the walk fell off
 * the tree, then calls rb_insert_color() (or rb_insert_augmented()) to
 * restore balance. rb_first(), rb_next() and friends give in-order
 * iteration.
 *
 * Invariants (checked by rb_check()):
 *  - the root is black and has no parent;
 *  - a red node has no red child;
 *  - every path from a node down to a missing child passes the same number
 *    of black nodes, so the height is at most 2 * log2(n + 1);
 *  - each child's parent pointer names the node that holds it.
 *
 * Node colour lives in bit 0 of the parent word (0 red, 1 black), which is
 * why struct rb_node is aligned to a long. A node unlinked with
 * RB_CLEAR_NODE() points at itself, which RB_EMPTY_NODE() tests.
 *
 * Augmented trees keep one value per node that is a function of the node and
 * of its children's values (for example the largest free block anywhere in
 * the subtree). The tree code calls back into the user after every
 * structural change (struct rb_augment_callbacks); RB_DECLARE_CALLBACKS_MAX()
 * writes the callbacks for the usual "maximum over the subtree" case.
 *
 * Nothing here locks: a tree is protected by whatever lock its owner holds.
 */
#ifndef UVM_LIB_RBTREE_H
#define UVM_LIB_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

/*
 * Inlined at every call, so that a comparison passed as a function pointer
 * (and a side passed as a constant) is folded into the caller's code.
 */
#define rb_inline static inline __attribute__((always_inline))

struct rb_node {
	unsigned long __parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_RED 0UL
#define RB_BLACK 1UL

/* clang-format off */
#define RB_ROOT (struct rb_root){ NULL }
/* clang-format on */

#define rb_entry(ptr, type, member) container_of(ptr, type, member)

/* rb_entry() of a pointer that may be NULL. */
#define rb_entry_safe(ptr, type, member)                          \
	({                                                        \
		__typeof__(ptr) ____ptr = (ptr);                  \
		____ptr ? rb_entry(____ptr, type, member) : NULL; \
	})

/*
 * The two sides of a node, for code written once for both directions: a
 * side is 0 or 1, !side is the other one, and rb_child() reads a child by
 * side. Pass the side as a constant and the inlined code is specialised.
 */
#define RB_LEFT 0
#define RB_RIGHT 1

/**
 * rb_child() - a node's child on one side
 * @node: the node
 * @side: RB_LEFT or RB_RIGHT
 *
 * Return: @node->rb_left or @node->rb_right, NULL where there is none.
 */
rb_inline struct rb_node *rb_child(const struct rb_node *node, int side)
{
	return side ? node->rb_right : node->rb_left;
}

#define rb_parent(r) ((struct rb_node *)((r)->__parent_color & ~3UL))
#define rb_color(r) ((r)->__parent_color & 1UL)
#define rb_is_red(r) (!rb_color(r))
#define rb_is_black(r) (rb_color(r))

#define RB_EMPTY_ROOT(root) (READ_ONCE((root)->rb_node) == NULL)

/* True for a node marked with RB_CLEAR_NODE(), i.e. not in any tree. */
#define RB_EMPTY_NODE(node) ((node)->__parent_color == (unsigned long)(node))
#define RB_CLEAR_NODE(node) ((node)->__parent_color = (unsigned long)(node))

/**
 * rb_link_node() - hang a new node where a search fell off the tree
 * @node: the node to insert; its previous contents are ignored
 * @parent: the last node the search visited, NULL for an empty tree
 * @rb_link: the empty child slot of @parent (or &root->rb_node) to fill
 *
 * The node goes in red with no children. Follow with rb_insert_color() or
 * rb_insert_augmented(), which restore the colour rules.
 */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **rb_link)
{
	node->__parent_color = (unsigned long)parent;
	node->rb_left = NULL;
	node->rb_right = NULL;
	WRITE_ONCE(*rb_link, node);
}

/**
 * rb_insert_color() - rebalance a tree after rb_link_node()
 * @node: the node just linked
 * @root: the tree it was linked into
 *
 * Recolours and rotates at most twice so that the tree satisfies the
 * red-black rules again. O(log n).
 */
void rb_insert_color(struct rb_node *node, struct rb_root *root);

/**
 * rb_erase() - unlink a node and rebalance
 * @node: a node currently in @root
 * @root: the tree
 *
 * @node's own fields are left stale; RB_CLEAR_NODE() it if later code asks
 * RB_EMPTY_NODE(). At most three rotations. O(log n).
 */
void rb_erase(struct rb_node *node, struct rb_root *root);

/**
 * rb_first() - the leftmost (smallest) node
 * @root: the tree
 *
 * Return: the first node in order, or NULL if the tree is empty.
 */
struct rb_node *rb_first(const struct rb_root *root);

/**
 * rb_last() - the rightmost (largest) node
 * @root: the tree
 *
 * Return: the last node in order, or NULL if the tree is empty.
 */
struct rb_node *rb_last(const struct rb_root *root);

/**
 * rb_next() - in-order successor
 * @node: a node in a tree
 *
 * Return: the next node in order, or NULL after the last one or when @node
 * is RB_EMPTY_NODE(). Amortised O(1) over a full walk.
 */
struct rb_node *rb_next(const struct rb_node *node);

/**
 * rb_prev() - in-order predecessor
 * @node: a node in a tree
 *
 * Return: the previous node in order, or NULL before the first one or when
 * @node is RB_EMPTY_NODE().
 */
struct rb_node *rb_prev(const struct rb_node *node);

/**
 * rb_first_postorder() - the first node of a post-order walk
 * @root: the tree
 *
 * A post-order walk visits both children before their parent, so the caller
 * may free each node as it goes (rbtree_postorder_for_each_entry_safe()).
 * The tree must not be changed otherwise during the walk, and it is not
 * rebalanced: afterwards the root must be reset to RB_ROOT.
 *
 * Return: the first node, or NULL for an empty tree.
 */
struct rb_node *rb_first_postorder(const struct rb_root *root);

/**
 * rb_next_postorder() - the following node of a post-order walk
 * @node: the current node
 *
 * Return: the next node in post order, NULL after the root.
 */
struct rb_node *rb_next_postorder(const struct rb_node *node);

/**
 * rb_replace_node() - put a new node in the place of an old one
 * @victim: the node to take out, currently in @root
 * @new: the node to put in; it must sort where @victim sorts
 * @root: the tree
 *
 * @new takes @victim's colour, parent and children; no rebalancing is
 * needed and nothing is compared. In an augmented tree the caller copies the
 * augmented value from @victim to @new as well.
 */
void rb_replace_node(struct rb_node *victim, struct rb_node *new,
		     struct rb_root *root);

/*
 * Post-order iteration over the entries of a tree that tolerates freeing
 * @pos in the loop body: see rb_first_postorder().
 */
#define rbtree_postorder_for_each_entry_safe(pos, n, root, field)            \
	for (pos = rb_entry_safe(rb_first_postorder(root), __typeof__(*pos), \
				 field);                                     \
	     pos && ({                                                       \
		     n = rb_entry_safe(rb_next_postorder(&pos->field),       \
				       __typeof__(*pos), field);             \
		     1;                                                      \
	     });                                                             \
	     pos = n)

/* ---------------------------------------------------- keyed insert, find */

/*
 * The descent rb_add() and rb_add_augmented() share: link @node, not yet
 * coloured, where @less puts it, after any nodes equal to it. Returns its
 * parent.
 */
rb_inline struct rb_node *
rb_add_link(struct rb_node *node, struct rb_root *tree,
	    bool (*less)(struct rb_node *a, const struct rb_node *b))
{
	struct rb_node **link = &tree->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = less(node, parent) ? &parent->rb_left :
					    &parent->rb_right;
	}
	rb_link_node(node, parent, link);
	return parent;
}

/**
 * rb_add() - insert a node where its order puts it
 * @node: the node to insert; not in any tree
 * @tree: the tree
 * @less: true when @a sorts strictly before @b
 *
 * Walks down from the root, left whenever @node is less than the node in
 * hand and right otherwise, links @node where the walk falls off and
 * rebalances. Equal nodes are all kept: a new one goes after those already
 * there, so nodes of one key stay in the order they were added. Not for
 * augmented trees, whose values rb_insert_color() alone would leave stale:
 * rb_add_augmented() is for them. O(log n).
 */
rb_inline void rb_add(struct rb_node *node, struct rb_root *tree,
		      bool (*less)(struct rb_node *a, const struct rb_node *b))
{
	rb_add_link(node, tree, less);
	rb_insert_color(node, tree);
}

/**
 * rb_find_add() - insert a node unless one equal to it is in the tree
 * @node: the node to insert; not in any tree
 * @tree: the tree
 * @cmp: negative, zero or positive as @a sorts before, with or after @b
 *
 * Walks down as rb_find() does. If it meets a node that compares equal to
 * @node it stops there and changes nothing; otherwise @node is linked where
 * the walk fell off and the tree rebalanced. O(log n).
 *
 * Return: the node equal to @node that was already there, or NULL when
 * @node went in.
 */
rb_inline struct rb_node *
rb_find_add(struct rb_node *node, struct rb_root *tree,
	    int (*cmp)(struct rb_node *a, const struct rb_node *b))
{
	struct rb_node **link = &tree->rb_node, *parent = NULL;
	int c;

	while (*link) {
		parent = *link;
		c = cmp(node, parent);
		if (c < 0)
			link = &parent->rb_left;
		else if (c > 0)
			link = &parent->rb_right;
		else
			return parent;
	}
	rb_link_node(node, parent, link);
	rb_insert_color(node, tree);
	return NULL;
}

/**
 * rb_find() - look a key up
 * @key: what to look for, as @cmp understands it
 * @tree: the tree
 * @cmp: negative, zero or positive as @key sorts before, with or after
 *	@node; zero may stand for a range (a node whose interval holds @key)
 *	as long as the nodes' ranges do not overlap
 *
 * Return: a node comparing equal to @key (any one of them, when several
 * do), or NULL if none does. O(log n).
 */
rb_inline struct rb_node *rb_find(const void *key, const struct rb_root *tree,
				  int (*cmp)(const void *key,
					     const struct rb_node *node))
{
	struct rb_node *node = tree->rb_node;
	int c;

	while (node) {
		c = cmp(key, node);
		if (c < 0)
			node = node->rb_left;
		else if (c > 0)
			node = node->rb_right;
		else
			return node;
	}
	return NULL;
}

/**
 * rb_find_first() - look up the first node, in order, equal to a key
 * @key: what to look for, as @cmp understands it
 * @tree: the tree
 * @cmp: as for rb_find()
 *
 * A match does not end the walk: it goes on down the left, where an
 * earlier match may lie, remembering the last one seen.
 *
 * Return: the leftmost node comparing equal to @key, or NULL if none does.
 * O(log n).
 */
rb_inline struct rb_node *
rb_find_first(const void *key, const struct rb_root *tree,
	      int (*cmp)(const void *key, const struct rb_node *node))
{
	struct rb_node *node = tree->rb_node, *match = NULL;
	int c;

	while (node) {
		c = cmp(key, node);
		if (c <= 0) {
			if (!c)
				match = node;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return match;
}

/**
 * rb_next_match() - the next node, in order, if it also equals a key
 * @key: the key @node compared equal to
 * @node: a node in a tree
 * @cmp: as for rb_find()
 *
 * Return: rb_next(@node) when it compares equal to @key, otherwise NULL.
 */
rb_inline struct rb_node *rb_next_match(const void *key, struct rb_node *node,
					int (*cmp)(const void *key,
						   const struct rb_node *node))
{
	node = rb_next(node);
	if (node && cmp(key, node))
		node = NULL;
	return node;
}

/*
 * rb_for_each(node, key, tree, cmp): every node comparing equal to @key, in
 * order, from rb_find_first() on. The tree must not change during the walk.
 */
#define rb_for_each(node, key, tree, cmp)                          \
	for ((node) = rb_find_first((key), (tree), (cmp)); (node); \
	     (node) = rb_next_match((key), (node), (cmp)))

/* ------------------------------------------------------- augmented trees */

/**
 * struct rb_augment_callbacks - keep a per-node value that depends on the
 * node and its children up to date
 * @propagate: recompute the value of @node, then of its parent, and so on
 *	upward; stop before reaching @stop (NULL: go up to the root), or as
 *	soon as a recomputed value equals the one already stored, since the
 *	nodes above it then need nothing either
 * @copy: @new takes @old's value (@new now holds exactly the nodes @old held)
 * @rotate: after a rotation in which @new took @old's place: @new takes
 *	@old's value (it holds the same nodes), then @old's value is
 *	recomputed from its new children
 *
 * The tree code calls @copy and @rotate itself. The user calls @propagate
 * after changing the quantity a node's value is computed from (for example
 * resizing a free block in place): propagate(node, NULL).
 */
struct rb_augment_callbacks {
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	void (*copy)(struct rb_node *old, struct rb_node *new);
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

/**
 * rb_insert_augmented() - rebalance an augmented tree after rb_link_node()
 * @node: the node just linked; its augmented value must already be the one
 *	it has as a leaf (the value computed from the node alone, e.g.
 *	``name_compute_max(entry, false)`` from RB_DECLARE_CALLBACKS_MAX())
 * @root: the tree
 * @augment: the tree's callbacks
 *
 * First brings the values of @node's ancestors up to date
 * (@augment->propagate from @node's parent, stopping as soon as a value does
 * not change), then rebalances as rb_insert_color() does, keeping every
 * value right through the rotations. A caller that already raised the
 * ancestors' values on its way down loses nothing: the propagation then
 * stops at the parent.
 *
 * Linking with rb_insert_color() and propagating afterwards is not
 * equivalent: plain rotations leave stale values off the new node's path.
 */
void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment);

/**
 * rb_erase_augmented() - unlink a node from an augmented tree and rebalance
 * @node: a node currently in @root
 * @root: the tree
 * @augment: the tree's callbacks
 *
 * As rb_erase(), and afterwards every remaining node's value is right again:
 * the values above the unlinked position are recomputed upward until one
 * stops changing.
 */
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment);

/**
 * rb_add_augmented() - insert a node into an augmented tree by its order
 * @node: the node to insert; not in any tree
 * @tree: the tree
 * @less: true when @a sorts strictly before @b
 * @augment: the tree's callbacks
 *
 * rb_add() for augmented trees: the same walk and the same place for equal
 * nodes. @node's own value is computed here, as a leaf's (a propagate that
 * stops at its parent), so the caller need not set it; then
 * rb_insert_augmented() brings the ancestors up to date and rebalances.
 * O(log n).
 */
rb_inline void rb_add_augmented(struct rb_node *node, struct rb_root *tree,
				bool (*less)(struct rb_node *a,
					     const struct rb_node *b),
				const struct rb_augment_callbacks *augment)
{
	augment->propagate(node, rb_add_link(node, tree, less));
	rb_insert_augmented(node, tree, augment);
}

/*
 * RB_DECLARE_CALLBACKS(static, name, struct type, field, aug_field, compute)
 *
 * Defines `static const struct rb_augment_callbacks name` (or extern, with
 * an empty first argument) for nodes `struct type` linked through `field`
 * that keep their value in `aug_field`. The user supplies
 *
 *	bool compute(struct type *node, bool exit);
 *
 * which recomputes node->aug_field from the node and its children. With
 * @exit true it returns true, leaving the field alone, when the recomputed
 * value equals the stored one; otherwise it stores the value and returns
 * false. The generated propagate stops at the first unchanged value.
 */
#define RB_DECLARE_CALLBACKS(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBAUGMENTED, \
			     RBCOMPUTE)                                        \
	static void RBNAME##_propagate(struct rb_node *rb,                     \
				       struct rb_node *stop)                   \
	{                                                                      \
		while (rb != stop) {                                           \
			RBSTRUCT *node = rb_entry(rb, RBSTRUCT, RBFIELD);      \
			if (RBCOMPUTE(node, true))                             \
				break;                                         \
			rb = rb_parent(&node->RBFIELD);                        \
		}                                                              \
	}                                                                      \
	static void RBNAME##_copy(struct rb_node *rb_old,                      \
				  struct rb_node *rb_new)                      \
	{                                                                      \
		RBSTRUCT *old = rb_entry(rb_old, RBSTRUCT, RBFIELD);           \
		RBSTRUCT *new = rb_entry(rb_new, RBSTRUCT, RBFIELD);           \
		new->RBAUGMENTED = old->RBAUGMENTED;                           \
	}                                                                      \
	static void RBNAME##_rotate(struct rb_node *rb_old,                    \
				    struct rb_node *rb_new)                    \
	{                                                                      \
		RBSTRUCT *old = rb_entry(rb_old, RBSTRUCT, RBFIELD);           \
		RBSTRUCT *new = rb_entry(rb_new, RBSTRUCT, RBFIELD);           \
		new->RBAUGMENTED = old->RBAUGMENTED;                           \
		RBCOMPUTE(old, false);                                         \
	}                                                                      \
	RBSTATIC const struct rb_augment_callbacks RBNAME = {                  \
		.propagate = RBNAME##_propagate,                               \
		.copy = RBNAME##_copy,                                         \
		.rotate = RBNAME##_rotate,                                     \
	}

/*
 * RB_DECLARE_CALLBACKS_MAX(static, name, struct type, field, type_of_aug,
 *			    aug_field, compute)
 *
 * The common case: node->aug_field is the largest of compute(node) over the
 * node's whole subtree, where `type_of_aug compute(struct type *node)` gives
 * a node's own value. Besides the callbacks `name` it defines
 *
 *	static inline bool name_compute_max(struct type *node, bool exit);
 *
 * (the RB_DECLARE_CALLBACKS() compute function), which also sets a new
 * node's value before rb_insert_augmented(): name_compute_max(node, false)
 * on a node whose children are NULL.
 */
#define RB_DECLARE_CALLBACKS_MAX(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBTYPE,  \
				 RBAUGMENTED, RBCOMPUTE)                       \
	static inline bool RBNAME##_compute_max(RBSTRUCT *node, bool exit)     \
	{                                                                      \
		RBTYPE max = RBCOMPUTE(node);                                  \
		RBSTRUCT *child;                                               \
		if (node->RBFIELD.rb_left) {                                   \
			child = rb_entry(node->RBFIELD.rb_left, RBSTRUCT,      \
					 RBFIELD);                             \
			if (child->RBAUGMENTED > max)                          \
				max = child->RBAUGMENTED;                      \
		}                                                              \
		if (node->RBFIELD.rb_right) {                                  \
			child = rb_entry(node->RBFIELD.rb_right, RBSTRUCT,     \
					 RBFIELD);                             \
			if (child->RBAUGMENTED > max)                          \
				max = child->RBAUGMENTED;                      \
		}                                                              \
		if (exit && node->RBAUGMENTED == max)                          \
			return true;                                           \
		node->RBAUGMENTED = max;                                       \
		return false;                                                  \
	}                                                                      \
	RB_DECLARE_CALLBACKS(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBAUGMENTED, \
			     RBNAME##_compute_max)

/* ------------------------------------------------------------ checking */

/**
 * rb_check() - verify every invariant of a tree
 * @root: the tree
 * @cmp: if not NULL, the order: negative when @a sorts before @b; the
 *	in-order sequence must be strictly increasing under it
 * @aug_check: if not NULL, returns non-zero when @node's augmented value is
 *	not the one recomputed from the node and its children
 * @report: if not NULL, called with one line (no newline) per violation;
 *	otherwise each line goes to stderr. Each line starts with its kind:
 *	"root:", "red-red:", "black-height:", "parent:", "depth:", "order:"
 *	or "augment:"
 * @arg: passed to @report
 * @count: if not NULL, receives the number of nodes reached
 *
 * Checks that the root is black and parentless, that no red node has a red
 * child, that every path from the root to a missing child has the same
 * number of black nodes, that each child's parent pointer is right, the
 * order and the augmented values. A child whose parent pointer is wrong is
 * reported and not entered, so a corrupted tree (even one with cycles)
 * cannot make the walk loop; subtrees deeper than any valid tree could be
 * are cut off likewise. Reads only; O(n) time, O(height) stack.
 *
 * Return: the number of violations found, 0 for a sound tree.
 */
int rb_check(const struct rb_root *root,
	     int (*cmp)(const struct rb_node *a, const struct rb_node *b),
	     int (*aug_check)(const struct rb_node *node),
	     void (*report)(const char *msg, void *arg), void *arg,
	     unsigned long *count);

#endif /* UVM_LIB_RBTREE_H */
