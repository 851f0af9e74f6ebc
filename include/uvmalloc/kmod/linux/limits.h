/* SPDX-License-Identifier: MIT */
/*
 * <linux/limits.h> for modules: the host's (the C library includes it) and
 * the kernel's integer limits.
 */
#ifndef UVMALLOC_KMOD_LINUX_LIMITS_H
#define UVMALLOC_KMOD_LINUX_LIMITS_H

#if __has_include_next(<linux/limits.h>)
#include_next <linux/limits.h>
#endif
#include <limits.h>
#include <stdint.h>

#ifndef USHRT_MAX
#define USHRT_MAX ((unsigned short)~0U)
#endif
#define SHRT_MAX ((short)(USHRT_MAX >> 1))
#define U8_MAX ((unsigned char)~0U)
#define S8_MAX ((signed char)(U8_MAX >> 1))
#define S8_MIN ((signed char)(-S8_MAX - 1))
#define U16_MAX ((unsigned short)~0U)
#define S16_MAX ((short)(U16_MAX >> 1))
#define S16_MIN ((short)(-S16_MAX - 1))
#define U32_MAX ((unsigned int)~0U)
#define S32_MAX ((int)(U32_MAX >> 1))
#define S32_MIN ((int)(-S32_MAX - 1))
#define U64_MAX ((unsigned long long)~0ULL)
#define S64_MAX ((long long)(U64_MAX >> 1))
#define S64_MIN ((long long)(-S64_MAX - 1))
#define SIZE_MAX_KERNEL SIZE_MAX

#endif /* UVMALLOC_KMOD_LINUX_LIMITS_H */
