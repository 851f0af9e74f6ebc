/* SPDX-License-Identifier: MIT */
/*
 * Mapping and unmapping through the page tables, against a plain anonymous
 * mmap()/munmap() of the same size, in one run.
 *
 *   bench_mmu_map [-n PAIRS] [-r ROUNDS]
 *
 * For 1, 16 and 512 pages: mmu_map_pages() + mmu_unmap() on the host backend
 * (tables plus one host mmap() per contiguous run and one to unmap), on the
 * soft backend (tables only), and mmap() + munmap() of fresh anonymous
 * memory. The frames are physically contiguous, so the host maps each range
 * with one call. Best of ROUNDS, nanoseconds per pair; ratios are against
 * the anonymous mmap peer.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <uvmalloc.h>

#include "bench.h"

#include "mmu/mmu.h"

static const unsigned long sizes[] = { 1, 16, 512 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Best per-pair time of mapping @nr frames of @pages at the window start. */
static double bench_tables(struct page **pages, unsigned long nr, long pairs,
			   int rounds)
{
	unsigned long addr = VMALLOC_START;
	double best = 1e30;
	int r;
	long i;

	for (r = 0; r < rounds; r++) {
		double t0 = now_ns(), t;

		for (i = 0; i < pairs; i++) {
			if (mmu_map_pages(addr, pages, nr, PAGE_KERNEL,
					  PAGE_SHIFT)) {
				fprintf(stderr, "bench_mmu_map: map failed\n");
				exit(1);
			}
			mmu_unmap(addr, nr << PAGE_SHIFT);
		}
		t = (now_ns() - t0) / pairs;
		if (t < best)
			best = t;
	}
	return best;
}

static double bench_anon(unsigned long nr, long pairs, int rounds)
{
	double best = 1e30;
	int r;
	long i;

	for (r = 0; r < rounds; r++) {
		double t0 = now_ns(), t;

		for (i = 0; i < pairs; i++) {
			void *p = mmap(NULL, nr << PAGE_SHIFT,
				       PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				perror("bench_mmu_map: mmap");
				exit(1);
			}
			munmap(p, nr << PAGE_SHIFT);
		}
		t = (now_ns() - t0) / pairs;
		if (t < best)
			best = t;
	}
	return best;
}

/* Boot @cmdline and time every size; the frames are one order-9 block. */
static void run_backend(const char *cmdline, double *out, long pairs,
			int rounds)
{
	struct page *pages[512], *block;
	unsigned long i;

	if (uvm_boot(cmdline)) {
		fprintf(stderr, "bench_mmu_map: boot '%s' failed\n", cmdline);
		exit(1);
	}
	block = alloc_pages(GFP_KERNEL, 9);
	if (!block) {
		fprintf(stderr, "bench_mmu_map: no order-9 block\n");
		exit(1);
	}
	split_page(block, 9);
	for (i = 0; i < 512; i++)
		pages[i] = pfn_to_page(page_to_pfn(block) + i);
	for (i = 0; i < NR_SIZES; i++)
		out[i] = bench_tables(pages, sizes[i], pairs, rounds);
	if (uvm_check()) {
		fprintf(stderr, "bench_mmu_map: invariant check failed\n");
		exit(1);
	}
	for (i = 0; i < 512; i++)
		__free_pages(pages[i], 0);
	uvm_shutdown();
}

int main(int argc, char **argv)
{
	double host[NR_SIZES], soft[NR_SIZES], anon;
	long pairs = 100000;
	int rounds = 5, opt;
	unsigned long i;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			pairs = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_mmu_map [-n PAIRS] [-r ROUNDS]\n");
			return 2;
		}
	}
	if (pairs < 1 || rounds < 1)
		return 2;
	if (getenv("UVM_BENCH_BRIEF"))
		pairs = pairs / 10 + 1;

	run_backend("mem=64M mmu=host", host, pairs, rounds);
	run_backend("mem=64M mmu=soft", soft, pairs, rounds);

	printf("map+unmap pairs, best of %d x %ld, ns per pair (ratio to anonymous mmap+munmap)\n",
	       rounds, pairs);
	printf("%-6s %16s %16s %12s\n", "pages", "host", "soft", "anon mmap");
	for (i = 0; i < NR_SIZES; i++) {
		anon = bench_anon(sizes[i], pairs, rounds);
		printf("%-6lu %9.0f (%4.2f) %9.0f (%4.2f) %12.0f\n", sizes[i],
		       host[i], host[i] / anon, soft[i], soft[i] / anon, anon);
	}
	return 0;
}
