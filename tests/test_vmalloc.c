/* SPDX-License-Identifier: MIT */
/*
 * Tests of the vmalloc API (src/vmalloc): vmalloc() and its variants,
 * vfree(), the lookups and the introspection files, on both mmu backends.
 *
 *  - every size from one byte to past 2 MiB: the whole area holds what was
 *    written, seen through the pointer (host), vread(), the page tables
 *    (vmalloc_to_page, vmalloc_to_pfn) and the direct map; find_vm_area()
 *    from any address inside; the guard page faults;
 *  - zeroing (vzalloc, __GFP_ZERO) over pages a previous owner dirtied;
 *  - the lazy-free safety rule: a freed area's pages stay allocated, and
 *    its stale host mapping keeps the old data, until a purge removes the
 *    mapping; only then do the pages return; lazy=0 and the threshold
 *    purge by themselves, and a shortage purges before it fails;
 *  - placement: vmalloc_32 below 4 GiB, vmalloc_node on its node, custom
 *    ranges, alignment, VM_NO_GUARD, read-only areas;
 *  - bad input and failures (real shortage, injected page and host-mapping
 *    failures): NULL, one warning, everything rolled back;
 *  - vmallocinfo and meminfo in the kernel's formats, the leak report at
 *    shutdown;
 *  - random runs of vmalloc/vzalloc/vfree, every area's bytes checked
 *    before its free, on each backend, area allocator and lazy setting.
 *
 * Criterion runs each test in a process of its own, so each test boots the
 * instance it needs and shuts it down in its .fini.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
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

#define SZ_1M (1UL << 20)
#define SZ_2M (2UL << 20)
#define SZ_4G (4UL << 30)

#include "test_vm_util.h"

/* ------------------------------------------------------ basic allocation */

TestSuite(vm_basic, .fini = teardown, .timeout = 300);

static const unsigned long basic_sizes[] = {
	1,
	100,
	PAGE_SIZE - 1,
	PAGE_SIZE,
	PAGE_SIZE + 1,
	2 * PAGE_SIZE,
	3 * PAGE_SIZE,
	7 * PAGE_SIZE + 5,
	64 * PAGE_SIZE,
	511 * PAGE_SIZE,
	512 * PAGE_SIZE,
	512 * PAGE_SIZE + 1,
	SZ_1M + 1,
	SZ_2M,
	SZ_2M + 1,
	5 * SZ_1M + 17,
};

static void sizes(bool host)
{
	void *v[ARRAY_SIZE(basic_sizes)];
	void *outside = malloc(64);
	unsigned long i;

	boot("mem=64M mmu=%s", backend(host));
	for (i = 0; i < ARRAY_SIZE(basic_sizes); i++) {
		v[i] = vmalloc(basic_sizes[i]);
		cr_assert_not_null(v[i], "vmalloc(%lu): %s", basic_sizes[i],
				   cap_last());
		area_fill(host, v[i], basic_sizes[i], i);
	}
	assert_check();
	/* Every area keeps its own bytes once all are written. */
	for (i = 0; i < ARRAY_SIZE(basic_sizes); i++)
		expect_area(host, v[i], basic_sizes[i], i);
	cr_assert_not(is_vmalloc_addr(outside));
	cr_assert_not(is_vmalloc_addr(NULL));
	cr_assert_null(find_vm_area(outside));
	cr_assert_null(find_vm_area(NULL));
	free(outside);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	for (i = 0; i < ARRAY_SIZE(basic_sizes); i++)
		vfree(v[i]);
	purge();
	expect_all_returned();
}

Test(vm_basic, sizes_host)
{
	sizes(true);
}

Test(vm_basic, sizes_soft)
{
	sizes(false);
}

/* No two areas share a page, and a guard page separates neighbours. */
static void disjoint(bool host)
{
	enum {
		N = 40
	};
	unsigned long start[N], end[N];
	void *v[N];
	int i, j;

	boot("mem=64M mmu=%s", backend(host));
	for (i = 0; i < N; i++) {
		unsigned long size = (unsigned long)(i % 7 + 1) * PAGE_SIZE - i;

		v[i] = vmalloc(size);
		cr_assert_not_null(v[i]);
		start[i] = (unsigned long)v[i];
		end[i] = start[i] + find_vm_area(v[i])->size;
		cr_assert_eq(end[i], start[i] + PAGE_ALIGN(size) + PAGE_SIZE);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			cr_assert(end[i] <= start[j] || end[j] <= start[i],
				  "%#lx-%#lx overlaps %#lx-%#lx", start[i],
				  end[i], start[j], end[j]);
	/* Nothing maps a guard page. */
	for (i = 0; i < N; i++) {
		cr_assert_null(vmalloc_to_page((void *)(end[i] - PAGE_SIZE)));
		cr_assert_eq(vmalloc_to_pfn((void *)(end[i] - PAGE_SIZE)), 0);
	}
	for (i = 0; i < N; i++)
		vfree(v[i]);
	purge();
	expect_all_returned();
}

Test(vm_basic, disjoint_host)
{
	disjoint(true);
}

Test(vm_basic, disjoint_soft)
{
	disjoint(false);
}

/* The pages of one area are distinct frames. */
Test(vm_basic, distinct_frames)
{
	enum {
		NR = 700
	};
	static unsigned long pfns[NR];
	struct vm_struct *vm;
	unsigned long i, j;
	void *v;

	boot("mem=64M");
	v = vmalloc(NR * PAGE_SIZE);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert_eq(vm->nr_pages, NR);
	for (i = 0; i < NR; i++) {
		pfns[i] = page_to_pfn(vm->pages[i]);
		cr_assert_eq(page_count(vm->pages[i]), 1, "page %lu", i);
	}
	for (i = 0; i < NR; i++)
		for (j = i + 1; j < NR; j++)
			cr_assert_neq(pfns[i], pfns[j]);
	vfree(v);
	purge();
	expect_all_returned();
}

/* vmalloc_to_page() outside any area: NULL, and no warning. */
static void lookups_outside(bool host)
{
	unsigned long start;
	int stack;

	boot("mem=64M mmu=%s", backend(host));
	start = VMALLOC_START;
	cr_assert(is_vmalloc_addr((void *)start));
	cr_assert(is_vmalloc_addr((void *)(VMALLOC_END - 1)));
	cr_assert_not(is_vmalloc_addr((void *)VMALLOC_END));
	cr_assert_not(is_vmalloc_addr((void *)(start - 1)));
	cr_assert_not(is_vmalloc_addr(&stack));
	cr_assert_null(vmalloc_to_page((void *)start));
	cr_assert_eq(vmalloc_to_pfn((void *)start), 0);
	cr_assert_null(find_vm_area((void *)start));
	cr_assert_null(find_vm_area((void *)(VMALLOC_END - 1)));
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vm_basic, lookups_outside_host)
{
	lookups_outside(true);
}

Test(vm_basic, lookups_outside_soft)
{
	lookups_outside(false);
}

/*
 * vread() over two areas and what lies between them: each area's bytes,
 * zeros for the guard pages and holes; vwrite() over the same span lands
 * in the areas only.
 */
static void span(bool host)
{
	unsigned long s1 = 3 * PAGE_SIZE + 100, s2 = 2 * PAGE_SIZE, len, off;
	unsigned long a1, a2;
	char *v1, *v2, *buf, *src;

	boot("mem=64M mmu=%s", backend(host));
	v1 = vmalloc(s1);
	v2 = vmalloc(s2);
	cr_assert_not_null(v1);
	cr_assert_not_null(v2);
	if (v2 < v1) {
		char *t = v1;
		unsigned long ts = s1;

		v1 = v2;
		v2 = t;
		s1 = s2;
		s2 = ts;
	}
	a1 = (unsigned long)v1;
	a2 = (unsigned long)v2;
	cr_assert_leq(a2 - a1, 64 * PAGE_SIZE, "areas %#lx and %#lx", a1, a2);
	area_fill(host, v1, PAGE_ALIGN(s1), 1);
	area_fill(host, v2, s2, 2);
	len = a2 + s2 - a1 + PAGE_SIZE; /* to the end of v2's guard */
	buf = area_copy(v1, len);
	cr_assert_eq(mismatch_at(buf, 0, PAGE_ALIGN(s1), 1), -1);
	cr_assert_eq(first_nonzero(buf + PAGE_ALIGN(s1),
				   a2 - a1 - PAGE_ALIGN(s1)),
		     -1);
	cr_assert_eq(mismatch_at(buf + (a2 - a1), 0, s2, 2), -1);
	cr_assert_eq(first_nonzero(buf + (a2 - a1) + s2, PAGE_SIZE), -1);

	/* One vwrite() over the span: the areas take their part. */
	src = malloc(len);
	cr_assert_not_null(src);
	fill_at(src, 0, len, 3);
	cr_assert_eq(vwrite(src, v1, len),
		     (long)(PAGE_ALIGN(s1) + PAGE_ALIGN(s2)));
	free(buf);
	buf = area_copy(v1, len);
	for (off = 0; off < len; off += PAGE_SIZE) {
		bool mapped = off < PAGE_ALIGN(s1) ||
			      (off >= a2 - a1 && off < a2 - a1 + s2);

		if (mapped)
			cr_assert_eq(memcmp(buf + off, src + off, PAGE_SIZE), 0,
				     "page at +%#lx", off);
		else
			cr_assert_eq(first_nonzero(buf + off, PAGE_SIZE), -1,
				     "page at +%#lx", off);
	}
	if (host)
		cr_assert_eq(memcmp(v2, src + (a2 - a1), s2), 0);
	free(src);
	free(buf);
	vfree(v1);
	vfree(v2);
	purge();
	expect_all_returned();
}

Test(vm_basic, span_host)
{
	span(true);
}

Test(vm_basic, span_soft)
{
	span(false);
}

/* ----------------------------------------------------------- guard pages */

TestSuite(vm_guard, .fini = teardown, .timeout = 300);

static char *guard_of(unsigned long size)
{
	char *v;

	boot("mem=64M");
	v = vmalloc(size);
	cr_assert_not_null(v);
	fill_at(v, 0, size, 7);
	expect_area(true, v, size, 7);
	/* The last byte of the last page is still the area's. */
	v[PAGE_ALIGN(size) - 1] = 1;
	return v + PAGE_ALIGN(size);
}

Test(vm_guard, one_page, .signal = SIGSEGV)
{
	char *guard = guard_of(PAGE_SIZE);

	*(volatile char *)guard = 1;
	cr_assert_fail("wrote the guard page after one page");
}

Test(vm_guard, odd_size, .signal = SIGSEGV)
{
	char *guard = guard_of(3 * PAGE_SIZE + 5);

	*(volatile char *)guard = 1;
	cr_assert_fail("wrote the guard page after 3 pages + 5");
}

Test(vm_guard, large, .signal = SIGSEGV)
{
	char *guard = guard_of(SZ_2M + 1);

	*(volatile char *)guard = 1;
	cr_assert_fail("wrote the guard page after 2 MiB + 1");
}

/* Reading it faults as well. */
Test(vm_guard, read, .signal = SIGSEGV)
{
	char *guard = guard_of(5 * PAGE_SIZE);

	(void)*(volatile char *)guard;
	cr_assert_fail("read the guard page");
}

/* Soft: the guard reads as zeros through vread and takes no writes. */
Test(vm_guard, soft)
{
	char buf[16] = { 0 };
	char *v;

	boot("mem=64M mmu=soft");
	v = vmalloc(2 * PAGE_SIZE);
	cr_assert_not_null(v);
	area_fill(false, v, 2 * PAGE_SIZE, 3);
	memset(buf, 0x77, sizeof(buf));
	cr_assert_eq(vwrite(buf, v + 2 * PAGE_SIZE, sizeof(buf)), 0);
	cr_assert_eq(vread(buf, v + 2 * PAGE_SIZE, sizeof(buf)),
		     (long)sizeof(buf));
	cr_assert_eq(first_nonzero(buf, sizeof(buf)), -1);
	cr_assert_null(vmalloc_to_page(v + 2 * PAGE_SIZE));
	expect_area(false, v, 2 * PAGE_SIZE, 3);
	vfree(v);
}

/* ------------------------------------------------------------- zeroing */

TestSuite(vm_zero, .fini = teardown, .timeout = 300);

/*
 * Dirty most of RAM through vmalloc, free it (and purge), then ask for
 * zeroed memory that must come from those pages.
 */
static void zero_after_reuse(bool host, bool lazy, int how)
{
	const unsigned long size = 40 * SZ_1M;
	struct snap s;
	void *v;

	boot("mem=64M mmu=%s lazy=%d", backend(host), lazy);
	v = vmalloc(size);
	cr_assert_not_null(v, "%s", cap_last());
	area_fill(host, v, size, 99);
	vfree(v);
	if (lazy) {
		/* The dirty pages are still the freed area's. */
		s = snap();
		cr_assert_geq(held(s), size >> PAGE_SHIFT);
		purge();
	}
	s = snap();
	cr_assert_eq(held(s), 0);
	/* 40 of 64 MiB: most of these pages were the dirty ones. */
	switch (how) {
	case 0:
		v = vzalloc(size);
		break;
	case 1:
		v = __vmalloc(size, GFP_KERNEL | __GFP_ZERO);
		break;
	default:
		v = vzalloc_node(size, 0);
		break;
	}
	cr_assert_not_null(v, "%s", cap_last());
	expect_zero(host, v, size);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_zero, vzalloc_host)
{
	zero_after_reuse(true, true, 0);
}

Test(vm_zero, vzalloc_soft)
{
	zero_after_reuse(false, true, 0);
}

Test(vm_zero, vzalloc_eager_host)
{
	zero_after_reuse(true, false, 0);
}

Test(vm_zero, vzalloc_eager_soft)
{
	zero_after_reuse(false, false, 0);
}

Test(vm_zero, gfp_zero_host)
{
	zero_after_reuse(true, false, 1);
}

Test(vm_zero, gfp_zero_soft)
{
	zero_after_reuse(false, true, 1);
}

Test(vm_zero, vzalloc_node_host)
{
	zero_after_reuse(true, false, 2);
}

Test(vm_zero, vzalloc_node_soft)
{
	zero_after_reuse(false, true, 2);
}

/* Odd sizes: the tail of the last page is zero too. */
static void zero_odd(bool host)
{
	static const unsigned long odd[] = { 1, 4097, SZ_1M + 1,
					     3 * PAGE_SIZE - 9 };
	unsigned long i;

	boot("mem=64M mmu=%s lazy=0", backend(host));
	for (i = 0; i < ARRAY_SIZE(odd); i++) {
		void *v = vmalloc(PAGE_ALIGN(odd[i]));

		cr_assert_not_null(v);
		area_fill(host, v, PAGE_ALIGN(odd[i]), i + 1);
		vfree(v);
		v = vzalloc(odd[i]);
		cr_assert_not_null(v);
		expect_zero(host, v, PAGE_ALIGN(odd[i]));
		vfree(v);
	}
	expect_all_returned();
}

Test(vm_zero, odd_sizes_host)
{
	zero_odd(true);
}

Test(vm_zero, odd_sizes_soft)
{
	zero_odd(false);
}

/* ------------------------------------------------ lazy free and purge */

TestSuite(vm_lazy, .fini = teardown, .timeout = 300);

/*
 * With purges far away: after vfree() the tables forget the area at once,
 * but its pages stay allocated and (host) the stale mapping still shows
 * the old bytes; the purge removes the mapping, then frees the pages.
 */
static void lazy_rule(bool host)
{
	const unsigned long size = 256 * PAGE_SIZE;
	struct uvm_kva_stats ks;
	struct page *first;
	struct snap before, s;
	char *v;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=1000000", backend(host));
	before = snap();
	v = vmalloc(size);
	cr_assert_not_null(v);
	area_fill(host, v, size, 5);
	first = find_vm_area(v)->pages[0];
	vfree(v);

	/* The tables and the area lists forget it at once. */
	cr_assert_null(find_vm_area(v));
	cr_assert_null(vmalloc_to_page(v));
	cr_assert_null(vmalloc_to_page(v + size - 1));
	expect_zero(false, v, size);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);

	/* The pages do not return yet. */
	s = snap();
	cr_assert_eq(s.busy, before.busy);
	cr_assert_geq(s.lazy, (size >> PAGE_SHIFT) + 1);
	cr_assert_geq(held(s), size >> PAGE_SHIFT,
		      "%lu pages held after vfree, want the area's %lu",
		      held(s), size >> PAGE_SHIFT);
	cr_assert_eq(page_count(first), 1, "a freed area's page was freed");
	if (host) {
		/* The stale mapping: the old bytes, never a new owner's. */
		cr_assert_eq(mismatch_at(v, 0, size, 5), -1);
	}
	/* The direct map keeps them too: nobody else can have the pages. */
	cr_assert_eq(mismatch_at(page_address(first), 0, PAGE_SIZE, 5), -1);
	assert_check();

	purge();
	uvm_kva_stats(&ks);
	cr_assert_eq(ks.lazy_pages, 0);
	cr_assert_geq(ks.purges, 1);
	s = snap();
	cr_assert_eq(s.free + s.tables, before.free + before.tables,
		     "%lu + %lu pages after the purge, %lu + %lu before",
		     s.free, s.tables, before.free, before.tables);
	expect_all_returned();
}

Test(vm_lazy, rule_host)
{
	lazy_rule(true);
}

Test(vm_lazy, rule_soft)
{
	lazy_rule(false);
}

/* After the purge the old address faults: the mapping is gone. */
Test(vm_lazy, purged_address_faults, .signal = SIGSEGV)
{
	char *v;

	boot("mem=64M lazy=1 lazy_max_pages=1000000");
	v = vmalloc(4 * PAGE_SIZE);
	cr_assert_not_null(v);
	memset(v, 0x3c, 4 * PAGE_SIZE);
	vfree(v);
	cr_assert_eq(*(volatile char *)v, 0x3c);
	purge();
	(void)*(volatile char *)v;
	cr_assert_fail("read a purged area");
}

/* lazy=0: every vfree() purges, so the pages are back at once. */
static void eager(bool host)
{
	struct snap before, s;
	int i;

	boot("mem=64M mmu=%s lazy=0", backend(host));
	before = snap();
	for (i = 0; i < 20; i++) {
		unsigned long size = (unsigned long)(i + 1) * 37 * PAGE_SIZE;
		void *v = vmalloc(size);

		cr_assert_not_null(v);
		area_fill(host, v, size, i);
		expect_pattern(host, v, size, i);
		vfree(v);
		s = snap();
		cr_assert_eq(s.lazy, 0);
		cr_assert_eq(s.free + s.tables, before.free + before.tables,
			     "after free %d", i);
	}
	expect_all_returned();
}

Test(vm_lazy, eager_host)
{
	eager(true);
}

Test(vm_lazy, eager_soft)
{
	eager(false);
}

/* Past lazy_max_pages, a vfree() purges by itself. */
static void threshold(bool host)
{
	struct uvm_kva_stats ks;
	struct snap before, s;
	void *v;
	int i;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=256", backend(host));
	before = snap();
	/* Sizes differ, so that no freed area is revived whole. */
	for (i = 0; i < 10; i++) {
		v = vmalloc((100 + i) * PAGE_SIZE);
		cr_assert_not_null(v);
		area_fill(host, v, 100 * PAGE_SIZE, i);
		vfree(v);
		uvm_kva_stats(&ks);
		cr_assert_leq(ks.lazy_pages, 256, "lazy %lu", ks.lazy_pages);
		s = snap();
		cr_assert_leq(held(s), 3 * 110, "%lu held", held(s));
	}
	uvm_kva_stats(&ks);
	cr_assert_geq(ks.purges, 3, "%lu purges", ks.purges);
	purge();
	s = snap();
	cr_assert_eq(s.free + s.tables, before.free + before.tables);
	expect_all_returned();
}

Test(vm_lazy, threshold_host)
{
	threshold(true);
}

Test(vm_lazy, threshold_soft)
{
	threshold(false);
}

/*
 * Lazily freed areas hold their pages until a purge, and the threshold can
 * be larger than RAM: an allocation that runs short of pages must purge
 * before it gives up, or freed memory would be lost to vmalloc.
 */
static void lazy_pages_reused(bool host)
{
	const unsigned long size = 24 * SZ_1M;
	int i;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=1000000", backend(host));
	for (i = 0; i < 12; i++) {
		void *v = vmalloc(size);

		cr_assert_not_null(v,
				   "round %d: vmalloc(24M) of 64M failed: %s",
				   i, cap_last());
		area_fill(host, v, size, i);
		expect_pattern(host, v, size, i);
		vfree(v);
	}
	purge();
	expect_all_returned();
}

Test(vm_lazy, pages_reused_host)
{
	lazy_pages_reused(true);
}

Test(vm_lazy, pages_reused_soft)
{
	lazy_pages_reused(false);
}

/* ------------------------------------------------------------ placement */

TestSuite(vm_place, .fini = teardown, .timeout = 300);

/* mem=5G: DMA32 ends at 4 GiB, Normal lies above. */
static void below_4g(bool host)
{
	const unsigned long nr = 2048;
	struct vm_struct *vm;
	unsigned long i, above = 0;
	void *v, *w;

	boot("mem=5G mmu=%s", backend(host));
	v = vmalloc_32(nr * PAGE_SIZE);
	cr_assert_not_null(v, "%s", cap_last());
	area_fill(host, v, nr * PAGE_SIZE, 32);
	expect_area(host, v, nr * PAGE_SIZE, 32);
	vm = find_vm_area(v);
	for (i = 0; i < nr; i++) {
		cr_assert_lt(page_to_phys(vm->pages[i]), SZ_4G,
			     "page %lu at %#llx", i,
			     (unsigned long long)page_to_phys(vm->pages[i]));
		cr_assert_neq(page_zonenum(vm->pages[i]), ZONE_NORMAL);
	}
	/* Without the restriction the pages come from Normal first. */
	w = vmalloc(nr * PAGE_SIZE);
	cr_assert_not_null(w);
	vm = find_vm_area(w);
	for (i = 0; i < nr; i++)
		above += page_to_phys(vm->pages[i]) >= SZ_4G;
	cr_assert_gt(above, 0, "vmalloc() took no page above 4 GiB");
	vfree(v);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(vm_place, vmalloc_32_host)
{
	below_4g(true);
}

Test(vm_place, vmalloc_32_soft)
{
	below_4g(false);
}

static void on_node(bool host)
{
	const unsigned long nr = 300;
	char line[512], want[32];
	struct vm_struct *vm;
	unsigned long i;
	char *info;
	void *v, *w;

	boot("mem=64M numa=2 mmu=%s", backend(host));
	v = vmalloc_node(nr * PAGE_SIZE, 1);
	cr_assert_not_null(v, "%s", cap_last());
	w = vzalloc_node(nr * PAGE_SIZE - 1, 0);
	cr_assert_not_null(w, "%s", cap_last());
	area_fill(host, v, nr * PAGE_SIZE, 1);
	expect_area(host, v, nr * PAGE_SIZE, 1);
	expect_zero(host, w, nr * PAGE_SIZE);
	vm = find_vm_area(v);
	for (i = 0; i < nr; i++)
		cr_assert_eq(page_to_nid(vm->pages[i]), 1, "page %lu", i);
	vm = find_vm_area(w);
	for (i = 0; i < nr; i++)
		cr_assert_eq(page_to_nid(vm->pages[i]), 0, "page %lu", i);

	info = show("vmallocinfo");
	cr_assert(info_line(info, v, line, sizeof(line)), "%s", info);
	snprintf(want, sizeof(want), " N1=%lu", nr);
	cr_assert_not_null(strstr(line, want), "%s", line);
	cr_assert_null(strstr(line, " N0="), "%s", line);
	cr_assert(info_line(info, w, line, sizeof(line)), "%s", info);
	snprintf(want, sizeof(want), " N0=%lu", nr);
	cr_assert_not_null(strstr(line, want), "%s", line);
	cr_assert_null(strstr(line, " N1="), "%s", line);
	free(info);
	vfree(v);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(vm_place, node_host)
{
	on_node(true);
}

Test(vm_place, node_soft)
{
	on_node(false);
}

/* The node is a preference: past its free pages, the others serve. */
static void node_fallback(bool host)
{
	const unsigned long size = 40 * SZ_1M;
	unsigned long i, on1 = 0;
	struct vm_struct *vm;
	void *v;

	boot("mem=64M numa=2 mmu=%s", backend(host));
	v = vmalloc_node(size, 1);
	cr_assert_not_null(v, "%s", cap_last());
	vm = find_vm_area(v);
	for (i = 0; i < vm->nr_pages; i++)
		on1 += page_to_nid(vm->pages[i]) == 1;
	/* Node 1 has 32 MiB: most of it, and the rest from node 0. */
	cr_assert_gt(on1, (24 * SZ_1M) >> PAGE_SHIFT, "%lu pages on node 1",
		     on1);
	cr_assert_lt(on1, vm->nr_pages);
	area_fill(host, v, size, 40);
	expect_area(host, v, size, 40);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_place, node_fallback_host)
{
	node_fallback(true);
}

Test(vm_place, node_fallback_soft)
{
	node_fallback(false);
}

/* A sub-range of the window: [start, end) holds the whole area. */
static unsigned long range_start(void)
{
	return ALIGN_UP(VMALLOC_START + 256 * SZ_1M, SZ_2M);
}

static void *in_range(unsigned long size, unsigned long align,
		      unsigned long start, unsigned long end, gfp_t gfp,
		      pgprot_t prot, unsigned long vm_flags)
{
	return __vmalloc_node_range(size, align, start, end, gfp, prot,
				    vm_flags, NUMA_NO_NODE,
				    __builtin_return_address(0));
}

static void sub_range(bool host)
{
	unsigned long start, end, a;
	void *v[64];
	int i, n = 0;

	boot("mem=64M mmu=%s", backend(host));
	start = range_start() + 3 * PAGE_SIZE;
	end = start + 16 * SZ_1M;
	for (;;) {
		cr_assert_lt(n, 64);
		v[n] = in_range(SZ_1M, PAGE_SIZE, start, end, GFP_KERNEL,
				PAGE_KERNEL, 0);
		if (!v[n])
			break;
		a = (unsigned long)v[n];
		cr_assert(a >= start && a + SZ_1M + PAGE_SIZE <= end,
			  "%#lx outside %#lx-%#lx", a, start, end);
		area_fill(host, v[n], SZ_1M, n);
		n++;
	}
	/* 16 MiB holds 15 areas of 1 MiB + a guard page. */
	cr_assert_eq(n, 15, "%d areas of 1M in 16M", n);
	cr_assert_not_null(strstr(cap.last_warn, "vmalloc"), "%s",
			   cap.last_warn);
	for (i = 0; i < n; i++)
		expect_area(host, v[i], SZ_1M, i);
	/* The rest of the window still has room. */
	v[n] = vmalloc(SZ_1M);
	cr_assert_not_null(v[n]);
	vfree(v[n]);
	for (i = 0; i < n; i++)
		vfree(v[i]);
	purge();
	expect_all_returned();
}

Test(vm_place, sub_range_host)
{
	sub_range(true);
}

Test(vm_place, sub_range_soft)
{
	sub_range(false);
}

static void aligned(bool host)
{
	static const unsigned long aligns[] = { 2 * PAGE_SIZE, 16 * PAGE_SIZE,
						SZ_2M, 8 * SZ_2M };
	unsigned long start, end, i;
	void *v[ARRAY_SIZE(aligns) * 2];

	boot("mem=64M mmu=%s", backend(host));
	start = range_start() + PAGE_SIZE;
	end = start + 256 * SZ_1M;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		unsigned long align = aligns[i / 2], a;

		v[i] = in_range(3 * PAGE_SIZE + 1, align, start, end,
				GFP_KERNEL, PAGE_KERNEL, 0);
		cr_assert_not_null(v[i], "align %#lx: %s", align, cap_last());
		a = (unsigned long)v[i];
		cr_assert_eq(a & (align - 1), 0, "%#lx not aligned to %#lx", a,
			     align);
		cr_assert(a >= start && a < end);
		area_fill(host, v[i], 3 * PAGE_SIZE + 1, i);
	}
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		expect_area(host, v[i], 3 * PAGE_SIZE + 1, i);
		vfree(v[i]);
	}
	/* __vmalloc_node() aligns in the whole window. */
	v[0] = __vmalloc_node(PAGE_SIZE, SZ_2M, GFP_KERNEL, NUMA_NO_NODE,
			      __builtin_return_address(0));
	cr_assert_not_null(v[0]);
	cr_assert_eq((unsigned long)v[0] & (SZ_2M - 1), 0);
	vfree(v[0]);
	purge();
	expect_all_returned();
}

Test(vm_place, aligned_host)
{
	aligned(true);
}

Test(vm_place, aligned_soft)
{
	aligned(false);
}

/* VM_NO_GUARD: areas abut, and the size holds no guard page. */
static void no_guard(bool host)
{
	unsigned long start;
	struct vm_struct *vm;
	char *a, *b;

	boot("mem=64M mmu=%s", backend(host));
	start = range_start();
	a = in_range(PAGE_SIZE, PAGE_SIZE, start, start + 2 * PAGE_SIZE,
		     GFP_KERNEL, PAGE_KERNEL, VM_NO_GUARD);
	b = in_range(PAGE_SIZE, PAGE_SIZE, start, start + 2 * PAGE_SIZE,
		     GFP_KERNEL, PAGE_KERNEL, VM_NO_GUARD);
	cr_assert_not_null(a, "%s", cap_last());
	cr_assert_not_null(b, "%s", cap_last());
	cr_assert_eq(a, (char *)start);
	cr_assert_eq(b, (char *)start + PAGE_SIZE);
	vm = find_vm_area(a);
	cr_assert_eq(vm->size, PAGE_SIZE);
	cr_assert(vm->flags & VM_NO_GUARD);
	cr_assert_eq(get_vm_area_size(vm), PAGE_SIZE);
	/* One write spans both areas. */
	area_fill(host, a, 2 * PAGE_SIZE, 11);
	expect_pattern(host, a, 2 * PAGE_SIZE, 11);
	cr_assert_eq(find_vm_area(b + 5), find_vm_area(b));
	cr_assert_neq(find_vm_area(b), vm);
	vfree(a);
	vfree(b);
	purge();
	expect_all_returned();
}

Test(vm_place, no_guard_host)
{
	no_guard(true);
}

Test(vm_place, no_guard_soft)
{
	no_guard(false);
}

/* A read-only area reads (zeros here), and a write faults. */
Test(vm_place, read_only_faults, .signal = SIGSEGV)
{
	char *v;

	boot("mem=64M");
	v = in_range(2 * PAGE_SIZE, PAGE_SIZE, VMALLOC_START, VMALLOC_END,
		     GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL_RO, 0);
	cr_assert_not_null(v, "%s", cap_last());
	expect_zero(true, v, 2 * PAGE_SIZE);
	*(volatile char *)(v + PAGE_SIZE + 1) = 1;
	cr_assert_fail("wrote a read-only area");
}

/* vwrite() skips read-only pages on both backends. */
static void read_only_vwrite(bool host)
{
	char buf[64];
	char *v;

	boot("mem=64M mmu=%s", backend(host));
	v = in_range(PAGE_SIZE, PAGE_SIZE, VMALLOC_START, VMALLOC_END,
		     GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL_RO, 0);
	cr_assert_not_null(v, "%s", cap_last());
	memset(buf, 0xee, sizeof(buf));
	cr_assert_eq(vwrite(buf, v, sizeof(buf)), 0);
	expect_zero(host, v, PAGE_SIZE);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_place, read_only_vwrite_host)
{
	read_only_vwrite(true);
}

Test(vm_place, read_only_vwrite_soft)
{
	read_only_vwrite(false);
}

/* --------------------------------------------------------- gfp handling */

TestSuite(vm_gfp, .fini = teardown, .timeout = 300);

/* Flags vmalloc has no use for: one warning, then the allocation works. */
static void unsupported_gfp(bool host, gfp_t extra)
{
	unsigned long w;
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	w = warnings();
	v = __vmalloc(5 * PAGE_SIZE, GFP_KERNEL | extra);
	cr_assert_not_null(v, "%s", cap_last());
	cr_assert_eq(warnings(), w + 1, "%lu warnings: %s", warnings() - w,
		     cap.last_warn);
	cr_assert_geq(cap_find("Unexpected gfp", 0), 0, "%s", cap.last_warn);
	area_fill(host, v, 5 * PAGE_SIZE, 1);
	expect_area(host, v, 5 * PAGE_SIZE, 1);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_gfp, comp_host)
{
	unsupported_gfp(true, __GFP_COMP);
}

Test(vm_gfp, dma_soft)
{
	unsupported_gfp(false, __GFP_DMA);
}

Test(vm_gfp, highmem_host)
{
	unsupported_gfp(true, __GFP_HIGHMEM);
}

/* Supported flags pass silently. */
Test(vm_gfp, supported)
{
	static const gfp_t ok[] = {
		GFP_KERNEL,
		GFP_ATOMIC,
		GFP_NOWAIT,
		GFP_KERNEL | __GFP_NOFAIL,
		GFP_KERNEL | __GFP_ZERO,
		GFP_KERNEL | __GFP_NORETRY,
		GFP_KERNEL | __GFP_RETRY_MAYFAIL,
		GFP_NOFS,
		GFP_NOIO,
		GFP_KERNEL_ACCOUNT,
		GFP_USER,
		GFP_KERNEL | __GFP_NOWARN,
	};
	unsigned long i;

	boot("mem=64M");
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		void *v = __vmalloc(3 * PAGE_SIZE + 3, ok[i]);

		cr_assert_not_null(v, "gfp %#x: %s", ok[i], cap_last());
		fill_at(v, 0, 3 * PAGE_SIZE + 3, i);
		expect_area(true, v, 3 * PAGE_SIZE + 3, i);
		vfree(v);
	}
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	purge();
	expect_all_returned();
}

/* ------------------------------------------------------------ bad input */

TestSuite(vm_bad, .fini = teardown, .timeout = 300);

/* @what returned NULL with exactly one warning containing @text. */
static void expect_refused(void *v, unsigned long w, const char *text,
			   const char *what)
{
	cr_assert_null(v, "%s succeeded", what);
	cr_assert_eq(warnings(), w + 1, "%s: %lu warnings, the last: %s", what,
		     warnings() - w, cap.last_warn);
	if (text)
		cr_assert(cap_find(text, 0) >= 0, "%s: no \"%s\": %s", what,
			  text, cap.last_warn);
}

static void bad_sizes(bool host)
{
	struct snap before;
	unsigned long w, total;

	boot("mem=64M mmu=%s", backend(host));
	before = snap();
	total = before.total;

	cap_reset();
	w = warnings();
	expect_refused(vmalloc(0), w, NULL, "vmalloc(0)");
	cap_reset();
	w = warnings();
	expect_refused(vzalloc(0), w, NULL, "vzalloc(0)");

	cap_reset();
	w = warnings();
	expect_refused(vmalloc((total + 1) << PAGE_SHIFT), w,
		       "exceeds total pages", "vmalloc(RAM + 1 page)");
	cap_reset();
	w = warnings();
	expect_refused(vmalloc(1UL << 62), w, "exceeds total pages",
		       "vmalloc(1 << 62)");
	/* Rounding up must not wrap to a small size. */
	cap_reset();
	w = warnings();
	expect_refused(vmalloc(ULONG_MAX), w, NULL, "vmalloc(ULONG_MAX)");
	cap_reset();
	w = warnings();
	expect_refused(vmalloc(ULONG_MAX - PAGE_SIZE + 2), w, NULL,
		       "vmalloc(ULONG_MAX - PAGE_SIZE + 2)");
	cap_reset();
	w = warnings();
	expect_refused(__vmalloc(ULONG_MAX, GFP_KERNEL | __GFP_ZERO), w, NULL,
		       "__vmalloc(ULONG_MAX)");
	expect_unchanged(before, "bad sizes");
}

Test(vm_bad, sizes_host)
{
	bad_sizes(true);
}

Test(vm_bad, sizes_soft)
{
	bad_sizes(false);
}

Test(vm_bad, nodes)
{
	static const int bad[] = { 2,  3,	MAX_NUMNODES, MAX_NUMNODES + 1,
				   -2, INT_MIN, INT_MAX };
	struct snap before;
	unsigned long i, w;
	void *v;

	boot("mem=64M numa=2");
	before = snap();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_reset();
		w = warnings();
		expect_refused(vmalloc_node(PAGE_SIZE, bad[i]), w, NULL,
			       "vmalloc_node");
		cap_reset();
		w = warnings();
		expect_refused(vzalloc_node(PAGE_SIZE, bad[i]), w, NULL,
			       "vzalloc_node");
		cap_reset();
		w = warnings();
		expect_refused(__vmalloc_node(PAGE_SIZE, 1, GFP_KERNEL, bad[i],
					      NULL),
			       w, NULL, "__vmalloc_node");
	}
	expect_unchanged(before, "bad nodes");
	/* NUMA_NO_NODE means any node. */
	cap_reset();
	w = warnings();
	v = vmalloc_node(PAGE_SIZE, NUMA_NO_NODE);
	cr_assert_not_null(v);
	cr_assert_eq(warnings(), w);
	vfree(v);
}

Test(vm_bad, ranges)
{
	unsigned long start, end, w;
	struct snap before;
	int stack;

	boot("mem=64M");
	start = range_start();
	end = start + 16 * SZ_1M;
	before = snap();

	cap_reset();
	w = warnings();
	expect_refused(in_range(PAGE_SIZE, PAGE_SIZE, end, start, GFP_KERNEL,
				PAGE_KERNEL, 0),
		       w, NULL, "start > end");
	cap_reset();
	w = warnings();
	expect_refused(in_range(PAGE_SIZE, PAGE_SIZE, start, start, GFP_KERNEL,
				PAGE_KERNEL, 0),
		       w, NULL, "start == end");
	/* Room for the page but not its guard. */
	cap_reset();
	w = warnings();
	expect_refused(in_range(PAGE_SIZE, PAGE_SIZE, start, start + PAGE_SIZE,
				GFP_KERNEL, PAGE_KERNEL, 0),
		       w, NULL, "no room for the guard");
	cap_reset();
	w = warnings();
	expect_refused(in_range(PAGE_SIZE, PAGE_SIZE, (unsigned long)&stack,
				(unsigned long)&stack + SZ_1M, GFP_KERNEL,
				PAGE_KERNEL, 0),
		       w, NULL, "outside the window");
	cap_reset();
	w = warnings();
	expect_refused(in_range(PAGE_SIZE, 3 * PAGE_SIZE, start, end,
				GFP_KERNEL, PAGE_KERNEL, 0),
		       w, NULL, "align not a power of two");
	/* Larger than the range. */
	cap_reset();
	w = warnings();
	expect_refused(in_range(16 * SZ_1M, PAGE_SIZE, start, end, GFP_KERNEL,
				PAGE_KERNEL, 0),
		       w, "vmalloc", "larger than the range");
	expect_unchanged(before, "bad ranges");
}

static void bad_vfree(bool host, bool lazy)
{
	struct snap mid;
	struct vm_struct *vm;
	unsigned long w, i;
	char *v, *gone;
	int n;
	void *heap = malloc(64);
	void *bad[6];

	boot("mem=64M mmu=%s lazy=%d", backend(host), lazy);
	v = vmalloc(4 * PAGE_SIZE);
	cr_assert_not_null(v);
	area_fill(host, v, 4 * PAGE_SIZE, 4);
	gone = vmalloc(2 * PAGE_SIZE);
	cr_assert_not_null(gone);
	vfree(gone);
	mid = snap();
	vm = find_vm_area(v);

	bad[0] = v + PAGE_SIZE;	    /* inside an area */
	bad[1] = v + 1;		    /* inside its first page */
	bad[2] = v + 4 * PAGE_SIZE; /* its guard page */
	bad[3] = heap;		    /* not vmalloc memory at all */
	bad[4] = (char *)VMALLOC_END - 64 * PAGE_SIZE; /* nothing there */
	bad[5] = gone;				       /* freed already */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_reset();
		w = warnings();
		vfree(bad[i]);
		cr_assert_eq(warnings(), w + 1, "vfree(bad[%lu]): %lu warnings",
			     i, warnings() - w);
		n = cap_find("Trying to vfree() nonexistent vm area", 0);
		cr_assert_geq(n, 0, "bad[%lu]: %s", i, cap.last_warn);
		cr_assert_eq(cap_count(), 1, "bad[%lu]: %d lines", i,
			     cap_count());
		expect_unchanged(mid, "a bad vfree");
	}
	/* The area is as it was. */
	cr_assert_eq(find_vm_area(v), vm);
	expect_area(host, v, 4 * PAGE_SIZE, 4);

	/* vfree(NULL): nothing at all. */
	cap_reset();
	w = warnings();
	vfree(NULL);
	cr_assert_eq(warnings(), w);
	cr_assert_eq(cap_count(), 0, "%s", cap_last());

	/* The double free of a live area's address after its real free. */
	vfree(v);
	cap_reset();
	w = warnings();
	vfree(v);
	cr_assert_eq(warnings(), w + 1);
	cr_assert_geq(cap_find("Trying to vfree() nonexistent vm area", 0), 0);
	purge();
	cap_reset();
	w = warnings();
	vfree(v);
	cr_assert_eq(warnings(), w + 1);
	free(heap);
	expect_all_returned();
}

Test(vm_bad, vfree_host)
{
	bad_vfree(true, true);
}

Test(vm_bad, vfree_soft)
{
	bad_vfree(false, true);
}

Test(vm_bad, vfree_eager_host)
{
	bad_vfree(true, false);
}

Test(vm_bad, vfree_eager_soft)
{
	bad_vfree(false, false);
}

/* -------------------------------------------------------------- failures */

TestSuite(vm_fail, .fini = teardown, .timeout = 300);

/* More than is free, less than RAM: NULL, and every page comes back. */
static void shortage(bool host)
{
	struct snap before, s;
	unsigned long nr;
	void *v;

	boot("mem=16M mmu=%s", backend(host));
	before = snap();
	nr = min(before.free + 64, before.total);
	cap_reset();
	v = vmalloc(nr << PAGE_SHIFT);
	cr_assert_null(v, "vmalloc of %lu pages with %lu free", nr,
		       before.free);
	cr_assert_eq(warnings(), 1, "%s", cap.last_warn);
	cr_assert_geq(cap_find("failed to allocate pages", 0), 0, "%s",
		      cap.last_warn);
	s = snap();
	cr_assert_eq(s.busy, before.busy);
	assert_check();
	/*
	 * The data pages are back at once. With mmu=host the pages array
	 * (over a page) was a vmalloc area of its own: mapped, so it goes
	 * the lazy way, and only the purge returns its pages.
	 */
	if (!host) {
		cr_assert_eq(s.free, before.free, "%lu free, were %lu", s.free,
			     before.free);
		cr_assert_eq(s.tables, before.tables);
	}
	cr_assert_leq(held(s), held(before) + DIV_ROUND_UP(nr * 8, PAGE_SIZE),
		      "%lu pages held after a failed vmalloc", held(s));
	purge();
	s = snap();
	cr_assert_eq(held(s), held(before), "%lu pages held after the purge",
		     held(s));

	/* 14 MiB of 16: whether it fits depends on the reserves. */
	v = vmalloc(14 * SZ_1M);
	if (v) {
		area_fill(host, v, 14 * SZ_1M, 14);
		expect_area(host, v, 14 * SZ_1M, 14);
		vfree(v);
		purge();
	}
	s = snap();
	cr_assert_eq(held(s), 0);

	/* What is free can still be had: most of it in one area. */
	nr = before.free * 3 / 4;
	v = vmalloc(nr << PAGE_SHIFT);
	cr_assert_not_null(v, "%lu pages of %lu free: %s", nr, s.free,
			   cap_last());
	area_fill(host, v, nr << PAGE_SHIFT, 3);
	expect_pattern(host, v, nr << PAGE_SHIFT, 3);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_fail, shortage_host)
{
	shortage(true);
}

Test(vm_fail, shortage_soft)
{
	shortage(false);
}

/*
 * fail_page_alloc: the N-th page allocation fails (a data page, a bulk
 * call, a page of the pages array or a page table): each vmalloc either
 * works or returns NULL with nothing left behind.
 */
static void injected_pages(bool host, unsigned long nr_pages)
{
	unsigned long interval, failed = 0, worked = 0;
	struct uvm_phys_stats ps;

	for (interval = 1; interval <= 20; interval++) {
		struct snap before, last;
		void *v[3];
		int i;

		boot("mem=64M mmu=%s lazy=0 fail_page_alloc=%lu,100,0,1",
		     backend(host), interval);
		before = snap();
		last = before;
		for (i = 0; i < 3; i++) {
			struct snap s;

			v[i] = vmalloc(nr_pages * PAGE_SIZE);
			if (v[i]) {
				area_fill(host, v[i], nr_pages * PAGE_SIZE, i);
				expect_area(host, v[i], nr_pages * PAGE_SIZE,
					    i);
				worked++;
				last = snap();
				continue;
			}
			/* Nothing of the failed call is left. */
			failed++;
			s = snap();
			cr_assert_eq(s.busy, last.busy,
				     "interval %lu: %ld busy", interval,
				     s.busy);
			cr_assert_eq(held(s), held(last),
				     "interval %lu: %lu held, were %lu",
				     interval, held(s), held(last));
			cr_assert_eq(s.lazy, 0, "interval %lu", interval);
			assert_check();
		}
		uvm_phys_stats(&ps);
		cr_assert_leq(ps.injected_failures, 1);
		for (i = 0; i < 3; i++)
			vfree(v[i]);
		expect_all_returned();
		uvm_shutdown();
	}
	cr_assert_gt(failed, 0, "no injected failure hit vmalloc");
	cr_assert_gt(worked, 0);
}

Test(vm_fail, injected_pages_64_host)
{
	injected_pages(true, 64);
}

Test(vm_fail, injected_pages_64_soft)
{
	injected_pages(false, 64);
}

/* 600 pages: the pages array is itself vmalloc'ed. */
Test(vm_fail, injected_pages_600_host)
{
	injected_pages(true, 600);
}

/* Random failures at a high rate, over many sizes. */
static void injected_random(bool host)
{
	struct uvm_phys_stats ps;
	void *v[16] = { NULL };
	unsigned long sz[16] = { 0 }, failed = 0;
	uint64_t seed[16] = { 0 };
	int op, i;

	boot("mem=64M mmu=%s fail_page_alloc=1,20,0,-1", backend(host));
	rng_seed(77);
	for (op = 0; op < 600; op++) {
		i = (int)rng_below(16);
		if (v[i]) {
			expect_area(host, v[i], sz[i], seed[i]);
			vfree(v[i]);
			v[i] = NULL;
			continue;
		}
		sz[i] = 1 + rng_below(700 * PAGE_SIZE);
		seed[i] = rng_next();
		v[i] = vmalloc(sz[i]);
		if (!v[i]) {
			failed++;
			continue;
		}
		area_fill(host, v[i], sz[i], seed[i]);
		if (op % 50 == 0)
			assert_check();
	}
	uvm_phys_stats(&ps);
	cr_assert_gt(ps.injected_failures, 0);
	cr_assert_gt(failed, 0, "no vmalloc failed");
	assert_check();
	for (i = 0; i < 16; i++)
		vfree(v[i]);
	purge();
	expect_all_returned();
}

Test(vm_fail, injected_random_host)
{
	injected_random(true);
}

Test(vm_fail, injected_random_soft)
{
	injected_random(false);
}

/* The host refuses the first mapping: a clean failure, then success. */
Test(vm_fail, host_map)
{
	struct uvm_mmu_stats ms;
	struct snap before, s;
	void *v;

	boot("mem=64M fail_host_map=1,100,0,1");
	before = snap();
	cap_reset();
	v = vmalloc(10 * PAGE_SIZE);
	cr_assert_null(v);
	cr_assert_geq(cap_find("FAULT_INJECTION", 0), 0);
	uvm_mmu_stats(&ms);
	cr_assert_eq(ms.host_failures, 1);
	s = snap();
	cr_assert_eq(s.busy, before.busy);
	assert_check();
	purge();
	s = snap();
	cr_assert_eq(held(s), 0, "%lu pages held after a refused mapping",
		     held(s));
	cr_assert_eq(s.free + s.tables, before.free + before.tables);

	v = vmalloc(10 * PAGE_SIZE);
	cr_assert_not_null(v, "%s", cap_last());
	fill_at(v, 0, 10 * PAGE_SIZE, 10);
	expect_area(true, v, 10 * PAGE_SIZE, 10);
	vfree(v);
	purge();
	expect_all_returned();
}

/* ------------------------------------------------------------ vmallocinfo */

TestSuite(vm_info, .fini = teardown, .timeout = 300);

/*
 * One line: "0x%016lx-0x%016lx %7ld" and the rest; the rest returned in
 * @rest.
 */
static void parse_info_line(const char *line, unsigned long *start,
			    unsigned long *end, long *size, const char **rest)
{
	int n = 0;

	cr_assert_eq(sscanf(line, "0x%16lx-0x%16lx %7ld%n", start, end, size,
			    &n),
		     3, "%s", line);
	cr_assert_eq(n, 2 + 16 + 1 + 2 + 16 + 1 + 7, "fields in %s", line);
	cr_assert_eq(line[1], 'x');
	cr_assert_eq(line[18], '-');
	cr_assert_eq(line[37], ' ');
	cr_assert_eq((unsigned long)*size, *end - *start, "%s", line);
	*rest = line + n;
}

/* The caller field: " name+0xoff/0xlen" naming @fn, or " 0x<addr>". */
static void expect_caller(const char *rest, const char *fn, const char *line)
{
	char name[128];
	unsigned long off, len;

	if (sscanf(rest, " %127[^+ ]+0x%lx/0x%lx ", name, &off, &len) == 3) {
		cr_assert_str_eq(name, fn, "%s", line);
		cr_assert_lt(off, len, "%s", line);
		return;
	}
	cr_assert_eq(strncmp(rest, " 0x", 3), 0, "no caller in %s", line);
}

/*
 * v1 = vmalloc(3 pages), v2 = vmalloc(2 MiB + 1), called from @fn: exactly
 * their lines. The 513 page pointers of v2 take more than a page: with
 * mmu=host they are vmalloc'ed too ("vpages"), a third area of 2 pages
 * with the same caller; with mmu=soft they come from the C heap.
 */
static void info_format(bool host, void *v1, void *v2, const char *fn)
{
	char line[512], *info;
	unsigned long start, end;
	const char *rest;
	long size;
	int lines;

	cr_assert_not_null(v1);
	cr_assert_not_null(v2);
	info = show("vmallocinfo");
	lines = count_lines(info);
	cr_log_info("vmallocinfo:\n%s", info);

	cr_assert(info_line(info, v1, line, sizeof(line)), "%s", info);
	parse_info_line(line, &start, &end, &size, &rest);
	cr_assert_eq(start, (unsigned long)v1);
	cr_assert_eq(size, 4 * 4096);
	cr_assert_eq(strncmp(line + 38, "  16384 ", 8), 0, "%s", line);
	cr_assert_str_eq(strstr(rest, " pages="), " pages=3 vmalloc N0=3", "%s",
			 line);
	expect_caller(rest, fn, line);

	cr_assert(info_line(info, v2, line, sizeof(line)), "%s", info);
	parse_info_line(line, &start, &end, &size, &rest);
	cr_assert_eq(start, (unsigned long)v2);
	cr_assert_eq(size, (513 + 1) * 4096);
	cr_assert_eq(strncmp(line + 38, "2105344 ", 8), 0, "%s", line);
	cr_assert_str_eq(strstr(rest, " pages="),
			 host ? " pages=513 vmalloc vpages N0=513" :
				" pages=513 vmalloc N0=513",
			 "%s", line);
	expect_caller(rest, fn, line);

	if (host) {
		void *pages = find_vm_area(v2)->pages;

		cr_assert_eq(lines, 3, "%d lines:\n%s", lines, info);
		cr_assert(is_vmalloc_addr(pages));
		cr_assert(info_line(info, pages, line, sizeof(line)), "%s",
			  info);
		parse_info_line(line, &start, &end, &size, &rest);
		cr_assert_eq(size, 3 * 4096);
		cr_assert_str_eq(strstr(rest, " pages="),
				 " pages=2 vmalloc N0=2", "%s", line);
		expect_caller(rest, fn, line);
	} else {
		cr_assert_eq(lines, 2, "%d lines:\n%s", lines, info);
	}
	free(info);

	vfree(v1);
	vfree(v2);
	/* Freed, not yet purged: the kernel's lines for lazy areas, last. */
	info = show("vmallocinfo");
	snprintf(line, sizeof(line),
		 "0x%016lx-0x%016lx   16384 unpurged vm_area\n"
		 "0x%016lx-0x%016lx 2105344 unpurged vm_area\n",
		 (unsigned long)v1, (unsigned long)v1 + 16384,
		 (unsigned long)v2, (unsigned long)v2 + 2105344);
	cr_assert_str_eq(info, line, "after vfree:\n%s", info);
	free(info);
	purge();
	info = show("vmallocinfo");
	cr_assert_str_eq(info, "", "after the purge:\n%s", info);
	free(info);
	expect_all_returned();
}

Test(vm_info, format_host)
{
	void *v1, *v2;

	boot("mem=64M");
	v1 = vmalloc(3 * PAGE_SIZE);
	v2 = vmalloc(SZ_2M + 1);
	info_format(true, v1, v2, "vm_info_format_host_impl");
}

Test(vm_info, format_soft)
{
	void *v1, *v2;

	boot("mem=64M mmu=soft");
	v1 = vmalloc(3 * PAGE_SIZE);
	v2 = vmalloc(SZ_2M + 1);
	info_format(false, v1, v2, "vm_info_format_soft_impl");
}

/* Lines come in address order, one per live area. */
Test(vm_info, sorted)
{
	enum {
		N = 30
	};
	unsigned long prev = 0, start, end;
	const char *rest;
	char *info, *p;
	void *v[N];
	long size;
	int i, lines = 0, unpurged = 0;

	boot("mem=64M");
	for (i = 0; i < N; i++) {
		v[i] = vmalloc((unsigned long)(i % 5 + 1) * PAGE_SIZE);
		cr_assert_not_null(v[i]);
	}
	for (i = 0; i < N; i += 3) {
		vfree(v[i]);
		v[i] = NULL;
	}
	/* Live areas by address, then the unpurged ones by address. */
	info = show("vmallocinfo");
	for (p = info; *p; p = strchr(p, '\n') + 1) {
		parse_info_line(p, &start, &end, &size, &rest);
		if (!strncmp(rest, " unpurged vm_area\n", 18)) {
			if (!unpurged++)
				prev = 0;
		} else {
			cr_assert_eq(unpurged, 0, "a live area after %s", p);
			lines++;
		}
		cr_assert_gt(start, prev);
		prev = start;
	}
	cr_assert_eq(lines, N - N / 3);
	cr_assert_eq(unpurged, N / 3);
	free(info);
	for (i = 0; i < N; i++)
		vfree(v[i]);
}

/* __vmalloc_node()'s caller argument is what the line names. */
Test(vm_info, caller)
{
	char line[512], *info;
	const void *me = (const void *)0x1234;
	struct vm_struct *vm;
	void *v;

	boot("mem=64M");
	v = __vmalloc_node(PAGE_SIZE, 1, GFP_KERNEL, NUMA_NO_NODE, me);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert_eq(vm->caller, me);
	info = show("vmallocinfo");
	cr_assert(info_line(info, v, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " 0x1234 ") ?: strstr(line, "0x1234"),
			   "%s", line);
	free(info);
	vfree(v);
}

/* --------------------------------------------------------------- meminfo */

TestSuite(vm_meminfo, .fini = teardown, .timeout = 300);

static void meminfo(bool host)
{
	unsigned long used, total;
	void *v, *w;

	boot("mem=64M mmu=%s", backend(host));
	total = meminfo_kb("VmallocTotal:");
	cr_assert_eq(total, (VMALLOC_END - VMALLOC_START) >> 10);
	cr_assert_eq(meminfo_kb("VmallocChunk:"), 0);
	used = meminfo_kb("VmallocUsed:");
	cr_assert_eq(used, 0);

	v = vmalloc(10 * PAGE_SIZE);
	cr_assert_not_null(v);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used + 10 * 4);
	w = vmalloc(3 * PAGE_SIZE + 1);
	cr_assert_not_null(w);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used + 14 * 4);
	cr_assert_eq(meminfo_kb("VmallocChunk:"), 0);
	cr_assert_eq(meminfo_kb("VmallocTotal:"), total);
	/* As the kernel's count: down at vfree(), not at the purge. */
	vfree(v);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used + 4 * 4);
	purge();
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used + 4 * 4);
	vfree(w);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used);
	purge();
	cr_assert_eq(meminfo_kb("VmallocUsed:"), used);
}

Test(vm_meminfo, host)
{
	meminfo(true);
}

Test(vm_meminfo, soft)
{
	meminfo(false);
}

/* -------------------------------------------------------------- shutdown */

TestSuite(vm_shutdown, .fini = teardown, .timeout = 300);

static void leak_report(bool host)
{
	unsigned long memfree;
	int at, i;
	char *info;
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	memfree = meminfo_kb("MemFree:");
	v = vmalloc(5 * PAGE_SIZE);
	cr_assert_not_null(v);
	area_fill(host, v, 5 * PAGE_SIZE, 5);
	cr_assert_not_null(vmalloc(PAGE_SIZE));
	cap_reset();
	uvm_shutdown();
	at = cap_find("leak", 0);
	cr_assert_geq(at, 0, "no leak report: %s", cap_last());
	/* One line per area, naming its size. */
	cr_assert(strstr(cap_line(at), "20480") ||
			  strstr(cap_line(at), "24576") ||
			  strstr(cap_line(at), "8192"),
		  "%s", cap_line(at));
	cr_assert_geq(cap_find("leak", at + 1), 0);
	cr_assert_lt(cap_find("leak", cap_find("leak", at + 1) + 1), 0);
	for (i = 0; i < cap_count(); i++)
		cr_log_info("%s", cap_line(i));

	boot("mem=64M mmu=%s", backend(host));
	cr_assert_eq(meminfo_kb("MemFree:"), memfree);
	cr_assert_eq(meminfo_kb("VmallocUsed:"), 0);
	info = show("vmallocinfo");
	cr_assert_eq(info[0], '\0', "%s", info);
	free(info);
	v = vmalloc(5 * PAGE_SIZE);
	cr_assert_not_null(v);
	area_fill(host, v, 5 * PAGE_SIZE, 6);
	expect_area(host, v, 5 * PAGE_SIZE, 6);
	vfree(v);
	purge();
	expect_all_returned();

	/* Nothing live, nothing reported (lazy areas are no leak). */
	v = vmalloc(PAGE_SIZE);
	vfree(v);
	cap_reset();
	uvm_shutdown();
	cr_assert_lt(cap_find("leak", 0), 0, "%s", cap_last());
}

Test(vm_shutdown, leak_host)
{
	leak_report(true);
}

Test(vm_shutdown, leak_soft)
{
	leak_report(false);
}

/* ---------------------------------------------------------------- random */

TestSuite(vm_random, .fini = teardown, .timeout = 300);

#define SLOTS 32

struct slot {
	char *v;
	unsigned long size;
	uint64_t seed; /* ZEROS: as vzalloc() returned it */
};

static void random_run(const char *cmdline, bool host, int ops,
		       unsigned long max_pages)
{
	struct slot s[SLOTS] = { 0 };
	struct snap boot_snap, now;
	unsigned long allocs = 0, frees = 0;
	int op, i;

	boot("mem=64M mmu=%s %s", backend(host), cmdline);
	boot_snap = snap();
	rng_seed(0x5eed + (uint64_t)ops + max_pages);
	for (op = 0; op < ops; op++) {
		struct slot *sl = &s[rng_below(SLOTS)];

		if (sl->v) {
			expect_pattern(host, sl->v, sl->size, sl->seed);
			cr_assert_eq(find_vm_area(sl->v)->addr, sl->v);
			vfree(sl->v);
			sl->v = NULL;
			frees++;
		} else {
			unsigned long pages = 1 + rng_below(max_pages);
			bool zeroed = rng_below(4) == 0;

			sl->size = pages * PAGE_SIZE - rng_below(PAGE_SIZE);
			sl->v = zeroed ? vzalloc(sl->size) : vmalloc(sl->size);
			cr_assert_not_null(sl->v, "op %d: %lu bytes: %s", op,
					   sl->size, cap_last());
			sl->seed = ZEROS;
			if (zeroed)
				expect_pattern(host, sl->v, sl->size, ZEROS);
			if (!zeroed || rng_below(2)) {
				sl->seed = rng_next() >> 1;
				area_fill(host, sl->v, sl->size, sl->seed);
			}
			allocs++;
		}
		if (op % 200 == 199) {
			assert_check();
			for (i = 0; i < SLOTS; i++)
				if (s[i].v)
					expect_area(host, s[i].v, s[i].size,
						    s[i].seed);
		}
	}
	for (i = 0; i < SLOTS; i++)
		vfree(s[i].v);
	purge();
	now = snap();
	cr_assert_eq(now.free + now.tables, boot_snap.free + boot_snap.tables);
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	cr_log_info("%s %s: %lu vmalloc, %lu vfree", backend(host), cmdline,
		    allocs, frees);
}

Test(vm_random, host_eager)
{
	random_run("lazy=0", true, 2000, 300);
}

Test(vm_random, soft_eager)
{
	random_run("lazy=0", false, 2000, 300);
}

Test(vm_random, host_lazy)
{
	random_run("lazy=1", true, 2000, 300);
}

Test(vm_random, soft_lazy)
{
	random_run("lazy=1", false, 2000, 300);
}

Test(vm_random, host_small_threshold)
{
	random_run("lazy=1 lazy_max_pages=512", true, 2000, 300);
}

Test(vm_random, list)
{
	random_run("kva=list", true, 600, 64);
}

Test(vm_random, rbtree)
{
	random_run("kva=rbtree", true, 600, 64);
}

Test(vm_random, no_pools)
{
	random_run("vmap_pools=0 vmap_nodes=3", true, 600, 64);
}

Test(vm_random, numa)
{
	random_run("numa=4", true, 600, 64);
}

Test(vm_random, poison)
{
	random_run("page_poison=1 lazy_max_pages=512", true, 600, 64);
}

Test(vm_random, debug_vm)
{
	random_run("debug_vm=3", true, 200, 64);
}

Test(vm_random, levels_5_soft)
{
	random_run("pgtable_levels=5", false, 600, 300);
}
