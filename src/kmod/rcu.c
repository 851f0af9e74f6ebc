/* SPDX-License-Identifier: MIT */
/*
 * RCU for modules, with real grace periods.
 *
 * Each thread that reads registers a struct rcu_reader once; its @ctr is
 * 0 outside a read-side critical section and, inside, the grace-period
 * number the thread saw when it entered. synchronize_rcu() advances the
 * number and waits for every reader whose @ctr is non-zero and older:
 *
 *   reader:  ctr = gp (seq_cst) ... reads ... ctr = 0 (release)
 *   writer:  update; new = ++gp (seq_cst); wait while 0 < ctr < new
 *
 * In the single total order of the seq_cst operations, a reader whose
 * store of @ctr the writer's scan does not see stored it after the scan,
 * hence after the update, and so reads the new data: only readers that
 * began before the grace period are waited for, and all of them are.
 *
 * call_rcu() callbacks go on one list; the RCU thread takes the whole list,
 * waits one grace period for all of it, and runs the callbacks in order.
 * rcu_barrier() waits until the callbacks counted before it have run.
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <stdatomic.h>

#include "kmod.h"

struct rcu_reader {
	_Atomic unsigned long ctr;
	int nesting;
	struct rcu_reader *next;
};

static _Atomic unsigned long gp_ctr = 1;
static pthread_mutex_t gp_lock = PTHREAD_MUTEX_INITIALIZER;

/* The registered readers; registry_lock guards the list. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_reader *readers;
static pthread_key_t reader_key;
static pthread_once_t reader_key_once = PTHREAD_ONCE_INIT;
static __thread struct rcu_reader *me;

static void reader_exit(void *arg)
{
	struct rcu_reader *r = arg, **pp;

	pthread_mutex_lock(&registry_lock);
	for (pp = &readers; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	if (atomic_load(&r->ctr))
		printk(KERN_ERR "rcu: a thread ended inside rcu_read_lock()\n");
	free(r);
}

static void make_key(void)
{
	pthread_key_create(&reader_key, reader_exit);
}

static struct rcu_reader *reader(void)
{
	struct rcu_reader *r;

	if (likely(me))
		return me;
	pthread_once(&reader_key_once, make_key);
	r = calloc(1, sizeof(*r));
	if (!r) {
		/* Without a record, a reader cannot be waited for: stop. */
		printk(KERN_EMERG "rcu: out of memory registering a reader\n");
		abort();
	}
	pthread_mutex_lock(&registry_lock);
	r->next = readers;
	readers = r;
	pthread_mutex_unlock(&registry_lock);
	pthread_setspecific(reader_key, r);
	me = r;
	return r;
}

void rcu_read_lock(void)
{
	struct rcu_reader *r = reader();

	if (!r->nesting++)
		atomic_store(&r->ctr, atomic_load(&gp_ctr));
}

void rcu_read_unlock(void)
{
	struct rcu_reader *r = reader();

	if (r->nesting <= 0) {
		printk(KERN_WARNING
		       "rcu_read_unlock: not inside rcu_read_lock()\n");
		return;
	}
	if (!--r->nesting)
		atomic_store_explicit(&r->ctr, 0, memory_order_release);
}

int rcu_read_lock_held(void)
{
	return me && me->nesting > 0;
}

/* Spin a little, then sleep longer and longer, up to a millisecond. */
static void backoff(unsigned int *round)
{
	struct timespec ts = { 0, 0 };

	if (++*round < 64) {
		cpu_relax();
		return;
	}
	ts.tv_nsec = min(1000000L, 1000L << min(*round - 64, 10U));
	nanosleep(&ts, NULL);
}

void synchronize_rcu(void)
{
	struct rcu_reader *r;
	unsigned long next;

	might_sleep();
	if (rcu_read_lock_held()) {
		printk(KERN_ERR
		       "synchronize_rcu: called inside rcu_read_lock(), which would wait for itself\n");
		kmod_backtrace(1);
		return;
	}
	pthread_mutex_lock(&gp_lock);
	next = atomic_fetch_add(&gp_ctr, 1) + 1;
	pthread_mutex_lock(&registry_lock);
	for (r = readers; r; r = r->next) {
		unsigned int round = 0;
		unsigned long c;

		while ((c = atomic_load(&r->ctr)) && c < next)
			backoff(&round);
	}
	pthread_mutex_unlock(&registry_lock);
	pthread_mutex_unlock(&gp_lock);
}

/* -------------------------------------------------------- callbacks */

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_queued = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;
static struct rcu_head *cb_head, **cb_tail = &cb_head;
static unsigned long cb_queued_nr, cb_done_nr;
static bool cb_thread_started;

/* Below this, a callback "function" is kvfree_rcu()'s offset. */
#define KVFREE_OFFSET_MAX 4096

static void run_callback(struct rcu_head *head)
{
	unsigned long f = (unsigned long)head->func;

	if (f < KVFREE_OFFSET_MAX)
		kvfree((char *)head - f);
	else
		head->func(head);
}

static void *rcu_thread(void *arg)
{
	(void)arg;
	kmod_task_adopt("rcu_gp");
	for (;;) {
		struct rcu_head *list, *next;
		unsigned long n = 0;

		pthread_mutex_lock(&cb_lock);
		while (!cb_head)
			pthread_cond_wait(&cb_queued, &cb_lock);
		list = cb_head;
		cb_head = NULL;
		cb_tail = &cb_head;
		pthread_mutex_unlock(&cb_lock);

		synchronize_rcu();
		for (; list; list = next) {
			next = list->next;
			run_callback(list);
			n++;
		}
		kmod_printk_flush();

		pthread_mutex_lock(&cb_lock);
		cb_done_nr += n;
		pthread_cond_broadcast(&cb_done);
		pthread_mutex_unlock(&cb_lock);
	}
	return NULL;
}

/* Queue @head; false when no RCU thread could be had (then nothing is). */
static bool queue_callback(struct rcu_head *head)
{
	bool ok = true;

	head->next = NULL;
	pthread_mutex_lock(&cb_lock);
	if (!cb_thread_started) {
		pthread_t t;

		if (pthread_create(&t, NULL, rcu_thread, NULL)) {
			ok = false;
		} else {
			pthread_detach(t);
			cb_thread_started = true;
		}
	}
	if (ok) {
		*cb_tail = head;
		cb_tail = &head->next;
		cb_queued_nr++;
		pthread_cond_signal(&cb_queued);
	}
	pthread_mutex_unlock(&cb_lock);
	return ok;
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	if (!head || (unsigned long)func < KVFREE_OFFSET_MAX) {
		printk(KERN_WARNING "call_rcu: NULL rcu_head or function\n");
		return;
	}
	head->func = func;
	if (!queue_callback(head)) {
		/* No thread for callbacks: wait here instead. */
		synchronize_rcu();
		func(head);
	}
}

void __kvfree_rcu(struct rcu_head *head, size_t offset)
{
	if (!head)
		return;
	if (offset >= KVFREE_OFFSET_MAX) {
		printk(KERN_WARNING
		       "kvfree_rcu: the rcu_head is %zu bytes into its object, more than %d\n",
		       offset, KVFREE_OFFSET_MAX - 1);
		synchronize_rcu();
		kvfree((char *)head - offset);
		return;
	}
	head->func = (void (*)(struct rcu_head *))offset;
	if (!queue_callback(head)) {
		synchronize_rcu();
		kvfree((char *)head - offset);
	}
}

struct kvfree_node {
	struct rcu_head head;
	const void *ptr;
};

static void kvfree_node_cb(struct rcu_head *head)
{
	struct kvfree_node *n = container_of(head, struct kvfree_node, head);

	kvfree(n->ptr);
	free(n);
}

void kvfree_rcu_mightsleep(const void *ptr)
{
	struct kvfree_node *n;

	if (!ptr)
		return;
	might_sleep();
	n = malloc(sizeof(*n));
	if (n) {
		n->ptr = ptr;
		n->head.func = kvfree_node_cb;
		if (queue_callback(&n->head))
			return;
		free(n);
	}
	/* Nothing to queue it with: the caller may sleep, so wait here. */
	synchronize_rcu();
	kvfree(ptr);
}

void rcu_barrier(void)
{
	unsigned long target;

	might_sleep();
	pthread_mutex_lock(&cb_lock);
	target = cb_queued_nr;
	while (cb_done_nr < target)
		pthread_cond_wait(&cb_done, &cb_lock);
	pthread_mutex_unlock(&cb_lock);
}
