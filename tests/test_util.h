/* SPDX-License-Identifier: MIT */
/*
 * What the test programs share: a log sink that keeps the lines it is
 * handed, and a small deterministic random number generator.
 */
#ifndef UVM_TESTS_TEST_UTIL_H
#define UVM_TESTS_TEST_UTIL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uvmalloc.h>

#include "lib/log.h"

/* ------------------------------------------------------ a capturing sink */

#define CAP_LINES 256

/*
 * The lines the instance printed since the last cap_reset(): the first
 * CAP_LINES of them in full, and the last error and warning lines.
 */
static struct capture {
	pthread_mutex_t lock;
	int n; /* lines seen, may exceed CAP_LINES */
	int levels[CAP_LINES];
	char lines[CAP_LINES][UVM_LOG_LINE_MAX + 1];
	char last_err[UVM_LOG_LINE_MAX + 1];
	char last_warn[UVM_LOG_LINE_MAX + 1];
} cap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static inline void capture_sink(int level, const char *line, void *arg)
{
	struct capture *c = arg;

	pthread_mutex_lock(&c->lock);
	if (c->n < CAP_LINES) {
		c->levels[c->n] = level;
		snprintf(c->lines[c->n], sizeof(c->lines[0]), "%s", line);
	}
	if (level <= UVM_LOG_ERR)
		snprintf(c->last_err, sizeof(c->last_err), "%s", line);
	if (level <= UVM_LOG_WARNING)
		snprintf(c->last_warn, sizeof(c->last_warn), "%s", line);
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

/* Forget what was captured, and open a fresh rate-limit window. */
static inline void cap_reset(void)
{
	pthread_mutex_lock(&cap.lock);
	cap.n = 0;
	cap.last_err[0] = '\0';
	cap.last_warn[0] = '\0';
	pthread_mutex_unlock(&cap.lock);
	uvm_log_reset_ratelimit();
}

static inline int cap_count(void)
{
	int n;

	pthread_mutex_lock(&cap.lock);
	n = cap.n;
	pthread_mutex_unlock(&cap.lock);
	return n;
}

/* Line @i, or "" when it was not kept. */
static inline const char *cap_line(int i)
{
	return i >= 0 && i < CAP_LINES && i < cap.n ? cap.lines[i] : "";
}

static inline const char *cap_last(void)
{
	return cap_line(cap_count() - 1);
}

/* Index of the first kept line at or after @from containing @s, or -1. */
static inline int cap_find(const char *s, int from)
{
	int i, n = cap_count();

	for (i = from; i < n && i < CAP_LINES; i++)
		if (strstr(cap.lines[i], s))
			return i;
	return -1;
}

/* ------------------------------------------------- deterministic numbers */

static uint64_t rng_state = 1;

static inline void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

/* xorshift64*: deterministic, so that a failure repeats. */
static inline uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static inline unsigned long rng_below(unsigned long n)
{
	return (unsigned long)(rng_next() % n);
}

#endif /* UVM_TESTS_TEST_UTIL_H */
