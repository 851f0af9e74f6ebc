/* SPDX-License-Identifier: MIT */
/*
 * <linux/moduleparam.h> for modules: parameters set from the insmod
 * command line. Each module_param() registers, when the module is loaded
 * (a constructor, before init runs), the variable, its type and its
 * permissions; the compiler checks that the variable has the named type.
 * Types: byte, short, ushort, int, uint, long, ulong, bool, invbool, charp.
 */
#ifndef UVMALLOC_KMOD_LINUX_MODULEPARAM_H
#define UVMALLOC_KMOD_LINUX_MODULEPARAM_H

#include <linux/compiler.h>
#include <linux/types.h>

UVM_KMOD_API_BEGIN

/**
 * __uvm_module_param() - register a parameter of the module being loaded
 * @name: its name on the command line
 * @type: the module_param() type, as written
 * @arg: the variable
 * @perm: its sysfs permissions (kept for modinfo)
 */
void __uvm_module_param(const char *name, const char *type, void *arg,
			unsigned int perm);

/**
 * __uvm_module_parm_desc() - register a parameter's description
 * @name: the parameter
 * @desc: MODULE_PARM_DESC()'s text
 */
void __uvm_module_parm_desc(const char *name, const char *desc);

UVM_KMOD_API_END

/* The C type each module_param() type names. */
typedef unsigned char __uvm_param_t_byte;
typedef short __uvm_param_t_short;
typedef unsigned short __uvm_param_t_ushort;
typedef int __uvm_param_t_int;
typedef unsigned int __uvm_param_t_uint;
typedef unsigned int __uvm_param_t_hexint;
typedef long __uvm_param_t_long;
typedef unsigned long __uvm_param_t_ulong;
typedef unsigned long long __uvm_param_t_ullong;
typedef bool __uvm_param_t_bool;
typedef bool __uvm_param_t__Bool; /* bool, once a macro has expanded it */
typedef bool __uvm_param_t_invbool;
typedef char *__uvm_param_t_charp;

#define __UVM_CONCAT_(a, b) a##b
#define __UVM_CONCAT(a, b) __UVM_CONCAT_(a, b)
#define __UVM_UNIQUE(prefix) __UVM_CONCAT(prefix, __COUNTER__)

/* Both paste @type at once: through another macro, bool becomes _Bool. */
#define module_param_named(name, value, type, perm)                         \
	static void __attribute__((constructor)) __uvm_param_##name(void)   \
	{                                                                   \
		_Static_assert(                                             \
			__builtin_types_compatible_p(__typeof__(value),     \
						     __uvm_param_t_##type), \
			"module_param " #name ": not of type " #type);      \
		__uvm_module_param(#name, #type, &(value), (perm));         \
	}                                                                   \
	struct __uvm_param_end_##name

#define module_param(name, type, perm)                                      \
	static void __attribute__((constructor)) __uvm_param_##name(void)   \
	{                                                                   \
		_Static_assert(                                             \
			__builtin_types_compatible_p(__typeof__(name),      \
						     __uvm_param_t_##type), \
			"module_param " #name ": not of type " #type);      \
		__uvm_module_param(#name, #type, &(name), (perm));          \
	}                                                                   \
	struct __uvm_param_end_##name

#define module_param_unsafe(name, type, perm) module_param(name, type, perm)

#define MODULE_PARM_DESC(name, desc)                                          \
	static void __attribute__((constructor)) __uvm_parm_desc_##name(void) \
	{                                                                     \
		__uvm_module_parm_desc(#name, desc);                          \
	}                                                                     \
	struct __uvm_parm_desc_end_##name

#endif /* UVMALLOC_KMOD_LINUX_MODULEPARAM_H */
