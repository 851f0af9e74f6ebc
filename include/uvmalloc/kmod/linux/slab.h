/* SPDX-License-Identifier: MIT */
/*
 * <linux/slab.h> for modules: kmalloc() and friends are the C heap, as
 * kvmalloc()'s small sizes are, so that kvfree() takes either. The GFP
 * flags are checked and __GFP_ZERO honoured; a size of 0 gives
 * ZERO_SIZE_PTR, which kfree() takes and no access may touch.
 */
#ifndef UVMALLOC_KMOD_LINUX_SLAB_H
#define UVMALLOC_KMOD_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define KMALLOC_MAX_SIZE (1UL << 22)
#define ARCH_KMALLOC_MINALIGN 8

UVM_KMOD_API_BEGIN

/**
 * kmalloc() - heap memory
 * @size: bytes; at most KMALLOC_MAX_SIZE
 * @flags: GFP flags; __GFP_ZERO zeroes it
 *
 * Return: the memory, ZERO_SIZE_PTR for 0 bytes, NULL when there is none
 * (with the kernel's warning unless __GFP_NOWARN).
 */
void *kmalloc(size_t size, gfp_t flags);

/**
 * krealloc() - resize kmalloc() memory, keeping its contents
 * @p: the memory, or NULL / ZERO_SIZE_PTR (then it is kmalloc())
 * @new_size: bytes; 0 frees @p and gives ZERO_SIZE_PTR
 * @flags: GFP flags; __GFP_ZERO zeroes what is added
 *
 * Return: the memory (moved, maybe); NULL with @p untouched on failure.
 */
void *krealloc(const void *p, size_t new_size, gfp_t flags);

/** kfree() - free kmalloc() memory; NULL and ZERO_SIZE_PTR are no-ops */
void kfree(const void *p);

/**
 * ksize() - how much of a kmalloc() allocation may be used
 * @p: the memory
 *
 * Return: at least the size asked for.
 */
size_t ksize(const void *p);

UVM_KMOD_API_END

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void *krealloc_array(void *p, size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return krealloc(p, bytes, flags);
}

#define kmalloc_node(size, flags, node) kmalloc(size, flags)
#define kzalloc_node(size, flags, node) kzalloc(size, flags)
#define kcalloc_node(n, size, flags, node) kcalloc(n, size, flags)
#define kfree_sensitive(p) kfree(p)

#endif /* UVMALLOC_KMOD_LINUX_SLAB_H */
