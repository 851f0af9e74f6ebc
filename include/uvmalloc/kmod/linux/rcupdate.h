/* SPDX-License-Identifier: MIT */
/*
 * <linux/rcupdate.h> for modules: RCU with real grace periods. A reader
 * marks its thread as inside a critical section with the grace-period
 * count it saw; synchronize_rcu() advances the count and waits until no
 * thread is inside a section that began before (see src/kmod/rcu.c).
 * call_rcu() callbacks run on a thread of their own after a grace period.
 */
#ifndef UVMALLOC_KMOD_LINUX_RCUPDATE_H
#define UVMALLOC_KMOD_LINUX_RCUPDATE_H

#include <stddef.h>

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

UVM_KMOD_API_BEGIN

/** rcu_read_lock() - enter a read-side critical section (nestable) */
void rcu_read_lock(void);

/** rcu_read_unlock() - leave it */
void rcu_read_unlock(void);

/**
 * synchronize_rcu() - wait for a grace period: every read-side critical
 *                     section that began before the call has ended
 */
void synchronize_rcu(void);

/**
 * call_rcu() - run @func(@head) after a grace period, on the RCU thread
 * @head: the rcu_head embedded in the object
 * @func: the callback
 */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));

/** rcu_barrier() - wait until every callback queued before it has run */
void rcu_barrier(void);

/**
 * __kvfree_rcu() - kvfree() the object holding @head after a grace period
 * @head: the rcu_head inside the object
 * @offset: its offset in the object
 */
void __kvfree_rcu(struct rcu_head *head, size_t offset);

/**
 * kvfree_rcu_mightsleep() - kvfree() @ptr after a grace period; it has no
 *                           rcu_head, so this may wait for one
 * @ptr: kvmalloc()/vmalloc()/kmalloc() memory, or NULL
 */
void kvfree_rcu_mightsleep(const void *ptr);

/**
 * rcu_read_lock_held() - whether the calling thread is in a read-side
 *                        critical section
 *
 * Return: non-zero when it is.
 */
int rcu_read_lock_held(void);

UVM_KMOD_API_END

#define synchronize_rcu_expedited() synchronize_rcu()
#define kvfree_rcu(ptr, field) \
	__kvfree_rcu(&(ptr)->field, offsetof(__typeof__(*(ptr)), field))
#define kfree_rcu(ptr, field) kvfree_rcu(ptr, field)
#define kfree_rcu_mightsleep(ptr) kvfree_rcu_mightsleep(ptr)
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_protected(p, c) (p)
#define rcu_dereference_raw(p) rcu_dereference(p)
#define rcu_access_pointer(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v) WRITE_ONCE(p, v)
#define rcu_read_lock_bh() rcu_read_lock()
#define rcu_read_unlock_bh() rcu_read_unlock()

#endif /* UVMALLOC_KMOD_LINUX_RCUPDATE_H */
