/* SPDX-License-Identifier: MIT */
/*
 * Tests of user mappings of vmalloc memory (src/vmalloc/usermap.c,
 * src/mmu/usermap.c), on both mmu backends:
 *
 *  - vmalloc_user() and vmalloc_32_user(): zeroed over pages a previous
 *    owner dirtied, page-aligned (SHMLBA), flagged VM_USERMAP, listed with
 *    the " user" kind in vmallocinfo; vmalloc_32_user() pages below 4 GiB;
 *  - remap_vmalloc_range() and remap_vmalloc_range_partial() into a host
 *    range the test reserved: writes through the user mapping are seen
 *    through vread(), the direct map and (host) the vmalloc pointer, and
 *    the other way round; pgoff selects the tail; huge leaves; one host
 *    call per contiguous run, split where the node changes;
 *  - refusals: a plain vmalloc() area, sizes and offsets past the area,
 *    bad vmas and alignments, ranges over the library's own mappings; each
 *    -EINVAL (or -EFAULT outside the vma) with one warning, nothing mapped;
 *  - host refusals (injected): the range is left PROT_NONE, even when an
 *    earlier run had been mapped;
 *  - a user mapping left behind over a freed area or a shut-down instance
 *    never faults and leaves every checker content (no page is pinned).
 *
 * Criterion runs each test in a process of its own, so each test boots the
 * instance it needs and shuts it down in its .fini.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <criterion/criterion.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "kva/kva.h"
#include "lib/compiler.h"
#include "lib/fault_inject.h"
#include "lib/log.h"
#include "mmu/mmu.h"
#include "mmu/usermap.h"
#include "phys/phys.h"
#include "test_util.h"
#include "test_vm_util.h"

#define SZ_4M (4UL << 20)

/* The page that holds @p. */
#define page_of(p) ((void *)ALIGN_DOWN((unsigned long)(p), PAGE_SIZE))

static unsigned long host_maps(void)
{
	struct uvm_mmu_stats st;

	uvm_mmu_stats(&st);
	return st.host_maps;
}

static unsigned long host_failures(void)
{
	struct uvm_mmu_stats st;

	uvm_mmu_stats(&st);
	return st.host_failures;
}

/* ----------------------------------------------------- the "user" side */

/* A host range of @nr pages the test owns, inaccessible, as a driver's VMA. */
static char *reserve(unsigned long nr)
{
	void *p = mmap(NULL, nr * PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static struct vm_area_struct vma_of(const char *user, unsigned long nr)
{
	return (struct vm_area_struct){
		.vm_start = (unsigned long)user,
		.vm_end = (unsigned long)user + nr * PAGE_SIZE,
	};
}

/**
 * struct hostmap - one line of /proc/self/maps
 * @start: first address
 * @end: one past the last
 * @perms: "rw-s" and the like
 * @offset: the file offset of @start
 * @name: the file ("/memfd:uvmalloc-node0 (deleted)"), "" if anonymous
 */
struct hostmap {
	unsigned long start;
	unsigned long end;
	char perms[8];
	unsigned long offset;
	char name[256];
};

/* The host mapping that holds @addr; false if none does. */
static bool host_mapping_at(const void *addr, struct hostmap *m)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		int name_at = 0;
		char *nl;

		memset(m, 0, sizeof(*m));
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &m->start,
			   &m->end, m->perms, &m->offset, &name_at) < 4)
			continue;
		if (a < m->start || a >= m->end)
			continue;
		found = true;
		if (name_at)
			snprintf(m->name, sizeof(m->name), "%s",
				 line + name_at);
		nl = strchr(m->name, '\n');
		if (nl)
			*nl = '\0';
	}
	fclose(f);
	return found;
}

/* Page @i of the user range shows RAM of node @nid at frame offset @off. */
static void expect_ram(const char *user, unsigned long i, int nid,
		       unsigned long off)
{
	const char *at = user + i * PAGE_SIZE;
	struct hostmap m;
	char node[32];

	cr_assert(host_mapping_at(at, &m), "nothing is mapped at %p", at);
	snprintf(node, sizeof(node), "uvmalloc-node%d", nid);
	cr_assert_str_eq(m.perms, "rw-s", "%p: %s", at, m.perms);
	cr_assert(strstr(m.name, node), "%p maps '%s', not %s", at, m.name,
		  node);
	cr_assert_eq(m.offset + ((unsigned long)at - m.start),
		     off << PAGE_SHIFT, "%p maps offset %#lx", at,
		     m.offset + ((unsigned long)at - m.start));
}

/* Pages [@i, @i + @n) of the user range are inaccessible and anonymous. */
static void expect_inaccessible(const char *user, unsigned long i,
				unsigned long n)
{
	for (; n; i++, n--) {
		const char *at = user + i * PAGE_SIZE;
		struct hostmap m;

		cr_assert(host_mapping_at(at, &m), "nothing is mapped at %p",
			  at);
		cr_assert_str_eq(m.perms, "---p", "%p: %s", at, m.perms);
		cr_assert_str_eq(m.name, "", "%p maps %s", at, m.name);
	}
}

/* ------------------------------------------------------------ patterns */

/* The user range holds bytes [0, @len) of pattern @seed. */
static void expect_user(const char *user, unsigned long len, uint64_t seed)
{
	long off = mismatch_at(user, 0, len, seed);

	cr_assert_eq(off, -1, "user byte %#lx of %#lx differs", off, len);
}

/* Each page of [@v, + @nr pages) holds pattern @seed, seen in the direct map. */
static void expect_direct(const void *v, unsigned long nr, uint64_t seed)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		const char *p = (const char *)v + i * PAGE_SIZE;
		struct page *page = vmalloc_to_page(p);
		long off;

		cr_assert_not_null(page, "no page at %p", p);
		off = mismatch_at(page_address(page), i * PAGE_SIZE, PAGE_SIZE,
				  seed);
		cr_assert_eq(off, -1, "page %lu byte %#lx differs, direct map",
			     i, off);
	}
}

/* Host calls that map [@v, + @nr pages): one per run of contiguous frames. */
static unsigned long runs_of(const void *v, unsigned long nr)
{
	unsigned long i, runs = 0, prev = 0;

	for (i = 0; i < nr; i++) {
		struct page *page =
			vmalloc_to_page((const char *)v + i * PAGE_SIZE);
		unsigned long pfn = page_to_pfn(page);

		if (!i || pfn != prev + 1 ||
		    page_to_nid(page) != page_to_nid(pfn_to_page(prev)))
			runs++;
		prev = pfn;
	}
	return runs;
}

/* ---------------------------------------------------- vmalloc_user itself */

TestSuite(um_alloc, .fini = teardown, .timeout = 300);

/* Zeroed over dirtied pages, aligned, flagged; odd sizes round up. */
static void user_alloc(bool host)
{
	const unsigned long nr = 64;
	struct vm_struct *vm;
	void *v, *u, *w;

	boot("mem=64M mmu=%s lazy=0", backend(host));
	/* Leave dirty pages for the next owner. */
	v = vmalloc(nr * PAGE_SIZE);
	cr_assert_not_null(v);
	area_fill(host, v, nr * PAGE_SIZE, 3);
	vfree(v);
	purge();

	u = vmalloc_user(nr * PAGE_SIZE);
	cr_assert_not_null(u, "%s", cap_last());
	cr_assert(IS_ALIGNED((unsigned long)u, SHMLBA), "%p", u);
	vm = find_vm_area(u);
	cr_assert_not_null(vm);
	cr_assert_eq(vm->addr, u);
	cr_assert(vm->flags & VM_USERMAP, "flags %#lx", vm->flags);
	cr_assert(vm->flags & VM_ALLOC, "flags %#lx", vm->flags);
	cr_assert_eq(vm->nr_pages, nr);
	expect_zero(host, u, nr * PAGE_SIZE);

	w = vmalloc_user(3 * PAGE_SIZE + 1);
	cr_assert_not_null(w);
	cr_assert(IS_ALIGNED((unsigned long)w, SHMLBA), "%p", w);
	vm = find_vm_area(w);
	cr_assert(vm->flags & VM_USERMAP);
	cr_assert_eq(vm->nr_pages, 4);
	cr_assert_eq(get_vm_area_size(vm), 4 * PAGE_SIZE);
	expect_zero(host, w, 4 * PAGE_SIZE);

	vfree(u);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(um_alloc, zeroed_flagged_host)
{
	user_alloc(true);
}

Test(um_alloc, zeroed_flagged_soft)
{
	user_alloc(false);
}

/* mem=5G: DMA32 ends at 4 GiB, Normal lies above. */
static void user_32(bool host)
{
	const unsigned long nr = 2048, len = nr * PAGE_SIZE;
	struct vm_area_struct vma;
	unsigned long i;
	char *user;
	void *u;

	boot("mem=5G mmu=%s", backend(host));
	u = vmalloc_32_user(len);
	cr_assert_not_null(u, "%s", cap_last());
	cr_assert(IS_ALIGNED((unsigned long)u, SHMLBA));
	cr_assert(find_vm_area(u)->flags & VM_USERMAP);
	for (i = 0; i < nr; i++) {
		struct page *page = vmalloc_to_page((char *)u + i * PAGE_SIZE);

		cr_assert_not_null(page);
		cr_assert_lt(page_to_pfn(page), SZ_4G >> PAGE_SHIFT,
			     "page %lu is frame %#lx", i, page_to_pfn(page));
	}
	expect_zero(host, u, len);

	/* It maps to user space like any VM_USERMAP area. */
	user = reserve(nr);
	vma = vma_of(user, nr);
	cr_assert_eq(remap_vmalloc_range(&vma, u, 0), 0, "%s", cap_last());
	fill_at(user, 0, len, 9);
	expect_direct(u, nr, 9);
	cr_assert_eq(munmap(user, len), 0);
	vfree(u);
	assert_check();
}

Test(um_alloc, vmalloc_32_user_host)
{
	user_32(true);
}

Test(um_alloc, vmalloc_32_user_soft)
{
	user_32(false);
}

Test(um_alloc, vmallocinfo_kind)
{
	char lu[512], l32[512], lv[512], *info;
	void *u, *u32, *v;

	boot("mem=64M");
	u = vmalloc_user(2 * PAGE_SIZE);
	u32 = vmalloc_32_user(PAGE_SIZE);
	v = vmalloc(PAGE_SIZE);
	cr_assert(u && u32 && v);
	info = show("vmallocinfo");
	cr_assert(info_line(info, u, lu, sizeof(lu)), "%s", info);
	cr_assert(info_line(info, u32, l32, sizeof(l32)), "%s", info);
	cr_assert(info_line(info, v, lv, sizeof(lv)), "%s", info);
	cr_assert(strstr(lu, " pages=2 vmalloc user"), "%s", lu);
	cr_assert(strstr(l32, " pages=1 vmalloc user"), "%s", l32);
	cr_assert(strstr(lv, " vmalloc"), "%s", lv);
	cr_assert_null(strstr(lv, " user"), "%s", lv);
	free(info);
	vfree(u);
	vfree(u32);
	vfree(v);
}

/* ------------------------------------------------------------- mapping */

TestSuite(um_remap, .fini = teardown, .timeout = 300);

/* Both sides see each other's writes; one host call per contiguous run. */
static void share(bool host)
{
	const unsigned long nr = 37, len = nr * PAGE_SIZE;
	struct vm_area_struct vma;
	unsigned long maps, runs;
	char *user;
	void *u;

	boot("mem=64M mmu=%s", backend(host));
	u = vmalloc_user(len);
	cr_assert_not_null(u);
	user = reserve(nr);
	vma = vma_of(user, nr);
	runs = runs_of(u, nr);
	maps = host_maps();
	cr_assert_eq(remap_vmalloc_range(&vma, u, 0), 0, "%s", cap_last());
	cr_assert_eq(host_maps() - maps, runs, "%lu host calls for %lu runs",
		     host_maps() - maps, runs);
	expect_ram(user, 0, 0, page_to_pfn(vmalloc_to_page(u)));
	expect_ram(user, nr - 1, 0,
		   page_to_pfn(vmalloc_to_page((char *)u + len - PAGE_SIZE)));
	/* Zeroed, seen from the user side too. */
	expect_user(user, len, ZEROS);

	/* User writes; the area reads (vread, pointer, direct map). */
	fill_at(user, 0, len, 1);
	expect_pattern(host, u, len, 1);
	expect_direct(u, nr, 1);

	/* The area writes (pointer or vwrite); the user reads. */
	area_fill(host, u, len, 2);
	expect_user(user, len, 2);

	cr_assert_eq(cap.last_warn[0], '\0', "%s", cap.last_warn);
	cr_assert_eq(munmap(user, len), 0);
	vfree(u);
	purge();
	expect_all_returned();
}

Test(um_remap, share_host)
{
	share(true);
}

Test(um_remap, share_soft)
{
	share(false);
}

/* pgoff picks the tail; the partial form fills part of the vma. */
static void offsets(bool host)
{
	const unsigned long nr = 8;
	struct vm_area_struct vma;
	char *user, *part, c = 0;
	unsigned long i;
	void *u;

	boot("mem=64M mmu=%s", backend(host));
	u = vmalloc_user(nr * PAGE_SIZE);
	cr_assert_not_null(u);
	/* Page i of the area holds the byte i + 1 throughout. */
	for (i = 0; i < nr; i++) {
		char page[PAGE_SIZE];

		memset(page, (int)(i + 1), sizeof(page));
		vwrite(page, (char *)u + i * PAGE_SIZE, PAGE_SIZE);
	}

	user = reserve(3);
	vma = vma_of(user, 3);
	cr_assert_eq(remap_vmalloc_range(&vma, u, 5), 0, "%s", cap_last());
	for (i = 0; i < 3; i++) {
		cr_assert_eq(user[i * PAGE_SIZE], (char)(6 + i), "page %lu", i);
		cr_assert_eq(user[i * PAGE_SIZE + PAGE_SIZE - 1],
			     (char)(6 + i));
	}
	/* One page further would need a page past the end. */
	cr_assert_eq(remap_vmalloc_range(&vma, u, 6), -EINVAL);
	cr_assert_eq(user[0], 6, "a refused remap changed the mapping");

	/*
	 * Partial: user pages 1 and 2 of a 4-page vma get area pages 2 and 3
	 * (kaddr one page in, pgoff 1; the size rounds up to 2 pages).
	 */
	part = reserve(4);
	vma = vma_of(part, 4);
	cr_assert_eq(remap_vmalloc_range_partial(
			     &vma, (unsigned long)part + PAGE_SIZE,
			     (char *)u + PAGE_SIZE, 1, 2 * PAGE_SIZE - 100),
		     0, "%s", cap_last());
	cr_assert_eq(part[PAGE_SIZE], 3);
	cr_assert_eq(part[2 * PAGE_SIZE], 4);
	expect_inaccessible(part, 0, 1);
	expect_inaccessible(part, 3, 1);
	expect_ram(part, 1, 0,
		   page_to_pfn(vmalloc_to_page((char *)u + 2 * PAGE_SIZE)));
	/* Counted from kaddr: pages 1 + 6 + 1 of 8 run past the end. */
	cr_assert_eq(remap_vmalloc_range_partial(&vma, vma.vm_start,
						 (char *)u + PAGE_SIZE, 6,
						 2 * PAGE_SIZE),
		     -EINVAL);

	/* Writes through the user side land in the right area page. */
	part[2 * PAGE_SIZE + 10] = 0x77;
	cr_assert_eq(vread(&c, (char *)u + 3 * PAGE_SIZE + 10, 1), 1);
	cr_assert_eq(c, 0x77);
	munmap(user, 3 * PAGE_SIZE);
	munmap(part, 4 * PAGE_SIZE);
	vfree(u);
	assert_check();
}

Test(um_remap, offsets_host)
{
	offsets(true);
}

Test(um_remap, offsets_soft)
{
	offsets(false);
}

/* A VM_USERMAP area mapped with 2 MiB leaves: pages on both sides of one. */
static void huge(bool host)
{
	const unsigned long nr = SZ_4M >> PAGE_SHIFT, first = 510, n = 4;
	struct vm_area_struct vma;
	struct vm_struct *vm;
	unsigned long i;
	char *user;
	void *u;

	boot("mem=64M mmu=%s", backend(host));
	u = __vmalloc_node_range(SZ_4M, PMD_SIZE, VMALLOC_START, VMALLOC_END,
				 GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL,
				 VM_USERMAP | VM_ALLOW_HUGE_VMAP, NUMA_NO_NODE,
				 __builtin_return_address(0));
	cr_assert_not_null(u, "%s", cap_last());
	vm = find_vm_area(u);
	cr_assert_eq(vm->page_order, PMD_SHIFT - PAGE_SHIFT,
		     "not mapped with 2 MiB leaves (order %u)", vm->page_order);
	area_fill(host, u, SZ_4M, 4);

	user = reserve(n);
	vma = vma_of(user, n);
	cr_assert_eq(remap_vmalloc_range(&vma, u, first), 0, "%s", cap_last());
	for (i = 0; i < n; i++)
		expect_ram(user, i, 0,
			   page_to_pfn(vmalloc_to_page(
				   (char *)u + (first + i) * PAGE_SIZE)));
	cr_assert_eq(mismatch_at(user, first * PAGE_SIZE, n * PAGE_SIZE, 4),
		     -1);
	cr_assert_eq(remap_vmalloc_range(&vma, u, nr - n + 1), -EINVAL);
	munmap(user, n * PAGE_SIZE);
	vfree(u);
	assert_check();
}

Test(um_remap, huge_host)
{
	huge(true);
}

Test(um_remap, huge_soft)
{
	huge(false);
}

/*
 * Frames numbered on across the node boundary are not one run: node 0's
 * last two and node 1's first two take two host calls, each of its memfd.
 * (The frames are only mapped, never touched.)
 */
static void node_boundary(bool host)
{
	unsigned long pfns[4], end0, maps;
	char *user;

	boot("mem=64M numa=2 mmu=%s", backend(host));
	end0 = phys.nodes[1].node_start_pfn;
	cr_assert_gt(end0, 2);
	pfns[0] = end0 - 2;
	pfns[1] = end0 - 1;
	pfns[2] = end0;
	pfns[3] = end0 + 1;
	user = reserve(4);
	maps = host_maps();
	cr_assert_eq(mmu_map_user((unsigned long)user, pfns, 4,
				  PROT_READ | PROT_WRITE),
		     0, "%s", cap_last());
	cr_assert_eq(host_maps() - maps, 2);
	expect_ram(user, 0, 0, end0 - 2);
	expect_ram(user, 1, 0, end0 - 1);
	expect_ram(user, 2, 1, 0);
	expect_ram(user, 3, 1, 1);
	munmap(user, 4 * PAGE_SIZE);
	assert_check();
}

Test(um_remap, node_boundary_host)
{
	node_boundary(true);
}

Test(um_remap, node_boundary_soft)
{
	node_boundary(false);
}

/* ------------------------------------------------------------ refusals */

TestSuite(um_bad, .fini = teardown, .timeout = 300);

/* @ret is @want, and exactly one warning line containing @what came. */
static void expect_refused(int ret, int want, const char *what,
			   const char *call)
{
	cr_assert_eq(ret, want, "%s = %d, not %d", call, ret, want);
	cr_assert_eq(cap_count(), 1, "%s: %d lines, the last: %s", call,
		     cap_count(), cap_last());
	cr_assert_eq(cap.levels[0], UVM_LOG_WARNING, "%s: %s", call,
		     cap_line(0));
	cr_assert(strstr(cap_line(0), what), "%s: '%s' lacks '%s'", call,
		  cap_line(0), what);
	cap_reset();
}

#define REFUSED(call, want, what) expect_refused((call), (want), (what), #call)

static void refusals(bool host)
{
	const unsigned long nr = 4, len = nr * PAGE_SIZE;
	struct vm_area_struct vma, bad;
	unsigned long us;
	char *user, *heap;
	void *u, *v, *gone;
	struct page *page;

	boot("mem=64M mmu=%s", backend(host));
	u = vmalloc_user(len);
	v = vmalloc(len);
	gone = vmalloc_user(len);
	page = alloc_page(GFP_KERNEL);
	heap = malloc(2 * PAGE_SIZE);
	cr_assert(u && v && gone && page && heap);
	vfree(gone);
	purge();
	user = reserve(nr);
	us = (unsigned long)user;
	vma = vma_of(user, nr);
	cap_reset();

	REFUSED(remap_vmalloc_range(&vma, v, 0), -EINVAL, "not a VM_USERMAP");
	REFUSED(remap_vmalloc_range(NULL, u, 0), -EINVAL, "NULL vma");
	REFUSED(remap_vmalloc_range_partial(NULL, us, u, 0, len), -EINVAL,
		"NULL vma");
	bad = (struct vm_area_struct){ .vm_start = us, .vm_end = us };
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "empty");
	bad = (struct vm_area_struct){ .vm_start = us + len, .vm_end = us };
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "empty");
	bad = (struct vm_area_struct){ .vm_start = us + 1, .vm_end = us + len };
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "page-aligned");
	REFUSED(remap_vmalloc_range_partial(&vma, us + 8, u, 0, PAGE_SIZE),
		-EINVAL, "page-aligned");
	REFUSED(remap_vmalloc_range(&vma, (char *)u + 8, 0), -EINVAL,
		"page-aligned");
	REFUSED(remap_vmalloc_range_partial(&vma, us, u, 0, 0), -EINVAL,
		"bad size");
	REFUSED(remap_vmalloc_range_partial(&vma, us, u, 0, ~0UL), -EINVAL,
		"bad size");
	REFUSED(remap_vmalloc_range(&vma, page_of(heap), 0), -EINVAL,
		"not in a vmalloc area");
	REFUSED(remap_vmalloc_range(&vma, gone, 0), -EINVAL,
		"not in a vmalloc area");

	/* Past the area: one page too many, pgoff at or past the end. */
	{
		char *more = reserve(nr + 1);

		bad = vma_of(more, nr + 1);
		REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL,
			"run past the area");
		munmap(more, len + PAGE_SIZE);
	}
	REFUSED(remap_vmalloc_range_partial(&vma, us, u, nr, PAGE_SIZE),
		-EINVAL, "run past the area");
	REFUSED(remap_vmalloc_range_partial(&vma, us, u, ~0UL, PAGE_SIZE),
		-EINVAL, "run past the area");
	REFUSED(remap_vmalloc_range_partial(&vma, us, u, ~0UL >> PAGE_SHIFT,
					    PAGE_SIZE),
		-EINVAL, "run past the area");
	/* The guard page is in the area's range but not usable. */
	REFUSED(remap_vmalloc_range_partial(&vma, us, (char *)u + len, 0,
					    PAGE_SIZE),
		-EINVAL, "run past the area");

	/* Outside the vma: -EFAULT, as vm_insert_page() says. */
	REFUSED(remap_vmalloc_range_partial(&vma, us - PAGE_SIZE, u, 0,
					    PAGE_SIZE),
		-EFAULT, "outside the vma");
	REFUSED(remap_vmalloc_range_partial(&vma, us + PAGE_SIZE, u, 0, len),
		-EFAULT, "outside the vma");

	/* The library's own ranges are not the caller's to map over. */
	bad = (struct vm_area_struct){ .vm_start = (unsigned long)v,
				       .vm_end = (unsigned long)v + len };
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "vmalloc window");
	bad.vm_start = (unsigned long)page_address(page);
	bad.vm_end = bad.vm_start + PAGE_SIZE;
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "direct map");
	bad.vm_start = (unsigned long)page_of(page);
	bad.vm_end = bad.vm_start + PAGE_SIZE;
	REFUSED(remap_vmalloc_range(&bad, u, 0), -EINVAL, "mem_map");

	/* Nothing was mapped, and the areas are intact. */
	expect_inaccessible(user, 0, nr);
	cr_assert_eq(remap_vmalloc_range(&vma, u, 0), 0, "%s", cap_last());
	cr_assert_eq(cap.last_warn[0], '\0', "%s", cap.last_warn);
	munmap(user, len);
	free(heap);
	__free_page(page);
	vfree(u);
	vfree(v);
	assert_check();
}

Test(um_bad, refusals_host)
{
	refusals(true);
}

Test(um_bad, refusals_soft)
{
	refusals(false);
}

/* mmu_map_user()'s own checks. */
Test(um_bad, map_user_args)
{
	unsigned long pfn, pfns[2];
	char *user;

	boot("mem=64M");
	user = reserve(2);
	pfn = phys.max_pfn - 1;
	pfns[0] = pfn;
	pfns[1] = phys.max_pfn;
	REFUSED(mmu_map_user((unsigned long)user, NULL, 1, PROT_READ), -EINVAL,
		"no frames");
	REFUSED(mmu_map_user((unsigned long)user, &pfn, 0, PROT_READ), -EINVAL,
		"no frames");
	REFUSED(mmu_map_user(0, &pfn, 1, PROT_READ), -EINVAL, "page-aligned");
	REFUSED(mmu_map_user((unsigned long)user, &pfn, ~0UL >> 4, PROT_READ),
		-EINVAL, "wraps");
	REFUSED(mmu_map_user((unsigned long)user, &pfn, 1, PROT_READ | 0x100),
		-EINVAL, "protection");
	REFUSED(mmu_map_user((unsigned long)user, pfns, 2, PROT_READ), -EINVAL,
		"outside RAM");
	expect_inaccessible(user, 0, 2);
	munmap(user, 2 * PAGE_SIZE);
}

/* --------------------------------------------------- host refusals */

/*
 * An injected refusal of the only host call: -ENOMEM, one warning (plus
 * the injection's own line), the range inaccessible; a retry succeeds.
 */
static void injected(bool host)
{
	const unsigned long nr = 4, len = nr * PAGE_SIZE;
	struct vm_area_struct vma;
	unsigned long fails;
	char *user;
	void *u;
	int err;

	boot("mem=64M mmu=%s", backend(host));
	u = vmalloc_user(len);
	cr_assert_not_null(u);
	area_fill(host, u, len, 5);
	user = reserve(nr);
	vma = vma_of(user, nr);
	fails = host_failures();
	cr_assert_eq(setup_fault_attr(&mmu.fail_host_map, "1,100,0,1"), 0);
	cap_reset();
	err = remap_vmalloc_range(&vma, u, 0);
	cr_assert_eq(err, -ENOMEM, "%d", err);
	cr_assert_eq(host_failures() - fails, 1);
	cr_assert_eq(cap_count(), 2, "%d lines, the last: %s", cap_count(),
		     cap_last());
	cr_assert(strstr(cap_line(1), "refused to map"), "%s", cap_line(1));
	cr_assert(strstr(cap_line(1), "(injected)"), "%s", cap_line(1));
	expect_inaccessible(user, 0, nr);

	cr_assert_eq(remap_vmalloc_range(&vma, u, 0), 0, "%s", cap_last());
	expect_user(user, len, 5);
	munmap(user, len);
	vfree(u);
	assert_check();
}

Test(um_bad, injected_host)
{
	injected(true);
}

Test(um_bad, injected_soft)
{
	injected(false);
}

/*
 * Three runs, the second refused: the first run, already mapped, is gone
 * too; the whole range is inaccessible and anonymous.
 */
static void injected_midway(bool host)
{
	unsigned long pfns[3], base, maps;
	struct page *block;
	char *user;

	boot("mem=64M mmu=%s", backend(host));
	block = alloc_pages(GFP_KERNEL, 2);
	cr_assert_not_null(block);
	base = page_to_pfn(block);
	pfns[0] = base;
	pfns[1] = base + 2;
	pfns[2] = base + 1;
	user = reserve(3);
	maps = host_maps();
	cr_assert_eq(setup_fault_attr(&mmu.fail_host_map, "2,100,0,1"), 0);
	cap_reset();
	cr_assert_eq(mmu_map_user((unsigned long)user, pfns, 3,
				  PROT_READ | PROT_WRITE),
		     -ENOMEM);
	cr_assert_eq(host_maps() - maps, 1, "the first run was not mapped");
	cr_assert_geq(cap_find("(injected)", 0), 0, "%s", cap_last());
	expect_inaccessible(user, 0, 3);

	/* Now whole: every page where it was asked for. */
	cr_assert_eq(mmu_map_user((unsigned long)user, pfns, 3,
				  PROT_READ | PROT_WRITE),
		     0, "%s", cap_last());
	expect_ram(user, 0, 0, base);
	expect_ram(user, 1, 0, base + 2);
	expect_ram(user, 2, 0, base + 1);
	user[PAGE_SIZE] = 0x42;
	cr_assert_eq(((char *)page_address(block))[2 * PAGE_SIZE], 0x42);
	munmap(user, 3 * PAGE_SIZE);
	__free_pages(block, 2);
	assert_check();
}

Test(um_bad, injected_midway_host)
{
	injected_midway(true);
}

Test(um_bad, injected_midway_soft)
{
	injected_midway(false);
}

/* ------------------------------------------------- left behind */

TestSuite(um_stale, .fini = teardown, .timeout = 300);

/*
 * The library pins nothing for a user mapping: after vfree() and a purge
 * every page is back in the allocator and the checkers agree, while the
 * forgotten user mapping still reads without a fault. It outlives the
 * instance too: the mapping holds the memfd open.
 */
static void left_behind(bool host)
{
	const unsigned long nr = 16, len = nr * PAGE_SIZE;
	struct vm_area_struct vma;
	volatile char *user;
	unsigned long i, sum = 0;
	void *u;

	boot("mem=64M mmu=%s", backend(host));
	u = vmalloc_user(len);
	cr_assert_not_null(u);
	user = reserve(nr);
	vma = vma_of((char *)user, nr);
	cr_assert_eq(remap_vmalloc_range(&vma, u, 0), 0, "%s", cap_last());
	fill_at((char *)user, 0, len, 6);

	vfree(u);
	purge();
	expect_all_returned();
	for (i = 0; i < len; i += PAGE_SIZE)
		sum += (unsigned char)user[i];
	cr_assert_eq(cap.last_err[0], '\0', "%s", cap.last_err);

	uvm_shutdown();
	for (i = 0; i < len; i += PAGE_SIZE)
		sum += (unsigned char)user[i];
	user[0] = 1;
	cr_assert_eq(user[0], 1);
	(void)sum;
	munmap((void *)user, len);
}

Test(um_stale, left_behind_host)
{
	left_behind(true);
}

Test(um_stale, left_behind_soft)
{
	left_behind(false);
}
