/* SPDX-License-Identifier: MIT */
/*
 * Threaded tests of vm_map_ram(): four threads mapping, touching and
 * unmapping their own pages at once, so that the per-CPU vmap blocks, the
 * block lookup, the release of blocks dirty all over, the purge of
 * fragmented ones and the lazy purges under them are all shared.
 *
 *  - each thread owns a set of pages and a few mapping slots; a mapping
 *    of 1..VMAP_MAX_ALLOC pages (sometimes more: an area of its own) is
 *    checked against the pages' bytes, written through, checked through
 *    the direct map, and unmapped;
 *  - one thread calls vm_unmap_aliases() now and then, another reads
 *    vmallocinfo, while the others map and unmap;
 *  - what is still mapped when the threads end is unmapped by the main
 *    thread (a hand-off).
 *
 * Every warning the instance prints is a failure. After the threads join,
 * uvm_check() and the vm_map_ram() checker must pass, and once the pages
 * are freed the page allocator holds what it held at boot.
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

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "kva/kva.h"
#include "test_util.h"
#include "test_mt_util.h"
#include "vmalloc/vmalloc_int.h"

#define THREADS 4
#define OPS (UNDER_TSAN ? 800 : 10000) /* per thread */
#define SLOTS 6			       /* live mappings per thread */
#define MAX_PAGES 80		       /* a slot's pages; > VMAP_MAX_ALLOC */

static void expect_no_errors(void)
{
	cr_assert_eq(atomic_load(&nr_errs), 0, "%lu errors, the first: %s",
		     atomic_load(&nr_errs), first_err);
}

/* ------------------------------------------------------------ the boot */

/* ------------------------------------------------------------- patterns */

/* Pattern @tag over @nr pages, written through the direct map. */
static void put_pages_pattern(struct page **pages, unsigned int nr,
			      uint64_t tag)
{
	unsigned long i, n = PAGE_SIZE / 8;
	unsigned int p;

	for (p = 0; p < nr; p++) {
		uint64_t *w = page_address(pages[p]);

		for (i = 0; i < n; i++)
			if (covered(i))
				w[i] = word(tag, p * n + i);
	}
}

/* The pages hold pattern @tag, seen through the direct map. */
static bool pages_hold(struct page **pages, unsigned int nr, uint64_t tag)
{
	unsigned long i, n = PAGE_SIZE / 8;
	unsigned int p;

	for (p = 0; p < nr; p++) {
		const uint64_t *w = page_address(pages[p]);

		for (i = 0; i < n; i++)
			if (covered(i) && w[i] != word(tag, p * n + i))
				return false;
	}
	return true;
}

/* The mapping at @v shows @pages holding @tag, and the tables agree. */
static void verify(bool host, char *v, struct page **pages, unsigned int nr,
		   uint64_t tag)
{
	unsigned int k;

	for (k = 0; k < nr; k++) {
		if (vmalloc_to_page(v + (unsigned long)k * PAGE_SIZE) !=
		    pages[k]) {
			fail("page %u of the %u-page mapping %p is not its page",
			     k, nr, v);
			return;
		}
	}
	mt_pattern_ok(host, v, nr, tag);
}

/* ------------------------------------------------------------ the threads */

struct slot {
	struct page *pages[MAX_PAGES];
	char *mem;
	unsigned int nr;
	uint64_t tag;
};

struct worker {
	pthread_t thread;
	int id;
	bool host;
	struct slot slots[SLOTS];
};

static pthread_barrier_t start;

static unsigned int pick_count(struct trng *r)
{
	switch (trng_next(r) % 16) {
	case 0:
		return VMAP_MAX_ALLOC + 1 +
		       (unsigned int)(trng_next(r) %
				      (MAX_PAGES - VMAP_MAX_ALLOC));
	case 1:
	case 2:
		return VMAP_MAX_ALLOC;
	default:
		return 1 + (unsigned int)(trng_next(r) % 16);
	}
}

/* vmallocinfo into a scratch buffer: read while areas come and go. */
static void read_info(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		fail("open_memstream failed");
		return;
	}
	if (uvm_show("vmallocinfo", f))
		fail("uvm_show(vmallocinfo) failed");
	fclose(f);
	free(buf);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct trng r = { .s = 0x9e3779b97f4a7c15ULL * (uint64_t)(w->id + 1) };
	int op;

	pthread_barrier_wait(&start);
	for (op = 0; op < OPS && !atomic_load(&nr_errs); op++) {
		struct slot *s = &w->slots[trng_next(&r) % SLOTS];

		if (s->mem) {
			verify(w->host, s->mem, s->pages, s->nr, s->tag);
			vm_unmap_ram(s->mem, s->nr);
			s->mem = NULL;
		} else {
			s->nr = pick_count(&r);
			s->tag = ((uint64_t)w->id << 32) | (uint64_t)op;
			put_pages_pattern(s->pages, s->nr, s->tag);
			s->mem = vm_map_ram(s->pages, s->nr, NUMA_NO_NODE);
			if (!s->mem) {
				fail("thread %d: vm_map_ram(%u) failed", w->id,
				     s->nr);
				break;
			}
			verify(w->host, s->mem, s->pages, s->nr, s->tag);
			if (trng_next(&r) % 2) {
				s->tag |= 1ULL << 63;
				mt_put(w->host, s->mem, s->nr, s->tag);
				if (!pages_hold(s->pages, s->nr, s->tag))
					fail("thread %d: a write through %p missed its pages",
					     w->id, s->mem);
			}
		}
		if (w->id == 0 && op % 50 == 49)
			vm_unmap_aliases();
		if (w->id == 1 && op % 200 == 199)
			read_info();
	}
	return NULL;
}

static void run(bool host, const char *cmdline)
{
	static struct worker workers[THREADS];
	int t, i, k, bad;

	mt_boot(cmdline, count_sink, NULL);
	for (t = 0; t < THREADS; t++) {
		workers[t].id = t;
		workers[t].host = host;
		for (i = 0; i < SLOTS; i++) {
			struct slot *s = &workers[t].slots[i];

			s->mem = NULL;
			for (k = 0; k < MAX_PAGES; k++) {
				s->pages[k] = alloc_page(GFP_KERNEL);
				cr_assert_not_null(s->pages[k]);
			}
		}
	}
	pthread_barrier_init(&start, NULL, THREADS);
	for (t = 0; t < THREADS; t++)
		cr_assert_eq(pthread_create(&workers[t].thread, NULL, work,
					    &workers[t]),
			     0);
	for (t = 0; t < THREADS; t++)
		pthread_join(workers[t].thread, NULL);
	pthread_barrier_destroy(&start);
	expect_no_errors();

	bad = uvm_check() + vmap_block_check();
	cr_assert_eq(bad, 0, "%d violations with mappings live: %s", bad,
		     first_err);

	/* Hand-off: the main thread unmaps what the workers left. */
	for (t = 0; t < THREADS; t++) {
		for (i = 0; i < SLOTS; i++) {
			struct slot *s = &workers[t].slots[i];

			if (s->mem) {
				verify(host, s->mem, s->pages, s->nr, s->tag);
				vm_unmap_ram(s->mem, s->nr);
				s->mem = NULL;
			}
		}
	}
	vm_unmap_aliases();
	for (t = 0; t < THREADS; t++)
		for (i = 0; i < SLOTS; i++)
			for (k = 0; k < MAX_PAGES; k++)
				__free_page(workers[t].slots[i].pages[k]);
	expect_no_errors();

	mt_expect_pages_back();
	bad = uvm_check() + vmap_block_check();
	cr_assert_eq(bad, 0, "%d violations once unmapped: %s", bad, first_err);
	expect_no_errors();
}

TestSuite(mt_vm_map_ram, .fini = mt_teardown, .timeout = 600);

Test(mt_vm_map_ram, host)
{
	run(true, "mem=256M nr_cpus=4");
}

Test(mt_vm_map_ram, soft)
{
	run(false, "mem=256M mmu=soft nr_cpus=4");
}

/* 256-page blocks: blocks fill, are released and purged all the time. */
Test(mt_vm_map_ram, small_blocks_host)
{
	run(true, "mem=256M vmalloc=64M nr_cpus=4");
}

Test(mt_vm_map_ram, eager_host)
{
	run(true, "mem=256M vmalloc=64M nr_cpus=4 lazy=0");
}

Test(mt_vm_map_ram, rbtree_host)
{
	run(true, "mem=256M vmalloc=64M nr_cpus=4 kva=rbtree");
}
