/* SPDX-License-Identifier: MIT */
/* <linux/timekeeping.h> for modules: see <linux/ktime.h>. */
#ifndef UVMALLOC_KMOD_LINUX_TIMEKEEPING_H
#define UVMALLOC_KMOD_LINUX_TIMEKEEPING_H

#include <linux/ktime.h>

#endif /* UVMALLOC_KMOD_LINUX_TIMEKEEPING_H */
