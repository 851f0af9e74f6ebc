/* SPDX-License-Identifier: MIT */
/*
 * Tests of the area allocator (src/kva): kva_alloc(), kva_find(),
 * kva_free() and kva_purge() on each of the three strategies, in mmu=soft
 * instances with a 1 GiB window that nothing ever dereferences.
 *
 *  - differential: kva=list and kva=augment (lazy=0, no pools) return the
 *    same address for every request of a seeded random sequence, bottom-up
 *    and top-down, and both match a brute-force model (a sorted array of
 *    taken ranges searched linearly for the lowest or highest fit);
 *  - kva=rbtree matches a model of the 2.6.28 search cache
 *    (free_vmap_cache, cached_hole_size, cached_vstart, cached_align), with
 *    and without lazy frees;
 *  - random alloc/free/purge runs on every strategy, lazy on and off, pools
 *    on and off, 1 and 3 vmap nodes, with uvm_check() after every step; at
 *    the end the window is one free area again;
 *  - alignments (every power of two, the kernel's align_shift test), exact
 *    ranges, lazy purges (threshold, coalesced flushes, refused flushes,
 *    purge and retry on a full window), pools and their decay, bad input.
 *
 * The tests own the areas as the vmalloc layer would: purge callbacks
 * record every flush and reclaim and check the safety rule (an area's
 * reclaim comes after a flush that covered it, and a flush covers only
 * freed areas).
 *
 * Criterion runs each test in a process of its own, so each test boots the
 * instance it needs and shuts it down in its .fini.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <uvmalloc.h>

#include "kva/kva.h"
#include "lib/log.h"
#include "test_util.h"

#define WIN_SIZE (1UL << 30)
#define WIN_PAGES (WIN_SIZE >> PAGE_SHIFT)
#define GUARD PAGE_SIZE

static unsigned long win_start, win_end;

static const char *const kva_names[] = { "list", "rbtree", "augment" };

/* ------------------------------------------------------------- helpers */

/* @x rounded up to @a (a power of two); false if that wraps. */
static bool align_up(unsigned long x, unsigned long a, unsigned long *res)
{
	unsigned long r = (x + a - 1) & ~(a - 1);

	if (r < x)
		return false;
	*res = r;
	return true;
}

/* ------------------------------------------------------ a capturing sink */

static unsigned long warnings(void)
{
	struct uvm_log_counts c;

	uvm_log_counts(&c);
	return c.warnings;
}

static struct uvm_kva_stats kstats(void)
{
	struct uvm_kva_stats st;

	uvm_kva_stats(&st);
	return st;
}

/* ------------------------------------------------------------ the owner */

/*
 * What the owner knows of each area it freed and has not seen reclaimed:
 * whether a flush has covered it since.
 */
struct pend {
	struct vmap_area *va;
	unsigned long start;
	unsigned long end;
	bool flushed;
};

#define MAX_FLUSH_LOG 64

static struct owner_log {
	struct pend *p;
	size_t nr;
	size_t cap;
	unsigned long frees;
	unsigned long flushes;
	unsigned long refused;
	unsigned long reclaims;
	int refuse; /* refuse every flush while set */
	int nr_log; /* flush ranges kept below, since own_clear_log() */
	unsigned long log_start[MAX_FLUSH_LOG];
	unsigned long log_end[MAX_FLUSH_LOG];
	char err[512];
} own;

static void __printf(1, 2) own_error(const char *fmt, ...)
{
	va_list ap;

	if (own.err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(own.err, sizeof(own.err), fmt, ap);
	va_end(ap);
}

static void own_reset(void)
{
	free(own.p);
	memset(&own, 0, sizeof(own));
}

static void own_clear_log(void)
{
	own.nr_log = 0;
}

/* The test is about to kva_free(@va). */
static void own_note_free(struct vmap_area *va)
{
	if (own.nr == own.cap) {
		own.cap = own.cap ? own.cap * 2 : 256;
		own.p = realloc(own.p, own.cap * sizeof(*own.p));
		cr_assert_not_null(own.p);
	}
	own.p[own.nr++] = (struct pend){ va, va->va_start, va->va_end, false };
	own.frees++;
}

static unsigned long own_pending_pages(void)
{
	unsigned long pages = 0;
	size_t i;

	for (i = 0; i < own.nr; i++)
		pages += (own.p[i].end - own.p[i].start) >> PAGE_SHIFT;
	return pages;
}

static int owner_flush(unsigned long start, unsigned long end)
{
	unsigned long covered = 0;
	size_t i;

	own.flushes++;
	if (own.nr_log < MAX_FLUSH_LOG) {
		own.log_start[own.nr_log] = start;
		own.log_end[own.nr_log] = end;
		own.nr_log++;
	}
	if (start >= end || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(end))
		own_error("flush of a bad range %#lx-%#lx", start, end);
	for (i = 0; i < own.nr; i++) {
		struct pend *p = &own.p[i];

		if (p->end <= start || p->start >= end)
			continue;
		if (p->start < start || p->end > end)
			own_error(
				"flush %#lx-%#lx cuts the freed area %#lx-%#lx",
				start, end, p->start, p->end);
		covered += p->end - p->start;
	}
	if (covered != end - start)
		own_error(
			"flush %#lx-%#lx covers %#lx bytes that were not freed",
			start, end, end - start - covered);
	if (own.refuse) {
		own.refused++;
		return -ENOMEM;
	}
	for (i = 0; i < own.nr; i++)
		if (own.p[i].start >= start && own.p[i].end <= end)
			own.p[i].flushed = true;
	return 0;
}

static void owner_reclaim(struct vmap_area *va)
{
	size_t i;

	own.reclaims++;
	for (i = 0; i < own.nr; i++)
		if (own.p[i].va == va)
			break;
	if (i == own.nr) {
		own_error(
			"reclaim of %p (%#lx-%#lx), which is not a freed area",
			(void *)va, va->va_start, va->va_end);
		return;
	}
	if (!own.p[i].flushed)
		own_error("reclaim of %#lx-%#lx before any flush covered it",
			  own.p[i].start, own.p[i].end);
	if (va->va_start != own.p[i].start || va->va_end != own.p[i].end)
		own_error("reclaim of %#lx-%#lx, freed as %#lx-%#lx",
			  va->va_start, va->va_end, own.p[i].start,
			  own.p[i].end);
	own.p[i] = own.p[--own.nr];
}

static const struct kva_owner_ops owner_ops = {
	.flush = owner_flush,
	.reclaim = owner_reclaim,
};

/* --------------------------------------------------------- boot helpers */

static void boot(const char *cmdline)
{
	int err;

	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	cap_reset();
	err = uvm_boot(cmdline);
	cr_assert_eq(err, 0, "uvm_boot(\"%s\") = %d: %s", cmdline, err,
		     cap.last_err);
	win_start = VMALLOC_START;
	win_end = VMALLOC_END;
	cr_assert_eq(win_end - win_start, WIN_SIZE, "window %#lx-%#lx",
		     win_start, win_end);
	own_reset();
	kva_set_owner(&owner_ops);
	cap_reset();
}

static void boot_kva(int strategy, int lazy, int pools, int nodes,
		     unsigned long lazy_max)
{
	char cmdline[256];

	snprintf(
		cmdline, sizeof(cmdline),
		"mem=16M mmu=soft vmalloc=1G kva=%s lazy=%d vmap_pools=%d vmap_nodes=%d lazy_max_pages=%lu",
		kva_names[strategy], lazy, pools, nodes, lazy_max);
	boot(cmdline);
}

static void model_release_all(void);

static struct live *lv;
static size_t nr_live, lv_cap;

/* What a random run did, for its closing line (--verbose). */
static struct run_tally {
	unsigned long allocs;
	unsigned long failed;
	unsigned long topdown;
	unsigned long frees;
	size_t max_live;
} tally;

static void teardown(void)
{
	free(lv);
	lv = NULL;
	nr_live = 0;
	lv_cap = 0;
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
	own_reset();
	model_release_all();
}

static void assert_check(void)
{
	int bad = uvm_check();

	cr_assert_eq(bad, 0, "uvm_check found %d violations, the last: %s", bad,
		     cap.last_err);
	cr_assert_eq(own.err[0], '\0', "owner: %s", own.err);
}

/* kva_alloc() over the whole window, page-aligned. */
static struct vmap_area *alloc_any(unsigned long size, unsigned int flags,
				   int cpu)
{
	return kva_alloc(size, PAGE_SIZE, win_start, win_end, flags, cpu);
}

static struct vmap_area *alloc_ok(unsigned long size, unsigned int flags,
				  int cpu)
{
	struct vmap_area *va = alloc_any(size, flags, cpu);

	cr_assert_not_null(va, "kva_alloc(%#lx) failed: %s", size,
			   cap.last_warn);
	return va;
}

/* kva_alloc() of exactly [@start, @start + @size + guard). */
static struct vmap_area *alloc_at(unsigned long start, unsigned long size)
{
	struct vmap_area *va =
		kva_alloc(size, PAGE_SIZE, start, start + size + GUARD, 0, 0);

	cr_assert_not_null(va, "kva_alloc at %#lx failed: %s", start,
			   cap.last_warn);
	cr_assert_eq(va->va_start, start);
	return va;
}

static void free_va(struct vmap_area *va)
{
	own_note_free(va);
	kva_free(va);
}

/* Everything freed and purged: one free area covers the window again. */
static void assert_window_whole(void)
{
	struct uvm_kva_stats st = kstats();
	unsigned long purges = st.purges;
	struct vmap_area *va;

	cr_assert_eq(st.busy_areas, 0, "%ld areas still busy", st.busy_areas);
	cr_assert_eq(st.lazy_pages, 0, "%lu lazy pages left", st.lazy_pages);
	cr_assert_eq(own.nr, 0, "%zu freed areas were never reclaimed", own.nr);
	cr_assert_eq(own.reclaims, own.frees, "%lu reclaims for %lu frees",
		     own.reclaims, own.frees);
	assert_check();
	va = kva_alloc(WIN_SIZE, PAGE_SIZE, win_start, win_end, KVA_NO_GUARD,
		       0);
	cr_assert_not_null(va, "the whole window is not free: %s",
			   cap.last_warn);
	cr_assert_eq(va->va_start, win_start);
	cr_assert_eq(va->va_end, win_end);
	cr_assert_eq(kstats().purges, purges,
		     "the whole window needed a purge to be found");
	assert_check();
	free_va(va);
	kva_purge(true);
	assert_check();
}

/* Areas in the pools, by state, through the strategy's own iterator. */
struct census {
	unsigned long nr[4];
	unsigned long pooled_start;
	int pooled_node;
};

static void count_one(struct vmap_area *va, void *arg)
{
	struct census *c = arg;

	if (va->state < 4)
		c->nr[va->state]++;
	if (va->state == VA_POOLED) {
		c->pooled_start = va->va_start;
		c->pooled_node = va->node;
	}
}

static struct census census(void)
{
	struct census c = { 0 };

	kva.ops->for_each(count_one, &c);
	return c;
}

/* ------------------------------------------------------------ the model */

/*
 * The brute-force twin of a strategy: the taken ranges (busy and lazy) in
 * a sorted array, the lazy accounting of the core, and for kva=rbtree the
 * state of the 2.6.28 search cache.
 */
struct marea {
	unsigned long start;
	unsigned long end;
	struct vmap_area *va; /* busy: the area */
	bool lazy;
};

struct model {
	int strategy;
	bool lazy;
	unsigned long lazy_max;
	struct marea *a;
	size_t nr;
	size_t cap;
	size_t nr_lazy;
	unsigned long lazy_pages;
	unsigned long purges;
	/* rbtree: free_vmap_cache (the start of its area; 0: none) etc. */
	unsigned long cache;
	unsigned long hole;
	unsigned long cvstart;
	unsigned long calign;
};

static struct model m;

static void model_release_all(void)
{
	free(m.a);
	memset(&m, 0, sizeof(m));
}

static void model_init(int strategy, bool lazy, unsigned long lazy_max)
{
	model_release_all();
	m.strategy = strategy;
	m.lazy = lazy;
	m.lazy_max = lazy_max;
}

/* The first index whose area starts at or above @addr. */
static size_t m_lower(unsigned long addr)
{
	size_t lo = 0, hi = m.nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m.a[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long m_index(unsigned long start)
{
	size_t i = m_lower(start);

	return i < m.nr && m.a[i].start == start ? (long)i : -1;
}

static bool m_overlaps(unsigned long start, unsigned long end)
{
	size_t i = m_lower(start);

	if (i > 0 && m.a[i - 1].end > start)
		return true;
	return i < m.nr && m.a[i].start < end;
}

static void m_insert(unsigned long start, unsigned long end,
		     struct vmap_area *va)
{
	size_t i = m_lower(start);

	cr_assert(!m_overlaps(start, end),
		  "%#lx-%#lx overlaps a busy or lazy area", start, end);
	if (m.nr == m.cap) {
		m.cap = m.cap ? m.cap * 2 : 256;
		m.a = realloc(m.a, m.cap * sizeof(*m.a));
		cr_assert_not_null(m.a);
	}
	memmove(&m.a[i + 1], &m.a[i], (m.nr - i) * sizeof(*m.a));
	m.a[i] = (struct marea){ start, end, va, false };
	m.nr++;
}

/* An area leaves: the 2.6.28 rule moves the cache first. */
static void m_release(size_t i)
{
	if (m.strategy == KVA_RBTREE && m.cache) {
		if (m.a[i].end < m.cvstart)
			m.cache = 0;
		else if (m.a[i].start <= m.cache)
			m.cache = i ? m.a[i - 1].start : 0;
	}
	if (m.a[i].lazy) {
		m.nr_lazy--;
		m.lazy_pages -= (m.a[i].end - m.a[i].start) >> PAGE_SHIFT;
	}
	memmove(&m.a[i], &m.a[i + 1], (m.nr - i - 1) * sizeof(*m.a));
	m.nr--;
}

/* A purge releases every lazy area, in address order. */
static void m_purge(void)
{
	size_t i = 0;

	if (m.strategy == KVA_LIST)
		return;
	while (i < m.nr) {
		if (m.a[i].lazy)
			m_release(i);
		else
			i++;
	}
	m.purges++;
}

static void m_free(size_t i)
{
	if (m.strategy == KVA_LIST) {
		m_release(i);
		return;
	}
	m.a[i].lazy = true;
	m.a[i].va = NULL;
	m.nr_lazy++;
	m.lazy_pages += (m.a[i].end - m.a[i].start) >> PAGE_SHIFT;
	if (!m.lazy || m.lazy_pages > m.lazy_max)
		m_purge();
}

/* The lowest (or highest) fit among the gaps; @busy_only: lazy is free. */
static unsigned long m_fit(unsigned long size, unsigned long align,
			   unsigned long vstart, unsigned long vend,
			   bool topdown, bool busy_only)
{
	unsigned long prev_end = win_start, best = 0;
	size_t i;

	for (i = 0; i <= m.nr; i++) {
		unsigned long gs = prev_end, ge, lo, hi, addr;

		if (i < m.nr) {
			if (busy_only && m.a[i].lazy)
				continue;
			ge = m.a[i].start;
			prev_end = m.a[i].end;
		} else {
			ge = win_end;
		}
		lo = max(gs, vstart);
		hi = min(ge, vend);
		if (lo >= hi || hi - lo < size)
			continue;
		if (topdown) {
			addr = ALIGN_DOWN(hi - size, align);
			if (addr >= lo)
				best = addr;
			continue;
		}
		if (!align_up(lo, align, &addr))
			return 0;
		if (addr <= hi && hi - addr >= size)
			return addr;
	}
	return best;
}

/*
 * The 2.6.28 search, written after the kernel's alloc_vmap_area(): start
 * from the cached area unless the request could fit a hole below it
 * (size < cached_hole_size), starts lower or is less aligned; then walk
 * the areas upward to the first hole that fits.
 */
static unsigned long m_rb_search(unsigned long size, unsigned long align,
				 unsigned long vstart, unsigned long vend)
{
	unsigned long addr;
	size_t first;

	if (!m.cache || size < m.hole || vstart < m.cvstart ||
	    align < m.calign) {
		m.cache = 0;
		m.hole = 0;
	}
	m.cvstart = vstart;
	m.calign = align;

	if (m.cache) {
		long c = m_index(m.cache);

		cr_assert(c >= 0, "the model's cache %#lx is no area", m.cache);
		first = (size_t)c;
		if (!align_up(m.a[first].end, align, &addr) || addr < vstart) {
			m.cache = 0;
			m.hole = 0;
		}
	}
	if (!m.cache) {
		if (!align_up(vstart, align, &addr))
			return 0;
		for (first = 0; first < m.nr && m.a[first].end < addr; first++)
			;
		if (first == m.nr)
			goto found;
	}
	if (addr + size < addr)
		return 0;

	while (addr + size > m.a[first].start && addr + size <= vend) {
		if (addr + m.hole < m.a[first].start)
			m.hole = m.a[first].start - addr;
		if (!align_up(m.a[first].end, align, &addr) ||
		    addr + size < addr)
			return 0;
		if (first == m.nr - 1)
			break;
		first++;
	}
found:
	if (addr + size < addr || addr + size > vend)
		return 0;
	return addr;
}

struct req {
	unsigned long size; /* without the guard */
	unsigned long align;
	unsigned long vstart;
	unsigned long vend;
	unsigned int flags;
	int cpu;
};

static unsigned long req_size(const struct req *r)
{
	return r->size + (r->flags & KVA_NO_GUARD ? 0 : GUARD);
}

static unsigned long req_align(const struct req *r)
{
	return max(r->align, PAGE_SIZE);
}

static unsigned long m_search(const struct req *r)
{
	bool topdown = r->flags & KVA_TOPDOWN;

	if (!topdown && m.strategy == KVA_RBTREE)
		return m_rb_search(req_size(r), req_align(r), r->vstart,
				   r->vend);
	return m_fit(req_size(r), req_align(r), r->vstart, r->vend, topdown,
		     false);
}

/* What kva_alloc() must return; purges and retries as the core does. */
static unsigned long m_predict(const struct req *r)
{
	unsigned long addr;

	if (req_size(r) > r->vend - r->vstart)
		return 0;
	addr = m_search(r);
	if (!addr && m.strategy != KVA_LIST) {
		m_purge();
		addr = m_search(r);
	}
	return addr;
}

static void m_took(const struct req *r, struct vmap_area *va)
{
	m_insert(va->va_start, va->va_end, va);
	if (m.strategy == KVA_RBTREE && !(r->flags & KVA_TOPDOWN))
		m.cache = va->va_start;
}

static void req_str(const struct req *r, char *buf, size_t len)
{
	snprintf(buf, len,
		 "size %#lx align %#lx range +%#lx-+%#lx flags %#x cpu %d",
		 r->size, r->align, r->vstart - win_start, r->vend - win_start,
		 r->flags, r->cpu);
}

/* A request as random as the tests want it. */
static void gen_req(struct req *r, bool topdown_ok)
{
	unsigned long pages, x, lo, hi, t;

	pages = rng_below(16) ? 1 + rng_below(64) : 1 + rng_below(4096);
	r->size = pages << PAGE_SHIFT;
	x = rng_below(100);
	if (x < 35)
		r->align = rng_below(4) ? PAGE_SIZE : 1UL << rng_below(12);
	else if (x < 97)
		r->align = 1UL << (12 + rng_below(11));
	else if (x < 99)
		r->align = 1UL << 30;
	else
		r->align = 1UL << (31 + rng_below(33));

	x = rng_below(100);
	if (x < 50) {
		lo = 0;
		hi = WIN_PAGES;
	} else if (x < 85) {
		lo = rng_below(WIN_PAGES);
		hi = rng_below(WIN_PAGES);
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		hi++;
	} else {
		lo = rng_below(WIN_PAGES - 1);
		hi = min(WIN_PAGES, lo + 1 + rng_below(2 * pages + 8));
	}
	r->vstart = win_start + (lo << PAGE_SHIFT);
	r->vend = win_start + (hi << PAGE_SHIFT);

	r->flags = 0;
	if (!rng_below(8))
		r->flags |= KVA_NO_GUARD;
	if (topdown_ok && !rng_below(4))
		r->flags |= KVA_TOPDOWN;
	if (rng_below(4))
		r->flags |= KVA_NOWARN;
	r->cpu = (int)rng_below(8);
}

/* ------------------------------------------------------- random runs */

/**
 * struct run_cfg - one randomised run
 * @strategy: enum kva_strategy_id
 * @lazy: lazy=
 * @pools: vmap_pools=
 * @nodes: vmap_nodes=
 * @lazy_max: lazy_max_pages=
 * @steps: operations
 * @topdown: some requests are KVA_TOPDOWN
 * @seed: of the request sequence
 */
struct run_cfg {
	int strategy;
	int lazy;
	int pools;
	int nodes;
	unsigned long lazy_max;
	int steps;
	int topdown;
	unsigned long seed;
};

struct live {
	struct vmap_area *va;
	unsigned long start;
	unsigned long end;
};

/*
 * Every step is checked against the model: exactly (same address, same
 * purges) unless pools are on, whose contents the model does not follow;
 * then the result must only be a well-formed range clear of every busy and
 * lazy area, and a failure must leave no fit among the busy areas.
 */
static void run_step_alloc(const struct run_cfg *c, int step, bool exact,
			   unsigned long *rec, size_t *nrec, bool replay)
{
	unsigned long expect = 0, got, w0, w1;
	struct uvm_kva_stats st;
	struct vmap_area *va;
	struct req r;
	char what[160];

	gen_req(&r, c->topdown);
	req_str(&r, what, sizeof(what));
	if (exact)
		expect = m_predict(&r);
	w0 = warnings();
	va = kva_alloc(r.size, r.align, r.vstart, r.vend, r.flags, r.cpu);
	w1 = warnings();
	st = kstats();
	got = va ? va->va_start : 0;
	tally.allocs++;
	tally.failed += !va;
	tally.topdown += va && (r.flags & KVA_TOPDOWN);

	if (rec && replay)
		cr_assert_eq(
			got, rec[*nrec],
			"seed %lu step %d (%s): %s returned +%#lx, list returned +%#lx",
			c->seed, step, what, kva_names[c->strategy],
			got ? got - win_start : 0,
			rec[*nrec] ? rec[*nrec] - win_start : 0);
	else if (rec)
		rec[*nrec] = got;
	if (rec)
		(*nrec)++;

	if (exact) {
		cr_assert_eq(
			got, expect,
			"seed %lu step %d (%s): got +%#lx, the model says +%#lx",
			c->seed, step, what, got ? got - win_start : 0,
			expect ? expect - win_start : 0);
		cr_assert_eq(
			st.purges, m.purges,
			"seed %lu step %d (%s): %lu purges, the model ran %lu",
			c->seed, step, what, st.purges, m.purges);
	} else {
		while (m.purges < st.purges)
			m_purge();
		if (!va && c->strategy == KVA_AUGMENT &&
		    req_size(&r) <= r.vend - r.vstart)
			cr_assert_eq(
				m_fit(req_size(&r), req_align(&r), r.vstart,
				      r.vend, r.flags & KVA_TOPDOWN, true),
				0,
				"seed %lu step %d (%s): failed with room among the busy areas",
				c->seed, step, what);
	}

	if (!va) {
		cr_assert_eq(
			w1 - w0, r.flags & KVA_NOWARN ? 0 : 1,
			"seed %lu step %d (%s): %lu warnings for a failure",
			c->seed, step, what, w1 - w0);
		return;
	}
	cr_assert_eq(w1 - w0, 0, "seed %lu step %d (%s): warned: %s", c->seed,
		     step, what, cap.last_warn);
	cr_assert_eq(va_size(va), req_size(&r), "seed %lu step %d (%s)",
		     c->seed, step, what);
	cr_assert(IS_ALIGNED(va->va_start, req_align(&r)) &&
			  va->va_start >= r.vstart && va->va_end <= r.vend,
		  "seed %lu step %d (%s): got +%#lx-+%#lx", c->seed, step, what,
		  va->va_start - win_start, va->va_end - win_start);
	cr_assert_eq(va->state, VA_BUSY);
	cr_assert(
		!m_overlaps(va->va_start, va->va_end),
		"seed %lu step %d (%s): +%#lx-+%#lx overlaps a busy or lazy area",
		c->seed, step, what, va->va_start - win_start,
		va->va_end - win_start);
	m_took(&r, va);
	if (nr_live == lv_cap) {
		lv_cap = lv_cap ? 2 * lv_cap : 256;
		lv = realloc(lv, lv_cap * sizeof(*lv));
		cr_assert_not_null(lv);
	}
	lv[nr_live++] = (struct live){ va, va->va_start, va->va_end };
	tally.max_live = max(tally.max_live, nr_live);
	cr_assert_eq(kva_find(va->va_start), va);
	cr_assert_eq(kva_find(va->va_end - 1), va);
}

static void run_step_free(size_t i)
{
	struct live l = lv[i];
	unsigned long w0 = warnings();
	long mi = m_index(l.start);

	cr_assert(mi >= 0 && m.a[mi].va == l.va);
	own_note_free(l.va);
	kva_free(l.va);
	m_free((size_t)mi);
	lv[i] = lv[--nr_live];
	tally.frees++;
	cr_assert_eq(warnings(), w0, "kva_free warned: %s", cap.last_warn);
	cr_assert_null(kva_find(l.start), "a freed area is still found");
}

/* A random address: kva_find() sees exactly the busy areas. */
static void run_step_probe(void)
{
	unsigned long addr = win_start + rng_below(WIN_SIZE);
	size_t i = m_lower(addr + 1);
	struct vmap_area *want = NULL;

	if (i > 0 && m.a[i - 1].end > addr && !m.a[i - 1].lazy)
		want = m.a[i - 1].va;
	cr_assert_eq(kva_find(addr), want, "kva_find(+%#lx)", addr - win_start);
}

static void run_check(const struct run_cfg *c, int step)
{
	struct uvm_kva_stats st = kstats();
	int bad = uvm_check();

	cr_assert_eq(
		bad, 0,
		"seed %lu step %d: uvm_check found %d violations, the last: %s",
		c->seed, step, bad, cap.last_err);
	cr_assert_eq(own.err[0], '\0', "seed %lu step %d: owner: %s", c->seed,
		     step, own.err);
	cr_assert_eq(st.busy_areas, (long)nr_live,
		     "seed %lu step %d: %ld busy areas, %zu live", c->seed,
		     step, st.busy_areas, nr_live);
	cr_assert_eq(st.lazy_pages, m.lazy_pages,
		     "seed %lu step %d: %lu lazy pages, the model has %lu",
		     c->seed, step, st.lazy_pages, m.lazy_pages);
	cr_assert_eq(
		own_pending_pages(), m.lazy_pages,
		"seed %lu step %d: %lu pages freed and not reclaimed, %lu lazy",
		c->seed, step, own_pending_pages(), m.lazy_pages);
}

/*
 * Boot @c, run it, end with the window whole. @rec, if given, receives the
 * address of every allocation (0 for none), or with @replay is compared
 * with them.
 */
static size_t run_random(const struct run_cfg *c, unsigned long *rec,
			 bool replay)
{
	bool exact = !(c->strategy == KVA_AUGMENT && c->pools);
	size_t nrec = 0;
	int step;

	boot_kva(c->strategy, c->lazy, c->pools, c->nodes, c->lazy_max);
	model_init(c->strategy, c->lazy, c->lazy_max);
	rng_seed(c->seed);
	nr_live = 0;
	memset(&tally, 0, sizeof(tally));

	for (step = 0; step < c->steps; step++) {
		unsigned long op = rng_below(100);
		unsigned long p_alloc = nr_live < 500 ? 60 : 40;

		if (!nr_live || op < p_alloc) {
			run_step_alloc(c, step, exact, rec, &nrec, replay);
		} else if (op < 94) {
			run_step_free(rng_below(nr_live));
		} else if (op < 97) {
			bool all = rng_below(2);
			size_t lazy = m.nr_lazy;
			unsigned long n = kva_purge(all);

			m_purge();
			cr_assert_eq(n, lazy, "step %d: purged %lu of %zu",
				     step, n, lazy);
		} else {
			run_step_probe();
		}
		run_check(c, step);
	}

	while (nr_live)
		run_step_free(nr_live - 1);
	kva_purge(true);
	m_purge();
	run_check(c, step);
	cr_log_info(
		"%s lazy=%d pools=%d nodes=%d seed %lu: %lu allocations (%lu failed, %lu top-down), %lu frees, %lu purges, at most %zu live",
		kva_names[c->strategy], c->lazy, c->pools, c->nodes, c->seed,
		tally.allocs, tally.failed, tally.topdown, tally.frees,
		kstats().purges, tally.max_live);
	assert_window_whole();
	free(lv);
	lv = NULL;
	lv_cap = 0;
	uvm_shutdown();
	return nrec;
}

/* ------------------------------------------------------- 1. differential */

TestSuite(kva_diff, .fini = teardown, .timeout = 300);

/*
 * The list walk and the augmented tree are both lowest-address first fit
 * (highest for top-down): over the same free space they must agree on
 * every address, with each other and with the model.
 */
static void differential(bool topdown)
{
	static const unsigned long seeds[] = { 1, 2, 3 };
	struct run_cfg c = {
		.lazy = 0,
		.pools = 0,
		.nodes = 1,
		.lazy_max = 1024,
		.steps = 3000,
		.topdown = topdown,
	};
	unsigned long *rec = calloc((size_t)c.steps, sizeof(*rec));
	size_t i, n, n2;

	cr_assert_not_null(rec);
	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		c.seed = seeds[i];
		c.strategy = KVA_LIST;
		c.nodes = 1;
		n = run_random(&c, rec, false);
		cr_assert_gt(n, 1000);

		c.strategy = KVA_AUGMENT;
		n2 = run_random(&c, rec, true);
		cr_assert_eq(n2, n, "%zu allocations replayed of %zu", n2, n);

		/* Vmap nodes change where areas are filed, not where. */
		c.nodes = 3;
		n2 = run_random(&c, rec, true);
		cr_assert_eq(n2, n);
	}
	free(rec);
}

Test(kva_diff, lowest_fit)
{
	differential(false);
}

Test(kva_diff, topdown)
{
	differential(true);
}

/* A hand-made case: the list and the tree take the lowest aligned fit. */
Test(kva_diff, aligned_hole_below_larger_one)
{
	int s;

	for (s = 0; s < 3; s++) {
		struct vmap_area *a, *b, *c, *d, *va;

		if (s == KVA_RBTREE)
			continue;
		boot_kva(s, 0, 0, 1, 1024);
		/* [a][2 MiB hole, 2 MiB-aligned][b][8 MiB hole][c] */
		a = alloc_at(win_start, (2UL << 20) - GUARD);
		d = alloc_at(win_start + (2UL << 20), (2UL << 20) - GUARD);
		b = alloc_at(win_start + (4UL << 20), (2UL << 20) - GUARD);
		c = alloc_at(win_start + (14UL << 20), (2UL << 20) - GUARD);
		free_va(d);
		/* 1 MiB at 2 MiB alignment fits the small hole exactly. */
		va = kva_alloc(1UL << 20, 2UL << 20, win_start, win_end, 0, 0);
		cr_assert_not_null(va);
		cr_assert_eq(va->va_start, win_start + (2UL << 20), "%s: +%#lx",
			     kva_names[s], va->va_start - win_start);
		assert_check();
		free_va(va);
		free_va(a);
		free_va(b);
		free_va(c);
		kva_purge(true);
		assert_window_whole();
		uvm_shutdown();
	}
}

/* ----------------------------------------------- 2. the rbtree cache */

TestSuite(kva_rbtree, .fini = teardown, .timeout = 300);

ParameterizedTestParameters(kva_rbtree, cache_model)
{
	static struct run_cfg cfgs[] = {
		{ KVA_RBTREE, 0, 0, 1, 1024, 4000, 0, 11 },
		{ KVA_RBTREE, 0, 0, 1, 1024, 4000, 1, 12 },
		{ KVA_RBTREE, 1, 0, 1, 4096, 4000, 0, 13 },
		{ KVA_RBTREE, 1, 0, 1, 4096, 4000, 1, 14 },
		{ KVA_RBTREE, 1, 0, 1, 1UL << 30, 4000, 0, 15 },
	};

	return cr_make_param_array(struct run_cfg, cfgs, ARRAY_SIZE(cfgs));
}

ParameterizedTest(struct run_cfg *c, kva_rbtree, cache_model)
{
	run_random(c, NULL, false);
}

/* The cache in three moves, each predicted by hand. */
Test(kva_rbtree, cache_rules)
{
	struct vmap_area *a, *b, *c, *d, *e;
	unsigned long p = PAGE_SIZE;

	boot_kva(KVA_RBTREE, 0, 0, 1, 1024);
	a = alloc_ok(3 * p, 0, 0); /* [0, 4p) */
	b = alloc_ok(3 * p, 0, 0); /* [4p, 8p) */
	c = alloc_ok(3 * p, 0, 0); /* [8p, 12p) */
	cr_assert_eq(c->va_start, win_start + 8 * p);

	/* Freeing b moves the cache down to a: the hole is reused. */
	free_va(b);
	d = alloc_ok(3 * p, 0, 0);
	cr_assert_eq(d->va_start, win_start + 4 * p);

	/*
	 * Freeing a (below the cache d) moves the cache to a's predecessor,
	 * none: the next search starts from the bottom.
	 */
	free_va(a);
	e = alloc_ok(p, 0, 0);
	cr_assert_eq(e->va_start, win_start);
	free_va(e);

	/*
	 * A search from the cache that walks past a hole remembers its size:
	 * with the cache at c after a larger request, a small one still comes
	 * from the hole at the bottom (size < cached_hole_size).
	 */
	e = alloc_ok(7 * p, 0, 0); /* past d and c: [12p, 20p) */
	cr_assert_eq(e->va_start, win_start + 12 * p);
	free_va(e);
	e = alloc_ok(p, 0, 0);
	cr_assert_eq(e->va_start, win_start, "+%#lx", e->va_start - win_start);
	assert_check();
	free_va(c);
	free_va(d);
	free_va(e);
	assert_window_whole();
}

/* ------------------------------------------------- lazy frees (2 and 5) */

TestSuite(kva_lazy, .fini = teardown);

ParameterizedTestParameters(kva_lazy, not_reusable_until_purge)
{
	static int s[] = { KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

ParameterizedTest(int *s, kva_lazy, not_reusable_until_purge)
{
	struct vmap_area *a, *b, *c, *d;
	unsigned long a_start, size = 3 * PAGE_SIZE;

	boot_kva(*s, 1, 0, 1, 1UL << 20);
	a = alloc_ok(size, 0, 0);
	b = alloc_ok(size, 0, 0);
	a_start = a->va_start;
	cr_assert_eq(a_start, win_start);
	free_va(a);
	cr_assert_null(kva_find(a_start), "a lazy area is still found");
	cr_assert_eq(kstats().lazy_pages, 4);
	cr_assert_eq(kstats().busy_areas, 1);
	assert_check();

	/* The lazy range stays taken: the next fit lies above b. */
	c = alloc_ok(size, 0, 0);
	cr_assert_eq(c->va_start, b->va_end, "+%#lx", c->va_start - win_start);
	cr_assert_eq(own.reclaims, 0);

	cr_assert_eq(kva_purge(false), 1);
	cr_assert_eq(kstats().lazy_pages, 0);
	cr_assert_eq(own.reclaims, 1);
	cr_assert_eq(own.nr_log, 1);
	cr_assert_eq(own.log_start[0], a_start);
	cr_assert_eq(own.log_end[0], a_start + size + GUARD);
	assert_check();

	/* Purged, the range is free again and the lowest fit. */
	d = alloc_ok(size, 0, 0);
	cr_assert_eq(d->va_start, a_start);
	free_va(b);
	free_va(c);
	free_va(d);
	kva_purge(true);
	assert_window_whole();
}

struct lazy_cfg {
	int strategy;
	int pools;
};

ParameterizedTestParameters(kva_lazy, threshold)
{
	static struct lazy_cfg c[] = {
		{ KVA_RBTREE, 0 },
		{ KVA_AUGMENT, 0 },
		{ KVA_AUGMENT, 1 },
	};

	return cr_make_param_array(struct lazy_cfg, c, ARRAY_SIZE(c));
}

/*
 * lazy_max_pages=64, areas of 4 pages with the guard: the 16th free
 * reaches 64 lazy pages and waits, the 17th goes past and purges all 17
 * at once, in one flush (they are adjacent).
 */
ParameterizedTest(struct lazy_cfg *lc, kva_lazy, threshold)
{
	struct vmap_area *va[40];
	unsigned long purges, flushes;
	int i;

	boot_kva(lc->strategy, 1, lc->pools, 1, 64);
	cr_assert_eq(kstats().lazy_max_pages, 64);
	for (i = 0; i < 40; i++)
		va[i] = alloc_ok(3 * PAGE_SIZE, 0, 0);
	purges = kstats().purges;
	flushes = kstats().flush_calls;
	own_clear_log();
	for (i = 0; i < 34; i++) {
		free_va(va[i]);
		if (i == 16 || i == 33) {
			cr_assert_eq(kstats().purges, purges + 1,
				     "free %d: no purge past the threshold",
				     i + 1);
			cr_assert_eq(kstats().lazy_pages, 0);
			cr_assert_eq(kstats().flush_calls, flushes + 1,
				     "17 adjacent areas, %lu flushes",
				     kstats().flush_calls - flushes);
			purges++;
			flushes++;
		} else {
			cr_assert_eq(kstats().purges, purges,
				     "free %d purged at %lu lazy pages", i + 1,
				     kstats().lazy_pages);
			cr_assert_eq(kstats().lazy_pages,
				     4UL * (unsigned long)(i < 17 ? i + 1 :
								    i - 16));
		}
		assert_check();
	}
	cr_assert_eq(own.reclaims, 34);
	cr_assert_eq(own.nr_log, 2);
	cr_assert_eq(own.log_start[0], win_start);
	cr_assert_eq(own.log_end[0], win_start + 68 * PAGE_SIZE);
	cr_assert_eq(own.log_start[1], win_start + 68 * PAGE_SIZE);
	cr_assert_eq(own.log_end[1], win_start + 136 * PAGE_SIZE);
	for (i = 34; i < 40; i++)
		free_va(va[i]);
	kva_purge(true);
	assert_window_whole();
}

/* lazy=0: every free purges at once (kva=list frees without a purge). */
ParameterizedTestParameters(kva_lazy, eager)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

ParameterizedTest(int *s, kva_lazy, eager)
{
	struct vmap_area *va[8];
	struct uvm_kva_stats st0, st;
	int i;

	boot_kva(*s, 0, 0, 1, 1UL << 20);
	for (i = 0; i < 8; i++)
		va[i] = alloc_ok(PAGE_SIZE, 0, 0);
	st0 = kstats();
	for (i = 0; i < 8; i++) {
		free_va(va[(i * 3) % 8]);
		st = kstats();
		cr_assert_eq(st.purges - st0.purges,
			     *s == KVA_LIST ? 0 : (unsigned long)i + 1);
		cr_assert_eq(st.flush_calls - st0.flush_calls,
			     (unsigned long)i + 1);
		cr_assert_eq(st.lazy_pages, 0);
		cr_assert_eq(own.reclaims, (unsigned long)i + 1);
		cr_assert_eq(own.nr, 0);
		assert_check();
	}
	cr_assert_eq(kva_purge(false), 0);
	assert_window_whole();
}

/*
 * One flush per run of adjacent lazy areas, whatever order they were freed
 * in: a, b and c touch, e is apart (d stays busy between them).
 */
ParameterizedTestParameters(kva_lazy, coalesced_flush)
{
	static int s[] = { KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

ParameterizedTest(int *s, kva_lazy, coalesced_flush)
{
	struct vmap_area *a, *b, *c, *d, *e;
	unsigned long flushes;

	boot_kva(*s, 1, 0, 1, 1UL << 20);
	a = alloc_ok(2 * PAGE_SIZE, 0, 0);
	b = alloc_ok(PAGE_SIZE, 0, 0);
	c = alloc_ok(5 * PAGE_SIZE, 0, 0);
	d = alloc_ok(PAGE_SIZE, 0, 0);
	e = alloc_ok(3 * PAGE_SIZE, 0, 0);
	cr_assert(a->va_end == b->va_start && b->va_end == c->va_start &&
		  c->va_end == d->va_start && d->va_end == e->va_start);
	free_va(c);
	free_va(e);
	free_va(a);
	free_va(b);
	cr_assert_eq(own.flushes, 0, "a lazy free flushed");
	flushes = kstats().flush_calls;
	own_clear_log();
	cr_assert_eq(kva_purge(false), 4);
	cr_assert_eq(kstats().flush_calls - flushes, 2);
	cr_assert_eq(own.nr_log, 2);
	cr_assert_eq(own.log_start[0], win_start);
	cr_assert_eq(own.log_end[0], d->va_start);
	cr_assert_eq(own.log_start[1], d->va_end);
	cr_assert_eq(own.log_end[1], d->va_end + 4 * PAGE_SIZE);
	cr_assert_eq(own.reclaims, 4);
	cr_assert_eq(kstats().purged_areas, 4);
	assert_check();
	free_va(d);
	kva_purge(true);
	assert_window_whole();
}

struct refuse_cfg {
	int strategy;
	int lazy;
};

ParameterizedTestParameters(kva_lazy, refused_flush)
{
	static struct refuse_cfg c[] = {
		{ KVA_RBTREE, 0 },
		{ KVA_RBTREE, 1 },
		{ KVA_AUGMENT, 0 },
		{ KVA_AUGMENT, 1 },
	};

	return cr_make_param_array(struct refuse_cfg, c, ARRAY_SIZE(c));
}

/*
 * A flush the owner refuses leaves its areas lazy: counted, not found, not
 * allocatable (not even by the purge an allocation failure runs); the next
 * purge tries again.
 */
ParameterizedTest(struct refuse_cfg *rc, kva_lazy, refused_flush)
{
	struct vmap_area *a, *b, *va;
	unsigned long a_start, size = 3 * PAGE_SIZE, refused;

	boot_kva(rc->strategy, rc->lazy, 0, 1, 1UL << 20);
	a = alloc_ok(size, 0, 0);
	b = alloc_ok(size, 0, 0);
	a_start = a->va_start;
	own.refuse = 1;
	free_va(a);
	if (rc->lazy)
		cr_assert_eq(kva_purge(false), 0);
	cr_assert_gt(own.refused, 0);
	cr_assert_eq(own.reclaims, 0, "reclaimed after a refused flush");
	cr_assert_eq(kstats().lazy_pages, 4);
	cr_assert_null(kva_find(a_start));
	assert_check();

	/* Its exact range fails, after a purge that is refused again. */
	refused = own.refused;
	va = kva_alloc(size, PAGE_SIZE, a_start, a_start + size + GUARD,
		       KVA_NOWARN, 0);
	cr_assert_null(va, "a lazy area whose flush was refused was reused");
	cr_assert_eq(own.refused, refused + 1);
	cr_assert_eq(kstats().lazy_pages, 4);
	assert_check();
	cr_assert_eq(kva_purge(true), 0);
	assert_check();

	own.refuse = 0;
	cr_assert_eq(kva_purge(false), 1);
	cr_assert_eq(own.reclaims, 1);
	cr_assert_eq(kstats().lazy_pages, 0);
	assert_check();
	va = alloc_at(a_start, size);
	free_va(va);
	free_va(b);
	kva_purge(true);
	assert_window_whole();
}

/*
 * kva=list frees at once: a refused flush keeps the area busy, reserved
 * and findable, and a later free that is not refused frees it.
 */
Test(kva_lazy, refused_flush_list)
{
	struct vmap_area *a;
	unsigned long w0;

	boot_kva(KVA_LIST, 0, 0, 1, 1024);
	a = alloc_ok(PAGE_SIZE, 0, 0);
	own.refuse = 1;
	w0 = warnings();
	free_va(a);
	cr_assert_eq(warnings() - w0, 1);
	cr_assert(strstr(cap.last_warn, "could not be unmapped"), "%s",
		  cap.last_warn);
	cr_assert_eq(own.reclaims, 0);
	cr_assert_eq(kva_find(a->va_start), a);
	cr_assert_eq(kstats().busy_areas, 1);
	/* Still busy in the owner's eyes too: forget the refused free. */
	own.nr = 0;
	own.frees--;
	assert_check();
	own.refuse = 0;
	free_va(a);
	cr_assert_eq(own.reclaims, 1);
	assert_window_whole();
}

/*
 * A full window: an allocation that finds no room purges and retries once,
 * and so reuses an area freed lazily a moment before.
 */
ParameterizedTestParameters(kva_lazy, purge_and_retry)
{
	static struct lazy_cfg c[] = {
		{ KVA_RBTREE, 0 },
		{ KVA_AUGMENT, 0 },
		{ KVA_AUGMENT, 1 },
	};

	return cr_make_param_array(struct lazy_cfg, c, ARRAY_SIZE(c));
}

ParameterizedTest(struct lazy_cfg *lc, kva_lazy, purge_and_retry)
{
	unsigned long size = (4UL << 20) - GUARD, hole, purges, failures;
	struct vmap_area *va[256], *x;
	int i;

	boot_kva(lc->strategy, 1, lc->pools, 1, 1UL << 30);
	for (i = 0; i < 256; i++)
		va[i] = alloc_ok(size, 0, 0);
	purges = kstats().purges;
	failures = kstats().failures;
	x = alloc_any(size, KVA_NOWARN, 0);
	cr_assert_null(x, "a 257th 4 MiB area in 1 GiB");
	cr_assert_eq(kstats().purges, purges + 1, "no purge before failing");
	cr_assert_eq(kstats().failures, failures + 1);
	x = alloc_any(PAGE_SIZE, KVA_NO_GUARD | KVA_NOWARN, 0);
	cr_assert_null(x, "room left in a full window");
	assert_check();

	hole = va[100]->va_start;
	free_va(va[100]);
	purges = kstats().purges;
	failures = kstats().failures;
	cr_assert_eq(kstats().lazy_pages, 1024);
	x = alloc_any(size, 0, 0);
	cr_assert_not_null(x, "no retry after a purge: %s", cap.last_warn);
	cr_assert_eq(x->va_start, hole);
	cr_assert_eq(kstats().purges, purges + 1);
	cr_assert_eq(kstats().failures, failures);
	cr_assert_eq(own.reclaims, 1);
	assert_check();
	va[100] = x;
	for (i = 0; i < 256; i++)
		free_va(va[i]);
	kva_purge(true);
	assert_window_whole();
}

/* ---------------------------------------------- 3. random everything */

TestSuite(kva_random, .fini = teardown, .timeout = 300);

ParameterizedTestParameters(kva_random, run)
{
	static struct run_cfg cfgs[] = {
		{ KVA_LIST, 0, 0, 1, 4096, 5000, 1, 101 },
		{ KVA_LIST, 1, 0, 1, 4096, 5000, 1, 102 },
		{ KVA_RBTREE, 0, 0, 1, 4096, 5000, 1, 103 },
		{ KVA_RBTREE, 1, 0, 1, 4096, 5000, 1, 104 },
		{ KVA_AUGMENT, 0, 0, 1, 4096, 5000, 1, 105 },
		{ KVA_AUGMENT, 0, 0, 3, 4096, 5000, 1, 106 },
		{ KVA_AUGMENT, 0, 1, 1, 4096, 5000, 1, 107 },
		{ KVA_AUGMENT, 0, 1, 3, 4096, 5000, 1, 108 },
		{ KVA_AUGMENT, 1, 0, 1, 4096, 5000, 1, 109 },
		{ KVA_AUGMENT, 1, 0, 3, 4096, 5000, 1, 110 },
		{ KVA_AUGMENT, 1, 1, 1, 4096, 5000, 1, 111 },
		{ KVA_AUGMENT, 1, 1, 3, 4096, 5000, 1, 112 },
	};

	return cr_make_param_array(struct run_cfg, cfgs, ARRAY_SIZE(cfgs));
}

ParameterizedTest(struct run_cfg *c, kva_random, run)
{
	run_random(c, NULL, false);
}

/*
 * Pools on, small areas only, requests over the whole window from every
 * CPU: most allocations come out of pools; nothing may overlap, and the
 * window comes back whole.
 */
ParameterizedTestParameters(kva_random, pools_churn)
{
	static int nodes[] = { 1, 3 };

	return cr_make_param_array(int, nodes, ARRAY_SIZE(nodes));
}

ParameterizedTest(int *nodes, kva_random, pools_churn)
{
	struct vmap_area *live[64] = { NULL };
	unsigned long from_pool = 0;
	int step, i;

	boot_kva(KVA_AUGMENT, 1, 1, *nodes, 256);
	model_init(KVA_AUGMENT, true, 256);
	rng_seed(7 + (unsigned long)*nodes);
	for (step = 0; step < 20000; step++) {
		i = (int)rng_below(64);
		if (live[i]) {
			long mi = m_index(live[i]->va_start);

			cr_assert(mi >= 0);
			free_va(live[i]);
			m_free((size_t)mi);
			live[i] = NULL;
		} else {
			unsigned long purges = kstats().purges;
			unsigned long pooled = census().nr[VA_POOLED];
			struct vmap_area *va =
				alloc_ok((1 + rng_below(8)) << PAGE_SHIFT, 0,
					 (int)rng_below(8));

			while (m.purges < kstats().purges)
				m_purge();
			if (kstats().purges == purges &&
			    census().nr[VA_POOLED] < pooled)
				from_pool++;
			cr_assert(!m_overlaps(va->va_start, va->va_end));
			m_insert(va->va_start, va->va_end, va);
			live[i] = va;
		}
		if (!(step % 64))
			assert_check();
	}
	cr_assert_gt(from_pool, 1000, "only %lu allocations from pools",
		     from_pool);
	cr_log_info("vmap_nodes=%d: %lu allocations from pools", *nodes,
		    from_pool);
	for (i = 0; i < 64; i++)
		if (live[i])
			free_va(live[i]);
	kva_purge(true);
	assert_window_whole();
}

/* ----------------------------------------------------------- 4. alignment */

TestSuite(kva_align, .fini = teardown);

ParameterizedTestParameters(kva_align, shift)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

/*
 * The kernel's align_shift test: 1 page at alignment 1 << i for every i.
 * With the first page of the window taken, 1 << 29 still fits and 1 << 30
 * and above (1 << 40 included, although the window starts 2^40-aligned)
 * cannot: each fails cleanly with one warning line.
 */
ParameterizedTest(int *s, kva_align, shift)
{
	struct vmap_area *first, *va;
	unsigned long align, w0;
	int i, pass;

	boot_kva(*s, 0, 0, 1, 1024);
	cr_assert(IS_ALIGNED(win_start, 1UL << 40));
	first = alloc_ok(PAGE_SIZE, 0, 0);
	cr_assert_eq(first->va_start, win_start);
	for (pass = 0; pass < 2; pass++) {
		unsigned int flags = pass ? KVA_NOWARN : 0;

		for (i = 0; i < 64; i++) {
			align = 1UL << i;
			cap_reset();
			w0 = warnings();
			va = kva_alloc(PAGE_SIZE, align, win_start, win_end,
				       flags, 0);
			if (i < 30) {
				unsigned long want;

				cr_assert_not_null(va, "align 1 << %d failed",
						   i);
				cr_assert(align_up(first->va_end,
						   max(align, PAGE_SIZE),
						   &want));
				cr_assert_eq(va->va_start, want,
					     "align 1 << %d: +%#lx", i,
					     va->va_start - win_start);
				cr_assert_eq(warnings(), w0);
				free_va(va);
			} else {
				cr_assert_null(va, "align 1 << %d gave +%#lx",
					       i, va->va_start - win_start);
				cr_assert_eq(warnings() - w0, pass ? 0 : 1,
					     "align 1 << %d: %lu warnings", i,
					     warnings() - w0);
				if (!pass)
					cr_assert(
						strstr(cap.last_warn,
						       "vmalloc_node_range for size 8192 failed"),
						"%s", cap.last_warn);
			}
			assert_check();
		}
	}
	free_va(first);
	assert_window_whole();
}

ParameterizedTestParameters(kva_align, huge_aligned)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

/* 2 MiB alignment gives 2 MiB-aligned areas, one after the other. */
ParameterizedTest(int *s, kva_align, huge_aligned)
{
	struct vmap_area *small, *va[10];
	int i;

	boot_kva(*s, 0, 0, 1, 1024);
	small = alloc_ok(PAGE_SIZE, 0, 0);
	for (i = 0; i < 10; i++) {
		va[i] = kva_alloc((2UL << 20) - GUARD, 2UL << 20, win_start,
				  win_end, 0, 0);
		cr_assert_not_null(va[i]);
		cr_assert(IS_ALIGNED(va[i]->va_start, 2UL << 20));
		cr_assert_eq(va[i]->va_start,
			     win_start + ((unsigned long)i + 1) * (2UL << 20));
	}
	/* 4 MiB alignment skips the 2 MiB slot right after them. */
	free_va(small);
	small = kva_alloc(PAGE_SIZE, 4UL << 20, win_start + PAGE_SIZE, win_end,
			  0, 0);
	cr_assert_not_null(small);
	cr_assert_eq(small->va_start, win_start + (24UL << 20));
	assert_check();
	free_va(small);
	for (i = 0; i < 10; i++)
		free_va(va[i]);
	assert_window_whole();
}

ParameterizedTestParameters(kva_align, not_power_of_two)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

ParameterizedTest(int *s, kva_align, not_power_of_two)
{
	static const unsigned long bad[] = { 0, 3, 3 * PAGE_SIZE,
					     (1UL << 20) + PAGE_SIZE, ~0UL };
	unsigned long w0;
	size_t i;

	boot_kva(*s, 0, 0, 1, 1024);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_reset();
		w0 = warnings();
		cr_assert_null(kva_alloc(PAGE_SIZE, bad[i], win_start, win_end,
					 0, 0),
			       "align %#lx", bad[i]);
		cr_assert_eq(warnings() - w0, 1, "align %#lx: %lu warnings",
			     bad[i], warnings() - w0);
		cr_assert(strstr(cap.last_warn, "not a power of two"), "%s",
			  cap.last_warn);
		cr_assert_eq(kstats().busy_areas, 0);
		assert_check();
	}
	assert_window_whole();
}

ParameterizedTestParameters(kva_align, exact_range)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

/*
 * size + guard == vend - vstart: the range itself when it is free (also at
 * an alignment the range start meets), nothing when anything is in it.
 */
ParameterizedTest(int *s, kva_align, exact_range)
{
	unsigned long vs, ve, size = (2UL << 20) - GUARD, w0;
	struct vmap_area *va, *x;

	boot_kva(*s, 0, 0, 1, 1024);
	vs = win_start + (16UL << 20);
	ve = vs + (2UL << 20);
	va = kva_alloc(size, PAGE_SIZE, vs, ve, 0, 0);
	cr_assert_not_null(va);
	cr_assert_eq(va->va_start, vs);
	cr_assert_eq(va->va_end, ve);
	cap_reset();
	w0 = warnings();
	cr_assert_null(kva_alloc(size, PAGE_SIZE, vs, ve, 0, 0));
	cr_assert_eq(warnings() - w0, 1);
	cr_assert(strstr(cap.last_warn, "vmalloc_node_range for size"), "%s",
		  cap.last_warn);
	w0 = warnings();
	cr_assert_null(kva_alloc(size, PAGE_SIZE, vs, ve, KVA_NOWARN, 0));
	cr_assert_eq(warnings(), w0);
	free_va(va);

	/* The same with the alignment of the range start. */
	va = kva_alloc(size, 2UL << 20, vs, ve, 0, 0);
	cr_assert_not_null(va, "an exact 2 MiB-aligned range failed");
	cr_assert_eq(va->va_start, vs);
	free_va(va);
	/* An alignment the start does not meet cannot be had. */
	cr_assert_null(kva_alloc(size, 1UL << 30, vs, ve, KVA_NOWARN, 0));
	/* Without a guard page the area is the range. */
	va = kva_alloc(2UL << 20, PAGE_SIZE, vs, ve, KVA_NO_GUARD, 0);
	cr_assert_not_null(va);
	cr_assert_eq(va->va_start, vs);
	cr_assert_eq(va->va_end, ve);
	free_va(va);

	/* One page taken in the middle: the range no longer fits. */
	x = alloc_at(vs + (1UL << 20), PAGE_SIZE);
	cr_assert_null(kva_alloc(size, PAGE_SIZE, vs, ve, KVA_NOWARN, 0));
	cr_assert_null(kva_alloc(2UL << 20, PAGE_SIZE, vs, ve,
				 KVA_NO_GUARD | KVA_NOWARN | KVA_TOPDOWN, 0));
	/* But each half does, bottom-up and top-down. */
	va = kva_alloc((1UL << 20) - GUARD, PAGE_SIZE, vs, ve, 0, 0);
	cr_assert_not_null(va);
	cr_assert_eq(va->va_start, vs);
	free_va(va);
	va = kva_alloc((1UL << 20) - 3 * PAGE_SIZE, PAGE_SIZE, vs, ve,
		       KVA_TOPDOWN, 0);
	cr_assert_not_null(va);
	cr_assert_eq(va->va_start, x->va_end);
	cr_assert_eq(va->va_end, ve);
	free_va(va);
	free_va(x);
	assert_check();
	assert_window_whole();
}

/* --------------------------------------------------------------- 6. pools */

TestSuite(kva_pools, .fini = teardown);

/*
 * After a purge a small freed area waits in the pool of the node its
 * address belongs to; an allocation of the same size over the whole window
 * from a CPU of that node gets it back, any other request does not.
 */
Test(kva_pools, reuse_by_node)
{
	unsigned long size = 7 * PAGE_SIZE, a_start, b_start;
	struct vmap_area *a, *b, *c, *va, *probe[5];
	struct census cs;
	int na, nb, other, i;

	boot_kva(KVA_AUGMENT, 1, 1, 3, 1UL << 20);
	cr_assert_eq(kstats().vmap_nodes, 3);
	a = alloc_ok(size, 0, 0);
	b = alloc_ok(size, 0, 1);
	c = alloc_ok(size, 0, 2);
	a_start = a->va_start;
	b_start = b->va_start;
	na = kva_addr_to_node(a_start);
	nb = kva_addr_to_node(b_start);
	other = (na + 1) % 3;

	free_va(a);
	cr_assert_eq(kva_purge(false), 1);
	cs = census();
	cr_assert_eq(cs.nr[VA_POOLED], 1);
	cr_assert_eq(cs.pooled_start, a_start);
	cr_assert_eq(cs.pooled_node, na);
	assert_check();

	/* Another node's CPU: from the tree, above c. */
	probe[0] = alloc_ok(size, 0, other);
	cr_assert_eq(probe[0]->va_start, c->va_end, "+%#lx",
		     probe[0]->va_start - win_start);
	/* Another size: from the tree. */
	probe[1] = alloc_ok(size - PAGE_SIZE, 0, na);
	cr_assert_eq(probe[1]->va_start, probe[0]->va_end);
	/* Part of the window only: from the tree. */
	probe[2] = kva_alloc(size, PAGE_SIZE, win_start, win_end - PAGE_SIZE, 0,
			     na);
	cr_assert_not_null(probe[2]);
	cr_assert_eq(probe[2]->va_start, probe[1]->va_end);
	/* Top-down: from the top of the tree. */
	probe[3] = alloc_ok(size, KVA_TOPDOWN, na);
	cr_assert_eq(probe[3]->va_end, win_end);
	cr_assert_eq(census().nr[VA_POOLED], 1);
	assert_check();

	/* Its own node (cpu % nr_vmap_nodes): the pooled area itself. */
	va = alloc_ok(size, 0, na + 3);
	cr_assert_eq(va->va_start, a_start);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	assert_check();

	/* b (8 pages in: not 64 KiB-aligned) is pooled but misaligned. */
	free_va(b);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 1);
	probe[4] = kva_alloc(size, 16 * PAGE_SIZE, win_start, win_end, 0, nb);
	cr_assert_not_null(probe[4]);
	cr_assert_neq(probe[4]->va_start, b_start);
	cr_assert(IS_ALIGNED(probe[4]->va_start, 16 * PAGE_SIZE));
	cr_assert_eq(census().nr[VA_POOLED], 1);
	b = alloc_ok(size, 0, nb);
	cr_assert_eq(b->va_start, b_start);
	assert_check();

	free_va(va);
	free_va(b);
	free_va(c);
	for (i = 0; i < 5; i++)
		free_va(probe[i]);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 8);
	assert_check();
	/* Decay everything: the window is whole without another purge. */
	kva_purge(true);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	assert_window_whole();
}

/* A purge decays a quarter of each pool (rounded down); (true) all. */
Test(kva_pools, decay)
{
	struct vmap_area *va[96], *mine[8];
	static const unsigned long left[] = { 8, 6, 5, 4, 3, 3, 3 };
	unsigned long lowest;
	int i, n = 0, node;

	boot_kva(KVA_AUGMENT, 1, 1, 3, 1UL << 20);
	/* 4-page areas, four to a 16-page zone: zones go round the nodes. */
	for (i = 0; i < 96; i++)
		va[i] = alloc_ok(3 * PAGE_SIZE, 0, 0);
	node = kva_addr_to_node(va[0]->va_start);
	for (i = 0; i < 96 && n < 8; i++) {
		if (kva_addr_to_node(va[i]->va_start) == node) {
			mine[n++] = va[i];
			va[i] = NULL;
		}
	}
	cr_assert_eq(n, 8);
	for (i = 0; i < 8; i++)
		free_va(mine[i]);
	cr_assert_eq(kva_purge(false), 8);
	for (i = 0; i < (int)ARRAY_SIZE(left); i++) {
		cr_assert_eq(census().nr[VA_POOLED], left[i],
			     "after %d more purges: %lu pooled, want %lu", i,
			     census().nr[VA_POOLED], left[i]);
		assert_check();
		kva_purge(false);
	}
	kva_purge(true);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	assert_check();
	/* Decayed areas merged back: the lowest fit is the window start. */
	lowest = alloc_ok(PAGE_SIZE, 0, 0)->va_start;
	cr_assert_eq(lowest, win_start);
	free_va(kva_find(lowest));
	for (i = 0; i < 96; i++)
		if (va[i])
			free_va(va[i]);
	kva_purge(true);
	assert_window_whole();
}

/*
 * An allocation that finds no room purges with a full decay and retries:
 * the space that very purge releases must be within its reach, not parked
 * in pools (the window is full of 256-page areas, all lazily freed).
 */
Test(kva_pools, retry_reaches_purged_space)
{
	static struct vmap_area *va[1024];
	struct vmap_area *big;
	int i;

	boot_kva(KVA_AUGMENT, 1, 1, 1, 1UL << 30);
	for (i = 0; i < 1024; i++)
		va[i] = alloc_ok((1UL << 20) - GUARD, 0, 0);
	for (i = 0; i < 1024; i++)
		free_va(va[i]);
	cr_assert_eq(kstats().lazy_pages, 1UL << 18);
	big = alloc_any(2UL << 20, KVA_NOWARN, 0);
	cr_assert_not_null(big,
			   "2 MiB in a free 1 GiB window failed (%lu pooled)",
			   census().nr[VA_POOLED]);
	cr_assert_eq(big->va_start, win_start);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	assert_check();
	free_va(big);
	kva_purge(true);
	assert_window_whole();
}

/* Areas over 256 pages, and everything with vmap_pools=0, skip the pools. */
Test(kva_pools, big_and_off)
{
	struct vmap_area *a, *b;
	unsigned long a_start;

	boot_kva(KVA_AUGMENT, 1, 1, 1, 1UL << 20);
	a = alloc_ok(256 * PAGE_SIZE, 0, 0); /* 257 pages */
	b = alloc_ok(PAGE_SIZE, 0, 0);
	a_start = a->va_start;
	free_va(a);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	a = alloc_ok(PAGE_SIZE, 0, 0);
	cr_assert_eq(a->va_start, a_start, "a big area did not merge back");
	free_va(a);
	free_va(b);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 2);
	kva_purge(true);
	assert_window_whole();
	uvm_shutdown();

	boot_kva(KVA_AUGMENT, 1, 0, 3, 1UL << 20);
	a = alloc_ok(PAGE_SIZE, 0, 0);
	b = alloc_ok(PAGE_SIZE, 0, 0);
	free_va(a);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	free_va(b);
	kva_purge(false);
	cr_assert_eq(census().nr[VA_POOLED], 0);
	assert_window_whole();
}

/* ----------------------------------------------------------- 7. bad input */

TestSuite(kva_bad, .fini = teardown);

ParameterizedTestParameters(kva_bad, requests)
{
	static int s[] = { KVA_LIST, KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

struct bad_req {
	unsigned long size;
	unsigned long align;
	long vstart; /* offsets from the window start */
	long vend;   /* from its end */
	const char *says;
};

ParameterizedTest(int *s, kva_bad, requests)
{
	const struct bad_req bad[] = {
		{ 0, PAGE_SIZE, 0, 0, "zero or not page-aligned" },
		{ 100, PAGE_SIZE, 0, 0, "zero or not page-aligned" },
		{ PAGE_SIZE + 1, PAGE_SIZE, 0, 0, "zero or not page-aligned" },
		{ PAGE_SIZE, 0, 0, 0, "not a power of two" },
		{ PAGE_SIZE, 3, 0, 0, "not a power of two" },
		{ PAGE_SIZE, PAGE_SIZE, (long)WIN_SIZE, 0, "range" },
		{ PAGE_SIZE, PAGE_SIZE, 1 << 20, -(long)WIN_SIZE, "range" },
		{ PAGE_SIZE, PAGE_SIZE, -(long)PAGE_SIZE, 0, "range" },
		{ PAGE_SIZE, PAGE_SIZE, 0, (long)PAGE_SIZE, "range" },
		{ PAGE_SIZE, PAGE_SIZE, 100, 0, "range" },
		{ PAGE_SIZE, PAGE_SIZE, 0, -100, "range" },
		{ 2 * PAGE_SIZE, PAGE_SIZE, 0, -(long)WIN_SIZE + 2 * PAGE_SIZE,
		  "vmalloc_node_range for size" },
		{ WIN_SIZE, PAGE_SIZE, 0, 0, "vmalloc_node_range for size" },
	};
	struct vmap_area *keep, *va;
	unsigned long w0;
	size_t i;

	boot_kva(*s, 1, 0, 1, 1UL << 20);
	keep = alloc_ok(PAGE_SIZE, 0, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_reset();
		w0 = warnings();
		va = kva_alloc(bad[i].size, bad[i].align,
			       win_start + (unsigned long)bad[i].vstart,
			       win_end + (unsigned long)bad[i].vend, 0, 0);
		cr_assert_null(va, "request %zu succeeded", i);
		cr_assert_eq(warnings() - w0, 1, "request %zu: %lu warnings", i,
			     warnings() - w0);
		cr_assert(strstr(cap.last_warn, bad[i].says), "request %zu: %s",
			  i, cap.last_warn);
		cr_assert_eq(kstats().busy_areas, 1);
		assert_check();
	}
	/* Any CPU number is fine. */
	va = alloc_ok(PAGE_SIZE, 0, -5);
	free_va(va);
	va = alloc_ok(PAGE_SIZE, 0, 1 << 20);
	free_va(va);

	/* Lookups outside the window, or of free space, find nothing. */
	w0 = warnings();
	cr_assert_null(kva_find(0));
	cr_assert_null(kva_find(win_start - 1));
	cr_assert_null(kva_find(win_end));
	cr_assert_null(kva_find(~0UL));
	cr_assert_null(kva_find(keep->va_end));
	cr_assert_eq(kva_find(keep->va_start), keep);
	cr_assert_eq(warnings(), w0);

	cap_reset();
	kva_free(NULL);
	cr_assert_eq(warnings() - w0, 1);
	cr_assert(strstr(cap.last_warn, "NULL"), "%s", cap.last_warn);
	assert_check();
	free_va(keep);
	kva_purge(true);
	assert_window_whole();
}

/*
 * A page-aligned size so large that the guard page wraps it past zero: a
 * bad request like the others, so NULL with one warning line.
 */
Test(kva_bad, size_overflow)
{
	unsigned long w0;
	int s;

	for (s = 0; s < NR_KVA_STRATEGIES; s++) {
		boot_kva(s, 1, 0, 1, 1UL << 20);
		cap_reset();
		w0 = warnings();
		cr_assert_null(kva_alloc(~0UL << PAGE_SHIFT, PAGE_SIZE,
					 win_start, win_end, 0, 0));
		cr_assert_null(kva_alloc(~0UL << PAGE_SHIFT, PAGE_SIZE,
					 win_start, win_end, KVA_NO_GUARD, 0));
		assert_check();
		cr_assert_eq(warnings() - w0, 2,
			     "%s: %lu warnings for two oversized requests",
			     kva_names[s], warnings() - w0);
		uvm_shutdown();
	}
}

ParameterizedTestParameters(kva_bad, double_free)
{
	static int s[] = { KVA_RBTREE, KVA_AUGMENT };

	return cr_make_param_array(int, s, ARRAY_SIZE(s));
}

/* A second free of a lazy area: one warning, nothing changes. */
ParameterizedTest(int *s, kva_bad, double_free)
{
	struct vmap_area *a, *b;
	struct uvm_kva_stats st;
	unsigned long w0;

	boot_kva(*s, 1, 0, 1, 1UL << 20);
	a = alloc_ok(PAGE_SIZE, 0, 0);
	b = alloc_ok(PAGE_SIZE, 0, 0);
	free_va(a);
	st = kstats();
	cap_reset();
	w0 = warnings();
	kva_free(a);
	cr_assert_eq(warnings() - w0, 1);
	cr_assert(strstr(cap.last_warn, "not busy"), "%s", cap.last_warn);
	cr_assert_eq(kstats().busy_areas, st.busy_areas);
	cr_assert_eq(kstats().lazy_pages, st.lazy_pages);
	assert_check();
	cr_assert_eq(kva_purge(false), 1);
	cr_assert_eq(own.reclaims, 1);
	free_va(b);
	kva_purge(true);
	assert_window_whole();
}
