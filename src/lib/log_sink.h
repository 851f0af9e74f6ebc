/* SPDX-License-Identifier: MIT */
/*
 * The log sink without the library's pr_*() wrappers, for code that has
 * printk() wrappers of its own (the module runtime, src/kmod).
 */
#ifndef UVM_LIB_LOG_SINK_H
#define UVM_LIB_LOG_SINK_H

/**
 * uvm_log_emit() - hand one finished line to the sink, as it is
 * @level: 0 (emergency) .. 7 (debug); the kernel's levels
 * @line: the text, without a trailing newline and without a prefix
 *
 * Not rate-limited and not filtered by level: the caller decided the line
 * is to be printed. Counted in uvm_log_counts().
 */
void uvm_log_emit(int level, const char *line);

#endif /* UVM_LIB_LOG_SINK_H */
