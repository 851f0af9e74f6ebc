#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# usage: tests/check/count.sh BUILD_DIR NAME
#
# Counts the tests of the last ctest run in BUILD_DIR, one line:
#   NAME: P passed, F failed[, S skipped]
# A CTest test is one program, but one Criterion program holds many tests:
# its "Synthesis: Tested: N | Passing: P | Failing: F | Crashing: C" line
# counts them. A script test that ends on its own "x: N passed, M failed"
# line counts those; any other test counts once. A program that CTest
# failed although its own counts show no failure (a sanitizer report after
# the last test, a timeout) adds one failure, so a red run never counts as
# green.
set -euo pipefail

dir=${1:?usage: count.sh BUILD_DIR NAME}
name=${2:?usage: count.sh BUILD_DIR NAME}
log="$dir/Testing/Temporary/LastTest.log"
[[ -r $log ]] || {
	echo "$name: no ctest log in $dir" >&2
	exit 1
}

awk -v name="$name" '
function finish(result) {
	if (!intest)
		return
	if (result == "skipped") {
		skipped++
	} else if (crit) {
		passed += cp
		failed += cf
		if (result == "failed" && cf == 0)
			failed++
	} else if (own) {
		passed += op
		failed += of
		if (result == "failed" && of == 0)
			failed++
	} else if (result == "passed") {
		passed++
	} else {
		failed++
	}
	intest = 0
}
/^[0-9]+\/[0-9]+ Testing: / { finish("failed"); intest = 1; crit = own = 0
	cp = cf = op = of = 0; next }
/Synthesis: Tested: / {
	# [====] Synthesis: Tested: 46 | Passing: 46 | Failing: 0 | Crashing: 0
	for (i = 1; i <= NF; i++) {
		if ($i == "Passing:")
			cp += $(i + 1)
		else if ($i == "Failing:" || $i == "Crashing:")
			cf += $(i + 1)
	}
	crit = 1
	next
}
/^[A-Za-z_-]+: [0-9]+ passed, [0-9]+ failed/ {
	own = 1; op = $2; of = $4; next
}
/^Test Passed\./ { finish("passed"); next }
/^Test Failed\./ { finish("failed"); next }
/^Test (Skipped|Not Run)/ || /^Skipped/ { finish("skipped"); next }
END {
	finish("failed")
	line = sprintf("%s: %d passed, %d failed", name, passed, failed)
	if (skipped)
		line = line sprintf(", %d skipped", skipped)
	print line
}' "$log"
