/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: should_fail() and the `<interval>,<probability>,<space>,
 * <times>` parameter that configures it, with the kernel's semantics. Every
 * piece of state that calls share is updated with atomic compare-and-swap
 * loops, so "times" failures happen exactly "times" times however many
 * threads race; the random numbers come from a per-thread generator.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "fault_inject.h"
#include "log.h"

void fault_attr_init(struct fault_attr *attr, const char *name)
{
	attr->name = name;
	WRITE_ONCE(attr->enabled, 0);
	WRITE_ONCE(attr->probability, 0UL);
	WRITE_ONCE(attr->interval, 1UL);
	atomic_init(&attr->times, 0);
	atomic_init(&attr->space, 0);
	atomic_init(&attr->count, 0);
	atomic_init(&attr->failed, 0);
	attr->verbose = 1;
}

/*
 * One field of the parameter: optional '-' (when @sign), then decimal digits
 * or 0x and hex digits. Stops at ',' or the end of the text.
 */
static int parse_field(const char **str, bool sign, long long lo, long long hi,
		       long long *out)
{
	const char *s = *str;
	unsigned long long v = 0, base = 10, limit;
	bool neg = false;
	const char *start;

	if (sign && *s == '-') {
		neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	limit = neg ? (unsigned long long)-(lo + 1) + 1 :
		      (unsigned long long)hi;
	for (start = s;; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			break;
		if (d > limit || v > (limit - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (s == start || (*s && *s != ','))
		return -EINVAL;
	*out = neg ? -(long long)(v - 1) - 1 : (long long)v;
	if (neg && v == 0)
		*out = 0;
	if (*out < lo || *out > hi)
		return -EINVAL;
	*str = s;
	return 0;
}

int setup_fault_attr(struct fault_attr *attr, const char *str)
{
	long long interval, probability, space, times;
	const char *p = str;

	if (!str || !*str) {
		WRITE_ONCE(attr->enabled, 0);
		return 0;
	}
	if (parse_field(&p, false, 0, LONG_MAX, &interval) || *p++ != ',' ||
	    parse_field(&p, false, 0, 100, &probability) || *p++ != ',' ||
	    parse_field(&p, false, 0, LONG_MAX, &space) || *p++ != ',' ||
	    parse_field(&p, true, -1, LONG_MAX, &times) || *p) {
		pr_warn("FAULT_INJECTION: failed to parse arguments for %s: '%s' (expected <interval>,<probability 0..100>,<space>,<times>)",
			attr->name ? attr->name : "?", str);
		return -EINVAL;
	}

	/* Quiet the attribute while its knobs change. */
	WRITE_ONCE(attr->enabled, 0);
	WRITE_ONCE(attr->interval, (unsigned long)interval);
	WRITE_ONCE(attr->probability, (unsigned long)probability);
	atomic_store(&attr->space, (long)space);
	atomic_store(&attr->times, (long)times);
	atomic_store(&attr->count, 0);
	atomic_store(&attr->failed, 0);
	__atomic_store_n(&attr->enabled, probability > 0 && times != 0,
			 __ATOMIC_RELEASE);
	return 0;
}

/* splitmix64: turns a poor seed into a good xorshift state. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*, one state per thread, seeded on first use. */
static unsigned int fault_random(void)
{
	static _Thread_local uint64_t state;
	uint64_t x = state;

	if (unlikely(!x)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = mix64(((uint64_t)syscall(SYS_gettid) << 32) ^
			  ((uint64_t)ts.tv_sec * 1000000000ULL) ^
			  (uint64_t)ts.tv_nsec ^ (uintptr_t)&state);
		if (!x)
			x = 0x2545f4914f6cdd1dULL;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return (unsigned int)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

bool should_fail(struct fault_attr *attr, long size)
{
	unsigned long interval, probability, count;
	long space, times;

	if (likely(!READ_ONCE(attr->enabled)))
		return false;
	if (atomic_load_explicit(&attr->times, memory_order_relaxed) == 0)
		return false;

	/* While the space budget lasts, calls consume it and succeed. */
	space = atomic_load_explicit(&attr->space, memory_order_relaxed);
	while (space > size) {
		if (atomic_compare_exchange_weak_explicit(
			    &attr->space, &space, space - size,
			    memory_order_relaxed, memory_order_relaxed))
			return false;
	}

	interval = READ_ONCE(attr->interval);
	count = atomic_fetch_add_explicit(&attr->count, 1,
					  memory_order_relaxed);
	if (interval > 1 && (count + 1) % interval)
		return false;

	probability = READ_ONCE(attr->probability);
	if (probability < 100 && fault_random() % 100 >= probability)
		return false;

	/* Take one of the failures left; the last one may be raced for. */
	times = atomic_load_explicit(&attr->times, memory_order_relaxed);
	while (times != -1) {
		if (times == 0)
			return false;
		if (atomic_compare_exchange_weak_explicit(
			    &attr->times, &times, times - 1,
			    memory_order_relaxed, memory_order_relaxed))
			break;
	}

	atomic_fetch_add_explicit(&attr->failed, 1, memory_order_relaxed);
	if (attr->verbose)
		pr_warn("FAULT_INJECTION: forcing a failure. name %s, interval %lu, probability %lu, space %ld, times %ld",
			attr->name ? attr->name : "?", interval, probability,
			atomic_load_explicit(&attr->space,
					     memory_order_relaxed),
			times);
	return true;
}
