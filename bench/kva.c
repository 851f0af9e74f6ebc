/* SPDX-License-Identifier: MIT */
/*
 * The area allocator's designs side by side: one 1-page kva_alloc() +
 * kva_free() pair with N areas already busy, for N = 1e3, 1e4, 1e5 and 1e6,
 * in one run.
 *
 *   bench_kva [-n PAIRS] [-r ROUNDS] [-t SECONDS]
 *
 * Designs: list (2.6.12), rbtree (2.6.28), augment without pools (5.2) and
 * augment with pools (6.9), each with its default lazy settings. Every
 * (design, N) boots an instance of its own (mmu=soft, vmalloc=32T) and fills
 * the bottom of the window with N areas of 1 page + guard, packed. They are
 * placed with exact ranges from the top of the run down, so that placing
 * them walks nothing in any design. Then PAIRS pairs, each asking for 1 page
 * anywhere in the window (the lowest fit lies above the N areas), are timed
 * after a warm-up: best of ROUNDS, nanoseconds per pair. Lazy designs pay
 * their purges inside the loop, as vfree() callers do; the warm-up spans
 * two purge cycles. Each measurement runs in a child process of its own,
 * so that none inherits the C heap another left behind (a million freed
 * area structs slow the next configuration's first purges), and that heap
 * keeps the memory it grows to, as the kernel's slab cache of vmap_area
 * would (glibc would otherwise hand it back after every purge and fault it
 * in again).
 *
 * A list search walks every busy area, so a measurement is capped at
 * SECONDS (default 2): fewer pairs, one round, marked '*'.
 *
 * UVM_BENCH_BRIEF in the environment asks for a short run (a fifth of the
 * pairs, three rounds, 0.2 s caps).
 *
 * Prints, asserts nothing. Columns: ns per pair per design; then each
 * augment design's speed-up over list at the same N, each design's growth
 * from 1e3 to 1e6 areas, and the targets: augment under 300 ns a pair at
 * 1e5 areas (with and without pools), growing less than 2.5x from 1e3 to
 * 1e6; list growing with N.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uvmalloc.h>

#include "bench.h"
#include "kva/kva.h"

static const struct design {
	const char *name;
	const char *options;
} designs[] = {
	{ "list", "kva=list" },
	{ "rbtree", "kva=rbtree" },
	{ "augment", "kva=augment vmap_pools=0" },
	{ "augment+pools", "kva=augment vmap_pools=1" },
};

#define NR_DESIGNS (sizeof(designs) / sizeof(designs[0]))

static const long counts[] = { 1000, 10000, 100000, 1000000 };

#define NR_COUNTS (sizeof(counts) / sizeof(counts[0]))

enum {
	LIST,
	RBTREE,
	AUGMENT,
	POOLS
};

struct result {
	double ns;
	long pairs;
	bool capped;
};

static struct uvm_kva_stats last_stats;

static void die(const char *what)
{
	fprintf(stderr, "bench_kva: %s\n", what);
	exit(1);
}

static void pairs_loop(unsigned long start, unsigned long end, long pairs)
{
	long i;

	for (i = 0; i < pairs; i++) {
		struct vmap_area *va =
			kva_alloc(PAGE_SIZE, PAGE_SIZE, start, end, 0, 0);

		if (!va)
			die("an allocation failed");
		kva_free(va);
	}
}

static double time_pairs(unsigned long start, unsigned long end, long pairs)
{
	double t0 = now_ns();

	pairs_loop(start, end, pairs);
	return (now_ns() - t0) / (double)pairs;
}

/* Boot @d, place @n areas, time the pairs. */
static struct result run_one(const struct design *d, long n, long pairs,
			     int rounds, double cap_ns)
{
	struct result res = { 1e30, pairs, false };
	unsigned long start, end, step = 2 * PAGE_SIZE;
	char cmdline[256];
	double est;
	long i;
	int r;

	snprintf(cmdline, sizeof(cmdline), "mem=64M mmu=soft vmalloc=32T %s",
		 d->options);
	if (uvm_boot(cmdline))
		die("boot failed");
	start = VMALLOC_START;
	end = VMALLOC_END;

	for (i = n - 1; i >= 0; i--) {
		unsigned long at = start + (unsigned long)i * step;

		if (!kva_alloc(PAGE_SIZE, PAGE_SIZE, at, at + step, 0, 0))
			die("placing the busy areas failed");
	}

	/*
	 * Warm up (the first search may walk from where placement left the
	 * rbtree cache), then see what a pair costs here.
	 */
	pairs_loop(start, end, 8);
	est = time_pairs(start, end, 8);
	if (est * (double)pairs * rounds > cap_ns) {
		res.pairs = (long)(cap_ns / est);
		if (res.pairs < 8)
			res.pairs = 8;
		res.capped = res.pairs < pairs;
		rounds = 1;
	} else {
		pairs_loop(start, end,
			   (long)max(kva.lazy_max_pages,
				     (unsigned long)pairs / 10));
	}
	for (r = 0; r < rounds; r++) {
		double t = time_pairs(start, end, res.pairs);

		if (t < res.ns)
			res.ns = t;
	}

	if (uvm_check())
		die("invariant check failed");
	uvm_kva_stats(&last_stats);
	if (last_stats.busy_areas != n)
		die("busy areas lost");
	uvm_shutdown();
	return res;
}

/* run_one() in a child process; its result comes back through a pipe. */
static struct result run_isolated(const struct design *d, long n, long pairs,
				  int rounds, double cap_ns,
				  struct uvm_kva_stats *st)
{
	struct {
		struct result res;
		struct uvm_kva_stats st;
	} msg;
	size_t got = 0;
	int fd[2], status;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd))
		die("pipe failed");
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (!pid) {
		close(fd[0]);
		mallopt(M_TRIM_THRESHOLD, 1 << 30);
		msg.res = run_one(d, n, pairs, rounds, cap_ns);
		msg.st = last_stats;
		if (write(fd[1], &msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	while (got < sizeof(msg)) {
		ssize_t r = read(fd[0], (char *)&msg + got, sizeof(msg) - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || got != sizeof(msg))
		die("a measurement failed");
	*st = msg.st;
	return msg.res;
}

static const char *verdict(bool met)
{
	return met ? "met" : "MISSED";
}

int main(int argc, char **argv)
{
	static struct result res[NR_COUNTS][NR_DESIGNS];
	struct uvm_kva_stats st[NR_DESIGNS];
	long pairs = 100000;
	double cap_s = 2.0, t0 = now_ns();
	int rounds = 5, opt;
	size_t c, d;

	while ((opt = getopt(argc, argv, "n:r:t:")) != -1) {
		switch (opt) {
		case 'n':
			pairs = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			cap_s = atof(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_kva [-n PAIRS] [-r ROUNDS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (pairs < 8 || rounds < 1 || cap_s <= 0)
		return 2;
	if (getenv("UVM_BENCH_BRIEF")) {
		pairs = pairs / 5 + 8;
		rounds = 3;
		cap_s = 0.2;
	}

	for (d = 0; d < NR_DESIGNS; d++)
		for (c = 0; c < NR_COUNTS; c++)
			res[c][d] = run_isolated(&designs[d], counts[c], pairs,
						 rounds, cap_s * 1e9, &st[d]);

	printf("kva: 1-page alloc+free pairs over a 32 TiB window with N busy 1-page areas below,\n"
	       "ns per pair (best of %d x %ld pairs; * = fewer pairs, capped at %.1f s)\n",
	       rounds, pairs, cap_s);
	for (d = 0; d < NR_DESIGNS; d++)
		printf("  %-14s lazy_max_pages=%lu vmap_nodes=%d\n",
		       designs[d].name, st[d].lazy_max_pages, st[d].vmap_nodes);
	printf("\n%9s", "N");
	for (d = 0; d < NR_DESIGNS; d++)
		printf(" %15s", designs[d].name);
	printf("   list/augment  list/augment+pools\n");
	for (c = 0; c < NR_COUNTS; c++) {
		printf("%9ld", counts[c]);
		for (d = 0; d < NR_DESIGNS; d++)
			printf(" %14.1f%c", res[c][d].ns,
			       res[c][d].capped ? '*' : ' ');
		printf("   %11.1fx  %17.1fx\n",
		       res[c][LIST].ns / res[c][AUGMENT].ns,
		       res[c][LIST].ns / res[c][POOLS].ns);
	}
	printf("\ngrowth %ld -> %ld areas:", counts[0], counts[NR_COUNTS - 1]);
	for (d = 0; d < NR_DESIGNS; d++)
		printf("  %s %.2fx", designs[d].name,
		       res[NR_COUNTS - 1][d].ns / res[0][d].ns);
	printf("\n");
	for (c = 0; c < NR_COUNTS; c++)
		for (d = 0; d < NR_DESIGNS; d++)
			if (res[c][d].capped)
				printf("* %s at %ld areas: %ld pairs\n",
				       designs[d].name, counts[c],
				       res[c][d].pairs);

	printf("\ntargets (not asserted):\n");
	printf("  augment at 1e5 areas < 300 ns a pair: %.1f ns without pools (%s), %.1f with (%s)\n",
	       res[2][AUGMENT].ns, verdict(res[2][AUGMENT].ns < 300),
	       res[2][POOLS].ns, verdict(res[2][POOLS].ns < 300));
	printf("  augment growth 1e3 -> 1e6 < 2.5x: %.2fx without pools (%s), %.2fx with (%s)\n",
	       res[3][AUGMENT].ns / res[0][AUGMENT].ns,
	       verdict(res[3][AUGMENT].ns / res[0][AUGMENT].ns < 2.5),
	       res[3][POOLS].ns / res[0][POOLS].ns,
	       verdict(res[3][POOLS].ns / res[0][POOLS].ns < 2.5));
	printf("  list grows with N (O(n) walk): %.0fx from 1e3 to 1e6 (%s)\n",
	       res[3][LIST].ns / res[0][LIST].ns,
	       verdict(res[3][LIST].ns / res[0][LIST].ns > 10));
	printf("total %.1f s\n", (now_ns() - t0) / 1e9);
	return 0;
}
