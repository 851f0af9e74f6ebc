/* SPDX-License-Identifier: MIT */
/*
 * <linux/module.h> for modules. module_init() and module_exit() name the
 * functions `uvmalloc insmod` runs; the MODULE_* fields are what
 * `uvmalloc modinfo` lists. All register themselves when the module's
 * shared object is loaded.
 */
#ifndef UVMALLOC_KMOD_LINUX_MODULE_H
#define UVMALLOC_KMOD_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>

struct module;

UVM_KMOD_API_BEGIN

/**
 * __uvm_module_init() - register the module's init function
 * @fn: returns 0, or a -errno that makes the load fail
 */
void __uvm_module_init(int (*fn)(void));

/** __uvm_module_exit() - register the module's exit function @fn */
void __uvm_module_exit(void (*fn)(void));

/**
 * __uvm_module_info() - register a MODULE_*() field
 * @tag: "license", "author", "description", ...
 * @value: its text
 */
void __uvm_module_info(const char *tag, const char *value);

UVM_KMOD_API_END

#define THIS_MODULE ((struct module *)0)

#define module_init(initfn)                                                   \
	static void __attribute__((constructor)) __uvm_module_init_ctor(void) \
	{                                                                     \
		int (*__fn)(void) = initfn;                                   \
		__uvm_module_init(__fn);                                      \
	}

#define module_exit(exitfn)                                                   \
	static void __attribute__((constructor)) __uvm_module_exit_ctor(void) \
	{                                                                     \
		void (*__fn)(void) = exitfn;                                  \
		__uvm_module_exit(__fn);                                      \
	}

#define __UVM_MODULE_INFO(tag, info, ctor)                  \
	static void __attribute__((constructor)) ctor(void) \
	{                                                   \
		__uvm_module_info(tag, info);               \
	}                                                   \
	struct __UVM_CONCAT(ctor, _end)
#define MODULE_INFO(tag, info) \
	__UVM_MODULE_INFO(#tag, info, __UVM_UNIQUE(__uvm_modinfo_))
/* The parameters are named apart from the tags they are pasted beside. */
#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version) MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias) MODULE_INFO(alias, _alias)
#define MODULE_SOFTDEP(_softdep) MODULE_INFO(softdep, _softdep)
#define MODULE_IMPORT_NS(ns) struct __uvm_import_ns_unused
#define MODULE_DEVICE_TABLE(type, name) struct __uvm_device_table_unused

#endif /* UVMALLOC_KMOD_LINUX_MODULE_H */
