/* SPDX-License-Identifier: MIT */
/* <linux/log2.h> for modules. */
#ifndef UVMALLOC_KMOD_LINUX_LOG2_H
#define UVMALLOC_KMOD_LINUX_LOG2_H

#include <linux/bitops.h>

#ifndef is_power_of_2
static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}
#endif

#define ilog2(n) ((int)__fls((unsigned long)(n)))
#define roundup_pow_of_two(n) \
	((n) <= 1 ? 1UL : 1UL << fls_long((unsigned long)(n)-1))
#define rounddown_pow_of_two(n) (1UL << __fls((unsigned long)(n)))
#define order_base_2(n) ((n) > 1 ? ilog2((n)-1) + 1 : 0)

#endif /* UVMALLOC_KMOD_LINUX_LOG2_H */
