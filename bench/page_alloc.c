/* SPDX-License-Identifier: MIT */
/*
 * Page allocator pairs against glibc, in one run.
 *
 *   bench_page_alloc [-n PAIRS] [-r ROUNDS] [-b CMDLINE]
 *
 * For each order 0..10: alloc_pages(GFP_KERNEL, order) + __free_pages()
 * against malloc(4096 << order) + free(). Orders 0..3 are served by the
 * per-CPU lists, 4..10 by the buddy lists under the zone lock. Each figure
 * is the best of ROUNDS rounds of PAIRS pairs, in nanoseconds per pair; the
 * ratio is ours over glibc's (below 1.0 means faster than glibc).
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uvmalloc.h>

#include "bench.h"

/* Keeps the compiler from dropping the malloc/free pair. */
static void *volatile sink;

static double bench_uvm(unsigned int order, long pairs)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);

		sink = page;
		__free_pages(page, order);
	}
	return (now_ns() - t0) / pairs;
}

static double bench_glibc(unsigned int order, long pairs)
{
	size_t size = PAGE_SIZE << order;
	double t0 = now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		void *p = malloc(size);

		sink = p;
		free(p);
	}
	return (now_ns() - t0) / pairs;
}

static double best_of(double (*fn)(unsigned int, long), unsigned int order,
		      long pairs, int rounds)
{
	double best = 1e30;
	int r;

	fn(order, pairs / 10 + 1); /* warm caches and lists */
	for (r = 0; r < rounds; r++) {
		double t = fn(order, pairs);

		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *cmdline = "mem=1G";
	long pairs = 2000000;
	int rounds = 5, opt;
	unsigned int order;

	while ((opt = getopt(argc, argv, "n:r:b:")) != -1) {
		switch (opt) {
		case 'n':
			pairs = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'b':
			cmdline = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: bench_page_alloc [-n PAIRS] [-r ROUNDS] [-b CMDLINE]\n");
			return 2;
		}
	}
	if (pairs < 1 || rounds < 1 || uvm_boot(cmdline)) {
		fprintf(stderr,
			"bench_page_alloc: bad arguments or boot failed\n");
		return 1;
	}

	printf("page allocator: alloc_pages+__free_pages vs malloc+free, best of %d x %ld pairs\n",
	       rounds, pairs);
	printf("%-6s %-8s %12s %12s %8s\n", "order", "path", "uvm ns/pair",
	       "glibc ns/pair", "ratio");
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		/* Large orders are slower; scale the count to keep runs short. */
		long n = order > PAGE_ALLOC_COSTLY_ORDER ? pairs / 4 : pairs;
		double ours = best_of(bench_uvm, order, n, rounds);
		double theirs = best_of(bench_glibc, order, n, rounds);

		printf("%-6u %-8s %12.1f %12.1f %8.2f\n", order,
		       order <= PAGE_ALLOC_COSTLY_ORDER ? "pcp" : "buddy", ours,
		       theirs, ours / theirs);
	}
	if (uvm_check()) {
		fprintf(stderr, "bench_page_alloc: invariant check failed\n");
		return 1;
	}
	uvm_shutdown();
	return 0;
}
