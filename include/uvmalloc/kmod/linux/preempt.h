/* SPDX-License-Identifier: MIT */
/*
 * <linux/preempt.h> for modules. Threads here are never preempted off
 * their CPU in the kernel's sense; the count is kept per thread so that
 * might_sleep() can say when a sleeping call sits inside preempt_disable().
 */
#ifndef UVMALLOC_KMOD_LINUX_PREEMPT_H
#define UVMALLOC_KMOD_LINUX_PREEMPT_H

#include <linux/compiler.h>

UVM_KMOD_API_BEGIN

/** preempt_count_add() - preempt_disable(): raise the thread's count */
void preempt_count_add(int val);

/** preempt_count_sub() - preempt_enable(): lower it */
void preempt_count_sub(int val);

/**
 * preempt_count() - the calling thread's preemption count
 *
 * Return: 0 when preemptible.
 */
int preempt_count(void);

UVM_KMOD_API_END

#define preempt_disable()             \
	do {                          \
		preempt_count_add(1); \
		barrier();            \
	} while (0)
#define preempt_enable()              \
	do {                          \
		barrier();            \
		preempt_count_sub(1); \
	} while (0)
#define preempt_enable_no_resched() preempt_enable()
#define preemptible() (preempt_count() == 0)
#define in_interrupt() 0
#define in_atomic() (preempt_count() != 0)
#define in_task() 1
#define local_irq_save(flags)      \
	do {                       \
		(flags) = 0;       \
		preempt_disable(); \
	} while (0)
#define local_irq_restore(flags)  \
	do {                      \
		(void)(flags);    \
		preempt_enable(); \
	} while (0)
#define local_irq_disable() preempt_disable()
#define local_irq_enable() preempt_enable()

#endif /* UVMALLOC_KMOD_LINUX_PREEMPT_H */
