/* SPDX-License-Identifier: MIT */
/*
 * <linux/jiffies.h> for modules: HZ ticks a second of CLOCK_MONOTONIC
 * since the process started.
 */
#ifndef UVMALLOC_KMOD_LINUX_JIFFIES_H
#define UVMALLOC_KMOD_LINUX_JIFFIES_H

#include <linux/compiler.h>
#include <linux/types.h>

#define HZ 1000
#define MAX_JIFFY_OFFSET ((long)(~0UL >> 1) - 1)

UVM_KMOD_API_BEGIN

/**
 * get_jiffies_64() - the tick count
 *
 * Return: milliseconds (HZ is 1000) since the first call in the process,
 * plus 1, so that it is never 0.
 */
u64 get_jiffies_64(void);

UVM_KMOD_API_END

#define jiffies ((unsigned long)get_jiffies_64())
#define msecs_to_jiffies(m) ((unsigned long)(m)*HZ / 1000)
#define usecs_to_jiffies(u) (((unsigned long)(u) + 999) / 1000 * HZ / 1000)
#define jiffies_to_msecs(j) ((unsigned int)((j)*1000 / HZ))
#define jiffies_to_usecs(j) ((unsigned int)((j)*1000000 / HZ))
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)
#define time_is_before_jiffies(a) time_after(jiffies, a)
#define time_is_after_jiffies(a) time_before(jiffies, a)

#endif /* UVMALLOC_KMOD_LINUX_JIFFIES_H */
