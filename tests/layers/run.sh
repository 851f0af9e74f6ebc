#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/layers/run.sh BUILD_DIR
#
# Each layer calls only the layers below it (docs/ARCHITECTURE.md). This
# reads the library's object files in BUILD_DIR, src/<layer>/<file>.o, and
# fails on any symbol that a layer's object uses and a layer it may not call
# defines. The one upward call allowed is uvm_autoboot(), declared in
# lib/runtime.h and defined by the boot layer: uvm_ensure_booted(), inlined
# at the top of every kernel-named entry of every layer, calls it when no
# instance runs, the door through which a call made before uvm_boot()
# boots one.
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
objdir=$(find "$build" -type d -path '*uvmalloc_objects.dir/src' | head -n 1)
[[ -n $objdir ]] || {
	echo "layers: FAIL: no library objects under $build"
	exit 1
}

# The layers a layer may call, itself included.
declare -A may=(
	[lib]="lib"
	[phys]="lib phys"
	[mmu]="lib phys mmu"
	[kva]="lib kva"
	[vmalloc]="lib phys mmu kva vmalloc"
	[proc]="lib phys mmu kva vmalloc proc"
	[kmod]="lib phys mmu kva vmalloc proc kmod"
	[boot]="lib phys mmu kva vmalloc proc kmod boot"
)
upward_hook=uvm_autoboot

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uvmalloc-layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Which layer defines each symbol; which symbols each layer uses.
for dir in "$objdir"/*/; do
	layer=$(basename "$dir")
	[[ -n ${may[$layer]:-} ]] || {
		echo "layers: FAIL: src/$layer/ is not a known layer:" \
			"add it to this script and to docs/ARCHITECTURE.md"
		exit 1
	}
	for obj in "$dir"*.o; do
		nm --defined-only "$obj" | awk -v l="$layer" \
			'$2 ~ /^[TDBRW]$/ { print $3, l }' >>"$tmp/defs"
		nm --undefined-only "$obj" | awk -v l="$layer" \
			-v f="src/$layer/$(basename "$obj" .o)" \
			'{ print $2, l, f }' >>"$tmp/uses"
	done
done
sort -u "$tmp/defs" -o "$tmp/defs"

status=0 calls=0
while read -r sym user file; do
	owner=$(awk -v s="$sym" '$1 == s { print $2; exit }' "$tmp/defs")
	[[ -n $owner ]] || continue # libc, pthreads, the compiler's runtime
	calls=$((calls + 1))
	[[ " ${may[$user]} " == *" $owner "* ]] && continue
	[[ $owner == boot && $sym == "$upward_hook" ]] && continue
	echo "layers: $file uses $sym of the $owner layer, which $user may not call"
	status=1
done < <(sort -u "$tmp/uses")

((status == 0)) || {
	echo "layers: FAIL: a layer calls upward"
	exit 1
}
echo "layers: $calls cross-file symbol uses, every one downward (or the" \
	"autoboot hook)"
