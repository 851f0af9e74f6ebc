/* SPDX-License-Identifier: MIT */
/*
 * Tests of the mmu layer: the software page tables of the vmalloc window and
 * the two backends that mirror them (host: real mappings inside a reserved
 * window; soft: the tables alone).
 *
 *  - a randomised run on every depth and backend against a brute-force model
 *    of the window (frame, protection and leaf size of every page);
 *  - what the host makes of the tables: writes land in the frame, aliases,
 *    faults after unmapping, guard pages, read-only and no-execute pages,
 *    code run from an executable mapping;
 *  - 2 MiB leaves: one entry and one host mapping, split by a partial unmap,
 *    reclaimed when a huge leaf comes back;
 *  - host failures: the real mapping cap and injected refusals, both rolled
 *    back completely;
 *  - bad input: one warning, an error, nothing changed;
 *  - vread() and vwrite(), the geometry of 3, 4 and 5 levels, PageTables.
 *
 * Criterion runs each test in a process of its own, so each test boots the
 * instance it needs and shuts it down in its .fini.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "lib/log.h"
#include "mmu/mmu.h"
#include "phys/phys.h"
#include "test_util.h"

/*
 * A 39-bit layout on the host needs address space below 2^38, which
 * AddressSanitizer takes for its shadow memory.
 */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static void skip_unless_layout_fits(int levels, bool host)
{
	if (levels == 3 && host && UNDER_ASAN)
		cr_skip_test(
			"AddressSanitizer's shadow memory leaves no room for a 39-bit host window");
}

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

static void bootf(const char *fmt, int levels, const char *backend)
{
	char cmdline[256];

	snprintf(cmdline, sizeof(cmdline), fmt, levels, backend);
	boot(cmdline);
}

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

static void assert_check(void)
{
	int bad = uvm_check();

	cr_assert_eq(bad, 0, "uvm_check found %d violations, the last: %s", bad,
		     cap.last_err);
}

/* After everything is unmapped and freed: only the tables hold pages. */
static void assert_all_free(void)
{
	struct uvm_phys_stats st;

	drain_all_pages(NULL);
	uvm_phys_stats(&st);
	cr_assert_eq(st.free_pages, st.total_pages - st.pagetable_pages,
		     "%lu free of %lu pages, %lu of them tables", st.free_pages,
		     st.total_pages, st.pagetable_pages);
	assert_check();
}

static struct uvm_mmu_stats mmu_stats(void)
{
	struct uvm_mmu_stats st;

	uvm_mmu_stats(&st);
	return st;
}

/* ------------------------------------------------------- pages and tags */

/* What the first 8 bytes of frame @pfn hold; the last 8 hold its inverse. */
static uint64_t page_tag(unsigned long pfn)
{
	return (pfn + 1) * 0x9e3779b97f4a7c15ULL;
}

static void tag_page(struct page *page)
{
	uint64_t *p = page_address(page);
	uint64_t t = page_tag(page_to_pfn(page));

	p[0] = t;
	p[PAGE_SIZE / 8 - 1] = ~t;
}

static struct page *new_page(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	cr_assert_not_null(page, "alloc_pages: %s", cap_last());
	tag_page(page);
	return page;
}

/* An order-9 block, every frame tagged; @pages gets its 512 pages. */
static struct page *new_huge(struct page **pages)
{
	struct page *head = alloc_pages(GFP_KERNEL, 9);
	unsigned long pfn, i;

	cr_assert_not_null(head, "alloc_pages(9): %s", cap_last());
	pfn = page_to_pfn(head);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		pages[i] = pfn_to_page(pfn + i);
		tag_page(pages[i]);
	}
	return head;
}

static void map_one(unsigned long addr, struct page *page, pgprot_t prot)
{
	int err = mmu_map_pages(addr, &page, 1, prot, PAGE_SHIFT);

	cr_assert_eq(err, 0, "map %#lx: %d: %s", addr, err, cap_last());
}

static uint64_t vread64(unsigned long addr)
{
	uint64_t v = ~0ULL;

	cr_assert_eq(vread((char *)&v, (char *)addr, sizeof(v)), sizeof(v));
	return v;
}

/* @addr maps frame @pfn, seen through the tables (and the host: @deref). */
static void expect_frame(unsigned long addr, unsigned long pfn, bool deref)
{
	unsigned long size = 0;
	pteval_t e = mmu_lookup(addr, &size);

	cr_assert(entry_present(e), "%#lx is a hole", addr);
	cr_assert_eq(entry_pfn(e) + ((addr & (size - 1)) >> PAGE_SHIFT), pfn,
		     "%#lx maps pfn %#llx, want %#lx", addr,
		     (unsigned long long)entry_pfn(e), pfn);
	cr_assert_eq(vread64(addr), page_tag(pfn));
	cr_assert_eq(vread64(addr + PAGE_SIZE - 8), ~page_tag(pfn));
	if (deref) {
		cr_assert_eq(*(volatile uint64_t *)addr, page_tag(pfn));
		cr_assert_eq(*(volatile uint64_t *)(addr + PAGE_SIZE - 8),
			     ~page_tag(pfn));
	}
}

static void expect_hole(unsigned long addr)
{
	struct mmu_walk w;

	cr_assert_eq(mmu_lookup(addr, NULL), 0, "%#lx is mapped", addr);
	mmu_walk(addr, &w);
	cr_assert_eq(w.leaf_level, -1);
	cr_assert_eq(vread64(addr), 0);
}

/* What uvm_walk() prints for @addr; the caller frees it. */
static char *walk_text(unsigned long addr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(uvm_walk(addr, f), 0);
	fclose(f);
	return buf;
}

/* ---------------------------------------- the randomised model of a window */

#define WIN_PAGES 4096UL
#define MODEL_OPS 3000
#define MODEL_SAMPLES 50
#define MAX_RUN 64

enum {
	P_RW,
	P_RO,
	P_EXEC,
	NR_PROTS
};

static pgprot_t prot_of(int p)
{
	return p == P_RW ? PAGE_KERNEL :
	       p == P_RO ? PAGE_KERNEL_RO :
			   PAGE_KERNEL_EXEC;
}

/**
 * struct slot - what the model says about one page of the window
 * @pfn: the frame mapped there
 * @head: the first frame of the allocation @pfn belongs to
 * @prot: P_RW, P_RO or P_EXEC
 * @used: mapped
 * @huge: part of a 2 MiB leaf nothing has split yet
 */
struct slot {
	unsigned long pfn;
	unsigned long head;
	uint8_t prot;
	bool used;
	bool huge;
};

struct model {
	unsigned long base;
	int levels;
	bool host;
	uint64_t seed;
	uint64_t rng;
	unsigned long op;
	const char *what;
	struct slot slot[WIN_PAGES];
	unsigned int *users; /* by head frame: slots mapping the allocation */
	uint8_t *order;	     /* by head frame */
	/* how often each interesting thing happened */
	unsigned long maps, busy, huge_leaves, huge_small, unmaps, splits,
		protects;
};

#define model_assert(m, cond, fmt, ...)                                         \
	do {                                                                    \
		if (!(cond))                                                    \
			cr_assert_fail(                                         \
				"%d levels, %s, seed %#llx, op %lu (%s): " fmt, \
				(m)->levels, (m)->host ? "host" : "soft",       \
				(unsigned long long)(m)->seed, (m)->op,         \
				(m)->what, ##__VA_ARGS__);                      \
	} while (0)

static uint64_t rnd64(struct model *m)
{
	uint64_t x = m->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned long rnd(struct model *m, unsigned long n)
{
	return (unsigned long)((rnd64(m) >> 16) % n);
}

static unsigned long slot_addr(const struct model *m, unsigned long i)
{
	return m->base + (i << PAGE_SHIFT);
}

static bool range_busy(const struct model *m, unsigned long off,
		       unsigned long n)
{
	unsigned long i;

	for (i = off; i < off + n; i++)
		if (m->slot[i].used)
			return true;
	return false;
}

static void take_slot(struct model *m, unsigned long i, unsigned long pfn,
		      unsigned long head, int prot, bool huge)
{
	m->slot[i] = (struct slot){ .pfn = pfn,
				    .head = head,
				    .prot = (uint8_t)prot,
				    .used = true,
				    .huge = huge };
	m->users[head]++;
}

static void release_slot(struct model *m, unsigned long i)
{
	struct slot *s = &m->slot[i];

	if (!s->used)
		return;
	if (!--m->users[s->head])
		__free_pages(pfn_to_page(s->head), m->order[s->head]);
	memset(s, 0, sizeof(*s));
}

/* A range edge inside an unsplit 2 MiB leaf splits the whole leaf. */
static void model_split_at(struct model *m, unsigned long edge)
{
	unsigned long h, i;

	if (edge >= WIN_PAGES || !(edge % PTRS_PER_PTE) || !m->slot[edge].huge)
		return;
	h = edge - edge % PTRS_PER_PTE;
	for (i = h; i < h + PTRS_PER_PTE; i++)
		m->slot[i].huge = false;
	m->splits++;
}

/* Compare one page of the window with the model. */
static void check_slot(struct model *m, unsigned long i, bool full)
{
	const struct slot *s = &m->slot[i];
	unsigned long addr = slot_addr(m, i), size = 0;
	uint64_t head = ~0ULL, tail = ~0ULL;
	struct mmu_walk w;
	pteval_t e;

	e = mmu_lookup(addr, &size);
	mmu_walk(addr, &w);
	vread((char *)&head, (char *)addr, 8);
	vread((char *)&tail, (char *)addr + PAGE_SIZE - 8, 8);
	if (!s->used) {
		model_assert(m, !e && w.leaf_level == -1,
			     "page %lu should be a hole, entry %#llx", i,
			     (unsigned long long)e);
		model_assert(m, !head && !tail, "hole %lu reads %#llx %#llx", i,
			     (unsigned long long)head,
			     (unsigned long long)tail);
		return;
	}
	model_assert(m, entry_present(e) && w.leaf_level >= 0,
		     "page %lu (pfn %#lx) is a hole", i, s->pfn);
	model_assert(m, w.entry[w.leaf_level] == e, "walk and lookup differ");
	model_assert(m, w.leaf_level == m->levels - (s->huge ? 2 : 1),
		     "page %lu: leaf at level %d, want a %s leaf", i,
		     w.leaf_level, s->huge ? "2M" : "4K");
	model_assert(m,
		     size == w.leaf_size &&
			     size == (s->huge ? PMD_SIZE : PAGE_SIZE),
		     "page %lu: leaf size %#lx", i, size);
	model_assert(m, !!(e & _PAGE_PSE) == s->huge, "page %lu: PSE", i);
	model_assert(m, w.pfn == s->pfn, "page %lu: walk pfn %#lx, want %#lx",
		     i, w.pfn, s->pfn);
	model_assert(
		m, entry_pfn(e) + ((addr & (size - 1)) >> PAGE_SHIFT) == s->pfn,
		"page %lu: entry %#llx, want pfn %#lx", i,
		(unsigned long long)e, s->pfn);
	model_assert(m, !!(e & _PAGE_RW) == (s->prot != P_RO),
		     "page %lu: RW bit of %#llx, want prot %d", i,
		     (unsigned long long)e, s->prot);
	model_assert(m, !!(e & _PAGE_NX) == (s->prot != P_EXEC),
		     "page %lu: NX bit of %#llx, want prot %d", i,
		     (unsigned long long)e, s->prot);
	model_assert(m, head == page_tag(s->pfn) && tail == ~page_tag(s->pfn),
		     "page %lu: vread %#llx %#llx, frame %#lx", i,
		     (unsigned long long)head, (unsigned long long)tail,
		     s->pfn);
	if (m->host) {
		const volatile uint64_t *p = (const uint64_t *)addr;

		model_assert(m,
			     p[0] == page_tag(s->pfn) &&
				     p[PAGE_SIZE / 8 - 1] == ~page_tag(s->pfn),
			     "page %lu: the host reads %#llx, frame %#lx", i,
			     (unsigned long long)p[0], s->pfn);
	}
	if (full) {
		static char buf[PAGE_SIZE];

		vread(buf, (char *)addr, PAGE_SIZE);
		model_assert(m,
			     !memcmp(buf, page_address(pfn_to_page(s->pfn)),
				     PAGE_SIZE),
			     "page %lu: vread differs from frame %#lx", i,
			     s->pfn);
	}
}

static void model_check_all(struct model *m)
{
	unsigned long i;

	for (i = 0; i < WIN_PAGES; i++)
		check_slot(m, i, false);
}

static void model_check_sample(struct model *m)
{
	int k;

	for (k = 0; k < MODEL_SAMPLES; k++)
		check_slot(m, rnd(m, WIN_PAGES), k < 4);
}

/* Map a run of single pages, sometimes over something already there. */
static void op_map_small(struct model *m, unsigned long off, unsigned long n)
{
	struct page *pages[MAX_RUN];
	int prot = (int)rnd(m, NR_PROTS), err;
	unsigned int shift = rnd(m, 4) ? PAGE_SHIFT : PMD_SHIFT;
	bool busy = range_busy(m, off, n), dup = false;
	unsigned long i, k = 0;

	m->what = "map";
	for (i = 0; i < n; i++) {
		pages[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
		if (!pages[i]) {
			while (i--)
				__free_pages(pages[i], 0);
			return;
		}
		tag_page(pages[i]);
	}
	/* The same page may appear twice in a row. */
	if (n > 1 && !rnd(m, 8)) {
		k = 1 + rnd(m, n - 1);
		__free_pages(pages[k], 0);
		pages[k] = pages[k - 1];
		dup = true;
	}
	err = mmu_map_pages(slot_addr(m, off), pages, n, prot_of(prot), shift);
	if (busy) {
		model_assert(m, err == -EBUSY, "map over a mapping: %d", err);
		for (i = 0; i < n; i++)
			if (!dup || i != k)
				__free_pages(pages[i], 0);
		m->busy++;
		return;
	}
	model_assert(m, !err, "map %lu pages at %lu: %d: %s", n, off, err,
		     cap_last());
	for (i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(pages[i]);

		m->order[pfn] = 0;
		take_slot(m, off + i, pfn, pfn, prot, false);
	}
	m->maps++;
}

/* Map an order-9 block: a 2 MiB leaf where the address is aligned. */
static void op_map_huge(struct model *m)
{
	struct page *head = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9);
	static struct page *pages[PTRS_PER_PTE];
	unsigned long off, pfn, i;
	int prot = (int)rnd(m, NR_PROTS), err;
	bool busy, aligned;

	m->what = "map huge";
	if (!head)
		return;
	pfn = page_to_pfn(head);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		pages[i] = pfn_to_page(pfn + i);
		tag_page(pages[i]);
	}
	if (rnd(m, 4))
		off = rnd(m, WIN_PAGES / PTRS_PER_PTE) * PTRS_PER_PTE;
	else
		off = rnd(m, WIN_PAGES - PTRS_PER_PTE + 1);
	aligned = off % PTRS_PER_PTE == 0;
	busy = range_busy(m, off, PTRS_PER_PTE);
	err = mmu_map_pages(slot_addr(m, off), pages, PTRS_PER_PTE,
			    prot_of(prot), PMD_SHIFT);
	if (busy) {
		model_assert(m, err == -EBUSY, "huge map over a mapping: %d",
			     err);
		__free_pages(head, 9);
		m->busy++;
		return;
	}
	model_assert(m, !err, "huge map at %lu: %d: %s", off, err, cap_last());
	m->order[pfn] = 9;
	for (i = 0; i < PTRS_PER_PTE; i++)
		take_slot(m, off + i, pfn + i, pfn, prot, aligned);
	if (aligned)
		m->huge_leaves++;
	else
		m->huge_small++;
	m->maps++;
}

/* A range to unmap or protect; now and then whole 2 MiB leaves exactly. */
static void random_range(struct model *m, unsigned long *off, unsigned long *n)
{
	if (!rnd(m, 5)) {
		*n = PTRS_PER_PTE * (1 + rnd(m, 2));
		*off = rnd(m,
			   WIN_PAGES / PTRS_PER_PTE - *n / PTRS_PER_PTE + 1) *
		       PTRS_PER_PTE;
		return;
	}
	*n = 1 + rnd(m, rnd(m, 2) ? 700 : MAX_RUN);
	*off = rnd(m, WIN_PAGES - *n + 1);
}

static void op_unmap(struct model *m)
{
	unsigned long off, n, i;
	long want = 0, got;
	bool lazy = !rnd(m, 5);

	random_range(m, &off, &n);
	m->what = lazy ? "clear+flush" : "unmap";
	model_split_at(m, off);
	model_split_at(m, off + n);
	for (i = off; i < off + n; i++)
		want += m->slot[i].used;
	if (lazy) {
		got = mmu_clear_noflush(slot_addr(m, off), n << PAGE_SHIFT);
		model_assert(m, got == want, "clear: %ld pages, want %ld", got,
			     want);
		model_assert(m, !mmu_flush(slot_addr(m, off), n << PAGE_SHIFT),
			     "flush failed");
	} else {
		got = mmu_unmap(slot_addr(m, off), n << PAGE_SHIFT);
		model_assert(m, got == want, "unmap: %ld pages, want %ld", got,
			     want);
	}
	for (i = off; i < off + n; i++)
		release_slot(m, i);
	m->unmaps++;
}

static void op_protect(struct model *m)
{
	unsigned long off, n, i;
	int prot = (int)rnd(m, NR_PROTS), err;

	random_range(m, &off, &n);
	m->what = "protect";
	model_split_at(m, off);
	model_split_at(m, off + n);
	err = mmu_protect(slot_addr(m, off), n << PAGE_SHIFT, prot_of(prot));
	model_assert(m, !err, "protect: %d: %s", err, cap_last());
	for (i = off; i < off + n; i++)
		if (m->slot[i].used)
			m->slot[i].prot = (uint8_t)prot;
	m->protects++;
}

/* Aim a small map at a page known to be mapped. */
static void op_map_busy(struct model *m)
{
	unsigned long i = rnd(m, WIN_PAGES), n, tries;

	for (tries = 0; tries < 16 && !m->slot[i].used; tries++)
		i = rnd(m, WIN_PAGES);
	n = 1 + rnd(m, 4);
	if (n > WIN_PAGES - i)
		n = WIN_PAGES - i;
	op_map_small(m, i, n);
}

static void run_model(int levels, bool soft)
{
	static struct model model;
	struct model *m = &model;
	unsigned long i;
	long got, want = 0;

	skip_unless_layout_fits(levels, !soft);
	bootf("mem=64M pgtable_levels=%d mmu=%s", levels,
	      soft ? "soft" : "host");
	m->levels = levels;
	m->host = !soft;
	m->base = VMALLOC_START;
	m->seed = 0x5eed0000ULL + (uint64_t)levels * 2 + soft;
	m->rng = m->seed * 0x9e3779b97f4a7c15ULL | 1;
	m->users = calloc(phys.max_pfn, sizeof(*m->users));
	m->order = calloc(phys.max_pfn, 1);
	cr_assert(m->users && m->order);
	cr_assert(IS_ALIGNED(m->base, PMD_SIZE));
	cr_assert_geq(VMALLOC_END - VMALLOC_START, WIN_PAGES << PAGE_SHIFT);

	for (m->op = 1; m->op <= MODEL_OPS; m->op++) {
		unsigned long r = rnd(m, 100), off, n;

		if (r < 36) {
			n = 1 + rnd(m, MAX_RUN);
			off = rnd(m, WIN_PAGES - n + 1);
			op_map_small(m, off, n);
		} else if (r < 43) {
			op_map_huge(m);
		} else if (r < 48) {
			op_map_busy(m);
		} else if (r < 75) {
			op_unmap(m);
		} else {
			op_protect(m);
		}
		model_check_sample(m);
		if (m->op % 100 == 0)
			model_check_all(m);
		if (m->op % 250 == 0) {
			int bad = uvm_check();

			model_assert(m, !bad, "uvm_check: %d violations: %s",
				     bad, cap.last_err);
		}
	}
	m->op = 0;
	m->what = "end";
	model_check_all(m);
	cr_log_info(
		"%d levels %s: %lu maps (%lu 2M leaves, %lu 2M blocks as 4K), %lu refused as busy, %lu unmaps, %lu splits, %lu protects",
		levels, soft ? "soft" : "host", m->maps, m->huge_leaves,
		m->huge_small, m->busy, m->unmaps, m->splits, m->protects);
	cr_assert_gt(m->busy, 0);
	cr_assert_gt(m->huge_leaves, 0);
	cr_assert_gt(m->splits, 0);

	for (i = 0; i < WIN_PAGES; i++)
		want += m->slot[i].used;
	got = mmu_unmap(m->base, WIN_PAGES << PAGE_SHIFT);
	cr_assert_eq(got, want, "unmapping the window: %ld pages, want %ld",
		     got, want);
	for (i = 0; i < WIN_PAGES; i++)
		release_slot(m, i);
	if (!soft)
		cr_assert_eq(mmu_stats().host_ram_vmas, 0);
	assert_all_free();
	free(m->users);
	free(m->order);
}

TestSuite(mmu_model, .fini = teardown, .timeout = 120);

Test(mmu_model, host_3_levels)
{
	run_model(3, false);
}

Test(mmu_model, host_4_levels)
{
	run_model(4, false);
}

Test(mmu_model, host_5_levels)
{
	run_model(5, false);
}

Test(mmu_model, soft_3_levels)
{
	run_model(3, true);
}

Test(mmu_model, soft_4_levels)
{
	run_model(4, true);
}

Test(mmu_model, soft_5_levels)
{
	run_model(5, true);
}

/* ------------------------------------------------- what the host sees */

TestSuite(mmu_host, .fini = teardown);

/* Writes through the window land in the frame, and the frame's in the window. */
Test(mmu_host, write_lands_in_frame)
{
	struct page *page;
	unsigned long addr;
	char *direct;

	boot("mem=64M");
	page = new_page();
	direct = page_address(page);
	addr = VMALLOC_START + 8 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	expect_frame(addr, page_to_pfn(page), true);

	strcpy((char *)addr + 100, "through the window");
	cr_assert_str_eq(direct + 100, "through the window");
	memset((char *)addr + PAGE_SIZE - 16, 0x5c, 16);
	cr_assert_eq(direct[PAGE_SIZE - 1], 0x5c);
	strcpy(direct + 2000, "through the direct map");
	cr_assert_str_eq((char *)addr + 2000, "through the direct map");
	assert_check();

	cr_assert_eq(mmu_unmap(addr, PAGE_SIZE), 1);
	/* The frame keeps what was written. */
	cr_assert_str_eq(direct + 100, "through the window");
	__free_pages(page, 0);
	assert_all_free();
}

/* One frame at two addresses: every write shows at both. */
Test(mmu_host, alias)
{
	struct page *page;
	unsigned long a, b, i;
	volatile uint64_t *pa, *pb;

	boot("mem=64M");
	page = new_page();
	a = VMALLOC_START + 3 * PAGE_SIZE;
	b = VMALLOC_START + PMD_SIZE + 77 * PAGE_SIZE;
	map_one(a, page, PAGE_KERNEL);
	map_one(b, page, PAGE_KERNEL);
	pa = (volatile uint64_t *)a;
	pb = (volatile uint64_t *)b;
	for (i = 0; i < PAGE_SIZE / 8; i += 37) {
		pa[i] = i * 3 + 1;
		cr_assert_eq(pb[i], i * 3 + 1);
		pb[i] = ~i;
		cr_assert_eq(pa[i], ~i);
	}
	cr_assert_eq(mmu_stats().host_ram_vmas, 2);
	assert_check();

	/* Unmapping one alias leaves the other. */
	cr_assert_eq(mmu_unmap(a, PAGE_SIZE), 1);
	cr_assert_eq(pb[37], ~37UL);
	cr_assert_eq(mmu_unmap(b, PAGE_SIZE), 1);
	__free_pages(page, 0);
	assert_all_free();
}

Test(mmu_host, unmapped_faults, .signal = SIGSEGV)
{
	struct page *page;
	unsigned long addr;

	boot("mem=64M");
	page = new_page();
	addr = VMALLOC_START + 5 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	*(volatile uint64_t *)addr = 42;
	cr_assert_eq(mmu_unmap(addr, PAGE_SIZE), 1);
	expect_hole(addr);
	assert_check();
	(void)*(volatile uint64_t *)addr;
	cr_assert_fail("read an unmapped page");
}

/* A page next to a mapping that was never mapped is a guard: it faults. */
Test(mmu_host, guard_faults, .signal = SIGSEGV)
{
	struct page *pages[2];
	unsigned long addr;

	boot("mem=64M");
	pages[0] = new_page();
	pages[1] = new_page();
	addr = VMALLOC_START + 64 * PAGE_SIZE;
	cr_assert_eq(mmu_map_pages(addr, pages, 2, PAGE_KERNEL, PAGE_SHIFT), 0);
	expect_frame(addr + PAGE_SIZE, page_to_pfn(pages[1]), true);
	expect_hole(addr + 2 * PAGE_SIZE);
	assert_check();
	(void)*(volatile char *)(addr + 2 * PAGE_SIZE);
	cr_assert_fail("read a guard page");
}

/* The lazy form: the host keeps the mapping until the flush. */
Test(mmu_host, clear_then_flush_faults, .signal = SIGSEGV)
{
	struct page *page;
	unsigned long addr;

	boot("mem=64M");
	page = new_page();
	addr = VMALLOC_START + 9 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	cr_assert_eq(mmu_clear_noflush(addr, PAGE_SIZE), 1);
	cr_assert_eq(mmu_lookup(addr, NULL), 0);
	cr_assert_eq(*(volatile uint64_t *)addr, page_tag(page_to_pfn(page)),
		     "the host mapping should outlive the tables' entry");
	cr_assert_eq(mmu_flush(addr, PAGE_SIZE), 0);
	assert_check();
	(void)*(volatile uint64_t *)addr;
	cr_assert_fail("read a flushed page");
}

Test(mmu_host, read_only_write_faults, .signal = SIGSEGV)
{
	struct page *page;
	unsigned long addr;

	boot("mem=64M");
	page = new_page();
	addr = VMALLOC_START + 11 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL_RO);
	expect_frame(addr, page_to_pfn(page), true);
	cr_assert_eq(mmu_lookup(addr, NULL) & _PAGE_RW, 0);
	assert_check();
	*(volatile char *)addr = 1;
	cr_assert_fail("wrote a read-only page");
}

Test(mmu_host, protect_to_read_only_write_faults, .signal = SIGSEGV)
{
	struct page *page;
	unsigned long addr;

	boot("mem=64M");
	page = new_page();
	addr = VMALLOC_START + 12 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	*(volatile char *)(addr + 8) = 1;
	cr_assert_eq(mmu_protect(addr, PAGE_SIZE, PAGE_KERNEL_RO), 0);
	cr_assert_eq(mmu_lookup(addr, NULL) & _PAGE_RW, 0);
	cr_assert_eq(*(volatile char *)(addr + 8), 1);
	assert_check();
	*(volatile char *)(addr + 8) = 2;
	cr_assert_fail("wrote a page made read-only");
}

Test(mmu_host, protect_read_only_to_rw)
{
	struct page *pages[4];
	unsigned long addr, i;
	int err;

	boot("mem=64M");
	for (i = 0; i < 4; i++)
		pages[i] = new_page();
	addr = VMALLOC_START + 20 * PAGE_SIZE;
	cr_assert_eq(mmu_map_pages(addr, pages, 4, PAGE_KERNEL_RO, PAGE_SHIFT),
		     0);
	assert_check();
	/* The middle two become writable; a hole in the range stays one. */
	err = mmu_protect(addr + PAGE_SIZE, 4 * PAGE_SIZE, PAGE_KERNEL);
	cr_assert_eq(err, 0);
	expect_hole(addr + 4 * PAGE_SIZE);
	for (i = 1; i < 4; i++) {
		*(volatile uint64_t *)(addr + i * PAGE_SIZE + 64) = i;
		cr_assert_eq(((uint64_t *)page_address(pages[i]))[8], i);
	}
	cr_assert_eq(mmu_lookup(addr, NULL) & _PAGE_RW, 0);
	cr_assert_neq(mmu_lookup(addr + PAGE_SIZE, NULL) & _PAGE_RW, 0);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, 8 * PAGE_SIZE), 4);
	for (i = 0; i < 4; i++)
		__free_pages(pages[i], 0);
	assert_all_free();
}

Test(mmu_host, no_execute_faults, .signal = SIGSEGV)
{
	static const unsigned char ret[] = { 0xc3, 0xc3, 0xc3, 0xc3 };
	struct page *page;
	unsigned long addr;
	void (*fn)(void);

	boot("mem=64M");
	page = new_page();
	memcpy(page_address(page), ret, sizeof(ret));
	addr = VMALLOC_START + 13 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	cr_assert_neq(mmu_lookup(addr, NULL) & _PAGE_NX, 0);
	assert_check();
	memcpy(&fn, &addr, sizeof(fn));
	fn();
	cr_assert_fail("ran code from a no-execute page");
}

#if defined(__x86_64__)
/* mov eax, 42; ret, run from an executable mapping. */
Test(mmu_host, exec)
{
	static const unsigned char code[] = {
		0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3
	};
	struct page *page;
	unsigned long addr;
	int (*fn)(void);

	boot("mem=64M");
	page = new_page();
	memcpy(page_address(page), code, sizeof(code));
	addr = VMALLOC_START + 14 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL_EXEC);
	cr_assert_eq(mmu_lookup(addr, NULL) & _PAGE_NX, 0);
	assert_check();
	memcpy(&fn, &addr, sizeof(fn));
	cr_assert_eq(fn(), 42);
	cr_assert_eq(mmu_unmap(addr, PAGE_SIZE), 1);
	__free_pages(page, 0);
	assert_all_free();
}
#endif

/* ------------------------------------------------------ 2 MiB leaves */

TestSuite(mmu_huge, .fini = teardown);

static void expect_leaf(unsigned long addr, int level, unsigned long size)
{
	struct mmu_walk w;

	mmu_walk(addr, &w);
	cr_assert_eq(w.leaf_level, level, "%#lx: leaf at level %d, want %d",
		     addr, w.leaf_level, level);
	cr_assert_eq(w.leaf_size, size);
	cr_assert_eq(!!(w.entry[level] & _PAGE_PSE), size == PMD_SIZE);
}

static void huge_leaf_split_reclaim(const char *backend)
{
	static struct page *pages[PTRS_PER_PTE];
	struct uvm_mmu_stats before, after;
	struct page *head, *head2;
	unsigned long addr, pfn, i, tables;
	int levels;
	bool host = !strcmp(backend, "host");
	char cmdline[64];

	snprintf(cmdline, sizeof(cmdline), "mem=64M mmu=%s", backend);
	boot(cmdline);
	levels = uvm_pgtable_levels();
	head = new_huge(pages);
	pfn = page_to_pfn(head);
	addr = VMALLOC_START + 4 * PMD_SIZE;

	before = mmu_stats();
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0, "%s", cap_last());
	after = mmu_stats();
	for (i = 0; i < PTRS_PER_PTE; i++) {
		expect_leaf(addr + i * PAGE_SIZE, levels - 2, PMD_SIZE);
		expect_frame(addr + i * PAGE_SIZE, pfn + i, host);
	}
	if (host) {
		cr_assert_eq(after.host_maps, before.host_maps + 1);
		cr_assert_eq(after.host_ram_vmas, before.host_ram_vmas + 1);
	}
	/* One leaf, so no PTE table: the tables a 4K page needs, less one. */
	cr_assert_eq(after.pagetable_pages,
		     before.pagetable_pages + (unsigned long)levels - 2);
	assert_check();

	/* Unmapping two pages in the middle splits the leaf. */
	tables = after.pagetable_pages;
	cr_assert_eq(mmu_unmap(addr + 200 * PAGE_SIZE, 2 * PAGE_SIZE), 2);
	cr_assert_eq(mmu_stats().pagetable_pages, tables + 1);
	for (i = 0; i < PTRS_PER_PTE; i++) {
		unsigned long a = addr + i * PAGE_SIZE;

		if (i == 200 || i == 201) {
			expect_hole(a);
			continue;
		}
		expect_leaf(a, levels - 1, PAGE_SIZE);
		expect_frame(a, pfn + i, host);
	}
	if (host)
		cr_assert_eq(mmu_stats().host_ram_vmas,
			     before.host_ram_vmas + 2);
	assert_check();

	/* The hole takes its own pages back. */
	cr_assert_eq(mmu_map_pages(addr + 200 * PAGE_SIZE, &pages[200], 2,
				   PAGE_KERNEL, PAGE_SHIFT),
		     0);
	expect_frame(addr + 200 * PAGE_SIZE, pfn + 200, host);
	expect_frame(addr + 201 * PAGE_SIZE, pfn + 201, host);
	expect_leaf(addr + 201 * PAGE_SIZE, levels - 1, PAGE_SIZE);
	assert_check();

	/* Empty again, the PTE table makes way for a fresh 2 MiB leaf. */
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head, 9);
	expect_hole(addr);
	tables = mmu_stats().pagetable_pages;
	head2 = new_huge(pages);
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL_RO,
				   PMD_SHIFT),
		     0);
	cr_assert_eq(mmu_stats().pagetable_pages, tables - 1,
		     "the empty PTE table was not reclaimed");
	expect_leaf(addr + 5 * PAGE_SIZE, levels - 2, PMD_SIZE);
	expect_frame(addr + 511 * PAGE_SIZE, page_to_pfn(head2) + 511, host);
	cr_assert_eq(mmu_lookup(addr, NULL) & _PAGE_RW, 0);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head2, 9);
	if (host)
		cr_assert_eq(mmu_stats().host_ram_vmas, 0);
	assert_all_free();
}

Test(mmu_huge, leaf_split_reclaim_host)
{
	huge_leaf_split_reclaim("host");
}

Test(mmu_huge, leaf_split_reclaim_soft)
{
	huge_leaf_split_reclaim("soft");
}

/* Off a 2 MiB boundary the same block maps with 4K leaves, in one run. */
Test(mmu_huge, unaligned_address_maps_4k)
{
	static struct page *pages[PTRS_PER_PTE];
	struct uvm_mmu_stats before;
	struct page *head;
	unsigned long addr, pfn, i;
	int levels;

	boot("mem=64M");
	levels = uvm_pgtable_levels();
	head = new_huge(pages);
	pfn = page_to_pfn(head);
	addr = VMALLOC_START + PMD_SIZE + 16 * PAGE_SIZE;
	before = mmu_stats();
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	for (i = 0; i < PTRS_PER_PTE; i += 17) {
		expect_leaf(addr + i * PAGE_SIZE, levels - 1, PAGE_SIZE);
		expect_frame(addr + i * PAGE_SIZE, pfn + i, true);
	}
	cr_assert_eq(mmu_stats().host_maps, before.host_maps + 1);
	cr_assert_eq(mmu_stats().host_ram_vmas, before.host_ram_vmas + 1);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head, 9);
	assert_all_free();
}

/* An order-10 block: two PMD leaves, one host mapping. */
Test(mmu_huge, two_leaves_one_host_mapping)
{
	static struct page *pages[2 * PTRS_PER_PTE];
	struct uvm_mmu_stats before;
	struct page *head;
	unsigned long addr, pfn, i;
	int levels;

	boot("mem=64M");
	levels = uvm_pgtable_levels();
	head = alloc_pages(GFP_KERNEL, 10);
	cr_assert_not_null(head);
	pfn = page_to_pfn(head);
	for (i = 0; i < 2 * PTRS_PER_PTE; i++) {
		pages[i] = pfn_to_page(pfn + i);
		tag_page(pages[i]);
	}
	addr = VMALLOC_START + 2 * PMD_SIZE;
	before = mmu_stats();
	cr_assert_eq(mmu_map_pages(addr, pages, 2 * PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	expect_leaf(addr, levels - 2, PMD_SIZE);
	expect_leaf(addr + PMD_SIZE, levels - 2, PMD_SIZE);
	expect_frame(addr + (PTRS_PER_PTE + 3) * PAGE_SIZE,
		     pfn + PTRS_PER_PTE + 3, true);
	cr_assert_eq(mmu_stats().host_maps, before.host_maps + 1);
	cr_assert_eq(mmu_stats().host_ram_vmas, before.host_ram_vmas + 1);
	assert_check();
	/* Protecting across the boundary splits both leaves. */
	cr_assert_eq(mmu_protect(addr + 500 * PAGE_SIZE, 20 * PAGE_SIZE,
				 PAGE_KERNEL_RO),
		     0);
	expect_leaf(addr, levels - 1, PAGE_SIZE);
	expect_leaf(addr + PMD_SIZE, levels - 1, PAGE_SIZE);
	cr_assert_eq(mmu_lookup(addr + 505 * PAGE_SIZE, NULL) & _PAGE_RW, 0);
	cr_assert_neq(mmu_lookup(addr + 520 * PAGE_SIZE, NULL) & _PAGE_RW, 0);
	expect_frame(addr + 515 * PAGE_SIZE, pfn + 515, true);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, 2 * PMD_SIZE), 2 * PTRS_PER_PTE);
	__free_pages(head, 10);
	assert_all_free();
}

/* 512 frames that are not one aligned block get 4K leaves. */
Test(mmu_huge, scattered_frames_map_4k)
{
	static struct page *pages[PTRS_PER_PTE];
	unsigned long addr, i;
	int levels;

	boot("mem=64M mmu=soft");
	levels = uvm_pgtable_levels();
	for (i = 0; i < PTRS_PER_PTE; i++)
		pages[i] = new_page();
	addr = VMALLOC_START + PMD_SIZE;
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	for (i = 0; i < PTRS_PER_PTE; i += 31) {
		expect_leaf(addr + i * PAGE_SIZE, levels - 1, PAGE_SIZE);
		expect_frame(addr + i * PAGE_SIZE, page_to_pfn(pages[i]),
			     false);
	}
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	for (i = 0; i < PTRS_PER_PTE; i++)
		__free_pages(pages[i], 0);
	assert_all_free();
}

/* A huge leaf cannot go where a 4K page is mapped, nor the reverse. */
Test(mmu_huge, busy_both_ways)
{
	static struct page *pages[PTRS_PER_PTE];
	struct page *head, *page;
	unsigned long addr;

	boot("mem=64M");
	head = new_huge(pages);
	page = new_page();
	addr = VMALLOC_START + 6 * PMD_SIZE;
	map_one(addr + 300 * PAGE_SIZE, page, PAGE_KERNEL);
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     -EBUSY);
	expect_hole(addr);
	expect_frame(addr + 300 * PAGE_SIZE, page_to_pfn(page), true);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), 1);
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	cr_assert_eq(mmu_map_pages(addr + 7 * PAGE_SIZE, &page, 1, PAGE_KERNEL,
				   PAGE_SHIFT),
		     -EBUSY);
	expect_leaf(addr + 7 * PAGE_SIZE, uvm_pgtable_levels() - 2, PMD_SIZE);
	expect_frame(addr + 7 * PAGE_SIZE, page_to_pfn(head) + 7, true);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head, 9);
	__free_pages(page, 0);
	assert_all_free();
}

/* ---------------------------------------------------- host refusals */

TestSuite(mmu_refused, .fini = teardown, .timeout = 120);

#define CAP_MAPS_MAX 70000UL
#define CAP_HEADROOM 8

/*
 * One host mapping that merges with nothing (a file of its own), outside
 * the window. Refused when the process is already past the cap.
 */
static void *foreign_vma(void)
{
	int fd = memfd_create("not-uvmalloc", 0);
	void *p = MAP_FAILED;

	if (fd >= 0 && !ftruncate(fd, PAGE_SIZE))
		p = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	return p;
}

/*
 * Single pages at every other page address: each its own host mapping, with
 * a piece of the reservation between it and the next, until the host's
 * vm.max_map_count refuses one. The refused mapping leaves nothing behind,
 * and the mappings made before it can still be taken down: the host counts
 * a mapping that replaces another against the cap too.
 */
Test(mmu_refused, map_count_cap)
{
	static struct page *pages[CAP_MAPS_MAX];
	struct uvm_log_counts lc0, lc1;
	struct uvm_mmu_stats st;
	unsigned long base, addr = 0, i, k, n;
	void *extra = MAP_FAILED;
	int err = 0, lines;

	/*
	 * A sanitizer runtime maps memory of its own as it goes; at the cap
	 * those mappings fail and take the process down with them.
	 */
	if (UNDER_ASAN)
		cr_skip_test(
			"AddressSanitizer cannot run at the host's mapping cap");
	boot("mem=256M");
	base = VMALLOC_START;
	cr_assert_geq(VMALLOC_END - base, 2 * CAP_MAPS_MAX * PAGE_SIZE);
	uvm_log_reset_ratelimit();
	uvm_log_counts(&lc0);
	lines = cap_count();
	for (i = 0; i < CAP_MAPS_MAX; i++) {
		pages[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
		if (!pages[i])
			break;
		addr = base + 2 * i * PAGE_SIZE;
		err = mmu_map_pages(addr, &pages[i], 1, PAGE_KERNEL,
				    PAGE_SHIFT);
		if (err)
			break;
	}
	uvm_log_counts(&lc1);
	n = i;
	if (!err) {
		cr_log_warn(
			"%lu host mappings and no refusal (vm.max_map_count is above what this test reaches); the cap is not tested",
			i);
	} else {
		cr_log_info("the host refused mapping %lu", i + 1);
		cr_assert_eq(err, -ENOMEM, "mapping %lu: %d", i, err);
		cr_assert_gt(i, 1000);
		cr_assert_eq(lc1.warnings - lc0.warnings, 1);
		cr_assert_eq(cap_count() - lines, 1);
		cr_assert_not_null(strstr(cap_line(lines), "max_map_count"),
				   "%s", cap_line(lines));
		cr_assert_eq(mmu_lookup(addr, NULL), 0);
		cr_assert_eq(mmu_lookup(addr - 2 * PAGE_SIZE, NULL) &
				     PTE_PFN_MASK,
			     page_to_phys(pages[i - 1]));
		st = mmu_stats();
		cr_assert_eq(st.host_failures, 1);
		cr_assert_eq(st.host_maps, i);
		cr_assert_eq(st.host_ram_vmas, i);

		/*
		 * The cap can be met with the process at max_map_count or one
		 * past it, as the last split fell; one more mapping of
		 * something else makes it one past, where the host refuses
		 * every new mapping, the reservation put back over a page
		 * included.
		 */
		extra = foreign_vma();
		lines = cap_count();
		cr_assert_eq(mmu_unmap(addr - 2 * PAGE_SIZE, PAGE_SIZE), 1);
		st = mmu_stats();
		cr_assert_eq(
			st.host_ram_vmas, i - 1,
			"at the cap, the host still maps an unmapped page: %s",
			cap_last());
		cr_assert_eq(cap_count(), lines, "%s", cap_last());

		/* The checker's leaf list is host memory too. */
		for (k = 2; k <= CAP_HEADROOM; k++)
			cr_assert_eq(mmu_unmap(base + 2 * (i - k) * PAGE_SIZE,
					       PAGE_SIZE),
				     1);
		if (extra != MAP_FAILED)
			munmap(extra, PAGE_SIZE);
		n = i - CAP_HEADROOM;
		assert_check();
	}
	for (i = 0; i < n; i++)
		cr_assert_eq(mmu_unmap(base + 2 * i * PAGE_SIZE, PAGE_SIZE), 1);
	for (i = 0; i < CAP_MAPS_MAX && pages[i]; i++)
		__free_pages(pages[i], 0);
	st = mmu_stats();
	cr_assert_eq(st.host_ram_vmas, 0);
	cr_assert_eq(st.host_vmas, 1, "the window is %lu host mappings",
		     st.host_vmas);
	assert_all_free();
}

/* 16 frames in descending order: 16 runs, so 16 host calls. */
static void scattered_pages(struct page **pages, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		pages[i] = new_page();
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (page_to_pfn(pages[j]) > page_to_pfn(pages[i])) {
				struct page *t = pages[i];

				pages[i] = pages[j];
				pages[j] = t;
			}
}

/* The second host call of a mapping fails: the first is rolled back. */
Test(mmu_refused, injected_second_run)
{
	struct page *pages[16];
	struct uvm_mmu_stats st;
	unsigned long addr;
	int i, lines;

	boot("mem=64M fail_host_map=2,100,0,1");
	scattered_pages(pages, 16);
	addr = VMALLOC_START + 40 * PAGE_SIZE;
	lines = cap_count();
	cr_assert_eq(mmu_map_pages(addr, pages, 16, PAGE_KERNEL, PAGE_SHIFT),
		     -ENOMEM);
	cr_assert_neq(cap_find("(injected)", lines), -1, "%s", cap_last());
	for (i = 0; i < 16; i++)
		expect_hole(addr + (unsigned long)i * PAGE_SIZE);
	st = mmu_stats();
	cr_assert_eq(st.host_failures, 1);
	cr_assert_eq(st.host_maps, 1);
	cr_assert_eq(st.host_ram_vmas, 0);
	assert_check();

	/* The injection is spent: the same call now succeeds. */
	cr_assert_eq(mmu_map_pages(addr, pages, 16, PAGE_KERNEL, PAGE_SHIFT),
		     0);
	for (i = 0; i < 16; i++)
		expect_frame(addr + (unsigned long)i * PAGE_SIZE,
			     page_to_pfn(pages[i]), true);
	st = mmu_stats();
	cr_assert_eq(st.host_maps, 17);
	cr_assert_eq(st.host_ram_vmas, 16);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, 16 * PAGE_SIZE), 16);
	for (i = 0; i < 16; i++)
		__free_pages(pages[i], 0);
	assert_all_free();
}

/* A refused 2 MiB leaf leaves an empty PMD entry, and the retry gets it. */
Test(mmu_refused, injected_huge)
{
	static struct page *pages[PTRS_PER_PTE];
	struct page *head;
	unsigned long addr;

	boot("mem=64M fail_host_map=1,100,0,1");
	head = new_huge(pages);
	addr = VMALLOC_START + PMD_SIZE;
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     -ENOMEM);
	expect_hole(addr);
	expect_hole(addr + PMD_SIZE - PAGE_SIZE);
	cr_assert_eq(mmu_stats().host_ram_vmas, 0);
	assert_check();
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	expect_leaf(addr, uvm_pgtable_levels() - 2, PMD_SIZE);
	expect_frame(addr + 100 * PAGE_SIZE, page_to_pfn(head) + 100, true);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head, 9);
	assert_all_free();
}

/* ------------------------------------------------------------ bad input */

/*
 * Each bad call: one warning line, an error, and nothing changed: the
 * sentinel page still mapped as it was, the checkers content.
 */
static struct page *sentinel;
static unsigned long sentinel_addr;

static void bad_setup(void)
{
	boot("mem=64M vmalloc=1G");
	sentinel = new_page();
	sentinel_addr = VMALLOC_START + 32 * PAGE_SIZE;
	map_one(sentinel_addr, sentinel, PAGE_KERNEL);
}

TestSuite(mmu_bad, .init = bad_setup, .fini = teardown);

struct bad_snap {
	struct uvm_log_counts lc;
	struct uvm_mmu_stats st;
	struct uvm_phys_stats ph;
	int lines;
};

static struct bad_snap bad_before(void)
{
	struct bad_snap s;

	uvm_log_reset_ratelimit();
	uvm_log_counts(&s.lc);
	s.st = mmu_stats();
	uvm_phys_stats(&s.ph);
	s.lines = cap_count();
	return s;
}

static void bad_after(const struct bad_snap *s, long got, long want,
		      const char *what)
{
	struct uvm_log_counts lc;
	struct uvm_mmu_stats st = mmu_stats();
	struct uvm_phys_stats ph;

	uvm_log_counts(&lc);
	uvm_phys_stats(&ph);
	cr_assert_eq(got, want, "%s: returned %ld, want %ld", what, got, want);
	cr_assert_eq(lc.warnings - s->lc.warnings, 1,
		     "%s: %lu warnings, want 1 (last line: %s)", what,
		     lc.warnings - s->lc.warnings, cap_last());
	cr_assert_eq(cap_count() - s->lines, 1, "%s: %d lines", what,
		     cap_count() - s->lines);
	cr_assert_eq(st.host_maps, s->st.host_maps, "%s: mapped", what);
	cr_assert_eq(st.host_unmaps, s->st.host_unmaps, "%s: unmapped", what);
	cr_assert_eq(st.host_protects, s->st.host_protects, "%s: protected",
		     what);
	cr_assert_eq(st.host_ram_vmas, s->st.host_ram_vmas);
	cr_assert_eq(ph.pagetable_pages, s->ph.pagetable_pages,
		     "%s: tables changed", what);
	cr_assert_eq(mmu_lookup(sentinel_addr, NULL),
		     page_to_phys(sentinel) | (pgprot_val(PAGE_KERNEL) &
					       ~(_PAGE_PSE | _PAGE_SPECIAL)),
		     "%s: the sentinel changed", what);
	expect_frame(sentinel_addr, page_to_pfn(sentinel), true);
	assert_check();
}

#define BAD(call, want)                            \
	do {                                       \
		struct bad_snap s_ = bad_before(); \
		long r_ = (long)(call);            \
		bad_after(&s_, r_, want, #call);   \
	} while (0)

Test(mmu_bad, unaligned)
{
	struct page *page = new_page();
	unsigned long a = VMALLOC_START + 64 * PAGE_SIZE;

	BAD(mmu_map_pages(a + 8, &page, 1, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	expect_hole(a);
	BAD(mmu_unmap(sentinel_addr + 8, PAGE_SIZE), -EINVAL);
	BAD(mmu_unmap(sentinel_addr, PAGE_SIZE + 8), -EINVAL);
	BAD(mmu_clear_noflush(sentinel_addr + 1, PAGE_SIZE), -EINVAL);
	BAD(mmu_flush(sentinel_addr, 1), -EINVAL);
	BAD(mmu_protect(sentinel_addr + 8, PAGE_SIZE, PAGE_KERNEL_RO), -EINVAL);
	BAD(mmu_protect(sentinel_addr, 8, PAGE_KERNEL_RO), -EINVAL);
	__free_pages(page, 0);
}

Test(mmu_bad, outside_the_window)
{
	struct page *pages[2] = { new_page(), new_page() };
	unsigned long start = VMALLOC_START, end = VMALLOC_END;

	BAD(mmu_map_pages(start - PAGE_SIZE, pages, 1, PAGE_KERNEL, PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_map_pages(start - PAGE_SIZE, pages, 2, PAGE_KERNEL, PAGE_SHIFT),
	    -EINVAL);
	expect_hole(start);
	BAD(mmu_map_pages(end - PAGE_SIZE, pages, 2, PAGE_KERNEL, PAGE_SHIFT),
	    -EINVAL);
	expect_hole(end - PAGE_SIZE);
	BAD(mmu_map_pages(end, pages, 1, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	BAD(mmu_map_pages(end + 16 * PAGE_SIZE, pages, 1, PAGE_KERNEL,
			  PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_map_pages(0, pages, 1, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	BAD(mmu_map_pages(-PAGE_SIZE, pages, 1, PAGE_KERNEL, PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_unmap(start - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	BAD(mmu_unmap(end - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	BAD(mmu_unmap(end + PAGE_SIZE, PAGE_SIZE), -EINVAL);
	BAD(mmu_unmap(-PAGE_SIZE, PAGE_SIZE), -EINVAL);
	BAD(mmu_flush(end, PAGE_SIZE), -EINVAL);
	BAD(mmu_protect(start - PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL), -EINVAL);
	BAD(mmu_protect(end, PAGE_SIZE, PAGE_KERNEL), -EINVAL);
	BAD(mmu_unmap(start, end - start + PAGE_SIZE), -EINVAL);
	__free_pages(pages[0], 0);
	__free_pages(pages[1], 0);
}

Test(mmu_bad, empty_range)
{
	BAD(mmu_unmap(sentinel_addr, 0), -EINVAL);
	BAD(mmu_clear_noflush(sentinel_addr, 0), -EINVAL);
	BAD(mmu_flush(sentinel_addr, 0), -EINVAL);
	BAD(mmu_protect(sentinel_addr, 0, PAGE_KERNEL_RO), -EINVAL);
}

Test(mmu_bad, over_a_mapping)
{
	struct page *pages[3] = { new_page(), new_page(), new_page() };

	BAD(mmu_map_pages(sentinel_addr, pages, 1, PAGE_KERNEL, PAGE_SHIFT),
	    -EBUSY);
	BAD(mmu_map_pages(sentinel_addr - PAGE_SIZE, pages, 3, PAGE_KERNEL,
			  PAGE_SHIFT),
	    -EBUSY);
	expect_hole(sentinel_addr - PAGE_SIZE);
	expect_hole(sentinel_addr + PAGE_SIZE);
	BAD(mmu_map_pfns(sentinel_addr, (unsigned long[]){ 1 }, 1, PAGE_KERNEL),
	    -EBUSY);
}

Test(mmu_bad, protection)
{
	struct page *page = new_page();
	unsigned long a = VMALLOC_START + 64 * PAGE_SIZE;

	BAD(mmu_map_pages(a, &page, 1, __pgprot(_PAGE_RW | _PAGE_NX),
			  PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_map_pages(a, &page, 1, PAGE_NONE, PAGE_SHIFT), -EINVAL);
	BAD(mmu_map_pages(a, &page, 1,
			  __pgprot(pgprot_val(PAGE_KERNEL) | _PAGE_PSE),
			  PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_map_pages(a, &page, 1,
			  __pgprot(pgprot_val(PAGE_KERNEL) | 0x5000),
			  PAGE_SHIFT),
	    -EINVAL);
	expect_hole(a);
	BAD(mmu_protect(sentinel_addr, PAGE_SIZE, PAGE_NONE), -EINVAL);
	BAD(mmu_protect(sentinel_addr, PAGE_SIZE, __pgprot(_PAGE_RW)), -EINVAL);
	__free_pages(page, 0);
}

Test(mmu_bad, not_pages)
{
	struct page *page = new_page(), *freed = alloc_pages(GFP_KERNEL, 0);
	struct page *pages[2];
	unsigned long a = VMALLOC_START + 64 * PAGE_SIZE;
	long local;

	BAD(mmu_map_pages(a, NULL, 1, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);

	pages[0] = page;
	pages[1] = (struct page *)&local;
	BAD(mmu_map_pages(a, pages, 2, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	pages[1] = (struct page *)((char *)page + 1);
	BAD(mmu_map_pages(a, pages, 2, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	pages[1] = NULL;
	BAD(mmu_map_pages(a, pages, 2, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);

	cr_assert_not_null(freed);
	__free_pages(freed, 0);
	pages[1] = freed;
	BAD(mmu_map_pages(a, pages, 2, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	drain_all_pages(NULL);
	BAD(mmu_map_pages(a, pages, 2, PAGE_KERNEL, PAGE_SHIFT), -EINVAL);
	expect_hole(a);
	expect_hole(a + PAGE_SIZE);

	BAD(mmu_map_pages(a, &page, 1, PAGE_KERNEL, 13), -EINVAL);
	BAD(mmu_map_pages(a, &page, 1, PAGE_KERNEL, 0), -EINVAL);
	BAD(mmu_map_pages(a, &page, 1, PAGE_KERNEL, 30), -EINVAL);
	BAD(mmu_map_pfns(a, NULL, 1, PAGE_KERNEL), -EINVAL);
	BAD(mmu_map_pfns(a, (unsigned long[]){ 1UL << 52 }, 1, PAGE_KERNEL),
	    -EINVAL);
	expect_hole(a);
	__free_pages(page, 0);
}

/* More pages than the window holds: refused, with a word saying so. */
/* The fixture's window, in pages, and one more. */
#define BAD_WINDOW_PAGES ((1UL << 30) >> PAGE_SHIFT)

Test(mmu_bad, more_than_the_window)
{
	static struct page *pages[BAD_WINDOW_PAGES + 1];
	static unsigned long pfns[BAD_WINDOW_PAGES + 1];
	unsigned long nr = ((VMALLOC_END - VMALLOC_START) >> PAGE_SHIFT) + 1;
	struct page *page = new_page();
	unsigned long i;

	cr_assert_eq(nr, BAD_WINDOW_PAGES + 1);
	for (i = 0; i < nr; i++) {
		pages[i] = page;
		pfns[i] = page_to_pfn(page);
	}
	BAD(mmu_map_pages(VMALLOC_START, pages, nr, PAGE_KERNEL, PAGE_SHIFT),
	    -EINVAL);
	BAD(mmu_map_pfns(VMALLOC_START, pfns, nr, PAGE_KERNEL), -EINVAL);
	__free_pages(page, 0);
}

/* ------------------------------------------------------ vread, vwrite */

TestSuite(mmu_vrw, .fini = teardown);

/* Byte @j of test page @k. */
static unsigned char pattern(int k, unsigned long j)
{
	return (unsigned char)(k * 37 + j * 7 + (j >> 8));
}

/*
 * Pages 0, 1, 3 (read-only) and 4 of a run, page 2 a hole; each filled with
 * its pattern through the direct map.
 */
static unsigned long vrw_setup(const char *cmdline, struct page **pages)
{
	unsigned long base, j;
	int k;

	boot(cmdline);
	base = VMALLOC_START + 2 * PMD_SIZE - 2 * PAGE_SIZE;
	for (k = 0; k < 5; k++) {
		unsigned char *p;

		if (k == 2) {
			pages[k] = NULL;
			continue;
		}
		pages[k] = new_page();
		p = page_address(pages[k]);
		for (j = 0; j < PAGE_SIZE; j++)
			p[j] = pattern(k, j);
		map_one(base + (unsigned long)k * PAGE_SIZE, pages[k],
			k == 3 ? PAGE_KERNEL_RO : PAGE_KERNEL);
	}
	return base;
}

static void vrw_teardown(unsigned long base, struct page **pages)
{
	int k;

	cr_assert_eq(mmu_unmap(base, 5 * PAGE_SIZE), 4);
	for (k = 0; k < 5; k++)
		if (pages[k])
			__free_pages(pages[k], 0);
	assert_all_free();
}

static void vread_vwrite(const char *cmdline, bool deref)
{
	static unsigned char buf[6 * PAGE_SIZE], src[6 * PAGE_SIZE];
	struct page *pages[5];
	unsigned long base, j;
	unsigned char *p;
	long n;

	base = vrw_setup(cmdline, pages);

	/* Across a page boundary (which is also a PTE-table boundary). */
	memset(buf, 0xee, sizeof(buf));
	n = vread((char *)buf, (char *)base + PAGE_SIZE - 100, 200);
	cr_assert_eq(n, 200);
	for (j = 0; j < 100; j++) {
		cr_assert_eq(buf[j], pattern(0, PAGE_SIZE - 100 + j));
		cr_assert_eq(buf[100 + j], pattern(1, j));
	}
	cr_assert_eq(buf[200], 0xee);

	/* The whole run: the hole reads as zeros. */
	memset(buf, 0xee, sizeof(buf));
	n = vread((char *)buf, (char *)base, 5 * PAGE_SIZE);
	cr_assert_eq(n, 5 * PAGE_SIZE);
	for (j = 0; j < 5 * PAGE_SIZE; j++) {
		int k = (int)(j / PAGE_SIZE);
		unsigned char want = k == 2 ? 0 : pattern(k, j % PAGE_SIZE);

		cr_assert_eq(buf[j], want, "byte %lu: %#x, want %#x", j, buf[j],
			     want);
	}
	if (deref)
		cr_assert(!memcmp(buf, (void *)base, 2 * PAGE_SIZE));

	/* Writes skip the hole and the read-only page, and count the rest. */
	for (j = 0; j < sizeof(src); j++)
		src[j] = (unsigned char)(j * 13 + 5);
	n = vwrite((char *)src, (char *)base + PAGE_SIZE - 8, 4 * PAGE_SIZE);
	cr_assert_eq(n, 8 + PAGE_SIZE + PAGE_SIZE - 8, "vwrite wrote %ld bytes",
		     n);
	p = page_address(pages[0]);
	cr_assert_eq(p[PAGE_SIZE - 9], pattern(0, PAGE_SIZE - 9));
	cr_assert(!memcmp(p + PAGE_SIZE - 8, src, 8));
	cr_assert(!memcmp(page_address(pages[1]), src + 8, PAGE_SIZE));
	p = page_address(pages[3]);
	for (j = 0; j < PAGE_SIZE; j++)
		cr_assert_eq(p[j], pattern(3, j), "the read-only page changed");
	cr_assert(!memcmp(page_address(pages[4]), src + 8 + 3 * PAGE_SIZE,
			  PAGE_SIZE - 8));
	p = page_address(pages[4]);
	cr_assert_eq(p[PAGE_SIZE - 8], pattern(4, PAGE_SIZE - 8));
	if (deref)
		cr_assert(!memcmp((void *)(base + PAGE_SIZE), src + 8,
				  PAGE_SIZE));

	/* Nothing to write into: a hole, a read-only page. */
	cr_assert_eq(vwrite((char *)src, (char *)base + 2 * PAGE_SIZE,
			    PAGE_SIZE),
		     0);
	cr_assert_eq(vwrite((char *)src, (char *)base + 3 * PAGE_SIZE + 5, 9),
		     0);
	/* ... until the read-only page becomes writable. */
	cr_assert_eq(mmu_protect(base + 3 * PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL),
		     0);
	cr_assert_eq(vwrite((char *)src, (char *)base + 3 * PAGE_SIZE + 5, 9),
		     9);
	cr_assert(!memcmp((char *)page_address(pages[3]) + 5, src, 9));
	assert_check();
	vrw_teardown(base, pages);
}

Test(mmu_vrw, host)
{
	vread_vwrite("mem=64M", true);
}

Test(mmu_vrw, soft)
{
	vread_vwrite("mem=64M mmu=soft", false);
	cr_assert_eq(mmu_stats().host_vmas, 0);
}

Test(mmu_vrw, soft_5_levels)
{
	vread_vwrite("mem=64M mmu=soft pgtable_levels=5", false);
}

/* Outside the window everything reads as zeros and nothing is written. */
static void outside_window(const char *cmdline)
{
	static char buf[2 * PAGE_SIZE];
	struct page *page;
	unsigned long start, end;
	char ones[64];

	boot(cmdline);
	start = VMALLOC_START;
	end = VMALLOC_END;
	page = new_page();
	map_one(start, page, PAGE_KERNEL);
	map_one(end - PAGE_SIZE, page, PAGE_KERNEL);
	memset(ones, 0xff, sizeof(ones));

	/* Straddling the start: zeros, then the first page. */
	memset(buf, 0x11, sizeof(buf));
	cr_assert_eq(vread(buf, (char *)start - PAGE_SIZE, 2 * PAGE_SIZE),
		     2 * PAGE_SIZE);
	cr_assert_eq(buf[0], 0);
	cr_assert_eq(buf[PAGE_SIZE - 1], 0);
	cr_assert(!memcmp(buf + PAGE_SIZE, page_address(page), PAGE_SIZE));
	/* Straddling the end: the last page, then zeros. */
	memset(buf, 0x11, sizeof(buf));
	cr_assert_eq(vread(buf, (char *)end - PAGE_SIZE, 2 * PAGE_SIZE),
		     2 * PAGE_SIZE);
	cr_assert(!memcmp(buf, page_address(page), PAGE_SIZE));
	cr_assert_eq(buf[PAGE_SIZE], 0);
	cr_assert_eq(buf[2 * PAGE_SIZE - 1], 0);
	/* Far away. */
	memset(buf, 0x11, 64);
	cr_assert_eq(vread(buf, (char *)0x1000, 64), 64);
	cr_assert_eq(buf[0], 0);
	cr_assert_eq(buf[63], 0);
	/* Clamped at the top of the address space. */
	memset(buf, 0x11, 64);
	cr_assert_eq(vread(buf, (char *)-16UL, 64), 16);
	cr_assert_eq(buf[15], 0);
	cr_assert_eq(buf[16], 0x11);
	cr_assert_eq(vread(NULL, (char *)start, 8), 0);

	cr_assert_eq(vwrite(ones, (char *)start - 8, 64), 56);
	cr_assert_eq(vwrite(ones, (char *)end - 8, 64), 8);
	cr_assert_eq(vwrite(ones, (char *)end, 64), 0);
	cr_assert_eq(vwrite(ones, (char *)end + PAGE_SIZE, 64), 0);
	cr_assert_eq(vwrite(ones, (char *)-16UL, 64), 0);
	cr_assert_eq(vwrite(NULL, (char *)start, 8), 0);
	cr_assert_eq(((unsigned char *)page_address(page))[0], 0xff);

	assert_check();
	cr_assert_eq(mmu_unmap(start, PAGE_SIZE), 1);
	cr_assert_eq(mmu_unmap(end - PAGE_SIZE, PAGE_SIZE), 1);
	__free_pages(page, 0);
	assert_all_free();
}

Test(mmu_vrw, outside_window_host)
{
	outside_window("mem=64M vmalloc=64M");
}

Test(mmu_vrw, outside_window_soft)
{
	outside_window("mem=64M vmalloc=64M mmu=soft");
}

/* Through a 2 MiB leaf, at any offset inside it. */
Test(mmu_vrw, huge_leaf)
{
	static struct page *pages[PTRS_PER_PTE];
	struct page *head;
	unsigned long addr, pfn, i;
	char word[8] = "a-word!";

	boot("mem=64M mmu=soft");
	head = new_huge(pages);
	pfn = page_to_pfn(head);
	addr = VMALLOC_START + 3 * PMD_SIZE;
	cr_assert_eq(mmu_map_pages(addr, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	expect_leaf(addr, uvm_pgtable_levels() - 2, PMD_SIZE);
	for (i = 0; i < PTRS_PER_PTE; i += 13)
		expect_frame(addr + i * PAGE_SIZE, pfn + i, false);
	cr_assert_eq(vwrite(word, (char *)addr + 300 * PAGE_SIZE - 3, 8), 8);
	cr_assert(!memcmp((char *)page_address(pages[299]) + PAGE_SIZE - 3,
			  word, 3));
	cr_assert(!memcmp(page_address(pages[300]), word + 3, 5));
	assert_check();
	cr_assert_eq(mmu_unmap(addr, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(head, 9);
	assert_all_free();
}

/* ---------------------------------------------------------- raw frames */

TestSuite(mmu_pfns, .fini = teardown);

/*
 * Raw frames get _PAGE_SPECIAL; those of RAM are reached like any page,
 * those outside RAM are in the tables only.
 */
static void map_raw(const char *cmdline, bool host)
{
	struct page *page;
	unsigned long addr, pfns[3];
	pteval_t e;

	boot(cmdline);
	page = new_page();
	addr = VMALLOC_START + 10 * PAGE_SIZE;
	pfns[0] = page_to_pfn(page);
	pfns[1] = phys.max_pfn + 5;
	pfns[2] = page_to_pfn(page);
	cr_assert_eq(mmu_map_pfns(addr, pfns, 3, PAGE_KERNEL_RO), 0);
	e = mmu_lookup(addr, NULL);
	cr_assert_neq(e & _PAGE_SPECIAL, 0);
	cr_assert_eq(e & _PAGE_RW, 0);
	expect_frame(addr, pfns[0], host);
	expect_frame(addr + 2 * PAGE_SIZE, pfns[0], host);
	e = mmu_lookup(addr + PAGE_SIZE, NULL);
	cr_assert(entry_present(e));
	cr_assert_eq(entry_pfn(e), pfns[1]);
	cr_assert_eq(vread64(addr + PAGE_SIZE), 0);
	if (host)
		cr_assert_eq(mmu_stats().host_ram_vmas, 2);
	assert_check();
	cr_assert_eq(mmu_unmap(addr, 3 * PAGE_SIZE), 3);
	__free_pages(page, 0);
	assert_all_free();
}

Test(mmu_pfns, host)
{
	map_raw("mem=64M", true);
}

Test(mmu_pfns, soft)
{
	map_raw("mem=64M mmu=soft", false);
}

/* ------------------------------------------------------------ geometry */

TestSuite(mmu_geometry, .fini = teardown);

static const char *const names3[] = { "pgd", "pmd", "pte" };
static const char *const names4[] = { "pgd", "pud", "pmd", "pte" };
static const char *const names5[] = { "pgd", "p4d", "pud", "pmd", "pte" };

static void geometry(int levels, const char *backend)
{
	static struct page *pages[PTRS_PER_PTE];
	const char *const *names = levels == 3 ? names3 :
				   levels == 4 ? names4 :
						 names5;
	struct uvm_mmu_stats st;
	struct mmu_walk w;
	struct page *page, *head;
	unsigned long addr, hole, big;
	char *text;
	int l;

	skip_unless_layout_fits(levels, !strcmp(backend, "host"));
	bootf("mem=32M vmalloc=1G pgtable_levels=%d mmu=%s", levels, backend);
	cr_assert_eq(uvm_pgtable_levels(), levels);
	st = mmu_stats();
	cr_assert_eq(st.levels, levels);
	cr_assert_str_eq(st.backend, backend);
	cr_assert_eq(st.vmalloc_start, VMALLOC_START);
	cr_assert_eq(st.vmalloc_end, VMALLOC_END);
	cr_assert_eq(VMALLOC_END - VMALLOC_START, 1UL << 30);
	cr_assert(IS_ALIGNED(VMALLOC_START, PMD_SIZE));
	cr_assert_eq(st.pagetable_pages, 1, "booting takes the pgd only");
	if (levels == 3 && !strcmp(backend, "host"))
		cr_assert_leq(VMALLOC_END, 1UL << 38,
			      "a 39-bit layout keeps the window below 2^38");
	for (l = 0; l < levels; l++) {
		cr_assert_str_eq(mmu.names[l], names[l]);
		cr_assert_eq(mmu.shift[l], PAGE_SHIFT + 9 * (levels - 1 - l));
	}

	page = new_page();
	addr = VMALLOC_START + 3 * PMD_SIZE + 5 * PAGE_SIZE;
	map_one(addr, page, PAGE_KERNEL);
	mmu_walk(addr, &w);
	cr_assert_eq(w.depth, levels);
	cr_assert_eq(w.leaf_level, levels - 1);
	cr_assert_eq(w.table_phys[0], page_to_phys(mmu.pgd));
	for (l = 0; l < levels; l++) {
		cr_assert_eq(w.index[l], (addr >> mmu.shift[l]) & 511);
		cr_assert(entry_present(w.entry[l]));
		if (l)
			cr_assert_eq(w.table_phys[l],
				     w.entry[l - 1] & PTE_PFN_MASK);
	}
	cr_assert_eq(w.index[levels - 1], 5);
	cr_assert_eq(st.pagetable_pages + (unsigned long)levels - 1,
		     mmu_stats().pagetable_pages);

	text = walk_text(addr);
	for (l = 0; l < levels; l++)
		cr_assert_not_null(strstr(text, names[l]), "no %s in:\n%s",
				   names[l], text);
	cr_assert_not_null(strstr(text, "4K leaf"), "%s", text);
	cr_assert_null(strstr(text, "hole"), "%s", text);
	if (levels != 5)
		cr_assert_null(strstr(text, "p4d"), "%s", text);
	if (levels == 3)
		cr_assert_null(strstr(text, "pud"), "%s", text);
	free(text);

	hole = addr + PAGE_SIZE;
	text = walk_text(hole);
	cr_assert_not_null(strstr(text, "hole"), "%s", text);
	cr_assert_null(strstr(text, "leaf"), "%s", text);
	free(text);
	mmu_walk(VMALLOC_START + 300 * PMD_SIZE, &w);
	cr_assert_eq(w.leaf_level, -1);
	cr_assert_lt(w.depth, levels, "a hole ends the walk early");

	head = new_huge(pages);
	big = VMALLOC_START + 8 * PMD_SIZE;
	cr_assert_eq(mmu_map_pages(big, pages, PTRS_PER_PTE, PAGE_KERNEL,
				   PMD_SHIFT),
		     0);
	mmu_walk(big + 7 * PAGE_SIZE, &w);
	cr_assert_eq(w.depth, levels - 1);
	text = walk_text(big + 7 * PAGE_SIZE);
	cr_assert_not_null(strstr(text, "2M leaf"), "%s", text);
	free(text);
	assert_check();

	cr_assert_eq(mmu_unmap(addr, PAGE_SIZE), 1);
	cr_assert_eq(mmu_unmap(big, PMD_SIZE), PTRS_PER_PTE);
	__free_pages(page, 0);
	__free_pages(head, 9);
	assert_all_free();
}

Test(mmu_geometry, host_3)
{
	geometry(3, "host");
}

Test(mmu_geometry, host_4)
{
	geometry(4, "host");
}

Test(mmu_geometry, host_5)
{
	geometry(5, "host");
}

Test(mmu_geometry, soft_3)
{
	geometry(3, "soft");
}

Test(mmu_geometry, soft_4)
{
	geometry(4, "soft");
	cr_assert_eq(VMALLOC_START, 0xffffc90000000000UL);
}

Test(mmu_geometry, soft_5)
{
	geometry(5, "soft");
	cr_assert_eq(VMALLOC_START, 0xffa0000000000000UL);
}

/* The soft window by default: where x86_64 puts vmalloc, and as large. */
Test(mmu_geometry, soft_defaults)
{
	boot("mem=32M mmu=soft");
	cr_assert_eq(uvm_pgtable_levels(), 4);
	cr_assert_eq(VMALLOC_START, 0xffffc90000000000UL);
	cr_assert_eq(VMALLOC_END - VMALLOC_START, 32UL << 40);
	uvm_shutdown();
	boot("mem=32M mmu=soft pgtable_levels=5 vmalloc=12800T");
	cr_assert_eq(VMALLOC_START, 0xffa0000000000000UL);
	cr_assert_eq(VMALLOC_END - VMALLOC_START, 12800UL << 40);
}

Test(mmu_geometry, host_default)
{
	struct uvm_mmu_stats st;

	boot("mem=32M");
	st = mmu_stats();
	cr_assert_str_eq(st.backend, "host");
	cr_assert_eq(st.levels, 4);
	cr_assert(IS_ALIGNED(VMALLOC_START, PMD_SIZE));
	cr_assert(IS_ALIGNED(VMALLOC_END, PMD_SIZE));
	cr_assert_eq(st.host_vmas, 1, "the window is one reservation");
	cr_assert_eq(st.host_ram_vmas, 0);
	assert_check();
}

/* ------------------------------------------------------------ meminfo */

TestSuite(mmu_meminfo, .fini = teardown);

static unsigned long page_tables_kb(void)
{
	char *buf = NULL, *at;
	size_t len = 0;
	unsigned long kb = ~0UL;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(uvm_show("meminfo", f), 0);
	fclose(f);
	at = strstr(buf, "PageTables:");
	cr_assert_not_null(at, "%s", buf);
	cr_assert_eq(sscanf(at + strlen("PageTables:"), "%lu kB", &kb), 1);
	free(buf);
	return kb;
}

/* The tables a new page at @addr needs: those its walk does not reach. */
static unsigned long tables_needed(unsigned long addr)
{
	struct mmu_walk w;

	mmu_walk(addr, &w);
	return w.leaf_level >= 0 || entry_present(w.entry[w.depth - 1]) ?
		       0 :
		       (unsigned long)(uvm_pgtable_levels() - w.depth);
}

static void expect_page_tables(unsigned long pages)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	cr_assert_eq(st.pagetable_pages, pages);
	cr_assert_eq(mmu_stats().pagetable_pages, pages);
	cr_assert_eq(page_tables_kb(), pages * (PAGE_SIZE / 1024));
}

Test(mmu_meminfo, page_tables)
{
	struct page *pages[4];
	unsigned long start, addrs[4], want = 1;
	int i;

	boot("mem=64M");
	start = VMALLOC_START;
	expect_page_tables(1);
	addrs[0] = start;				 /* pud, pmd, pte */
	addrs[1] = start + 7 * PAGE_SIZE;		 /* nothing new */
	addrs[2] = start + PMD_SIZE;			 /* a pte table */
	addrs[3] = ALIGN_UP(start, PUD_SIZE) + PUD_SIZE; /* pmd, pte at least */
	cr_assert_eq(tables_needed(addrs[0]), 3);
	for (i = 0; i < 4; i++) {
		unsigned long need = tables_needed(addrs[i]);

		if (i == 1)
			cr_assert_eq(need, 0);
		if (i == 3)
			cr_assert_geq(need, 2);
		pages[i] = new_page();
		map_one(addrs[i], pages[i], PAGE_KERNEL);
		want += need;
		expect_page_tables(want);
	}
	assert_check();
	/* Tables stay when their pages are unmapped, as the kernel's do. */
	for (i = 0; i < 4; i++) {
		cr_assert_eq(mmu_unmap(addrs[i], PAGE_SIZE), 1);
		__free_pages(pages[i], 0);
	}
	expect_page_tables(want);
	assert_all_free();
}

/*
 * An unknown file name gets -ENOENT and one warning that lists every file
 * there is; each name it lists is one uvm_show() knows.
 */
Test(mmu_meminfo, unknown_file_lists_every_file)
{
	char line[UVM_LOG_LINE_MAX + 1], *known, *name, *save;
	FILE *null = fopen("/dev/null", "w");
	int listed = 0;

	cr_assert_not_null(null);
	boot("mem=64M");
	cap_reset();
	cr_assert_eq(uvm_show("nosuch", null), -ENOENT);
	cr_assert_eq(cap_count(), 1, "%d lines", cap_count());
	snprintf(line, sizeof(line), "%s", cap.last_warn);
	known = strstr(line, "known: ");
	cr_assert_not_null(known, "%s", line);
	for (name = strtok_r(known + strlen("known: "), " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		cr_assert_eq(uvm_show(name, null), 0, "'%s' is listed", name);
		listed++;
	}
	cr_assert_eq(listed, 7, "%s", line); /* config and the six proc files */
	fclose(null);
}
