/* SPDX-License-Identifier: MIT */
/*
 * Tests of vm_map_ram(), vm_unmap_ram() and vm_unmap_aliases()
 * (src/vmalloc/vmap_block.c), on both mmu backends.
 *
 *  - every count from 1 to VMAP_MAX_ALLOC (per-CPU vmap blocks) and some
 *    beyond (an area each): the mapping shows the pages' bytes (host:
 *    through the pointer; both: vread), writes through it reach the pages
 *    (seen through the direct map), vmalloc_to_page() names each page;
 *  - the block's life: successive small mappings are bump allocations in
 *    2^order slots of one block; a block dirty all over is released; one
 *    that maps nothing and has little room left is purged by
 *    vm_unmap_aliases(), one with room is kept and used on;
 *  - aliases: after vm_unmap_ram() the host still maps the old address
 *    (lazy), after vm_unmap_aliases() touching it faults;
 *  - vmallocinfo prints blocks and large mappings as vm_map_ram lines;
 *  - bad input (NULL pages, count 0, a NULL page, a bad node, a wrong
 *    count, an unmap twice, an address vm_map_ram() never returned): one
 *    warning each, nothing changed, the checkers pass;
 *  - the leak report at shutdown names mappings never unmapped;
 *  - random runs of map/check/unmap on each backend and area allocator.
 *
 * Most tests boot vmalloc=64M nr_cpus=4, which makes blocks of
 * 64M / 4 KiB / 4 / 16 = 256 pages (1 MiB), and pin the test thread to one
 * CPU so that every small mapping comes from the same CPU's blocks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
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
#include "lib/compiler.h"
#include "lib/log.h"
#include "test_util.h"
#include "test_vm_util.h"
#include "vmalloc/vmalloc_int.h"

/* The geometry SMALL_BLOCKS gives: 256-page blocks, purge below 64 free. */
#define SMALL_BLOCKS "vmalloc=64M nr_cpus=4"
#define BLOCK_PAGES 256UL
#define BLOCK_SIZE (BLOCK_PAGES * PAGE_SIZE)

/* --------------------------------------------------------- boot helpers */

/* Every small mapping from now on comes from this CPU's blocks. */
static void pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	cr_assert_geq(cpu, 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0);
}

static long busy_areas(void)
{
	struct uvm_kva_stats ks;

	uvm_kva_stats(&ks);
	return ks.busy_areas;
}

static unsigned long lazy_pages(void)
{
	struct uvm_kva_stats ks;

	uvm_kva_stats(&ks);
	return ks.lazy_pages;
}

/* ------------------------------------------------------- introspection */

/* Lines of vmallocinfo that contain @what. */
static int info_count(const char *what)
{
	char *info = show("vmallocinfo"), *p = info, *nl;
	int n = 0;

	while (*p) {
		nl = strchrnul(p, '\n');
		if (memmem(p, (size_t)(nl - p), what, strlen(what)))
			n++;
		p = *nl ? nl + 1 : nl;
	}
	free(info);
	return n;
}

/* The area at @addr is listed as a vm_map_ram line of @size bytes. */
static void expect_info(unsigned long addr, unsigned long size)
{
	char *info = show("vmallocinfo"), line[512];
	long got = -1;

	cr_assert(info_line(info, (void *)addr, line, sizeof(line)),
		  "no vmallocinfo line for %#lx:\n%s", addr, info);
	free(info);
	cr_assert_eq(sscanf(line, "%*s %ld", &got), 1, "%s", line);
	cr_assert_eq(got, (long)size, "%s: want size %lu", line, size);
	cr_assert(strstr(line, "vm_map_ram"), "%s", line);
	cr_assert_not(strstr(line, "pages="), "%s", line);
	cr_assert_not(strstr(line, "vmalloc"), "%s", line);
}

/* ---------------------------------------------------------------- pages */

static struct page **get_pages(unsigned int nr)
{
	struct page **pages = calloc(nr, sizeof(*pages));
	unsigned int i;

	cr_assert_not_null(pages);
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		cr_assert_not_null(pages[i], "page %u of %u", i, nr);
	}
	return pages;
}

static void put_pages(struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		__free_page(pages[i]);
	free(pages);
}

/* Write pattern @seed over @nr pages through the direct map. */
static void fill_pages(struct page **pages, unsigned int nr, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		fill_at(page_address(pages[i]), (unsigned long)i * PAGE_SIZE,
			PAGE_SIZE, seed);
}

/* The pages hold pattern @seed, seen through the direct map. */
static void expect_pages(struct page **pages, unsigned int nr, uint64_t seed)
{
	unsigned int i;
	long off;

	for (i = 0; i < nr; i++) {
		off = mismatch_at(page_address(pages[i]),
				  (unsigned long)i * PAGE_SIZE, PAGE_SIZE,
				  seed);
		cr_assert_eq(off, -1, "page %u differs at %ld (direct map)", i,
			     off);
	}
}

/*
 * @mem maps @pages in order and shows pattern @seed: through the pointer
 * (host), vread(), and the page tables.
 */
static void expect_mapping(bool host, void *mem, struct page **pages,
			   unsigned int nr, uint64_t seed)
{
	unsigned long len = (unsigned long)nr * PAGE_SIZE, i;

	cr_assert_not_null(mem);
	cr_assert(PAGE_ALIGNED(mem), "%p", mem);
	cr_assert(is_vmalloc_addr(mem));
	cr_assert(is_vmalloc_addr((char *)mem + len - 1));
	/* A vm_map_ram() mapping has no vm_struct to find. */
	cr_assert_null(find_vm_area(mem));
	for (i = 0; i < nr; i++) {
		const char *p = (const char *)mem + i * PAGE_SIZE;

		cr_assert_eq(vmalloc_to_page(p), pages[i], "page %lu of %p", i,
			     mem);
		cr_assert_eq(vmalloc_to_page(p + PAGE_SIZE - 1), pages[i]);
		cr_assert_eq(vmalloc_to_pfn(p + 17), page_to_pfn(pages[i]));
	}
	expect_pattern(host, mem, len, seed);
}

/* Nothing is mapped at [@mem, @mem + @nr pages) in the tables. */
static void expect_unmapped(const void *mem, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		cr_assert_null(vmalloc_to_page((const char *)mem +
					       (unsigned long)i * PAGE_SIZE),
			       "page %u of %p is still mapped", i, mem);
}

/* vm_map_ram() of fresh pages holding pattern @seed, checked. */
static void *map_fresh(bool host, struct page ***pagesp, unsigned int nr,
		       uint64_t seed)
{
	struct page **pages = get_pages(nr);
	void *mem;

	fill_pages(pages, nr, seed);
	mem = vm_map_ram(pages, nr, NUMA_NO_NODE);
	cr_assert_not_null(mem, "vm_map_ram(%u): %s", nr, cap_last());
	expect_mapping(host, mem, pages, nr, seed);
	*pagesp = pages;
	return mem;
}

/* ------------------------------------------------------ every count */

TestSuite(vmr_map, .fini = teardown, .timeout = 300);

static const unsigned int large_counts[] = { 65, 100, 512, 1000 };

static void counts(bool host)
{
	enum {
		NR = VMAP_MAX_ALLOC + ARRAY_SIZE(large_counts)
	};
	struct page **pages[NR];
	unsigned int nr[NR], i;
	void *mem[NR];

	boot("mem=64M mmu=%s", backend(host));
	for (i = 0; i < NR; i++) {
		nr[i] = i < VMAP_MAX_ALLOC ? i + 1 :
					     large_counts[i - VMAP_MAX_ALLOC];
		mem[i] = map_fresh(host, &pages[i], nr[i], i);
	}
	assert_check();
	for (i = 0; i < NR; i++) {
		/* Every mapping kept its own pages while the others came. */
		expect_mapping(host, mem[i], pages[i], nr[i], i);
		/* Writes through the mapping land in the pages. */
		area_fill(host, mem[i], (unsigned long)nr[i] * PAGE_SIZE,
			  1000 + i);
		expect_pages(pages[i], nr[i], 1000 + i);
	}
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	for (i = 0; i < NR; i++) {
		vm_unmap_ram(mem[i], nr[i]);
		expect_unmapped(mem[i], nr[i]);
	}
	assert_check();
	vm_unmap_aliases();
	assert_check();
	for (i = 0; i < NR; i++)
		put_pages(pages[i], nr[i]);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_map, counts_host)
{
	counts(true);
}

Test(vmr_map, counts_soft)
{
	counts(false);
}

/* One page mapped many times over, and a node given. */
static void same_page(bool host)
{
	struct page **pages, *many[8];
	void *mem;
	int i;

	boot("mem=64M mmu=%s numa=2", backend(host));
	pages = get_pages(1);
	fill_pages(pages, 1, 7);
	for (i = 0; i < 8; i++)
		many[i] = pages[0];
	mem = vm_map_ram(many, 8, 1);
	cr_assert_not_null(mem, "%s", cap_last());
	for (i = 0; i < 8; i++)
		expect_mapping(host, (char *)mem + i * PAGE_SIZE, pages, 1, 7);
	assert_check();
	vm_unmap_ram(mem, 8);
	put_pages(pages, 1);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_map, same_page_host)
{
	same_page(true);
}

Test(vmr_map, same_page_soft)
{
	same_page(false);
}

/* ------------------------------------------------------- block geometry */

TestSuite(vmr_block, .fini = teardown, .timeout = 300);

/* Successive small mappings: 2^order slots, one after the other. */
static void bump(bool host)
{
	static const unsigned int nr[] = { 1, 2, 3, 1, 64, 5, 8, 16, 2 };
	static const unsigned long at[] = { 0, 1, 3, 7, 8, 72, 80, 88, 104 };
	struct page **pages[ARRAY_SIZE(nr)];
	unsigned long base = 0;
	void *mem[ARRAY_SIZE(nr)];
	unsigned int i;

	boot("mem=64M mmu=%s " SMALL_BLOCKS, backend(host));
	pin_cpu();
	cr_assert_eq(busy_areas(), 0);
	for (i = 0; i < ARRAY_SIZE(nr); i++) {
		mem[i] = map_fresh(host, &pages[i], nr[i], i);
		if (!i) {
			base = (unsigned long)mem[0];
			/* A fresh block, aligned to its size. */
			cr_assert(IS_ALIGNED(base, BLOCK_SIZE), "%#lx", base);
		}
		cr_assert_eq((unsigned long)mem[i], base + at[i] * PAGE_SIZE,
			     "mapping %u (%u pages) at page %ld, not %lu", i,
			     nr[i],
			     (long)(((unsigned long)mem[i] - base) / PAGE_SIZE),
			     at[i]);
		/* One block holds them all. */
		cr_assert_eq(busy_areas(), 1);
	}
	expect_info(base, BLOCK_SIZE);
	cr_assert_eq(info_count("vm_map_ram"), 1);
	assert_check();
	for (i = 0; i < ARRAY_SIZE(nr); i++) {
		expect_mapping(host, mem[i], pages[i], nr[i], i);
		vm_unmap_ram(mem[i], nr[i]);
		put_pages(pages[i], nr[i]);
	}
	/* Holes are never reused: the next mapping goes on at the bump. */
	mem[0] = map_fresh(host, &pages[0], 1, 99);
	cr_assert_eq((unsigned long)mem[0], base + 106 * PAGE_SIZE);
	vm_unmap_ram(mem[0], 1);
	put_pages(pages[0], 1);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_block, bump_host)
{
	bump(true);
}

Test(vmr_block, bump_soft)
{
	bump(false);
}

/* A block dirty all over is released; its range goes lazily. */
static void release(bool host)
{
	struct page **pages;
	unsigned long a, b;
	void *mem[4];
	int i;

	boot("mem=64M mmu=%s lazy_max_pages=100000 " SMALL_BLOCKS,
	     backend(host));
	pin_cpu();
	pages = get_pages(64);
	fill_pages(pages, 64, 3);
	for (i = 0; i < 4; i++) {
		mem[i] = vm_map_ram(pages, 64, NUMA_NO_NODE);
		cr_assert_not_null(mem[i]);
		expect_mapping(host, mem[i], pages, 64, 3);
	}
	a = (unsigned long)mem[0];
	for (i = 1; i < 4; i++)
		cr_assert_eq((unsigned long)mem[i], a + i * 64 * PAGE_SIZE);
	cr_assert_eq(busy_areas(), 1);

	/* Full: the next mapping needs a block of its own. */
	b = (unsigned long)vm_map_ram(pages, 64, NUMA_NO_NODE);
	cr_assert_neq(b, 0);
	cr_assert(b < a || b >= a + BLOCK_SIZE, "%#lx in block %#lx", b, a);
	cr_assert_eq(busy_areas(), 2);
	cr_assert_eq(info_count("vm_map_ram"), 2);
	assert_check();

	/* All but the last quarter dirty: the block stays. */
	for (i = 0; i < 3; i++)
		vm_unmap_ram(mem[i], 64);
	cr_assert_eq(busy_areas(), 2);
	expect_info(a, BLOCK_SIZE);
	assert_check();
	/* The last quarter: released, its range lazy. */
	vm_unmap_ram(mem[3], 64);
	cr_assert_eq(busy_areas(), 1);
	cr_assert_eq(lazy_pages(), BLOCK_PAGES);
	cr_assert_eq(info_count("vm_map_ram"), 1);
	expect_info(b, BLOCK_SIZE);
	expect_unmapped((void *)a, BLOCK_PAGES);
	assert_check();
	kva_purge(true);
	cr_assert_eq(lazy_pages(), 0);
	assert_check();

	vm_unmap_ram((void *)b, 64);
	expect_pages(pages, 64, 3);
	put_pages(pages, 64);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_block, release_host)
{
	release(true);
}

Test(vmr_block, release_soft)
{
	release(false);
}

/*
 * A block that maps nothing is purged by vm_unmap_aliases() when fewer
 * than a quarter of its pages are free, and kept (and used on) otherwise.
 */
static void purge_fragmented(bool host)
{
	static const unsigned int nr[] = { 64, 64, 64, 32 };
	struct page **pages;
	unsigned long a;
	void *mem[4], *next;
	int i;

	boot("mem=64M mmu=%s " SMALL_BLOCKS, backend(host));
	pin_cpu();
	pages = get_pages(64);
	fill_pages(pages, 64, 5);

	/* 224 of 256 pages used, 32 free (< 64): purgeable once unmapped. */
	for (i = 0; i < 4; i++)
		mem[i] = vm_map_ram(pages, nr[i], NUMA_NO_NODE);
	a = (unsigned long)mem[0];
	/* No room for 64 more: a new block; 16 still fit the first. */
	next = vm_map_ram(pages, 64, NUMA_NO_NODE);
	cr_assert(next && ((unsigned long)next < a ||
			   (unsigned long)next >= a + BLOCK_SIZE));
	vm_unmap_ram(next, 64);
	next = vm_map_ram(pages, 16, NUMA_NO_NODE);
	cr_assert_eq((unsigned long)next, a + 224 * PAGE_SIZE);
	vm_unmap_ram(next, 16);
	cr_assert_eq(busy_areas(), 2);
	for (i = 0; i < 4; i++)
		vm_unmap_ram(mem[i], nr[i]);
	/* 16 pages still free: not dirty all over, so not released. */
	cr_assert_eq(busy_areas(), 2);
	assert_check();
	vm_unmap_aliases();
	/* Purged: the first block (16 free); the second has 192 free. */
	cr_assert_eq(busy_areas(), 1);
	cr_assert_eq(lazy_pages(), 0);
	cr_assert_eq(info_count("vm_map_ram"), 1);
	assert_check();

	/* The kept block is used on: its next slot is at page 64. */
	next = vm_map_ram(pages, 1, NUMA_NO_NODE);
	cr_assert_not_null(next);
	cr_assert_eq(busy_areas(), 1);
	a = (unsigned long)next - 64 * PAGE_SIZE;
	cr_assert(IS_ALIGNED(a, BLOCK_SIZE), "%p", next);
	expect_mapping(host, next, pages, 1, 5);
	vm_unmap_ram(next, 1);
	vm_unmap_aliases();
	cr_assert_eq(busy_areas(), 1);
	assert_check();
	put_pages(pages, 64);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_block, purge_fragmented_host)
{
	purge_fragmented(true);
}

Test(vmr_block, purge_fragmented_soft)
{
	purge_fragmented(false);
}

/*
 * When the window is full, a reservation first gives up every block that
 * maps nothing, however much room it has left (a forced purge).
 */
Test(vmr_block, full_window_purges_idle_blocks)
{
	unsigned long window, rest, i;
	struct page **one, **same;
	void *mem, *big, *more;

	boot("mem=64M mmu=soft " SMALL_BLOCKS);
	pin_cpu();
	one = get_pages(1);
	window = (VMALLOC_END - VMALLOC_START) / PAGE_SIZE;
	cr_assert_eq(window, 64 * BLOCK_PAGES);

	/* An idle block: 1 page dirty, 255 free (not purgeable unforced). */
	mem = vm_map_ram(one, 1, NUMA_NO_NODE);
	cr_assert_not_null(mem);
	vm_unmap_ram(mem, 1);
	vm_unmap_aliases();
	cr_assert_eq(busy_areas(), 1);

	/* Everything else in one large mapping (of one page, many times). */
	rest = window - BLOCK_PAGES;
	same = malloc(rest * sizeof(*same));
	cr_assert_not_null(same);
	for (i = 0; i < rest; i++)
		same[i] = one[0];
	big = vm_map_ram(same, (unsigned int)rest, NUMA_NO_NODE);
	cr_assert_not_null(big, "%s", cap_last());
	cr_assert_eq(busy_areas(), 2);

	/* No room for 100 pages but the idle block's: it goes. */
	more = vm_map_ram(same, 100, NUMA_NO_NODE);
	cr_assert_not_null(more, "%s", cap_last());
	cr_assert_eq(busy_areas(), 2);
	cr_assert_eq(info_count("vm_map_ram"), 2);
	expect_info((unsigned long)more, 100 * PAGE_SIZE);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);

	vm_unmap_ram(more, 100);
	vm_unmap_ram(big, (unsigned int)rest);
	free(same);
	put_pages(one, 1);
	assert_check();
}

/* Default geometry (1024-page blocks): a window's worth of blocks. */
static void many_blocks(bool host)
{
	enum {
		NR = 64
	};
	struct page **pages;
	void *mem[NR];
	int i, round;

	boot("mem=64M mmu=%s vmalloc=64M nr_cpus=1", backend(host));
	pages = get_pages(64);
	fill_pages(pages, 64, 11);
	/*
	 * 16 blocks fill the window; every 64 mappings (4 blocks) are
	 * unmapped, which releases their blocks, so the 64 blocks made in
	 * all reuse the window's space after purges.
	 */
	for (round = 0; round < 4; round++) {
		for (i = 0; i < NR * 4; i++) {
			mem[i % NR] = vm_map_ram(pages, 64, NUMA_NO_NODE);
			cr_assert_not_null(mem[i % NR], "round %d, map %d: %s",
					   round, i, cap_last());
			if (i % NR == NR - 1) {
				int j;

				for (j = 0; j < NR; j++)
					vm_unmap_ram(mem[j], 64);
			}
		}
		assert_check();
	}
	cr_assert_eq(busy_areas(), 0);
	put_pages(pages, 64);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_block, many_blocks_host)
{
	many_blocks(true);
}

Test(vmr_block, many_blocks_soft)
{
	many_blocks(false);
}

/* ---------------------------------------------------------------- aliases */

TestSuite(vmr_alias, .fini = teardown, .timeout = 300);

/*
 * @stale: set to a small mapping that was unmapped but whose host
 * mapping stands; @keep: a live one in the same block.
 */
static void make_alias(bool host, struct page ***pages, void **stale,
		       void **keep)
{
	*stale = map_fresh(host, &pages[0], 2, 21);
	*keep = map_fresh(host, &pages[1], 1, 22);
	vm_unmap_ram(*stale, 2);
	expect_unmapped(*stale, 2);
}

Test(vmr_alias, stale_until_flushed_host)
{
	struct page **pages[2];
	void *stale, *keep;

	boot("mem=64M " SMALL_BLOCKS);
	pin_cpu();
	make_alias(true, pages, &stale, &keep);
	/* Lazy: the host still maps the old address to the old page. */
	cr_assert_eq(mismatch_at(stale, 0, 2 * PAGE_SIZE, 21), -1);
	assert_check();
	vm_unmap_aliases();
	expect_mapping(true, keep, pages[1], 1, 22);
	cr_assert_eq(busy_areas(), 1);
	assert_check();
	vm_unmap_ram(keep, 1);
	put_pages(pages[0], 2);
	put_pages(pages[1], 1);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_alias, faults_after_flush, .signal = SIGSEGV)
{
	struct page **pages[2];
	void *stale, *keep;

	boot("mem=64M " SMALL_BLOCKS);
	pin_cpu();
	make_alias(true, pages, &stale, &keep);
	cr_assert_eq(*(volatile char *)stale, (char)pat_word(21, 0));
	vm_unmap_aliases();
	cr_assert_eq(*(volatile char *)keep, (char)pat_word(22, 0));
	(void)*(volatile char *)stale;
	cr_assert_fail("read an alias vm_unmap_aliases() removed");
}

/* A released block's range stays mapped until purged, then faults. */
Test(vmr_alias, released_block_faults, .signal = SIGSEGV)
{
	struct page **pages;
	void *mem[4];
	int i;

	boot("mem=64M lazy_max_pages=100000 " SMALL_BLOCKS);
	pin_cpu();
	for (i = 0; i < 4; i++)
		mem[i] = map_fresh(true, &pages, 64, 31);
	for (i = 0; i < 4; i++)
		vm_unmap_ram(mem[i], 64);
	cr_assert_eq(busy_areas(), 0);
	cr_assert_eq(lazy_pages(), BLOCK_PAGES);
	cr_assert_eq(*(volatile char *)mem[3], (char)pat_word(31, 0));
	vm_unmap_aliases();
	cr_assert_eq(lazy_pages(), 0);
	(void)*(volatile char *)mem[3];
	cr_assert_fail("read a purged vm_map_ram address");
}

Test(vmr_alias, soft)
{
	struct page **pages[2];
	void *stale, *keep;
	char buf[64];

	boot("mem=64M mmu=soft " SMALL_BLOCKS);
	pin_cpu();
	make_alias(false, pages, &stale, &keep);
	/* No host mapping to go stale: a hole reads as zeros. */
	memset(buf, 0x5a, sizeof(buf));
	cr_assert_eq(vread(buf, stale, sizeof(buf)), (long)sizeof(buf));
	cr_assert_eq(buf[0], 0);
	vm_unmap_aliases();
	expect_mapping(false, keep, pages[1], 1, 22);
	assert_check();
	vm_unmap_ram(keep, 1);
	put_pages(pages[0], 2);
	put_pages(pages[1], 1);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

/* ------------------------------------------------------------------ large */

TestSuite(vmr_large, .fini = teardown, .timeout = 300);

static void large(bool host)
{
	struct page **pages[ARRAY_SIZE(large_counts)];
	void *mem[ARRAY_SIZE(large_counts)];
	unsigned int i;

	boot("mem=64M mmu=%s", backend(host));
	for (i = 0; i < ARRAY_SIZE(large_counts); i++) {
		mem[i] = map_fresh(host, &pages[i], large_counts[i], 40 + i);
		/* An area each, no guard page: its size is its pages. */
		cr_assert_eq(busy_areas(), (long)i + 1);
		expect_info((unsigned long)mem[i], large_counts[i] * PAGE_SIZE);
	}
	assert_check();
	for (i = 0; i < ARRAY_SIZE(large_counts); i++) {
		area_fill(host, mem[i],
			  (unsigned long)large_counts[i] * PAGE_SIZE, 50 + i);
		expect_pages(pages[i], large_counts[i], 50 + i);
		vm_unmap_ram(mem[i], large_counts[i]);
		expect_unmapped(mem[i], large_counts[i]);
		cr_assert_eq(busy_areas(),
			     (long)(ARRAY_SIZE(large_counts) - i - 1));
	}
	cr_assert_eq(info_count("vm_map_ram"), 0);
	assert_check();
	vm_unmap_aliases();
	cr_assert_eq(lazy_pages(), 0);
	for (i = 0; i < ARRAY_SIZE(large_counts); i++)
		put_pages(pages[i], large_counts[i]);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_large, host)
{
	large(true);
}

Test(vmr_large, soft)
{
	large(false);
}

/* ------------------------------------------------------------- bad input */

TestSuite(vmr_bad, .fini = teardown, .timeout = 300);

/* Run @stmt; it must print exactly one warning containing @what. */
#define ONE_WARNING(what, stmt)                                         \
	do {                                                            \
		unsigned long before = warnings();                      \
		cap_reset();                                            \
		stmt;                                                   \
		cr_assert_eq(warnings(), before + 1,                    \
			     "%s: %lu warnings, the last: %s", #stmt,   \
			     warnings() - before, cap.last_warn);       \
		cr_assert(strstr(cap.last_warn, what), "%s: %s", #stmt, \
			  cap.last_warn);                               \
	} while (0)

static void bad_input(bool host)
{
	void *small, *big, *v, *outside = malloc(PAGE_SIZE * 2);
	struct page **pages, *holey[3];
	char *unaligned;

	boot("mem=64M mmu=%s " SMALL_BLOCKS, backend(host));
	pin_cpu();
	pages = get_pages(80);
	fill_pages(pages, 80, 61);
	holey[0] = pages[0];
	holey[1] = NULL;
	holey[2] = pages[2];

	ONE_WARNING("NULL", v = vm_map_ram(NULL, 1, NUMA_NO_NODE));
	cr_assert_null(v);
	ONE_WARNING("count 0", v = vm_map_ram(pages, 0, NUMA_NO_NODE));
	cr_assert_null(v);
	ONE_WARNING("NULL", v = vm_map_ram(holey, 3, NUMA_NO_NODE));
	cr_assert_null(v);
	ONE_WARNING("node", v = vm_map_ram(pages, 2, 5));
	cr_assert_null(v);
	ONE_WARNING("node", v = vm_map_ram(pages, 2, -7));
	cr_assert_null(v);
	cr_assert_eq(busy_areas(), 0);

	small = vm_map_ram(pages, 4, NUMA_NO_NODE);
	big = vm_map_ram(pages, 70, NUMA_NO_NODE);
	cr_assert_not_null(small);
	cr_assert_not_null(big);
	cr_assert_eq(busy_areas(), 2);

	/* Wrong counts, same order or not, small or large. */
	ONE_WARNING("count 3", vm_unmap_ram(small, 3));
	ONE_WARNING("count 8", vm_unmap_ram(small, 8));
	ONE_WARNING("count 100", vm_unmap_ram(small, 100));
	ONE_WARNING("count 69", vm_unmap_ram(big, 69));
	ONE_WARNING("count 71", vm_unmap_ram(big, 71));
	ONE_WARNING("count 4", vm_unmap_ram(big, 4));
	ONE_WARNING("count 0", vm_unmap_ram(small, 0));
	/* Inside a mapping, not where it starts. */
	ONE_WARNING("starts", vm_unmap_ram((char *)small + PAGE_SIZE, 1));
	ONE_WARNING("not mapped", vm_unmap_ram((char *)big + PAGE_SIZE, 69));
	/* Past the bump pointer of the block. */
	ONE_WARNING("starts", vm_unmap_ram((char *)small + 8 * PAGE_SIZE, 4));
	/* Not from vm_map_ram() at all. */
	v = vmalloc(PAGE_SIZE);
	cr_assert_not_null(v);
	ONE_WARNING("not mapped", vm_unmap_ram(v, 1));
	ONE_WARNING("not mapped", vm_unmap_ram(v, 100));
	vfree(v);
	ONE_WARNING("vmalloc window", vm_unmap_ram(NULL, 1));
	ONE_WARNING("vmalloc window", vm_unmap_ram(outside, 1));
	unaligned = (char *)small + 8;
	ONE_WARNING("vmalloc window", vm_unmap_ram(unaligned, 4));
	/* vfree() of a vm_map_ram() address is refused. */
	ONE_WARNING("vfree", vfree(small));

	/* Nothing changed. */
	cr_assert_eq(busy_areas(), 2);
	expect_mapping(host, small, pages, 4, 61);
	expect_mapping(host, big, pages, 70, 61);
	assert_check();

	/* The right counts work; a second unmap warns. */
	vm_unmap_ram(small, 4);
	ONE_WARNING("already", vm_unmap_ram(small, 4));
	vm_unmap_ram(big, 70);
	ONE_WARNING("not mapped", vm_unmap_ram(big, 70));
	cr_assert_eq(busy_areas(), 1);
	assert_check();
	vm_unmap_aliases();
	put_pages(pages, 80);
	free(outside);
}

Test(vmr_bad, input_host)
{
	bad_input(true);
}

Test(vmr_bad, input_soft)
{
	bad_input(false);
}

/* -------------------------------------------------------------- shutdown */

TestSuite(vmr_shutdown, .fini = teardown, .timeout = 300);

static void leak_report(bool host)
{
	struct page **pages = NULL;
	int at, next;
	char *info;
	void *mem;

	boot("mem=64M mmu=%s", backend(host));
	pages = get_pages(70);
	cr_assert_not_null(vm_map_ram(pages, 3, NUMA_NO_NODE));
	mem = vm_map_ram(pages, 5, NUMA_NO_NODE);
	vm_unmap_ram(mem, 5);
	cr_assert_not_null(vm_map_ram(pages, 70, NUMA_NO_NODE));
	cap_reset();
	uvm_shutdown();
	/* The pages went with the instance; only the array is ours. */
	free(pages);

	/* One line per mapping never unmapped: the 3 and the 70. */
	at = cap_find("leak", 0);
	cr_assert_geq(at, 0, "no leak report: %s", cap_last());
	cr_assert(strstr(cap_line(at), "vm_map_ram"), "%s", cap_line(at));
	cr_assert(strstr(cap_line(at), " 3 pages"), "%s", cap_line(at));
	next = cap_find("leak", at + 1);
	cr_assert_geq(next, 0);
	cr_assert(strstr(cap_line(next), "vm_map_ram"), "%s", cap_line(next));
	cr_assert(strstr(cap_line(next), " 70 pages"), "%s", cap_line(next));
	cr_assert_lt(cap_find("leak", next + 1), 0, "%s", cap_last());

	/* A fresh instance starts empty; a clean run reports nothing. */
	boot("mem=64M mmu=%s", backend(host));
	info = show("vmallocinfo");
	cr_assert_eq(info[0], '\0', "%s", info);
	free(info);
	pages = get_pages(70);
	mem = vm_map_ram(pages, 3, NUMA_NO_NODE);
	vm_unmap_ram(mem, 3);
	mem = vm_map_ram(pages, 70, NUMA_NO_NODE);
	vm_unmap_ram(mem, 70);
	vm_unmap_aliases();
	put_pages(pages, 70);
	cap_reset();
	uvm_shutdown();
	cr_assert_lt(cap_find("leak", 0), 0, "%s", cap_last());
}

Test(vmr_shutdown, leak_host)
{
	leak_report(true);
}

Test(vmr_shutdown, leak_soft)
{
	leak_report(false);
}

/* ---------------------------------------------------------------- random */

TestSuite(vmr_random, .fini = teardown, .timeout = 300);

#define SLOTS 24
#define MAX_COUNT 80

struct slot {
	struct page **pages;
	void *mem;
	unsigned int nr;
	uint64_t seed;
};

static unsigned int random_count(void)
{
	/* Mostly small, sometimes a whole slot, now and then large. */
	switch (rng_below(8)) {
	case 0:
		return VMAP_MAX_ALLOC + 1 +
		       (unsigned int)rng_below(MAX_COUNT - VMAP_MAX_ALLOC);
	case 1:
		return VMAP_MAX_ALLOC;
	default:
		return 1 + (unsigned int)rng_below(16);
	}
}

static void random_run(bool host, const char *extra, int ops)
{
	struct slot s[SLOTS];
	int i, op;

	boot("mem=64M mmu=%s %s", backend(host), extra);
	rng_seed(0x5eed + (uint64_t)ops);
	for (i = 0; i < SLOTS; i++) {
		s[i].pages = get_pages(MAX_COUNT);
		s[i].mem = NULL;
	}
	for (op = 0; op < ops; op++) {
		struct slot *t = &s[rng_below(SLOTS)];

		if (t->mem) {
			expect_mapping(host, t->mem, t->pages, t->nr, t->seed);
			vm_unmap_ram(t->mem, t->nr);
			expect_unmapped(t->mem, t->nr);
			t->mem = NULL;
		} else {
			t->nr = random_count();
			t->seed = (uint64_t)op;
			fill_pages(t->pages, t->nr, t->seed);
			t->mem = vm_map_ram(t->pages, t->nr, NUMA_NO_NODE);
			cr_assert_not_null(t->mem, "op %d: %u pages: %s", op,
					   t->nr, cap_last());
			/* Half the time, write through the mapping. */
			if (rng_below(2)) {
				t->seed += 1000000;
				area_fill(host, t->mem,
					  (unsigned long)t->nr * PAGE_SIZE,
					  t->seed);
				expect_pages(t->pages, t->nr, t->seed);
			}
		}
		if (!rng_below(64))
			vm_unmap_aliases();
		if (!(op % 512))
			assert_check();
	}
	assert_check();
	for (i = 0; i < SLOTS; i++) {
		if (s[i].mem) {
			expect_mapping(host, s[i].mem, s[i].pages, s[i].nr,
				       s[i].seed);
			vm_unmap_ram(s[i].mem, s[i].nr);
		}
	}
	vm_unmap_aliases();
	for (i = 0; i < SLOTS; i++)
		put_pages(s[i].pages, MAX_COUNT);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmr_random, host)
{
	random_run(true, "", 4000);
}

Test(vmr_random, soft)
{
	random_run(false, "", 4000);
}

Test(vmr_random, small_blocks_host)
{
	random_run(true, SMALL_BLOCKS, 4000);
}

Test(vmr_random, eager_host)
{
	random_run(true, "lazy=0 " SMALL_BLOCKS, 2000);
}

Test(vmr_random, list_host)
{
	random_run(true, "kva=list " SMALL_BLOCKS, 2000);
}

Test(vmr_random, rbtree_soft)
{
	random_run(false, "kva=rbtree " SMALL_BLOCKS, 2000);
}
