/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own vmalloc test (lib/test_vmalloc.c), single thread, through
 * the public API only, on both mmu backends and against plain mmap(), in one
 * run.
 *
 *   bench_vmalloc [-n LOOPS] [-r ROUNDS] [-w WORKLOAD] [-p PAGES]
 *
 * Workloads, as the kernel's test runs them (one loop = one pass of the body):
 *
 *   fix_size        vmalloc(PAGES pages, default 1), touch, vfree.
 *   full_fit        first junk_length pairs of 1-page areas (kept, junk) are
 *                   allocated and every junk one freed, leaving a checkerboard
 *                   of holes that each fit one page and its guard; then the
 *                   loop: vmalloc(1 page), touch, vfree. The kernel's
 *                   junk_length is fls(num_online_cpus) * 32 MiB worth of
 *                   pages, which is the instance's lazy_max_pages. It is
 *                   capped so that 4 host mappings per pair (two areas and
 *                   the guard gaps after them) stay clear of
 *                   vm.max_map_count: the host backend and the mmap peer
 *                   hold every area as host VMAs. All configurations use
 *                   the one length.
 *   long_busy_list  15000 live 1-page areas; then the loop: vmalloc(100
 *                   pages) and vmalloc(1 page), touch both, vfree both.
 *   random_size     vmalloc(1..100 pages), touch, vfree.
 *   fix_align       __vmalloc_node(5 pages, 32 KiB alignment (x86_64's
 *                   THREAD_ALIGN << 1), GFP_KERNEL | __GFP_ZERO, any node),
 *                   touch, vfree.
 *
 * Only the loop is timed; building and tearing down the live areas is not.
 * A touch writes the area's first byte. Sizes come from a fixed-seed xorshift
 * restarted before every round, so every configuration sees one sequence.
 *
 * Configurations, each workload on an instance of its own (booted for it and
 * shut down after it):
 *
 *   host  "mmu=host mem=1G": real memory, the touch is a plain store.
 *   soft  "mmu=soft mem=1G": the addresses live only in the page tables, the
 *         touch is vwrite() of one byte.
 *   mmap  no instance: each area is an anonymous private mmap() of its size
 *         plus a page, whose last page mprotect() makes a PROT_NONE guard as
 *         vmalloc's; the touch is a store (faulting a fresh zeroed page in)
 *         and the free one munmap(). It keeps live mappings where the
 *         workload keeps live areas. For fix_align it maps the size, the
 *         guard and 28 KiB of slack, places the area at the first 32 KiB
 *         boundary inside, puts the guard right after it and unmaps the
 *         whole span at the free: the same three calls as elsewhere, with
 *         the alignment honoured; the slack is never touched, and anonymous
 *         memory comes zeroed, as __GFP_ZERO asks.
 *
 * Each measurement warms up with LOOPS / 10 loops and, on an instance, then
 * until the next lazy purge: until then every page vmalloc() hands out is
 * one the host has never faulted in, a cost the kernel's RAM does not have.
 * Then the best of ROUNDS rounds of LOOPS loops (defaults 100000 and 3;
 * UVM_BENCH_BRIEF in the environment makes them 10000 and 1, which -n and
 * -r still override), in microseconds per loop. A round shorter than
 * lazy_max_pages pages may hold no purge, which the kernel's 1e6 loops
 * spread thin: brief runs flatter the lazy configurations. The kernel
 * column is the published single-thread figure (1e6 loops, 2021) divided by
 * the loops; fix_size has one for 1 page and for 1024 pages (4 MiB) only.
 * The host column's calls are mmap() + unmap + mprotect() calls per loop in
 * the timed rounds, from uvm_mmu_stats().
 *
 * Prints, asserts nothing. Ratios: mmap/host (target at least 3x) and
 * soft/kernel (target at most 1.0 for fix_size and long_busy_list). Any
 * warning the instance prints during the run is a bug, and is counted at the
 * end.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uvmalloc.h>

#include "bench.h"

#define MEM "mem=1G"
#define BUSY_AREAS 15000
#define BIG_PAGES 100
#define RANDOM_MAX_PAGES 100
#define ALIGN_PAGES 5
#define ALIGN_BYTES (32UL << 10)
#define RNG_SEED 0x2545f491u

/*
 * One area as a configuration hands it out: @addr for the caller; @base and
 * @len are what the mmap peer gives back to munmap().
 */
struct area {
	char *addr;
	void *base;
	size_t len;
};

struct config {
	const char *name;
	const char *cmdline; /* NULL: the mmap peer, no instance */
	void (*alloc)(struct area *a, unsigned long size, unsigned long align);
	void (*touch)(char *p);
	void (*free)(struct area *a);
};

static void die(const char *what)
{
	fprintf(stderr, "bench_vmalloc: %s\n", what);
	exit(1);
}

/* uvmalloc, both backends: @align 0 is plain vmalloc(). */
static void uvm_alloc(struct area *a, unsigned long size, unsigned long align)
{
	if (align)
		a->addr = __vmalloc_node(size, align, GFP_KERNEL | __GFP_ZERO,
					 NUMA_NO_NODE,
					 __builtin_return_address(0));
	else
		a->addr = vmalloc(size);
	if (!a->addr)
		die("an allocation failed");
}

static void uvm_free(struct area *a)
{
	vfree(a->addr);
}

static void host_touch(char *p)
{
	*(volatile char *)p = 1;
}

static void soft_touch(char *p)
{
	char byte = 1;

	if (vwrite(&byte, p, 1) != 1)
		die("vwrite() wrote nothing");
}

/* The peer: anonymous memory, a PROT_NONE guard page after it. */
static void mmap_alloc(struct area *a, unsigned long size, unsigned long align)
{
	size_t slack = align > PAGE_SIZE ? align - PAGE_SIZE : 0;
	uintptr_t at;

	a->len = size + PAGE_SIZE + slack;
	a->base = mmap(NULL, a->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED)
		die("mmap() failed");
	at = (uintptr_t)a->base;
	if (slack)
		at = (at + align - 1) & ~(uintptr_t)(align - 1);
	a->addr = (char *)at;
	if (mprotect(a->addr + size, PAGE_SIZE, PROT_NONE))
		die("mprotect() failed");
}

static void mmap_free(struct area *a)
{
	if (munmap(a->base, a->len))
		die("munmap() failed");
}

enum {
	HOST,
	SOFT,
	HOST_K,
	SOFT_K,
	PEER,
	NR_CONFIGS
};

static const struct config configs[NR_CONFIGS] = {
	[HOST] = { "host", "mmu=host " MEM, uvm_alloc, host_touch, uvm_free },
	[SOFT] = { "soft", "mmu=soft " MEM, uvm_alloc, soft_touch, uvm_free },
	[HOST_K] = { "host-k", "mmu=host vmalloc_revive=0 " MEM, uvm_alloc,
		     host_touch, uvm_free },
	[SOFT_K] = { "soft-k", "mmu=soft vmalloc_revive=0 " MEM, uvm_alloc,
		     soft_touch, uvm_free },
	[PEER] = { "mmap", NULL, mmap_alloc, host_touch, mmap_free },
};

static unsigned long fix_pages = 1;
static long junk_length;
static unsigned long lazy_max; /* the instance's lazy_max_pages */
static struct area *kept;
static uint32_t rng;

/* xorshift32: the same sizes for every configuration. */
static unsigned long random_pages(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return 1 + rng % RANDOM_MAX_PAGES;
}

/* One allocation, touched and freed. */
static inline void one(const struct config *c, unsigned long size,
		       unsigned long align)
{
	struct area a;

	c->alloc(&a, size, align);
	c->touch(a.addr);
	c->free(&a);
}

static void fix_size_loop(const struct config *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		one(c, fix_pages * PAGE_SIZE, 0);
}

static void one_page_loop(const struct config *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		one(c, PAGE_SIZE, 0);
}

static void long_busy_loop(const struct config *c, long n)
{
	struct area big, small;
	long i;

	for (i = 0; i < n; i++) {
		c->alloc(&big, BIG_PAGES * PAGE_SIZE, 0);
		c->alloc(&small, PAGE_SIZE, 0);
		c->touch(big.addr);
		c->touch(small.addr);
		c->free(&big);
		c->free(&small);
	}
}

static void random_size_loop(const struct config *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		one(c, random_pages() * PAGE_SIZE, 0);
}

static void fix_align_loop(const struct config *c, long n)
{
	long i;

	for (i = 0; i < n; i++)
		one(c, ALIGN_PAGES * PAGE_SIZE, ALIGN_BYTES);
}

static struct area *new_areas(long n)
{
	struct area *v = calloc((size_t)n, sizeof(*v));

	if (!v)
		die("out of memory");
	return v;
}

/* The checkerboard: kept and junk alternately, then every junk one freed. */
static void full_fit_setup(const struct config *c)
{
	struct area *junk;
	long i;

	kept = new_areas(junk_length);
	junk = new_areas(junk_length);
	for (i = 0; i < junk_length; i++) {
		c->alloc(&kept[i], PAGE_SIZE, 0);
		c->alloc(&junk[i], PAGE_SIZE, 0);
	}
	for (i = 0; i < junk_length; i++)
		c->free(&junk[i]);
	free(junk);
}

static void full_fit_teardown(const struct config *c)
{
	long i;

	for (i = 0; i < junk_length; i++)
		c->free(&kept[i]);
	free(kept);
	kept = NULL;
}

static void long_busy_setup(const struct config *c)
{
	long i;

	kept = new_areas(BUSY_AREAS);
	for (i = 0; i < BUSY_AREAS; i++)
		c->alloc(&kept[i], PAGE_SIZE, 0);
}

static void long_busy_teardown(const struct config *c)
{
	long i;

	for (i = 0; i < BUSY_AREAS; i++)
		c->free(&kept[i]);
	free(kept);
	kept = NULL;
}

/*
 * struct workload - one of the kernel's tests
 * @kernel_us: the published figure per loop (0: none for these settings)
 */
struct workload {
	const char *name;
	double kernel_us;
	void (*setup)(const struct config *c);
	void (*loop)(const struct config *c, long n);
	void (*teardown)(const struct config *c);
};

enum {
	FIX_SIZE,
	FULL_FIT,
	LONG_BUSY,
	RANDOM_SIZE,
	FIX_ALIGN,
	NR_WORKLOADS
};

static struct workload workloads[NR_WORKLOADS] = {
	[FIX_SIZE] = { "fix_size", 0.449207, NULL, fix_size_loop, NULL },
	[FULL_FIT] = { "full_fit", 0.735985, full_fit_setup, one_page_loop,
		       full_fit_teardown },
	[LONG_BUSY] = { "long_busy_list", 5.176052, long_busy_setup,
			long_busy_loop, long_busy_teardown },
	[RANDOM_SIZE] = { "random_size", 2.589252, NULL, random_size_loop,
			  NULL },
	[FIX_ALIGN] = { "fix_align", 1.365009, NULL, fix_align_loop, NULL },
};

struct result {
	double us;
	double calls; /* host calls per loop; < 0 where there are none */
};

static unsigned long host_calls(void)
{
	struct uvm_mmu_stats st;

	uvm_mmu_stats(&st);
	return st.host_maps + st.host_unmaps + st.host_protects;
}

static unsigned long kva_purges(void)
{
	struct uvm_kva_stats st;

	uvm_kva_stats(&st);
	return st.purges;
}

/* Set up, warm up, time ROUNDS rounds of LOOPS, tear down. */
static struct result measure(const struct workload *w, const struct config *c,
			     long loops, int rounds)
{
	struct result res = { 1e30, -1 };
	unsigned long calls = 0;
	bool counted = c == &configs[HOST];
	int r;

	if (c->cmdline && uvm_boot(c->cmdline))
		die("boot failed");
	if (w->setup)
		w->setup(c);
	rng = RNG_SEED;
	w->loop(c, loops / 10 + 1);
	if (c->cmdline) {
		unsigned long purges = kva_purges(), batch;

		/* Every loop frees a page or more: lazy_max_pages loops do. */
		for (batch = 0; batch <= lazy_max / 64; batch++) {
			if (kva_purges() != purges)
				break;
			w->loop(c, 64);
		}
	}
	for (r = 0; r < rounds; r++) {
		unsigned long before = counted ? host_calls() : 0;
		double t0, t;

		rng = RNG_SEED;
		t0 = now_ns();
		w->loop(c, loops);
		t = (now_ns() - t0) / 1e3 / (double)loops;
		if (counted)
			calls += host_calls() - before;
		if (t < res.us)
			res.us = t;
	}
	if (counted)
		res.calls = (double)calls / ((double)loops * rounds);
	if (w->teardown)
		w->teardown(c);
	if (c->cmdline) {
		int bad = uvm_check();

		if (bad)
			fprintf(stderr,
				"bench_vmalloc: %s on %s: %d invariant violations\n",
				w->name, c->name, bad);
		uvm_shutdown();
	}
	return res;
}

static long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long n = 65530;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 65530;
		fclose(f);
	}
	return n;
}

static const char *verdict(bool met)
{
	return met ? "met" : "MISSED";
}

int main(int argc, char **argv)
{
	static struct result res[NR_WORKLOADS][NR_CONFIGS];
	struct uvm_log_counts logs_before, logs_after;
	struct uvm_kva_stats kst;
	const char *only = NULL;
	long loops = 100000, cap, maps;
	double t0 = now_ns();
	int rounds = 3, opt, w, c;
	bool ran[NR_WORKLOADS] = { false };

	if (getenv("UVM_BENCH_BRIEF")) {
		loops = 10000;
		rounds = 1;
	}
	while ((opt = getopt(argc, argv, "n:r:w:p:")) != -1) {
		switch (opt) {
		case 'n':
			loops = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'w':
			only = optarg;
			break;
		case 'p':
			fix_pages = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: bench_vmalloc [-n LOOPS] [-r ROUNDS] [-w WORKLOAD] [-p PAGES]\n");
			return 2;
		}
	}
	if (loops < 1 || rounds < 1 || fix_pages < 1 || fix_pages > 65536) {
		fprintf(stderr,
			"bench_vmalloc: LOOPS and ROUNDS must be positive, PAGES 1..65536\n");
		return 2;
	}
	if (fix_pages != 1)
		workloads[FIX_SIZE].kernel_us = fix_pages == 1024 ? 62.083711 :
								    0;
	if (only) {
		for (w = 0; w < NR_WORKLOADS; w++)
			if (!strcmp(only, workloads[w].name))
				break;
		if (w == NR_WORKLOADS) {
			fprintf(stderr,
				"bench_vmalloc: no workload '%s'; there are fix_size, full_fit, long_busy_list, random_size, fix_align\n",
				only);
			return 2;
		}
	}

	/* junk_length: the default instance's lazy_max_pages, capped. */
	if (uvm_boot(configs[SOFT].cmdline))
		die("boot failed");
	uvm_kva_stats(&kst);
	uvm_shutdown();
	maps = max_map_count();
	cap = (maps - 2000) / 4;
	lazy_max = kst.lazy_max_pages;
	junk_length = (long)lazy_max;
	if (junk_length > cap)
		junk_length = cap;

	uvm_log_counts(&logs_before);
	for (w = 0; w < NR_WORKLOADS; w++) {
		if (only && strcmp(only, workloads[w].name))
			continue;
		for (c = 0; c < NR_CONFIGS; c++)
			res[w][c] = measure(&workloads[w], &configs[c], loops,
					    rounds);
		ran[w] = true;
	}
	uvm_log_counts(&logs_after);

	printf("vmalloc: lib/test_vmalloc.c single-thread workloads (alloc + touch first byte + free),\n"
	       "us per loop, best of %d x %ld loops after %ld warm-up loops and a lazy purge;\n"
	       "host = mmu=host, soft = mmu=soft (vwrite touch); -k = the same with vmalloc_revive=0\n"
	       "(every area new, as in the kernel); mmap = anonymous mmap + PROT_NONE guard + touch +\n"
	       "munmap; kernel = published 1e6-loop figure (2021); host calls = host syscalls per loop\n",
	       rounds, loops, loops / 10 + 1);
	printf("  instance: %s, kva=%s vmap_nodes=%d lazy_max_pages=%lu; fix_size %lu page%s;\n"
	       "  full_fit junk_length %ld pairs (lazy_max_pages, at most %ld for vm.max_map_count=%ld)\n",
	       MEM, kst.strategy, kst.vmap_nodes, kst.lazy_max_pages, fix_pages,
	       fix_pages == 1 ? "" : "s", junk_length, cap, maps);
	printf("\n%-15s %7s %8s %8s %8s %8s %8s %8s %6s %9s %8s %8s\n",
	       "workload", "loops", "host", "soft", "host-k", "soft-k", "mmap",
	       "kernel", "calls", "mmap/host", "soft/k", "soft-k/k");
	for (w = 0; w < NR_WORKLOADS; w++) {
		struct result *r = res[w];
		double k = workloads[w].kernel_us;

		if (!ran[w])
			continue;
		printf("%-15s %7ld %8.3f %8.3f %8.3f %8.3f %8.3f ",
		       workloads[w].name, loops, r[HOST].us, r[SOFT].us,
		       r[HOST_K].us, r[SOFT_K].us, r[PEER].us);
		if (k > 0)
			printf("%8.3f %6.2f %8.2fx %7.2fx %7.2fx\n", k,
			       r[HOST].calls, r[PEER].us / r[HOST].us,
			       r[SOFT].us / k, r[SOFT_K].us / k);
		else
			printf("%8s %6.2f %8.2fx %8s %8s\n", "-", r[HOST].calls,
			       r[PEER].us / r[HOST].us, "-", "-");
	}

	printf("\ntargets (not asserted):\n");
	for (w = 0; w < NR_WORKLOADS; w++)
		if (ran[w])
			printf("  %-15s mmap/host >= 3x: %.2fx (%s)\n",
			       workloads[w].name,
			       res[w][PEER].us / res[w][HOST].us,
			       verdict(res[w][PEER].us / res[w][HOST].us >= 3));
	for (w = 0; w < NR_WORKLOADS; w++) {
		double k = workloads[w].kernel_us;

		if (ran[w] && k > 0 && (w == FIX_SIZE || w == LONG_BUSY))
			printf("  %-15s soft/kernel <= 1.0: %.2fx (%s)\n",
			       workloads[w].name, res[w][SOFT].us / k,
			       verdict(res[w][SOFT].us / k <= 1.0));
	}
	if (ran[FIX_SIZE])
		printf("  fix_size host system calls per pair ~0: %.2f (%s)\n",
		       res[FIX_SIZE][HOST].calls,
		       verdict(res[FIX_SIZE][HOST].calls < 0.05));
	printf("instance warnings during the run: %lu%s\n",
	       logs_after.warnings - logs_before.warnings,
	       logs_after.warnings == logs_before.warnings ?
		       "" :
		       " (a bug: see stderr)");
	printf("total %.1f s\n", (now_ns() - t0) / 1e9);
	return 0;
}
