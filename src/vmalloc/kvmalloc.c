/* SPDX-License-Identifier: MIT */
/*
 * kvmalloc() and friends: the kernel asks kmalloc first and falls back to
 * vmalloc; here small sizes come from the C heap (the slab's stand-in) and
 * larger ones from vmalloc, where they get guard pages and show up in
 * vmallocinfo. kvfree() tells the two apart by address.
 *
 *   size <= KVMALLOC_HEAP_MAX   malloc()/calloc()
 *   size >  KVMALLOC_HEAP_MAX   __vmalloc_node()   (at most INT_MAX bytes)
 */
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/runtime.h"
#include "mmu/mmu.h"
#include "vmalloc_int.h"

/* SLUB's largest kmalloc cache on x86_64: an order-1 slab object. */
#define KVMALLOC_HEAP_MAX (2 * PAGE_SIZE)

/* Whether @p came from vmalloc: in the window of a running instance. */
static bool kv_is_vmalloc(const void *p)
{
	unsigned long a = (unsigned long)p;

	return atomic_load_explicit(&uvm_running, memory_order_acquire) &&
	       a >= mmu.vmalloc_start && a < mmu.vmalloc_end;
}

static void *kvmalloc_caller(size_t size, gfp_t flags, int node,
			     const void *caller)
{
	if (size <= KVMALLOC_HEAP_MAX) {
		if (!size)
			return NULL;
		return flags & __GFP_ZERO ? calloc(1, size) : malloc(size);
	}
	/* The kernel refuses vmalloc fallbacks past INT_MAX bytes. */
	if (size > INT_MAX) {
		if (!(flags & __GFP_NOWARN))
			pr_warn("kvmalloc: size %zu is above INT_MAX", size);
		return NULL;
	}
	return __vmalloc_node(size, 1, flags, node, caller);
}

void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return kvmalloc_caller(size, flags, node, __builtin_return_address(0));
}

void *kvmalloc(size_t size, gfp_t flags)
{
	return kvmalloc_caller(size, flags, NUMA_NO_NODE,
			       __builtin_return_address(0));
}

void *kvzalloc(size_t size, gfp_t flags)
{
	return kvmalloc_caller(size, flags | __GFP_ZERO, NUMA_NO_NODE,
			       __builtin_return_address(0));
}

void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc_caller(bytes, flags, NUMA_NO_NODE,
			       __builtin_return_address(0));
}

void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc_caller(bytes, flags | __GFP_ZERO, NUMA_NO_NODE,
			       __builtin_return_address(0));
}

void kvfree(const void *addr)
{
	if (kv_is_vmalloc(addr))
		vfree(addr);
	else
		free((void *)addr);
}

/*
 * Between the heap and vmalloc the contents move by copying (through
 * vread()/vwrite() where vmalloc memory cannot be dereferenced); within
 * vmalloc, vrealloc() does what it can in place.
 */
void *kvrealloc(const void *p, size_t size, gfp_t flags)
{
	size_t old_size, keep;
	void *n;

	if (!p)
		return kvmalloc_caller(size, flags, NUMA_NO_NODE,
				       __builtin_return_address(0));
	if (!size) {
		kvfree(p);
		return NULL;
	}
	if (kv_is_vmalloc(p)) {
		struct vm_struct *vm;

		if (size > KVMALLOC_HEAP_MAX)
			return vrealloc(p, size, flags);
		vm = find_vm_area(p);
		old_size = vm ? vm->requested_size : 0;
	} else {
		old_size = malloc_usable_size((void *)p);
		if (size <= KVMALLOC_HEAP_MAX) {
			n = realloc((void *)p, size);
			if (n && size > old_size && (flags & __GFP_ZERO))
				memset((char *)n + old_size, 0,
				       size - old_size);
			return n;
		}
	}
	n = kvmalloc_caller(size, flags, NUMA_NO_NODE,
			    __builtin_return_address(0));
	if (!n)
		return NULL;
	keep = min(old_size, size);
	vm_copy(n, p, keep);
	kvfree(p);
	return n;
}
