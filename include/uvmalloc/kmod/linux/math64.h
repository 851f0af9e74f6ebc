/* SPDX-License-Identifier: MIT */
/*
 * <linux/math64.h> and do_div(): 64-bit division as kernel sources write
 * it. do_div(n, base) divides the u64 lvalue @n in place by the u32 @base
 * and yields the remainder.
 */
#ifndef UVMALLOC_KMOD_LINUX_MATH64_H
#define UVMALLOC_KMOD_LINUX_MATH64_H

#include <linux/types.h>

#define do_div(n, base)                               \
	({                                            \
		u32 __base = (base);                  \
		u32 __rem = (u32)((u64)(n) % __base); \
		(n) = (u64)(n) / __base;              \
		__rem;                                \
	})

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

static inline s64 div_s64(s64 dividend, s32 divisor)
{
	return dividend / divisor;
}

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}

#endif /* UVMALLOC_KMOD_LINUX_MATH64_H */
