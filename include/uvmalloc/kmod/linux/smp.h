/* SPDX-License-Identifier: MIT */
/*
 * <linux/smp.h> for modules: the booted instance's CPUs (nr_cpus=), which
 * host threads share round-robin by the host CPU they run on.
 */
#ifndef UVMALLOC_KMOD_LINUX_SMP_H
#define UVMALLOC_KMOD_LINUX_SMP_H

#include <linux/mm.h>
#include <linux/preempt.h>

#define raw_smp_processor_id() smp_processor_id()
#define get_cpu()                   \
	({                          \
		preempt_disable();  \
		smp_processor_id(); \
	})
#define put_cpu() preempt_enable()
#define num_possible_cpus() num_online_cpus()
#define num_present_cpus() num_online_cpus()
#define nr_cpu_ids num_online_cpus()
#define NR_CPUS 8192

#endif /* UVMALLOC_KMOD_LINUX_SMP_H */
