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
#include <uvmalloc.h>

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

#endif /* UVM_TESTS_TEST_MT_UTIL_H */
