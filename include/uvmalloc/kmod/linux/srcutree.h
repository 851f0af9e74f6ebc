/* SPDX-License-Identifier: MIT */
/* <linux/srcutree.h> for modules: see <linux/srcu.h>. */
#ifndef UVMALLOC_KMOD_LINUX_SRCUTREE_H
#define UVMALLOC_KMOD_LINUX_SRCUTREE_H

#include <linux/srcu.h>

#endif /* UVMALLOC_KMOD_LINUX_SRCUTREE_H */
