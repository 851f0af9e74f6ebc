#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/kmod/run.sh UVMALLOC
#
# `uvmalloc insmod` and `modinfo` as a user meets them: the examples in
# examples/modules run, and each kind of bad module gets a clear report and
# a non-zero exit, never a hang. Ends with "kmod: N passed, M failed".
set -uo pipefail

prog=${1:?usage: run.sh UVMALLOC}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvmalloc-kmod.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"

passed=0 failed=0
ok() { echo "kmod: ok: $1"; passed=$((passed + 1)); }
bad() { echo "kmod: FAIL: $1" >&2; failed=$((failed + 1)); }

# expect NAME STATUS PATTERN -- COMMAND...: the exit status, and a line of
# the combined output matching PATTERN (an extended regex).
expect()
{
	local name=$1 want=$2 pattern=$3 out status
	shift 4
	out=$(timeout 120 "$@" 2>&1)
	status=$?
	if [[ $status != "$want" ]]; then
		bad "$name: exit status $status, expected $want"
		printf '%s\n' "$out" | tail -n 15 >&2
	elif ! grep -Eq -- "$pattern" <<<"$out"; then
		bad "$name: no line matches /$pattern/"
		printf '%s\n' "$out" | tail -n 15 >&2
	else
		ok "$name"
	fi
}

mod()
{
	cat >"$tmp/$1.c"
}

for example in "$src"/examples/modules/*.c; do
	expect "example $(basename "$example")" 0 . -- \
		"$prog" insmod "$example"
done
expect "hello: the message and the parameter" 0 \
	'hello from 3 vmalloc.ed pages at [0-9a-f]{16}' -- \
	"$prog" insmod "$src/examples/modules/hello_vmalloc.c" pages=3
expect "hello: --time stamps" 0 '^\[ *[0-9]+\.[0-9]{6}\] hello' -- \
	"$prog" insmod --time "$src/examples/modules/hello_vmalloc.c"
expect "modinfo: a parameter and its description" 0 \
	'parm: +pages: How many pages .*\(int, default 1, mode 0444\)' -- \
	"$prog" modinfo "$src/examples/modules/hello_vmalloc.c"
expect "modinfo: the license" 0 '^license: +Dual MIT/GPL' -- \
	"$prog" modinfo "$src/examples/modules/hello_vmalloc.c"

expect "ring: a record read across the end of the ring" 0 \
	'read across the end: "wrapped record"' -- \
	"$prog" insmod "$src/examples/modules/ring_vmap.c" pages=3
expect "ring: both mappings agree" 0 'both mappings show the same 3 pages' -- \
	"$prog" insmod "$src/examples/modules/ring_vmap.c" pages=3
expect "stress: many kthreads, no errors" 0 \
	'^16 kthreads x 500 rounds: [0-9]+ us, 0 errors$' -- \
	"$prog" -b nr_cpus=4 insmod "$src/examples/modules/kthread_stress.c" \
	threads=16 loops=500

mod levels <<'C'
#include <linux/module.h>
static int __init levels_init(void)
{
	pr_info("shown info\n");
	pr_debug("hidden debug\n");
	printk(KERN_DEBUG "hidden printk debug\n");
	pr_info("first");
	pr_cont(" second\n");
	return -EAGAIN;
}
module_init(levels_init);
MODULE_LICENSE("GPL");
C
expect "levels: -EAGAIN unloads, exit 0" 0 '^shown info$' -- \
	"$prog" insmod "$tmp/levels.c"
expect "levels: pr_cont joins the line" 0 '^first second$' -- \
	"$prog" insmod "$tmp/levels.c"
if "$prog" insmod "$tmp/levels.c" 2>&1 | grep -q hidden; then
	bad "levels: a KERN_DEBUG line was printed"
else
	ok "levels: KERN_DEBUG is not printed by default"
fi
expect "levels: --loglevel=8 prints KERN_DEBUG" 0 'hidden printk debug' -- \
	"$prog" insmod --loglevel=8 "$tmp/levels.c"

mod fails <<'C'
#include <linux/module.h>
static int __init fails_init(void) { return -ENODEV; }
module_init(fails_init);
C
expect "init error: named" 1 'could not insert module .*No such device.*ENODEV' -- \
	"$prog" insmod "$tmp/fails.c"

mod syntax <<'C'
#include <linux/module.h>
static int __init syntax_init(void) { return 0 }
module_init(syntax_init);
C
expect "compile error: the compiler's message" 1 'syntax\.c:2:.*error' -- \
	"$prog" insmod "$tmp/syntax.c"

mod noinit <<'C'
#include <linux/module.h>
MODULE_LICENSE("GPL");
C
expect "no init function" 1 'has no init function' -- \
	"$prog" insmod "$tmp/noinit.c"

expect "unknown parameter: the valid ones listed" 2 \
	"unknown parameter 'nope' \(parameters: pages:int\)" -- \
	"$prog" insmod "$src/examples/modules/hello_vmalloc.c" nope=1
expect "malformed parameter" 2 "'many' invalid for parameter 'pages'" -- \
	"$prog" insmod "$src/examples/modules/hello_vmalloc.c" pages=many
expect "parameter out of range" 2 "invalid for parameter 'pages' \(int out of range\)" -- \
	"$prog" insmod "$src/examples/modules/hello_vmalloc.c" pages=99999999999

mod uapi <<'C'
#include <linux/module.h>
#include <linux/netlink.h>
static int __init uapi_init(void) { return 0; }
module_init(uapi_init);
C
expect "a header we do not provide: named, not the host's" 1 \
	'uapi\.c:2: <linux/netlink\.h> is not a header uvmalloc provides' -- \
	"$prog" insmod "$tmp/uapi.c"

mod guard <<'C'
#include <linux/module.h>
#include <linux/vmalloc.h>
static noinline void touch(char *p) { p[PAGE_SIZE] = 1; }
static int __init guard_init(void)
{
	char *p = vmalloc(PAGE_SIZE);

	if (!p)
		return -ENOMEM;
	touch(p);
	return 0;
}
module_init(guard_init);
C
expect "fault: the guard page and its area" 1 \
	'guard page of the vmalloc area:' -- "$prog" insmod "$tmp/guard.c"
expect "fault: the area as vmallocinfo names it" 1 \
	'0x[0-9a-f]{16}-0x[0-9a-f]{16} +8192 guard_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[guard\] pages=1 vmalloc' -- \
	"$prog" insmod "$tmp/guard.c"
expect "fault: the module's function in the trace" 1 'RIP: touch\+0x[0-9a-f]+/0x[0-9a-f]+ \[guard\]' -- \
	"$prog" insmod "$tmp/guard.c"

mod leak <<'C'
#include <linux/module.h>
#include <linux/vmalloc.h>
static noinline void *keep(void) { return vmalloc(3 * PAGE_SIZE); }
static int __init leak_init(void) { return keep() ? 0 : -ENOMEM; }
module_init(leak_init);
C
expect "leak: each area with its caller" 1 '(keep|leak_init)\+0x[0-9a-f]+/0x[0-9a-f]+ \[leak\] pages=3 vmalloc' -- \
	"$prog" insmod "$tmp/leak.c"

mod hang <<'C'
#include <linux/module.h>
#include <linux/delay.h>
static int __init hang_init(void) { for (;;) msleep(100); return 0; }
module_init(hang_init);
C
expect "never returns: --timeout" 1 'init did not return within 1 s' -- \
	"$prog" insmod --timeout=1 "$tmp/hang.c"

mod threads <<'C'
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/srcu.h>
#include <linux/rcupdate.h>
#include <linux/vmalloc.h>
DEFINE_STATIC_SRCU(gate);
static DECLARE_COMPLETION(done);
static atomic_t left = ATOMIC_INIT(8);
struct obj { struct rcu_head rcu; int v; };
static int worker(void *arg)
{
	struct obj *o;

	synchronize_srcu(&gate); /* held until init opens the gate */
	o = vmalloc(PAGE_SIZE);
	if (o) {
		o->v = 1;
		kvfree_rcu(o, rcu);
	}
	if (atomic_dec_and_test(&left))
		complete(&done);
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}
static int __init threads_init(void)
{
	struct task_struct *t[8];
	int i, idx = srcu_read_lock(&gate);

	for (i = 0; i < 8; i++)
		t[i] = kthread_run(worker, NULL, "worker/%d", i);
	msleep(20);
	if (completion_done(&done))
		pr_err("a worker passed synchronize_srcu() early\n");
	srcu_read_unlock(&gate, idx);
	while (!wait_for_completion_timeout(&done, HZ))
		;
	for (i = 0; i < 8; i++)
		kthread_stop(t[i]);
	rcu_barrier();
	pr_info("all 8 workers done\n");
	return 0;
}
module_init(threads_init);
C
expect "kthreads, SRCU, completion, kvfree_rcu" 0 '^all 8 workers done$' -- \
	"$prog" insmod "$tmp/threads.c"
if "$prog" insmod "$tmp/threads.c" 2>&1 | grep -q early; then
	bad "srcu: a worker passed synchronize_srcu() while a reader held it"
else
	ok "srcu: synchronize_srcu() waits for the reader"
fi

expect "usage: not a module file" 2 'neither a module source' -- \
	"$prog" insmod "$tmp/levels.txt"
expect "usage: unknown option" 2 "unknown option '--bogus'" -- \
	"$prog" insmod --bogus "$tmp/levels.c"

echo "kmod: $passed passed, $failed failed"
((failed == 0))
