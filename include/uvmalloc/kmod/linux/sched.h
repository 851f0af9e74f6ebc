/* SPDX-License-Identifier: MIT */
/*
 * <linux/sched.h> for modules: tasks. Every thread that runs module code is
 * a task: the thread `uvmalloc insmod` runs init and exit on ("insmod"),
 * each kthread, and, on first use of current, any other thread.
 */
#ifndef UVMALLOC_KMOD_LINUX_SCHED_H
#define UVMALLOC_KMOD_LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/types.h>

#define TASK_COMM_LEN 16
#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define MAX_SCHEDULE_TIMEOUT ((long)(~0UL >> 1))

/**
 * struct task_struct - a task as modules see it
 * @comm: its name, as kthread_create() formatted it
 * @pid: the host thread id
 */
struct task_struct {
	char comm[TASK_COMM_LEN];
	int pid;
};

UVM_KMOD_API_BEGIN

/**
 * get_current() - the calling thread's task
 *
 * Return: never NULL; a thread that is no kthread gets a task of its own
 * on first call, named after the host thread.
 */
struct task_struct *get_current(void);

/** schedule() - let other threads run (sched_yield()). */
void schedule(void);

/**
 * schedule_timeout() - sleep for @timeout jiffies
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Return: 0 (nothing here wakes a sleeper early).
 */
long schedule_timeout(long timeout);

/**
 * cond_resched() - a point where a long loop lets others run
 *
 * Return: 1 if it yielded (every 64th call), else 0.
 */
int cond_resched(void);

/**
 * __might_sleep() - the check behind might_sleep(): warns, once per call
 *                   site, when called with preemption disabled or inside
 *                   an RCU read-side critical section is not tracked here
 * @file: the caller's file
 * @line: its line
 */
void __might_sleep(const char *file, int line);

UVM_KMOD_API_END

#define current get_current()
#define might_sleep() __might_sleep(__FILE__, __LINE__)
#define set_current_state(state) ((void)(state))
#define __set_current_state(state) ((void)(state))
#define schedule_timeout_uninterruptible(t) schedule_timeout(t)
#define schedule_timeout_interruptible(t) schedule_timeout(t)
#define signal_pending(task) 0
#define fatal_signal_pending(task) 0
#define task_pid_nr(task) ((task)->pid)

#endif /* UVMALLOC_KMOD_LINUX_SCHED_H */
