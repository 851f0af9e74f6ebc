// SPDX-License-Identifier: MIT
/*
 * Many kthreads hammering vmalloc() and vfree() at once, each checking
 * that its areas keep what it wrote, released together by a completion
 * and counted back with an atomic.
 *
 *   uvmalloc -b "nr_cpus=8" insmod examples/modules/kthread_stress.c \
 *	threads=16 loops=20000
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static int threads = 8;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "Worker kthreads (default 8)");

static int loops = 2000;
module_param(loops, int, 0444);
MODULE_PARM_DESC(loops, "vmalloc/vfree rounds per worker (default 2000)");

static DECLARE_COMPLETION(go);
static DECLARE_COMPLETION(all_done);
static atomic_t running = ATOMIC_INIT(0);
static atomic_t errors = ATOMIC_INIT(0);

static int worker(void *arg)
{
	long id = (long)arg;
	int i;

	wait_for_completion(&go);
	for (i = 0; i < loops; i++) {
		unsigned int pages = get_random_u32_inclusive(1, 16);
		unsigned char *p = vmalloc(pages * PAGE_SIZE);
		unsigned int j;

		if (!p) {
			atomic_inc(&errors);
			break;
		}
		for (j = 0; j < pages; j++)
			p[j * PAGE_SIZE] = (unsigned char)(id + j);
		for (j = 0; j < pages; j++)
			if (p[j * PAGE_SIZE] != (unsigned char)(id + j))
				atomic_inc(&errors);
		vfree(p);
		cond_resched();
	}
	if (atomic_dec_and_test(&running))
		complete(&all_done);
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static int __init stress_init(void)
{
	struct task_struct **tasks;
	ktime_t start;
	long i;

	threads = clamp(threads, 1, 1024);
	tasks = kcalloc(threads, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;
	for (i = 0; i < threads; i++) {
		tasks[i] = kthread_run(worker, (void *)i, "vstress/%ld", i);
		if (IS_ERR(tasks[i])) {
			pr_err("kthread %ld: %ld\n", i, PTR_ERR(tasks[i]));
			break;
		}
		atomic_inc(&running);
	}
	start = ktime_get();
	complete_all(&go);
	if (atomic_read(&running))
		wait_for_completion(&all_done);
	pr_info("%d kthreads x %d rounds: %lld us, %d errors\n", threads, loops,
		ktime_us_delta(ktime_get(), start), atomic_read(&errors));
	while (i-- > 0)
		kthread_stop(tasks[i]);
	kfree(tasks);
	return atomic_read(&errors) ? -EIO : 0;
}

module_init(stress_init);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("many kthreads vmalloc()ing and vfree()ing at once");
