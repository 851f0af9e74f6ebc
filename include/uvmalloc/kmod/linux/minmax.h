/* SPDX-License-Identifier: MIT */
/*
 * <linux/minmax.h> for modules: each argument evaluated once, as the
 * kernel's; the _t forms convert both sides to one type first.
 */
#ifndef UVMALLOC_KMOD_LINUX_MINMAX_H
#define UVMALLOC_KMOD_LINUX_MINMAX_H

#undef min
#undef max
#undef clamp

#define min(x, y)                        \
	({                               \
		__typeof__(x) __x = (x); \
		__typeof__(y) __y = (y); \
		__x < __y ? __x : __y;   \
	})
#define max(x, y)                        \
	({                               \
		__typeof__(x) __x = (x); \
		__typeof__(y) __y = (y); \
		__x > __y ? __x : __y;   \
	})
#define min_t(type, x, y) min((type)(x), (type)(y))
#define max_t(type, x, y) max((type)(x), (type)(y))
#define min3(x, y, z) min(min(x, y), z)
#define max3(x, y, z) max(max(x, y), z)
#define clamp(val, lo, hi) min(max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi) clamp_t(__typeof__(val), val, lo, hi)
#define swap(a, b)                         \
	do {                               \
		__typeof__(a) __tmp = (a); \
		(a) = (b);                 \
		(b) = __tmp;               \
	} while (0)

#endif /* UVMALLOC_KMOD_LINUX_MINMAX_H */
