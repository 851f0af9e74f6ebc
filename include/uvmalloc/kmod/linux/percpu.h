/* SPDX-License-Identifier: MIT */
/*
 * <linux/percpu.h> for modules: dynamic per-CPU memory, as the kernel's
 * mm/percpu.c hands it out (src/kmod/percpu.c, docs/percpu.md).
 *
 * Every allocation has one copy per CPU. The copies lie in congruent units
 * UVM_PCPU_UNIT_SIZE bytes apart, CPU 0's first, so that the __percpu
 * pointer is the address of CPU 0's copy and reaching another CPU's copy
 * is one multiply and one add:
 *
 *   chunk base                                   (one chunk, nr_cpus units)
 *   |<----- unit of CPU 0 ----->|<----- unit of CPU 1 ----->|...
 *   [    ....[obj]........      ][    ....[obj]........      ]
 *            ^ p                          ^ per_cpu_ptr(p, 1)
 *            |<------- UVM_PCPU_UNIT_SIZE ------->|
 *
 * Each copy is zeroed when allocated. Allocations may sleep (they may
 * create a chunk and populate pages) unless the GFP flags forbid blocking;
 * then only space already backed by pages is used.
 */
#ifndef UVMALLOC_KMOD_LINUX_PERCPU_H
#define UVMALLOC_KMOD_LINUX_PERCPU_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/types.h>

/*
 * The distance between two CPUs' copies, and the most one allocation may
 * take: 256 KiB, the unit size x86_64 kernels usually boot with
 * ("pcpu-alloc: ... u262144" in dmesg).
 */
#define UVM_PCPU_UNIT_SIZE (1UL << 18)

/* The granule of the allocation map: every size is rounded up to it. */
#define PCPU_MIN_ALLOC_SIZE 4

UVM_KMOD_API_BEGIN

/**
 * __alloc_percpu_gfp() - zeroed per-CPU memory
 * @size: bytes, 1 to UVM_PCPU_UNIT_SIZE
 * @align: a power of two up to PAGE_SIZE (smaller ones give at least 4)
 * @gfp: GFP_KERNEL, or flags without __GFP_DIRECT_RECLAIM (GFP_ATOMIC,
 *       GFP_NOWAIT) to use only space that already has pages; __GFP_NOWARN
 *       silences the failure line
 *
 * Takes the allocator's mutex; may create a chunk and map pages for every
 * CPU's unit.
 *
 * Return: the address of CPU 0's copy, to use with per_cpu_ptr(); NULL
 * after one warning line for a bad @size or @align, or when there is no
 * memory (then nothing stays allocated).
 */
void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);

/**
 * __alloc_percpu() - __alloc_percpu_gfp() with GFP_KERNEL
 * @size: bytes, 1 to UVM_PCPU_UNIT_SIZE
 * @align: a power of two up to PAGE_SIZE
 *
 * Return: the address of CPU 0's copy, or NULL.
 */
void __percpu *__alloc_percpu(size_t size, size_t align);

/**
 * free_percpu() - free what __alloc_percpu() returned
 * @ptr: the allocation; NULL is a no-op
 *
 * Anything else (an address inside an allocation, another CPU's copy,
 * something freed already) gets one warning line and changes nothing.
 * A chunk left empty is given back unless it is the only empty one.
 */
void free_percpu(void __percpu *ptr);

UVM_KMOD_API_END

#define alloc_percpu_gfp(type, gfp)                       \
	((__typeof__(type) __percpu *)__alloc_percpu_gfp( \
		sizeof(type), __alignof__(type), gfp))
#define alloc_percpu(type)                                         \
	((__typeof__(type) __percpu *)__alloc_percpu(sizeof(type), \
						     __alignof__(type)))

/* CPU @cpu's copy of @ptr: pure arithmetic, see the picture above. */
#define per_cpu_ptr(ptr, cpu)                     \
	((__typeof__(ptr))((unsigned long)(ptr) + \
			   UVM_PCPU_UNIT_SIZE * (unsigned long)(cpu)))
#define raw_cpu_ptr(ptr) per_cpu_ptr(ptr, raw_smp_processor_id())
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, smp_processor_id())

/* The calling CPU's copy, with preemption off until put_cpu_ptr(). */
#define get_cpu_ptr(var)           \
	({                         \
		preempt_disable(); \
		this_cpu_ptr(var); \
	})
#define put_cpu_ptr(var)          \
	do {                      \
		(void)(var);      \
		preempt_enable(); \
	} while (0)

#ifndef for_each_possible_cpu
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)num_online_cpus(); (cpu)++)
#endif

#endif /* UVMALLOC_KMOD_LINUX_PERCPU_H */
