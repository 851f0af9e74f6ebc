#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/newcomer/run.sh [SOURCE_DIR]
#
# The project as a newcomer meets it, on a machine without the test runner:
# the committed tree (`git archive HEAD`, or a copy of SOURCE_DIR when it
# is not a git checkout) in a scratch folder, Criterion hidden from
# pkg-config, then
#   1. `make run` builds and runs the demo;
#   2. a plain `cmake -S . -B build` configures (the tests skipped, with
#      one line saying how to get them), builds, and installs into a
#      scratch prefix;
#   3. every C example in README.md builds through `pkg-config uvmalloc`
#      and runs;
#   4. the same examples build with find_package(uvmalloc) in a CMake
#      project of their own (tests/newcomer/cmake) and run;
#   5. the installed `uvmalloc demo` runs.
# It ends with "newcomer: N passed, M failed"; any failure fails it. CC
# picks the compiler (default cc). UVM_NEWCOMER_KEEP=1 keeps the scratch
# folder for a look afterwards.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "${1:-$here/../..}" && pwd)
cc=${CC:-cc}
limit=${UVM_NEWCOMER_TIMEOUT:-120}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvmalloc-newcomer.XXXXXX")
if [[ ${UVM_NEWCOMER_KEEP:-0} == 1 ]]; then
	echo "newcomer: keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

passed=0
failed=0

# check NAME COMMAND...: run it with its output in a log; show the log's
# end when it fails.
check()
{
	local name=$1 log="$tmp/log.$((passed + failed))"

	shift
	if timeout "$limit" "$@" >"$log" 2>&1; then
		echo "newcomer: ok: $name"
		passed=$((passed + 1))
		return 0
	fi
	echo "newcomer: FAIL: $name (exit $?); the end of its output:"
	tail -n 20 "$log" | sed 's/^/    /'
	failed=$((failed + 1))
	return 1
}

finish()
{
	echo "newcomer: $passed passed, $failed failed"
	((failed == 0))
	exit
}

# The tree as committed: what a clone gets, not what lies around here.
tree="$tmp/uvmalloc"
mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$src" archive --format=tar HEAD | tar -x -C "$tree" || {
		echo "newcomer: FAIL: git archive HEAD"
		failed=1
		finish
	}
	echo "newcomer: the tree of $(git -C "$src" rev-parse --short HEAD)"
else
	(cd "$src" && tar -c --exclude='./build*' .) | tar -x -C "$tree"
	echo "newcomer: a copy of $src (not a git checkout)"
fi

# No test runner: pkg-config sees an empty folder and nothing else.
nopc="$tmp/no-pkgconfig"
mkdir -p "$nopc"
export PKG_CONFIG_LIBDIR=$nopc PKG_CONFIG_PATH=$nopc
if pkg-config --exists criterion 2>/dev/null; then
	echo "newcomer: FAIL: Criterion is still visible to pkg-config"
	failed=1
	finish
fi

# 1. make run.
check "make run" make -C "$tree" run
grep -q 'all invariants hold' "$tmp/log.0" || {
	echo "newcomer: FAIL: make run did not end its demo cleanly"
	failed=$((failed + 1))
}

# 2. A plain CMake build and install.
build="$tmp/build" prefix="$tmp/prefix"
if check "cmake configure" cmake -S "$tree" -B "$build"; then
	conf_log="$tmp/log.$((passed + failed - 1))"
	if grep -q 'Tests skipped: Criterion not found' "$conf_log"; then
		echo "newcomer: ok: the configure says the tests are skipped"
		passed=$((passed + 1))
	else
		echo "newcomer: FAIL: no line saying the tests are skipped"
		failed=$((failed + 1))
	fi
fi
check "cmake --build" cmake --build "$build" -j "${JOBS:-2}" &&
	check "cmake --install" cmake --install "$build" --prefix "$prefix" ||
	finish

pc=$(find "$prefix" -name uvmalloc.pc -path '*/pkgconfig/*' | head -n 1)
libdir=$(dirname "$(dirname "$pc")")

# 3. The README's examples, as a reader copies them.
examples="$tmp/examples"
mkdir -p "$examples"
awk -v dir="$examples" '
/^```c$/ { n++; file = sprintf("%s/readme_example_%d.c", dir, n); next }
/^```/ { file = ""; next }
file != "" { print > file }
' "$tree/README.md"
mapfile -t sources < <(find "$examples" -name '*.c' | sort)
if ((${#sources[@]} == 0)); then
	echo "newcomer: FAIL: README.md has no C example"
	failed=$((failed + 1))
fi
for c in "${sources[@]}"; do
	name=$(basename "$c" .c)
	# shellcheck disable=SC2046 # pkg-config's output is meant to be split
	check "$name: cc \$(pkg-config --cflags --libs uvmalloc)" \
		env PKG_CONFIG_LIBDIR="$(dirname "$pc")" \
		sh -c "$cc -Wall -Wextra \"$c\" -o \"$tmp/$name\" \
			\$(pkg-config --cflags --libs uvmalloc)" &&
		check "$name runs" env LD_LIBRARY_PATH="$libdir" "$tmp/$name"
done

# 4. The same examples through find_package(uvmalloc).
if check "find_package(uvmalloc): configure" cmake -S "$here/cmake" \
	-B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$cc" -DEXAMPLES_DIR="$examples" &&
	check "find_package(uvmalloc): build" cmake --build "$tmp/cmake-build"; then
	for c in "${sources[@]}"; do
		name=$(basename "$c" .c)
		check "find_package(uvmalloc): $name runs" \
			"$tmp/cmake-build/$name"
	done
fi

# 5. The installed program.
check "installed uvmalloc demo" "$prefix/bin/uvmalloc" demo

finish
