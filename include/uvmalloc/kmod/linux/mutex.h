/* SPDX-License-Identifier: MIT */
/* <linux/mutex.h> for modules: a sleeping lock, a host mutex. */
#ifndef UVMALLOC_KMOD_LINUX_MUTEX_H
#define UVMALLOC_KMOD_LINUX_MUTEX_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/sched.h>

struct mutex {
	pthread_mutex_t lock;
};

#define __MUTEX_INITIALIZER(name)         \
	{                                 \
		PTHREAD_MUTEX_INITIALIZER \
	}
#define DEFINE_MUTEX(name) struct mutex name = __MUTEX_INITIALIZER(name)

static inline void mutex_init(struct mutex *m)
{
	pthread_mutex_init(&m->lock, NULL);
}

static inline void mutex_destroy(struct mutex *m)
{
	pthread_mutex_destroy(&m->lock);
}

static inline void mutex_lock(struct mutex *m)
{
	might_sleep();
	pthread_mutex_lock(&m->lock);
}

static inline int mutex_lock_interruptible(struct mutex *m)
{
	mutex_lock(m);
	return 0;
}

static inline int mutex_trylock(struct mutex *m)
{
	return !pthread_mutex_trylock(&m->lock);
}

static inline void mutex_unlock(struct mutex *m)
{
	pthread_mutex_unlock(&m->lock);
}

#endif /* UVMALLOC_KMOD_LINUX_MUTEX_H */
