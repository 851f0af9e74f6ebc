/* SPDX-License-Identifier: MIT */
/*
 * SRCU for modules. A reader increments readers[idx & 1] and remembers the
 * index; synchronize_srcu() flips @idx and waits for the counter the flip
 * retired to drain, then flips and waits again:
 *
 *   flip 0->1, wait readers[0] == 0, flip 1->0, wait readers[1] == 0
 *
 * A reader that loaded the index just before a flip and incremented just
 * after the wait looked is new to this grace period (it began after it),
 * and the next synchronize_srcu() starts by waiting on that very counter.
 * Every reader already inside when the call began is on one of the two
 * counters, and both are waited for. Readers may sleep, and unlock from
 * another thread: nothing here is per thread.
 */
#include <linux/kernel.h>
#include <linux/srcu.h>
#include <stdatomic.h>

int init_srcu_struct(struct srcu_struct *ssp)
{
	ssp->idx = 0;
	ssp->readers[0] = 0;
	ssp->readers[1] = 0;
	pthread_mutex_init(&ssp->lock, NULL);
	return 0;
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	if (__atomic_load_n(&ssp->readers[0], __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&ssp->readers[1], __ATOMIC_SEQ_CST))
		printk(KERN_WARNING
		       "cleanup_srcu_struct: readers are still inside\n");
}

int srcu_read_lock(struct srcu_struct *ssp)
{
	int idx = (int)(__atomic_load_n(&ssp->idx, __ATOMIC_SEQ_CST) & 1);

	__atomic_fetch_add(&ssp->readers[idx], 1, __ATOMIC_SEQ_CST);
	return idx;
}

void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	if (idx != 0 && idx != 1) {
		printk(KERN_WARNING
		       "srcu_read_unlock: index %d is not one srcu_read_lock() gave\n",
		       idx);
		return;
	}
	__atomic_fetch_sub(&ssp->readers[idx], 1, __ATOMIC_SEQ_CST);
}

static void wait_drained(long *counter)
{
	unsigned int round = 0;

	while (__atomic_load_n(counter, __ATOMIC_SEQ_CST)) {
		struct timespec ts = { 0, 0 };

		if (++round < 64) {
			cpu_relax();
			continue;
		}
		ts.tv_nsec = min(1000000L, 1000L << min(round - 64, 10U));
		nanosleep(&ts, NULL);
	}
}

void synchronize_srcu(struct srcu_struct *ssp)
{
	int pass;

	might_sleep();
	pthread_mutex_lock(&ssp->lock);
	for (pass = 0; pass < 2; pass++) {
		unsigned long old =
			__atomic_fetch_add(&ssp->idx, 1, __ATOMIC_SEQ_CST);

		wait_drained(&ssp->readers[old & 1]);
	}
	pthread_mutex_unlock(&ssp->lock);
}
