/* SPDX-License-Identifier: MIT */
/*
 * <linux/bug.h> for modules. WARN_ON() prints the kernel's "WARNING: at"
 * report with a backtrace and goes on; BUG_ON() prints "kernel BUG at" and
 * ends the module's run as an oops does (the process gets SIGABRT, which
 * `uvmalloc insmod` reports).
 */
#ifndef UVMALLOC_KMOD_LINUX_BUG_H
#define UVMALLOC_KMOD_LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/types.h>

UVM_KMOD_API_BEGIN

/**
 * __warn() - report a WARN_ON() that fired
 * @file: the source file
 * @line: the line
 * @cond: the condition's text, or a formatted message
 */
void __warn(const char *file, int line, const char *cond);

/**
 * __bug() - report a BUG() and end the run
 * @file: the source file
 * @line: the line
 */
void __bug(const char *file, int line) __noreturn;

UVM_KMOD_API_END

#define WARN_ON(condition)                                      \
	({                                                      \
		int __ret_warn_on = !!(condition);              \
		if (unlikely(__ret_warn_on))                    \
			__warn(__FILE__, __LINE__, #condition); \
		unlikely(__ret_warn_on);                        \
	})

#define WARN(condition, fmt, ...)                                \
	({                                                       \
		int __ret_warn_on = !!(condition);               \
		if (unlikely(__ret_warn_on)) {                   \
			printk(KERN_WARNING fmt, ##__VA_ARGS__); \
			__warn(__FILE__, __LINE__, #condition);  \
		}                                                \
		unlikely(__ret_warn_on);                         \
	})

#define WARN_ON_ONCE(condition)                                 \
	({                                                      \
		static bool __warned;                           \
		int __ret_warn_once = !!(condition);            \
		if (unlikely(__ret_warn_once && !__warned)) {   \
			__warned = true;                        \
			__warn(__FILE__, __LINE__, #condition); \
		}                                               \
		unlikely(__ret_warn_once);                      \
	})

#define WARN_ONCE(condition, fmt, ...)                           \
	({                                                       \
		static bool __warned;                            \
		int __ret_warn_once = !!(condition);             \
		if (unlikely(__ret_warn_once && !__warned)) {    \
			__warned = true;                         \
			printk(KERN_WARNING fmt, ##__VA_ARGS__); \
			__warn(__FILE__, __LINE__, #condition);  \
		}                                                \
		unlikely(__ret_warn_once);                       \
	})

#define BUG() __bug(__FILE__, __LINE__)
#define BUG_ON(condition)                \
	do {                             \
		if (unlikely(condition)) \
			BUG();           \
	} while (0)

#define BUILD_BUG_ON(condition) \
	_Static_assert(!(condition), "BUILD_BUG_ON(" #condition ")")
#define BUILD_BUG_ON_MSG(condition, msg) _Static_assert(!(condition), msg)

#endif /* UVMALLOC_KMOD_LINUX_BUG_H */
