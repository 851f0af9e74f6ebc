/* SPDX-License-Identifier: MIT */
/*
 * Threaded tests of the physical memory layer: threads allocating and
 * freeing concurrently, bulk allocation, per-CPU list drains from another
 * thread, and fault injection counted across threads.
 *
 * Every thread writes a tag of its own into each page it holds and checks
 * it before freeing, so two threads handed the same page are caught. The
 * scenarios are plain functions that report what they saw; the Criterion
 * tests at the bottom run them and judge the results.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <uvmalloc.h>

#define MAX_THREADS 8
#define MAX_LIVE 64
#define BULK 32

/* ------------------------------------------------------ a counting sink */

static atomic_ulong log_lines;
static atomic_ulong log_bad_lines; /* checker or corruption reports */
static char first_bad[512];
static pthread_mutex_t first_bad_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_sink(int level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	atomic_fetch_add(&log_lines, 1);
	if (strstr(line, "phys_check") || strstr(line, "corruption") ||
	    strstr(line, "bad page state")) {
		pthread_mutex_lock(&first_bad_lock);
		if (!atomic_fetch_add(&log_bad_lines, 1))
			snprintf(first_bad, sizeof(first_bad), "%s", line);
		pthread_mutex_unlock(&first_bad_lock);
	}
}

/* ------------------------------------------------------------ scenarios */

/**
 * struct mt_config - one threaded scenario
 * @cmdline: the boot command line
 * @threads: worker threads, at most MAX_THREADS
 * @iters: operations per worker
 * @max_order: single allocations use orders 0..max_order
 * @bulk_threads: of the workers, how many use alloc_pages_bulk() instead
 * @drainer: run one more thread calling drain_all_pages() until the end,
 *           and reading the /proc files now and then
 * @gfp: the flags of every allocation
 */
struct mt_config {
	const char *cmdline;
	int threads;
	unsigned long iters;
	unsigned int max_order;
	int bulk_threads;
	bool drainer;
	gfp_t gfp;
};

/**
 * struct mt_result - what a scenario saw
 * @boot_err: uvm_boot()'s return
 * @allocs: blocks the workers got
 * @frees: blocks the workers freed
 * @fails: allocations (or whole bulk calls) that returned nothing
 * @short_bulk: bulk calls that filled some slots but not all
 * @drains: drain_all_pages() calls the drainer made
 * @error: the first inconsistency a worker found, "" if none
 * @check: uvm_check() after the workers finished, before draining
 * @stats_end: the allocator's counters after the final drain
 */
struct mt_result {
	int boot_err;
	unsigned long allocs;
	unsigned long frees;
	unsigned long fails;
	unsigned long short_bulk;
	unsigned long drains;
	char error[256];
	int check;
	struct uvm_phys_stats stats_boot;
	struct uvm_phys_stats stats_end;
};

struct worker {
	pthread_t tid;
	int id;
	const struct mt_config *cfg;
	uint64_t rng;
	unsigned long serial;
	unsigned long allocs, frees, fails, short_bulk;
	char error[256];
};

struct held_block {
	struct page *page;
	unsigned int order;
	uint64_t tag;
};

static atomic_int stop_drainer;
/* Workers start together, so that they really overlap. */
static pthread_barrier_t start_line;

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A tag no other thread or block uses: thread, serial number. */
static uint64_t new_tag(struct worker *w)
{
	return ((uint64_t)(w->id + 1) << 56) | (++w->serial << 16);
}

/* Write the tag (with the page's index) at both ends of every page. */
static void stamp(struct page *page, unsigned int order, uint64_t tag)
{
	unsigned long pfn = page_to_pfn(page), i;

	for (i = 0; i < 1UL << order; i++) {
		uint64_t *p = page_address(pfn_to_page(pfn + i));

		p[0] = tag | i;
		p[PAGE_SIZE / sizeof(*p) - 1] = ~(tag | i);
	}
}

/* Whether every page of the block still carries our tag. */
static bool stamped(struct worker *w, const struct held_block *b)
{
	unsigned long pfn = page_to_pfn(b->page), i;

	if (page_count(b->page) != 1) {
		snprintf(w->error, sizeof(w->error),
			 "thread %d: pfn %#lx has refcount %d", w->id, pfn,
			 page_count(b->page));
		return false;
	}
	for (i = 0; i < 1UL << b->order; i++) {
		const uint64_t *p = page_address(pfn_to_page(pfn + i));

		if (p[0] != (b->tag | i) ||
		    p[PAGE_SIZE / sizeof(*p) - 1] != ~(b->tag | i)) {
			snprintf(
				w->error, sizeof(w->error),
				"thread %d: pfn %#lx (page %lu of an order-%u block) was overwritten: %#llx",
				w->id, pfn + i, i, b->order,
				(unsigned long long)p[0]);
			return false;
		}
	}
	return true;
}

static void *alloc_free_worker(void *arg)
{
	struct worker *w = arg;
	const struct mt_config *cfg = w->cfg;
	struct held_block live[MAX_LIVE];
	unsigned long it;
	int n = 0;

	pthread_barrier_wait(&start_line);
	for (it = 0; it < cfg->iters && !w->error[0]; it++) {
		uint64_t r = next_rand(&w->rng);

		if (n == 0 || (n < MAX_LIVE && (r & 1))) {
			unsigned int order =
				(unsigned int)((r >> 8) % (cfg->max_order + 1));
			struct page *page = alloc_pages(cfg->gfp, order);

			if (!page) {
				w->fails++;
				continue;
			}
			live[n] =
				(struct held_block){ page, order, new_tag(w) };
			stamp(page, order, live[n].tag);
			n++;
			w->allocs++;
		} else {
			int j = (int)((r >> 8) % (uint64_t)n);

			if (!stamped(w, &live[j]))
				break;
			__free_pages(live[j].page, live[j].order);
			live[j] = live[--n];
			w->frees++;
		}
	}
	while (n > 0) {
		n--;
		if (!w->error[0])
			stamped(w, &live[n]);
		__free_pages(live[n].page, live[n].order);
		w->frees++;
	}
	return NULL;
}

static void *bulk_worker(void *arg)
{
	struct worker *w = arg;
	const struct mt_config *cfg = w->cfg;
	struct held_block held[BULK];
	unsigned long it;

	pthread_barrier_wait(&start_line);
	for (it = 0; it < cfg->iters && !w->error[0]; it++) {
		struct page *arr[BULK] = { NULL };
		unsigned long got, filled = 0;
		int i, k;

		got = alloc_pages_bulk(cfg->gfp, BULK, arr);
		for (i = 0; i < BULK; i++) {
			if (!arr[i])
				continue;
			for (k = 0; k < i; k++) {
				if (arr[k] == arr[i]) {
					snprintf(
						w->error, sizeof(w->error),
						"thread %d: bulk returned pfn %#lx twice",
						w->id, page_to_pfn(arr[i]));
				}
			}
			held[filled] =
				(struct held_block){ arr[i], 0, new_tag(w) };
			stamp(arr[i], 0, held[filled].tag);
			filled++;
		}
		if (got != filled && !w->error[0])
			snprintf(w->error, sizeof(w->error),
				 "thread %d: bulk returned %lu but filled %lu",
				 w->id, got, filled);
		if (!filled)
			w->fails++;
		else if (filled < BULK)
			w->short_bulk++;
		w->allocs += filled;
		for (i = 0; i < (int)filled; i++) {
			if (!w->error[0])
				stamped(w, &held[i]);
			__free_page(held[i].page);
			w->frees++;
		}
	}
	return NULL;
}

/* Print every file the layer shows, as a monitoring tool would. */
static void read_files(void)
{
	static const char *const files[] = { "buddyinfo", "pagetypeinfo",
					     "zoneinfo", "meminfo" };
	struct uvm_phys_stats st;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		uvm_show(files[i], f);
	fclose(f);
	free(buf);
	uvm_phys_stats(&st);
}

static void *drain_worker(void *arg)
{
	unsigned long *drains = arg;
	struct timespec pause = { .tv_nsec = 200 * 1000 };

	while (!atomic_load(&stop_drainer)) {
		drain_all_pages(NULL);
		if (++*drains % 8 == 0)
			read_files();
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/**
 * run_scenario() - boot, run the workers, free everything, check
 * @cfg: the scenario
 * @res: filled in
 *
 * Leaves the instance booted (so the caller may look further) unless the
 * boot failed.
 */
static void run_scenario(const struct mt_config *cfg, struct mt_result *res)
{
	struct worker w[MAX_THREADS];
	bool drainer_started = false;
	int i, started = 0;
	pthread_t drainer;

	memset(res, 0, sizeof(*res));
	memset(w, 0, sizeof(w));
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(count_sink, NULL);
	res->boot_err = uvm_boot(cfg->cmdline);
	uvm_phys_stats(&res->stats_boot);
	if (res->boot_err)
		return;

	atomic_store(&stop_drainer, 0);
	if (cfg->drainer)
		drainer_started = !pthread_create(&drainer, NULL, drain_worker,
						  &res->drains);
	pthread_barrier_init(&start_line, NULL, (unsigned int)cfg->threads);
	for (i = 0; i < cfg->threads; i++) {
		w[i].id = i;
		w[i].cfg = cfg;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		if (pthread_create(&w[i].tid, NULL,
				   i < cfg->bulk_threads ? bulk_worker :
							   alloc_free_worker,
				   &w[i]))
			break;
		started++;
	}
	if (started < cfg->threads) {
		/* Nobody may wait at the line for threads that never came. */
		fprintf(stderr, "pthread_create failed\n");
		abort();
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&start_line);
	atomic_store(&stop_drainer, 1);
	if (drainer_started)
		pthread_join(drainer, NULL);
	if (cfg->drainer && !drainer_started)
		snprintf(res->error, sizeof(res->error),
			 "pthread_create failed");

	for (i = 0; i < cfg->threads; i++) {
		res->allocs += w[i].allocs;
		res->frees += w[i].frees;
		res->fails += w[i].fails;
		res->short_bulk += w[i].short_bulk;
		if (w[i].error[0] && !res->error[0])
			snprintf(res->error, sizeof(res->error), "%s",
				 w[i].error);
	}
	res->check = uvm_check();
	drain_all_pages(NULL);
	uvm_phys_stats(&res->stats_end);
}

/* --------------------------------------------------------------- tests */

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

TestSuite(mt_phys, .fini = teardown);

/* What every scenario must end with: nothing lost, nothing corrupt. */
static void assert_clean(const struct mt_config *cfg,
			 const struct mt_result *res)
{
	cr_assert_eq(res->boot_err, 0, "uvm_boot(\"%s\") = %d", cfg->cmdline,
		     res->boot_err);
	cr_assert_str_empty(res->error, "%s", res->error);
	cr_assert_eq(res->check, 0, "uvm_check found %d violations: %s",
		     res->check, first_bad);
	cr_assert_eq(atomic_load(&log_bad_lines), 0, "%s", first_bad);
	cr_assert_eq(res->allocs, res->frees);
	cr_assert_gt(res->allocs, 0);
	cr_assert_eq(res->stats_end.pcp_pages, 0);
	/* The mmu layer's top-level table stays allocated until shutdown. */
	cr_assert_eq(res->stats_end.free_pages + res->stats_end.pagetable_pages,
		     res->stats_end.total_pages,
		     "%lu + %lu page-table pages of %lu pages free at the end",
		     res->stats_end.free_pages, res->stats_end.pagetable_pages,
		     res->stats_end.total_pages);
	cr_assert_eq(uvm_check(), 0);
}

Test(mt_phys, alloc_free_with_drainer)
{
	const struct mt_config cfg = {
		.cmdline = "mem=128M",
		.threads = 8,
		.iters = 20000,
		.max_order = 4,
		.drainer = true,
		.gfp = GFP_KERNEL,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 0, "%lu allocations failed", res.fails);
	cr_assert_gt(res.drains, 0);
	/* Every block counted once, however the threads interleaved. */
	cr_assert_eq(res.stats_end.alloc_calls - res.stats_boot.alloc_calls,
		     res.allocs);
	cr_assert_eq(res.stats_end.free_calls, res.frees);
	cr_assert_eq(res.stats_end.alloc_failures, 0);
}

Test(mt_phys, alloc_free_two_nodes)
{
	const struct mt_config cfg = {
		.cmdline = "mem=128M numa=2",
		.threads = 4,
		.iters = 20000,
		.max_order = 4,
		.drainer = true,
		.gfp = GFP_KERNEL | __GFP_MOVABLE,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 0, "%lu allocations failed", res.fails);
}

Test(mt_phys, bulk_and_single_with_drainer)
{
	const struct mt_config cfg = {
		.cmdline = "mem=64M",
		.threads = 6,
		.bulk_threads = 3,
		.iters = 5000,
		.max_order = 3,
		.drainer = true,
		.gfp = GFP_KERNEL,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 0, "%lu allocations failed", res.fails);
	cr_assert_eq(res.short_bulk, 0);
	cr_assert_eq(res.stats_end.alloc_calls - res.stats_boot.alloc_calls,
		     res.allocs);
}

Test(mt_phys, bulk_only)
{
	const struct mt_config cfg = {
		.cmdline = "mem=64M",
		.threads = 4,
		.bulk_threads = 4,
		.iters = 5000,
		.gfp = GFP_KERNEL,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 0);
	cr_assert_eq(res.allocs, 4UL * 5000 * BULK);
}

/* Memory short enough that threads run out while others free. */
Test(mt_phys, contention_near_exhaustion)
{
	const struct mt_config cfg = {
		.cmdline = "mem=4M",
		.threads = 4,
		.bulk_threads = 1,
		.iters = 10000,
		.max_order = 6,
		.drainer = true,
		.gfp = GFP_KERNEL | __GFP_NOWARN,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_gt(res.fails + res.short_bulk, 0,
		     "memory never ran out; the test lost its point");
}

/* The whole-structure checker after every operation, under threads. */
Test(mt_phys, debug_vm3_under_threads)
{
	const struct mt_config cfg = {
		.cmdline = "mem=16M debug_vm=3",
		.threads = 4,
		.bulk_threads = 1,
		.iters = 600,
		.max_order = 4,
		.drainer = true,
		.gfp = GFP_KERNEL,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 0, "%lu allocations failed", res.fails);
}

/* "times" failures happen exactly that often however threads race. */
Test(mt_phys, injected_failures_are_exact)
{
	const struct mt_config cfg = {
		.cmdline = "mem=128M fail_page_alloc=1,100,0,1000",
		.threads = 4,
		.iters = 10000,
		.max_order = 2,
		.gfp = GFP_KERNEL | __GFP_NOWARN,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_eq(res.fails, 1000);
	cr_assert_eq(res.stats_end.injected_failures, 1000);
	cr_assert_eq(res.stats_end.alloc_failures, 1000);
}

Test(mt_phys, random_injection_is_counted)
{
	const struct mt_config cfg = {
		.cmdline = "mem=128M fail_page_alloc=1,25,0,-1",
		.threads = 4,
		.bulk_threads = 1,
		.iters = 5000,
		.max_order = 3,
		.drainer = true,
		.gfp = GFP_KERNEL | __GFP_NOWARN,
	};
	struct mt_result res;

	run_scenario(&cfg, &res);
	assert_clean(&cfg, &res);
	cr_assert_gt(res.fails, 0);
	/* Plenty of memory: every failure was an injected one. */
	cr_assert_eq(res.stats_end.injected_failures, res.fails);
	cr_assert_eq(res.stats_end.alloc_failures, res.fails);
	cr_assert_eq(res.short_bulk, 0);
}

/* ------------------------------------------ __GFP_NOFAIL waits for memory */

struct nofail_waiter {
	struct page *page;
	atomic_int returned;
	atomic_int *freeing; /* set once the main thread starts freeing */
	int early;	     /* returned before anything was freed */
};

static void *nofail_worker(void *arg)
{
	struct nofail_waiter *nw = arg;

	nw->page = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	nw->early = !atomic_load(nw->freeing);
	atomic_store(&nw->returned, 1);
	return NULL;
}

/**
 * run_nofail_wait() - a __GFP_NOFAIL request on a full machine
 * @waited_ms: how long the request stayed blocked before memory came back
 * @nw: filled in by the waiting thread
 *
 * Fills memory from this thread (down through the atomic reserve), starts
 * a thread whose __GFP_NOFAIL allocation must block, waits, then frees
 * everything.
 *
 * Return: 0, or -1 if memory could not be set up.
 */
static int run_nofail_wait(int waited_ms, struct nofail_waiter *nw)
{
	static struct page *held[8192];
	struct timespec pause = { .tv_nsec = 1000000 };
	atomic_int freeing = 0;
	pthread_t tid;
	size_t n = 0, i;
	int ms;

	memset(nw, 0, sizeof(*nw));
	nw->freeing = &freeing;
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(count_sink, NULL);
	if (uvm_boot("mem=16M"))
		return -1;
	while (n < 8192 && (held[n] = alloc_page(GFP_ATOMIC | __GFP_NOWARN)))
		n++;
	if (n == 8192)
		return -1;
	if (pthread_create(&tid, NULL, nofail_worker, nw))
		return -1;
	for (ms = 0; ms < waited_ms && !atomic_load(&nw->returned); ms++)
		nanosleep(&pause, NULL);
	atomic_store(&freeing, 1);
	for (i = 0; i < n; i++)
		__free_page(held[i]);
	pthread_join(tid, NULL);
	return 0;
}

Test(mt_phys, nofail_waits_for_a_free)
{
	struct nofail_waiter nw;
	unsigned long before = atomic_load(&log_lines);

	cr_assert_eq(run_nofail_wait(100, &nw), 0);
	cr_assert_not_null(nw.page);
	cr_assert_eq(nw.early, 0,
		     "__GFP_NOFAIL returned while memory was full");
	cr_assert_geq(atomic_load(&log_lines) - before, 1,
		      "the wait was not reported");
	cr_assert_eq(page_count(nw.page), 1);
	__free_page(nw.page);
	drain_all_pages(NULL);
	cr_assert_eq(uvm_check(), 0);
}
