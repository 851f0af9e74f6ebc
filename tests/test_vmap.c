/* SPDX-License-Identifier: MIT */
/*
 * Tests of mapping what the caller owns and of virtual space alone
 * (src/vmalloc/vmap.c, src/vmalloc/pcpu.c), on both mmu backends:
 *
 *  - vmap(): the pages' bytes through the mapping and the direct map,
 *    both ways; vmalloc_to_page() for every page; the guard page faults;
 *    vunmap() leaves the caller's pages alone;
 *  - the ring buffer: the same pages mapped twice back to back, so that a
 *    write across the end of the first copy lands at its start;
 *  - VM_MAP_PUT_PAGES: the area takes the pages and the array, and gives
 *    them back at the purge after vunmap() or vfree();
 *  - vmap_pfn(): raw frames, in RAM and beyond it;
 *  - get_vm_area() and friends: sizes with the guard page, VM_IOREMAP
 *    alignment, sub-ranges, map_vm_area(), remove_vm_area() and
 *    free_vm_area();
 *  - pcpu_get_vm_areas(): congruent areas at the top of the window, around
 *    busy ranges, freed again;
 *  - vmallocinfo: the vmap, ioremap, phys= and pages= fields;
 *  - bad input: exactly one warning each, nothing changed, uvm_check()
 *    clean; injected host-mapping and page-allocation failures roll back
 *    whole.
 *
 * Criterion runs each test in a process of its own; each boots the
 * instance it needs and shuts it down in its .fini.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <signal.h>
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

#define SZ_64K (64UL << 10)
#define SZ_4M (4UL << 20)
#define SZ_8M (8UL << 20)

/* ------------------------------------------------------------- helpers */

/* The vmallocinfo line of the area at @addr, copied into @line. */
static bool area_line(const void *addr, char *line, size_t len)
{
	char *info = show("vmallocinfo");
	bool found = info_line(info, addr, line, len);

	if (!found)
		cr_log_info("no line for %p in:\n%s", addr, info);
	free(info);
	return found;
}

/* Exactly one warning since @w, containing @text (if given). */
static void expect_one_warning(unsigned long w, const char *text,
			       const char *what)
{
	cr_assert_eq(warnings(), w + 1, "%s: %lu warnings, the last: %s", what,
		     warnings() - w, cap.last_warn);
	if (text)
		cr_assert_geq(cap_find(text, 0), 0, "%s: no \"%s\" in: %s",
			      what, text, cap.last_warn);
}

/*
 * Write bytes [@base, @base + @n) of pattern @seed at @v (@base % 8 == 0):
 * by pointer with mmu=host, through vwrite() with mmu=soft.
 */
static void win_fill(bool host, void *v, unsigned long base, unsigned long n,
		     uint64_t seed)
{
	char *buf;

	if (host) {
		fill_at(v, base, n, seed);
		return;
	}
	buf = malloc(n);
	cr_assert_not_null(buf);
	fill_at(buf, base, n, seed);
	cr_assert_eq(vwrite(buf, v, n), (long)n);
	free(buf);
}

/*
 * @v holds bytes [@base, @base + @n) of pattern @seed (@base % 8 == 0): by
 * pointer (host) and through vread() (both).
 */
static void expect_at(bool host, const void *v, unsigned long base,
		      unsigned long n, uint64_t seed)
{
	char *buf;
	long off;

	if (host) {
		off = mismatch_at(v, base, n, seed);
		cr_assert_eq(off, -1, "%p+%#lx differs, by pointer", v, off);
	}
	buf = area_copy(v, n);
	off = mismatch_at(buf, base, n, seed);
	free(buf);
	cr_assert_eq(off, -1, "%p+%#lx differs, through vread", v, off);
}

/* --------------------------------------------------------------- pages */

/* @nr order-0 pages, each filled with its page of pattern @seed. */
static void get_pages(struct page **pages, unsigned long nr, uint64_t seed)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 0);
		cr_assert_not_null(pages[i], "page %lu: %s", i, cap_last());
		fill_at(page_address(pages[i]), i * PAGE_SIZE, PAGE_SIZE, seed);
	}
}

static void put_pages(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		__free_pages(pages[i], 0);
}

/*
 * 2 * @nr pages of one block (order @order), split; @pages gets every
 * second one, so that no two neighbours in it are physically contiguous
 * (each is a host mapping of its own); @all gets them all, for freeing.
 */
static void get_scattered(struct page **pages, struct page **all,
			  unsigned long nr, unsigned int order)
{
	struct page *block = NULL;
	unsigned long i;
	int tries;

	cr_assert_eq(2 * nr, 1UL << order);
	/* An injected failure may hit this allocation: try again. */
	for (tries = 0; tries < 3 && !block; tries++)
		block = alloc_pages(GFP_KERNEL, order);
	cr_assert_not_null(block, "%s", cap_last());
	split_page(block, order);
	for (i = 0; i < 2 * nr; i++)
		all[i] = pfn_to_page(page_to_pfn(block) + i);
	for (i = 0; i < nr; i++) {
		pages[i] = all[2 * i];
		fill_at(page_address(pages[i]), i * PAGE_SIZE, PAGE_SIZE, 40);
	}
}

/* ------------------------------------------------------------ vmap() */

TestSuite(vmap, .fini = teardown, .timeout = 300);

/*
 * The pages' bytes show through the mapping, and bytes written through
 * the mapping show in the direct map; vunmap() leaves the pages alone.
 */
static void contents(bool host)
{
	enum {
		N = 37
	};
	struct page *pages[N];
	struct vm_struct *vm;
	unsigned long i;
	char line[512];
	char *v;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, N, 1);
	v = vmap(pages, N, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	cr_assert(PAGE_ALIGNED(v));
	cr_assert(is_vmalloc_addr(v));
	cr_assert(is_vmalloc_addr(v + N * PAGE_SIZE - 1));

	vm = find_vm_area(v);
	cr_assert_not_null(vm);
	cr_assert_eq(vm->addr, v);
	cr_assert_eq(find_vm_area(v + N * PAGE_SIZE - 1), vm);
	cr_assert_eq(vm->size, (N + 1) * PAGE_SIZE, "size %#lx", vm->size);
	cr_assert_eq(get_vm_area_size(vm), N * PAGE_SIZE);
	cr_assert_eq(vm->flags, VM_MAP, "flags %#lx", vm->flags);
	/* As the kernel's: only VM_MAP_PUT_PAGES areas record their pages. */
	cr_assert_null(vm->pages);
	cr_assert_eq(vm->nr_pages, 0);
	cr_assert_not_null(vm->caller);

	expect_at(host, v, 0, N * PAGE_SIZE, 1);
	for (i = 0; i < N; i++) {
		char *p = v + i * PAGE_SIZE;

		cr_assert_eq(vmalloc_to_page(p), pages[i], "page %lu", i);
		cr_assert_eq(vmalloc_to_page(p + PAGE_SIZE - 1), pages[i]);
		cr_assert_eq(vmalloc_to_pfn(p + 77), page_to_pfn(pages[i]));
	}
	cr_assert_null(vmalloc_to_page(v + N * PAGE_SIZE), "the guard page");

	/* The other way: written through the mapping, seen in the pages. */
	win_fill(host, v, 0, N * PAGE_SIZE, 2);
	for (i = 0; i < N; i++)
		cr_assert_eq(mismatch_at(page_address(pages[i]), i * PAGE_SIZE,
					 PAGE_SIZE, 2),
			     -1, "page %lu", i);

	cr_assert(area_line(v, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " vmap"), "%s", line);
	cr_assert_null(strstr(line, " vmalloc"), "%s", line);
	cr_assert_null(strstr(line, "pages="), "%s", line);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);

	vunmap(v);
	cr_assert_null(find_vm_area(v));
	cr_assert_null(vmalloc_to_page(v));
	/* The pages are still the caller's, bytes and all. */
	for (i = 0; i < N; i++) {
		cr_assert_eq(page_count(pages[i]), 1, "page %lu", i);
		cr_assert_eq(mismatch_at(page_address(pages[i]), i * PAGE_SIZE,
					 PAGE_SIZE, 2),
			     -1);
	}
	assert_check();
	purge();
	put_pages(pages, N);
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmap, contents_host)
{
	contents(true);
}

Test(vmap, contents_soft)
{
	contents(false);
}

/* vfree() of a vmap() area is a vunmap(), as in the kernel. */
static void vfree_of_vmap(bool host)
{
	struct page *pages[3];
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 3, 3);
	v = vmap(pages, 3, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v);
	vfree(v);
	cr_assert_null(find_vm_area(v));
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	purge();
	cr_assert_eq(page_count(pages[0]), 1);
	put_pages(pages, 3);
	expect_all_returned();
}

Test(vmap, vfree_host)
{
	vfree_of_vmap(true);
}

Test(vmap, vfree_soft)
{
	vfree_of_vmap(false);
}

/* ---------------------------------------------------------- ring buffer */

TestSuite(vmap_ring, .fini = teardown, .timeout = 300);

#define RING 8

/*
 * p0..p7 mapped twice in a row: the bytes at +x and +x + 8 pages are one
 * byte, so a write running off the end of the first copy continues at its
 * start, with no wrap-around in the writer.
 */
static void ring_check(bool host, char *v, struct page **pages)
{
	const unsigned long ring = RING * PAGE_SIZE;
	const unsigned long off = ring - 1000, len = 3000;
	unsigned long i;
	char *a, *b;

	for (i = 0; i < 2 * RING; i++)
		cr_assert_eq(vmalloc_to_page(v + i * PAGE_SIZE),
			     pages[i % RING], "page %lu", i);
	cr_assert_null(vmalloc_to_page(v + 2 * ring));

	/* Across the end of the first copy... */
	win_fill(host, v + off, 0, len, 9);
	expect_at(host, v + off, 0, len, 9);
	/* ...is across the end of the ring into its start. */
	expect_at(host, v, 1000, len - 1000, 9);
	expect_at(host, v + ring + off, 0, 1000, 9);
	cr_assert_eq(mismatch_at(page_address(pages[0]), 1000, len - 1000, 9),
		     -1);
	cr_assert_eq(mismatch_at((char *)page_address(pages[RING - 1]) +
					 PAGE_SIZE - 1000,
				 0, 1000, 9),
		     -1);

	/* Both copies read the same, byte for byte. */
	a = area_copy(v, ring);
	b = area_copy(v + ring, ring);
	cr_assert_eq(memcmp(a, b, ring), 0);
	free(a);
	free(b);
	if (host)
		cr_assert_eq(memcmp(v, v + ring, ring), 0);
}

static void ring(bool host)
{
	struct page *pages[RING], *twice[2 * RING];
	unsigned long i;
	char *v;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, RING, 8);
	for (i = 0; i < 2 * RING; i++)
		twice[i] = pages[i % RING];
	v = vmap(twice, 2 * RING, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	cr_assert_eq(find_vm_area(v)->size, (2 * RING + 1) * PAGE_SIZE);
	ring_check(host, v, pages);
	assert_check();
	vunmap(v);
	purge();
	put_pages(pages, RING);
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmap_ring, host)
{
	ring(true);
}

Test(vmap_ring, soft)
{
	ring(false);
}

/*
 * The ring handed over with VM_MAP_PUT_PAGES: each entry is a reference,
 * so each page carries two, and both go at the purge.
 */
static void ring_put(bool host)
{
	struct page *pages[RING], **twice;
	struct snap before;
	unsigned long i;
	char *v;

	boot("mem=64M mmu=%s", backend(host));
	before = snap();
	get_pages(pages, RING, 8);
	twice = kvmalloc(2 * RING * sizeof(*twice), GFP_KERNEL);
	cr_assert_not_null(twice);
	for (i = 0; i < 2 * RING; i++) {
		twice[i] = pages[i % RING];
		if (i >= RING)
			get_page(pages[i % RING]);
	}
	v = vmap(twice, 2 * RING, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	ring_check(host, v, pages);
	assert_check();
	vunmap(v);
	purge();
	cr_assert_eq(held(snap()), held(before));
	expect_all_returned();
	cr_assert_eq(cap_count(), 0, "%s", cap_last());
}

Test(vmap_ring, put_pages_host)
{
	ring_put(true);
}

Test(vmap_ring, put_pages_soft)
{
	ring_put(false);
}

/* ---------------------------------------------------------- guard pages */

TestSuite(vmap_guard, .fini = teardown, .timeout = 300);

Test(vmap_guard, after_vmap, .signal = SIGSEGV)
{
	struct page *pages[3];
	char *v;

	boot("mem=64M");
	get_pages(pages, 3, 5);
	v = vmap(pages, 3, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v);
	v[3 * PAGE_SIZE - 1] = 1;
	cr_assert_eq(pat_byte(5, 0), (uint8_t)v[0]);
	*(volatile char *)(v + 3 * PAGE_SIZE) = 1;
	cr_assert_fail("wrote the guard page after a vmap() area");
}

Test(vmap_guard, after_map_vm_area, .signal = SIGSEGV)
{
	struct page *pages[2];
	struct vm_struct *area;
	char *v;

	boot("mem=64M");
	get_pages(pages, 2, 6);
	area = get_vm_area(2 * PAGE_SIZE, 0);
	cr_assert_not_null(area);
	cr_assert_eq(map_vm_area(area, PAGE_KERNEL, pages), 0, "%s",
		     cap_last());
	v = area->addr;
	v[2 * PAGE_SIZE - 1] = 1;
	*(volatile char *)(v + 2 * PAGE_SIZE) = 1;
	cr_assert_fail("wrote the guard page after map_vm_area()");
}

/* Soft: the guard reads as zeros and takes no bytes. */
Test(vmap_guard, soft)
{
	struct page *pages[2];
	char buf[64];
	char *v;

	boot("mem=64M mmu=soft");
	get_pages(pages, 2, 6);
	v = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v);
	memset(buf, 0x77, sizeof(buf));
	cr_assert_eq(vwrite(buf, v + 2 * PAGE_SIZE, sizeof(buf)), 0);
	cr_assert_eq(vread(buf, v + 2 * PAGE_SIZE, sizeof(buf)),
		     (long)sizeof(buf));
	cr_assert_eq(first_nonzero(buf, sizeof(buf)), -1);
	vunmap(v);
	purge();
	put_pages(pages, 2);
	expect_all_returned();
}

/* remove_vm_area() unmaps from the host at once, not at the purge. */
Test(vmap_guard, removed_at_once, .signal = SIGSEGV)
{
	struct page *pages[2];
	struct vm_struct *area;
	char *v;

	boot("mem=64M lazy=1 lazy_max_pages=1000000");
	get_pages(pages, 2, 6);
	area = get_vm_area(2 * PAGE_SIZE, 0);
	cr_assert_not_null(area);
	cr_assert_eq(map_vm_area(area, PAGE_KERNEL, pages), 0);
	v = area->addr;
	cr_assert_eq((uint8_t)v[5], pat_byte(6, 5));
	cr_assert_eq(remove_vm_area(v), area);
	(void)*(volatile char *)v;
	cr_assert_fail("read a removed area before any purge");
}

/* ------------------------------------------------- VM_MAP_PUT_PAGES */

TestSuite(vmap_put, .fini = teardown, .timeout = 300);

/*
 * The area takes the pages and the kvmalloc()'d array: they stay allocated
 * until the purge after the unmap (the safety rule), then all come back.
 * @nr past 1024 makes the array vmalloc memory itself.
 */
static void put_pages_freed(bool host, unsigned long nr, bool by_vfree,
			    const char *extra)
{
	struct page **pages, *first;
	struct snap before, s;
	struct vm_struct *vm;
	char line[512], want[64];
	char *v;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=1000000 %s", backend(host),
	     extra);
	before = snap();
	pages = kvmalloc(nr * sizeof(*pages), GFP_KERNEL);
	cr_assert_not_null(pages);
	cr_assert_eq(is_vmalloc_addr(pages), nr * sizeof(*pages) > 2 * 4096);
	get_pages(pages, nr, 11);
	v = vmap(pages, (unsigned int)nr, VM_MAP | VM_MAP_PUT_PAGES,
		 PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	vm = find_vm_area(v);
	cr_assert_eq(vm->pages, pages);
	cr_assert_eq(vm->nr_pages, nr);
	cr_assert_eq(vm->flags & (VM_MAP | VM_MAP_PUT_PAGES | VM_ALLOC),
		     VM_MAP | VM_MAP_PUT_PAGES, "flags %#lx", vm->flags);
	expect_at(host, v, 0, nr * PAGE_SIZE, 11);

	cr_assert(area_line(v, line, sizeof(line)));
	snprintf(want, sizeof(want), " pages=%lu vmap%s N0=%lu", nr,
		 is_vmalloc_addr(pages) ? " vpages" : "", nr);
	cr_assert_not_null(strstr(line, want), "%s", line);
	assert_check();

	/* The array is the area's now: freeing it is refused. */
	if (is_vmalloc_addr(pages)) {
		unsigned long w = warnings();

		kvfree(pages);
		expect_one_warning(w, "nonexistent", "kvfree of a taken array");
		cr_assert_eq(find_vm_area(v), vm);
		assert_check();
		cap_reset();
	}

	first = pages[0];
	if (by_vfree)
		vfree(v);
	else
		vunmap(v);
	cr_assert_null(find_vm_area(v));
	s = snap();
	if (strstr(extra, "kva=list") || strstr(extra, "lazy=0")) {
		/* Frees are immediate: all of it is back already. */
		cr_assert_eq(held(s), held(before), "%lu held, %lu before",
			     held(s), held(before));
	} else {
		/* Not yet: the host may still map them until the purge. */
		cr_assert_geq(held(s), held(before) + nr,
			      "%lu held, %lu before", held(s), held(before));
		cr_assert_eq(page_count(first), 1);
	}
	purge();
	cr_assert_eq(held(snap()), held(before));
	expect_all_returned();
	cr_assert_eq(cap_count(), 0, "%s", cap_last());
}

Test(vmap_put, vunmap_host)
{
	put_pages_freed(true, 20, false, "");
}

Test(vmap_put, vunmap_soft)
{
	put_pages_freed(false, 20, false, "");
}

Test(vmap_put, vfree_host)
{
	put_pages_freed(true, 20, true, "");
}

Test(vmap_put, vfree_soft)
{
	put_pages_freed(false, 20, true, "");
}

/* A vmalloc'ed array (kvmalloc() past two pages) goes with its area. */
Test(vmap_put, large_array_host)
{
	put_pages_freed(true, 1500, false, "");
}

/* The same where frees are immediate (2.6.12), and in the rbtree era. */
Test(vmap_put, large_array_list)
{
	put_pages_freed(true, 1500, true, "kva=list");
}

Test(vmap_put, large_array_rbtree)
{
	put_pages_freed(true, 1500, false, "kva=rbtree");
}

/* lazy=0: the purge runs inside vunmap() itself. */
Test(vmap_put, large_array_eager)
{
	put_pages_freed(true, 1500, false, "lazy=0");
}

/*
 * Left mapped at shutdown: one leak line, for the area (its vmalloc'ed
 * array goes with it, after it), and every page comes back.
 */
Test(vmap_put, leak_at_shutdown)
{
	struct page **pages;
	unsigned long nr = 1500;
	int at;

	boot("mem=64M");
	pages = kvmalloc(nr * sizeof(*pages), GFP_KERNEL);
	cr_assert_not_null(pages);
	get_pages(pages, nr, 3);
	cr_assert_not_null(vmap(pages, (unsigned int)nr,
				VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL));
	cap_reset();
	uvm_shutdown();
	at = cap_find("leak", 0);
	cr_assert_geq(at, 0, "no leak report: %s", cap_last());
	cr_assert_not_null(strstr(cap_line(at), "6148096"), "%s", cap_line(at));
	cr_assert_lt(cap_find("leak", at + 1), 0, "%s", cap_last());
}

/*
 * A failed vmap() takes nothing: the pages and the array stay the
 * caller's (here the host refuses the mapping), and the same call can be
 * made again.
 */
Test(vmap_put, failure_keeps_pages)
{
	struct page **pages;
	struct snap before;
	char *v;

	boot("mem=64M fail_host_map=1,100,0,1");
	pages = kvmalloc(4 * sizeof(*pages), GFP_KERNEL);
	cr_assert_not_null(pages);
	get_pages(pages, 4, 2);
	before = snap();
	cr_assert_null(vmap(pages, 4, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL));
	expect_same_held(before, "failed VM_MAP_PUT_PAGES");
	cr_assert_eq(page_count(pages[3]), 1);
	cr_assert_eq(mismatch_at(page_address(pages[3]), 3 * PAGE_SIZE,
				 PAGE_SIZE, 2),
		     -1);
	v = vmap(pages, 4, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	expect_at(true, v, 0, 4 * PAGE_SIZE, 2);
	vunmap(v);
	purge();
	expect_all_returned();
}

/* ------------------------------------------------------------ vmap_pfn() */

TestSuite(vmap_pfn, .fini = teardown, .timeout = 300);

/*
 * Frames of RAM map as pages do (allocated ones here); a frame beyond RAM
 * is in the tables only: vmalloc_to_pfn() finds it, nothing reads it.
 */
static void pfns(bool host)
{
	enum {
		N = 5
	};
	unsigned long pfn[N], beyond;
	struct page *pages[4];
	struct vm_struct *vm;
	char line[512], *v, *buf;
	int i;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 4, 0);
	beyond = totalram_pages() + 7;
	for (i = 0; i < 4; i++) {
		fill_at(page_address(pages[i]), 0, PAGE_SIZE, 20 + i);
		pfn[i < 2 ? i : i + 1] = page_to_pfn(pages[i]);
	}
	pfn[2] = beyond;
	v = vmap_pfn(pfn, N, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	vm = find_vm_area(v);
	cr_assert_not_null(vm);
	cr_assert_eq(vm->flags, VM_IOREMAP, "flags %#lx", vm->flags);
	cr_assert_eq(vm->size, (N + 1) * PAGE_SIZE);
	/* 5 pages round up to 8: VM_IOREMAP aligns to 32 KiB. */
	cr_assert_eq((unsigned long)v & (8 * PAGE_SIZE - 1), 0, "%p", v);
	cr_assert_null(vm->pages);
	cr_assert_eq(vm->phys_addr, 0);

	for (i = 0; i < N; i++) {
		cr_assert_eq(vmalloc_to_pfn(v + i * PAGE_SIZE + 3), pfn[i],
			     "page %d", i);
		if (i != 2) {
			cr_assert_eq(vmalloc_to_page(v + i * PAGE_SIZE),
				     pfn_to_page(pfn[i]));
			expect_at(host, v + i * PAGE_SIZE, 0, PAGE_SIZE,
				  20 + (i < 2 ? i : i - 1));
		}
	}
	cr_assert_null(vmalloc_to_page(v + 2 * PAGE_SIZE));
	/* Beyond RAM: reads as zeros, takes no writes. */
	buf = area_copy(v + 2 * PAGE_SIZE, PAGE_SIZE);
	cr_assert_eq(first_nonzero(buf, PAGE_SIZE), -1);
	memset(buf, 1, PAGE_SIZE);
	cr_assert_eq(vwrite(buf, v + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	free(buf);
	/* Written through the mapping, seen in the page. */
	win_fill(host, v + 4 * PAGE_SIZE, 0, PAGE_SIZE, 30);
	cr_assert_eq(mismatch_at(page_address(pages[3]), 0, PAGE_SIZE, 30), -1);

	cr_assert(area_line(v, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " ioremap"), "%s", line);
	cr_assert_null(strstr(line, "phys="), "%s", line);
	cr_assert_null(strstr(line, "pages="), "%s", line);
	assert_check();

	vunmap(v);
	cr_assert_null(find_vm_area(v));
	purge();
	for (i = 0; i < 4; i++)
		cr_assert_eq(page_count(pages[i]), 1);
	put_pages(pages, 4);
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmap_pfn, host)
{
	pfns(true);
}

Test(vmap_pfn, soft)
{
	pfns(false);
}

/* With mmu=host a frame beyond RAM leaves its page inaccessible. */
Test(vmap_pfn, beyond_ram_faults, .signal = SIGSEGV)
{
	unsigned long pfn[2];
	struct page *page;
	char *v;

	boot("mem=64M");
	page = alloc_pages(GFP_KERNEL, 0);
	cr_assert_not_null(page);
	pfn[0] = page_to_pfn(page);
	pfn[1] = totalram_pages() + 100;
	v = vmap_pfn(pfn, 2, PAGE_KERNEL);
	cr_assert_not_null(v);
	v[0] = 1;
	(void)*(volatile char *)(v + PAGE_SIZE);
	cr_assert_fail("read a frame beyond RAM");
}

/* ---------------------------------------------------------- get_vm_area */

TestSuite(vm_area, .fini = teardown, .timeout = 300);

/* A range well inside the window, 1 MiB-aligned, for sub-range tests. */
static unsigned long range_base(void)
{
	return ALIGN_UP(VMALLOC_START + 256 * SZ_1M, SZ_1M);
}

static void sizes(bool host)
{
	static const unsigned long sz[] = { 1,
					    PAGE_SIZE - 1,
					    PAGE_SIZE,
					    PAGE_SIZE + 1,
					    5 * PAGE_SIZE,
					    5 * PAGE_SIZE + 3,
					    SZ_1M };
	struct vm_struct *vm[ARRAY_SIZE(sz)], *ng;
	unsigned long i;
	char *buf;

	boot("mem=64M mmu=%s", backend(host));
	for (i = 0; i < ARRAY_SIZE(sz); i++) {
		unsigned long len = PAGE_ALIGN(sz[i]);
		char *a;

		vm[i] = get_vm_area(sz[i], 0);
		cr_assert_not_null(vm[i], "get_vm_area(%lu): %s", sz[i],
				   cap_last());
		a = vm[i]->addr;
		cr_assert(PAGE_ALIGNED(a));
		cr_assert(is_vmalloc_addr(a));
		cr_assert_eq(vm[i]->size, len + PAGE_SIZE, "size %#lx for %lu",
			     vm[i]->size, sz[i]);
		cr_assert_eq(get_vm_area_size(vm[i]), len);
		cr_assert_eq(vm[i]->requested_size, sz[i]);
		cr_assert_eq(vm[i]->flags, 0);
		cr_assert_null(vm[i]->pages);
		cr_assert_not_null(vm[i]->caller);
		cr_assert_eq(find_vm_area(a), vm[i]);
		cr_assert_eq(find_vm_area(a + len - 1), vm[i]);
		cr_assert_eq(find_vm_area(a + len), vm[i], "the guard page");
		/* Virtual space only: nothing is mapped. */
		cr_assert_null(vmalloc_to_page(a));
		buf = area_copy(a, len);
		cr_assert_eq(first_nonzero(buf, len), -1);
		free(buf);
	}
	/* VM_NO_GUARD: the size is the pages alone. */
	ng = get_vm_area(3 * PAGE_SIZE, VM_NO_GUARD);
	cr_assert_not_null(ng);
	cr_assert_eq(ng->size, 3 * PAGE_SIZE);
	cr_assert_eq(get_vm_area_size(ng), 3 * PAGE_SIZE);
	/* get_vm_area_caller() records the caller it is given. */
	free_vm_area(vm[0]);
	vm[0] = get_vm_area_caller(PAGE_SIZE, VM_USERMAP, (void *)0x1234);
	cr_assert_not_null(vm[0]);
	cr_assert_eq(vm[0]->caller, (void *)0x1234);
	assert_check();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);

	for (i = 0; i < ARRAY_SIZE(sz); i++) {
		void *a = vm[i]->addr;

		free_vm_area(vm[i]);
		cr_assert_null(find_vm_area(a));
	}
	free_vm_area(ng);
	free_vm_area(NULL);
	purge();
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vm_area, sizes_host)
{
	sizes(true);
}

Test(vm_area, sizes_soft)
{
	sizes(false);
}

/*
 * VM_IOREMAP aligns to the size rounded up to a power of two, between a
 * page and 128 pages. Each request gets a fresh empty sub-range starting
 * one page past a 1 MiB boundary, so that the address found is exactly
 * the first one aligned as expected: more alignment would show.
 */
Test(vm_area, ioremap_align)
{
	static const struct {
		unsigned long pages, align;
	} c[] = {
		{ 1, PAGE_SIZE },	  { 2, 2 * PAGE_SIZE },
		{ 3, 4 * PAGE_SIZE },	  { 4, 4 * PAGE_SIZE },
		{ 5, 8 * PAGE_SIZE },	  { 9, 16 * PAGE_SIZE },
		{ 100, 128 * PAGE_SIZE }, { 128, 128 * PAGE_SIZE },
		{ 129, 128 * PAGE_SIZE }, { 1000, 128 * PAGE_SIZE },
	};
	struct vm_struct *vm, *plain;
	unsigned long i, start, end;

	boot("mem=64M");
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		start = range_base() + 2 * i * SZ_8M + PAGE_SIZE;
		end = start + SZ_8M - 2 * PAGE_SIZE;
		vm = __get_vm_area_caller(c[i].pages * PAGE_SIZE, VM_IOREMAP,
					  start, end, (void *)0x10);
		cr_assert_not_null(vm, "%lu pages: %s", c[i].pages, cap_last());
		cr_assert_eq((unsigned long)vm->addr,
			     ALIGN_UP(start, c[i].align),
			     "%lu pages at %p, want alignment %#lx", c[i].pages,
			     vm->addr, c[i].align);
		cr_assert_eq(vm->size, (c[i].pages + 1) * PAGE_SIZE);
		cr_assert_eq(vm->flags, VM_IOREMAP);
		/* Without VM_IOREMAP, a page is enough: the next 8 MiB. */
		plain = __get_vm_area_caller(c[i].pages * PAGE_SIZE, 0,
					     start + SZ_8M, end + SZ_8M,
					     (void *)0x10);
		cr_assert_not_null(plain, "%s", cap_last());
		cr_assert_eq((unsigned long)plain->addr, start + SZ_8M);
		free_vm_area(vm);
		free_vm_area(plain);
	}
	purge();
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

/* A sub-range holds what fits in it, guard pages included, and no more. */
static void sub_range(bool host)
{
	struct vm_struct *vm[8];
	unsigned long start, end, w, a;
	int i, n;

	boot("mem=64M mmu=%s", backend(host));
	start = range_base() + PAGE_SIZE;
	end = start + SZ_4M;
	for (n = 0; n < 8; n++) {
		w = warnings();
		vm[n] = __get_vm_area_caller(SZ_1M, 0, start, end,
					     (void *)0x4321);
		if (!vm[n])
			break;
		a = (unsigned long)vm[n]->addr;
		cr_assert(a >= start && a + vm[n]->size <= end,
			  "%#lx+%#lx outside %#lx-%#lx", a, vm[n]->size, start,
			  end);
		cr_assert_eq(vm[n]->caller, (void *)0x4321);
	}
	/* 4 MiB holds three areas of 1 MiB + a guard page. */
	cr_assert_eq(n, 3, "%d areas", n);
	expect_one_warning(w, "vmalloc", "the fourth area");
	assert_check();
	for (i = 0; i < n; i++)
		free_vm_area(vm[i]);
	purge();

	/* Without guard pages they abut: four of them. */
	for (n = 0; n < 4; n++) {
		vm[n] = __get_vm_area_caller(SZ_1M, VM_NO_GUARD, start, end,
					     (void *)0x4321);
		cr_assert_not_null(vm[n], "%s", cap_last());
		cr_assert_eq((unsigned long)vm[n]->addr, start + n * SZ_1M);
	}
	for (i = 0; i < n; i++)
		free_vm_area(vm[i]);
	purge();
	expect_all_returned();
}

Test(vm_area, sub_range_host)
{
	sub_range(true);
}

Test(vm_area, sub_range_soft)
{
	sub_range(false);
}

/*
 * get_vm_area() + map_vm_area(), then remove_vm_area() + free_vm_area():
 * the pages stay the caller's throughout; the array is recorded.
 */
static void map_remove_free(bool host)
{
	struct page *pages[3], *more[3];
	struct vm_struct *area, *area2;
	char line[512];
	char *v;
	int err;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=1000000", backend(host));
	get_pages(pages, 3, 12);
	get_pages(more, 3, 13);
	area = get_vm_area(3 * PAGE_SIZE, 0);
	cr_assert_not_null(area);
	v = area->addr;
	cr_assert_eq(map_vm_area(area, PAGE_KERNEL, pages), 0, "%s",
		     cap_last());
	expect_at(host, v, 0, 3 * PAGE_SIZE, 12);
	cr_assert_eq(vmalloc_to_page(v + 2 * PAGE_SIZE), pages[2]);
	cr_assert_eq(area->pages, pages);
	cr_assert_eq(area->nr_pages, 3);
	cr_assert(area_line(v, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " pages=3 N0=3"), "%s", line);
	assert_check();

	/* Mapped already: -EBUSY, and the mmu layer's one line. */
	cap_reset();
	err = map_vm_area(area, PAGE_KERNEL, more);
	cr_assert_eq(err, -EBUSY, "%d", err);
	cr_assert_eq(cap_count(), 1, "%d lines, the last: %s", cap_count(),
		     cap_last());
	expect_at(host, v, 0, 3 * PAGE_SIZE, 12);
	assert_check();

	cr_assert_eq(remove_vm_area(v), area);
	cr_assert_null(find_vm_area(v));
	cr_assert_null(vmalloc_to_page(v));
	cr_assert_eq(area->addr, v);
	cr_assert_eq(area->size, 4 * PAGE_SIZE);
	cr_assert_eq(page_count(pages[0]), 1);
	cr_assert_eq(mismatch_at(page_address(pages[1]), PAGE_SIZE, PAGE_SIZE,
				 12),
		     -1);
	/* Removed twice: nothing there any more, and no word about it. */
	cap_reset();
	cr_assert_null(remove_vm_area(v));
	cr_assert_eq(cap_count(), 0, "%s", cap_last());
	assert_check();
	free_vm_area(area);
	assert_check();

	/* free_vm_area() of a live area removes it first. */
	area2 = get_vm_area(3 * PAGE_SIZE, VM_IOREMAP);
	cr_assert_not_null(area2);
	cr_assert_eq(map_vm_area(area2, PAGE_KERNEL_RO, more), 0);
	expect_at(host, area2->addr, 0, 3 * PAGE_SIZE, 13);
	v = area2->addr;
	free_vm_area(area2);
	cr_assert_null(find_vm_area(v));
	cr_assert_eq(page_count(more[0]), 1);

	purge();
	put_pages(pages, 3);
	put_pages(more, 3);
	expect_all_returned();
}

Test(vm_area, map_remove_free_host)
{
	map_remove_free(true);
}

Test(vm_area, map_remove_free_soft)
{
	map_remove_free(false);
}

/*
 * remove_vm_area() of a vmalloc() area: the vm_struct keeps the pages,
 * which free_vm_area() frees at once (nothing maps them any more).
 */
static void remove_vmalloc(bool host)
{
	const unsigned long nr = 10;
	struct vm_struct *vm;
	struct snap s, before;
	char *v;

	boot("mem=64M mmu=%s lazy=1 lazy_max_pages=1000000", backend(host));
	before = snap();
	v = vmalloc(nr * PAGE_SIZE);
	cr_assert_not_null(v);
	win_fill(host, v, 0, nr * PAGE_SIZE, 14);
	vm = remove_vm_area(v);
	cr_assert_not_null(vm, "%s", cap_last());
	cr_assert_eq(vm->nr_pages, nr);
	cr_assert_null(find_vm_area(v));
	cr_assert_eq(mismatch_at(page_address(vm->pages[nr - 1]),
				 (nr - 1) * PAGE_SIZE, PAGE_SIZE, 14),
		     -1);
	s = snap();
	cr_assert_geq(held(s), held(before) + nr);
	assert_check();
	free_vm_area(vm);
	/* Before any purge: the pages are back. */
	s = snap();
	cr_assert_eq(held(s), held(before), "%lu held, %lu before", held(s),
		     held(before));
	purge();
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vm_area, remove_vmalloc_host)
{
	remove_vmalloc(true);
}

Test(vm_area, remove_vmalloc_soft)
{
	remove_vmalloc(false);
}

/* remove_vm_area() of a vmalloc() area with a vmalloc'ed pages array. */
Test(vm_area, remove_vmalloc_vpages)
{
	struct vm_struct *vm;
	char *v;

	boot("mem=64M");
	v = vmalloc(1000 * PAGE_SIZE);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert(is_vmalloc_addr(vm->pages));
	cr_assert_eq(remove_vm_area(v), vm);
	assert_check();
	free_vm_area(vm);
	purge();
	expect_all_returned();
}

/* ------------------------------------------------- pcpu_get_vm_areas() */

TestSuite(pcpu, .fini = teardown, .timeout = 300);

static const unsigned long pcpu_off[] = { 0, SZ_1M, SZ_4M };
static const size_t pcpu_size[] = { SZ_64K, 2 * SZ_64K, SZ_64K };
#define PCPU_NR 3
#define PCPU_END (SZ_4M + SZ_64K)

/* The highest base: area 2 ends at the window's 64 KiB-aligned top. */
static unsigned long pcpu_top_base(void)
{
	return ALIGN_DOWN(VMALLOC_END, SZ_64K) - PCPU_END;
}

/* The three areas, congruent at the base @base; returns them. */
static struct vm_struct **pcpu_expect(unsigned long base)
{
	struct vm_struct **vms;
	char line[512];
	int i;

	vms = pcpu_get_vm_areas(pcpu_off, pcpu_size, PCPU_NR, SZ_64K);
	cr_assert_not_null(vms, "%s", cap_last());
	for (i = 0; i < PCPU_NR; i++) {
		char *a = vms[i]->addr;

		cr_assert_eq((unsigned long)a, base + pcpu_off[i],
			     "area %d at %p, want %#lx (base %#lx)", i, a,
			     base + pcpu_off[i], base);
		cr_assert_eq(vms[i]->size, pcpu_size[i]);
		cr_assert_eq(vms[i]->flags, VM_ALLOC);
		cr_assert_eq(vms[i]->caller, (const void *)pcpu_get_vm_areas);
		cr_assert_null(vms[i]->pages);
		cr_assert_eq(find_vm_area(a), vms[i]);
		cr_assert_eq(find_vm_area(a + pcpu_size[i] - 1), vms[i]);
		cr_assert(area_line(a, line, sizeof(line)));
		cr_assert_not_null(strstr(line, " pcpu_get_vm_areas+"), "%s",
				   line);
		cr_assert_not_null(strstr(line, " vmalloc"), "%s", line);
	}
	assert_check();
	return vms;
}

static void congruent(bool host)
{
	struct vm_struct **vms;
	int i;

	boot("mem=64M mmu=%s", backend(host));
	vms = pcpu_expect(pcpu_top_base());
	/* No guard pages: area 2 ends at the top. */
	cr_assert_eq((unsigned long)vms[2]->addr + vms[2]->size,
		     ALIGN_DOWN(VMALLOC_END, SZ_64K));
	pcpu_free_vm_areas(vms, PCPU_NR);
	for (i = 0; i < PCPU_NR; i++)
		cr_assert_null(
			find_vm_area((void *)(pcpu_top_base() + pcpu_off[i])));
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	assert_check();
	/* And again, at the same place once the purge gave it back. */
	purge();
	vms = pcpu_expect(pcpu_top_base());
	pcpu_free_vm_areas(vms, PCPU_NR);
	pcpu_free_vm_areas(NULL, PCPU_NR);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(pcpu, congruent_host)
{
	congruent(true);
}

Test(pcpu, congruent_soft)
{
	congruent(false);
}

/* A one-page area (two with its guard) at exactly @at. */
static struct vm_struct *blocker(unsigned long at)
{
	struct vm_struct *vm = __get_vm_area_caller(
		PAGE_SIZE, 0, at, at + 2 * PAGE_SIZE, (void *)0x77);

	cr_assert_not_null(vm, "%s", cap_last());
	cr_assert_eq((unsigned long)vm->addr, at);
	return vm;
}

/*
 * Busy ranges move the base only when an area collides with one: one in
 * the hole between areas 1 and 2 changes nothing; one where area 2 or
 * area 0 would go moves it down one alignment step; two in a row, two.
 */
static void around(bool host, int where, const char *extra)
{
	struct vm_struct *b1 = NULL, *b2 = NULL, **vms;
	unsigned long top, want;

	boot("mem=64M mmu=%s %s", backend(host), extra);
	top = pcpu_top_base();
	want = top;
	switch (where) {
	case 0: /* in the hole */
		b1 = blocker(top + 2 * SZ_1M);
		break;
	case 1: /* at the very top, where area 2 ends */
		b1 = blocker(top + PCPU_END - 2 * PAGE_SIZE);
		want = top - SZ_64K;
		break;
	case 2: /* where area 0 starts */
		b1 = blocker(top);
		want = top - SZ_64K;
		break;
	default: /* where area 0 starts, at the top and one step down */
		b1 = blocker(top);
		b2 = blocker(top - SZ_64K);
		want = top - 2 * SZ_64K;
		break;
	}
	vms = pcpu_expect(want);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	pcpu_free_vm_areas(vms, PCPU_NR);
	free_vm_area(b1);
	free_vm_area(b2);
	purge();
	expect_all_returned();
}

Test(pcpu, hole_host)
{
	around(true, 0, "");
}

Test(pcpu, top_soft)
{
	around(false, 1, "");
}

Test(pcpu, first_host)
{
	around(true, 2, "");
}

Test(pcpu, two_steps_soft)
{
	around(false, 3, "");
}

/* The searches of the older area allocators find the same bases. */
Test(pcpu, two_steps_list)
{
	around(true, 3, "kva=list");
}

Test(pcpu, top_rbtree)
{
	around(true, 1, "kva=rbtree");
}

Test(pcpu, two_steps_rbtree)
{
	around(false, 3, "kva=rbtree");
}

Test(pcpu, two_steps_pools)
{
	around(true, 3, "vmap_nodes=4 vmap_pools=1");
}

/* Each bad request: NULL, one warning, nothing changed. */
Test(pcpu, bad_args)
{
	static const unsigned long off2[] = { 0, PAGE_SIZE };
	static const size_t size2[] = { 2 * PAGE_SIZE, PAGE_SIZE };
	static const unsigned long off_odd[] = { 0, PAGE_SIZE };
	static const size_t size_one[] = { SZ_64K, SZ_64K };
	static const size_t size_zero[] = { 0 };
	unsigned long huge_off[2];
	struct snap before;
	unsigned long w;
	static const size_t page[] = { PAGE_SIZE, PAGE_SIZE };

	boot("mem=64M");
	huge_off[0] = 0;
	huge_off[1] = VMALLOC_END - VMALLOC_START;
	before = snap();
/* NULL, one warning naming the function, nothing changed. */
#define BAD(call, what)                                           \
	do {                                                      \
		cap_reset();                                      \
		w = warnings();                                   \
		cr_assert_null(call, "%s succeeded", what);       \
		expect_one_warning(w, "pcpu_get_vm_areas", what); \
		expect_unchanged(before, what);                   \
	} while (0)
	BAD(pcpu_get_vm_areas(NULL, page, 1, PAGE_SIZE), "NULL offsets");
	BAD(pcpu_get_vm_areas(pcpu_off, NULL, 1, PAGE_SIZE), "NULL sizes");
	BAD(pcpu_get_vm_areas(pcpu_off, pcpu_size, 0, SZ_64K), "no areas");
	BAD(pcpu_get_vm_areas(pcpu_off, pcpu_size, -1, SZ_64K), "-1 areas");
	BAD(pcpu_get_vm_areas(pcpu_off, pcpu_size, PCPU_NR, 0), "align 0");
	BAD(pcpu_get_vm_areas(pcpu_off, pcpu_size, PCPU_NR, 3 * PAGE_SIZE),
	    "align 3 pages");
	BAD(pcpu_get_vm_areas(pcpu_off, page, 1, PAGE_SIZE / 2),
	    "align below a page");
	BAD(pcpu_get_vm_areas(off_odd, size_one, 2, SZ_64K),
	    "offset not aligned");
	BAD(pcpu_get_vm_areas(pcpu_off, page, 1, SZ_64K), "size not aligned");
	BAD(pcpu_get_vm_areas(pcpu_off, size_zero, 1, PAGE_SIZE), "size 0");
	BAD(pcpu_get_vm_areas(off2, size2, 2, PAGE_SIZE), "overlap");
	BAD(pcpu_get_vm_areas(huge_off, page, 2, PAGE_SIZE),
	    "larger than the window");
#undef BAD
	purge();
	expect_all_returned();
}

/* ----------------------------------------------------------- vmallocinfo */

TestSuite(vmap_info, .fini = teardown, .timeout = 300);

/*
 * One line of each kind: " vmap" for vmap(VM_MAP), " ioremap" for
 * vmap_pfn() and VM_IOREMAP areas, " phys=" once the area says where it
 * maps (as ioremap() sets it), " pages=" for areas that record pages.
 */
static void info(bool host)
{
	struct page *pages[4], **put;
	unsigned long pfn[2];
	struct vm_struct *io;
	char line[512], want[64];
	char *m, *mp, *pf;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 4, 15);
	m = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(m);
	put = kvmalloc(2 * sizeof(*put), GFP_KERNEL);
	cr_assert_not_null(put);
	put[0] = alloc_pages(GFP_KERNEL, 0);
	put[1] = alloc_pages(GFP_KERNEL, 0);
	mp = vmap(put, 2, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	cr_assert_not_null(mp);
	pfn[0] = page_to_pfn(pages[2]);
	pfn[1] = page_to_pfn(pages[3]);
	pf = vmap_pfn(pfn, 2, PAGE_KERNEL);
	cr_assert_not_null(pf);
	io = get_vm_area(2 * PAGE_SIZE, VM_IOREMAP);
	cr_assert_not_null(io);
	cr_assert_eq(map_vm_area(io, PAGE_KERNEL, pages + 2), 0);
	io->phys_addr = page_to_phys(pages[2]);

	cr_assert(area_line(m, line, sizeof(line)));
	cr_assert_eq(strncmp(line + 38, "  12288 ", 8), 0, "%s", line);
	cr_assert_not_null(strstr(line, " vmap"), "%s", line);
	cr_assert_null(strstr(line, "pages="), "%s", line);
	cr_assert_null(strstr(line, "ioremap"), "%s", line);
	cr_assert(area_line(mp, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " pages=2 vmap N0=2"), "%s", line);
	cr_assert(area_line(pf, line, sizeof(line)));
	cr_assert_not_null(strstr(line, " ioremap"), "%s", line);
	cr_assert_null(strstr(line, " vmap"), "%s", line);
	cr_assert(area_line(io->addr, line, sizeof(line)));
	snprintf(want, sizeof(want), " phys=%#llx ioremap",
		 (unsigned long long)page_to_phys(pages[2]));
	cr_assert_not_null(strstr(line, want), "%s", line);
	cr_assert_not_null(strstr(line, " pages=2 "), "%s", line);
	assert_check();

	vunmap(m);
	vunmap(mp);
	vunmap(pf);
	free_vm_area(io);
	purge();
	put_pages(pages, 4);
	expect_all_returned();
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
}

Test(vmap_info, host)
{
	info(true);
}

Test(vmap_info, soft)
{
	info(false);
}

/* ------------------------------------------------------------ bad input */

TestSuite(vmap_bad, .fini = teardown, .timeout = 300);

/*
 * @call returns NULL after exactly one warning containing @text, and
 * changes nothing.
 */
#define REFUSED(call, text, what)                           \
	do {                                                \
		cap_reset();                                \
		w = warnings();                             \
		cr_assert_null(call, "%s succeeded", what); \
		expect_one_warning(w, text, what);          \
		expect_unchanged(before, what);             \
	} while (0)

static void bad_vmap(bool host)
{
	struct page *pages[4], *holey[4], *freed;
	struct vm_struct *vm;
	struct snap before;
	unsigned long w;
	void *heap = malloc(64);
	char *v;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 4, 16);
	freed = alloc_pages(GFP_KERNEL, 0);
	__free_pages(freed, 0);
	before = snap();

	REFUSED(vmap(pages, 0, VM_MAP, PAGE_KERNEL), "vmap", "count 0");
	REFUSED(vmap(pages, (unsigned int)totalram_pages() + 1, VM_MAP,
		     PAGE_KERNEL),
		"vmap", "count past RAM");
	REFUSED(vmap(NULL, 4, VM_MAP, PAGE_KERNEL), "NULL pages", "NULL pages");
	memcpy(holey, pages, sizeof(holey));
	holey[2] = NULL;
	REFUSED(vmap(holey, 4, VM_MAP, PAGE_KERNEL), "entry 2", "NULL entry");
	holey[2] = heap;
	REFUSED(vmap(holey, 4, VM_MAP, PAGE_KERNEL), "entry 2",
		"entry outside mem_map");
	holey[2] = freed;
	REFUSED(vmap(holey, 4, VM_MAP, PAGE_KERNEL), "entry 2",
		"entry a free page");
	REFUSED(vmap(pages, 4, VM_MAP | VM_FLUSH_RESET_PERMS, PAGE_KERNEL),
		"VM_FLUSH_RESET_PERMS", "VM_FLUSH_RESET_PERMS");
	REFUSED(vmap(pages, 4, VM_ALLOC, PAGE_KERNEL), "VM_ALLOC", "VM_ALLOC");
	REFUSED(vmap(pages, 4, VM_MAP, PAGE_NONE), "protection", "PAGE_NONE");

	/* VM_NO_GUARD: one warning, and the area gets its guard anyway. */
	cap_reset();
	w = warnings();
	v = vmap(pages, 4, VM_MAP | VM_NO_GUARD, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	expect_one_warning(w, "VM_NO_GUARD", "VM_NO_GUARD");
	vm = find_vm_area(v);
	cr_assert_eq(vm->size, 5 * PAGE_SIZE);
	cr_assert_eq(vm->flags, VM_MAP);
	expect_at(host, v, 0, 4 * PAGE_SIZE, 16);
	assert_check();
	vunmap(v);
	purge();

	/* Arrays the library may not read or free. */
	if (host) {
		struct page **arr = vmalloc(2 * PAGE_SIZE);

		cr_assert_not_null(arr);
		memcpy(arr + PAGE_SIZE / sizeof(*arr), pages, sizeof(pages));
		before = snap();
		REFUSED(vmap(arr + PAGE_SIZE / sizeof(*arr), 4,
			     VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL),
			"kvmalloc", "PUT_PAGES array inside an area");
		vfree(arr);
	} else {
		void *arr = vmalloc(PAGE_SIZE);

		cr_assert_not_null(arr);
		before = snap();
		REFUSED(vmap(arr, 4, VM_MAP, PAGE_KERNEL), "mmu=soft",
			"array in the soft window");
		REFUSED(vmap_pfn(arr, 4, PAGE_KERNEL), "mmu=soft",
			"pfns in the soft window");
		vfree(arr);
	}
	purge();
	put_pages(pages, 4);
	free(heap);
	expect_all_returned();
}

Test(vmap_bad, vmap_host)
{
	bad_vmap(true);
}

Test(vmap_bad, vmap_soft)
{
	bad_vmap(false);
}

static void bad_vunmap(bool host)
{
	struct page *pages[4];
	struct vm_struct **vms;
	struct snap before;
	unsigned long w, i;
	void *heap = malloc(64), *bad[4];
	char *v, *m, *gone;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 4, 17);
	v = vmalloc(3 * PAGE_SIZE);
	cr_assert_not_null(v);
	win_fill(host, v, 0, 3 * PAGE_SIZE, 18);
	m = vmap(pages, 4, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(m);
	gone = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(gone);
	vunmap(gone);
	vms = pcpu_get_vm_areas(pcpu_off, pcpu_size, PCPU_NR, SZ_64K);
	cr_assert_not_null(vms);
	cr_assert_eq(warnings(), 0, "%s", cap.last_warn);
	before = snap();

	/* A vmalloc() area: refused, and it stays whole and usable. */
	cap_reset();
	w = warnings();
	vunmap(v);
	expect_one_warning(w, "not a vmap() area", "vunmap(vmalloc)");
	cr_assert_eq(cap_count(), 1);
	cr_assert_not_null(find_vm_area(v));
	expect_at(host, v, 0, 3 * PAGE_SIZE, 18);
	win_fill(host, v, 0, 3 * PAGE_SIZE, 19);
	expect_at(host, v, 0, 3 * PAGE_SIZE, 19);
	expect_unchanged(before, "vunmap(vmalloc)");
	/* So is a per-CPU area (VM_ALLOC). */
	cap_reset();
	w = warnings();
	vunmap(vms[1]->addr);
	expect_one_warning(w, "not a vmap() area", "vunmap(pcpu)");
	cr_assert_eq(find_vm_area(vms[1]->addr), vms[1]);
	expect_unchanged(before, "vunmap(pcpu)");

	bad[0] = m + PAGE_SIZE; /* inside an area */
	bad[1] = m + 1;		/* inside its first page */
	bad[2] = heap;		/* not in the window */
	bad[3] = gone;		/* unmapped already */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_reset();
		w = warnings();
		vunmap(bad[i]);
		expect_one_warning(w, "Trying to vunmap() nonexistent vm area",
				   "a bad vunmap");
		cr_assert_eq(cap_count(), 1, "bad[%lu]: %d lines", i,
			     cap_count());
		expect_unchanged(before, "a bad vunmap");
	}
	expect_at(host, m, 0, 4 * PAGE_SIZE, 17);

	/* vunmap(NULL): nothing at all. */
	cap_reset();
	vunmap(NULL);
	cr_assert_eq(cap_count(), 0, "%s", cap_last());

	/* Twice: the second is a nonexistent area, before and after purge. */
	vunmap(m);
	cap_reset();
	w = warnings();
	vunmap(m);
	expect_one_warning(w, "nonexistent", "double vunmap");
	purge();
	cap_reset();
	w = warnings();
	vunmap(m);
	expect_one_warning(w, "nonexistent", "vunmap after purge");
	assert_check();

	vfree(v);
	pcpu_free_vm_areas(vms, PCPU_NR);
	purge();
	put_pages(pages, 4);
	free(heap);
	expect_all_returned();
}

Test(vmap_bad, vunmap_host)
{
	bad_vunmap(true);
}

Test(vmap_bad, vunmap_soft)
{
	bad_vunmap(false);
}

/* vmap_pfn(), get_vm_area() and friends, map_vm_area(), remove_vm_area(). */
static void bad_others(bool host)
{
	unsigned long pfn[2] = { 1, 1UL << 52 }, w;
	struct vm_struct *area;
	struct page *pages[2];
	struct snap before;
	char *v;
	int err;

	boot("mem=64M mmu=%s", backend(host));
	get_pages(pages, 2, 21);
	v = vmalloc(PAGE_SIZE);
	cr_assert_not_null(v);
	area = get_vm_area(2 * PAGE_SIZE, 0);
	cr_assert_not_null(area);
	before = snap();

	REFUSED(vmap_pfn(pfn, 0, PAGE_KERNEL), "vmap_pfn", "vmap_pfn 0");
	REFUSED(vmap_pfn(NULL, 2, PAGE_KERNEL), "vmap_pfn", "vmap_pfn NULL");
	REFUSED(vmap_pfn(pfn, 2, PAGE_KERNEL), "entry 1",
		"vmap_pfn pfn too large");
	REFUSED(vmap_pfn(pfn, 1, PAGE_NONE), "protection",
		"vmap_pfn PAGE_NONE");

	REFUSED(get_vm_area(0, 0), "get_vm_area", "get_vm_area(0)");
	REFUSED(get_vm_area(ULONG_MAX, 0), "get_vm_area",
		"get_vm_area(ULONG_MAX)");
	REFUSED(get_vm_area(1UL << 62, 0), NULL, "get_vm_area(1 << 62)");
	REFUSED(__get_vm_area_caller(PAGE_SIZE, 0, range_base() + SZ_1M,
				     range_base(), NULL),
		NULL, "start above end");
	REFUSED(__get_vm_area_caller(PAGE_SIZE, 0, range_base(),
				     range_base() + PAGE_SIZE, NULL),
		NULL, "no room for the guard");

	cap_reset();
	w = warnings();
	err = map_vm_area(NULL, PAGE_KERNEL, pages);
	cr_assert_eq(err, -EINVAL);
	expect_one_warning(w, "NULL area", "map_vm_area(NULL)");
	cap_reset();
	w = warnings();
	err = map_vm_area(area, PAGE_KERNEL, NULL);
	cr_assert_eq(err, -EINVAL);
	expect_one_warning(w, "NULL pages", "map_vm_area(NULL pages)");
	cap_reset();
	w = warnings();
	err = map_vm_area(area, PAGE_NONE, pages);
	cr_assert_eq(err, -EINVAL);
	expect_one_warning(w, "protection", "map_vm_area(PAGE_NONE)");
	/* A vmalloc() area is mapped already. */
	cap_reset();
	w = warnings();
	err = map_vm_area(find_vm_area(v), PAGE_KERNEL, pages);
	cr_assert_eq(err, -EBUSY);
	expect_one_warning(w, "already mapped", "map_vm_area(vmalloc)");
	expect_unchanged(before, "bad map_vm_area");

	/* remove_vm_area(): unaligned warns, unknown is silent. */
	cap_reset();
	w = warnings();
	cr_assert_null(remove_vm_area(v + 1));
	expect_one_warning(w, "bad address", "remove_vm_area(unaligned)");
	cap_reset();
	cr_assert_null(remove_vm_area((char *)VMALLOC_END - 64 * PAGE_SIZE));
	cr_assert_null(remove_vm_area(NULL));
	cr_assert_eq(cap_count(), 0, "%s", cap_last());
	expect_unchanged(before, "bad remove_vm_area");
	cr_assert_not_null(find_vm_area(v));

	vfree(v);
	free_vm_area(area);
	purge();
	put_pages(pages, 2);
	expect_all_returned();
}

Test(vmap_bad, others_host)
{
	bad_others(true);
}

Test(vmap_bad, others_soft)
{
	bad_others(false);
}

/* -------------------------------------------------------------- failures */

TestSuite(vmap_fail, .fini = teardown, .timeout = 300);

/*
 * The host refuses the fifth mapping of a vmap() whose 16 pages are each
 * a host mapping of their own: the four made are undone, nothing is left,
 * and the same call then works.
 */
Test(vmap_fail, host_map_part_way)
{
	struct page *pages[16], *all[32];
	struct uvm_mmu_stats ms0, ms;
	struct snap before;
	unsigned long i;
	char *v;

	boot("mem=64M fail_host_map=5,100,0,1");
	uvm_mmu_stats(&ms0);
	cr_assert_eq(ms0.host_maps, 0, "%lu host maps at boot", ms0.host_maps);
	get_scattered(pages, all, 16, 5);
	before = snap();
	cap_reset();
	v = vmap(pages, 16, VM_MAP, PAGE_KERNEL);
	cr_assert_null(v, "the injected failure did not hit");
	uvm_mmu_stats(&ms);
	cr_assert_eq(ms.host_failures, 1);
	cr_assert_eq(ms.host_maps, 4, "%lu host maps", ms.host_maps);
	cr_assert_geq(cap_find("injected", 0), 0, "%s", cap_last());
	expect_same_held(before, "a refused host mapping");
	for (i = 0; i < 16; i++) {
		cr_assert_eq(page_count(pages[i]), 1);
		cr_assert_eq(mismatch_at(page_address(pages[i]), i * PAGE_SIZE,
					 PAGE_SIZE, 40),
			     -1);
	}
	/* The same vmap() now works, and shows the pages. */
	v = vmap(pages, 16, VM_MAP, PAGE_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	expect_at(true, v, 0, 16 * PAGE_SIZE, 40);
	assert_check();
	vunmap(v);
	purge();
	put_pages(all, 32);
	expect_all_returned();
}

/* The same through map_vm_area(): the area stays, empty, and can retry. */
Test(vmap_fail, host_map_area)
{
	struct page *pages[16], *all[32];
	struct vm_struct *area;
	struct snap before;

	boot("mem=64M fail_host_map=3,100,0,1");
	get_scattered(pages, all, 16, 5);
	area = get_vm_area(16 * PAGE_SIZE, 0);
	cr_assert_not_null(area);
	before = snap();
	cr_assert_eq(map_vm_area(area, PAGE_KERNEL, pages), -ENOMEM);
	expect_same_held(before, "a refused map_vm_area");
	cr_assert_null(vmalloc_to_page(area->addr));
	cr_assert_null(area->pages);
	cr_assert_eq(map_vm_area(area, PAGE_KERNEL, pages), 0, "%s",
		     cap_last());
	expect_at(true, area->addr, 0, 16 * PAGE_SIZE, 40);
	free_vm_area(area);
	purge();
	put_pages(all, 32);
	expect_all_returned();
}

/*
 * fail_page_alloc: the N-th page allocation fails. The test's own pages
 * come from two calls first; later calls are the page tables of the
 * vmap() (2048 pages: four PTE tables and the levels above them). Each
 * vmap() either works or leaves nothing behind.
 */
static void injected_tables(bool host)
{
	unsigned long interval, failed = 0, worked = 0, i;
	static struct page *pages[2048];

	for (interval = 1; interval <= 8; interval++) {
		struct snap before;
		char *v;
		int b;

		boot("mem=64M mmu=%s lazy=0 fail_page_alloc=%lu,100,0,1",
		     backend(host), interval);
		for (b = 0; b < 2; b++) {
			struct page *block = alloc_pages(GFP_KERNEL, 10);

			if (!block)
				block = alloc_pages(GFP_KERNEL, 10);
			cr_assert_not_null(block, "%s", cap_last());
			split_page(block, 10);
			for (i = 0; i < 1024; i++)
				pages[b * 1024 + i] =
					pfn_to_page(page_to_pfn(block) + i);
		}
		fill_at(page_address(pages[2047]), 0, PAGE_SIZE, 50);
		before = snap();
		v = vmap(pages, 2048, VM_MAP, PAGE_KERNEL);
		if (!v) {
			failed++;
			expect_same_held(before, "an injected failure");
			for (i = 0; i < 2048; i++)
				cr_assert_eq(page_count(pages[i]), 1);
			v = vmap(pages, 2048, VM_MAP, PAGE_KERNEL);
			cr_assert_not_null(v, "interval %lu: %s", interval,
					   cap_last());
		} else {
			worked++;
		}
		expect_at(host, v + 2047 * PAGE_SIZE, 0, PAGE_SIZE, 50);
		cr_assert_eq(vmalloc_to_page(v + 1000 * PAGE_SIZE),
			     pages[1000]);
		assert_check();
		vunmap(v);
		put_pages(pages, 2048);
		expect_all_returned();
		uvm_shutdown();
	}
	cr_assert_gt(failed, 0, "no injected failure hit vmap()");
	cr_assert_gt(worked, 0);
}

Test(vmap_fail, injected_tables_host)
{
	injected_tables(true);
}

Test(vmap_fail, injected_tables_soft)
{
	injected_tables(false);
}
