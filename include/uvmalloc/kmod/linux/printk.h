/* SPDX-License-Identifier: MIT */
/*
 * <linux/printk.h> for modules: printk() with the kernel's level prefixes.
 * A message's level is its leading KERN_* (KERN_DEFAULT when it has none);
 * KERN_CONT continues the calling thread's last line. Lines go to the
 * instance's log sink (uvm_set_log()), where `uvmalloc insmod` prints them
 * as dmesg does.
 */
#ifndef UVMALLOC_KMOD_LINUX_PRINTK_H
#define UVMALLOC_KMOD_LINUX_PRINTK_H

#include <stdarg.h>

#include <linux/compiler.h>

#define KERN_SOH "\001"
#define KERN_SOH_ASCII '\001'
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT KERN_SOH "c"

#define LOGLEVEL_EMERG 0
#define LOGLEVEL_ALERT 1
#define LOGLEVEL_CRIT 2
#define LOGLEVEL_ERR 3
#define LOGLEVEL_WARNING 4
#define LOGLEVEL_NOTICE 5
#define LOGLEVEL_INFO 6
#define LOGLEVEL_DEBUG 7
/* The level of a message without one, as the kernel's default. */
#define MESSAGE_LOGLEVEL_DEFAULT LOGLEVEL_WARNING

UVM_KMOD_API_BEGIN

/**
 * printk() - print a kernel message
 * @fmt: a printf format, optionally led by a KERN_* level
 *
 * Thread-safe; each line reaches the sink whole. A line without a trailing
 * newline stays open for KERN_CONT (pr_cont()) from the same thread, and is
 * ended by that thread's next printk() of another kind.
 *
 * Return: the number of characters of the message, the level excluded.
 */
int printk(const char *fmt, ...) __printf(1, 2);

/**
 * vprintk() - printk() with a va_list
 * @fmt: as for printk()
 * @args: the arguments
 *
 * Return: as printk().
 */
int vprintk(const char *fmt, va_list args) __printf(1, 0);

UVM_KMOD_API_END

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define no_printk(fmt, ...)                         \
	({                                          \
		if (0)                              \
			printk(fmt, ##__VA_ARGS__); \
		0;                                  \
	})

#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning pr_warn
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
#if defined(DEBUG)
#define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif
#define pr_devel pr_debug

#define printk_once(fmt, ...)                       \
	({                                          \
		static bool __print_once;           \
		bool __ret = !__print_once;         \
		if (__ret) {                        \
			__print_once = true;        \
			printk(fmt, ##__VA_ARGS__); \
		}                                   \
		__ret;                              \
	})
#define pr_info_once(fmt, ...) printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) \
	printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_once(fmt, ...) printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_ratelimited pr_info
#define pr_warn_ratelimited pr_warn
#define pr_err_ratelimited pr_err
#define printk_ratelimit() 1

#endif /* UVMALLOC_KMOD_LINUX_PRINTK_H */
