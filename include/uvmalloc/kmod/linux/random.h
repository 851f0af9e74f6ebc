/* SPDX-License-Identifier: MIT */
/*
 * <linux/random.h> for modules: fast per-thread generators seeded from
 * the host's getrandom(), uniform over each range as the kernel's are.
 */
#ifndef UVMALLOC_KMOD_LINUX_RANDOM_H
#define UVMALLOC_KMOD_LINUX_RANDOM_H

#include <linux/compiler.h>
#include <linux/types.h>

UVM_KMOD_API_BEGIN

/**
 * get_random_u64() - 64 random bits
 *
 * Return: the bits.
 */
u64 get_random_u64(void);

/**
 * get_random_u32_below() - a random number in [0, @ceil)
 * @ceil: the bound; 0 gives 0
 *
 * Return: uniform over the range (no modulo bias).
 */
u32 get_random_u32_below(u32 ceil);

/** get_random_bytes() - fill @buf with @len random bytes */
void get_random_bytes(void *buf, size_t len);

UVM_KMOD_API_END

static inline u32 get_random_u32(void)
{
	return (u32)get_random_u64();
}

static inline u16 get_random_u16(void)
{
	return (u16)get_random_u64();
}

static inline u8 get_random_u8(void)
{
	return (u8)get_random_u64();
}

static inline unsigned long get_random_long(void)
{
	return (unsigned long)get_random_u64();
}

static inline u32 get_random_u32_above(u32 floor)
{
	return floor + 1 + get_random_u32_below((u32)~0U - floor);
}

/* A random number in [@floor, @ceil]. */
static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil)
{
	u32 span = ceil - floor + 1;

	return span ? floor + get_random_u32_below(span) : get_random_u32();
}

#define prandom_u32_max(ceil) get_random_u32_below(ceil)
#define get_random_int() get_random_u32()

#endif /* UVMALLOC_KMOD_LINUX_RANDOM_H */
