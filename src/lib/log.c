/* SPDX-License-Identifier: MIT */
/*
 * uvm_printk(): the one place every message goes through.
 *
 * A line is built on the stack ("uvmalloc: " + the formatted message, cut at
 * UVM_LOG_LINE_MAX bytes), passed through a printk_ratelimit()-style limiter
 * when it is a warning or worse, counted, and handed to the sink. The sink and
 * the limiter's window share one small lock; the sink itself is called with
 * the lock dropped, so a sink may log again without deadlocking.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_sink.h"
#include "spinlock.h"

#define LOG_PREFIX "uvmalloc: "
#define LOG_PREFIX_LEN (sizeof(LOG_PREFIX) - 1)

/* printk_ratelimit(): 10 lines per 5 seconds. */
#define RATELIMIT_BURST 10
#define RATELIMIT_INTERVAL_NS (5LL * 1000000000LL)

static void default_sink(int level, const char *line, void *arg);

/*
 * Everything under log_lock: the sink and its cookie (so they are always read
 * as a pair) and the rate-limit window.
 */
static spinlock_t log_lock = __SPIN_LOCK_UNLOCKED;
static uvm_log_fn log_sink = default_sink;
static void *log_sink_arg;
static bool rl_started;		/* a window is open */
static long long rl_begin;	/* its start, CLOCK_MONOTONIC nanoseconds */
static unsigned int rl_printed; /* lines emitted in it */
static unsigned long rl_missed; /* lines dropped since the last report */

static atomic_int log_debug;
static atomic_ulong log_warnings;
static atomic_ulong log_suppressed;
static atomic_ulong log_total;

static void default_sink(int level, const char *line, void *arg)
{
	char buf[UVM_LOG_LINE_MAX + 1];
	size_t len = strnlen(line, UVM_LOG_LINE_MAX);
	size_t off = 0;

	(void)level;
	(void)arg;
	memcpy(buf, line, len);
	buf[len++] = '\n';
	/* One write(2) for the whole line so threads' lines never mix. */
	while (off < len) {
		ssize_t n = write(STDERR_FILENO, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		off += (size_t)n;
	}
}

void uvm_set_log(uvm_log_fn fn, void *arg)
{
	spin_lock(&log_lock);
	if (fn) {
		log_sink = fn;
		log_sink_arg = arg;
	} else {
		log_sink = default_sink;
		log_sink_arg = NULL;
	}
	spin_unlock(&log_lock);
}

void uvm_log_counts(struct uvm_log_counts *counts)
{
	counts->warnings =
		atomic_load_explicit(&log_warnings, memory_order_relaxed);
	counts->suppressed =
		atomic_load_explicit(&log_suppressed, memory_order_relaxed);
	counts->total = atomic_load_explicit(&log_total, memory_order_relaxed);
}

void uvm_log_set_debug(int on)
{
	atomic_store_explicit(&log_debug, !!on, memory_order_relaxed);
}

void uvm_log_reset_ratelimit(void)
{
	spin_lock(&log_lock);
	rl_started = false;
	rl_begin = 0;
	rl_printed = 0;
	rl_missed = 0;
	spin_unlock(&log_lock);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The limiter, called with log_lock held. Returns whether the line may go
 * out; *@report is set to the number of lines dropped in the window that just
 * closed, which the caller announces first.
 */
static bool ratelimit_ok(long long now, unsigned long *report)
{
	*report = 0;
	if (!rl_started || now - rl_begin >= RATELIMIT_INTERVAL_NS) {
		*report = rl_missed;
		rl_missed = 0;
		rl_started = true;
		rl_begin = now;
		rl_printed = 0;
	}
	if (rl_printed < RATELIMIT_BURST) {
		rl_printed++;
		return true;
	}
	rl_missed++;
	return false;
}

void uvm_printk(int level, const char *fmt, ...)
{
	char line[UVM_LOG_LINE_MAX];
	bool limited = level <= UVM_LOG_WARNING;
	unsigned long report = 0;
	uvm_log_fn fn;
	void *arg;
	size_t len;
	va_list ap;
	bool ok = true;
	long long now = 0;
	int n;

	if (level >= UVM_LOG_DEBUG &&
	    !atomic_load_explicit(&log_debug, memory_order_relaxed))
		return;

	/* The sink and vsnprintf() may take stdio's locks and the heap. */
	uvm_call_enter();
	atomic_fetch_add_explicit(&log_total, 1, memory_order_relaxed);
	if (limited) {
		atomic_fetch_add_explicit(&log_warnings, 1,
					  memory_order_relaxed);
		now = now_ns();
	}

	spin_lock(&log_lock);
	if (limited)
		ok = ratelimit_ok(now, &report);
	fn = log_sink;
	arg = log_sink_arg;
	spin_unlock(&log_lock);

	if (report) {
		char msg[UVM_LOG_LINE_MAX];

		snprintf(msg, sizeof(msg),
			 LOG_PREFIX "uvm_printk: %lu callbacks suppressed",
			 report);
		fn(UVM_LOG_WARNING, msg, arg);
	}
	if (!ok) {
		atomic_fetch_add_explicit(&log_suppressed, 1,
					  memory_order_relaxed);
		goto out;
	}

	memcpy(line, LOG_PREFIX, LOG_PREFIX_LEN);
	va_start(ap, fmt);
	n = vsnprintf(line + LOG_PREFIX_LEN, sizeof(line) - LOG_PREFIX_LEN, fmt,
		      ap);
	va_end(ap);
	if (n < 0) {
		n = 0;
		line[LOG_PREFIX_LEN] = '\0';
	}
	/* vsnprintf() cut a long line; drop one trailing newline otherwise. */
	len = strlen(line);
	if ((size_t)n == len - LOG_PREFIX_LEN && n > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';

	fn(level, line, arg);
out:
	uvm_call_leave();
}

void uvm_log_emit(int level, const char *line)
{
	uvm_log_fn fn;
	void *arg;

	uvm_call_enter();
	atomic_fetch_add_explicit(&log_total, 1, memory_order_relaxed);
	if (level <= UVM_LOG_WARNING)
		atomic_fetch_add_explicit(&log_warnings, 1,
					  memory_order_relaxed);
	spin_lock(&log_lock);
	fn = log_sink;
	arg = log_sink_arg;
	spin_unlock(&log_lock);
	fn(level, line, arg);
	uvm_call_leave();
}
