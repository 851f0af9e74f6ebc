/* SPDX-License-Identifier: MIT */
/*
 * A small test-and-test-and-set lock for short critical sections.
 *
 * Kernel spinlocks rely on the holder never being preempted; user-space
 * threads can be, so a waiter that spins for long yields the CPU instead of
 * burning the holder's time slice. The lock word is a C11 atomic, which keeps
 * ThreadSanitizer's happens-before picture exact.
 *
 * Each thread counts the locks it holds (uvm_in_call, shared with the
 * vmalloc layer's entry points): a signal handler that finds it non-zero
 * interrupted this library and must not take a lock itself, so vfree()
 * defers instead (see vmalloc/deferred.c).
 */
#ifndef UVM_LIB_SPINLOCK_H
#define UVM_LIB_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>

#include "compiler.h"

typedef struct {
	atomic_int locked;
} spinlock_t;

/*
 * How deep this thread is inside the library: locks held plus entry points
 * entered. Read by this thread's signal handlers only, hence the signal
 * fences rather than atomics.
 */
extern __thread unsigned int uvm_in_call
	__attribute__((tls_model("initial-exec")));

static inline void uvm_call_enter(void)
{
	uvm_in_call++;
	atomic_signal_fence(memory_order_seq_cst);
}

static inline void uvm_call_leave(void)
{
	atomic_signal_fence(memory_order_seq_cst);
	uvm_in_call--;
}

/* clang-format off */
#define __SPIN_LOCK_UNLOCKED { 0 }
/* clang-format on */

static inline void spin_lock_init(spinlock_t *lock)
{
	atomic_init(&lock->locked, 0);
}

static inline bool __spin_trylock(spinlock_t *lock)
{
	return !atomic_load_explicit(&lock->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&lock->locked, 1,
					 memory_order_acquire);
}

static inline bool spin_trylock(spinlock_t *lock)
{
	uvm_call_enter();
	if (__spin_trylock(lock))
		return true;
	uvm_call_leave();
	return false;
}

static inline void spin_lock(spinlock_t *lock)
{
	unsigned int spins = 0;

	uvm_call_enter();
	while (!__spin_trylock(lock)) {
		if (++spins < 64)
			cpu_relax();
		else
			sched_yield();
	}
}

static inline void spin_unlock(spinlock_t *lock)
{
	atomic_store_explicit(&lock->locked, 0, memory_order_release);
	uvm_call_leave();
}

static inline bool spin_is_locked(spinlock_t *lock)
{
	return atomic_load_explicit(&lock->locked, memory_order_relaxed);
}

#endif /* UVM_LIB_SPINLOCK_H */
