/* SPDX-License-Identifier: MIT */
/*
 * A small test-and-test-and-set lock for short critical sections.
 *
 * Kernel spinlocks rely on the holder never being preempted; user-space
 * threads can be, so a waiter that spins for long yields the CPU instead of
 * burning the holder's time slice. The lock word is a C11 atomic, which keeps
 * ThreadSanitizer's happens-before picture exact.
 */
#ifndef UVM_LIB_SPINLOCK_H
#define UVM_LIB_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>

#include "compiler.h"

typedef struct {
	atomic_int locked;
} spinlock_t;

/* clang-format off */
#define __SPIN_LOCK_UNLOCKED { 0 }
/* clang-format on */

static inline void spin_lock_init(spinlock_t *lock)
{
	atomic_init(&lock->locked, 0);
}

static inline bool spin_trylock(spinlock_t *lock)
{
	return !atomic_load_explicit(&lock->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&lock->locked, 1,
					 memory_order_acquire);
}

static inline void spin_lock(spinlock_t *lock)
{
	unsigned int spins = 0;

	while (!spin_trylock(lock)) {
		if (++spins < 64)
			cpu_relax();
		else
			sched_yield();
	}
}

static inline void spin_unlock(spinlock_t *lock)
{
	atomic_store_explicit(&lock->locked, 0, memory_order_release);
}

static inline bool spin_is_locked(spinlock_t *lock)
{
	return atomic_load_explicit(&lock->locked, memory_order_relaxed);
}

#endif /* UVM_LIB_SPINLOCK_H */
