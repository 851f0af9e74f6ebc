/* SPDX-License-Identifier: MIT */
/*
 * <linux/kthread.h> for modules: kernel threads are host threads. A new
 * kthread sleeps until wake_up_process(); kthread_stop() asks it to stop
 * (kthread_should_stop() turns true), wakes it if it never ran, and waits
 * for its function's return value.
 */
#ifndef UVMALLOC_KMOD_LINUX_KTHREAD_H
#define UVMALLOC_KMOD_LINUX_KTHREAD_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/sched.h>

UVM_KMOD_API_BEGIN

/**
 * kthread_create_on_node() - make a kthread, asleep
 * @threadfn: what it runs; its return value is kthread_stop()'s
 * @data: @threadfn's argument
 * @node: NUMA node for its memory (unused)
 * @namefmt: printf format of its name (task->comm, cut to 15 characters)
 *
 * Return: the task, or ERR_PTR(-ENOMEM) / ERR_PTR(-EAGAIN) when the host
 * refused a thread.
 */
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data),
					   void *data, int node,
					   const char *namefmt, ...)
	__printf(4, 5);

/**
 * wake_up_process() - let a created kthread start running
 * @p: the task
 *
 * Return: 1 if it was asleep and now runs, 0 if it ran already.
 */
int wake_up_process(struct task_struct *p);

/**
 * kthread_should_stop() - whether kthread_stop() was called on this kthread
 *
 * Return: true once it has been; false on a thread that is no kthread.
 */
bool kthread_should_stop(void);

/**
 * kthread_stop() - stop a kthread and reap it
 * @k: a task from kthread_create*() or kthread_run(), not stopped before
 *
 * Return: @k's function's return value, or -EINTR if it never ran.
 */
int kthread_stop(struct task_struct *k);

UVM_KMOD_API_END

#define kthread_create(threadfn, data, namefmt, ...) \
	kthread_create_on_node(threadfn, data, -1, namefmt, ##__VA_ARGS__)

#define kthread_run(threadfn, data, namefmt, ...)                \
	({                                                       \
		struct task_struct *__k = kthread_create(        \
			threadfn, data, namefmt, ##__VA_ARGS__); \
		if (!IS_ERR(__k))                                \
			wake_up_process(__k);                    \
		__k;                                             \
	})

#endif /* UVMALLOC_KMOD_LINUX_KTHREAD_H */
