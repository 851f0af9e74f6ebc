#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/cli/run.sh UVMALLOC
#
# Runs the command-line program UVMALLOC through every command's success
# path and through the bad command lines it must refuse:
#   exit 0  with the expected text on stdout;
#   exit 2  (misuse) with exactly one line on stderr saying why and nothing
#           on stdout;
#   exit 1  (a runtime failure) when the boot fails.
# It also checks that the demo's MemFree grows once its lazily freed areas
# are purged. One line per check, then "cli: N passed, M failed"; the exit
# status is 1 when any check failed.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 UVMALLOC (the uvmalloc program)" >&2
	exit 2
fi
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The checks describe the program on its defaults.
unset UVMALLOC_CMDLINE

passed=0
failed=0
rc=0

pass()
{
	passed=$((passed + 1))
	echo "ok   $1"
}

fail()
{
	failed=$((failed + 1))
	echo "FAIL $1: $2"
}

# expect NAME WHY COMMAND...: pass when COMMAND succeeds, else fail for WHY.
expect()
{
	local name=$1 why=$2

	shift 2
	if "$@"; then
		pass "$name"
	else
		fail "$name" "$why"
	fi
}

# Run the program with "$@"; stdout, stderr and status go to $tmp and $rc.
run()
{
	timeout 20 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# Lines in a file, a last line without its newline counted too.
lines()
{
	awk 'END { print NR }' "$1"
}

first_err()
{
	head -n 1 "$tmp/err"
}

# expect_ok NAME PATTERN ARGS...: exit 0 and, unless PATTERN is empty, a
# stdout line matching the extended regular expression PATTERN.
expect_ok()
{
	local name=$1 pattern=$2

	shift 2
	run "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc, expected 0 ($(first_err))"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out"; then
		fail "$name" "no stdout line matches /$pattern/"
	else
		pass "$name"
	fi
}

# expect_misuse NAME PATTERN ARGS...: exit 2, nothing on stdout, and one
# line on stderr, matching PATTERN.
expect_misuse()
{
	local name=$1 pattern=$2 n

	shift 2
	run "$@"
	n=$(lines "$tmp/err")
	if [ "$rc" -ne 2 ]; then
		fail "$name" "exit $rc, expected 2"
	elif [ "$n" -ne 1 ]; then
		fail "$name" "$n lines on stderr, expected 1"
	elif [ -s "$tmp/out" ]; then
		fail "$name" "$(lines "$tmp/out") lines on stdout, expected none"
	elif ! grep -qE -- "$pattern" "$tmp/err"; then
		fail "$name" "stderr '$(first_err)' does not match /$pattern/"
	else
		pass "$name"
	fi
}

# expect_failure NAME PATTERN ARGS...: exit 1, PATTERN on stderr.
expect_failure()
{
	local name=$1 pattern=$2

	shift 2
	run "$@"
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit $rc, expected 1"
	elif ! grep -qE -- "$pattern" "$tmp/err"; then
		fail "$name" "no stderr line matches /$pattern/"
	else
		pass "$name"
	fi
}

subs="demo info check walk"

# --- help -----------------------------------------------------------------

expect_ok "--help" '^usage: uvmalloc \[-b CMDLINE\] COMMAND' --help
expect_ok "-h" '^usage: uvmalloc \[-b CMDLINE\] COMMAND' -h
expect_ok "--help lists exit statuses" '^  2  misuse' --help
for sub in $subs; do
	expect "--help lists $sub" "missing" grep -qE "^  $sub( |\$)" "$tmp/out"
done
for sub in $subs; do
	expect_ok "$sub --help" "^usage: uvmalloc \\[-b CMDLINE\\] $sub" \
		"$sub" --help
	expect_ok "$sub -h" "^usage: uvmalloc \\[-b CMDLINE\\] $sub" "$sub" -h
	expect_ok "$sub --help documents exit status" '^exit status' \
		"$sub" --help
done
expect_ok "-b CMDLINE walk --help (no boot)" '^usage: ' -b kva=bogus walk \
	--help

# --- success paths --------------------------------------------------------

expect_ok "demo" '^uvm_check: all invariants hold$' demo
expect_ok "check" '^uvm_check: 0 violation\(s\)$' check
expect_ok "info vmallocinfo" '' info vmallocinfo
expect_ok "info buddyinfo" '^Node 0, zone ' info buddyinfo
expect_ok "info pagetypeinfo" '^Page block order' info pagetypeinfo
expect_ok "info zoneinfo" 'pages free' info zoneinfo
expect_ok "info meminfo" '^MemFree: +[0-9]+ kB$' info meminfo
expect_ok "info layout" '^Zone ranges:' info layout
expect_ok "info config" '^mem ' info config
expect_ok "-b CMDLINE info config" '^numa +2 ' -b "mem=512M numa=2" \
	info config
expect_ok "-bCMDLINE info config" '^numa +2 ' -bnuma=2 info config
expect_ok "walk (demonstration)" '^walk of 0x[0-9a-f]+, [345] levels' walk
expect_ok "walk +0 (window start)" '^walk of 0x[0-9a-f]+, [345] levels \(' \
	walk +0
if grep -q 'outside' "$tmp/out"; then
	fail "walk +0 is inside the window" "walk says outside"
else
	pass "walk +0 is inside the window"
fi
expect_ok "walk 0 (outside the window)" 'outside the vmalloc window' walk 0
expect_ok "walk 0xffffffffffff (4-level top)" '^walk of 0xffffffffffff,' \
	-b pgtable_levels=4 walk 0xffffffffffff
expect_ok "walk two addresses" '^walk of 0x1,' walk 0x1 +1
expect "walk two addresses walks both" "not two walks" \
	test "$(grep -c '^walk of' "$tmp/out")" -eq 2

# --- misuse ---------------------------------------------------------------

expect_misuse "no command" '^uvmalloc: missing COMMAND'
expect_misuse "unknown option --bogus" "^uvmalloc: unknown option '--bogus'" \
	--bogus
expect_misuse "unknown option -x" "^uvmalloc: unknown option '-x'" -x demo
expect_misuse "unknown command" "^uvmalloc: unknown command 'bogus'" bogus
expect_misuse "-b without CMDLINE" "^uvmalloc: option '-b' needs" -b
for sub in $subs; do
	expect_misuse "$sub --bogus" "^uvmalloc: $sub: unknown option '--bogus'" \
		"$sub" --bogus
done
expect_misuse "demo extra" "^uvmalloc: demo: unexpected argument 'extra'$" \
	demo extra
expect_misuse "check extra" "^uvmalloc: check: unexpected argument 'extra'$" \
	check extra
expect_misuse "info meminfo extra" \
	"^uvmalloc: info: unexpected argument 'extra'$" info meminfo extra
expect_misuse "walk 0 extra" "^uvmalloc: walk: 'extra' is not an address" \
	walk 0 extra
expect_misuse "info without FILE" '^uvmalloc: info: missing FILE' info
expect_misuse "info unknown FILE" "^uvmalloc: info: unknown file 'bogus'" \
	info bogus
for addr in +999999999999999999 -1 0x 12junk 99999999999999999999999 \
	10000000000000000 '' + ++1 ' 12' 0x-1; do
	expect_misuse "walk '$addr'" "^uvmalloc: walk: '.*' is not an address" \
		walk "$addr"
done
expect_misuse "walk +OFFSET past the window" \
	"^uvmalloc: walk: '\\+ffffffffffffffff' is outside the vmalloc window" \
	walk +ffffffffffffffff
expect_misuse "walk beyond 4-level tables" \
	"^uvmalloc: walk: '1000000000000' is beyond what 4-level" \
	-b pgtable_levels=4 walk 1000000000000
expect_misuse "walk bad ADDR after a good one" "is not an address" \
	walk +0 12junk
expect_misuse "misuse before a bad boot" "^uvmalloc: check: unexpected" \
	-b kva=bogus check extra

# --- runtime failures -----------------------------------------------------

expect_failure "-b 'kva=bogus' demo" "^uvmalloc: boot failed" -b kva=bogus demo
expect "boot failure names the parameter" "no 'kva' on stderr" \
	grep -q "kva" "$tmp/err"
expect "boot failure prints nothing on stdout" "$(lines "$tmp/out") lines" \
	test ! -s "$tmp/out"
UVMALLOC_CMDLINE=kva=bogus expect_failure "\$UVMALLOC_CMDLINE=kva=bogus check" \
	"^uvmalloc: boot failed" check
if [ -w /dev/full ]; then
	timeout 20 "$bin" --help >/dev/full 2>/dev/null
	rc=$?
	expect "--help >/dev/full exits 1" "exit $rc" test "$rc" -eq 1
fi

# --- the demo's purge -----------------------------------------------------

run demo
cp "$tmp/out" "$tmp/demo"
read -r lazy purged < <(awk '
	/^== / { sec = $0 }
	/^MemFree: +[0-9]+ kB$/ && sec ~ /not yet purged/ { lazy = $2 }
	/^MemFree: +[0-9]+ kB$/ && sec ~ /vm_unmap_aliases/ { purged = $2 }
	END { print (lazy == "" ? "-" : lazy), (purged == "" ? "-" : purged) }
' "$tmp/demo")
if ! [[ $lazy =~ ^[0-9]+$ && $purged =~ ^[0-9]+$ ]]; then
	fail "demo MemFree grows after the purge" \
		"MemFree lines not found (lazy '$lazy', purged '$purged')"
elif [ "$purged" -le "$lazy" ]; then
	fail "demo MemFree grows after the purge" "$lazy kB -> $purged kB"
else
	pass "demo MemFree grows after the purge ($lazy kB -> $purged kB)"
fi
unpurged=$(awk '/^== / { sec = $0 } / unpurged vm_area$/ {
	n[sec ~ /vm_unmap_aliases/ ? "after" : "before"]++ }
	END { print n["before"] + 0, n["after"] + 0 }' "$tmp/demo")
expect "demo unpurged areas gone after the purge" \
	"unpurged lines before, after: $unpurged" \
	grep -qE '^[1-9][0-9]* 0$' <<<"$unpurged"
expect "demo explains the lazy state" "no 'lazy:' line" \
	grep -q '^lazy: freed vmalloc areas keep their pages' "$tmp/demo"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
