/* SPDX-License-Identifier: MIT */
/*
 * Threaded tests of the area allocator: four threads allocating and freeing
 * areas of random sizes over one window at once, on each strategy: augment
 * with four vmap nodes and pools (default and frequent purges), augment
 * purging at every free, rbtree with lazy frees, list.
 *
 * A shared page map (one atomic byte per page of the window) proves the
 * allocator's answers across threads: a new area's pages must all be
 * untouched, a flush may cover only pages of freed areas, and an area's
 * reclaim must come after a flush that covered all of its pages. After the
 * threads join, uvm_check() must pass; then everything is freed and purged
 * and the window must be one free area again.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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
#include "test_mt_util.h"

#define THREADS 4
#define OPS 40000 /* calls per thread: about 20000 allocations, as many frees */
#define MAX_LIVE 32
#define WIN_SIZE (1UL << 30)
#define WIN_PAGES (WIN_SIZE >> PAGE_SHIFT)

/* Page states in the map; 1..THREADS: busy, owned by that thread. */
#define PG_FREE 0
#define PG_FREED 0x80	/* its area was freed, no flush has covered it */
#define PG_FLUSHED 0x40 /* flushed, its area not reclaimed yet */

static atomic_uchar *pagemap;
static unsigned long win_start;

static atomic_ulong frees, reclaims, flushes;

/* ------------------------------------------------------------ the owner */

static unsigned long page_of(unsigned long addr)
{
	return (addr - win_start) >> PAGE_SHIFT;
}

static int owner_flush(unsigned long start, unsigned long end)
{
	unsigned long p;

	atomic_fetch_add(&flushes, 1);
	for (p = page_of(start); p < page_of(end); p++) {
		unsigned char s = atomic_load(&pagemap[p]);

		if (s != PG_FREED && s != PG_FLUSHED) {
			fail("flush %#lx-%#lx covers page %lu in state %#x",
			     start, end, p, s);
			break;
		}
		atomic_store(&pagemap[p], PG_FLUSHED);
	}
	return 0;
}

static void owner_reclaim(struct vmap_area *va)
{
	unsigned long p;

	atomic_fetch_add(&reclaims, 1);
	for (p = page_of(va->va_start); p < page_of(va->va_end); p++) {
		unsigned char s = PG_FLUSHED;

		if (!atomic_compare_exchange_strong(&pagemap[p], &s, PG_FREE)) {
			fail("reclaim of %#lx-%#lx: page %lu in state %#x",
			     va->va_start, va->va_end, p, s);
			break;
		}
	}
}

static const struct kva_owner_ops owner_ops = {
	.flush = owner_flush,
	.reclaim = owner_reclaim,
};

/* ---------------------------------------------------------- the workers */

/**
 * struct worker - one thread and its areas
 * @id: 0..THREADS-1, also the CPU it passes
 * @rng: its random state
 * @live: its busy areas
 * @nr_live: how many
 * @allocs, @failed: what it did
 */
struct worker {
	int id;
	uint64_t rng;
	struct vmap_area *live[MAX_LIVE];
	int nr_live;
	unsigned long allocs, failed;
};

static pthread_barrier_t start_line;

static unsigned long rnd(struct worker *w, unsigned long n)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (unsigned long)((w->rng * 0x2545f4914f6cdd1dULL) % n);
}

/* The pages of a new area pass from free to @w's. */
static void claim(struct worker *w, struct vmap_area *va)
{
	unsigned long p;

	for (p = page_of(va->va_start); p < page_of(va->va_end); p++) {
		unsigned char s = PG_FREE;

		if (!atomic_compare_exchange_strong(
			    &pagemap[p], &s, (unsigned char)(w->id + 1))) {
			fail("thread %d got %#lx-%#lx: page %lu in state %#x",
			     w->id, va->va_start, va->va_end, p, s);
			return;
		}
	}
}

static void release_and_free(int id, struct vmap_area *va)
{
	unsigned long p;

	for (p = page_of(va->va_start); p < page_of(va->va_end); p++) {
		unsigned char s =
			atomic_exchange(&pagemap[p], (unsigned char)PG_FREED);

		if (s != id + 1) {
			fail("thread %d frees %#lx-%#lx: page %lu in state %#x",
			     id, va->va_start, va->va_end, p, s);
			break;
		}
	}
	atomic_fetch_add(&frees, 1);
	kva_free(va);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int op;

	pthread_barrier_wait(&start_line);
	for (op = 0; op < OPS; op++) {
		if (w->nr_live < MAX_LIVE && (!w->nr_live || rnd(w, 2))) {
			unsigned long pages = rnd(w, 16) ? 1 + rnd(w, 16) :
							   1 + rnd(w, 256);
			unsigned long align =
				rnd(w, 8) ? PAGE_SIZE : PAGE_SIZE << rnd(w, 5);
			unsigned int flags = rnd(w, 8) ? 0 : KVA_NO_GUARD;
			struct vmap_area *va;

			va = kva_alloc(pages << PAGE_SHIFT, align, win_start,
				       win_start + WIN_SIZE, flags, w->id);
			w->allocs++;
			if (!va) {
				w->failed++;
				continue;
			}
			if (!IS_ALIGNED(va->va_start, align) ||
			    va->va_end - va->va_start !=
				    (pages << PAGE_SHIFT) +
					    (flags ? 0 : PAGE_SIZE))
				fail("thread %d: %#lx-%#lx for %lu pages at %#lx",
				     w->id, va->va_start, va->va_end, pages,
				     align);
			claim(w, va);
			if (kva_find(va->va_start) != va)
				fail("thread %d: its new area %#lx is not found",
				     w->id, va->va_start);
			w->live[w->nr_live++] = va;
		} else {
			int i = (int)rnd(w, (unsigned long)w->nr_live);
			struct vmap_area *va = w->live[i];

			w->live[i] = w->live[--w->nr_live];
			if (kva_find(va->va_end - 1) != va)
				fail("thread %d: its area %#lx is not found",
				     w->id, va->va_start);
			release_and_free(w->id, va);
		}
		if (atomic_load_explicit(&nr_errs, memory_order_relaxed))
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------- the test */

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
	free(pagemap);
	pagemap = NULL;
}

TestSuite(mt_kva, .fini = teardown, .timeout = 300);

struct mt_cfg {
	char cmdline[160];
};

ParameterizedTestParameters(mt_kva, churn)
{
	static struct mt_cfg cfgs[] = {
		{ "kva=augment vmap_nodes=4 vmap_pools=1 lazy=1" },
		{ "kva=augment vmap_nodes=4 vmap_pools=1 lazy=1 lazy_max_pages=256" },
		{ "kva=augment vmap_nodes=1 vmap_pools=0 lazy=0" },
		{ "kva=rbtree lazy=1" },
		{ "kva=list" },
	};

	return cr_make_param_array(struct mt_cfg, cfgs, ARRAY_SIZE(cfgs));
}

ParameterizedTest(struct mt_cfg *c, mt_kva, churn)
{
	static struct worker w[THREADS];
	pthread_t tid[THREADS];
	char cmdline[256];
	struct uvm_kva_stats st;
	unsigned long allocs = 0, failed = 0, p;
	struct vmap_area *whole;
	int i, j, bad;

	snprintf(cmdline, sizeof(cmdline), "mem=16M mmu=soft vmalloc=1G %s",
		 c->cmdline);
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(count_sink, NULL);
	cr_assert_eq(uvm_boot(cmdline), 0, "uvm_boot(\"%s\"): %s", cmdline,
		     first_err);
	win_start = VMALLOC_START;
	cr_assert_eq(VMALLOC_END - win_start, WIN_SIZE);
	pagemap = calloc(WIN_PAGES, sizeof(*pagemap));
	cr_assert_not_null(pagemap);
	kva_set_owner(&owner_ops);

	pthread_barrier_init(&start_line, NULL, THREADS);
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		cr_assert_eq(pthread_create(&tid[i], NULL, worker_main, &w[i]),
			     0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start_line);
	cr_assert_eq(atomic_load(&nr_errs), 0, "%s: %lu errors, the first: %s",
		     c->cmdline, atomic_load(&nr_errs), first_err);

	for (i = 0; i < THREADS; i++) {
		allocs += w[i].allocs;
		failed += w[i].failed;
	}
	cr_assert_eq(failed, 0, "%s: %lu of %lu allocations failed", c->cmdline,
		     failed, allocs);
	bad = uvm_check();
	cr_assert_eq(bad, 0, "%s: uvm_check found %d violations", c->cmdline,
		     bad);

	/* Free what is left, purge everything: the window is whole again. */
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < w[i].nr_live; j++)
			release_and_free(i, w[i].live[j]);
	kva_purge(true);
	cr_assert_eq(atomic_load(&nr_errs), 0, "%s: %s", c->cmdline, first_err);
	uvm_kva_stats(&st);
	cr_assert_eq(st.busy_areas, 0);
	cr_assert_eq(st.lazy_pages, 0);
	cr_assert_eq(atomic_load(&reclaims), atomic_load(&frees),
		     "%s: %lu reclaims for %lu frees", c->cmdline,
		     atomic_load(&reclaims), atomic_load(&frees));
	for (p = 0; p < WIN_PAGES; p++)
		cr_assert_eq(atomic_load(&pagemap[p]), PG_FREE,
			     "%s: page %lu left in state %#x", c->cmdline, p,
			     atomic_load(&pagemap[p]));
	cr_assert_eq(uvm_check(), 0);
	whole = kva_alloc(WIN_SIZE, PAGE_SIZE, win_start, win_start + WIN_SIZE,
			  KVA_NO_GUARD, 0);
	cr_assert_not_null(whole, "%s: the window is not whole", c->cmdline);
	cr_assert_eq(whole->va_start, win_start);
	cr_assert_eq(uvm_check(), 0);
	cr_log_info("%s: %lu allocations, %lu frees, %lu purges, %lu flushes",
		    c->cmdline, allocs, atomic_load(&frees), st.purges,
		    atomic_load(&flushes));
}
