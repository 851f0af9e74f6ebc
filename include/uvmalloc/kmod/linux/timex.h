/* SPDX-License-Identifier: MIT */
/*
 * <linux/timex.h> for modules: get_cycles() reads the time-stamp counter
 * on x86, as the kernel's; elsewhere it is nanoseconds.
 */
#ifndef UVMALLOC_KMOD_LINUX_TIMEX_H
#define UVMALLOC_KMOD_LINUX_TIMEX_H

#include <linux/ktime.h>
#include <linux/types.h>

static inline cycles_t get_cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return (cycles_t)ktime_get();
#endif
}

#endif /* UVMALLOC_KMOD_LINUX_TIMEX_H */
