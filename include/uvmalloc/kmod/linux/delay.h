/* SPDX-License-Identifier: MIT */
/* <linux/delay.h> for modules: sleeps, which may sleep longer, never less. */
#ifndef UVMALLOC_KMOD_LINUX_DELAY_H
#define UVMALLOC_KMOD_LINUX_DELAY_H

#include <linux/compiler.h>

UVM_KMOD_API_BEGIN

/** msleep() - sleep at least @msecs milliseconds */
void msleep(unsigned int msecs);

/**
 * msleep_interruptible() - msleep(); nothing interrupts it here
 * @msecs: milliseconds
 *
 * Return: 0, the milliseconds left.
 */
unsigned long msleep_interruptible(unsigned int msecs);

/** usleep_range() - sleep between @min and @max microseconds */
void usleep_range(unsigned long min, unsigned long max);

/** udelay() - busy-wait @usecs microseconds, without sleeping */
void udelay(unsigned long usecs);

UVM_KMOD_API_END

#define ndelay(n) udelay(((n) + 999) / 1000)
#define mdelay(n) udelay((unsigned long)(n)*1000)
#define ssleep(s) msleep((s)*1000)
#define fsleep(us) usleep_range(us, us)

#endif /* UVMALLOC_KMOD_LINUX_DELAY_H */
