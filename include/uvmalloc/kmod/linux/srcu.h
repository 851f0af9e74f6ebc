/* SPDX-License-Identifier: MIT */
/*
 * <linux/srcu.h> for modules: sleepable RCU. Readers count themselves in
 * one of two counters of their srcu_struct; synchronize_srcu() flips which
 * counter new readers take and waits for the old one to drain, twice, so
 * that a reader that read the index just before a flip is waited for too.
 */
#ifndef UVMALLOC_KMOD_LINUX_SRCU_H
#define UVMALLOC_KMOD_LINUX_SRCU_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/types.h>

/**
 * struct srcu_struct - an SRCU domain
 * @idx: the counter new readers take (its low bit)
 * @readers: readers inside, by the counter they took
 * @lock: serialises synchronize_srcu() calls
 */
struct srcu_struct {
	unsigned long idx;
	long readers[2];
	pthread_mutex_t lock;
};

#define __SRCU_STRUCT_INIT(name)                       \
	{                                              \
		0, { 0, 0 }, PTHREAD_MUTEX_INITIALIZER \
	}
#define DEFINE_SRCU(name) struct srcu_struct name = __SRCU_STRUCT_INIT(name)
#define DEFINE_STATIC_SRCU(name) \
	static struct srcu_struct name = __SRCU_STRUCT_INIT(name)

UVM_KMOD_API_BEGIN

/**
 * init_srcu_struct() - make @ssp a fresh domain
 * @ssp: the domain
 *
 * Return: 0.
 */
int init_srcu_struct(struct srcu_struct *ssp);

/** cleanup_srcu_struct() - warns if readers are still inside @ssp */
void cleanup_srcu_struct(struct srcu_struct *ssp);

/**
 * srcu_read_lock() - enter a read-side section of @ssp; it may sleep
 * @ssp: the domain
 *
 * Return: the index to give srcu_read_unlock(), from any thread.
 */
int srcu_read_lock(struct srcu_struct *ssp);

/** srcu_read_unlock() - leave the section @idx of @ssp */
void srcu_read_unlock(struct srcu_struct *ssp, int idx);

/**
 * synchronize_srcu() - wait until every read-side section of @ssp that
 *                      began before the call has ended
 * @ssp: the domain
 */
void synchronize_srcu(struct srcu_struct *ssp);

UVM_KMOD_API_END

#define synchronize_srcu_expedited(ssp) synchronize_srcu(ssp)

#endif /* UVMALLOC_KMOD_LINUX_SRCU_H */
