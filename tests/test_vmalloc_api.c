/* SPDX-License-Identifier: MIT */
/*
 * Tests of the rest of the allocation API, on both mmu backends:
 *
 *  - vmalloc_user, vmalloc_32_user, vmalloc_exec, vmalloc_array, vcalloc;
 *  - vmalloc_huge: PMD leaves when order-9 blocks are free, small pages
 *    when they are not or with nohugevmalloc, the guard after it;
 *  - revival: a freed area taken back whole by a vmalloc() of its shape
 *    before the purge, with no host call, and only then;
 *  - vrealloc: the kernel's own sequence, in-place growth over free space
 *    (the guard moves), moving when the space is taken, zeroing, failures
 *    that leave the old area intact, bad pointers;
 *  - vfree_atomic and vfree from a signal handler while the interrupted
 *    thread allocates: parked, then carried out, nothing lost;
 *  - kvmalloc and friends: the heap below the threshold, vmalloc above.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "mmu/mmu.h"
#include "test_util.h"
#include "test_vm_util.h"
#include "vmalloc/vmalloc_int.h"

static unsigned long host_calls(void)
{
	struct uvm_mmu_stats ms;

	uvm_mmu_stats(&ms);
	return ms.host_maps + ms.host_unmaps + ms.host_protects;
}

/* The size of the leaf that maps @addr (0: none). */
static unsigned long leaf_size(const void *addr)
{
	unsigned long size = 0;
	pteval_t e = mmu_lookup((unsigned long)addr, &size);

	return entry_present(e) ? size : 0;
}

/* ---------------------------------------------------------- the variants */

TestSuite(vm_variants, .fini = teardown, .timeout = 300);

static void user_areas(bool host)
{
	struct vm_struct *vm;
	char *info, line[512];
	void *v;
	unsigned long i;

	boot("mem=6G mmu=%s", backend(host));
	/* Dirty pages first, so that zeroing is proven, not inherited. */
	v = vmalloc(8 * PAGE_SIZE);
	area_fill(host, v, 8 * PAGE_SIZE, 5);
	vfree(v);
	purge();

	v = vmalloc_user(8 * PAGE_SIZE - 3);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert(vm->flags & VM_USERMAP, "flags %#lx", vm->flags);
	cr_assert(vm->flags & VM_ALLOC);
	cr_assert(PAGE_ALIGNED((unsigned long)v) &&
		  IS_ALIGNED((unsigned long)v, SHMLBA));
	expect_zero(host, v, 8 * PAGE_SIZE);
	info = show("vmallocinfo");
	cr_assert(info_line(info, v, line, sizeof(line)), "%s", info);
	cr_assert_not_null(strstr(line, " vmalloc user"), "%s", line);
	free(info);
	vfree(v);

	v = vmalloc_32_user(5 * PAGE_SIZE);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert(vm->flags & VM_USERMAP);
	expect_zero(host, v, 5 * PAGE_SIZE);
	for (i = 0; i < vm->nr_pages; i++)
		cr_assert_lt(page_to_pfn(vm->pages[i]), SZ_4G >> PAGE_SHIFT,
			     "page %lu of vmalloc_32_user is above 4 GiB", i);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_variants, user_host)
{
	user_areas(true);
}

Test(vm_variants, user_soft)
{
	user_areas(false);
}

/* vmalloc_exec() memory runs: mov eax, 42; ret. */
Test(vm_variants, exec_runs)
{
	static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	int (*fn)(void);
	void *v;

	boot("mem=64M");
	v = vmalloc_exec(sizeof(code));
	cr_assert_not_null(v);
	memcpy(v, code, sizeof(code));
	__builtin___clear_cache((char *)v, (char *)v + sizeof(code));
	fn = (int (*)(void))v;
	cr_assert_eq(fn(), 42);
	vfree(v);
	purge();
	expect_all_returned();
}

/* Plain vmalloc() memory is not executable: running it faults. */
Test(vm_variants, no_exec, .signal = SIGSEGV)
{
	static const unsigned char code[] = { 0xc3 };
	void (*fn)(void);
	void *v;

	boot("mem=64M");
	v = vmalloc(PAGE_SIZE);
	memcpy(v, code, sizeof(code));
	fn = (void (*)(void))v;
	fn();
	cr_assert_fail("vmalloc() memory ran");
}

static void arrays(bool host)
{
	unsigned long w;
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	v = vmalloc(4 * PAGE_SIZE);
	area_fill(host, v, 4 * PAGE_SIZE, 9);
	vfree(v);
	purge();

	v = vcalloc(1000, 13);
	cr_assert_not_null(v);
	cr_assert_eq(find_vm_area(v)->requested_size, 13000);
	expect_zero(host, v, 13000);
	vfree(v);
	v = vmalloc_array(3, PAGE_SIZE);
	cr_assert_not_null(v);
	cr_assert_eq(find_vm_area(v)->nr_pages, 3);
	vfree(v);

	w = warnings();
	cap_reset();
	cr_assert_null(vmalloc_array(SIZE_MAX / 2, 3));
	cr_assert_null(vcalloc(3, SIZE_MAX / 2));
	cr_assert_eq(warnings() - w, 2, "%s", cap_last());
	cr_assert_geq(cap_find("overflow", 0), 0, "%s", cap_last());
	purge();
	expect_all_returned();
}

Test(vm_variants, arrays_host)
{
	arrays(true);
}

Test(vm_variants, arrays_soft)
{
	arrays(false);
}

/* ------------------------------------------------------------------ huge */

TestSuite(vm_huge, .fini = teardown, .timeout = 300);

static void huge(bool host)
{
	struct uvm_mmu_stats before, after;
	struct vm_struct *vm;
	unsigned long i;
	char *v;

	boot("mem=256M mmu=%s", backend(host));
	uvm_mmu_stats(&before);
	v = vmalloc_huge(4 * SZ_1M + 5, GFP_KERNEL);
	cr_assert_not_null(v);
	uvm_mmu_stats(&after);
	vm = find_vm_area(v);
	cr_assert(IS_ALIGNED((unsigned long)v, SZ_2M), "%p", (void *)v);
	cr_assert(vm->flags & VM_ALLOW_HUGE_VMAP);
	cr_assert_eq(vm->page_order, 9);
	/* 4 MiB + 5 rounds up to 6 MiB of 2 MiB leaves, and a guard. */
	cr_assert_eq(vm->nr_pages, 3 * 512);
	cr_assert_eq(vm->size, 6 * SZ_1M + PAGE_SIZE);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(leaf_size(v + i * SZ_2M), SZ_2M, "leaf %lu", i);
		cr_assert_eq(vmalloc_to_page(v + i * SZ_2M + 5 * PAGE_SIZE),
			     vm->pages[i * 512 + 5]);
	}
	if (host)
		cr_assert_leq(after.host_maps - before.host_maps, 3,
			      "%lu host maps for three 2 MiB leaves",
			      after.host_maps - before.host_maps);
	area_fill(host, v, 6 * SZ_1M, 4);
	expect_pattern(host, v, 6 * SZ_1M, 4);
	assert_check();
	vfree(v);

	/* Below 2 MiB it is vmalloc(). */
	v = vmalloc_huge(SZ_1M, GFP_KERNEL);
	cr_assert_eq(find_vm_area(v)->page_order, 0);
	cr_assert_eq(leaf_size(v), PAGE_SIZE);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_huge, pmd_host)
{
	huge(true);
}

Test(vm_huge, pmd_soft)
{
	huge(false);
}

Test(vm_huge, nohugevmalloc)
{
	struct vm_struct *vm;
	char *v;

	boot("mem=256M nohugevmalloc");
	v = vmalloc_huge(4 * SZ_1M, GFP_KERNEL);
	cr_assert_not_null(v);
	vm = find_vm_area(v);
	cr_assert_eq(vm->page_order, 0);
	cr_assert_eq(vm->nr_pages, 1024);
	cr_assert_eq(leaf_size(v), PAGE_SIZE);
	vfree(v);
}

/* No order-9 block free: small pages, no warning. */
Test(vm_huge, fallback)
{
	struct page *blocks[256];
	struct vm_struct *vm;
	unsigned long w;
	int n = 0, i;
	char *v;

	boot("mem=64M");
	while (n < 256 &&
	       (blocks[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 9)))
		n++;
	cr_assert_lt(n, 256);
	w = warnings();
	v = vmalloc_huge(2 * SZ_1M, GFP_KERNEL);
	cr_assert_not_null(v, "%s", cap_last());
	cr_assert_eq(warnings(), w, "%s", cap_last());
	vm = find_vm_area(v);
	cr_assert_eq(vm->page_order, 0);
	cr_assert_eq(vm->size, 2 * SZ_1M + PAGE_SIZE);
	fill_at(v, 0, 2 * SZ_1M, 8);
	cr_assert_eq(mismatch_at(v, 0, 2 * SZ_1M, 8), -1);
	vfree(v);
	for (i = 0; i < n; i++)
		__free_pages(blocks[i], 9);
	purge();
	expect_all_returned();
}

Test(vm_huge, guard, .signal = SIGSEGV)
{
	char *v;

	boot("mem=256M");
	v = vmalloc_huge(2 * SZ_1M, GFP_KERNEL);
	cr_assert_eq(find_vm_area(v)->page_order, 9);
	v[2 * SZ_1M - 1] = 1;
	*(volatile char *)(v + 2 * SZ_1M) = 1;
	cr_assert_fail("wrote the guard page after a huge area");
}

/* --------------------------------------------------------------- revival */

TestSuite(vm_revive, .fini = teardown, .timeout = 300);

static void revive(bool host)
{
	unsigned long calls;
	struct snap before;
	void *v, *w, *x;

	boot("mem=64M mmu=%s", backend(host));
	before = snap();
	v = vmalloc(3 * PAGE_SIZE);
	area_fill(host, v, 3 * PAGE_SIZE, 1);
	vfree(v);
	assert_check();
	calls = host_calls();

	/* Same shape: the same area, its pages, its mapping. */
	w = vmalloc(3 * PAGE_SIZE - 100);
	cr_assert_eq(w, v);
	cr_assert_eq(host_calls(), calls, "revival made host calls");
	cr_assert_eq(find_vm_area(w)->requested_size, 3 * PAGE_SIZE - 100);
	expect_pattern(host, w, 3 * PAGE_SIZE, 1);
	assert_check();
	vfree(w);

	/* __GFP_ZERO is honoured on a revived area. */
	w = vzalloc(3 * PAGE_SIZE);
	cr_assert_eq(w, v);
	expect_zero(host, w, 3 * PAGE_SIZE);
	vfree(w);

	/* Another size is another area. */
	x = vmalloc(2 * PAGE_SIZE);
	cr_assert_neq(x, v);
	vfree(x);

	/* After a purge nothing is left to revive, and every page is back. */
	purge();
	cr_assert_eq(held(snap()), held(before));
	w = vmalloc(3 * PAGE_SIZE);
	cr_assert_not_null(w);
	if (host)
		cr_assert_gt(host_calls(), calls);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(vm_revive, host)
{
	revive(true);
}

Test(vm_revive, soft)
{
	revive(false);
}

/* Only an exact fit: node, zone, flags and alignment must agree. */
Test(vm_revive, shape_must_match)
{
	void *v, *w;

	boot("mem=6G numa=2");
	v = vmalloc_node(PAGE_SIZE, 0);
	vfree(v);
	w = vmalloc_node(PAGE_SIZE, 1);
	cr_assert_neq(w, v);
	vfree(w);

	v = vmalloc(PAGE_SIZE);
	vfree(v);
	w = vmalloc_32(PAGE_SIZE);
	cr_assert_neq(w, v);
	vfree(w);

	v = vmalloc(PAGE_SIZE);
	vfree(v);
	w = vmalloc_user(PAGE_SIZE);
	cr_assert_neq(w, v);
	cr_assert(find_vm_area(w)->flags & VM_USERMAP);
	vfree(w);
	assert_check();
}

static void no_revival(const char *cmdline)
{
	unsigned long calls;
	void *v, *w;

	boot("mem=64M %s", cmdline);
	v = vmalloc(PAGE_SIZE);
	vfree(v);
	calls = host_calls();
	w = vmalloc(PAGE_SIZE);
	cr_assert_neq(w, v);
	cr_assert_gt(host_calls(), calls);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(vm_revive, off)
{
	no_revival("vmalloc_revive=0");
}

/* Poisoning promises freed pages are checked: none is revived. */
Test(vm_revive, not_with_poison)
{
	no_revival("page_poison=1");
}

/* The old pointer of a revived area reaches the new owner's data only. */
Test(vm_revive, stale_pointer_is_new_area)
{
	char *v, *w;

	boot("mem=64M");
	v = vmalloc(PAGE_SIZE);
	v[0] = 'a';
	vfree(v);
	w = vmalloc(PAGE_SIZE);
	cr_assert_eq(w, v);
	w[0] = 'b';
	cr_assert_eq(v[0], 'b');
	vfree(w);
}

/* -------------------------------------------------------------- vrealloc */

TestSuite(vm_vrealloc, .fini = teardown, .timeout = 300);

static char first_byte(bool host, const void *v)
{
	char c;

	if (host)
		return *(const char *)v;
	vread(&c, (char *)v, 1);
	return c;
}

static void set_first_byte(bool host, void *v, char c)
{
	if (host)
		*(char *)v = c;
	else
		vwrite(&c, v, 1);
}

/* The kernel's vrealloc_test: 1 page, 4, 1, half of one, 1. */
static void kernel_sequence(bool host)
{
	static const unsigned long sizes[] = { 4 * PAGE_SIZE, PAGE_SIZE,
					       PAGE_SIZE / 2, PAGE_SIZE };
	unsigned long i;
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	v = vrealloc(NULL, PAGE_SIZE, GFP_KERNEL);
	cr_assert_not_null(v);
	set_first_byte(host, v, 'a');
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		v = vrealloc(v, sizes[i], GFP_KERNEL);
		cr_assert_not_null(v, "step %lu: %s", i, cap_last());
		cr_assert_eq(first_byte(host, v), 'a', "step %lu", i);
		cr_assert_eq(find_vm_area(v)->requested_size, sizes[i]);
		assert_check();
	}
	cr_assert_null(vrealloc(v, 0, GFP_KERNEL));
	purge();
	expect_all_returned();
}

Test(vm_vrealloc, kernel_sequence_host)
{
	kernel_sequence(true);
}

Test(vm_vrealloc, kernel_sequence_soft)
{
	kernel_sequence(false);
}

/*
 * Free space above: the area grows where it is, nothing is copied and the
 * guard moves to the new end. Taken space above: it moves, with its data.
 */
static void grow(bool host)
{
	const unsigned long want = 7 * PAGE_SIZE + 10;
	struct vm_struct *vm;
	void *v, *n, *blocker;

	boot("mem=64M mmu=%s", backend(host));
	v = vmalloc(2 * PAGE_SIZE);
	area_fill(host, v, 2 * PAGE_SIZE, 3);

	n = vrealloc(v, want, GFP_KERNEL);
	cr_assert_eq(n, v, "grew by moving although the space was free");
	vm = find_vm_area(v);
	cr_assert_eq(vm->nr_pages, 8);
	cr_assert_eq(vm->size, 9 * PAGE_SIZE);
	cr_assert_eq(vm->requested_size, want);
	cr_assert_eq(find_vm_area((char *)v + 8 * PAGE_SIZE), vm);
	expect_pattern(host, v, 2 * PAGE_SIZE, 3);
	area_fill(host, v, 8 * PAGE_SIZE, 4);
	expect_pattern(host, v, 8 * PAGE_SIZE, 4);
	assert_check();

	/* Now something lies right above: growing must move. */
	blocker = vmalloc(PAGE_SIZE);
	cr_assert_eq((char *)blocker, (char *)v + 9 * PAGE_SIZE);
	n = vrealloc(v, 20 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	cr_assert_not_null(n);
	cr_assert_neq(n, v);
	cr_assert_null(find_vm_area(v));
	/* What was asked for moves; what grew reads as zeros (__GFP_ZERO). */
	expect_pattern(host, n, want, 4);
	expect_zero(host, (char *)n + want, 20 * PAGE_SIZE - want);
	assert_check();
	vfree(n);
	vfree(blocker);
	purge();
	expect_all_returned();
}

Test(vm_vrealloc, grow_host)
{
	grow(true);
}

Test(vm_vrealloc, grow_soft)
{
	grow(false);
}

/* The guard moved with the growth: the new end faults. */
Test(vm_vrealloc, guard_moves, .signal = SIGSEGV)
{
	char *v;

	boot("mem=64M");
	v = vmalloc(PAGE_SIZE);
	v = vrealloc(v, 3 * PAGE_SIZE, GFP_KERNEL);
	v[PAGE_SIZE] = 1; /* the old guard page, mapped now */
	v[3 * PAGE_SIZE - 1] = 1;
	*(volatile char *)(v + 3 * PAGE_SIZE) = 1;
	cr_assert_fail("wrote past a grown area");
}

/* Shrinking with __GFP_ZERO clears what is given up, for a later growth. */
static void shrink_zero(bool host)
{
	void *v;

	boot("mem=64M mmu=%s", backend(host));
	v = vmalloc(3 * PAGE_SIZE);
	area_fill(host, v, 3 * PAGE_SIZE, 6);
	v = vrealloc(v, PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	cr_assert_eq(find_vm_area(v)->nr_pages, 3);
	v = vrealloc(v, 3 * PAGE_SIZE, GFP_KERNEL);
	expect_pattern(host, v, PAGE_SIZE, 6);
	expect_zero(host, (char *)v + PAGE_SIZE, 2 * PAGE_SIZE);
	vfree(v);
}

Test(vm_vrealloc, shrink_zero_host)
{
	shrink_zero(true);
}

Test(vm_vrealloc, shrink_zero_soft)
{
	shrink_zero(false);
}

/* No pages for the growth: NULL, the old area whole and unchanged. */
static void grow_fails(bool host)
{
	struct snap before;
	void *v, *hog;

	boot("mem=32M mmu=%s", backend(host));
	v = vmalloc(PAGE_SIZE);
	area_fill(host, v, PAGE_SIZE, 2);
	hog = vmalloc(20 * SZ_1M);
	cr_assert_not_null(hog);
	purge();
	before = snap();
	cr_assert_null(vrealloc(v, 16 * SZ_1M, GFP_KERNEL | __GFP_NOWARN));
	/* A vmalloc'ed pages array of the failed try goes at the purge. */
	purge();
	cr_assert_eq(held(snap()), held(before));
	cr_assert_eq(snap().busy, before.busy);
	cr_assert_eq(find_vm_area(v)->nr_pages, 1);
	expect_pattern(host, v, PAGE_SIZE, 2);
	vfree(hog);
	vfree(v);
	purge();
	expect_all_returned();
}

Test(vm_vrealloc, grow_fails_host)
{
	grow_fails(true);
}

Test(vm_vrealloc, grow_fails_soft)
{
	grow_fails(false);
}

/* Injected host-map refusals while growing in place: it rolls back. */
Test(vm_vrealloc, grow_injected)
{
	void *v, *n;
	int i;

	boot("mem=64M fail_host_map=1,50,0,-1");
	rng_seed(11);
	v = NULL;
	for (i = 0; i < 200; i++) {
		n = vrealloc(v, (rng_below(40) + 1) * PAGE_SIZE,
			     GFP_KERNEL | __GFP_NOWARN);
		if (n)
			v = n;
		if (v)
			cr_assert_not_null(find_vm_area(v));
		assert_check();
	}
	vfree(v);
}

Test(vm_vrealloc, bad_pointer)
{
	unsigned long w;
	char *v;

	boot("mem=64M");
	v = vmalloc(2 * PAGE_SIZE);
	w = warnings();
	cap_reset();
	cr_assert_null(vrealloc(v + PAGE_SIZE, 5 * PAGE_SIZE, GFP_KERNEL));
	cr_assert_null(vrealloc((void *)0x1000, 5 * PAGE_SIZE, GFP_KERNEL));
	cr_assert_eq(warnings() - w, 2);
	cr_assert_geq(cap_find("Trying to vrealloc() nonexistent vm area", 0),
		      0, "%s", cap_last());
	cr_assert_eq(find_vm_area(v)->nr_pages, 2);
	assert_check();
	vfree(v);
}

/* ------------------------------------------------------- deferred frees */

TestSuite(vm_deferred, .fini = teardown, .timeout = 300);

static void atomic_then_drained(bool host)
{
	unsigned long parked0, done0, parked, done;
	void *v, *w;

	boot("mem=64M mmu=%s", backend(host));
	vmalloc_deferred_counts(&parked0, &done0);
	v = vmalloc(PAGE_SIZE);
	vfree_atomic(v);
	vfree_atomic(NULL);
	/* Parked, not yet carried out. */
	cr_assert_not_null(find_vm_area(v));
	vmalloc_deferred_counts(&parked, &done);
	cr_assert_eq(parked - parked0, 1);
	cr_assert_eq(done - done0, 0);
	/* The next call carries it out first. */
	w = vmalloc(2 * PAGE_SIZE);
	cr_assert_null(find_vm_area(v));
	vmalloc_deferred_counts(&parked, &done);
	cr_assert_eq(done - done0, 1);
	vfree(w);
	purge();
	expect_all_returned();
}

Test(vm_deferred, atomic_host)
{
	atomic_then_drained(true);
}

Test(vm_deferred, atomic_soft)
{
	atomic_then_drained(false);
}

/* A bad address parked gets vfree()'s warning when carried out. */
Test(vm_deferred, bad_address)
{
	unsigned long w;

	boot("mem=64M");
	w = warnings();
	cap_reset();
	vfree_atomic((void *)0x1234);
	cr_assert_eq(warnings(), w);
	vfree(NULL);
	cr_assert_eq(warnings(), w);
	vfree(vmalloc(PAGE_SIZE));
	cr_assert_eq(warnings() - w, 1);
	cr_assert_geq(cap_find("nonexistent vm area", 0), 0, "%s", cap_last());
	assert_check();
}

/* Parked frees at shutdown are carried out, not reported as leaks. */
Test(vm_deferred, drained_at_shutdown)
{
	unsigned long w;

	boot("mem=64M");
	vfree_atomic(vmalloc(PAGE_SIZE));
	w = warnings();
	uvm_shutdown();
	cr_assert_eq(warnings(), w, "%s", cap_last());
}

/*
 * A second thread pelts the first with signals whose handler vfree()s
 * areas, while the first allocates and frees in a loop: the handler often
 * lands inside the library, where vfree() must park instead of waiting on
 * a lock the interrupted code holds.
 */
#define SIG_AREAS 2000

static void *sig_area[SIG_AREAS];
static atomic_int sig_next;

static void free_one(int sig)
{
	int i = atomic_fetch_add(&sig_next, 1);

	(void)sig;
	if (i < SIG_AREAS)
		vfree(sig_area[i]);
}

struct pelter {
	pthread_t target;
	atomic_bool stop;
};

static void *pelt(void *arg)
{
	struct pelter *p = arg;

	while (!atomic_load(&p->stop) && atomic_load(&sig_next) < SIG_AREAS) {
		pthread_kill(p->target, SIGUSR1);
		usleep(50);
	}
	return NULL;
}

static void signal_frees(bool host)
{
	unsigned long parked0, done0, parked, done;
	struct pelter p = { .target = pthread_self() };
	struct sigaction sa = { .sa_handler = free_one };
	pthread_t t;
	int i;

	boot("mem=256M mmu=%s", backend(host));
	for (i = 0; i < SIG_AREAS; i++) {
		sig_area[i] = vmalloc((unsigned long)(i % 3 + 1) * PAGE_SIZE);
		cr_assert_not_null(sig_area[i]);
	}
	vmalloc_deferred_counts(&parked0, &done0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_eq(pthread_create(&t, NULL, pelt, &p), 0);
	for (i = 0; atomic_load(&sig_next) < SIG_AREAS; i++) {
		void *v = vmalloc((unsigned long)(i % 7 + 1) * PAGE_SIZE);

		cr_assert_not_null(v);
		vfree(v);
	}
	atomic_store(&p.stop, true);
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_IGN);

	/* Whatever is still parked goes with the next call. */
	vfree(vmalloc(PAGE_SIZE));
	vmalloc_deferred_counts(&parked, &done);
	cr_assert_eq(parked - parked0, done - done0, "%lu parked, %lu done",
		     parked - parked0, done - done0);
	cr_log_info("%lu of %d signal-time frees were parked", parked - parked0,
		    SIG_AREAS);
	for (i = 0; i < SIG_AREAS; i++)
		cr_assert_null(find_vm_area(sig_area[i]), "area %d lives", i);
	purge();
	expect_all_returned();
}

Test(vm_deferred, signal_host)
{
	signal_frees(true);
}

Test(vm_deferred, signal_soft)
{
	signal_frees(false);
}

/* -------------------------------------------------------------- kvmalloc */

TestSuite(vm_kv, .fini = teardown, .timeout = 300);

Test(vm_kv, heap_or_vmalloc)
{
	unsigned long w;
	char *s, *b, *n;

	boot("mem=64M");
	s = kvmalloc(100, GFP_KERNEL);
	cr_assert_not_null(s);
	cr_assert_not(is_vmalloc_addr(s));
	b = kvzalloc(5 * PAGE_SIZE, GFP_KERNEL);
	cr_assert(is_vmalloc_addr(b));
	cr_assert_eq(first_nonzero(b, 5 * PAGE_SIZE), -1);
	memset(s, 'x', 100);

	/* Heap to vmalloc and back, contents kept. */
	n = kvrealloc(s, 4 * PAGE_SIZE, GFP_KERNEL);
	cr_assert(is_vmalloc_addr(n));
	cr_assert_eq(n[99], 'x');
	n = kvrealloc(n, 50, GFP_KERNEL);
	cr_assert_not(is_vmalloc_addr(n));
	cr_assert_eq(n[49], 'x');
	kvfree(n);
	kvfree(b);
	kvfree(NULL);

	w = warnings();
	cr_assert_null(kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL));
	cr_assert_eq(warnings() - w, 1);
	cr_assert_null(kvmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL));
	cr_assert_null(kvcalloc(4, SIZE_MAX / 2, GFP_KERNEL));
	b = kvcalloc(1000, 10, GFP_KERNEL);
	cr_assert(is_vmalloc_addr(b));
	kvfree(b);
	purge();
	expect_all_returned();
}

/* With mmu=soft the copy goes through vread()/vwrite(). */
Test(vm_kv, realloc_soft)
{
	char buf[64];
	char *s, *n;

	boot("mem=64M mmu=soft");
	s = kvmalloc(64, GFP_KERNEL);
	memset(s, 'q', 64);
	n = kvrealloc(s, 3 * PAGE_SIZE, GFP_KERNEL);
	cr_assert(is_vmalloc_addr(n));
	vread(buf, n, sizeof(buf));
	cr_assert_eq(buf[63], 'q');
	s = kvrealloc(n, 32, GFP_KERNEL);
	cr_assert_not(is_vmalloc_addr(s));
	cr_assert_eq(s[31], 'q');
	kvfree(s);
}

/* ---------------------------------------------------------- __GFP_NOFAIL */

TestSuite(vm_nofail, .fini = teardown, .timeout = 300);

static void *nofail_victim;

static void *free_later(void *arg)
{
	(void)arg;
	usleep(50 * 1000);
	vfree(nofail_victim);
	return NULL;
}

/* No address space left: __GFP_NOFAIL waits until some is freed. */
Test(vm_nofail, waits_for_space)
{
	enum {
		MAX_AREAS = 1 << 15
	};
	void **areas = calloc(MAX_AREAS, sizeof(*areas));
	unsigned long w;
	pthread_t t;
	int n = 0, i;
	void *v;

	boot("mem=256M vmalloc=64M");
	while (n < MAX_AREAS &&
	       (areas[n] = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN)))
		n++;
	cr_assert_lt(n, MAX_AREAS, "the window never filled");
	nofail_victim = areas[n / 2];
	areas[n / 2] = NULL;
	w = warnings();
	cr_assert_eq(pthread_create(&t, NULL, free_later, NULL), 0);
	v = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOFAIL);
	pthread_join(t, NULL);
	cr_assert_not_null(v);
	cr_assert_geq(warnings() - w, 1);
	cr_assert_geq(cap_find("Retrying", 0), 0, "%s", cap_last());
	for (i = 0; i < n; i++)
		vfree(areas[i]);
	vfree(v);
	free(areas);
	purge();
	expect_all_returned();
}

/* ------------------------------------------------- guards of every kind */

TestSuite(vm_guards, .fini = teardown, .timeout = 300);

/* Write the last byte of @v's @size, then the first byte after its pages. */
static void touch_past(char *v, unsigned long size)
{
	cr_assert_not_null(v);
	v[size - 1] = 1;
	*(volatile char *)(v + PAGE_ALIGN(size)) = 1;
	cr_assert_fail("wrote the guard page after %lu bytes", size);
}

Test(vm_guards, vzalloc, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vzalloc(3 * PAGE_SIZE + 1), 3 * PAGE_SIZE + 1);
}

Test(vm_guards, vmalloc_user, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vmalloc_user(2 * PAGE_SIZE), 2 * PAGE_SIZE);
}

Test(vm_guards, vmalloc_32, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vmalloc_32(PAGE_SIZE), PAGE_SIZE);
}

Test(vm_guards, vmalloc_32_user, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vmalloc_32_user(PAGE_SIZE), PAGE_SIZE);
}

Test(vm_guards, vmalloc_node, .signal = SIGSEGV)
{
	boot("mem=64M numa=2");
	touch_past(vmalloc_node(5 * PAGE_SIZE, 1), 5 * PAGE_SIZE);
}

Test(vm_guards, aligned, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(__vmalloc_node(5 * PAGE_SIZE, 32 * 1024, GFP_KERNEL,
				  NUMA_NO_NODE, NULL),
		   5 * PAGE_SIZE);
}

Test(vm_guards, vmalloc_exec, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vmalloc_exec(100), 100);
}

Test(vm_guards, vcalloc, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(vcalloc(3, PAGE_SIZE), 3 * PAGE_SIZE);
}

Test(vm_guards, kvmalloc, .signal = SIGSEGV)
{
	boot("mem=64M");
	touch_past(kvmalloc(4 * PAGE_SIZE, GFP_KERNEL), 4 * PAGE_SIZE);
}

/* A revived area's guard is still a guard. */
Test(vm_guards, revived, .signal = SIGSEGV)
{
	char *v;

	boot("mem=64M");
	v = vmalloc(2 * PAGE_SIZE);
	vfree(v);
	cr_assert_eq(vmalloc(2 * PAGE_SIZE), v);
	touch_past(v, 2 * PAGE_SIZE);
}

/* An area whose pages array was itself vmalloc'ed resizes too. */
Test(vm_vrealloc, vpages_area, .fini = teardown)
{
	const unsigned long nr = 600;
	void *v, *n;

	boot("mem=64M");
	v = vmalloc(nr * PAGE_SIZE);
	cr_assert(find_vm_area(v)->flags & VM_VPAGES_INTERNAL);
	area_fill(true, v, nr * PAGE_SIZE, 12);
	n = vrealloc(v, (nr + 50) * PAGE_SIZE, GFP_KERNEL);
	cr_assert_not_null(n, "%s", cap_last());
	expect_pattern(true, n, nr * PAGE_SIZE, 12);
	n = vrealloc(n, PAGE_SIZE, GFP_KERNEL);
	cr_assert_not_null(n);
	expect_pattern(true, n, PAGE_SIZE, 12);
	assert_check();
	vfree(n);
	purge();
	expect_all_returned();
}
