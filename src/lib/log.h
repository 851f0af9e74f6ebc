/* SPDX-License-Identifier: MIT */
/*
 * The single reporting function: every warning, error and notice of every
 * layer goes through uvm_printk(), which prefixes "uvmalloc: ", rate-limits
 * as printk_ratelimit() does (a burst of 10 lines per 5 seconds, then a
 * "N callbacks suppressed" line) and hands the line to the configured sink.
 */
#ifndef UVM_LIB_LOG_H
#define UVM_LIB_LOG_H

#include <uvmalloc.h>

#include "compiler.h"

/**
 * uvm_printk() - format and emit one log line
 * @level: enum uvm_log_level
 * @fmt: printf format; a trailing newline is allowed and dropped
 *
 * Lines at UVM_LOG_WARNING or worse are rate-limited and counted; lines at
 * UVM_LOG_INFO and UVM_LOG_NOTICE are never dropped; UVM_LOG_DEBUG lines are
 * emitted only when debug output is on (uvm_log_set_debug()). Safe to call
 * from any thread; never allocates from the heap (the line is built on the
 * stack, at most UVM_LOG_LINE_MAX bytes, longer lines are cut).
 */
void uvm_printk(int level, const char *fmt, ...) __printf(2, 3);

#define UVM_LOG_LINE_MAX 512

/* Rate-limited kernel-style wrappers. */
#define pr_err(fmt, ...) uvm_printk(UVM_LOG_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) uvm_printk(UVM_LOG_WARNING, fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) uvm_printk(UVM_LOG_NOTICE, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) uvm_printk(UVM_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) uvm_printk(UVM_LOG_DEBUG, fmt, ##__VA_ARGS__)

/**
 * uvm_log_set_debug() - turn UVM_LOG_DEBUG lines on or off
 * @on: non-zero to emit them
 */
void uvm_log_set_debug(int on);

/**
 * uvm_log_reset_ratelimit() - start a fresh rate-limit window
 *
 * Called at boot so that each instance starts with a full burst.
 */
void uvm_log_reset_ratelimit(void);

#endif /* UVM_LIB_LOG_H */
