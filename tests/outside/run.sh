#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/outside/run.sh BUILD_DIR [CMAKE]
#
# Installs the build in BUILD_DIR into a scratch prefix, then builds
# tests/outside/prog.c against that installation the ways a user would and
# runs each program:
#   1. cc prog.c $(pkg-config --cflags --libs uvmalloc)            (shared)
#   2. cc -static prog.c $(pkg-config --static --cflags --libs uvmalloc)
#   3. find_package(uvmalloc) with uvmalloc::uvmalloc and
#      uvmalloc::uvmalloc_static                       (tests/outside/cmake)
#   4. kernel_style.c, kernel code that includes only <linux/vmalloc.h>,
#      shared and static, through pkg-config
# CC picks the compiler (default cc). Each program gets UVM_OUTSIDE_TIMEOUT
# seconds (default 60). UVM_OUTSIDE_KEEP=1 keeps the scratch directory for a
# look afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [CMAKE]}" && pwd)
cmake=${2:-cmake}
cc=${CC:-cc}
limit=${UVM_OUTSIDE_TIMEOUT:-60}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvmalloc-outside.XXXXXX")
if [[ ${UVM_OUTSIDE_KEEP:-0} == 1 ]]; then
	echo "outside: keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

fail()
{
	echo "outside: FAIL: $*" >&2
	exit 1
}

step()
{
	echo "outside: $*"
}

# check_output NAME FILE: the program's stdout must show the message it
# wrote into the pages, a page frame number, buddyinfo, and end with the
# success line.
check_output()
{
	local name=$1 out=$2

	grep -qx 'page_address: hello from four physically contiguous pages' \
		"$out" || fail "$name: the message written to the pages is missing"
	grep -Eqx 'page_to_pfn: [0-9]+' "$out" ||
		fail "$name: no page frame number"
	grep -Eq '^Node +0, zone ' "$out" || fail "$name: no buddyinfo lines"
	[[ $(tail -n 1 "$out") == 'outside program: ok' ]] ||
		fail "$name: the last line is not 'outside program: ok'"
}

# run NAME PROGRAM [ENV...]: run it, show its output, check it.
run()
{
	local name=$1 prog=$2 out="$tmp/$1.out"

	shift 2
	step "running $name"
	local status=0
	timeout "$limit" env "$@" "$prog" >"$out" || status=$?
	if ((status == 124)); then
		cat "$out"
		fail "$name did not finish within $limit seconds"
	elif ((status != 0)); then
		cat "$out"
		fail "$name exited with status $status"
	fi
	sed 's/^/    /' "$out"
	check_output "$name" "$out"
}

needed()
{
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

prefix="$tmp/prefix"
step "installing $build into $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
	cat "$tmp/install.log"
	fail "cmake --install failed"
}

# GNUInstallDirs picks lib, lib64 or lib/<multiarch>: find where it went.
pc=$(find "$prefix" -name uvmalloc.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n $pc ]] || fail "no uvmalloc.pc installed under $prefix"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in "$prefix/include/uvmalloc.h" "$prefix/include/uvmalloc/linux/gfp.h" \
	"$prefix/include/uvmalloc/linux/mm.h" "$libdir/libuvmalloc.a" \
	"$libdir/libuvmalloc.so" \
	"$libdir/cmake/uvmalloc/uvmallocConfig.cmake" \
	"$libdir/cmake/uvmalloc/uvmallocConfigVersion.cmake"; do
	[[ -e $f ]] || fail "not installed: ${f#"$prefix"/}"
done
[[ -x $prefix/bin/uvmalloc ]] || fail "not installed: bin/uvmalloc"

# The SONAME carries the ABI version (libuvmalloc.so.0.1 before 1.0).
soname=$(readelf -d "$libdir/libuvmalloc.so" |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname =~ ^libuvmalloc\.so\.[0-9]+(\.[0-9]+)?$ ]] ||
	fail "libuvmalloc.so has no versioned SONAME (got '$soname')"
[[ -e $libdir/$soname ]] || fail "not installed: $soname"
step "SONAME $soname"

export PKG_CONFIG_PATH="$pcdir"
pkg-config --exists uvmalloc || fail "pkg-config cannot read $pc"
step "pkg-config: $(pkg-config --cflags --libs uvmalloc)"

# 1. Shared library, through pkg-config.
step "building prog_shared with $cc and pkg-config"
# shellcheck disable=SC2046 # pkg-config's output is meant to be split
"$cc" -Wall -Wextra -Werror "$here/prog.c" \
	$(pkg-config --cflags --libs uvmalloc) -o "$tmp/prog_shared"
needed "$tmp/prog_shared" | grep -qxF "$soname" ||
	fail "prog_shared does not load $soname"
run prog_shared "$tmp/prog_shared" LD_LIBRARY_PATH="$libdir"

# 2. Fully static, through pkg-config --static (picks libuvmalloc.a).
step "building prog_static with $cc -static and pkg-config --static"
# shellcheck disable=SC2046
"$cc" -static -Wall -Wextra -Werror "$here/prog.c" \
	$(pkg-config --static --cflags --libs uvmalloc) -o "$tmp/prog_static"
if readelf -d "$tmp/prog_static" 2>/dev/null | grep -q '(NEEDED)'; then
	fail "prog_static is not statically linked"
fi
run prog_static "$tmp/prog_static"

# 3. The CMake package. The programs find the shared library through the
# build tree's RPATH, so no LD_LIBRARY_PATH here.
step "building with find_package(uvmalloc)"
"$cmake" -S "$here/cmake" -B "$tmp/cmake-build" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
	>"$tmp/cmake.log" 2>&1 || {
	cat "$tmp/cmake.log"
	fail "configuring tests/outside/cmake failed"
}
"$cmake" --build "$tmp/cmake-build" >"$tmp/cmake-build.log" 2>&1 || {
	cat "$tmp/cmake-build.log"
	fail "building tests/outside/cmake failed"
}
needed "$tmp/cmake-build/prog_shared" | grep -qxF "$soname" ||
	fail "cmake prog_shared does not load $soname"
if needed "$tmp/cmake-build/prog_static" | grep -q '^libuvmalloc'; then
	fail "cmake prog_static loads libuvmalloc"
fi
run cmake_prog_shared "$tmp/cmake-build/prog_shared"
run cmake_prog_static "$tmp/cmake-build/prog_static"

# 4. Kernel-style code: vmalloc a page, sprintf into it, print it, vfree.
for kind in shared static; do
	flags=() pc=()
	if [[ $kind == static ]]; then
		flags=(-static)
		pc=(--static)
	fi
	step "building kernel_style_$kind with pkg-config ${pc[*]}"
	# shellcheck disable=SC2046
	"$cc" "${flags[@]}" -Wall -Wextra -Werror "$here/kernel_style.c" \
		$(pkg-config "${pc[@]}" --cflags --libs uvmalloc) \
		-o "$tmp/kernel_style_$kind"
	out="$tmp/kernel_style_$kind.out"
	step "running kernel_style_$kind"
	timeout "$limit" env LD_LIBRARY_PATH="$libdir" \
		"$tmp/kernel_style_$kind" >"$out" 2>"$out.err" ||
		fail "kernel_style_$kind exited with status $?: $(cat "$out.err")"
	sed 's/^/    /' "$out"
	grep -Eqx 'hello from vmalloc at 0x[0-9a-f]+, 4096 bytes' "$out" ||
		fail "kernel_style_$kind did not print its vmalloc'ed string"
	[[ ! -s $out.err ]] ||
		fail "kernel_style_$kind printed to stderr: $(cat "$out.err")"
done

echo "outside: all 6 programs ok"
