/* SPDX-License-Identifier: MIT */
/*
 * Tests of the per-CPU allocator for modules (src/kmod/percpu.c):
 *
 *  - every CPU's copy is its own, writable, UVM_PCPU_UNIT_SIZE from the
 *    next, and zeroed, on first use and on reuse, on both mmu backends;
 *  - alignments from 1 to PAGE_SIZE are honoured;
 *  - random allocations and frees, with the fit search held against its
 *    brute-force twin and the whole-structure checker run throughout;
 *  - the kernel's pcpu_alloc_test pattern (35000 objects of 1..1024 bytes
 *    aligned to 2..2048), timed, and from several threads at once;
 *  - chunks show in vmallocinfo (one area per node, caller
 *    pcpu_get_vm_areas), and an emptied chunk goes unless it is the last
 *    empty one;
 *  - bad sizes, alignments and pointers: NULL or nothing, one warning;
 *  - atomic allocations use only populated space;
 *  - page allocation and host mapping failures undo everything.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "kmod/percpu_int.h"
#include "lib/fault_inject.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "test_util.h"
#include "test_vm_util.h"

/*
 * The module header wants the module include path first
 * (include/uvmalloc/kmod), which the test programs are not built with
 * unless CMake says so for this one; without it, the calls are declared
 * here as the header declares them and the geometry comes from
 * percpu_int.h (which percpu.c holds to the header's at compile time).
 */
#if __has_include(<linux/percpu.h>)
#include <linux/percpu.h>
#define HAVE_PERCPU_H 1
#else
#define HAVE_PERCPU_H 0
void *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void *__alloc_percpu(size_t size, size_t align);
void free_percpu(void *ptr);
#define alloc_percpu(type) \
	((__typeof__(type) *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define per_cpu_ptr(ptr, cpu)                     \
	((__typeof__(ptr))((unsigned long)(ptr) + \
			   UVM_PCPU_UNIT_SIZE * (unsigned long)(cpu)))
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, smp_processor_id())
#endif

#define UNIT UVM_PCPU_UNIT_SIZE

static void pcpu_teardown(void)
{
	pcpu_exit();
	teardown();
}

TestSuite(percpu, .fini = pcpu_teardown, .timeout = 300);

static void expect_pcpu_ok(void)
{
	int bad = pcpu_check();

	cr_assert_eq(bad, 0, "pcpu_check found %d violations, the last: %s",
		     bad, cap.last_err);
}

static struct pcpu_stats stats(void)
{
	struct pcpu_stats st;

	pcpu_get_stats(&st);
	return st;
}

/* vmallocinfo lines of per-CPU chunk areas. */
static int pcpu_info_lines(void)
{
	char *info = show("vmallocinfo"), *p = info;
	int n = 0;

	while ((p = strstr(p, "pcpu_get_vm_areas"))) {
		n++;
		p++;
	}
	free(info);
	return n;
}

/* Fill every CPU's copy of @p (@size bytes) with a pattern of its own. */
static void fill_all(void *p, size_t size, uint64_t seed)
{
	unsigned int cpu;

	for (cpu = 0; cpu < num_online_cpus(); cpu++)
		fill_at(per_cpu_ptr((char *)p, cpu), 0, size,
			seed * 1024 + cpu);
}

static void expect_all(const void *p, size_t size, uint64_t seed)
{
	unsigned int cpu;
	long off;

	for (cpu = 0; cpu < num_online_cpus(); cpu++) {
		off = mismatch_at(per_cpu_ptr((const char *)p, cpu), 0, size,
				  seed * 1024 + cpu);
		cr_assert_eq(off, -1, "%p, CPU %u: byte %ld of %zu differs", p,
			     cpu, off, size);
	}
}

static void expect_all_zero(const void *p, size_t size)
{
	unsigned int cpu;
	long off;

	for (cpu = 0; cpu < num_online_cpus(); cpu++) {
		off = first_nonzero(per_cpu_ptr((const char *)p, cpu), size);
		cr_assert_eq(off, -1, "%p, CPU %u: byte %ld of %zu is not zero",
			     p, cpu, off, size);
	}
}

/* expect_same_held(), and the per-CPU allocator's own checks agree. */
static void expect_held_unchanged(struct snap before, const char *what)
{
	expect_same_held(before, what);
	expect_pcpu_ok();
}

/* ------------------------------------------------------- the copies */

Test(percpu, copies_are_distinct_and_writable)
{
	struct counter {
		unsigned long hits;
		char name[24];
	} * c;
	unsigned long *v;
	unsigned int cpu;
	int self;

	boot("mem=256M nr_cpus=4");
	c = alloc_percpu(struct counter);
	cr_assert_not_null(c, "%s", cap_last());
	cr_assert(is_vmalloc_addr(c));
	for (cpu = 0; cpu < 4; cpu++) {
		struct counter *mine = per_cpu_ptr(c, cpu);

		cr_assert_eq((unsigned long)mine - (unsigned long)c,
			     cpu * UNIT);
		cr_assert_eq(mine->hits, 0);
		mine->hits = 100 + cpu;
		snprintf(mine->name, sizeof(mine->name), "cpu%u", cpu);
	}
	for (cpu = 0; cpu < 4; cpu++) {
		char want[24];

		snprintf(want, sizeof(want), "cpu%u", cpu);
		cr_assert_eq(per_cpu_ptr(c, cpu)->hits, 100 + cpu);
		cr_assert_str_eq(per_cpu_ptr(c, cpu)->name, want);
	}
	self = smp_processor_id();
	cr_assert_eq(this_cpu_ptr(c), per_cpu_ptr(c, self));
#if HAVE_PERCPU_H
	{
		struct counter *got = get_cpu_ptr(c);

		cr_assert_eq(got->hits, 100 + (unsigned long)self);
		put_cpu_ptr(c);
		cr_assert_eq(raw_cpu_ptr(c), this_cpu_ptr(c));
	}
#endif
	/* A second allocation lies beside, in the same units. */
	v = alloc_percpu(unsigned long);
	cr_assert_not_null(v);
	for (cpu = 0; cpu < 4; cpu++)
		*per_cpu_ptr(v, cpu) = ~0UL;
	for (cpu = 0; cpu < 4; cpu++)
		cr_assert_eq(per_cpu_ptr(c, cpu)->hits, 100 + cpu);
	expect_pcpu_ok();
	assert_check();
	free_percpu(v);
	free_percpu(c);
	free_percpu(NULL);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	expect_pcpu_ok();
}

Test(percpu, alignment_is_honoured)
{
	void *p[200];
	size_t align, size;
	int i, n = 0, k;

	boot("mem=256M nr_cpus=2");
	rng_seed(7);
	for (i = 0; i < 200; i++) {
		k = (int)rng_below(PAGE_SHIFT + 1);
		align = 1UL << k;
		size = 1 + rng_below(i % 5 ? 300 : 9000);
		p[n] = __alloc_percpu(size, align);
		cr_assert_not_null(p[n], "size %zu align %zu: %s", size, align,
				   cap_last());
		cr_assert_eq((unsigned long)p[n] % align, 0,
			     "%p is not aligned to %zu", p[n], align);
		/* Small alignments still get the map's 4 bytes. */
		cr_assert_eq((unsigned long)p[n] % 4, 0);
		n++;
		cr_assert_eq(pcpu_fit_twin_check(size, align, false), 0, "%s",
			     cap.last_err);
	}
	expect_pcpu_ok();
	for (i = 0; i < n; i++)
		free_percpu(p[i]);
	expect_pcpu_ok();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

static void zeroed_on_reuse(bool host)
{
	unsigned char *p, *q;
	unsigned int cpu;

	boot("mem=256M nr_cpus=4 mmu=%s", backend(host));
	p = __alloc_percpu(3000, 64);
	cr_assert_not_null(p);
	for (cpu = 0; cpu < 4; cpu++) {
		unsigned char *mine = per_cpu_ptr(p, cpu);

		expect_zero(host, mine, 3000);
		area_fill(host, mine, 3000, cpu + 1);
	}
	for (cpu = 0; cpu < 4; cpu++)
		expect_pattern(host, per_cpu_ptr(p, cpu), 3000, cpu + 1);
	free_percpu(p);
	/* First fit: the same place again, dirty before the allocation. */
	q = __alloc_percpu(2000, 8);
	cr_assert_eq(q, p, "reallocated at %p, not %p", (void *)q, (void *)p);
	for (cpu = 0; cpu < 4; cpu++)
		expect_zero(host, per_cpu_ptr(q, cpu), 2000);
	free_percpu(q);
	expect_pcpu_ok();
	assert_check();
}

Test(percpu, zeroed_on_reuse_host)
{
	zeroed_on_reuse(true);
}

Test(percpu, zeroed_on_reuse_soft)
{
	zeroed_on_reuse(false);
}

/* ------------------------------------------------ random, with the twin */

struct live {
	void *p;
	size_t size;
	uint64_t seed;
};

static size_t random_size(void)
{
	switch (rng_below(10)) {
	case 0:
		return 1 + rng_below(UNIT / 4);
	case 1:
		return 1 + rng_below(16 * PAGE_SIZE);
	default:
		return 1 + rng_below(700);
	}
}

static void random_run(int ops, int check_every)
{
	struct live *lv = calloc((size_t)ops, sizeof(*lv));
	int i, n = 0, j;
	size_t size, align;

	cr_assert_not_null(lv);
	for (i = 0; i < ops; i++) {
		if (n && rng_below(100) < 45) {
			j = (int)rng_below((unsigned long)n);
			expect_all(lv[j].p, lv[j].size, lv[j].seed);
			free_percpu(lv[j].p);
			lv[j] = lv[--n];
		} else {
			size = random_size();
			align = 1UL << rng_below(PAGE_SHIFT + 1);
			lv[n].p = __alloc_percpu(size, align);
			cr_assert_not_null(lv[n].p,
					   "op %d: size %zu align %zu: %s", i,
					   size, align, cap_last());
			cr_assert_eq((unsigned long)lv[n].p % align, 0);
			expect_all_zero(lv[n].p, size);
			lv[n].size = size;
			lv[n].seed = (uint64_t)i + 1;
			fill_all(lv[n].p, size, lv[n].seed);
			n++;
		}
		/* The search against every offset, for the next request. */
		size = random_size();
		align = 1UL << rng_below(PAGE_SHIFT + 1);
		cr_assert_eq(pcpu_fit_twin_check(size, align, false), 0,
			     "op %d: %s", i, cap.last_err);
		cr_assert_eq(pcpu_fit_twin_check(size, align, true), 0,
			     "op %d: %s", i, cap.last_err);
		if (i % check_every == 0)
			expect_pcpu_ok();
	}
	expect_pcpu_ok();
	assert_check();
	while (n) {
		n--;
		expect_all(lv[n].p, lv[n].size, lv[n].seed);
		free_percpu(lv[n].p);
	}
	expect_pcpu_ok();
	cr_assert_eq(stats().nr_chunks, 1, "%d chunks left", stats().nr_chunks);
	cr_assert_eq(stats().nr_alloc, 0);
	free(lv);
}

Test(percpu, random_against_twin)
{
	boot("mem=512M nr_cpus=3");
	rng_seed(42);
	random_run(3000, 100);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(percpu, random_with_debug_vm_3)
{
	/* Every allocation and free runs the checkers. */
	boot("mem=256M nr_cpus=2 numa=2 debug_vm=3");
	rng_seed(5);
	random_run(300, 1000);
	cr_assert_str_empty(cap.last_err, "%s", cap.last_err);
}

/* -------------------------------------------------- the kernel's pattern */

#define PATTERN_NR 35000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* lib/test_vmalloc.c's pcpu_alloc_test: all allocated, then all freed. */
static int pattern(void **pcpu, uint64_t seed, double *alloc_s, double *free_s)
{
	double t0, t1;
	int i, failed = 0;
	uint64_t x = seed | 1;

	t0 = now_s();
	for (i = 0; i < PATTERN_NR; i++) {
		size_t size, align;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		size = 1 + (x * 0x2545f4914f6cdd1dULL >> 20) % (PAGE_SIZE / 4);
		align = 1UL << (1 + (x >> 40) % 11);
		pcpu[i] = __alloc_percpu(size, align);
		if (!pcpu[i] || (unsigned long)pcpu[i] % align)
			failed++;
	}
	t1 = now_s();
	for (i = 0; i < PATTERN_NR; i++)
		free_percpu(pcpu[i]);
	if (alloc_s)
		*alloc_s = t1 - t0;
	if (free_s)
		*free_s = now_s() - t1;
	return failed;
}

Test(percpu, kernel_pcpu_alloc_test_pattern)
{
	void **pcpu = calloc(PATTERN_NR, sizeof(*pcpu));
	double a, f;
	struct pcpu_stats st;
	int i;

	cr_assert_not_null(pcpu);
	boot("mem=1G nr_cpus=4");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(pattern(pcpu, 1234 + (uint64_t)i, &a, &f), 0, "%s",
			     cap_last());
		st = stats();
		cr_log_info(
			"pcpu_alloc_test pattern, 4 CPUs, round %d: %d allocations in %.3f s (%.2f us each), %d frees in %.3f s (%.2f us each); %lu chunks made, %lu given back",
			i, PATTERN_NR, a, a * 1e6 / PATTERN_NR, PATTERN_NR, f,
			f * 1e6 / PATTERN_NR, st.chunks_created,
			st.chunks_destroyed);
		fprintf(stderr,
			"percpu pattern round %d: %d allocs %.3f s (%.2f us), frees %.3f s (%.2f us), %lu chunks made\n",
			i, PATTERN_NR, a, a * 1e6 / PATTERN_NR, f,
			f * 1e6 / PATTERN_NR, st.chunks_created);
		cr_assert_eq(st.nr_alloc, 0);
		cr_assert_eq(st.nr_chunks, 1, "%d chunks stay", st.nr_chunks);
		expect_pcpu_ok();
	}
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	free(pcpu);
}

struct pattern_arg {
	int id;
	int failed;
	int rounds;
};

static void *pattern_thread(void *arg)
{
	struct pattern_arg *pa = arg;
	void **pcpu = calloc(PATTERN_NR, sizeof(*pcpu));
	int r;

	if (!pcpu) {
		pa->failed = -1;
		return NULL;
	}
	for (r = 0; r < pa->rounds; r++)
		pa->failed += pattern(pcpu, 99 + (uint64_t)pa->id * 7 + r, NULL,
				      NULL);
	free(pcpu);
	return NULL;
}

#define TEST_THREADS 8

/* TEST_THREADS threads of @fn at once, each given @rounds; none fails. */
static void run_threads(void *(*fn)(void *), int rounds)
{
	pthread_t t[TEST_THREADS];
	struct pattern_arg pa[TEST_THREADS];
	int i;

	for (i = 0; i < TEST_THREADS; i++) {
		pa[i] = (struct pattern_arg){ .id = i, .rounds = rounds };
		cr_assert_eq(pthread_create(&t[i], NULL, fn, &pa[i]), 0);
	}
	for (i = 0; i < TEST_THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(pa[i].failed, 0, "thread %d: %d failures: %s", i,
			     pa[i].failed, cap_last());
	}
}

Test(percpu, pattern_from_threads)
{
	double t0 = now_s();

	/* 8 x 35000 live objects of ~700 bytes on each of 2 CPUs. */
	boot("mem=1G nr_cpus=2");
	run_threads(pattern_thread, 1);
	fprintf(stderr, "percpu pattern, %d threads at once: %.3f s\n",
		TEST_THREADS, now_s() - t0);
	cr_assert_eq(stats().nr_alloc, 0);
	cr_assert_eq(stats().nr_chunks, 1);
	expect_pcpu_ok();
	assert_check();
}

/* Threads that check each other's copies are never touched. */
static void *churn_thread(void *arg)
{
	struct pattern_arg *pa = arg;
	struct live lv[64];
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(pa->id + 1);
	int i, n = 0;

	for (i = 0; i < 4000; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		if (n == 64 || (n && x % 3 == 0)) {
			int j = (int)((x >> 20) % (uint64_t)n);
			unsigned int cpu;

			for (cpu = 0; cpu < num_online_cpus(); cpu++)
				if (mismatch_at(per_cpu_ptr((char *)lv[j].p,
							    cpu),
						0, lv[j].size,
						lv[j].seed * 1024 + cpu) != -1)
					pa->failed++;
			free_percpu(lv[j].p);
			lv[j] = lv[--n];
			continue;
		}
		lv[n].size = 1 + (x >> 30) % 2000;
		lv[n].p = __alloc_percpu(lv[n].size, 1UL << ((x >> 50) % 13));
		if (!lv[n].p) {
			pa->failed++;
			continue;
		}
		if (first_nonzero(lv[n].p, lv[n].size) != -1)
			pa->failed++;
		lv[n].seed = x;
		fill_all(lv[n].p, lv[n].size, x);
		n++;
	}
	while (n--)
		free_percpu(lv[n].p);
	return NULL;
}

Test(percpu, threads_keep_to_their_own)
{
	boot("mem=512M nr_cpus=4 numa=2");
	run_threads(churn_thread, 0);
	expect_pcpu_ok();
	assert_check();
}

/* --------------------------------------------------------- vmallocinfo */

Test(percpu, chunks_in_vmallocinfo)
{
	void *p[8];
	char *info, line[512];
	struct pcpu_stats st;
	struct snap before;
	int i;

	/* 4 CPUs on 2 nodes: two areas a chunk, back to back. */
	boot("mem=512M nr_cpus=4 numa=2");
	before = snap();
	cr_assert_eq(pcpu_info_lines(), 0);
	/* Each takes most of a unit: a chunk each. */
	for (i = 0; i < 8; i++) {
		p[i] = __alloc_percpu(UNIT - PAGE_SIZE, PAGE_SIZE);
		cr_assert_not_null(p[i], "%s", cap_last());
	}
	st = stats();
	cr_assert_eq(st.nr_chunks, 8);
	cr_assert_eq(st.nr_groups, 2);
	cr_assert_eq(pcpu_info_lines(), 16);
	info = show("vmallocinfo");
	cr_assert(info_line(info, p[0], line, sizeof(line)), "%s", info);
	cr_assert_not_null(strstr(line, "pcpu_get_vm_areas"), "%s", line);
	cr_assert_not_null(strstr(line, " vmalloc"), "%s", line);
	cr_assert_not_null(strstr(line, "262144*2") ? line :
						      strstr(line, "524288"),
			   "%s", line);
	/* Node 1's area starts at CPU 2's unit. */
	cr_assert(info_line(info, per_cpu_ptr((char *)p[0], 2), line,
			    sizeof(line)),
		  "%s", info);
	cr_assert_not_null(strstr(line, "pcpu_get_vm_areas"), "%s", line);
	free(info);
	expect_pcpu_ok();
	assert_check();

	/* Emptied chunks go, but for the last empty one. */
	for (i = 0; i < 8; i++)
		free_percpu(p[i]);
	st = stats();
	cr_assert_eq(st.nr_chunks, 1);
	cr_assert_eq(st.nr_empty, 1);
	cr_assert_eq(st.chunks_destroyed, 7);
	cr_assert_eq(pcpu_info_lines(), 2);
	expect_pcpu_ok();

	/* It is reused, not replaced. */
	p[0] = __alloc_percpu(100, 4);
	cr_assert_eq(stats().chunks_created, 8);
	free_percpu(p[0]);

	/* pcpu_exit() gives back the last one, pages and areas. */
	pcpu_exit();
	cr_assert_eq(pcpu_info_lines(), 0);
	purge();
	expect_held_unchanged(before, "after pcpu_exit");
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(percpu, exit_reports_leaks_and_frees_all)
{
	struct snap before;
	void *p;

	boot("mem=256M nr_cpus=2");
	before = snap();
	p = __alloc_percpu(64, 8);
	cr_assert_not_null(p);
	cr_assert_not_null(__alloc_percpu(5000, 16));
	cap_reset();
	pcpu_exit();
	cr_assert_eq(cap_count(), 1, "%d lines: %s", cap_count(), cap_last());
	cr_assert_not_null(strstr(cap_line(0), "2 per-CPU allocations"), "%s",
			   cap_line(0));
	purge();
	expect_held_unchanged(before, "after pcpu_exit");
	/* And the allocator starts afresh. */
	p = __alloc_percpu(64, 8);
	cr_assert_not_null(p);
	free_percpu(p);
	expect_pcpu_ok();
}

/* ------------------------------------------------------------ bad input */

static void expect_one_warning(unsigned long before, const char *what,
			       const char *needle)
{
	cr_assert_eq(warnings() - before, 1, "%s: %lu warnings, the last: %s",
		     what, warnings() - before, cap.last_warn);
	cr_assert_not_null(strstr(cap.last_warn, needle), "%s: %s", what,
			   cap.last_warn);
}

Test(percpu, bad_requests)
{
	static const struct {
		size_t size, align;
	} bad[] = {
		{ 0, 4 },	 { 8, 3 },
		{ 8, 0 },	 { 8, 2 * PAGE_SIZE },
		{ UNIT + 1, 8 }, { SIZE_MAX, 8 },
		{ 16, 24 },
	};
	unsigned long w;
	unsigned int i;

	boot("mem=256M nr_cpus=2");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		w = warnings();
		cr_assert_null(__alloc_percpu(bad[i].size, bad[i].align));
		expect_one_warning(w, "bad request", "illegal size");
		w = warnings();
		cr_assert_null(__alloc_percpu_gfp(bad[i].size, bad[i].align,
						  GFP_KERNEL | __GFP_NOWARN));
		cr_assert_eq(warnings(), w, "__GFP_NOWARN: %s", cap.last_warn);
	}
	/* The largest allowed: a whole unit. */
	cr_assert_not_null(__alloc_percpu(UNIT, PAGE_SIZE));
	cr_assert_eq(stats().nr_chunks, 1);
	expect_pcpu_ok();
}

Test(percpu, bad_frees)
{
	unsigned long w, local = 0;
	uint64_t *p, *q;
	void *v;

	boot("mem=256M nr_cpus=4");
	p = __alloc_percpu(64, 8);
	q = __alloc_percpu(64, 8);
	cr_assert(p && q);
	fill_all(p, 64, 1);
	fill_all(q, 64, 2);
	v = vmalloc(PAGE_SIZE);

	w = warnings();
	free_percpu(&local);
	expect_one_warning(w, "a stack address", "not per-CPU memory");
	w = warnings();
	free_percpu(v);
	expect_one_warning(w, "a vmalloc address", "not per-CPU memory");
	w = warnings();
	free_percpu((char *)p + 4);
	expect_one_warning(w, "inside an allocation", "not the start");
	w = warnings();
	free_percpu((char *)p + 2);
	expect_one_warning(w, "misaligned", "not the start");
	w = warnings();
	free_percpu(per_cpu_ptr(p, 2));
	expect_one_warning(w, "another CPU's copy", "CPU 2's copy");
	w = warnings();
	free_percpu((char *)p + UNIT - 64);
	expect_one_warning(w, "free space", "not the start");
	expect_pcpu_ok();
	expect_all(p, 64, 1);
	expect_all(q, 64, 2);

	free_percpu(p);
	w = warnings();
	free_percpu(p);
	expect_one_warning(w, "double free", "not the start");
	expect_all(q, 64, 2);
	expect_pcpu_ok();
	free_percpu(q);
	vfree(v);
	expect_pcpu_ok();
	assert_check();
}

/* --------------------------------------------------------------- atomic */

Test(percpu, atomic_uses_populated_space_only)
{
	unsigned long w;
	void *p, *a, *b;

	boot("mem=256M nr_cpus=2");
	/* No chunk yet: an atomic allocation may not make one. */
	w = warnings();
	cr_assert_null(__alloc_percpu_gfp(32, 8, GFP_ATOMIC));
	expect_one_warning(w, "atomic, no chunk", "atomic alloc failed");
	cr_assert_eq(stats().nr_chunks, 0);
	cr_assert_null(__alloc_percpu_gfp(32, 8, GFP_NOWAIT));
	cr_assert_eq(warnings(), w + 1, "GFP_NOWAIT warns: %s", cap.last_warn);

	p = __alloc_percpu(32, 8);
	cr_assert_not_null(p);
	/* The first 64 KiB of each unit are populated now. */
	a = __alloc_percpu_gfp(1000, 8, GFP_ATOMIC);
	cr_assert_not_null(a, "%s", cap_last());
	expect_all_zero(a, 1000);
	w = warnings();
	cr_assert_null(__alloc_percpu_gfp(128 << 10, 8, GFP_ATOMIC));
	expect_one_warning(w, "atomic, beyond populated", "atomic=1");
	cr_assert_eq(pcpu_fit_twin_check(128 << 10, 8, true), 0, "%s",
		     cap.last_err);
	/* A sleeping allocation populates; then the atomic one fits. */
	b = __alloc_percpu(100 << 10, 8);
	cr_assert_not_null(b);
	free_percpu(b);
	cr_assert_not_null(__alloc_percpu_gfp(90 << 10, 8, GFP_ATOMIC), "%s",
			   cap_last());
	expect_pcpu_ok();
}

/* ------------------------------------------------------ fault injection */

/* Quietly: the forced failures' own lines would count as warnings. */
static void arm(struct fault_attr *attr, const char *how)
{
	cr_assert_eq(setup_fault_attr(attr, how), 0, "%s", how);
	attr->verbose = 0;
}

static void disarm(struct fault_attr *attr)
{
	attr->enabled = 0;
}

Test(percpu, page_failure_rolls_back)
{
	struct pcpu_stats st;
	struct snap before;
	unsigned long w;
	void *p, *q;

	boot("mem=256M nr_cpus=4");

	/* No chunk: the one made for the call goes with it. */
	before = snap();
	arm(&phys.fail_page_alloc, "1,100,0,-1");
	w = warnings();
	cr_assert_null(__alloc_percpu(64, 8));
	disarm(&phys.fail_page_alloc);
	expect_one_warning(w, "no pages", "failed to populate");
	st = stats();
	cr_assert_eq(st.nr_chunks, 0);
	cr_assert_eq(st.chunks_created, 1);
	cr_assert_eq(st.chunks_destroyed, 1);
	purge();
	expect_held_unchanged(before, "no pages at all");
	cr_assert_eq(pcpu_info_lines(), 0);

	/* Two CPUs' pages come, the third's do not: both go back. */
	before = snap();
	arm(&phys.fail_page_alloc, "1,100,32,-1");
	cr_assert_null(__alloc_percpu(64, 8));
	disarm(&phys.fail_page_alloc);
	purge();
	expect_held_unchanged(before, "pages for two CPUs of four");
	cr_assert_eq(stats().nr_chunks, 0);

	/* A chunk that exists keeps what it had, and gets nothing more. */
	p = __alloc_percpu(64, 8);
	cr_assert_not_null(p);
	fill_all(p, 64, 3);
	before = snap();
	st = stats();
	arm(&phys.fail_page_alloc, "1,100,40,-1");
	/* 100 KiB: the next 64 KiB of each unit must be populated. */
	q = __alloc_percpu(100 << 10, 8);
	disarm(&phys.fail_page_alloc);
	cr_assert_null(q);
	cr_assert_eq(stats().nr_chunks, 1);
	cr_assert_eq(stats().populated_pages, st.populated_pages);
	expect_held_unchanged(before, "a second pop group");
	expect_all(p, 64, 3);
	/* With pages again, it works. */
	q = __alloc_percpu(100 << 10, 8);
	cr_assert_not_null(q);
	expect_all_zero(q, 100 << 10);
	free_percpu(q);
	free_percpu(p);
	expect_pcpu_ok();
}

Test(percpu, host_map_failure_rolls_back)
{
	struct snap before;
	unsigned long w;
	void *p;

	boot("mem=256M nr_cpus=4 mmu=host");
	before = snap();
	/* The third host mapping fails: two units are unmapped again. */
	arm(&mmu.fail_host_map, "3,100,0,1");
	w = warnings();
	p = __alloc_percpu(64, 8);
	disarm(&mmu.fail_host_map);
	cr_assert_null(p);
	cr_assert_geq(warnings() - w, 1, "%s", cap.last_warn);
	cr_assert_not_null(strstr(cap.last_warn, "failed to populate"), "%s",
			   cap.last_warn);
	cr_assert_eq(stats().nr_chunks, 0);
	purge();
	expect_held_unchanged(before, "a host mapping refused");
	p = __alloc_percpu(64, 8);
	cr_assert_not_null(p);
	expect_all_zero(p, 64);
	free_percpu(p);
	expect_pcpu_ok();
}
