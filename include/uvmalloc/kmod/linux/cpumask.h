/* SPDX-License-Identifier: MIT */
/* <linux/cpumask.h> for modules: every booted CPU is online. */
#ifndef UVMALLOC_KMOD_LINUX_CPUMASK_H
#define UVMALLOC_KMOD_LINUX_CPUMASK_H

#include <linux/smp.h>

#ifndef for_each_possible_cpu
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)num_online_cpus(); (cpu)++)
#endif
#define for_each_online_cpu(cpu) for_each_possible_cpu(cpu)
#define for_each_present_cpu(cpu) for_each_possible_cpu(cpu)
#define cpu_online(cpu) ((unsigned int)(cpu) < num_online_cpus())

#endif /* UVMALLOC_KMOD_LINUX_CPUMASK_H */
