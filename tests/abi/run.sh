#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/abi/run.sh BUILD_DIR [CMAKE]
#
# The ABI of libuvmalloc.so is exactly what its installed headers declare.
# Installs BUILD_DIR into a scratch prefix, lists every function the
# installed headers declare (gcc -aux-info over a file that includes them
# all; static inline helpers are not part of the ABI) and every symbol the
# installed shared library exports, and fails unless the two lists are the
# same: a declared function the library does not export, or an export no
# header declares (an internal name that could clash with a program's own),
# is named. Also: every export is a function, <uvmalloc.h> declares only
# uvm_* names (the <linux/...> headers declare kernel names, and the uvm_*
# functions behind macros such as VMALLOC_START), and the library has a
# versioned SONAME.
#
# Exits 77 (skipped) when gcc, which -aux-info needs, is missing.
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD_DIR [CMAKE]}" && pwd)
cmake=${2:-cmake}

command -v gcc >/dev/null || {
	echo "abi: gcc not found (needed for -aux-info): skipped"
	exit 77
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvmalloc-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail()
{
	echo "abi: FAIL: $*" >&2
	exit 1
}

prefix="$tmp/prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
	cat "$tmp/install.log"
	fail "cmake --install failed"
}
lib=$(find "$prefix" -name libuvmalloc.so | head -n 1)
[[ -n $lib ]] || fail "no libuvmalloc.so installed under $prefix"
inc="$prefix/include"

# Every installed header, included once each.
mapfile -t headers < <(cd "$inc" && find . -name '*.h' | sed 's|^\./||' |
	sort)
((${#headers[@]})) || fail "no headers installed under $inc"
# The module headers (uvmalloc/kmod/linux/*.h) are included as modules
# include them, with their folder first on the path.
for h in "${headers[@]}"; do
	h=${h#uvmalloc/}
	h=${h#kmod/}
	echo "#include <$h>"
done | sort -u >"$tmp/all.c"
gcc -std=gnu11 -I"$inc/uvmalloc/kmod" -I"$inc" -I"$inc/uvmalloc" \
	-fsyntax-only \
	-aux-info "$tmp/aux" "$tmp/all.c" ||
	fail "the installed headers do not compile together"

# -aux-info writes one line per declaration:
#   /* FILE:LINE:NC */ extern void *vmalloc (long unsigned int);
# N/O = prototype or not, C/F = declaration or definition. Definitions in
# a header are static inline helpers, not exported by design.
# names FILE-PREFIX: the functions declared in installed files whose path
# starts with FILE-PREFIX.
names()
{
	grep -F "/* $1" "$tmp/aux" | grep -E ':[NO]C \*/ extern ' |
		sed -E 's/ \(.*//; s/.*[ *]([A-Za-z_][A-Za-z0-9_]*)$/\1/' |
		sort -u
}
names "$inc/" >"$tmp/declared"
nm -D --defined-only "$lib" | awk '{ print $3 }' | sort -u >"$tmp/exported"

declared=$(wc -l <"$tmp/declared")
exported=$(wc -l <"$tmp/exported")
((declared > 50)) || fail "only $declared declarations found: parse error?"

status=0
while read -r name; do
	echo "abi: declared in the headers but not exported: $name" >&2
	status=1
done < <(comm -23 "$tmp/declared" "$tmp/exported")
while read -r name; do
	echo "abi: exported but declared in no installed header: $name" >&2
	status=1
done < <(comm -13 "$tmp/declared" "$tmp/exported")

while read -r name; do
	echo "abi: <uvmalloc.h> declares a name without uvm_: $name" >&2
	status=1
done < <(names "$inc/uvmalloc.h:" | grep -v '^uvm_')

# Data would be ABI too (its size and layout); the library exports none.
nm -D --defined-only "$lib" | awk '$2 != "T" && $2 != "W" {
	print "abi: exported object, not a function: " $3; bad = 1
} END { exit bad }' >&2 || status=1

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname =~ ^libuvmalloc\.so\.[0-9]+(\.[0-9]+)?$ ]] || {
	echo "abi: no versioned SONAME (got '$soname')" >&2
	status=1
}

((status == 0)) || fail "the exports and the headers differ"
echo "abi: $exported exported functions, exactly the $declared the" \
	"installed headers declare; SONAME $soname"
