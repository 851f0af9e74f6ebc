/* SPDX-License-Identifier: MIT */
/*
 * Fault injection with the kernel's knobs and semantics
 * (Documentation/fault-injection): a boot parameter of the form
 * `<interval>,<probability>,<space>,<times>` configures one attribute.
 *
 *  - space: a budget of "size" units; while it lasts, calls consume it and
 *    never fail.
 *  - interval: only every interval-th call (after the space is used up) is a
 *    candidate; 0 or 1 means every call.
 *  - probability: percent chance (0..100) that a candidate fails.
 *  - times: how many failures in all; -1 is no limit.
 */
#ifndef UVM_LIB_FAULT_INJECT_H
#define UVM_LIB_FAULT_INJECT_H

#include <stdatomic.h>

#include "compiler.h"

/**
 * struct fault_attr - one fault injection point's configuration and state
 * @name: the parameter's name, used in the "forcing a failure" line
 * @enabled: set by setup_fault_attr() when probability > 0 and times != 0
 * @probability: percent, 0..100
 * @interval: every interval-th candidate call
 * @times: failures left, -1 for unlimited
 * @space: size units left before failures start
 * @count: calls seen past the space budget
 * @failed: failures forced so far
 * @verbose: print one line per forced failure (rate-limited)
 */
struct fault_attr {
	const char *name;
	int enabled;
	unsigned long probability;
	unsigned long interval;
	atomic_long times;
	atomic_long space;
	atomic_ulong count;
	atomic_ulong failed;
	int verbose;
};

/**
 * fault_attr_init() - set @attr to "never fail"
 * @attr: the attribute
 * @name: its name, kept by pointer
 */
void fault_attr_init(struct fault_attr *attr, const char *name);

/**
 * setup_fault_attr() - configure from `<interval>,<probability>,<space>,<times>`
 * @attr: the attribute (its name is kept)
 * @str: the text; an empty string leaves @attr disabled
 *
 * Return: 0, or -EINVAL (with one warning line naming the attribute) when the
 * text is malformed or the probability is over 100; @attr is then unchanged.
 */
int setup_fault_attr(struct fault_attr *attr, const char *str);

/**
 * should_fail() - decide whether this call fails
 * @attr: the attribute
 * @size: the size of the request, in the attribute's unit
 *
 * Thread-safe. Cheap when disabled (one relaxed load).
 *
 * Return: true to force a failure.
 */
bool should_fail(struct fault_attr *attr, long size);

#endif /* UVM_LIB_FAULT_INJECT_H */
