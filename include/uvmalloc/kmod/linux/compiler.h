/* SPDX-License-Identifier: MIT */
/*
 * <linux/compiler.h> for modules: the annotations and access helpers kernel
 * sources use. Address-space markers (__percpu, __user, __iomem, __rcu) are
 * for sparse in the kernel and mean nothing to the compiler.
 */
#ifndef UVMALLOC_KMOD_LINUX_COMPILER_H
#define UVMALLOC_KMOD_LINUX_COMPILER_H

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define __percpu
#define __user
#define __iomem
#define __rcu
#define __force
#define __kernel
#define __must_check __attribute__((warn_unused_result))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __used __attribute__((used))
#define __cold __attribute__((cold))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __weak __attribute__((weak))
#define __noreturn __attribute__((noreturn))
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#define __read_mostly
#define __cacheline_aligned __attribute__((aligned(64)))
#define ____cacheline_aligned __attribute__((aligned(64)))
#define fallthrough __attribute__((fallthrough))

#define barrier() __asm__ __volatile__("" ::: "memory")

#ifndef READ_ONCE
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#endif

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() barrier()
#endif

/* Exported by the library: the module-facing part of its ABI. */
#define UVM_KMOD_API_BEGIN _Pragma("GCC visibility push(default)")
#define UVM_KMOD_API_END _Pragma("GCC visibility pop")

#endif /* UVMALLOC_KMOD_LINUX_COMPILER_H */
