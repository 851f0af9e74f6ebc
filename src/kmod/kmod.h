/* SPDX-License-Identifier: MIT */
/*
 * The module runtime's internals: what its files share with each other and
 * with the loader (module.c). Nothing here is for modules themselves.
 */
#ifndef UVM_KMOD_KMOD_H
#define UVM_KMOD_KMOD_H

#include <linux/kernel.h>
#include <linux/sched.h>

/**
 * kmod_printk_flush() - end the calling thread's open printk() line
 *
 * Called where a thread stops running module code (a kthread's end, the
 * end of init and exit), so that a last line without its newline is not
 * lost.
 */
void kmod_printk_flush(void);

/**
 * kmod_task_adopt() - make the calling thread a task named @name
 * @name: its comm
 *
 * For the loader's own thread, on which init and exit run ("insmod").
 */
void kmod_task_adopt(const char *name);

/**
 * kmod_backtrace() - print the calling thread's stack as the kernel's
 *                    "Call Trace:" lines
 * @skip: innermost frames to leave out (the reporting functions)
 */
void kmod_backtrace(int skip);

#endif /* UVM_KMOD_KMOD_H */
