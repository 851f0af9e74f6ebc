/* SPDX-License-Identifier: MIT */
/*
 * <linux/init.h> for modules. Sections for init code and data mean nothing
 * here. Every initcall level of a module is its module_init().
 */
#ifndef UVMALLOC_KMOD_LINUX_INIT_H
#define UVMALLOC_KMOD_LINUX_INIT_H

#include <linux/compiler.h>

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __ro_after_init
#define __refdata
#define __meminit

#define early_initcall(fn) module_init(fn)
#define core_initcall(fn) module_init(fn)
#define subsys_initcall(fn) module_init(fn)
#define fs_initcall(fn) module_init(fn)
#define device_initcall(fn) module_init(fn)
#define late_initcall(fn) module_init(fn)
#define late_initcall_sync(fn) module_init(fn)

#endif /* UVMALLOC_KMOD_LINUX_INIT_H */
