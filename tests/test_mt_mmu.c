/* SPDX-License-Identifier: MIT */
/*
 * Threaded tests of the mmu layer: threads mapping, unmapping, protecting
 * and reading through the tables at once, each in a range of its own.
 *
 * The ranges lie in one 1 GiB stretch of the window that nothing has mapped
 * before, so the threads race to create the same upper tables (every table
 * under the root, when the window is large enough); pairs of threads also
 * share a PTE table, and each thread maps and unmaps a 2 MiB leaf of its own
 * beside the others' in the PMD table. The run is made of rounds, each in a
 * fresh stretch, so that the race for new tables happens again and again.
 * Each thread keeps a model of its range and checks every read against it;
 * the checkers run once the threads are done.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "mmu/mmu.h"

/*
 * A 39-bit layout on the host needs address space below 2^38, which
 * AddressSanitizer takes for its shadow memory.
 */
#if defined(__SANITIZE_ADDRESS__)
#define NO_39_BIT_HOST 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_39_BIT_HOST 1
#endif
#endif
#ifndef NO_39_BIT_HOST
#define NO_39_BIT_HOST 0
#endif

#define THREADS 4
#define ROUNDS 8
#define OPS 2000	/* per thread, over all rounds */
#define SMALL_PAGES 256 /* 1 MiB: two threads to a PTE table */
#define MAX_RUN 16

/* ------------------------------------------------------ a counting sink */

static atomic_ulong bad_lines;
static char first_bad[512];
static pthread_mutex_t first_bad_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_sink(int level, const char *line, void *arg)
{
	(void)arg;
	if (level > UVM_LOG_ERR)
		return;
	pthread_mutex_lock(&first_bad_lock);
	if (!atomic_fetch_add(&bad_lines, 1))
		snprintf(first_bad, sizeof(first_bad), "%s", line);
	pthread_mutex_unlock(&first_bad_lock);
}

/* ---------------------------------------------------------- the workers */

/**
 * struct worker - one thread and the range it owns
 * @id: its number
 * @host: whether the window can be dereferenced
 * @levels: the page-table depth
 * @small_base: SMALL_PAGES pages for runs of single pages (this round's)
 * @huge_base: one 2 MiB slot for a PMD leaf (this round's)
 * @rng: its random state
 * @slot: the model: the page mapped at each page of @small_base, or NULL
 * @huge: the order-9 block mapped at @huge_base, or NULL
 * @maps, @busy, @unmaps, @protects, @reads, @huge_maps: what it did
 * @error: the first thing that went wrong, empty if nothing did
 */
struct worker {
	int id;
	bool host;
	int levels;
	unsigned long small_base;
	unsigned long huge_base;
	uint64_t rng;
	struct page *slot[SMALL_PAGES];
	struct page *huge;
	unsigned long maps, busy, unmaps, protects, reads, huge_maps;
	char error[256];
};

static pthread_barrier_t start_line;
/* The first address of each round's stretch. */
static unsigned long stretch[ROUNDS];

static uint64_t page_tag(unsigned long pfn)
{
	return (pfn + 1) * 0x9e3779b97f4a7c15ULL;
}

static void tag_page(struct page *page)
{
	*(uint64_t *)page_address(page) = page_tag(page_to_pfn(page));
}

static unsigned long rnd(struct worker *w, unsigned long n)
{
	uint64_t x = w->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	return (unsigned long)(((x * 0x2545f4914f6cdd1dULL) >> 16) % n);
}

#define fail(w, fmt, ...)                                                     \
	(snprintf((w)->error, sizeof((w)->error), "thread %d: " fmt, (w)->id, \
		  ##__VA_ARGS__),                                             \
	 false)

/* What @addr should read: the tag of @pfn, or zero for a hole. */
static bool check_addr(struct worker *w, unsigned long addr, struct page *pg,
		       unsigned long pfn)
{
	uint64_t v = ~0ULL, want = pg ? page_tag(pfn) : 0;

	if (vread((char *)&v, (char *)addr, 8) != 8 || v != want)
		return fail(w, "vread %#lx: %#llx, want %#llx", addr,
			    (unsigned long long)v, (unsigned long long)want);
	if (pg && w->host && *(volatile uint64_t *)addr != want)
		return fail(w, "the host reads %#lx: %#llx, want %#llx", addr,
			    (unsigned long long)*(volatile uint64_t *)addr,
			    (unsigned long long)want);
	w->reads++;
	return true;
}

static bool op_map(struct worker *w)
{
	struct page *pages[MAX_RUN];
	unsigned long n = 1 + rnd(w, MAX_RUN), off, i;
	bool busy = false;
	int err;

	off = rnd(w, SMALL_PAGES - n + 1);
	for (i = 0; i < n; i++) {
		pages[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
		if (!pages[i]) {
			while (i--)
				__free_pages(pages[i], 0);
			return true;
		}
		tag_page(pages[i]);
		busy |= w->slot[off + i] != NULL;
	}
	err = mmu_map_pages(w->small_base + off * PAGE_SIZE, pages, n,
			    rnd(w, 2) ? PAGE_KERNEL : PAGE_KERNEL_RO,
			    PAGE_SHIFT);
	if (busy) {
		for (i = 0; i < n; i++)
			__free_pages(pages[i], 0);
		w->busy++;
		return err == -EBUSY ? true :
				       fail(w, "map over a mapping: %d", err);
	}
	if (err)
		return fail(w, "map %lu pages at %lu: %d", n, off, err);
	for (i = 0; i < n; i++)
		w->slot[off + i] = pages[i];
	w->maps++;
	return true;
}

static bool op_unmap(struct worker *w)
{
	unsigned long n = 1 + rnd(w, 2 * MAX_RUN), off, i;
	long want = 0, got;

	off = rnd(w, SMALL_PAGES - n + 1);
	for (i = off; i < off + n; i++)
		want += w->slot[i] != NULL;
	got = mmu_unmap(w->small_base + off * PAGE_SIZE, n * PAGE_SIZE);
	if (got != want)
		return fail(w, "unmap %lu pages at %lu: %ld, want %ld", n, off,
			    got, want);
	for (i = off; i < off + n; i++) {
		if (w->slot[i])
			__free_pages(w->slot[i], 0);
		w->slot[i] = NULL;
	}
	w->unmaps++;
	return true;
}

static bool op_protect(struct worker *w)
{
	unsigned long n = 1 + rnd(w, 2 * MAX_RUN), off;
	int err;

	off = rnd(w, SMALL_PAGES - n + 1);
	err = mmu_protect(w->small_base + off * PAGE_SIZE, n * PAGE_SIZE,
			  rnd(w, 2) ? PAGE_KERNEL : PAGE_KERNEL_RO);
	if (err)
		return fail(w, "protect: %d", err);
	w->protects++;
	return true;
}

static bool op_read(struct worker *w)
{
	unsigned long i = rnd(w, SMALL_PAGES);
	struct page *pg = w->slot[i];

	return check_addr(w, w->small_base + i * PAGE_SIZE, pg,
			  pg ? page_to_pfn(pg) : 0);
}

/* Map the 2 MiB leaf if it is not there, else check and unmap it. */
static bool op_huge(struct worker *w)
{
	static _Thread_local struct page *pages[PTRS_PER_PTE];
	unsigned long pfn, i;
	struct mmu_walk walk;
	int err;

	if (w->huge) {
		pfn = page_to_pfn(w->huge);
		i = rnd(w, PTRS_PER_PTE);
		if (!check_addr(w, w->huge_base + i * PAGE_SIZE, w->huge,
				pfn + i))
			return false;
		if (mmu_unmap(w->huge_base, PMD_SIZE) != PTRS_PER_PTE)
			return fail(w, "unmapping the 2 MiB leaf");
		__free_pages(w->huge, 9);
		w->huge = NULL;
		return check_addr(w, w->huge_base + i * PAGE_SIZE, NULL, 0);
	}
	w->huge = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9);
	if (!w->huge)
		return true;
	pfn = page_to_pfn(w->huge);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		pages[i] = pfn_to_page(pfn + i);
		tag_page(pages[i]);
	}
	err = mmu_map_pages(w->huge_base, pages, PTRS_PER_PTE, PAGE_KERNEL,
			    PMD_SHIFT);
	if (err)
		return fail(w, "mapping the 2 MiB leaf: %d", err);
	mmu_walk(w->huge_base + 5 * PAGE_SIZE, &walk);
	if (walk.leaf_level != w->levels - 2 || walk.pfn != pfn + 5)
		return fail(w, "the 2 MiB leaf walks to level %d, pfn %#lx",
			    walk.leaf_level, walk.pfn);
	w->huge_maps++;
	return true;
}

/* Each thread's ranges in a stretch. */
static void place(struct worker *w, unsigned long base)
{
	w->small_base = base + (unsigned long)w->id * SMALL_PAGES * PAGE_SIZE;
	w->huge_base = base + (2 + (unsigned long)w->id) * PMD_SIZE;
}

/* Unmap and free everything the thread holds. */
static bool release_all(struct worker *w)
{
	long want = 0, got;
	unsigned long i;

	for (i = 0; i < SMALL_PAGES; i++)
		want += w->slot[i] != NULL;
	got = mmu_unmap(w->small_base, SMALL_PAGES * PAGE_SIZE);
	if (got != want)
		return fail(w, "unmapping the range: %ld, want %ld", got, want);
	for (i = 0; i < SMALL_PAGES; i++) {
		if (w->slot[i])
			__free_pages(w->slot[i], 0);
		w->slot[i] = NULL;
	}
	if (w->huge) {
		if (mmu_unmap(w->huge_base, PMD_SIZE) != PTRS_PER_PTE)
			return fail(w, "unmapping the 2 MiB leaf");
		__free_pages(w->huge, 9);
		w->huge = NULL;
	}
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long op;
	bool ok = true;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		if (r && ok)
			ok = release_all(w);
		place(w, stretch[r]);
		pthread_barrier_wait(&start_line);
		/* Every thread starts by mapping: the new tables are raced for. */
		if (ok)
			ok = op_map(w);
		for (op = 1; ok && op < OPS / ROUNDS; op++) {
			unsigned long x = rnd(w, 100);

			if (x < 35)
				ok = op_map(w);
			else if (x < 60)
				ok = op_unmap(w);
			else if (x < 70)
				ok = op_protect(w);
			else if (x < 95)
				ok = op_read(w);
			else
				ok = op_huge(w);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- the runs */

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

TestSuite(mt_mmu, .fini = teardown, .timeout = 120);

static void run(const char *cmdline)
{
	static struct worker workers[THREADS];
	pthread_t tids[THREADS];
	struct uvm_phys_stats st;
	struct uvm_mmu_stats ms;
	unsigned long base = 0, stride = 0, i, tables;
	int t, l, bad;

	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(count_sink, NULL);
	cr_assert_eq(uvm_boot(cmdline), 0, "uvm_boot(\"%s\"): %s", cmdline,
		     first_bad);
	uvm_mmu_stats(&ms);
	tables = ms.pagetable_pages;
	/*
	 * Stretches as far apart as the window allows, up to a whole entry of
	 * the root each, so that every table under the root is new each round.
	 */
	for (l = 0; l < ms.levels - 2; l++) {
		stride = 1UL << mmu.shift[l];
		base = ALIGN_UP(VMALLOC_START, stride);
		if (base >= VMALLOC_START && base < VMALLOC_END &&
		    ROUNDS * stride <= VMALLOC_END - base)
			break;
	}
	cr_log_info("%d rounds %#lx apart from %#lx", ROUNDS, stride, base);
	cr_assert_leq(base + ROUNDS * stride, VMALLOC_END);
	cr_assert_geq(stride, PUD_SIZE);
	for (i = 0; i < ROUNDS; i++)
		stretch[i] = base + i * stride;

	cr_assert_eq(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	for (t = 0; t < THREADS; t++) {
		struct worker *w = &workers[t];

		memset(w, 0, sizeof(*w));
		w->id = t;
		w->host = !strcmp(ms.backend, "host");
		w->levels = ms.levels;
		w->rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(t + 1) + 1;
		cr_assert_eq(pthread_create(&tids[t], NULL, worker_main, w), 0);
	}
	for (t = 0; t < THREADS; t++)
		pthread_join(tids[t], NULL);
	pthread_barrier_destroy(&start_line);

	for (t = 0; t < THREADS; t++) {
		struct worker *w = &workers[t];

		cr_assert_str_empty(w->error, "%s", w->error);
		cr_assert_gt(w->maps, 0);
		cr_assert_gt(w->unmaps, 0);
		cr_assert_gt(w->reads, 0);
		cr_log_info(
			"thread %d: %lu maps (%lu refused as busy), %lu unmaps, %lu protects, %lu reads, %lu 2 MiB leaves",
			t, w->maps, w->busy, w->unmaps, w->protects, w->reads,
			w->huge_maps);
	}
	cr_assert_eq(atomic_load(&bad_lines), 0, "%s", first_bad);
	bad = uvm_check();
	cr_assert_eq(bad, 0, "uvm_check found %d violations: %s", bad,
		     first_bad);

	/* What each thread left is still there, seen from here. */
	for (t = 0; t < THREADS; t++) {
		struct worker *w = &workers[t];

		for (i = 0; i < SMALL_PAGES; i++) {
			struct page *pg = w->slot[i];

			cr_assert(check_addr(w, w->small_base + i * PAGE_SIZE,
					     pg, pg ? page_to_pfn(pg) : 0),
				  "%s", w->error);
		}
		cr_assert(release_all(w), "%s", w->error);
	}
	/*
	 * Shared tables were made once a round: the chain under the root and
	 * the PMD table shared by all, a PTE table for each pair of threads.
	 */
	uvm_mmu_stats(&ms);
	cr_assert_leq(ms.pagetable_pages,
		      tables + ROUNDS * ((unsigned long)ms.levels - 2 + 2));
	cr_assert_eq(ms.host_ram_vmas, 0);
	drain_all_pages(NULL);
	uvm_phys_stats(&st);
	cr_assert_eq(st.free_pages, st.total_pages - st.pagetable_pages);
	cr_assert_eq(uvm_check(), 0, "%s", first_bad);
}

Test(mt_mmu, host_4_levels)
{
	run("mem=128M");
}

Test(mt_mmu, host_3_levels)
{
	if (NO_39_BIT_HOST)
		cr_skip_test(
			"AddressSanitizer's shadow memory leaves no room for a 39-bit host window");
	run("mem=128M pgtable_levels=3");
}

Test(mt_mmu, soft_5_levels)
{
	run("mem=128M mmu=soft pgtable_levels=5 vmalloc=4096T");
}
