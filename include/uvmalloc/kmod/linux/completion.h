/* SPDX-License-Identifier: MIT */
/*
 * <linux/completion.h> for modules: "this has happened" between threads.
 * complete() lets one waiter through, complete_all() every waiter now and
 * later, until reinit_completion().
 */
#ifndef UVMALLOC_KMOD_LINUX_COMPLETION_H
#define UVMALLOC_KMOD_LINUX_COMPLETION_H

#include <pthread.h>

#include <linux/compiler.h>
#include <linux/types.h>

/**
 * struct completion - a count of completions under a lock
 * @done: complete() calls not yet consumed by a waiter; UINT_MAX after
 *        complete_all()
 * @lock: guards @done
 * @wait: signalled on each complete()
 */
struct completion {
	unsigned int done;
	pthread_mutex_t lock;
	pthread_cond_t wait;
};

#define COMPLETION_INITIALIZER(work)                                   \
	{                                                              \
		0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER \
	}
#define DECLARE_COMPLETION(work) \
	struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)

UVM_KMOD_API_BEGIN

/** init_completion() - make @x a fresh completion, nothing done */
void init_completion(struct completion *x);

/** reinit_completion() - forget what @x's completions said */
void reinit_completion(struct completion *x);

/** complete() - let one waiter of @x through (or the next to come) */
void complete(struct completion *x);

/** complete_all() - let every waiter of @x through, now and until reinit */
void complete_all(struct completion *x);

/** wait_for_completion() - sleep until @x is completed, and consume it */
void wait_for_completion(struct completion *x);

/**
 * wait_for_completion_timeout() - wait_for_completion(), at most @timeout
 * @x: the completion
 * @timeout: jiffies
 *
 * Return: 0 on timeout, otherwise the jiffies left (at least 1).
 */
unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout);

/**
 * wait_for_completion_interruptible() - wait_for_completion(); nothing
 *                                       interrupts it here
 * @x: the completion
 *
 * Return: 0.
 */
int wait_for_completion_interruptible(struct completion *x);

/**
 * try_wait_for_completion() - consume a completion if one is there
 * @x: the completion
 *
 * Return: true if one was.
 */
bool try_wait_for_completion(struct completion *x);

/**
 * completion_done() - whether a wait on @x would not block
 * @x: the completion
 *
 * Return: true if it is completed.
 */
bool completion_done(struct completion *x);

UVM_KMOD_API_END

#endif /* UVMALLOC_KMOD_LINUX_COMPLETION_H */
