/* SPDX-License-Identifier: MIT */
/* <linux/ktime.h> for modules: nanoseconds of CLOCK_MONOTONIC. */
#ifndef UVMALLOC_KMOD_LINUX_KTIME_H
#define UVMALLOC_KMOD_LINUX_KTIME_H

#include <time.h>

#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/types.h>

typedef s64 ktime_t;

#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_SEC 1000000000L
#define USEC_PER_MSEC 1000L
#define USEC_PER_SEC 1000000L
#define MSEC_PER_SEC 1000L

static inline ktime_t ktime_get(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ktime_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline u64 ktime_get_ns(void)
{
	return (u64)ktime_get();
}

static inline ktime_t ktime_get_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ktime_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

#define ktime_get_boottime ktime_get
#define ktime_sub(a, b) ((a) - (b))
#define ktime_add(a, b) ((a) + (b))
#define ktime_add_ns(kt, ns) ((kt) + (ns))
#define ktime_set(secs, nsecs) ((ktime_t)(secs)*NSEC_PER_SEC + (nsecs))
#define ktime_to_ns(kt) ((s64)(kt))
#define ktime_to_us(kt) ((s64)(kt) / NSEC_PER_USEC)
#define ktime_to_ms(kt) ((s64)(kt) / NSEC_PER_MSEC)
#define ns_to_ktime(ns) ((ktime_t)(ns))
#define ms_to_ktime(ms) ((ktime_t)(ms)*NSEC_PER_MSEC)
#define ktime_compare(a, b) (((a) > (b)) - ((a) < (b)))
#define ktime_before(a, b) ((a) < (b))
#define ktime_after(a, b) ((a) > (b))

static inline s64 ktime_us_delta(ktime_t later, ktime_t earlier)
{
	return ktime_to_us(later - earlier);
}

static inline s64 ktime_ms_delta(ktime_t later, ktime_t earlier)
{
	return ktime_to_ms(later - earlier);
}

#endif /* UVMALLOC_KMOD_LINUX_KTIME_H */
