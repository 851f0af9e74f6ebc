/* SPDX-License-Identifier: MIT */
/*
 * <linux/types.h> for modules: the kernel's integer names over the host's
 * UAPI ones (__u8 .. __s64), so that u64 is unsigned long long and prints
 * with %llu, as in the kernel. The host header comes first: C library
 * headers include <linux/types.h> themselves and must get what they expect.
 */
#ifndef UVMALLOC_KMOD_LINUX_TYPES_H
#define UVMALLOC_KMOD_LINUX_TYPES_H

#if __has_include_next(<linux/types.h>)
#include_next <linux/types.h>
#else
typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/gfp.h>
#include <linux/mm.h>

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

typedef unsigned long ulong;
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;
typedef unsigned long dma_addr_t;
typedef unsigned long long cycles_t;

/* An RCU callback: the kernel's struct callback_head. */
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};
#define rcu_head callback_head

#endif /* UVMALLOC_KMOD_LINUX_TYPES_H */
