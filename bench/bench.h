/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark program shares: a monotonic clock in nanoseconds.
 */
#ifndef UVM_BENCH_BENCH_H
#define UVM_BENCH_BENCH_H

#include <time.h>

/* Nanoseconds on the monotonic clock, as a double for easy division. */
static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#endif /* UVM_BENCH_BENCH_H */
