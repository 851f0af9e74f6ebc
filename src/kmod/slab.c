/* SPDX-License-Identifier: MIT */
/*
 * kmalloc() for modules: the C heap. kvfree() (the vmalloc layer) frees
 * heap memory with free() too, so the two families mix as in the kernel.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <malloc.h>

void *kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (!size)
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_SIZE) {
		if (!(flags & __GFP_NOWARN))
			printk(KERN_WARNING
			       "kmalloc: size %zu is above KMALLOC_MAX_SIZE (%lu)\n",
			       size, KMALLOC_MAX_SIZE);
		return NULL;
	}
	p = (flags & __GFP_ZERO) ? calloc(1, size) : malloc(size);
	if (!p && !(flags & __GFP_NOWARN))
		printk(KERN_WARNING
		       "kmalloc: page allocation failure: size %zu, mode:%#x\n",
		       size, (unsigned int)flags);
	return p;
}

void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	size_t old;
	void *q;

	if (ZERO_OR_NULL_PTR(p))
		return kmalloc(new_size, flags);
	if (!new_size) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	old = malloc_usable_size((void *)p);
	q = realloc((void *)p, new_size);
	if (!q) {
		if (!(flags & __GFP_NOWARN))
			printk(KERN_WARNING
			       "krealloc: page allocation failure: size %zu\n",
			       new_size);
		return NULL;
	}
	if ((flags & __GFP_ZERO) && new_size > old)
		memset((char *)q + old, 0, new_size - old);
	return q;
}

void kfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	free((void *)p);
}

size_t ksize(const void *p)
{
	return ZERO_OR_NULL_PTR(p) ? 0 : malloc_usable_size((void *)p);
}
