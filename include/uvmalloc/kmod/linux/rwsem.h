/* SPDX-License-Identifier: MIT */
/*
 * <linux/rwsem.h> for modules: a host read-write lock that prefers
 * writers, as the kernel's rwsem does (a waiting writer holds back new
 * readers). The release may come from another thread than the acquire
 * only for readers, which the host lock allows in practice and the kernel
 * allows by contract.
 */
#ifndef UVMALLOC_KMOD_LINUX_RWSEM_H
#define UVMALLOC_KMOD_LINUX_RWSEM_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/sched.h>

struct rw_semaphore {
	pthread_rwlock_t lock;
};

#define __RWSEM_INITIALIZER(name)                                 \
	{                                                         \
		PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP \
	}
#define DECLARE_RWSEM(name) struct rw_semaphore name = __RWSEM_INITIALIZER(name)

static inline void init_rwsem(struct rw_semaphore *sem)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sem->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

static inline void down_read(struct rw_semaphore *sem)
{
	might_sleep();
	pthread_rwlock_rdlock(&sem->lock);
}

static inline int down_read_trylock(struct rw_semaphore *sem)
{
	return !pthread_rwlock_tryrdlock(&sem->lock);
}

static inline void up_read(struct rw_semaphore *sem)
{
	pthread_rwlock_unlock(&sem->lock);
}

static inline void down_write(struct rw_semaphore *sem)
{
	might_sleep();
	pthread_rwlock_wrlock(&sem->lock);
}

static inline int down_write_trylock(struct rw_semaphore *sem)
{
	return !pthread_rwlock_trywrlock(&sem->lock);
}

static inline void up_write(struct rw_semaphore *sem)
{
	pthread_rwlock_unlock(&sem->lock);
}

static inline void downgrade_write(struct rw_semaphore *sem)
{
	/* The host lock cannot downgrade: let go and read, as a new reader. */
	pthread_rwlock_unlock(&sem->lock);
	pthread_rwlock_rdlock(&sem->lock);
}

#endif /* UVMALLOC_KMOD_LINUX_RWSEM_H */
