# SPDX-License-Identifier: MIT
#
# uvmalloc: convenience targets around CMake (GNU make).
#
#   make                plain build in build/
#   make run            build, then ./build/uvmalloc demo
#   make check          everything CI runs (see below); its last line
#                       counts the tests and the stages: "check: N tests
#                       passed, M failed, S stages"
#   make install        build, then install to $(PREFIX) (DESTDIR honoured)
#   make format         clang-format -i every C file under the source dirs
#   make format-check   fail if clang-format would change a C file
#   make bench          build, then run every bench program briefly
#   make fuzz           build the libFuzzer targets with clang in build-fuzz/
#                       and run each for $(FUZZ_TIME) seconds
#   make clean          remove every build directory
#
# `make all` and `make run` need only a C compiler, make and cmake: the
# tests are built when Criterion is there (UVM_BUILD_TESTS=AUTO) and
# compiler warnings are not errors. `make check` runs `deps` (installs what
# is missing through apt-get), then these stages, each whether or not an
# earlier one failed, every build with -DUVM_WERROR=ON:
#   format     clang-format --dry-run --Werror on every C file git knows of
#   plain      gcc RelWithDebInfo build in build/, ctest
#   compilers  the other builds a user may make, tests and benches
#              included, warning-free: gcc Release, clang Release and
#              RelWithDebInfo (build-gcc-Release/, ...)
#   asan       ASan + UBSan build in build-asan/, ctest
#   tsan       TSan build of the threaded tests (tests/test_mt_*.c) in
#              build-tsan/, ctest
#   fuzz       `make fuzz` (skipped while fuzz/ holds no fuzz_*.c)
#   newcomer   tests/newcomer/run.sh: the committed tree in a scratch
#              folder with Criterion hidden: make run, a plain cmake build
#              and install, the README's examples through pkg-config and
#              find_package(uvmalloc), the installed `uvmalloc demo`
# Each stage ends with a line "STAGE: N passed, M failed" (a Criterion
# program counts its tests; tests/check/count.sh reads ctest's log), and
# the last two lines of `make check` add them up: stages, then tests.
#
# ThreadSanitizer and Criterion, as found on Debian 12 (gcc 12, clang 14,
# Criterion 2.4.1):
#  - Criterion's runner puts its shared arenas at random addresses that TSan
#    has almost all reserved, so under TSan a test program aborts with
#    "Could not initialize inheritable arena" (or crashes) nearly every time.
#    The thread build links cmake/tsan_criterion_arena.c into each test
#    program, which steers those addresses into memory TSan leaves free;
#    the file explains how. Criterion's own switches (--jobs 1,
#    CRITERION_NO_EARLY_EXIT) and TSAN_OPTIONS make no difference to this.
#  - Guard-page tests expect the test process to die of SIGSEGV, so the
#    sanitizers must leave SIGSEGV and SIGBUS alone (handle_segv=0,
#    handle_sigbus=0), and TSan must stop at its first report
#    (halt_on_error=1), or a racy test would still pass: each test reports
#    its result before the process exits. CMakeLists.txt puts these options
#    on every test, so a bare `ctest` in build-asan/ or build-tsan/ behaves
#    the same; a leak or race report also fails the test through CTest's
#    FAIL_REGULAR_EXPRESSION.
#  - TSan of this vintage dies with "unexpected memory mapping" on kernels
#    that randomise mmap with more than 28 bits (vm.mmap_rnd_bits). The
#    sanitizer stages first run a trivial sanitized program; if it fails
#    and succeeds under `setarch $(uname -m) -R` (no address randomisation,
#    inherited by every process the tests start), ctest runs under setarch.

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory

PREFIX ?= /usr/local
JOBS ?= 2
CMAKE ?= cmake
CTEST ?= ctest
CLANG_FORMAT ?= clang-format
# The compiler for the fuzz build (libFuzzer is clang's).
FUZZ_CC ?= clang
FUZZ_TIME ?= 20
# `make bench`: arguments for each program, and a time limit per program.
# UVM_BENCH_BRIEF=1 in their environment asks them for a short run.
BENCH_ARGS ?=
BENCH_TIMEOUT ?= 300

# Extra arguments for every configure step,
# e.g. CMAKE_ARGS=-DCMAKE_BUILD_TYPE=Debug.
CMAKE_ARGS ?=

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TSAN_ENV := TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1'
FUZZ_ENV := UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

CHECK_STAGES := format plain compilers asan tsan fuzz newcomer
# compiler:build type, beside the plain stage's gcc:RelWithDebInfo.
COMPILER_BUILDS := gcc:Release clang:Release clang:RelWithDebInfo
# The stages' logs, read back for their counts.
CHECK_LOGS := build-check

comma := ,

SOURCE_DIRS := include src tools tests bench fuzz cmake examples
FUZZ_SOURCES := $(sort $(wildcard fuzz/fuzz_*.c))

# configure DIR [CMake arguments...]; build DIR
configure = $(CMAKE) -S . -B $(1) $(CMAKE_ARGS) $(2)
build = $(CMAKE) --build $(1) -j $(JOBS)

# Each build directory's options, stated in full so that an option set by
# hand in an existing cache cannot change what a target builds.
BUILD_OPTS := -DUVM_SANITIZE= -DUVM_FUZZ=OFF -DUVM_BUILD_TESTS=AUTO \
	-DUVM_BUILD_BENCH=ON -DUVM_WERROR=OFF
PLAIN_OPTS := -DUVM_SANITIZE= -DUVM_FUZZ=OFF -DUVM_BUILD_TESTS=ON \
	-DUVM_BUILD_BENCH=ON -DUVM_WERROR=ON
ASAN_OPTS := -DUVM_SANITIZE=address -DUVM_FUZZ=OFF -DUVM_BUILD_TESTS=ON \
	-DUVM_BUILD_BENCH=OFF -DUVM_WERROR=ON
TSAN_OPTS := -DUVM_SANITIZE=thread -DUVM_FUZZ=OFF -DUVM_BUILD_TESTS=ON \
	-DUVM_BUILD_BENCH=OFF -DUVM_WERROR=ON
FUZZ_OPTS := -DCMAKE_C_COMPILER=$(FUZZ_CC) -DUVM_SANITIZE= -DUVM_FUZZ=ON \
	-DUVM_BUILD_TESTS=OFF -DUVM_BUILD_BENCH=OFF -DUVM_WERROR=ON

# sanitizer_runner DIR FLAGS: print the command prefix ctest needs in DIR
# (nothing, or setarch -R), after checking that a trivial program built with
# FLAGS runs at all.
define sanitizer_runner
probe=$(1)/sanitizer-probe; \
printf 'int main(void)\n{\n\treturn 0;\n}\n' >$$probe.c; \
$${CC:-cc} $(2) $$probe.c -o $$probe >&2 || exit 1; \
if $$probe >$$probe.log 2>&1; then \
	echo ""; \
elif setarch "$$(uname -m)" -R $$probe >/dev/null 2>&1; then \
	echo "$(1): sanitized programs need address randomisation off:" \
		"running the tests under setarch -R" >&2; \
	echo "setarch $$(uname -m) -R"; \
else \
	cat $$probe.log >&2; \
	echo "$(1): a trivial program built with $(2) does not run" >&2; \
	exit 1; \
fi
endef

.PHONY: all run check deps install format format-check bench fuzz clean \
	$(addprefix check-,$(CHECK_STAGES))

all:
	$(call configure,build,$(BUILD_OPTS))
	$(call build,build)

run: all
	./build/uvmalloc demo

install: all
	$(CMAKE) --install build --prefix "$(PREFIX)"

# --- formatting -------------------------------------------------------------

format:
	@files=$$(find $(wildcard $(SOURCE_DIRS)) -type f -name '*.[ch]' | sort); \
	if [[ -n $$files ]]; then $(CLANG_FORMAT) -i $$files; fi

# Every C file git tracks or would track (untracked and not ignored); every
# C file under the source directories when this is not a git checkout.
format-check:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		files=$$(git ls-files -co --exclude-standard -- '*.c' '*.h' | \
			while read -r f; do [[ -f $$f ]] && echo "$$f"; done); \
	else \
		files=$$(find $(wildcard $(SOURCE_DIRS)) -type f -name '*.[ch]'); \
	fi; \
	files=$$(echo "$$files" | sort); \
	n=$$(echo "$$files" | grep -c . || true); \
	if [[ $$n == 0 ]]; then echo "format-check: no C files"; exit 0; fi; \
	if $(CLANG_FORMAT) --dry-run --Werror $$files; then \
		echo "format-check: $$n files ok"; \
	else \
		echo "format-check: run 'make format' (or fix the lines above)"; \
		exit 1; \
	fi

# --- check ------------------------------------------------------------------

check: deps
	@mkdir -p $(CHECK_LOGS); \
	passed=0; failed=0; failed_stages=""; skipped=""; \
	tests_passed=0; tests_failed=0; tests_skipped=0; \
	for stage in $(CHECK_STAGES); do \
		if [[ $$stage == fuzz && -z "$(FUZZ_SOURCES)" ]]; then \
			echo "==> check: fuzz: skipped, no fuzz targets (fuzz/fuzz_*.c)"; \
			skipped="$$skipped fuzz"; \
			continue; \
		fi; \
		echo "==> check: $$stage"; \
		log=$(CHECK_LOGS)/$$stage.log; \
		$(MAKE) --no-print-directory check-$$stage 2>&1 | tee $$log; \
		status=$${PIPESTATUS[0]}; \
		counts=$$(grep -E '^[A-Za-z_-]+: [0-9]+ passed, [0-9]+ failed' \
			$$log | tail -n 1); \
		if [[ $$counts =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then \
			p=$${BASH_REMATCH[1]}; f=$${BASH_REMATCH[2]}; \
			k=$${BASH_REMATCH[4]:-0}; \
		else \
			p=$$((status == 0)); f=0; k=0; \
		fi; \
		if [[ $$status != 0 && $$f == 0 ]]; then f=1; fi; \
		tests_passed=$$((tests_passed + p)); \
		tests_failed=$$((tests_failed + f)); \
		tests_skipped=$$((tests_skipped + k)); \
		if [[ $$status == 0 ]]; then \
			passed=$$((passed + 1)); \
			echo "==> check: $$stage: passed ($$p passed, $$f failed)"; \
		else \
			failed=$$((failed + 1)); \
			failed_stages="$$failed_stages $$stage"; \
			echo "==> check: $$stage: FAILED ($$p passed, $$f failed)"; \
		fi; \
	done; \
	line="check: stages: $$passed passed, $$failed failed"; \
	if [[ -n $$failed_stages ]]; then line="$$line ($${failed_stages# })"; fi; \
	if [[ -n $$skipped ]]; then line="$$line, skipped:$$skipped"; fi; \
	echo "$$line"; \
	line="check: $$tests_passed tests passed, $$tests_failed failed"; \
	if [[ $$tests_skipped != 0 ]]; then \
		line="$$line, $$tests_skipped skipped"; \
	fi; \
	stages=$$((passed + failed)); \
	line="$$line, $$stages stage$$( ((stages == 1)) || echo s)"; \
	if [[ $$failed != 0 ]]; then \
		line="$$line ($$failed failed:$$failed_stages)"; \
	fi; \
	echo "$$line"; \
	[[ $$failed == 0 ]]

check-format: format-check

# ctest_stage DIR NAME: ctest in DIR (under the prefix RUN, if set), then
# its count line, whatever ctest said; fails when ctest failed.
define ctest_stage
cd $(1) && set -x && env $(2) $$run $(CTEST) --output-on-failure -j $(JOBS); \
status=$$?; set +x; cd $(CURDIR) && tests/check/count.sh $(1) $(3); \
exit $$status
endef

check-plain:
	$(call configure,build,$(PLAIN_OPTS))
	$(call build,build)
	@run=""; $(call ctest_stage,build,,plain)

check-compilers:
	@ok=0; bad=0; \
	for spec in $(COMPILER_BUILDS); do \
		cc=$${spec%%:*}; type=$${spec#*:}; dir=build-$$cc-$$type; \
		log=$(CHECK_LOGS)/$$dir.log; mkdir -p $(CHECK_LOGS); \
		echo "compilers: $$cc $$type in $$dir"; \
		if $(call configure,$$dir,$(PLAIN_OPTS) \
			-DCMAKE_C_COMPILER=$$cc -DCMAKE_BUILD_TYPE=$$type) \
			>$$log 2>&1 && \
			$(call build,$$dir) >>$$log 2>&1; then \
			ok=$$((ok + 1)); \
		else \
			bad=$$((bad + 1)); \
			grep -E -B2 -A6 'error|warning' $$log | head -n 60; \
			echo "compilers: $$cc $$type FAILED (the whole log: $$log)"; \
		fi; \
	done; \
	echo "compilers: $$ok passed, $$bad failed"; \
	[[ $$bad == 0 ]]

check-asan:
	$(call configure,build-asan,$(ASAN_OPTS))
	$(call build,build-asan)
	@run=$$($(call sanitizer_runner,build-asan,-fsanitize=address$(comma)undefined)) && \
	$(call ctest_stage,build-asan,$(ASAN_ENV),asan)

check-tsan:
	$(call configure,build-tsan,$(TSAN_OPTS))
	$(call build,build-tsan)
	@run=$$($(call sanitizer_runner,build-tsan,-fsanitize=thread)) && \
	$(call ctest_stage,build-tsan,$(TSAN_ENV),tsan)

check-newcomer:
	@tests/newcomer/run.sh $(CURDIR)

check-fuzz: fuzz

# --- fuzzing ----------------------------------------------------------------

# fuzz/fuzz_<name>.c becomes build-fuzz/fuzz_<name>; its seed corpus, if any,
# is fuzz/corpus/<name>/, copied to a scratch directory so that the tree is
# left as it was. Crashing inputs are written to build-fuzz/artifacts/.
fuzz:
	@if [[ -z "$(FUZZ_SOURCES)" ]]; then \
		echo "fuzz: no fuzz targets (fuzz/fuzz_*.c), nothing to do"; \
		exit 0; \
	fi; \
	set -e; \
	$(call configure,build-fuzz,$(FUZZ_OPTS)); \
	$(call build,build-fuzz); \
	mkdir -p build-fuzz/artifacts; \
	ok=0; bad=0; \
	for src in $(FUZZ_SOURCES); do \
		target=$$(basename "$$src" .c); \
		name=$${target#fuzz_}; \
		corpus=$$(mktemp -d "$${TMPDIR:-/tmp}/uvmalloc-corpus.XXXXXX"); \
		if [[ -d fuzz/corpus/$$name ]]; then \
			cp -R "fuzz/corpus/$$name/." "$$corpus/"; \
		fi; \
		echo "fuzz: $$target for $(FUZZ_TIME)s" \
			"($$(ls -A "$$corpus" | wc -l) seed inputs)"; \
		status=0; \
		env $(FUZZ_ENV) ./build-fuzz/$$target -max_total_time=$(FUZZ_TIME) \
			-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/artifacts/$$target- \
			"$$corpus" || status=$$?; \
		rm -rf "$$corpus"; \
		if [[ $$status != 0 ]]; then \
			echo "fuzz: $$target FAILED (status $$status)"; \
			bad=$$((bad + 1)); \
		else \
			ok=$$((ok + 1)); \
		fi; \
	done; \
	echo "fuzz: $$ok passed, $$bad failed"; \
	[[ $$bad == 0 ]]

# --- benchmarks -------------------------------------------------------------

bench: all
	@shopt -s nullglob; progs=(build/bench_*); \
	if (( $${#progs[@]} == 0 )); then \
		echo "bench: no benchmark programs (bench/*.c)"; exit 0; \
	fi; \
	for prog in "$${progs[@]}"; do \
		[[ -x $$prog && ! -d $$prog ]] || continue; \
		echo "==> $$prog $(BENCH_ARGS)"; \
		UVM_BENCH_BRIEF=1 timeout $(BENCH_TIMEOUT) $$prog $(BENCH_ARGS) || \
			{ echo "bench: $$prog failed"; exit 1; }; \
	done

# --- dependencies -----------------------------------------------------------

# Installs (Debian/Ubuntu) whatever of cmake, pkg-config, clang,
# clang-format and Criterion is missing: as root directly, otherwise through
# sudo when there is one.
deps:
	@missing=""; \
	command -v $(CMAKE) >/dev/null || missing="$$missing cmake"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v $(FUZZ_CC) >/dev/null || missing="$$missing clang"; \
	command -v $(CLANG_FORMAT) >/dev/null || missing="$$missing clang-format"; \
	pkg-config --exists criterion 2>/dev/null || \
		missing="$$missing libcriterion-dev"; \
	if [[ -z $$missing ]]; then exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [[ $$(id -u) == 0 ]]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "deps: not root and no sudo: install$$missing yourself"; exit 1; \
	fi; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends $$missing && \
	pkg-config --exists criterion || \
		{ echo "deps: installing$$missing failed"; exit 1; }

clean:
	rm -rf build build-*
