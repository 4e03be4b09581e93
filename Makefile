# Convenience entry points.  The build itself is CMake (CMakeLists.txt).
#
#   make deps      install the Debian packages vtdscope builds, tests and makes fixtures with
#   make           build into build/
#   make demo      build, make (or reuse) a real lockup vmcore, and run the triage report on it
#   make fixtures  the full set of real vmcores with their ground truth (cached outside git)
#   make check     deps + build + fixtures + every test (what CI runs)
#   make fuzz      the libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS each (clang)
#   make sweep     the seed lockup on every Debian 12 kernel build in the archive (not in check)
#   make damage    every page a report reads from the hung fixtures, damaged one at a time (not in check)

BUILD ?= build
JOBS ?= $(shell nproc)
CACHE ?= $(or $(VTDSCOPE_CACHE),$(HOME)/.cache/vtdscope)
BUILD_TYPE ?= Release
WERROR ?= OFF
# Another apt (unattended-upgrades, a second make) may hold the dpkg lock: wait for it.
APT = apt-get -o DPkg::Lock::Timeout=900

BUILD_DEPS = build-essential cmake pkg-config libkdumpfile-dev libdw-dev libelf-dev libbpf-dev \
	libncurses-dev libjson-c-dev libcmocka-dev zlib1g-dev
TEST_DEPS = python3 python3-jsonschema cmark-gfm valgrind groff-base man-db clang
FIXTURE_DEPS = qemu-system-x86 busybox-static cpio makedumpfile crash gdb zstd kmod

.PHONY: all deps build demo fixtures check check-sanitize fuzz fuzz-build fuzz-smoke sweep damage clean

all: build

deps:
	@missing=""; for p in $(BUILD_DEPS) $(TEST_DEPS) $(FIXTURE_DEPS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		[ "$$(id -u)" = 0 ] || { echo "make deps: run as root, or: apt-get install$$missing" >&2; exit 1; }; \
		DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $$missing >/dev/null 2>&1 || \
		{ $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $$missing; } || \
		{ echo "make deps: cannot install:$$missing" >&2; exit 1; }; \
	fi

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DVTDSCOPE_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

fixtures: deps
	fixtures/make-fixtures

demo: deps build
	fixtures/make-fixtures --only qi-hang-6.1-l4
	$(BUILD)/vtdscope report $(CACHE)/fixtures/qi-hang-6.1-l4/vmcore.elf || [ $$? -eq 1 ]

# The checks build with warnings as errors (the Release build and the sanitizer build).
check: WERROR = ON
check: deps build
	if [ -x fixtures/make-fixtures ]; then fixtures/make-fixtures; fi
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) check-sanitize
	$(MAKE) fuzz-smoke

# Unit tests and the real-dump tests again under AddressSanitizer + UBSan.
check-sanitize:
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DVTDSCOPE_SANITIZE=ON -DVTDSCOPE_WERROR=ON >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j$(JOBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) in their own clang build with ASan+UBSan;
# seeds are generated (tests/fuzz/make-seeds), the corpus grows in $(FUZZ_BUILD)/corpus.
# A crash stops the run and leaves its input in $(FUZZ_BUILD)/crashes/: fix it, then add
# the input to tests/fuzz/regress/<harness>/ (replayed by every `make check`).
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60
FUZZERS = vmcoreinfo elf qi_desc printk orc report paging kallsyms btf cfi tasks qspinlock vtd dwarf
FUZZ_FLAGS = -timeout=5 -rss_limit_mb=512 -print_final_stats=1

fuzz-build:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTDSCOPE_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZERS)) 2>&1 | \
		grep -v -e 'missing-field-initializers' -e 'warnings\? generated' || true
	@for f in $(FUZZERS); do test -x $(FUZZ_BUILD)/tests/fuzz/fuzz_$$f || \
		{ echo "fuzz_$$f did not build" >&2; exit 1; }; done
	tests/fuzz/make-seeds $(FUZZ_BUILD)/corpus

fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/crashes
	@for f in $(FUZZERS); do \
		dict=tests/fuzz/$$f.dict; [ -f $$dict ] && dict="-dict=$$dict" || dict=; \
		echo "fuzz_$$f: $(FUZZ_SECONDS) s"; mkdir -p $(FUZZ_BUILD)/corpus/$$f; \
		$(FUZZ_BUILD)/tests/fuzz/fuzz_$$f $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) $$dict \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$f- $(FUZZ_BUILD)/corpus/$$f \
			>$(FUZZ_BUILD)/fuzz-$$f.log 2>&1 || \
		{ tail -40 $(FUZZ_BUILD)/fuzz-$$f.log; echo "fuzz_$$f failed: see $(FUZZ_BUILD)/fuzz-$$f.log" >&2; exit 1; }; \
		grep -E '^(Done|stat::number_of_executed_units|#[0-9]+.*DONE)' $(FUZZ_BUILD)/fuzz-$$f.log | tail -2; \
	done

# Every harness for 8 s (make check runs this last; 14 harnesses stay under 3 minutes).
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=8

# One qi-hang guest per Debian 12 kernel build (6.1, 6.12, and rt/cloud of the newest),
# checked BTF-only against the kernel's own log and backtraces: one table row per kernel.
sweep: deps build
	fixtures/sweep

# The damage campaign: every page `report` reads from each fixture whose ground truth is a
# problem, zeroed then random bytes, one at a time in a private copy; fails on a crash, a
# hang (> 10 s) or a false healthy verdict (fixtures/damage --help; DAMAGE_ARGS adds options).
damage: build
	fixtures/damage --binary $(BUILD)/vtdscope --jobs $(JOBS) $(DAMAGE_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
