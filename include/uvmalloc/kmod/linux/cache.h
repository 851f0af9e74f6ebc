/* SPDX-License-Identifier: MIT */
/* <linux/cache.h> for modules. */
#ifndef UVMALLOC_KMOD_LINUX_CACHE_H
#define UVMALLOC_KMOD_LINUX_CACHE_H

#include <linux/compiler.h>

#define L1_CACHE_BYTES 64
#define SMP_CACHE_BYTES 64

#endif /* UVMALLOC_KMOD_LINUX_CACHE_H */
