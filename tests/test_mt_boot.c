/* SPDX-License-Identifier: MIT */
/*
 * Tests of what kernel-named calls do when no instance runs:
 *
 *  - with no uvm_boot() at all, the first one boots the defaults;
 *  - after the program's own uvm_boot() failed, they fail instead (NULL or
 *    -ENODEV), boot nothing, and the first of them says why, once, until a
 *    uvm_boot() succeeds; uvm_shutdown() does not lift that;
 *  - an -EBUSY uvm_boot() leaves the running instance serving calls;
 *  - a bad $UVMALLOC_CMDLINE fails the automatic boot once, is not retried
 *    until uvm_shutdown(), and does not stop a good explicit boot;
 *  - the same across many boot and shutdown cycles, and from many threads
 *    (hence test_mt_: the thread build runs this file under TSan too).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <uvmalloc.h>

#include "test_util.h"

#define REFUSED "kernel-named call refused"

static void setup(void)
{
	/* Every boot parses it: a stray one would change what boots. */
	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(capture_sink, &cap);
	cap_reset();
}

static void teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
	unsetenv("UVMALLOC_CMDLINE");
}

TestSuite(boot, .init = setup, .fini = teardown);

/* Captured lines that contain @s. */
static int cap_occurrences(const char *s)
{
	int i, n = 0;

	for (i = cap_find(s, 0); i >= 0; i = cap_find(s, i + 1))
		n++;
	return n;
}

static unsigned long total_pages(void)
{
	struct uvm_phys_stats st;

	uvm_phys_stats(&st);
	return st.total_pages;
}

/* Kernel-named calls of each kind fail, and nothing boots behind them. */
static void assert_refused(void)
{
	cr_assert_null(vmalloc(4096));
	cr_assert_null(vzalloc(3 * PAGE_SIZE));
	cr_assert_null(alloc_pages(GFP_KERNEL, 0));
	cr_assert_null(alloc_pages(GFP_KERNEL, 3));
	cr_assert_eq(uvm_show("meminfo", stdout), -ENODEV);
	cr_assert_eq(remap_vmalloc_range(NULL, NULL, 0), -ENODEV);
	cr_assert(!uvm_booted());
	cr_assert_eq(total_pages(), 0);
}

/* A vmalloc() that works and is freed, and a consistent instance. */
static void assert_serving(void)
{
	char *p = vmalloc(4096);

	cr_assert_not_null(p, "%s", cap_last());
	memset(p, 0x5a, 4096);
	vfree(p);
	cr_assert(uvm_booted());
	cr_assert_eq(uvm_check(), 0);
}

Test(boot, failed_boot_refuses_until_a_good_boot)
{
	int i, line, lines;

	cr_assert_eq(uvm_boot("kva=bogus"), -EINVAL);
	cr_assert_geq(cap_find("kva", 0), 0, "%s", cap_last());
	cr_assert_eq(cap_occurrences(REFUSED), 0, "refused before a call");
	lines = cap_count();

	for (i = 0; i < 5; i++)
		assert_refused();
	cr_assert_eq(cap_occurrences(REFUSED), 1, "%d refusal lines",
		     cap_occurrences(REFUSED));
	cr_assert_eq(cap_count(), lines + 1, "other lines: %s", cap_last());
	line = cap_find(REFUSED, 0);
	cr_assert_eq(cap.levels[line], UVM_LOG_ERR);
	cr_assert_str_eq(
		cap_line(line),
		"uvmalloc: uvm_boot: kernel-named call refused: the last uvm_boot() failed with -22 (Invalid argument) and no instance runs; call uvm_boot() again");

	cr_assert_eq(uvm_boot(""), 0, "%s", cap_last());
	assert_serving();
	cr_assert_eq(cap_occurrences(REFUSED), 1);
}

Test(boot, autoboot_without_explicit_boot)
{
	struct page *page;

	cr_assert(!uvm_booted());
	assert_serving();
	page = alloc_pages(GFP_KERNEL, 2);
	cr_assert_not_null(page);
	__free_pages(page, 2);
	cr_assert_eq(total_pages(), (1UL << 30) / PAGE_SIZE, "defaults: 1G");
	cr_assert_eq(cap_occurrences(REFUSED), 0);
}

Test(boot, failed_boot_after_a_cycle_refuses)
{
	int cycle;

	for (cycle = 0; cycle < 4; cycle++) {
		cap_reset();
		cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
		assert_serving();
		uvm_shutdown();
		cr_assert(!uvm_booted());

		cr_assert_eq(uvm_boot("mem=bogus"), -EINVAL);
		assert_refused();
		assert_refused();
		cr_assert_eq(cap_occurrences(REFUSED), 1, "cycle %d: %d lines",
			     cycle, cap_occurrences(REFUSED));

		cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
		assert_serving();
		uvm_shutdown();

		/* The good boot lifted the refusal: defaults boot again. */
		assert_serving();
		cr_assert_eq(total_pages(), (1UL << 30) / PAGE_SIZE);
		uvm_shutdown();
		cr_assert_eq(cap_occurrences(REFUSED), 1, "cycle %d", cycle);
	}
}

Test(boot, each_failed_boot_reports_its_own_errno)
{
	cr_assert_eq(uvm_boot("kva=bogus"), -EINVAL);
	assert_refused();
	cr_assert_eq(cap_occurrences(REFUSED), 1);
	cr_assert_geq(cap_find("failed with -22 (", 0), 0, "%s", cap_last());

	/* Parsed, then refused by the host check: another errno. */
	cr_assert_eq(uvm_boot("mem=64T"), -ENOMEM);
	assert_refused();
	assert_refused();
	cr_assert_eq(cap_occurrences(REFUSED), 2);
	cr_assert_geq(cap_find("failed with -12 (", 0), 0, "%s", cap_last());

	cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
	assert_serving();
	cr_assert_eq(cap_occurrences(REFUSED), 2);
}

/*
 * Today's behaviour, kept: the automatic boot parses the environment, fails,
 * prints why once and is not retried; no refusal line, since the program
 * never asked for a boot of its own.
 */
Test(boot, bad_environment_fails_autoboot_then_explicit_boot_works)
{
	int lines;

	setenv("UVMALLOC_CMDLINE", "mem=abc", 1);
	cr_assert_null(vmalloc(4096));
	lines = cap_count();
	cr_assert_geq(lines, 1);
	cr_assert_geq(cap_find("mem", 0), 0, "%s", cap_last());
	cr_assert_null(vmalloc(4096));
	cr_assert_null(alloc_pages(GFP_KERNEL, 0));
	cr_assert_eq(uvm_show("meminfo", stdout), -ENODEV);
	cr_assert(!uvm_booted());
	cr_assert_eq(cap_count(), lines, "retried or logged again: %s",
		     cap_last());
	cr_assert_eq(cap_occurrences(REFUSED), 0);

	unsetenv("UVMALLOC_CMDLINE");
	cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
	assert_serving();
	cr_assert_eq(total_pages(), (64UL << 20) / PAGE_SIZE);
}

Test(boot, bad_environment_is_retried_after_shutdown)
{
	setenv("UVMALLOC_CMDLINE", "mem=abc", 1);
	cr_assert_null(vmalloc(4096));
	setenv("UVMALLOC_CMDLINE", "mem=32M", 1);
	cr_assert_null(vmalloc(4096), "retried before uvm_shutdown()");
	uvm_shutdown();
	assert_serving();
	cr_assert_eq(total_pages(), (32UL << 20) / PAGE_SIZE);
	cr_assert_eq(cap_occurrences(REFUSED), 0);
}

Test(boot, shutdown_keeps_the_refusal)
{
	cr_assert_eq(uvm_boot("numa=0"), -EINVAL);
	uvm_shutdown();
	assert_refused();
	uvm_shutdown();
	uvm_shutdown();
	assert_refused();
	cr_assert_eq(cap_occurrences(REFUSED), 1);

	cr_assert_eq(uvm_boot(NULL), 0, "%s", cap_last());
	assert_serving();
	uvm_shutdown();
	assert_serving(); /* automatic again */
	cr_assert_eq(cap_occurrences(REFUSED), 1);
}

Test(boot, busy_boot_keeps_the_instance_serving)
{
	char *p;

	cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
	p = vmalloc(4096);
	cr_assert_not_null(p);
	cr_assert_eq(uvm_boot("mem=32M"), -EBUSY);
	cr_assert(uvm_booted());
	assert_serving();
	cr_assert_eq(total_pages(), (64UL << 20) / PAGE_SIZE);
	vfree(p);
	cr_assert_eq(cap_occurrences(REFUSED), 0);

	/* Nothing was armed: after shutdown the defaults boot. */
	uvm_shutdown();
	assert_serving();
	cr_assert_eq(total_pages(), (1UL << 30) / PAGE_SIZE);
	cr_assert_eq(cap_occurrences(REFUSED), 0);
}

/* ------------------------------------------------------------ threads */

#define NR_THREADS 8
#define NR_CALLS 200

static atomic_int go;

static void *refused_worker(void *arg)
{
	long i, got = 0;

	(void)arg;
	while (!atomic_load(&go))
		;
	for (i = 0; i < NR_CALLS; i++) {
		void *p = vmalloc(4096);

		if (p) {
			vfree(p);
			got++;
		}
		if (alloc_pages(GFP_KERNEL, 0))
			got++;
	}
	return (void *)got;
}

static void *first_call_worker(void *arg)
{
	long i, failed = 0;

	(void)arg;
	while (!atomic_load(&go))
		;
	for (i = 0; i < NR_CALLS; i++) {
		char *p = vmalloc(2 * PAGE_SIZE);

		if (!p) {
			failed++;
			continue;
		}
		p[0] = 1;
		p[PAGE_SIZE] = 2;
		vfree(p);
	}
	return (void *)failed;
}

static long run_threads(void *(*fn)(void *))
{
	pthread_t t[NR_THREADS];
	long total = 0;
	void *ret;
	int i;

	atomic_store(&go, 0);
	for (i = 0; i < NR_THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fn, NULL), 0);
	atomic_store(&go, 1);
	for (i = 0; i < NR_THREADS; i++) {
		cr_assert_eq(pthread_join(t[i], &ret), 0);
		total += (long)ret;
	}
	return total;
}

Test(boot, threads_refused_together_report_once, .timeout = 120)
{
	cr_assert_eq(uvm_boot("kva=bogus"), -EINVAL);
	cr_assert_eq(run_threads(refused_worker), 0, "a call succeeded");
	cr_assert(!uvm_booted());
	cr_assert_eq(cap_occurrences(REFUSED), 1);
	cr_assert_eq(uvm_boot("mem=64M"), 0, "%s", cap_last());
	assert_serving();
}

Test(boot, threads_first_calls_boot_once, .timeout = 120)
{
	setenv("UVMALLOC_CMDLINE", "mem=64M", 1);
	cr_assert_eq(run_threads(first_call_worker), 0, "%s", cap_last());
	cr_assert(uvm_booted());
	cr_assert_eq(total_pages(), (64UL << 20) / PAGE_SIZE);
	cr_assert_eq(uvm_boot("mem=64M"), -EBUSY, "one instance runs");
	cr_assert_eq(cap_occurrences(REFUSED), 0);
	assert_serving();
}
