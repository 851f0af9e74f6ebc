/* SPDX-License-Identifier: MIT */
/*
 * The area allocator's whole-structure checker, independent of strategy:
 * every area the strategy holds (busy, lazy, pooled, free), plus the areas
 * a refused flush left for the next purge, sorted by address, must tile the
 * window exactly, and the busy and lazy counts must agree with the core's.
 * Then the strategy checks its own structures.
 */
#include <stdlib.h>

#include "kva.h"
#include "lib/log.h"

#define violation(fmt, ...) (pr_err("kva_check: " fmt, ##__VA_ARGS__), 1)

struct span {
	unsigned long start;
	unsigned long end;
	int state;
};

struct collect {
	struct span *spans;
	size_t nr;
	size_t cap;
	bool oom;
};

static void collect_one(struct vmap_area *va, void *arg)
{
	struct collect *c = arg;

	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct span *s = realloc(c->spans, cap * sizeof(*s));

		if (!s) {
			c->oom = true;
			return;
		}
		c->spans = s;
		c->cap = cap;
	}
	c->spans[c->nr++] =
		(struct span){ va->va_start, va->va_end, va->state };
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static const char *const state_names[] = { "free", "busy", "lazy", "pooled",
					   "purging" };

int kva_check(void)
{
	struct collect c = { 0 };
	unsigned long at = kva.start, lazy_pages = 0;
	long busy = 0;
	struct vmap_area *va;
	int bad = 0;
	size_t i;

	if (!kva.ops)
		return 0;
	kva.ops->for_each(collect_one, &c);
	list_for_each_entry(va, &kva.deferred, purge)
		collect_one(va, &c);
	if (c.oom) {
		free(c.spans);
		return violation("no host memory to collect the areas");
	}
	qsort(c.spans, c.nr, sizeof(*c.spans), span_cmp);

	for (i = 0; i < c.nr; i++) {
		struct span *s = &c.spans[i];

		if (s->state > VA_PURGING)
			bad += violation("area %#lx-%#lx has state %d",
					 s->start, s->end, s->state);
		else if (s->start >= s->end)
			bad += violation("%s area %#lx-%#lx is empty",
					 state_names[s->state], s->start,
					 s->end);
		if (s->start > at)
			bad += violation("%#lx-%#lx belongs to no area (lost)",
					 at, s->start);
		else if (s->start < at)
			bad += violation(
				"%s area %#lx-%#lx overlaps the one before (ending %#lx)",
				state_names[s->state], s->start, s->end, at);
		if (s->end > at)
			at = s->end;
		busy += s->state == VA_BUSY;
		if (s->state == VA_LAZY || s->state == VA_PURGING)
			lazy_pages += (s->end - s->start) >> 12;
	}
	if (at != kva.end)
		bad += violation("the areas end at %#lx, the window at %#lx",
				 at, kva.end);
	if (busy != atomic_load(&kva.nr_busy))
		bad += violation("%ld busy areas, the count says %ld", busy,
				 atomic_load(&kva.nr_busy));
	if (lazy_pages != atomic_load(&kva.lazy_pages))
		bad += violation("%lu lazy pages, the count says %lu",
				 lazy_pages, atomic_load(&kva.lazy_pages));
	free(c.spans);
	return bad + kva.ops->check();
}
