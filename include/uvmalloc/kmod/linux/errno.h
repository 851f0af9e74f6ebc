/* SPDX-License-Identifier: MIT */
/*
 * <linux/errno.h> for modules: the host's E* values, which are the
 * kernel's, plus the few codes the kernel keeps to itself. The C library's
 * <errno.h> includes this name too, so the host header comes first.
 */
#ifndef UVMALLOC_KMOD_LINUX_ERRNO_H
#define UVMALLOC_KMOD_LINUX_ERRNO_H

#if __has_include_next(<linux/errno.h>)
#include_next <linux/errno.h>
#endif
#include <errno.h>

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ENOIOCTLCMD 515
#define EPROBE_DEFER 517
#define ENOTSUPP 524

#endif /* UVMALLOC_KMOD_LINUX_ERRNO_H */
