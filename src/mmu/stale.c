/* SPDX-License-Identifier: MIT */
/*
 * Stale ranges: cleared in the tables, still mapped by the host until the
 * purge flushes them (the lazy TLB flush of the kernel). The checker allows
 * host mappings there, and a vmalloc() that revives a freed area proves
 * with them that its host mapping still stands.
 *
 * The ranges never overlap: one added over others swallows them. They sit
 * in a red-black tree by start, so that with tens of thousands of lazily
 * freed areas a lookup or a flush stays logarithmic. Because they are
 * disjoint, ends are sorted too, and the first range ending above an
 * address is the only one that can contain it.
 *
 *   flush [s, e) over a range r:
 *     r inside          r goes
 *     r sticks out      r is trimmed to what lies outside
 *     r around it       r splits in two:   |r....[s====e)....r|
 *                                           keep  gone   keep
 */
#include <stdlib.h>

#include "lib/log.h"
#include "mmu.h"

static struct mmu_stale *stale_of(struct rb_node *n)
{
	return rb_entry_safe(n, struct mmu_stale, node);
}

/* The first range that ends above @addr; mmu.lock held. */
static struct mmu_stale *first_ending_above(unsigned long addr)
{
	struct rb_node *n = mmu.stale.rb_node;
	struct mmu_stale *best = NULL;

	while (n) {
		struct mmu_stale *s = stale_of(n);

		if (s->end > addr) {
			best = s;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* The first range overlapping [start, end), or NULL; mmu.lock held. */
static struct mmu_stale *first_overlap(unsigned long start, unsigned long end)
{
	struct mmu_stale *s = first_ending_above(start);

	return s && s->start < end ? s : NULL;
}

static void insert(struct mmu_stale *s)
{
	struct rb_node **link = &mmu.stale.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = s->start < stale_of(parent)->start ? &parent->rb_left :
							    &parent->rb_right;
	}
	rb_link_node(&s->node, parent, link);
	rb_insert_color(&s->node, &mmu.stale);
}

bool mmu_stale_add(unsigned long start, unsigned long end)
{
	struct mmu_stale *s = malloc(sizeof(*s)), *o;

	if (!s)
		return false;
	spin_lock(&mmu.lock);
	while ((o = first_overlap(start, end))) {
		start = min(start, o->start);
		end = max(end, o->end);
		rb_erase(&o->node, &mmu.stale);
		free(o);
	}
	s->start = start;
	s->end = end;
	insert(s);
	spin_unlock(&mmu.lock);
	return true;
}

void mmu_stale_remove(unsigned long start, unsigned long end)
{
	struct mmu_stale *s, *next, *upper;

	spin_lock(&mmu.lock);
	for (s = first_overlap(start, end); s && s->start < end; s = next) {
		next = stale_of(rb_next(&s->node));
		if (s->start >= start && s->end <= end) {
			rb_erase(&s->node, &mmu.stale);
			free(s);
		} else if (s->start < start && s->end > end) {
			/*
			 * Without memory for the upper part the range stays
			 * whole: it only lets the checker allow a little more.
			 */
			upper = malloc(sizeof(*upper));
			if (upper) {
				upper->start = end;
				upper->end = s->end;
				s->end = start;
				insert(upper);
			}
			break;
		} else if (s->start < start) {
			s->end = start;
		} else {
			s->start = end; /* still the smallest start after it */
		}
	}
	spin_unlock(&mmu.lock);
}

bool mmu_stale_covers(unsigned long start, unsigned long end)
{
	struct mmu_stale *s;
	bool covered;

	spin_lock(&mmu.lock);
	s = first_overlap(start, end);
	covered = s && s->start <= start && s->end >= end;
	spin_unlock(&mmu.lock);
	return covered;
}

bool mmu_is_stale(unsigned long addr)
{
	return mmu_stale_covers(addr, addr + 1);
}

static int by_start(const struct rb_node *a, const struct rb_node *b)
{
	unsigned long x = stale_of((struct rb_node *)a)->start;
	unsigned long y = stale_of((struct rb_node *)b)->start;

	return x < y ? -1 : x > y;
}

static void report(const char *line, void *arg)
{
	(void)arg;
	pr_err("mmu_check: stale tree: %s", line);
}

/* The tree's own lookup against a walk of every range, at @addr. */
static bool lookup_agrees(unsigned long addr)
{
	struct rb_node *n;
	bool walked = false;

	for (n = rb_first(&mmu.stale); n; n = rb_next(n))
		if (addr >= stale_of(n)->start && addr < stale_of(n)->end)
			walked = true;
	return walked == (first_overlap(addr, addr + 1) != NULL);
}

int mmu_stale_check(void)
{
	struct mmu_stale *s, *prev = NULL;
	struct rb_node *n;
	unsigned long nr = 0;
	int bad;

	spin_lock(&mmu.lock);
	bad = rb_check(&mmu.stale, by_start, NULL, report, NULL, NULL);
	for (n = rb_first(&mmu.stale); n && !bad; n = rb_next(n)) {
		s = stale_of(n);
		if (s->start >= s->end || (s->start | s->end) & ~PAGE_MASK) {
			pr_err("mmu_check: stale range %#lx-%#lx is empty or unaligned",
			       s->start, s->end);
			bad++;
		}
		if (prev && prev->end > s->start) {
			pr_err("mmu_check: stale ranges %#lx-%#lx and %#lx-%#lx overlap",
			       prev->start, prev->end, s->start, s->end);
			bad++;
		}
		/* The brute-force twin, at both edges (a small sample). */
		if (++nr <= 64 &&
		    (!lookup_agrees(s->start) || !lookup_agrees(s->end - 1) ||
		     !lookup_agrees(s->end))) {
			pr_err("mmu_check: stale lookup disagrees with a walk near %#lx",
			       s->start);
			bad++;
		}
		prev = s;
	}
	spin_unlock(&mmu.lock);
	return bad;
}
