/* SPDX-License-Identifier: MIT */
/*
 * Pointers that carry an errno, as the kernel's: the top MAX_ERRNO
 * addresses are never an object's (they are the last page of the address
 * space), so a function can return either an object or -errno in one
 * value, and the caller never has to hand in the address of its own
 * variable for a second result.
 */
#ifndef UVM_LIB_ERR_H
#define UVM_LIB_ERR_H

#include <stdbool.h>

#include "compiler.h"

#define MAX_ERRNO 4095

/* True when @x is in the errno range, [-MAX_ERRNO, -1] as an address. */
#define IS_ERR_VALUE(x) \
	unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/* -@error (one of the E* codes) as a pointer. */
static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

/* The -errno an ERR_PTR() holds. */
static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

/* Whether @ptr is an ERR_PTR() rather than an object (NULL is not). */
static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

#endif /* UVM_LIB_ERR_H */
