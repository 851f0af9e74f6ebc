/* SPDX-License-Identifier: MIT */
/*
 * Tests of the physical memory layer: alloc_pages() and friends, zones,
 * NUMA nodes, the bulk allocator, split_page(), the per-CPU lists, bad
 * input, fault injection, boot options, the /proc formats, page poisoning
 * and a randomised run against a brute-force model of the allocator.
 *
 * Criterion runs each test in a process of its own, so each test boots the
 * instance it needs and shuts it down in its .fini.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <uvmalloc.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "phys/phys.h"
#include "test_util.h"

/* ------------------------------------------------------ a capturing sink */

/* --------------------------------------------------------- boot helpers */

static void boot(const char *cmdline)
{
	int err;

	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	cap_reset();
	err = uvm_boot(cmdline);
	cr_assert_eq(err, 0, "uvm_boot(\"%s\") = %d: %s", cmdline, err,
		     cap_last());
	cap_reset();
}

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

static void stats(struct uvm_phys_stats *st)
{
	uvm_phys_stats(st);
}

/*
 * Every page is back in the buddy lists and every invariant holds. Page
 * tables are the exception: the mmu layer holds its top-level table from
 * boot, and like the kernel's vmalloc tables they stay until shutdown.
 */
static void assert_all_free(void)
{
	struct uvm_phys_stats st;

	drain_all_pages(NULL);
	stats(&st);
	cr_assert_eq(st.pcp_pages, 0);
	cr_assert_eq(
		st.free_pages + st.pagetable_pages, st.total_pages,
		"%lu + %lu page-table pages of %lu pages free after freeing everything",
		st.free_pages, st.pagetable_pages, st.total_pages);
	cr_assert_eq(uvm_check(), 0, "uvm_check: %s", cap_last());
}

/* One of the instance's files as text; the caller frees it. */
static char *show_file(const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	cr_assert_not_null(f);
	err = uvm_show(name, f);
	fclose(f);
	cr_assert_eq(err, 0, "uvm_show(%s) = %d", name, err);
	return buf;
}

/* A "Name:   value kB" line of meminfo, in kB. */
static unsigned long meminfo_kb(const char *label)
{
	char *text = show_file("meminfo");
	char *at = strstr(text, label);
	unsigned long kb = 0;

	cr_assert_not_null(at, "meminfo lacks %s:\n%s", label, text);
	cr_assert_eq(sscanf(at + strlen(label), "%lu kB", &kb), 1);
	free(text);
	return kb;
}

/* ------------------------------------------- "exactly one warning" probes */

/*
 * The state a bad call must leave alone: the allocator's free counts and
 * event counters, and how many lines were logged. Taking it also opens a
 * fresh rate-limit window, so the line the call prints is never dropped.
 */
struct snap {
	struct uvm_phys_stats st;
	struct uvm_log_counts lc;
	int lines;
};

static void snap_take(struct snap *s)
{
	uvm_log_reset_ratelimit();
	stats(&s->st);
	uvm_log_counts(&s->lc);
	s->lines = cap_count();
}

/* @nlines new lines (all warnings or worse), the first containing @substr. */
static void expect_lines(const struct snap *before, int nlines,
			 const char *substr, const char *what)
{
	struct uvm_log_counts lc;
	int n = cap_count();

	uvm_log_counts(&lc);
	cr_assert_eq(n - before->lines, nlines,
		     "%s: %d lines logged, want %d (last: %s)", what,
		     n - before->lines, nlines, cap_last());
	cr_assert_eq(lc.warnings - before->lc.warnings, (unsigned long)nlines,
		     "%s: %lu warnings counted, want %d", what,
		     lc.warnings - before->lc.warnings, nlines);
	cr_assert_eq(lc.suppressed, before->lc.suppressed,
		     "%s: a line was rate-limited", what);
	if (nlines && substr)
		cr_assert_not_null(
			strstr(cap_line(before->lines), substr),
			"%s: logged \"%s\", want it to contain \"%s\"", what,
			cap_line(before->lines), substr);
}

/* One warning line, no page moved, no allocation or free counted. */
static void expect_one_warning(const struct snap *before, const char *substr,
			       const char *what)
{
	struct uvm_phys_stats st;

	expect_lines(before, 1, substr, what);
	stats(&st);
	cr_assert_eq(st.free_pages, before->st.free_pages,
		     "%s: free pages %lu -> %lu", what, before->st.free_pages,
		     st.free_pages);
	cr_assert_eq(st.pcp_pages, before->st.pcp_pages,
		     "%s: per-cpu pages %lu -> %lu", what, before->st.pcp_pages,
		     st.pcp_pages);
	cr_assert_eq(st.alloc_calls, before->st.alloc_calls, "%s", what);
	cr_assert_eq(st.free_calls, before->st.free_calls, "%s", what);
	cr_assert_eq(uvm_check(), 0, "%s: uvm_check: %s", what, cap_last());
}

/* Run @stmt and require exactly one warning containing @substr. */
#define EXPECT_ONE_WARNING(substr, stmt)                    \
	do {                                                \
		struct snap snap__;                         \
		snap_take(&snap__);                         \
		stmt;                                       \
		expect_one_warning(&snap__, substr, #stmt); \
	} while (0)

/* Run @stmt and require that it logs nothing. */
#define EXPECT_SILENT(stmt)                            \
	do {                                           \
		struct snap snap__;                    \
		snap_take(&snap__);                    \
		stmt;                                  \
		expect_lines(&snap__, 0, NULL, #stmt); \
	} while (0)

/* ------------------------------------------------------------ utilities */

static unsigned long rnd_below(unsigned long n)
{
	return (unsigned long)((rng_next() >> 11) % n);
}

static void shuffle(struct page **v, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = rnd_below(i);
		struct page *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a;
	uintptr_t y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* No two entries of @v are the same page. */
static void assert_distinct(struct page **v, size_t n)
{
	struct page **copy = malloc(n * sizeof(*copy));
	size_t i;

	cr_assert_not_null(copy);
	memcpy(copy, v, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), cmp_ptr);
	for (i = 1; i < n; i++)
		cr_assert_neq(copy[i - 1], copy[i], "page %p handed out twice",
			      (void *)copy[i]);
	free(copy);
}

/* The zone whose pfn range holds @pfn, found by walking every zone. */
static struct zone *zone_of_pfn(unsigned long pfn)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		if (zone_spans_pfn(zone, pfn))
			return zone;
	return NULL;
}

static struct page *nth_page(struct page *page, unsigned long n)
{
	return pfn_to_page(page_to_pfn(page) + n);
}

#define MAX_PAGES 16384
static struct page *held[MAX_PAGES];

/* ============================================================ orders */

TestSuite(orders, .fini = teardown);

Test(orders, every_order_aligned_writable_freed)
{
	struct page *blocks[NR_PAGE_ORDERS];
	unsigned int o;

	boot("mem=64M");
	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct page *p = alloc_pages(GFP_KERNEL, o);
		unsigned long pfn, n = 1UL << o, i;
		unsigned char *addr;

		cr_assert_not_null(p, "order %u: %s", o, cap_last());
		pfn = page_to_pfn(p);
		cr_assert_eq(pfn % n, 0, "order %u block at pfn %#lx", o, pfn);
		cr_assert_eq(page_count(p), 1);
		cr_assert_eq(page_to_phys(p), (phys_addr_t)pfn << PAGE_SHIFT);
		addr = page_address(p);
		cr_assert_not_null(addr);
		memset(addr, (int)(o + 1), PAGE_SIZE << o);
		for (i = 0; i < n; i++) {
			unsigned char *pa = addr + i * PAGE_SIZE;

			cr_assert_eq(virt_to_page(pa), nth_page(p, i));
			cr_assert_eq(virt_to_page(pa + PAGE_SIZE - 1),
				     nth_page(p, i));
			cr_assert_eq(page_address(nth_page(p, i)), pa);
			cr_assert_eq(pa[0], o + 1);
			cr_assert_eq(pa[PAGE_SIZE - 1], o + 1);
		}
		cr_assert(virt_addr_valid(addr + (PAGE_SIZE << o) - 1));
		blocks[o] = p;
	}
	/* All eleven live at once: no block overlaps another. */
	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		unsigned int k;
		unsigned long a = page_to_pfn(blocks[o]);

		for (k = o + 1; k <= MAX_PAGE_ORDER; k++) {
			unsigned long b = page_to_pfn(blocks[k]);

			cr_assert(a + (1UL << o) <= b || b + (1UL << k) <= a,
				  "orders %u and %u overlap", o, k);
		}
	}
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		EXPECT_SILENT(__free_pages(blocks[o], o));
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "unexpected log: %s", cap_line(0));
}

Test(orders, address_api_and_zeroing)
{
	unsigned long addr, zaddr;
	unsigned char *bytes;
	size_t i;

	boot("mem=64M");
	addr = __get_free_pages(GFP_KERNEL, 2);
	cr_assert_neq(addr, 0);
	cr_assert(PAGE_ALIGNED(addr));
	cr_assert(virt_addr_valid((void *)addr));
	memset((void *)addr, 0x5a, 4 * PAGE_SIZE);
	free_pages(addr, 2);
	drain_all_pages(NULL);

	/* The same frames come back zeroed when asked. */
	zaddr = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 2);
	cr_assert_neq(zaddr, 0);
	bytes = (unsigned char *)zaddr;
	for (i = 0; i < 4 * PAGE_SIZE; i++)
		cr_assert_eq(bytes[i], 0, "byte %zu of a __GFP_ZERO block", i);
	free_pages(zaddr, 2);

	addr = get_zeroed_page(GFP_KERNEL);
	cr_assert_neq(addr, 0);
	bytes = (unsigned char *)addr;
	for (i = 0; i < PAGE_SIZE; i++)
		cr_assert_eq(bytes[i], 0);
	free_page(addr);
	EXPECT_SILENT(free_pages(0, 0));
	assert_all_free();
}

Test(orders, refcount_defers_the_free)
{
	struct uvm_phys_stats a, b;
	struct page *p;

	boot("mem=64M");
	p = alloc_pages(GFP_KERNEL, 1);
	cr_assert_not_null(p);
	get_page(p);
	cr_assert_eq(page_count(p), 2);
	stats(&a);
	__free_pages(p, 1);
	stats(&b);
	cr_assert_eq(page_count(p), 1, "the first put only drops a reference");
	cr_assert_eq(b.free_calls, a.free_calls);
	cr_assert_eq(uvm_check(), 0);
	put_page(p);
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
}

/* ========================================================= exhaustion */

TestSuite(exhaustion, .fini = teardown);

/* Allocate order-0 pages with @gfp until one fails; returns the count. */
static size_t fill_order0(size_t n, gfp_t gfp)
{
	for (;;) {
		struct page *p = alloc_page(gfp);

		if (!p)
			return n;
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
	}
}

Test(exhaustion, order0_then_full_recovery)
{
	struct uvm_phys_stats st0, st;
	char *boot_info, *info;
	size_t n = 0, kernel_n, i;
	bool below_min = false;
	struct snap s;
	struct page *p;
	struct zone *zone;

	boot("mem=32M");
	boot_info = show_file("buddyinfo");
	stats(&st0);

	/* GFP_KERNEL until it fails; the failure is one warning line. */
	for (;;) {
		snap_take(&s);
		p = alloc_page(GFP_KERNEL);
		if (!p)
			break;
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
	}
	expect_lines(&s, 1, "page allocation failure", "GFP_KERNEL failure");
	cr_assert_not_null(strstr(cap_line(s.lines), "order:0"), "%s",
			   cap_line(s.lines));
	cr_assert_not_null(strstr(cap_line(s.lines), "GFP_KERNEL"), "%s",
			   cap_line(s.lines));
	cr_assert_gt(n, st0.total_pages * 9 / 10, "only %zu of %lu pages", n,
		     st0.total_pages);
	cr_assert_lt(n, st0.total_pages);
	assert_distinct(held, n);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());

	/* __GFP_NOWARN: the same failure, silent. */
	EXPECT_SILENT(p = alloc_page(GFP_KERNEL | __GFP_NOWARN));
	cr_assert_null(p);

	/* ZONE_DMA kept its lowmem reserve from GFP_KERNEL's users. */
	p = alloc_page(GFP_DMA | __GFP_NOWARN);
	cr_assert_not_null(p, "the lowmem reserve of ZONE_DMA was used up");
	cr_assert_eq(page_zonenum(p), ZONE_DMA);
	held[n++] = p;

	/* GFP_ATOMIC may dig below the min watermark: the atomic reserve. */
	kernel_n = n;
	n = fill_order0(n, GFP_ATOMIC | __GFP_NOWARN);
	cr_assert_gt(n, kernel_n, "GFP_ATOMIC got no page of the reserve");
	for_each_populated_zone(zone)
		if (atomic_load(&zone->free_pages) <
		    (long)zone->watermark[WMARK_MIN])
			below_min = true;
	cr_assert(below_min, "no zone went below its min watermark");
	stats(&st);
	cr_assert_gt(st.free_pages + st.pcp_pages, 0,
		     "the atomic reserve must not be drained to nothing");

	snap_take(&s);
	p = alloc_page(GFP_ATOMIC);
	cr_assert_null(p);
	expect_lines(&s, 1, "page allocation failure", "GFP_ATOMIC failure");
	EXPECT_SILENT(p = alloc_page(GFP_ATOMIC | __GFP_NOWARN));
	cr_assert_null(p);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());

	/* Give everything back in random order. */
	shuffle(held, n);
	for (i = 0; i < n; i++)
		__free_page(held[i]);
	assert_all_free();
	info = show_file("buddyinfo");
	cr_assert_str_eq(info, boot_info);
	free(info);
	free(boot_info);
}

Test(exhaustion, mixed_orders_then_full_recovery)
{
	unsigned int orders[MAX_PAGES];
	char *boot_info, *info;
	int top = MAX_PAGE_ORDER, failures = 0;
	size_t n = 0, i;

	rng_seed(42);
	boot("mem=16M");
	boot_info = show_file("buddyinfo");
	/* Random orders; a failed order is never tried again, nor above it. */
	while (top >= 0) {
		unsigned int o =
			(unsigned int)rnd_below((unsigned long)top + 1);
		struct snap s;
		struct page *p;

		snap_take(&s);
		p = alloc_pages(GFP_KERNEL, o);
		if (!p) {
			expect_lines(&s, 1, "page allocation failure",
				     "mixed-order failure");
			failures++;
			top = (int)o - 1;
			continue;
		}
		cr_assert_eq(page_to_pfn(p) % (1UL << o), 0);
		cr_assert_lt(n, MAX_PAGES);
		orders[n] = o;
		held[n++] = p;
	}
	cr_assert_geq(failures, 1);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	/* Free in random order (the orders travel with the pages). */
	for (i = n; i > 1; i--) {
		size_t j = rnd_below(i);
		struct page *tp = held[i - 1];
		unsigned int to = orders[i - 1];

		held[i - 1] = held[j];
		orders[i - 1] = orders[j];
		held[j] = tp;
		orders[j] = to;
	}
	for (i = 0; i < n; i++)
		__free_pages(held[i], orders[i]);
	assert_all_free();
	info = show_file("buddyinfo");
	cr_assert_str_eq(info, boot_info);
	free(info);
	free(boot_info);
}

/* ============================================================== zones */

TestSuite(zones, .fini = teardown);

static void assert_in_zone(struct page *p, enum zone_type want)
{
	unsigned long pfn = page_to_pfn(p);
	struct zone *zone = zone_of_pfn(pfn);

	cr_assert_not_null(zone, "pfn %#lx is in no zone", pfn);
	cr_assert_eq(page_zonenum(p), want, "pfn %#lx: zone %d, want %d", pfn,
		     page_zonenum(p), want);
	cr_assert_eq(zone->idx, want, "pfn %#lx lies in zone %s", pfn,
		     zone->name);
	cr_assert_eq(page_to_nid(p), zone->node);
}

Test(zones, placement_by_gfp)
{
	const phys_addr_t four_g = 4ULL << 30;
	struct page *p;
	unsigned int o;

	boot("mem=5G");
	for (o = 0; o <= MAX_PAGE_ORDER; o += 5) {
		p = alloc_pages(GFP_DMA, o);
		cr_assert_not_null(p, "GFP_DMA order %u: %s", o, cap_last());
		cr_assert_lt(page_to_pfn(p) + (1UL << o), 0x1001);
		assert_in_zone(p, ZONE_DMA);
		__free_pages(p, o);

		p = alloc_pages(GFP_KERNEL | GFP_DMA, o);
		cr_assert_not_null(p);
		cr_assert_lt(page_to_pfn(p), 0x1000);
		assert_in_zone(p, ZONE_DMA);
		__free_pages(p, o);

		p = alloc_pages(GFP_KERNEL | GFP_DMA32, o);
		cr_assert_not_null(p);
		cr_assert_lt(page_to_phys(p) + (PAGE_SIZE << o), four_g + 1);
		cr_assert_geq(page_to_pfn(p), 0x1000,
			      "GFP_DMA32 should prefer DMA32 over DMA");
		assert_in_zone(p, ZONE_DMA32);
		__free_pages(p, o);

		p = alloc_pages(GFP_KERNEL, o);
		cr_assert_not_null(p);
		cr_assert_geq(page_to_phys(p), four_g,
			      "GFP_KERNEL should prefer Normal");
		assert_in_zone(p, ZONE_NORMAL);
		__free_pages(p, o);
	}
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
}

Test(zones, fallback_down_never_up)
{
	size_t n = 0, i, normal = 0;
	struct page *p;

	boot("mem=5G");
	/* GFP_KERNEL order 10: Normal until it runs low, then DMA32. */
	for (;;) {
		p = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		cr_assert_not_null(p);
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
		if (page_zonenum(p) != ZONE_NORMAL)
			break;
		normal++;
	}
	cr_assert_eq(page_zonenum(p), ZONE_DMA32, "fell back to zone %d",
		     page_zonenum(p));
	cr_assert_gt(normal, 200, "only %zu order-10 blocks from Normal",
		     normal);
	for (i = 0; i < n; i++)
		__free_pages(held[i], MAX_PAGE_ORDER);

	/* GFP_DMA never leaves ZONE_DMA, even when it is empty. */
	n = 0;
	for (;;) {
		p = alloc_pages(GFP_DMA | __GFP_NOWARN, 3);
		if (!p)
			break;
		assert_in_zone(p, ZONE_DMA);
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
	}
	cr_assert_gt(n, 400);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < n; i++)
		__free_pages(held[i], 3);
	assert_all_free();
}

Test(zones, empty_zone_request_warns)
{
	struct page *p = (struct page *)1;

	boot("mem=64M zone_dma=0");
	cr_assert(!populated_zone(&phys.nodes[0].node_zones[ZONE_DMA]));
	EXPECT_ONE_WARNING("no populated zone", p = alloc_pages(GFP_DMA, 0));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("no populated zone",
			   p = alloc_pages(GFP_KERNEL | GFP_DMA, 3));
	cr_assert_null(p);
	/* DMA32 works, and holds everything. */
	p = alloc_pages(GFP_DMA32, 0);
	cr_assert_not_null(p);
	assert_in_zone(p, ZONE_DMA32);
	__free_page(p);
	assert_all_free();
}

Test(zones, dma_and_dma32_together_warns)
{
	struct page *p = (struct page *)1;
	unsigned long addr = 1;

	boot("mem=64M");
	EXPECT_ONE_WARNING("__GFP_DMA32",
			   p = alloc_pages(GFP_DMA | GFP_DMA32, 0));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("__GFP_DMA32",
			   p = alloc_pages(GFP_KERNEL | GFP_DMA | GFP_DMA32,
					   4));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("__GFP_DMA32",
			   addr = __get_free_pages(GFP_DMA | GFP_DMA32, 0));
	cr_assert_eq(addr, 0);
	assert_all_free();
}

/* =============================================================== numa */

TestSuite(numa, .fini = teardown);

Test(numa, node_placement)
{
	struct page *p0, *p1;
	unsigned int o;

	boot("numa=2 mem=128M");
	cr_assert_eq(num_online_nodes(), 2);
	cr_assert_eq(phys.nodes[1].node_start_pfn, 0x4000);
	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		p1 = alloc_pages_node(1, GFP_KERNEL, o);
		cr_assert_not_null(p1);
		cr_assert_eq(page_to_nid(p1), 1, "order %u", o);
		cr_assert_geq(page_to_pfn(p1), 0x4000);
		p0 = alloc_pages_node(0, GFP_KERNEL, o);
		cr_assert_not_null(p0);
		cr_assert_eq(page_to_nid(p0), 0, "order %u", o);
		cr_assert_lt(page_to_pfn(p0), 0x4000);
		__free_pages(p1, o);
		__free_pages(p0, o);
	}
	p1 = __alloc_pages_node(1, GFP_KERNEL, 0);
	cr_assert_not_null(p1);
	cr_assert_eq(page_to_nid(p1), 1);
	__free_page(p1);
	/* Node 1 has no DMA zone: GFP_DMA falls back to node 0's... */
	p1 = alloc_pages_node(1, GFP_DMA, 0);
	cr_assert_not_null(p1);
	cr_assert_eq(page_to_nid(p1), 0);
	assert_in_zone(p1, ZONE_DMA);
	__free_page(p1);
	/* ...unless it must stay on node 1. */
	EXPECT_ONE_WARNING("no populated zone",
			   p1 = alloc_pages_node(1, GFP_DMA | __GFP_THISNODE,
						 0));
	cr_assert_null(p1);
	assert_all_free();
}

Test(numa, thisnode_exhaustion_then_fallback)
{
	size_t n = 0, on_node1, i;
	struct snap s;
	struct page *p;

	boot("numa=2 mem=128M");
	for (;;) {
		p = alloc_pages_node(
			1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0);
		if (!p)
			break;
		cr_assert_eq(page_to_nid(p), 1,
			     "__GFP_THISNODE handed out a node-%d page",
			     page_to_nid(p));
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
	}
	on_node1 = n;
	cr_assert_gt(on_node1, 0x4000 * 9 / 10);
	snap_take(&s);
	p = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 0);
	cr_assert_null(p);
	expect_lines(&s, 1, "page allocation failure", "THISNODE failure");
	cr_assert_not_null(strstr(cap_line(s.lines), "nid=1"), "%s",
			   cap_line(s.lines));

	/* Without __GFP_THISNODE node 1's requests spill to node 0. */
	for (i = 0; i < 64; i++) {
		p = alloc_pages_node(1, GFP_KERNEL, 0);
		cr_assert_not_null(p, "%s", cap_last());
		cr_assert_eq(page_to_nid(p), 0);
		cr_assert_lt(n, MAX_PAGES);
		held[n++] = p;
	}
	p = alloc_pages_node(1, GFP_KERNEL, 5);
	cr_assert_not_null(p);
	cr_assert_eq(page_to_nid(p), 0);
	__free_pages(p, 5);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < n; i++)
		__free_page(held[i]);
	assert_all_free();
}

static void pin_or_skip(void);

Test(numa, local_node_first)
{
	struct page *p;
	int cpu, nid;

	pin_or_skip();
	boot("numa=2 mem=128M nr_cpus=2");
	cpu = smp_processor_id();
	nid = numa_node_id();
	cr_assert_eq(nid, cpu_to_node(cpu));
	cr_assert_eq(cpu_to_node(0), 0);
	cr_assert_eq(cpu_to_node(1), 1);
	p = alloc_pages(GFP_KERNEL, 0);
	cr_assert_not_null(p);
	cr_assert_eq(page_to_nid(p), nid, "cpu %d: page from node %d", cpu,
		     page_to_nid(p));
	__free_page(p);
	p = alloc_pages_node(NUMA_NO_NODE, GFP_KERNEL, 6);
	cr_assert_not_null(p);
	cr_assert_eq(page_to_nid(p), nid);
	__free_pages(p, 6);
	assert_all_free();
}

Test(numa, invalid_node_warns)
{
	struct page *arr[4] = { NULL };
	struct page *p = (struct page *)1;
	unsigned long got = 1;

	boot("numa=2 mem=128M");
	EXPECT_ONE_WARNING("node 5", p = alloc_pages_node(5, GFP_KERNEL, 0));
	cr_assert_null(p);
	p = (struct page *)1;
	EXPECT_ONE_WARNING("node -2", p = alloc_pages_node(-2, GFP_KERNEL, 0));
	cr_assert_null(p);
	p = (struct page *)1;
	EXPECT_ONE_WARNING("node 2", p = alloc_pages_node(2, GFP_KERNEL, 3));
	cr_assert_null(p);
	p = (struct page *)1;
	EXPECT_ONE_WARNING("NUMA_NO_NODE",
			   p = __alloc_pages_node(NUMA_NO_NODE, GFP_KERNEL, 0));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("node 7",
			   got = alloc_pages_bulk_node(GFP_KERNEL, 7, 4, arr));
	cr_assert_eq(got, 0);
	cr_assert_null(arr[0]);
	EXPECT_ONE_WARNING("cpu_to_node",
			   cr_assert_eq(cpu_to_node(-1), NUMA_NO_NODE));
	/* NUMA_NO_NODE means "the local node" for alloc_pages_node. */
	p = alloc_pages_node(NUMA_NO_NODE, GFP_KERNEL, 0);
	cr_assert_not_null(p);
	__free_page(p);
	assert_all_free();
}

/* =============================================================== bulk */

TestSuite(bulk, .fini = teardown);

Test(bulk, fills_and_skips_populated_slots)
{
	struct page *arr[100] = { NULL }, *keep[3];
	static const int slots[3] = { 0, 37, 99 };
	struct uvm_phys_stats a, b;
	unsigned long got;
	int i;

	boot("mem=64M");
	stats(&a);
	got = alloc_pages_bulk(GFP_KERNEL, 100, arr);
	stats(&b);
	cr_assert_eq(got, 100);
	for (i = 0; i < 100; i++) {
		cr_assert_not_null(arr[i], "slot %d", i);
		cr_assert_eq(page_count(arr[i]), 1);
	}
	assert_distinct(arr, 100);
	cr_assert_eq(b.alloc_calls - a.alloc_calls, 100);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < 100; i++)
		__free_page(arr[i]);

	/* Pre-populated slots are kept; the count includes them. */
	memset(arr, 0, sizeof(arr));
	for (i = 0; i < 3; i++) {
		keep[i] = alloc_page(GFP_KERNEL);
		cr_assert_not_null(keep[i]);
		arr[slots[i]] = keep[i];
	}
	stats(&a);
	got = alloc_pages_bulk(GFP_KERNEL, 100, arr);
	stats(&b);
	cr_assert_eq(got, 100);
	cr_assert_eq(b.alloc_calls - a.alloc_calls, 97);
	for (i = 0; i < 3; i++)
		cr_assert_eq(arr[slots[i]], keep[i], "slot %d was replaced",
			     slots[i]);
	for (i = 0; i < 100; i++)
		cr_assert_not_null(arr[i]);
	assert_distinct(arr, 100);

	/* Nothing to fill: the count, no allocation, no line. */
	stats(&a);
	EXPECT_SILENT(got = alloc_pages_bulk(GFP_KERNEL, 100, arr));
	stats(&b);
	cr_assert_eq(got, 100);
	cr_assert_eq(b.alloc_calls, a.alloc_calls);

	/* One hole: filled by the single-page path. */
	__free_page(arr[50]);
	arr[50] = NULL;
	got = alloc_pages_bulk(GFP_KERNEL, 100, arr);
	cr_assert_eq(got, 100);
	cr_assert_not_null(arr[50]);
	assert_distinct(arr, 100);

	/* A shorter view of the same array counts only its own slots. */
	got = alloc_pages_bulk(GFP_KERNEL, 10, arr);
	cr_assert_eq(got, 10);

	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < 100; i++)
		__free_page(arr[i]);
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
}

Test(bulk, null_array_warns)
{
	unsigned long got = 1;

	boot("mem=64M");
	EXPECT_ONE_WARNING("NULL page array",
			   got = alloc_pages_bulk(GFP_KERNEL, 5, NULL));
	cr_assert_eq(got, 0);
	EXPECT_SILENT(got = alloc_pages_bulk(GFP_KERNEL, 0, NULL));
	cr_assert_eq(got, 0);
	assert_all_free();
}

Test(bulk, more_than_memory_is_partial)
{
	struct page **arr = calloc(MAX_PAGES, sizeof(*arr));
	unsigned long got, i, filled = 0;

	cr_assert_not_null(arr);
	boot("mem=16M");
	got = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, MAX_PAGES, arr);
	cr_assert_geq(got, 1);
	cr_assert_lt(got, MAX_PAGES);
	for (i = 0; i < MAX_PAGES; i++)
		filled += arr[i] != NULL;
	cr_assert_eq(filled, got, "return %lu, but %lu slots filled", got,
		     filled);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < MAX_PAGES; i++)
		if (arr[i])
			__free_page(arr[i]);
	free(arr);
	assert_all_free();
}

Test(bulk, zone_and_gfp_respected)
{
	struct page *arr[64] = { NULL };
	unsigned long got;
	int i;

	boot("mem=5G");
	got = alloc_pages_bulk(GFP_KERNEL | GFP_DMA32, 64, arr);
	cr_assert_eq(got, 64);
	for (i = 0; i < 64; i++) {
		assert_in_zone(arr[i], ZONE_DMA32);
		__free_page(arr[i]);
		arr[i] = NULL;
	}
	got = alloc_pages_bulk(GFP_KERNEL | __GFP_ZERO, 64, arr);
	cr_assert_eq(got, 64);
	for (i = 0; i < 64; i++) {
		const unsigned char *b = page_address(arr[i]);
		size_t k;

		assert_in_zone(arr[i], ZONE_NORMAL);
		for (k = 0; k < PAGE_SIZE; k += 64)
			cr_assert_eq(b[k], 0);
		__free_page(arr[i]);
	}
	assert_all_free();
}

/* ========================================================== split_page */

TestSuite(split, .fini = teardown);

Test(split, order3_into_eight_pages)
{
	char *boot_info, *info;
	struct page *p;
	int i;

	boot("mem=64M");
	boot_info = show_file("buddyinfo");
	p = alloc_pages(GFP_KERNEL, 3);
	cr_assert_not_null(p);
	EXPECT_SILENT(split_page(p, 3));
	for (i = 0; i < 8; i++)
		cr_assert_eq(page_count(nth_page(p, i)), 1, "page %d", i);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	/* Odd pages first, so that merging happens out of order. */
	for (i = 1; i < 8; i += 2)
		EXPECT_SILENT(__free_page(nth_page(p, i)));
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = 0; i < 8; i += 2)
		EXPECT_SILENT(__free_page(nth_page(p, i)));
	assert_all_free();
	info = show_file("buddyinfo");
	cr_assert_str_eq(info, boot_info);
	free(info);
	free(boot_info);
}

Test(split, order10_through_the_buddy)
{
	struct page *p;
	unsigned long i;

	boot("mem=64M");
	p = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	cr_assert_not_null(p);
	split_page(p, MAX_PAGE_ORDER);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	for (i = MAX_ORDER_NR_PAGES; i-- > 0;)
		__free_page(nth_page(p, i));
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
}

Test(split, wrong_order_warns)
{
	struct page *p;

	boot("mem=64M");
	p = alloc_pages(GFP_KERNEL, 3);
	cr_assert_not_null(p);
	EXPECT_ONE_WARNING("freed as order 2", split_page(p, 2));
	EXPECT_ONE_WARNING("order 4", split_page(p, 4));
	EXPECT_ONE_WARNING("MAX_PAGE_ORDER", split_page(p, 11));
	/* A shared block cannot be split. */
	get_page(p);
	EXPECT_ONE_WARNING("references", split_page(p, 3));
	put_page(p);
	cr_assert_eq(page_count(nth_page(p, 1)), 0, "a tail was touched");
	/* The block is intact: one free of the whole order returns it. */
	EXPECT_SILENT(__free_pages(p, 3));
	assert_all_free();
}

/* ================================================================ pcp */

TestSuite(pcp, .fini = teardown);

/* Pin to CPU 0 (or the first CPU we may use); skip when we cannot pin. */
static void pin_or_skip(void)
{
	cpu_set_t set;
	int cpu = 0;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		cr_skip_test("sched_getaffinity failed");
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set))
		cpu++;
	if (cpu == CPU_SETSIZE)
		cr_skip_test("no usable CPU");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		cr_skip_test("sched_setaffinity to CPU %d failed", cpu);
}

static struct per_cpu_pages *pcp_of(struct page *page, int cpu)
{
	return &phys.nodes[page_to_nid(page)]
			.node_zones[page_zonenum(page)]
			.pcp[cpu];
}

Test(pcp, hot_reuse_and_drain)
{
	struct uvm_phys_stats st, after;
	unsigned long free_kb;
	struct page *p, *q;
	int cpu, before;

	pin_or_skip();
	boot("mem=64M nr_cpus=2");
	cpu = smp_processor_id();
	cr_assert(cpu >= 0 && cpu < 2);

	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	before = pcp_of(p, cpu)->count;
	__free_page(p);
	cr_assert_gt(pcp_of(p, cpu)->count, 0);
	cr_assert_eq(pcp_of(p, cpu)->count, before + 1);
	q = alloc_page(GFP_KERNEL);
	cr_assert_eq(q, p, "a just-freed page is the next one handed out");
	cr_assert_eq(pcp_of(p, cpu)->count, before);

	/* Order 1..3 blocks go through the per-CPU lists too. */
	p = alloc_pages(GFP_KERNEL, 3);
	cr_assert_not_null(p);
	before = pcp_of(p, cpu)->count;
	__free_pages(p, 3);
	cr_assert_eq(pcp_of(p, cpu)->count, before + 8);
	cr_assert_eq(alloc_pages(GFP_KERNEL, 3), p);
	__free_pages(p, 3);
	__free_page(q);

	stats(&st);
	cr_assert_gt(st.pcp_pages, 0);
	free_kb = meminfo_kb("MemFree:");
	cr_assert_eq(free_kb, st.free_pages * (PAGE_SIZE / 1024));
	drain_all_pages(NULL);
	stats(&after);
	cr_assert_eq(after.pcp_pages, 0);
	cr_assert_eq(after.free_pages, st.free_pages + st.pcp_pages);
	cr_assert_eq(meminfo_kb("MemFree:"),
		     free_kb + st.pcp_pages * (PAGE_SIZE / 1024));
	assert_all_free();
}

Test(pcp, list_stays_below_high)
{
	struct per_cpu_pages *pcp;
	size_t i, n = 2000;
	int cpu;

	pin_or_skip();
	boot("mem=64M nr_cpus=2");
	cpu = smp_processor_id();
	for (i = 0; i < n; i++) {
		held[i] = alloc_page(GFP_KERNEL);
		cr_assert_not_null(held[i]);
	}
	pcp = pcp_of(held[0], cpu);
	cr_assert_gt(pcp->high, 0);
	cr_assert_gt(pcp->batch, 0);
	for (i = 0; i < n; i++) {
		struct per_cpu_pages *mine = pcp_of(held[i], cpu);

		__free_page(held[i]);
		cr_assert_lt(mine->count, mine->high,
			     "count %d reached high %d after %zu frees",
			     mine->count, mine->high, i + 1);
	}
	cr_assert_gt(pcp->count, 0);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	assert_all_free();
}

Test(pcp, drain_local_and_per_zone)
{
	struct uvm_phys_stats st;
	struct page *dma, *dma32;
	struct zone *zd, *zd32;
	int cpu;

	pin_or_skip();
	boot("mem=64M nr_cpus=2");
	cpu = smp_processor_id();
	dma = alloc_page(GFP_DMA);
	dma32 = alloc_page(GFP_KERNEL);
	cr_assert_not_null(dma);
	cr_assert_not_null(dma32);
	cr_assert_eq(page_zonenum(dma), ZONE_DMA);
	cr_assert_eq(page_zonenum(dma32), ZONE_DMA32);
	__free_page(dma);
	__free_page(dma32);
	zd = &phys.nodes[0].node_zones[ZONE_DMA];
	zd32 = &phys.nodes[0].node_zones[ZONE_DMA32];
	cr_assert_gt(zd->pcp[cpu].count, 0);
	cr_assert_gt(zd32->pcp[cpu].count, 0);

	drain_all_pages(zd);
	cr_assert_eq(zd->pcp[cpu].count, 0);
	cr_assert_gt(zd32->pcp[cpu].count, 0, "another zone was drained");

	drain_local_pages(NULL);
	cr_assert_eq(zd32->pcp[cpu].count, 0);
	stats(&st);
	cr_assert_eq(st.pcp_pages, 0);
	assert_all_free();
}

/* ========================================================== bad input */

TestSuite(bad_input, .fini = teardown);

Test(bad_input, order_above_max)
{
	struct page *p = (struct page *)1;
	unsigned long addr = 1;

	boot("mem=64M");
	EXPECT_ONE_WARNING("MAX_PAGE_ORDER", p = alloc_pages(GFP_KERNEL, 11));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("MAX_PAGE_ORDER",
			   p = alloc_pages_node(0, GFP_KERNEL, 64));
	cr_assert_null(p);
	EXPECT_ONE_WARNING("MAX_PAGE_ORDER",
			   addr = __get_free_pages(GFP_KERNEL, 12));
	cr_assert_eq(addr, 0);
	/* As the kernel's WARN_ON_ONCE_GFP: __GFP_NOWARN silences it. */
	EXPECT_SILENT(p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 11));
	cr_assert_null(p);
	assert_all_free();
}

Test(bad_input, unknown_gfp_bits)
{
	struct page *p = (struct page *)1;

	boot("mem=64M");
	EXPECT_ONE_WARNING("unknown gfp bits",
			   p = alloc_pages(GFP_KERNEL | (1u << 30), 0));
	cr_assert_null(p);
	assert_all_free();
}

Test(bad_input, free_tail_page)
{
	struct page *p;

	boot("mem=64M");
	p = alloc_pages(GFP_KERNEL, 2);
	cr_assert_not_null(p);
	EXPECT_ONE_WARNING("not allocated", __free_pages(nth_page(p, 1), 0));
	EXPECT_ONE_WARNING("not allocated", __free_pages(nth_page(p, 3), 0));
	cr_assert_eq(page_count(p), 1);
	__free_pages(p, 2);
	assert_all_free();
}

Test(bad_input, free_never_allocated)
{
	struct page *head, *tail;

	boot("mem=64M");
	/* At boot pfn 0 heads a free order-10 block; pfn 5 is inside it. */
	head = pfn_to_page(0);
	tail = pfn_to_page(5);
	cr_assert_not_null(head);
	cr_assert_not_null(tail);
	EXPECT_ONE_WARNING("not allocated", __free_page(tail));
	EXPECT_ONE_WARNING("already free", __free_page(head));
	EXPECT_ONE_WARNING("already free", __free_pages(head, 10));
	EXPECT_ONE_WARNING("not allocated",
			   free_page((unsigned long)page_address(tail)));
	EXPECT_ONE_WARNING("not an allocated page", put_page(tail));
	EXPECT_ONE_WARNING("not an allocated page", put_page(head));
	EXPECT_ONE_WARNING("not an allocated page", get_page(tail));
	assert_all_free();
}

Test(bad_input, double_free)
{
	struct page *p;

	boot("mem=64M");
	/* Freed to a per-CPU list: the head is still marked free. */
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	__free_page(p);
	EXPECT_ONE_WARNING("double free", __free_page(p));

	/* Merged away in the buddy: now it is not even a head. */
	p = alloc_pages(GFP_KERNEL, 5);
	cr_assert_not_null(p);
	__free_pages(p, 5);
	drain_all_pages(NULL);
	EXPECT_ONE_WARNING(NULL, __free_pages(p, 5));
	EXPECT_ONE_WARNING(NULL, __free_pages(nth_page(p, 32), 5));

	/* Through the address form. */
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	free_page((unsigned long)page_address(p));
	EXPECT_ONE_WARNING("double free",
			   free_page((unsigned long)page_address(p)));
	assert_all_free();
}

Test(bad_input, free_with_wrong_order)
{
	struct page *p;

	boot("mem=64M");
	p = alloc_pages(GFP_KERNEL, 2);
	cr_assert_not_null(p);
	EXPECT_ONE_WARNING("allocated as order 2, freed as order 1",
			   __free_pages(p, 1));
	EXPECT_ONE_WARNING("allocated as order 2, freed as order 3",
			   __free_pages(p, 3));
	EXPECT_ONE_WARNING("MAX_PAGE_ORDER", __free_pages(p, 11));
	cr_assert_eq(page_count(p), 1);
	__free_pages(p, 2);
	assert_all_free();
}

Test(bad_input, free_null)
{
	boot("mem=64M");
	EXPECT_ONE_WARNING("not a struct page", __free_pages(NULL, 0));
	EXPECT_ONE_WARNING("not a struct page", __free_page(NULL));
	assert_all_free();
}

Test(bad_input, free_not_a_struct_page)
{
	struct page *p;
	long local[8] = { 0 };

	boot("mem=64M");
	EXPECT_ONE_WARNING("not a struct page",
			   __free_pages((struct page *)local, 0));
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	/* Inside mem_map, but not at a struct page boundary. */
	EXPECT_ONE_WARNING("not a struct page",
			   __free_pages((struct page *)((char *)p + 8), 0));
	/* One past the end of mem_map. */
	EXPECT_ONE_WARNING("not a struct page",
			   __free_pages(phys.mem_map + phys.max_pfn, 0));
	__free_page(p);
	assert_all_free();
}

Test(bad_input, free_pages_outside_direct_map)
{
	struct page *p;
	long local = 0;
	unsigned long addr;

	boot("mem=64M");
	EXPECT_ONE_WARNING("direct map", free_pages((unsigned long)&local, 0));
	EXPECT_ONE_WARNING("direct map",
			   free_pages((unsigned long)phys.direct_map +
					      phys.direct_map_bytes,
				      0));
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	addr = (unsigned long)page_address(p);
	/* Inside the direct map but not page aligned. */
	EXPECT_ONE_WARNING("direct map", free_pages(addr + 1, 0));
	cr_assert_eq(page_count(p), 1);
	free_pages(addr, 0);
	assert_all_free();
}

Test(bad_input, pfn_to_page_out_of_range)
{
	struct page *p = (struct page *)1;
	unsigned long max;

	boot("mem=64M");
	max = phys.max_pfn;
	cr_assert_eq(max, 16384);
	EXPECT_ONE_WARNING("not a frame", p = pfn_to_page(1UL << 40));
	cr_assert_null(p);
	p = (struct page *)1;
	EXPECT_ONE_WARNING("not a frame", p = pfn_to_page(max));
	cr_assert_null(p);
	p = (struct page *)1;
	EXPECT_ONE_WARNING("not a frame", p = pfn_to_page(~0UL));
	cr_assert_null(p);
	cr_assert(!pfn_valid(max));
	cr_assert(pfn_valid(max - 1));
	EXPECT_SILENT(p = pfn_to_page(max - 1));
	cr_assert_not_null(p);
	cr_assert_eq(page_to_pfn(p), max - 1);
	assert_all_free();
}

Test(bad_input, accessors_of_a_bogus_page)
{
	long local[8] = { 0 };
	struct page *bogus = (struct page *)local;
	void *addr = (void *)1;
	struct page *p = (struct page *)1;

	boot("mem=64M");
	EXPECT_ONE_WARNING("not a struct page", addr = page_address(bogus));
	cr_assert_null(addr);
	addr = (void *)1;
	EXPECT_ONE_WARNING("not a struct page", addr = page_address(NULL));
	cr_assert_null(addr);
	EXPECT_ONE_WARNING("not a struct page",
			   cr_assert_eq(page_to_pfn(bogus), ~0UL));
	EXPECT_ONE_WARNING("not a struct page",
			   cr_assert_eq(page_to_phys(bogus), ~0ULL));
	EXPECT_ONE_WARNING("not a struct page",
			   cr_assert_eq(page_to_nid(bogus), NUMA_NO_NODE));
	EXPECT_ONE_WARNING("not a struct page",
			   cr_assert_eq(page_zonenum(bogus), MAX_NR_ZONES));
	EXPECT_ONE_WARNING("not a struct page",
			   cr_assert_eq(page_count(bogus), 0));
	EXPECT_ONE_WARNING("not in the direct map", p = virt_to_page(local));
	cr_assert_null(p);
	cr_assert(!virt_addr_valid(local));
	EXPECT_ONE_WARNING("not an allocated page", get_page(bogus));
	EXPECT_ONE_WARNING("not an allocated page", put_page(bogus));
	EXPECT_ONE_WARNING("not a struct page", split_page(bogus, 0));
	EXPECT_ONE_WARNING("__GFP_HIGHMEM",
			   cr_assert_eq(__get_free_pages(GFP_HIGHUSER, 0), 0));
	assert_all_free();
}

/* ====================================================== fault injection */

TestSuite(fault_inject, .fini = teardown);

Test(fault_inject, first_five_fail)
{
	struct uvm_phys_stats st;
	struct page *p;
	int i;

	boot("mem=64M fail_page_alloc=1,100,0,5");
	for (i = 0; i < 20; i++) {
		p = alloc_page(GFP_KERNEL);
		if (i < 5) {
			cr_assert_null(p, "allocation %d should fail", i);
		} else {
			cr_assert_not_null(p, "allocation %d should work", i);
			held[i] = p;
		}
	}
	stats(&st);
	cr_assert_eq(st.injected_failures, 5);
	cr_assert_eq(st.alloc_failures, 5);
	/* The boot's own page tables count as allocations too. */
	cr_assert_eq(st.alloc_calls - st.pagetable_pages, 15);
	cr_assert_geq(cap_find("FAULT_INJECTION", 0), 0);
	for (i = 5; i < 20; i++)
		__free_page(held[i]);
	assert_all_free();
}

Test(fault_inject, every_third_fails)
{
	struct uvm_phys_stats st;
	struct page *p;
	int i;

	boot("mem=64M fail_page_alloc=3,100,0,-1");
	for (i = 0; i < 30; i++) {
		p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, (unsigned int)i % 4);
		if (i % 3 == 2) {
			cr_assert_null(p, "call %d should fail", i + 1);
		} else {
			cr_assert_not_null(p, "call %d should work", i + 1);
			__free_pages(p, (unsigned int)i % 4);
		}
	}
	stats(&st);
	cr_assert_eq(st.injected_failures, 10);
	assert_all_free();
}

Test(fault_inject, space_is_consumed_first)
{
	struct uvm_phys_stats st;
	struct page *p;
	int i;

	/* Nine order-0 calls use up the space of 10; the tenth fails. */
	boot("mem=64M fail_page_alloc=1,100,10,1");
	for (i = 1; i <= 12; i++) {
		p = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (i == 10) {
			cr_assert_null(p);
		} else {
			cr_assert_not_null(p, "call %d", i);
			held[i] = p;
		}
	}
	stats(&st);
	cr_assert_eq(st.injected_failures, 1);
	for (i = 1; i <= 12; i++)
		if (i != 10)
			__free_page(held[i]);
	assert_all_free();
}

Test(fault_inject, nofail_is_never_failed)
{
	struct uvm_phys_stats st;
	struct page *p;
	int i;

	boot("mem=64M fail_page_alloc=1,100,0,-1");
	for (i = 0; i < 20; i++) {
		held[i] = alloc_pages(GFP_KERNEL | __GFP_NOFAIL,
				      (unsigned int)i % 3);
		cr_assert_not_null(held[i]);
	}
	stats(&st);
	cr_assert_eq(st.injected_failures, 0);
	p = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	cr_assert_null(p);
	stats(&st);
	cr_assert_eq(st.injected_failures, 1);
	for (i = 0; i < 20; i++)
		__free_pages(held[i], (unsigned int)i % 3);
	assert_all_free();
}

Test(fault_inject, malformed_fails_the_boot)
{
	static const char *const bad[] = {
		"fail_page_alloc=1,2",	      "fail_page_alloc=1,101,0,1",
		"fail_page_alloc=a,b,c,d",    "fail_page_alloc=1,100,0,1,5",
		"fail_page_alloc=1,100,0,-2", "fail_page_alloc=1,,0,1",
	};
	size_t i;

	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err;

		cap_reset();
		err = uvm_boot(bad[i]);
		cr_assert_eq(err, -EINVAL, "%s: %d", bad[i], err);
		cr_assert(!uvm_booted());
		cr_assert_eq(cap_count(), 1, "%s: %d lines", bad[i],
			     cap_count());
		cr_assert_not_null(strstr(cap_line(0), "fail_page_alloc"), "%s",
				   cap_line(0));
	}
	boot("mem=16M fail_page_alloc=1,100,0,1");
	assert_all_free();
}

/*
 * Every interval-th call of a workload fails (times of them, or all); each
 * injected failure must leave the allocator as it was, and at the end the
 * whole of memory comes back.
 */
static void injection_round(int interval, int times)
{
	struct page *bulk[48];
	char cmd[96], *boot_info, *info;
	unsigned long calls = 0, injected = 0, expect;
	size_t n = 0, i;
	int round, k;

	snprintf(cmd, sizeof(cmd), "mem=16M fail_page_alloc=%d,100,0,%d",
		 interval, times);
	boot(cmd);
	boot_info = show_file("buddyinfo");
	for (round = 0; round < 3; round++) {
		for (k = 0; k < 4; k++) {
			struct uvm_phys_stats a, b;
			unsigned long got, filled = 0;

			memset(bulk, 0, sizeof(bulk));
			stats(&a);
			got = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, 48,
					       bulk);
			stats(&b);
			calls++;
			for (i = 0; i < 48; i++) {
				if (!bulk[i])
					continue;
				filled++;
				held[n++] = bulk[i];
			}
			cr_assert_eq(got, filled);
			if (b.injected_failures != a.injected_failures) {
				injected++;
				cr_assert_eq(calls % (unsigned long)interval, 0,
					     "call %lu was failed", calls);
				cr_assert_eq(got, 0);
				cr_assert_eq(b.free_pages + b.pcp_pages,
					     a.free_pages + a.pcp_pages);
				cr_assert_eq(uvm_check(), 0, "%s", cap_last());
			}
		}
		for (k = 0; k <= MAX_PAGE_ORDER; k++) {
			struct uvm_phys_stats a, b;
			unsigned int o =
				(unsigned int)(k + round) % NR_PAGE_ORDERS;
			struct page *p;

			if (o > 8)
				o -= 4;
			stats(&a);
			p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, o);
			stats(&b);
			calls++;
			if (b.injected_failures != a.injected_failures) {
				injected++;
				cr_assert_null(p);
				cr_assert_eq(calls % (unsigned long)interval, 0,
					     "call %lu was failed", calls);
				cr_assert_eq(b.free_pages + b.pcp_pages,
					     a.free_pages + a.pcp_pages);
				cr_assert_eq(uvm_check(), 0, "%s", cap_last());
			}
			if (!p)
				continue;
			/* held[] keeps order-0 pages only: split the rest. */
			split_page(p, o);
			for (i = 0; i < 1UL << o; i++)
				held[n++] = nth_page(p, i);
		}
	}
	expect = calls / (unsigned long)interval;
	if (times >= 0 && expect > (unsigned long)times)
		expect = (unsigned long)times;
	cr_assert_eq(injected, expect, "interval %d times %d: %lu injected",
		     interval, times, injected);
	cr_assert_eq(uvm_check(), 0, "%s", cap_last());
	shuffle(held, n);
	for (i = 0; i < n; i++)
		__free_page(held[i]);
	assert_all_free();
	info = show_file("buddyinfo");
	cr_assert_str_eq(info, boot_info, "interval %d times %d", interval,
			 times);
	free(info);
	free(boot_info);
	uvm_shutdown();
}

Test(fault_inject, sweep_full_rollback)
{
	int interval;

	for (interval = 1; interval <= 24; interval++)
		injection_round(interval,
				interval % 4 == 0 ? -1 : 1 + interval % 3);
}

/* =============================================================== boot */

TestSuite(boot, .fini = teardown);

static int boot_capture(const char *cmdline)
{
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	cap_reset();
	return uvm_boot(cmdline);
}

Test(boot, unknown_parameter)
{
	int err = boot_capture("mem=64M frobnicate=1");

	cr_assert_eq(err, -EINVAL);
	cr_assert(!uvm_booted());
	cr_assert_eq(cap_count(), 2, "%d lines", cap_count());
	cr_assert_not_null(strstr(cap_line(0), "frobnicate"), "%s",
			   cap_line(0));
	cr_assert_not_null(strstr(cap_line(1), "valid parameters"), "%s",
			   cap_line(1));
	cr_assert_not_null(strstr(cap_line(1), " mem"), "%s", cap_line(1));
	cr_assert_not_null(strstr(cap_line(1), "fail_page_alloc"), "%s",
			   cap_line(1));
}

Test(boot, malformed_values)
{
	static const char *const bad[] = {
		"mem=abc",    "mem=64Q",    "mem=",
		"mem=2M",     "numa=0",	    "numa=x",
		"nr_cpus=-1", "debug_vm=4", "page_poison=maybe",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = boot_capture(bad[i]);

		cr_assert_eq(err, -EINVAL, "%s: %d", bad[i], err);
		cr_assert(!uvm_booted(), "%s", bad[i]);
		cr_assert_geq(cap_count(), 1, "%s: no message", bad[i]);
		cr_assert_geq(cap_find("valid parameters", 0), 0, "%s", bad[i]);
	}
}

/*
 * Every struct page is written at boot: a mem= whose struct pages would not
 * fit a sixteenth of the host's RAM fails cleanly instead of exhausting the
 * host (64T asks for 512 GiB of them).
 */
Test(boot, more_than_the_host_holds)
{
	cr_assert_eq(boot_capture("mem=64T"), -ENOMEM);
	cr_assert(!uvm_booted());
	cr_assert_eq(cap_count(), 1, "%d lines", cap_count());
	cr_assert_geq(cap_find("struct pages", 0), 0, "%s", cap_last());
	cr_assert_geq(cap_find("host's", 0), 0, "%s", cap_last());
	boot("mem=64M");
	assert_all_free();
}

Test(boot, impossible_layouts)
{
	/* Each node needs 1M; DMA cannot end above DMA32. */
	cr_assert_eq(boot_capture("mem=4M numa=8"), -EINVAL);
	cr_assert_geq(cap_find("too small", 0), 0, "%s", cap_last());
	cr_assert_eq(boot_capture("mem=64M zone_dma=1G zone_dma32=16M"),
		     -EINVAL);
	cr_assert_geq(cap_find("zone_dma", 0), 0, "%s", cap_last());
	cr_assert(!uvm_booted());
	/* The smallest machine boots. */
	boot("mem=4M numa=4");
	cr_assert_eq(num_online_nodes(), 4);
	assert_all_free();
}

Test(boot, double_boot_is_busy)
{
	struct page *p;

	boot("mem=64M");
	cr_assert_eq(uvm_boot("mem=32M"), -EBUSY);
	cr_assert_eq(cap_count(), 1);
	cr_assert(uvm_booted());
	cr_assert_eq(meminfo_kb("MemTotal:"), 65536);
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	__free_page(p);
	assert_all_free();
}

Test(boot, shutdown_and_reboot_with_other_options)
{
	struct page *p;

	boot("mem=64M");
	cr_assert_eq(meminfo_kb("MemTotal:"), 65536);
	p = alloc_pages(GFP_KERNEL, 4);
	cr_assert_not_null(p);
	__free_pages(p, 4);
	uvm_shutdown();
	cr_assert(!uvm_booted());
	uvm_shutdown(); /* harmless when nothing runs */

	boot("mem=48M numa=2");
	cr_assert_eq(meminfo_kb("MemTotal:"), 49152);
	cr_assert_eq(num_online_nodes(), 2);
	p = alloc_pages_node(1, GFP_KERNEL, 4);
	cr_assert_not_null(p);
	cr_assert_eq(page_to_nid(p), 1);
	__free_pages(p, 4);
	assert_all_free();
	uvm_shutdown();

	boot(NULL);
	cr_assert_eq(meminfo_kb("MemTotal:"), 1048576, "mem= defaults to 1G");
	assert_all_free();
}

Test(boot, autoboot_from_environment)
{
	struct page *p;

	uvm_set_log(capture_sink, &cap);
	setenv("UVMALLOC_CMDLINE", "mem=32M", 1);
	cr_assert(!uvm_booted());
	p = alloc_pages(GFP_KERNEL, 0);
	cr_assert_not_null(p, "%s", cap_last());
	cr_assert(uvm_booted());
	cr_assert_eq(meminfo_kb("MemTotal:"), 32768);
	cr_assert_eq(totalram_pages(), 8192);
	__free_page(p);
	assert_all_free();
}

Test(boot, command_line_overrides_environment)
{
	setenv("UVMALLOC_CMDLINE", "mem=32M numa=2", 1);
	uvm_set_log(capture_sink, &cap);
	cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
	cr_assert_eq(meminfo_kb("MemTotal:"), 65536);
	cr_assert_eq(num_online_nodes(), 2, "numa= still comes from the env");
}

Test(boot, bad_environment_is_reported_once)
{
	struct page *p;
	int lines;

	uvm_set_log(capture_sink, &cap);
	cap_reset();
	setenv("UVMALLOC_CMDLINE", "mem=abc", 1);
	p = alloc_page(GFP_KERNEL);
	cr_assert_null(p);
	cr_assert(!uvm_booted());
	lines = cap_count();
	cr_assert_geq(lines, 1);
	cr_assert_geq(cap_find("mem", 0), 0);
	p = alloc_page(GFP_KERNEL);
	cr_assert_null(p);
	cr_assert_eq(cap_count(), lines, "a second call logged again: %s",
		     cap_last());
	/* The environment is parsed first, even under an explicit boot. */
	cr_assert_eq(uvm_boot("mem=16M"), -EINVAL);
	unsetenv("UVMALLOC_CMDLINE");
	cr_assert_eq(uvm_boot("mem=16M"), 0, "%s", cap_last());
}

Test(boot, unknown_show_file)
{
	boot("mem=64M");
	EXPECT_ONE_WARNING("buddyinfo",
			   cr_assert_eq(uvm_show("slabinfo", stdout), -ENOENT));
}

/* ============================================================ formats */

TestSuite(formats, .fini = teardown);

/* Ten "%6lu " fields of 0, and of 1. */
#define ZEROS10 \
	"     0      0      0      0      0      0      0      0      0      0 "
#define ONES10 \
	"     1      1      1      1      1      1      1      1      1      1 "

Test(formats, buddyinfo_exact_after_boot)
{
	char *text;

	/*
	 * 16M of DMA is four order-10 blocks, 48M of DMA32 twelve, less the
	 * one page the top-level page table takes at boot: split off the
	 * first DMA32 block, it leaves one free block of each order 0..9.
	 */
	boot("mem=64M");
	text = show_file("buddyinfo");
	cr_assert_str_eq(
		text,
		"Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 \n"
		"Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1     11 \n");
	free(text);
	uvm_shutdown();

	boot("numa=2 mem=128M");
	text = show_file("buddyinfo");
	cr_assert_str_eq(text, "Node 0, zone      DMA " ZEROS10 "     4 \n"
			       "Node 0, zone    DMA32 " ONES10 "    11 \n"
			       "Node 1, zone    DMA32 " ZEROS10 "    16 \n");
	free(text);
	uvm_shutdown();

	boot("mem=5G");
	text = show_file("buddyinfo");
	cr_assert_str_eq(text, "Node 0, zone      DMA " ZEROS10 "     4 \n"
			       "Node 0, zone    DMA32 " ZEROS10 "  1020 \n"
			       "Node 0, zone   Normal " ONES10 "   255 \n");
	free(text);
}

/*
 * Every line is "Node %d, zone %8s " and eleven "%6lu " fields, and the
 * fields add up to the zone's free pages.
 */
static void check_buddyinfo_lines(const char *text)
{
	regex_t re;
	const char *line = text;
	int lines = 0, rc;

	rc = regcomp(
		&re,
		"^Node [0-9]+, zone [ A-Za-z0-9]{8} ( {0,5}[0-9]{1,6} ){11}$",
		REG_EXTENDED | REG_NOSUB);
	cr_assert_eq(rc, 0);
	while (*line) {
		const char *nl = strchr(line, '\n');
		char buf[256], name[16], want[24];
		unsigned long count, pages = 0;
		int nid, pos, order;
		struct zone *zone = NULL, *each;
		size_t len;

		cr_assert_not_null(nl, "last line lacks a newline");
		len = (size_t)(nl - line);
		cr_assert_lt(len, sizeof(buf));
		memcpy(buf, line, len);
		buf[len] = '\0';
		cr_assert_eq(regexec(&re, buf, 0, NULL, 0), 0,
			     "bad buddyinfo line \"%s\"", buf);
		cr_assert_eq(sscanf(buf, "Node %d, zone %15s%n", &nid, name,
				    &pos),
			     2);
		cr_assert_eq(buf[pos], ' ');
		pos++;
		/* The name is right-aligned in eight columns. */
		snprintf(want, sizeof(want), "%8s ", name);
		cr_assert_eq(strncmp(strstr(buf, "zone ") + 5, want, 9), 0,
			     "\"%s\"", buf);
		for (order = 0; order < NR_PAGE_ORDERS; order++) {
			int used;

			cr_assert_eq(sscanf(buf + pos, "%lu%n", &count, &used),
				     1);
			cr_assert_eq(buf[pos + used], ' ');
			cr_assert_eq(used, 6, "field %d of \"%s\"", order, buf);
			pos += used + 1;
			pages += count << order;
		}
		cr_assert_eq(buf[pos], '\0');
		cr_assert_eq(buf[len - 1], ' ', "no trailing blank");
		for_each_node_zone(&phys.nodes[nid], each)
			if (!strcmp(each->name, name))
				zone = each;
		cr_assert_not_null(zone);
		cr_assert_eq((long)pages, atomic_load(&zone->free_pages),
			     "\"%s\" adds up to %lu pages", buf, pages);
		lines++;
		line = nl + 1;
	}
	cr_assert_eq(lines, phys_zone_populated_count());
	regfree(&re);
}

Test(formats, buddyinfo_lines_while_busy)
{
	size_t n = 0, i;
	char *text;

	rng_seed(7);
	boot("numa=2 mem=12292K zone_dma=2M zone_dma32=8M");
	for (i = 0; i < 600; i++) {
		unsigned int o = (unsigned int)rnd_below(4);
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, o);

		if (!p)
			continue;
		split_page(p, o);
		for (unsigned long k = 0; k < 1UL << o; k++)
			held[n++] = nth_page(p, k);
	}
	/* Free every other page so that each order has blocks. */
	for (i = 0; i < n; i += 2)
		__free_page(held[i]);
	drain_all_pages(NULL);
	text = show_file("buddyinfo");
	check_buddyinfo_lines(text);
	free(text);
	for (i = 1; i < n; i += 2)
		__free_page(held[i]);
	assert_all_free();
	text = show_file("buddyinfo");
	check_buddyinfo_lines(text);
	free(text);
}

Test(formats, meminfo)
{
	char *text;
	struct page *p;

	boot("mem=64M");
	text = show_file("meminfo");
	cr_assert_eq(strncmp(text, "MemTotal:          65536 kB\n", 28), 0,
		     "%s", text);
	/* All of it but the top-level page table. */
	cr_assert_not_null(strstr(text, "\nMemFree:           65532 kB\n"),
			   "%s", text);
	cr_assert_not_null(strstr(text, "\nPageTables:            4 kB\n"),
			   "%s", text);
	free(text);
	p = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	cr_assert_not_null(p);
	text = show_file("meminfo");
	cr_assert_not_null(strstr(text, "\nMemFree:           61436 kB\n"),
			   "%s", text);
	free(text);
	__free_pages(p, MAX_PAGE_ORDER);
	assert_all_free();
}

Test(formats, pagetypeinfo)
{
	static const char head[] =
		"Page block order: 9\nPages per block:  512\n\n";
	char *text;

	boot("mem=64M");
	text = show_file("pagetypeinfo");
	cr_assert_eq(strncmp(text, head, sizeof(head) - 1), 0, "%s", text);
	cr_assert_not_null(
		strstr(text,
		       "\nNode    0, zone      DMA, type      Movable " ZEROS10
		       "     4 \n"),
		"%s", text);
	cr_assert_not_null(strstr(text, "Number of blocks type "), "%s", text);
	free(text);
}

Test(formats, zoneinfo)
{
	char *text, *at;
	int free_lines = 0;

	boot("mem=64M");
	text = show_file("zoneinfo");
	cr_assert_not_null(
		strstr(text, "Node 0, zone      DMA\n  pages free     4096\n"),
		"%s", text);
	cr_assert_not_null(strstr(text, "protection: ("), "%s", text);
	for (at = text; (at = strstr(at, "\n  pages free")); at++)
		free_lines++;
	/* One per zone, populated or not, as the kernel prints. */
	cr_assert_eq(free_lines, MAX_NR_ZONES, "%s", text);
	free(text);
}

/* ============================================================= poison */

TestSuite(poison, .fini = teardown);

Test(poison, freed_pages_are_poisoned_and_checked)
{
	unsigned char *addr;
	struct page *p, *q;
	size_t n = 0, i;
	bool back = false;

	boot("page_poison=1 mem=16M");
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	addr = page_address(p);
	memset(addr, 0x11, PAGE_SIZE);
	__free_page(p);
	for (i = 0; i < PAGE_SIZE; i++)
		cr_assert_eq(addr[i], PAGE_POISON, "byte %zu is %#x", i,
			     addr[i]);

	/* An untouched free page comes back without complaint. */
	q = alloc_page(GFP_KERNEL);
	cr_assert_eq(q, p);
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
	__free_page(q);

	/* Use after free: written through the direct map after the free. */
	addr[123] = 0x42;
	for (i = 0; i < MAX_PAGES && !back; i++) {
		q = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!q) {
			drain_all_pages(NULL);
			continue;
		}
		held[n++] = q;
		back = q == p;
	}
	cr_assert(back, "the corrupted page never came back");
	cr_assert_geq(cap_find("memory corruption", 0), 0, "logged: %s",
		      cap_last());
	cr_assert_eq(cap_count(), 1, "%d lines", cap_count());
	cr_assert_not_null(strstr(cap_line(0), "offset 0x7b"), "%s",
			   cap_line(0));
	for (i = 0; i < n; i++)
		__free_page(held[i]);
	assert_all_free();
}

Test(poison, zeroing_after_poison)
{
	struct page *p;
	unsigned char *addr;
	size_t i;

	boot("page_poison=1 mem=16M");
	p = alloc_pages(GFP_KERNEL, 2);
	cr_assert_not_null(p);
	__free_pages(p, 2);
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
	cr_assert_not_null(p);
	addr = page_address(p);
	for (i = 0; i < 4 * PAGE_SIZE; i++)
		cr_assert_eq(addr[i], 0);
	__free_pages(p, 2);
	assert_all_free();
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
}

/* =========================================================== debug_vm */

TestSuite(debug_vm, .fini = teardown);

Test(debug_vm, checker_after_every_operation)
{
	unsigned int orders[512];
	size_t n = 0, i;
	struct uvm_log_counts lc;
	int op;

	rng_seed(3);
	boot("debug_vm=3 mem=16M");
	for (op = 0; op < 400; op++) {
		if (n && (n == ARRAY_SIZE(orders) || rnd_below(3) == 0)) {
			size_t j = rnd_below(n);

			__free_pages(held[j], orders[j]);
			held[j] = held[--n];
			orders[j] = orders[n];
		} else {
			unsigned int o = (unsigned int)rnd_below(6);
			struct page *p = alloc_pages(GFP_KERNEL, o);

			cr_assert_not_null(p, "%s", cap_last());
			held[n] = p;
			orders[n++] = o;
		}
	}
	for (i = 0; i < n; i++)
		__free_pages(held[i], orders[i]);
	uvm_log_counts(&lc);
	cr_assert_eq(lc.warnings, 0, "%lu warnings: %s", lc.warnings,
		     cap_line(0));
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
	assert_all_free();
}

Test(debug_vm, checker_sees_corruption)
{
	struct zone *zone;
	struct page *p;
	int bad;

	boot("mem=16M");
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	cr_assert_eq(uvm_check(), 0);

	/* A leaked page: allocated state without a reference. */
	atomic_store(&p->_refcount, 0);
	bad = uvm_check();
	cr_assert_geq(bad, 1);
	cr_assert_eq(cap_count(), bad);
	cr_assert_geq(cap_find("phys_check", 0), 0, "%s", cap_line(0));
	atomic_store(&p->_refcount, 1);
	cr_assert_eq(uvm_check(), 0);

	/* A free-list counter that disagrees with the lists. */
	zone = &phys.nodes[0].node_zones[ZONE_DMA];
	zone->free_area[MAX_PAGE_ORDER].nr_free++;
	cap_reset();
	uvm_log_reset_ratelimit();
	cr_assert_geq(uvm_check(), 1);
	cr_assert_geq(cap_find("nr_free", 0), 0, "%s", cap_line(0));
	zone->free_area[MAX_PAGE_ORDER].nr_free--;
	cr_assert_eq(uvm_check(), 0);
	__free_page(p);
	assert_all_free();
}

Test(debug_vm, level3_reports_after_the_operation)
{
	struct zone *zone;
	struct page *p;

	boot("debug_vm=3 mem=16M");
	cr_assert_eq(uvm_debug_vm, 3);
	zone = &phys.nodes[0].node_zones[ZONE_DMA];
	zone->free_area[MAX_PAGE_ORDER].nr_free++;
	p = alloc_page(GFP_KERNEL);
	cr_assert_not_null(p);
	cr_assert_geq(cap_find("phys_check", 0), 0,
		      "debug_vm=3 did not check after alloc_pages");
	zone->free_area[MAX_PAGE_ORDER].nr_free--;
	cap_reset();
	__free_page(p);
	cr_assert_eq(cap_count(), 0, "%s", cap_line(0));
	assert_all_free();
}

/* ============================================================= stress */

TestSuite(stress, .fini = teardown);

struct live_block {
	struct page *page;
	unsigned long pfn;
	unsigned int order;
	gfp_t gfp;
};

/*
 * The model: every block the test holds, and for each frame whether the
 * test holds it. An allocation that hands out a held frame, or a block in
 * the wrong zone, fails the test at once.
 */
static struct model {
	struct live_block *b;
	size_t n;
	unsigned char *owned;
	unsigned long live_pages;
} m;

static void model_init(void)
{
	m.b = calloc(MAX_PAGES, sizeof(*m.b));
	m.owned = calloc(phys.max_pfn, 1);
	m.n = 0;
	m.live_pages = 0;
	cr_assert(m.b && m.owned);
}

static enum zone_type highest_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_DMA32)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

static void model_add(struct page *page, unsigned int order, gfp_t gfp)
{
	unsigned long pfn = page_to_pfn(page), i, n = 1UL << order;
	struct zone *zone = zone_of_pfn(pfn);

	cr_assert_lt(pfn + n - 1, phys.max_pfn);
	cr_assert_eq(pfn & (n - 1), 0, "order-%u block at pfn %#lx", order,
		     pfn);
	cr_assert_not_null(zone);
	cr_assert(zone_spans_pfn(zone, pfn + n - 1),
		  "block %#lx order %u crosses a zone edge", pfn, order);
	cr_assert_eq(page_to_nid(page), zone->node, "pfn %#lx", pfn);
	cr_assert_eq(page_zonenum(page), zone->idx, "pfn %#lx", pfn);
	cr_assert_leq(zone->idx, highest_zone(gfp), "gfp %#x got zone %s", gfp,
		      zone->name);
	cr_assert_eq(page_count(page), 1);
	for (i = 0; i < n; i++) {
		cr_assert_eq(m.owned[pfn + i], 0,
			     "pfn %#lx handed out while held", pfn + i);
		m.owned[pfn + i] = 1;
	}
	cr_assert_lt(m.n, MAX_PAGES);
	m.b[m.n++] = (struct live_block){ page, pfn, order, gfp };
	m.live_pages += n;
}

/* Forget block @i without freeing it. */
static void model_forget(size_t i)
{
	unsigned long k, n = 1UL << m.b[i].order;

	for (k = 0; k < n; k++)
		m.owned[m.b[i].pfn + k] = 0;
	m.live_pages -= n;
	m.b[i] = m.b[--m.n];
}

static int cmp_block(const void *a, const void *b)
{
	const struct live_block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* The brute-force twin: sort the blocks and look for any overlap. */
static void model_verify(void)
{
	struct live_block *copy = malloc(m.n * sizeof(*copy) + 1);
	size_t i;

	cr_assert_not_null(copy);
	memcpy(copy, m.b, m.n * sizeof(*copy));
	qsort(copy, m.n, sizeof(*copy), cmp_block);
	for (i = 0; i < m.n; i++) {
		cr_assert_eq(page_count(copy[i].page), 1);
		cr_assert_eq(copy[i].page->order, copy[i].order,
			     "pfn %#lx: order %u, held as %u", copy[i].pfn,
			     copy[i].page->order, copy[i].order);
		if (i)
			cr_assert_leq(
				copy[i - 1].pfn + (1UL << copy[i - 1].order),
				copy[i].pfn, "blocks %#lx and %#lx overlap",
				copy[i - 1].pfn, copy[i].pfn);
	}
	free(copy);
	cr_assert_eq(uvm_check(), 0, "uvm_check: %s", cap_last());
}

static void model_accounting(unsigned long op)
{
	struct uvm_phys_stats st;

	stats(&st);
	cr_assert_eq(
		st.free_pages + st.pcp_pages + m.live_pages +
			st.pagetable_pages,
		st.total_pages,
		"op %lu: free %lu + pcp %lu + held %lu + tables %lu != total %lu",
		op, st.free_pages, st.pcp_pages, m.live_pages,
		st.pagetable_pages, st.total_pages);
}

static void stress_run(const char *cmdline, unsigned long ops, uint64_t seed)
{
	static const gfp_t gfps[] = {
		GFP_KERNEL,
		GFP_ATOMIC,
		GFP_DMA32,
		__GFP_MOVABLE | GFP_KERNEL,
		__GFP_RECLAIMABLE | GFP_KERNEL,
	};
	unsigned long op, limit, allocs = 0, high_allocs = 0, splits = 0;
	unsigned long bulk_pages = 0, frees = 0;
	size_t i;

	rng_seed(seed);
	boot(cmdline);
	model_init();
	limit = phys.max_pfn * 7 / 10;
	for (op = 1; op <= ops; op++) {
		unsigned long r = rnd_below(100);
		gfp_t gfp = gfps[rnd_below(ARRAY_SIZE(gfps))];

		if (rnd_below(2))
			gfp |= __GFP_NOWARN;
		if (m.live_pages > limit) {
			/* Memory runs short: free half of it at random. */
			while (m.live_pages > limit / 2) {
				i = rnd_below(m.n);
				__free_pages(m.b[i].page, m.b[i].order);
				model_forget(i);
				frees++;
			}
			model_accounting(op);
		}
		if (m.n && r < 40) {
			i = rnd_below(m.n);
			__free_pages(m.b[i].page, m.b[i].order);
			model_forget(i);
			frees++;
		} else if (r < 80) {
			unsigned int o = (unsigned int)rnd_below(4);
			struct page *p;

			if (rnd_below(4) == 0)
				o = (unsigned int)rnd_below(NR_PAGE_ORDERS);
			p = alloc_pages(gfp, o);
			if (p) {
				model_add(p, o, gfp);
				allocs++;
				high_allocs += o > PAGE_ALLOC_COSTLY_ORDER;
			}
		} else if (r < 88) {
			/* Split a live block into order-0 pages. */
			size_t k;

			if (!m.n)
				continue;
			i = rnd_below(m.n);
			/* Splitting big blocks often would leave only pages. */
			if (!m.b[i].order ||
			    (m.b[i].order > 5 && rnd_below(16)))
				continue;
			{
				struct live_block blk = m.b[i];

				split_page(blk.page, blk.order);
				model_forget(i);
				splits++;
				for (k = 0; k < 1UL << blk.order; k++)
					model_add(nth_page(blk.page, k), 0,
						  blk.gfp);
			}
		} else {
			struct page *arr[32] = { NULL };
			unsigned long want = 1 + rnd_below(32), got, filled = 0;

			got = alloc_pages_bulk(gfp, want, arr);
			for (i = 0; i < want; i++) {
				if (!arr[i])
					continue;
				filled++;
				model_add(arr[i], 0, gfp);
			}
			cr_assert_eq(got, filled,
				     "bulk returned %lu, filled %lu", got,
				     filled);
			bulk_pages += filled;
		}
		model_accounting(op);
		if (op % 1000 == 0)
			model_verify();
	}
	model_verify();
	/* The run did exercise every kind of operation. */
	cr_assert_gt(allocs, ops / 4, "%lu allocations", allocs);
	cr_assert_gt(high_allocs, ops / 1000, "%lu allocations above order 3",
		     high_allocs);
	cr_assert_gt(frees, ops / 4, "%lu frees", frees);
	cr_assert_gt(splits, ops / 200, "%lu splits", splits);
	cr_assert_gt(bulk_pages, ops / 4, "%lu pages from bulk", bulk_pages);
	while (m.n) {
		__free_pages(m.b[m.n - 1].page, m.b[m.n - 1].order);
		model_forget(m.n - 1);
	}
	assert_all_free();
	free(m.b);
	free(m.owned);
}

Test(stress, random_ops_one_node)
{
	stress_run("mem=64M zone_dma=4M zone_dma32=32M", 20000, 1);
}

Test(stress, random_ops_two_nodes)
{
	stress_run("mem=64M numa=2 zone_dma=4M zone_dma32=40M", 20000, 2);
}

/* Node and zone edges that fall inside pageblocks and order-10 blocks. */
Test(stress, random_ops_unaligned_edges)
{
	stress_run("mem=6000K numa=3 zone_dma=1500K zone_dma32=4100K", 20000,
		   3);
}
