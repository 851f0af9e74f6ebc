/* SPDX-License-Identifier: MIT */
/*
 * <linux/kernel.h> for modules: what kernel sources expect from it, and
 * the C library headers every other module header needs, included here
 * first so that no kernel macro (current, min, swap, ...) is defined when
 * the C library's headers are read.
 */
#ifndef UVMALLOC_KMOD_LINUX_KERNEL_H
#define UVMALLOC_KMOD_LINUX_KERNEL_H

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/types.h>

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sched.h>

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/timex.h>
#if __has_include(<linux/percpu.h>)
#include <linux/percpu.h>
#endif

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif
#ifndef ALIGN
#define ALIGN(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#endif
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#ifndef IS_ALIGNED
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#endif
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#endif
#define DIV_ROUND_CLOSEST(x, d) (((x) + ((d) / 2)) / (d))
#define roundup(x, y) ((((x) + ((y)-1)) / (y)) * (y))
#define rounddown(x, y) ((x) - ((x) % (y)))
#define round_up(x, y) ((((x)-1) | ((__typeof__(x))((y)-1))) + 1)
#define round_down(x, y) ((x) & ~((__typeof__(x))((y)-1)))
#define abs_diff(a, b) ((a) > (b) ? (a) - (b) : (b) - (a))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n)&0xffffffff))
#define SZ_1K 0x00000400
#define SZ_4K 0x00001000
#define SZ_64K 0x00010000
#define SZ_1M 0x00100000
#define SZ_2M 0x00200000
#define SZ_1G 0x40000000

/* Kernel stacks on x86_64: 16 KiB, aligned to their size. */
#define THREAD_SIZE (4 * PAGE_SIZE)
#define THREAD_ALIGN THREAD_SIZE

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define KBUILD_BASENAME __FILE__
#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "module"
#endif

#define might_sleep_if(cond)           \
	do {                           \
		if (cond)              \
			might_sleep(); \
	} while (0)

#define kstrtoint(s, base, res) __uvm_kstrtol_t(int, s, base, res)
#define kstrtouint(s, base, res) __uvm_kstrtoul_t(unsigned int, s, base, res)
#define kstrtol(s, base, res) __uvm_kstrtol_t(long, s, base, res)
#define kstrtoul(s, base, res) __uvm_kstrtoul_t(unsigned long, s, base, res)

#define __uvm_kstrtol_t(type, s, base, res)                     \
	({                                                      \
		char *__end;                                    \
		long long __v;                                  \
		int __err = 0;                                  \
		errno = 0;                                      \
		__v = strtoll((s), &__end, (base));             \
		if (__end == (s) ||                             \
		    (*__end && !(*__end == '\n' && !__end[1]))) \
			__err = -EINVAL;                        \
		else if (errno || (type)__v != __v)             \
			__err = -ERANGE;                        \
		else                                            \
			*(res) = (type)__v;                     \
		__err;                                          \
	})
#define __uvm_kstrtoul_t(type, s, base, res)                    \
	({                                                      \
		char *__end;                                    \
		unsigned long long __v;                         \
		int __err = 0;                                  \
		errno = 0;                                      \
		__v = strtoull((s), &__end, (base));            \
		if (__end == (s) || *(s) == '-' ||              \
		    (*__end && !(*__end == '\n' && !__end[1]))) \
			__err = -EINVAL;                        \
		else if (errno || (type)__v != __v)             \
			__err = -ERANGE;                        \
		else                                            \
			*(res) = (type)__v;                     \
		__err;                                          \
	})

#endif /* UVMALLOC_KMOD_LINUX_KERNEL_H */
