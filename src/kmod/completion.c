/* SPDX-License-Identifier: MIT */
/*
 * Completions for modules: a count under a mutex, waiters on a condition
 * variable timed against CLOCK_MONOTONIC (so that a clock change never
 * shortens or stretches a timeout).
 */
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>

#define COMPLETE_ALL UINT_MAX

void init_completion(struct completion *x)
{
	x->done = 0;
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->wait, NULL);
}

void reinit_completion(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = 0;
	pthread_mutex_unlock(&x->lock);
}

void complete(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	if (x->done != COMPLETE_ALL)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = COMPLETE_ALL;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

/* Take one completion; x->lock held. */
static void consume(struct completion *x)
{
	if (x->done != COMPLETE_ALL)
		x->done--;
}

void wait_for_completion(struct completion *x)
{
	might_sleep();
	pthread_mutex_lock(&x->lock);
	while (!x->done)
		pthread_cond_wait(&x->wait, &x->lock);
	consume(x);
	pthread_mutex_unlock(&x->lock);
}

int wait_for_completion_interruptible(struct completion *x)
{
	wait_for_completion(x);
	return 0;
}

unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout)
{
	unsigned long start = jiffies, left = 0;
	struct timespec deadline;
	long long ns;

	might_sleep();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ns = deadline.tv_nsec +
	     (long long)jiffies_to_msecs(min(timeout, (unsigned long)INT_MAX)) *
		     1000000LL;
	deadline.tv_sec += ns / 1000000000LL;
	deadline.tv_nsec = ns % 1000000000LL;

	pthread_mutex_lock(&x->lock);
	while (!x->done) {
		if (pthread_cond_clockwait(&x->wait, &x->lock, CLOCK_MONOTONIC,
					   &deadline) == ETIMEDOUT)
			break;
	}
	if (x->done) {
		unsigned long spent = jiffies - start;

		consume(x);
		left = spent < timeout ? timeout - spent : 1;
	}
	pthread_mutex_unlock(&x->lock);
	return left;
}

bool try_wait_for_completion(struct completion *x)
{
	bool ok;

	pthread_mutex_lock(&x->lock);
	ok = x->done != 0;
	if (ok)
		consume(x);
	pthread_mutex_unlock(&x->lock);
	return ok;
}

bool completion_done(struct completion *x)
{
	bool done;

	pthread_mutex_lock(&x->lock);
	done = x->done != 0;
	pthread_mutex_unlock(&x->lock);
	return done;
}
