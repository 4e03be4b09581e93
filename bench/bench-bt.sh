#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench-bt.sh [VTDSCOPE] [FIXTURE...]
#
# Time `vtdscope bt DUMP --all` (and `locks DUMP`) on the fixture dumps with
# types from the dump's BTF only (--types btf: no vmlinux, the case of most
# vmcores in the field), and `bt --all --unwinder cfi` with the fixture's -dbg
# vmlinux (DWARF types and .debug_frame; "-" without one).  Prints per dump, e.g.
#   qi-hang-6.1-l4/vmcore.elf      bt --all 0.112 s   locks 0.118 s   cfi 0.301 s   (4 CPUs, 81 frames)
# Each figure is the best of 5 runs with a warm page cache (wall clock; other
# load on a shared machine only ever makes a run slower).  Target: <= 0.3 s.
#
# VTDSCOPE defaults to build/vtdscope; fixtures to every directory under
# ${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}/fixtures}.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}
FIXTURES=${VTDSCOPE_FIXTURES:-$CACHE/fixtures}
RUNS=5
TARGET=0.3

BIN=${1:-$SRC/build/vtdscope}
[[ $# -gt 0 ]] && shift
if [[ ! -x $BIN ]]; then
	echo "bench-bt: no vtdscope binary at $BIN (build first, or pass its path)" >&2
	exit 2
fi
if [[ $# -gt 0 ]]; then
	DIRS=("$@")
else
	DIRS=("$FIXTURES"/*/)
fi

best_of() { # command... -> best wall time in seconds
	local best="" t s e
	for ((i = 0; i < RUNS; i++)); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [[ -z $best ]] || (($(echo "$t < $best" | bc -l))); then
			best=$t
		fi
	done
	printf "%.3f" "$best"
}

slow=0
found=0
for dir in "${DIRS[@]}"; do
	dir=${dir%/}
	for dump in "$dir"/vmcore.elf "$dir"/vmcore.kdump; do
		[[ -f $dump ]] || continue
		found=1
		# warm the page cache once
		cat "$dump" >/dev/null
		bt=$(best_of "$BIN" --types btf bt "$dump" --all)
		locks=$(best_of "$BIN" --types btf locks "$dump")
		vml=$(python3 -c 'import json,sys; print((json.load(open(sys.argv[1])).get("kernel") or {}).get("vmlinux") or "")' \
			"$dir/manifest.json" 2>/dev/null || true)
		cfi=-
		if [[ -n $vml && -f $vml ]]; then
			cfi=$(best_of "$BIN" --vmlinux "$vml" --unwinder cfi bt "$dump" --all)
		fi
		info=$("$BIN" --types btf bt "$dump" --all --format json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
cpus = d["sections"]["bt"].get("sections", {})
frames = sum(s.get("fields", {}).get("frames", 0) or 0 for s in cpus.values())
print("%d CPUs, %d frames" % (len(cpus), frames))' 2>/dev/null || echo "?")
		printf "%-34s bt --all %s s   locks %s s   cfi %s s   (%s)\n" \
			"$(basename "$dir")/$(basename "$dump")" "$bt" "$locks" "$cfi" "$info"
		if (($(echo "$bt > $TARGET" | bc -l))); then
			slow=1
		fi
	done
done
if ((!found)); then
	echo "bench-bt: no fixture dumps under $FIXTURES" >&2
	exit 77
fi
if ((slow)); then
	echo "bench-bt: some bt --all runs took more than $TARGET s"
	exit 1
fi
