/* SPDX-License-Identifier: MIT */
/*
 * Tasks and kthreads for modules. Each thread that runs module code has a
 * struct kmod_task (thread-local, found through current); a kthread's is
 * made by kthread_create_on_node() and lives until kthread_stop() reaps
 * the thread, or, for a kthread nobody stops, until the thread ends.
 *
 * A kthread's life:
 *
 *   created --wake_up_process()--> running --fn returns--> exited
 *      |                                                      |
 *      +--kthread_stop(): never runs, result -EINTR------------+--> reaped
 *                                                      by kthread_stop()
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "kmod.h"

/**
 * struct kmod_task - a task and what the runtime knows of it
 * @task: what modules see
 * @thread: the host thread (kthreads only)
 * @fn: the kthread's function, and @data its argument
 * @lock: guards the fields below, with @cond
 * @woken: wake_up_process() has let it run
 * @should_stop: kthread_stop() was called
 * @exited: @fn has returned (or never ran), @result is its value
 * @kthread: made by kthread_create_on_node(), else adopted
 */
struct kmod_task {
	struct task_struct task;
	pthread_t thread;
	int (*fn)(void *data);
	void *data;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
	bool should_stop;
	bool exited;
	bool kthread;
	int result;
};

static __thread struct kmod_task *self;
static __thread int preempt_depth;
static __thread unsigned int resched_calls;

static struct kmod_task *kmod_task_new(void)
{
	struct kmod_task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	return t;
}

/*
 * A thread that never was a kthread gets a task on first use of current,
 * never freed (it may be asked for from any code the thread runs until its
 * end); there are as few of these as the program has threads.
 */
struct task_struct *get_current(void)
{
	static struct kmod_task fallback = { .task = { .comm = "swapper" } };

	if (!self) {
		struct kmod_task *t = kmod_task_new();

		if (!t)
			return &fallback.task;
		pthread_getname_np(pthread_self(), t->task.comm,
				   sizeof(t->task.comm));
		t->task.pid = (int)gettid();
		self = t;
	}
	return &self->task;
}

void kmod_task_adopt(const char *name)
{
	get_current();
	snprintf(self->task.comm, sizeof(self->task.comm), "%s", name);
}

static void *kthread_main(void *arg)
{
	struct kmod_task *t = arg;
	bool run;

	self = t;
	t->task.pid = (int)gettid();
	pthread_setname_np(pthread_self(), t->task.comm);

	pthread_mutex_lock(&t->lock);
	while (!t->woken && !t->should_stop)
		pthread_cond_wait(&t->cond, &t->lock);
	run = t->woken && !t->should_stop;
	pthread_mutex_unlock(&t->lock);

	t->result = run ? t->fn(t->data) : -EINTR;
	kmod_printk_flush();

	pthread_mutex_lock(&t->lock);
	t->exited = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct task_struct *kthread_create_on_node(int (*threadfn)(void *data),
					   void *data, int node,
					   const char *namefmt, ...)
{
	struct kmod_task *t;
	va_list args;
	int err;

	(void)node;
	if (!threadfn) {
		printk(KERN_WARNING "kthread_create: NULL thread function\n");
		return ERR_PTR(-EINVAL);
	}
	t = kmod_task_new();
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->fn = threadfn;
	t->data = data;
	t->kthread = true;
	if (namefmt) {
		va_start(args, namefmt);
		vsnprintf(t->task.comm, sizeof(t->task.comm), namefmt, args);
		va_end(args);
	}

	err = pthread_create(&t->thread, NULL, kthread_main, t);
	if (err) {
		printk(KERN_ERR
		       "kthread_create: %s: the host refused a thread: %s\n",
		       t->task.comm, strerror(err));
		free(t);
		return ERR_PTR(err == EAGAIN ? -EAGAIN : -ENOMEM);
	}
	return &t->task;
}

int wake_up_process(struct task_struct *p)
{
	struct kmod_task *t = container_of(p, struct kmod_task, task);
	int was_asleep;

	if (!t->kthread)
		return 0;
	pthread_mutex_lock(&t->lock);
	was_asleep = !t->woken;
	t->woken = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return was_asleep;
}

bool kthread_should_stop(void)
{
	bool stop;

	if (!self || !self->kthread)
		return false;
	pthread_mutex_lock(&self->lock);
	stop = self->should_stop;
	pthread_mutex_unlock(&self->lock);
	return stop;
}

int kthread_stop(struct task_struct *k)
{
	struct kmod_task *t;
	int result;

	if (IS_ERR_OR_NULL(k)) {
		printk(KERN_WARNING "kthread_stop: %p is not a task\n", k);
		return -EINVAL;
	}
	t = container_of(k, struct kmod_task, task);
	if (!t->kthread) {
		printk(KERN_WARNING "kthread_stop: %s is not a kthread\n",
		       k->comm);
		return -EINVAL;
	}
	pthread_mutex_lock(&t->lock);
	t->should_stop = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);

	pthread_join(t->thread, NULL);
	result = t->result;
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
	return result;
}

void schedule(void)
{
	sched_yield();
}

long schedule_timeout(long timeout)
{
	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		printk(KERN_WARNING
		       "schedule_timeout: an endless sleep, with nothing to wake it\n");
		timeout = HZ;
	}
	if (timeout > 0)
		msleep(jiffies_to_msecs((unsigned long)timeout));
	return 0;
}

int cond_resched(void)
{
	/* Yielding on every call would dominate tight test loops. */
	if (++resched_calls % 64)
		return 0;
	sched_yield();
	return 1;
}

void __might_sleep(const char *file, int line)
{
	if (!preempt_depth)
		return;
	printk(KERN_ERR
	       "BUG: sleeping function called from invalid context at %s:%d\n",
	       file, line);
	printk(KERN_ERR
	       "in_atomic(): 1, pid: %d, name: %s, preempt_count: %d\n",
	       current->pid, current->comm, preempt_depth);
	kmod_backtrace(1);
}

void preempt_count_add(int val)
{
	preempt_depth += val;
}

void preempt_count_sub(int val)
{
	preempt_depth -= val;
}

int preempt_count(void)
{
	return preempt_depth;
}

static void sleep_ns(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL,
			       .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void msleep(unsigned int msecs)
{
	might_sleep();
	sleep_ns((long long)msecs * 1000000LL);
}

unsigned long msleep_interruptible(unsigned int msecs)
{
	msleep(msecs);
	return 0;
}

void usleep_range(unsigned long min, unsigned long max)
{
	(void)max;
	might_sleep();
	sleep_ns((long long)min * 1000LL);
}

void udelay(unsigned long usecs)
{
	ktime_t end = ktime_get() + (ktime_t)usecs * NSEC_PER_USEC;

	while (ktime_get() < end)
		cpu_relax();
}

u64 get_jiffies_64(void)
{
	static _Atomic ktime_t epoch;
	ktime_t now = ktime_get(), zero = 0;

	atomic_compare_exchange_strong(&epoch, &zero, now);
	return (u64)((now - atomic_load(&epoch)) / (NSEC_PER_SEC / HZ)) + 1;
}
