/* SPDX-License-Identifier: MIT */
/*
 * WARN_ON() and BUG() for modules, reported in the kernel's shape: the
 * "cut here" line, where, which task on which CPU, and the call trace with
 * the module's own function names.
 */
#include <execinfo.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/smp.h>

#include "kmod.h"
#include "lib/symbol.h"

#define TRACE_DEPTH 32

void kmod_backtrace(int skip)
{
	void *frames[TRACE_DEPTH];
	char name[256];
	int n, i;

	n = backtrace(frames, TRACE_DEPTH);
	printk(KERN_WARNING "Call Trace:\n");
	printk(KERN_WARNING " <TASK>\n");
	for (i = skip + 1; i < n; i++) {
		uvm_format_caller(frames[i], name, sizeof(name));
		printk(KERN_WARNING " %s\n", name);
	}
	printk(KERN_WARNING " </TASK>\n");
}

static void report_head(void)
{
	printk(KERN_WARNING "CPU: %d PID: %d Comm: %.16s\n", smp_processor_id(),
	       current->pid, current->comm);
}

void __warn(const char *file, int line, const char *cond)
{
	printk(KERN_WARNING "------------[ cut here ]------------\n");
	printk(KERN_WARNING "WARNING: CPU: %d PID: %d at %s:%d (%s)\n",
	       smp_processor_id(), current->pid, file, line, cond);
	report_head();
	kmod_backtrace(1);
	printk(KERN_WARNING "---[ end trace 0000000000000000 ]---\n");
}

void __bug(const char *file, int line)
{
	printk(KERN_EMERG "------------[ cut here ]------------\n");
	printk(KERN_EMERG "kernel BUG at %s:%d!\n", file, line);
	printk(KERN_EMERG "Oops: invalid opcode: 0000 [#1] SMP\n");
	report_head();
	kmod_backtrace(1);
	printk(KERN_EMERG "---[ end trace 0000000000000000 ]---\n");
	kmod_printk_flush();
	abort();
}
