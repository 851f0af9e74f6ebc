/* SPDX-License-Identifier: MIT */
/*
 * <linux/spinlock.h> for modules. A spinlock is a host mutex (threads here
 * can be descheduled while holding one, and a spinning waiter would then
 * burn its CPU); holding one counts as preempt_disable(), so might_sleep()
 * inside it warns as in the kernel. Interrupts do not exist: the _irq and
 * _bh forms are the plain ones.
 */
#ifndef UVMALLOC_KMOD_LINUX_SPINLOCK_H
#define UVMALLOC_KMOD_LINUX_SPINLOCK_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/preempt.h>

typedef struct {
	pthread_mutex_t lock;
} spinlock_t;
typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(name)        \
	{                                 \
		PTHREAD_MUTEX_INITIALIZER \
	}
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
#define DEFINE_RAW_SPINLOCK(name) DEFINE_SPINLOCK(name)

static inline void spin_lock_init(spinlock_t *lock)
{
	pthread_mutex_init(&lock->lock, NULL);
}

static inline void spin_lock(spinlock_t *lock)
{
	pthread_mutex_lock(&lock->lock);
	preempt_count_add(1);
}

static inline int spin_trylock(spinlock_t *lock)
{
	if (pthread_mutex_trylock(&lock->lock))
		return 0;
	preempt_count_add(1);
	return 1;
}

static inline void spin_unlock(spinlock_t *lock)
{
	preempt_count_sub(1);
	pthread_mutex_unlock(&lock->lock);
}

#define raw_spin_lock_init spin_lock_init
#define raw_spin_lock spin_lock
#define raw_spin_unlock spin_unlock
#define spin_lock_irq spin_lock
#define spin_unlock_irq spin_unlock
#define spin_lock_bh spin_lock
#define spin_unlock_bh spin_unlock
#define spin_lock_irqsave(lock, flags) \
	do {                           \
		(flags) = 0;           \
		spin_lock(lock);       \
	} while (0)
#define spin_unlock_irqrestore(lock, flags) \
	do {                                \
		(void)(flags);              \
		spin_unlock(lock);          \
	} while (0)
#define raw_spin_lock_irqsave spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore

#endif /* UVMALLOC_KMOD_LINUX_SPINLOCK_H */
