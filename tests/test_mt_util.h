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

#endif /* UVM_TESTS_TEST_MT_UTIL_H */
