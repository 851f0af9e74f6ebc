/* SPDX-License-Identifier: MIT */
/*
 * What the threaded test programs share: a failure record that any thread
 * may write (the first message is kept, all are counted), and a log sink
 * that turns every warning or error the instance prints into a failure.
 */
#ifndef UVM_TESTS_TEST_MT_UTIL_H
#define UVM_TESTS_TEST_MT_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <criterion/criterion.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <stdlib.h>
#include <uvmalloc.h>

#include "kva/kva.h"

static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_err[512];
static atomic_ulong nr_errs;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&err_lock);
	if (!atomic_fetch_add(&nr_errs, 1)) {
		va_start(ap, fmt);
		vsnprintf(first_err, sizeof(first_err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&err_lock);
}

/* Every warning or error the instance prints is a failure here. */
static void count_sink(int level, const char *line, void *arg)
{
	(void)arg;
	if (level <= UVM_LOG_WARNING)
		fail("logged: %s", line);
}

/* What the page allocator held right after the last mt_boot(). */
static struct uvm_phys_stats mt_boot_stats __attribute__((unused));

/* Boot @cmdline with @sink, and note what the page allocator holds. */
static inline void mt_boot(const char *cmdline, uvm_log_fn sink, void *arg)
{
	int err;

	unsetenv("UVMALLOC_CMDLINE");
	uvm_set_log(sink, arg);
	err = uvm_boot(cmdline);
	cr_assert_eq(err, 0, "uvm_boot(\"%s\") = %d", cmdline, err);
	drain_all_pages(NULL);
	uvm_phys_stats(&mt_boot_stats);
	atomic_store(&nr_errs, 0);
	first_err[0] = '\0';
}

static inline void mt_teardown(void)
{
	uvm_shutdown();
	uvm_set_log(NULL, NULL);
}

/* After a purge, every page is free or a page table, as at boot. */
static inline void mt_expect_pages_back(void)
{
	struct uvm_phys_stats st;

	kva_purge(true);
	drain_all_pages(NULL);
	uvm_phys_stats(&st);
	cr_assert_eq(st.free_pages + st.pagetable_pages,
		     mt_boot_stats.free_pages + mt_boot_stats.pagetable_pages,
		     "%lu free + %lu tables, %lu + %lu at boot", st.free_pages,
		     st.pagetable_pages, mt_boot_stats.free_pages,
		     mt_boot_stats.pagetable_pages);
}

/* Threaded tests write fewer words under TSan, whose every access costs. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* A per-thread xorshift generator. */
struct trng {
	uint64_t s;
};

static inline uint64_t trng_next(struct trng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Word @i of the pattern @tag. */
static inline uint64_t word(uint64_t tag, unsigned long i)
{
	uint64_t x = (tag + 1) * 0x9e3779b97f4a7c15ULL ^
		     (i + 1) * 0xbf58476d1ce4e5b9ULL;

	return x ^ (x >> 31);
}

/*
 * The words of each page a pattern covers: all of them, or under TSan the
 * first, one in the middle and the last.
 */
static inline bool covered(unsigned long i)
{
	unsigned long w = i % (4096 / 8);

	return !UNDER_TSAN || w == 0 || w == 4096 / 16 || w == 4096 / 8 - 1;
}

/* Write pattern @tag over @nr pages at @v: by pointer, or vwrite(). */
static inline void mt_put(bool host, char *v, unsigned long nr, uint64_t tag)
{
	unsigned long i, n = nr * 4096 / 8;
	uint64_t *buf;

	if (host) {
		uint64_t *p = (uint64_t *)v;

		for (i = 0; i < n; i++)
			if (covered(i))
				p[i] = word(tag, i);
		return;
	}
	buf = malloc(nr * 4096);
	if (!buf) {
		fail("out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		buf[i] = word(tag, i);
	if (vwrite((char *)buf, v, nr * 4096) != (long)(nr * 4096))
		fail("vwrite of %lu pages at %p fell short", nr, v);
	free(buf);
}

/*
 * Whether @nr pages at @v hold pattern @tag (by pointer, or vread()); the
 * first difference is reported through fail().
 */
static inline bool mt_pattern_ok(bool host, char *v, unsigned long nr,
				 uint64_t tag)
{
	unsigned long i, n = nr * 4096 / 8;
	const uint64_t *p = (const uint64_t *)v;
	uint64_t *buf = NULL;
	bool ok = true;

	if (!host) {
		buf = malloc(nr * 4096);
		if (!buf) {
			fail("out of memory");
			return false;
		}
		if (vread((char *)buf, v, nr * 4096) != (long)(nr * 4096))
			fail("vread of %lu pages at %p fell short", nr, v);
		p = buf;
	}
	for (i = 0; i < n; i++) {
		if (covered(i) && p[i] != word(tag, i)) {
			fail("%p+%#lx: %#llx, want %#llx", v, i * 8,
			     (unsigned long long)p[i],
			     (unsigned long long)word(tag, i));
			ok = false;
			break;
		}
	}
	free(buf);
	return ok;
}

#endif /* UVM_TESTS_TEST_MT_UTIL_H */
