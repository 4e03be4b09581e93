#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench-report.sh [-n RUNS] [-c CRASH_RUNS] [-b BATCH_RUNS] [FIXTURE...]
#
# vtdscope next to crash on the same real dumps, one line per dump file:
#   vtdscope `report`, BTF-only (--types btf: types from the dump itself);
#   vtdscope `report --vmlinux` with the fixture's -dbg vmlinux (DWARF types);
#   crash -s VMLINUX DUMP with "sys" and "bt -a" on stdin, where crash can read
#   the kernel (Debian's crash 8.0.2 reads 6.1, not 6.12: "-" there);
# each as CPU seconds (user + sys of the whole process tree), wall seconds and
# peak RSS (MiB, file-backed pages included), and crash's CPU and RSS as a
# multiple of vtdscope's with the same vmlinux.  ELF and kdump-compressed
# files alike.  Then:
#   batch: `vtdscope batch --jobs 2` over every kdump-compressed fixture (the
#   16 GB one aside), dumps per minute by CPU time on a 2-core machine
#   (2 x 60 s / CPU seconds per dump) and by wall time;
#   size: `report` on the 256 MB and 16 GB kdump-compressed dumps of the same
#   kernel, to show what grows with the dump.
#
# Figures are medians of RUNS vtdscope runs (default 5), CRASH_RUNS crash runs
# (default 1: 10 s of CPU each) and BATCH_RUNS batches (default 3), after one
# untimed run that warms the page cache.  On a machine shared with other work
# CPU time is the figure to trust: wall time only ever grows with the load.
#
# VTDSCOPE defaults to build/vtdscope; fixtures are the directories under
# ${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}/fixtures}
# (make fixtures), or the FIXTURE directories given.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${VTDSCOPE:-$ROOT/build/vtdscope}
FIX=${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}/fixtures}
RUNS=5
CRASH_RUNS=1
BATCH_RUNS=3

usage() {
	sed -n '4p' "$0" | sed 's/^# //' >&2
	exit 2
}
while getopts "n:c:b:h" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	c) CRASH_RUNS=$OPTARG ;;
	b) BATCH_RUNS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ -x $TOOL ]] || { echo "bench-report: no vtdscope at $TOOL (make, or set VTDSCOPE)" >&2; exit 2; }
if [[ $# -gt 0 ]]; then
	DIRS=("$@")
else
	DIRS=()
	for mf in "$FIX"/*/manifest.json; do
		[[ -f $mf ]] && DIRS+=("$(dirname "$mf")")
	done
fi
[[ ${#DIRS[@]} -gt 0 ]] || { echo "bench-report: no fixtures in $FIX (make fixtures)" >&2; exit 77; }
HAVE_CRASH=0
command -v crash >/dev/null && HAVE_CRASH=1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'sys\nbt -a\nquit\n' >"$WORK/crash.cmds"

# manifest field (a dotted path) of fixture directory $1, "" when absent
manifest() {
	/usr/bin/python3 - "$1/manifest.json" "$2" <<-'EOF'
	import json, sys
	v = json.load(open(sys.argv[1]))
	for k in sys.argv[2].split("."):
	    v = v.get(k) if isinstance(v, dict) else None
	print("" if v is None else v)
	EOF
}

# run COMMAND... N times (after one warm-up) with stdin from $STDIN (default
# /dev/null); prints "cpu wall mib status" (medians; status of the last run)
STDIN=/dev/null
measure() {
	local n=$1 i rc=0
	shift
	"$@" <"$STDIN" >/dev/null 2>&1 || true
	: >"$WORK/times"
	for ((i = 0; i < n; i++)); do
		rc=0
		/usr/bin/time -f "%U %S %e %M" -o "$WORK/t" "$@" <"$STDIN" >"$WORK/out" 2>&1 || rc=$?
		# /usr/bin/time notes a non-zero exit on a line of its own first
		tail -1 "$WORK/t" >>"$WORK/times"
	done
	/usr/bin/python3 - "$WORK/times" "$rc" <<-'EOF'
	import statistics as st, sys
	rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
	cpu = st.median(float(u) + float(s) for u, s, _, _ in rows)
	wall = st.median(float(r[2]) for r in rows)
	mib = st.median(int(r[3]) for r in rows) / 1024
	print("%.3f %.2f %.0f %s" % (cpu, wall, mib, sys.argv[2]))
	EOF
}

# a vtdscope status that means "reported" (0 nothing, 1 findings, 5 incomplete)
reported() { [[ $1 == 0 || $1 == 1 || $1 == 5 ]]; }

ratio() { /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.0fx" % (a / b) if b > 0 else "-")' "$1" "$2"; }

echo "vtdscope report next to crash \"sys; bt -a\" on the same dumps (warm page cache)"
echo "cpu: user+sys seconds; wall: seconds; MiB: peak RSS; vtdscope median of $RUNS runs, crash of $CRASH_RUNS, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %-5s | %-19s | %-19s | %-21s | %s\n' "" "" "vtdscope btf-only" "vtdscope + vmlinux" "crash sys; bt -a" "crash / vtdscope"
printf '%-22s %-5s | %5s %6s %6s | %5s %6s %6s | %6s %7s %6s | %5s %5s\n' fixture file \
	cpu wall MiB cpu wall MiB cpu wall MiB cpu MiB
failed=0
kdumps=()
for d in "${DIRS[@]}"; do
	name=$(basename "$d")
	vml=$(manifest "$d" kernel.vmlinux)
	line=$(manifest "$d" kernel.line)
	[[ -n $vml && -f $vml ]] || vml=""
	for f in vmcore.elf vmcore.kdump; do
		[[ -f $d/$f ]] || continue
		dump=$d/$f
		[[ $f == vmcore.kdump && $name != *16g* ]] && kdumps+=("$dump")
		read -r bc bw bm bs < <(measure "$RUNS" "$TOOL" report "$dump" --types btf)
		reported "$bs" || { bc="ERR"; failed=1; }
		dc=- dw=- dm=- cc=- cw=- cm=- rc=- rm=-
		if [[ -n $vml ]]; then
			read -r dc dw dm ds < <(measure "$RUNS" "$TOOL" report "$dump" --vmlinux "$vml")
			reported "$ds" || { dc="ERR"; failed=1; }
		fi
		if [[ -n $vml && $line == 6.1 && $HAVE_CRASH == 1 ]]; then
			STDIN=$WORK/crash.cmds
			read -r cc cw cm cs < <(measure "$CRASH_RUNS" crash -s "$vml" "$dump")
			STDIN=/dev/null
			# crash printed a backtrace per CPU, or the figure means nothing
			grep -q '^PID: ' "$WORK/out" || cc="ERR"
			if [[ $cc != ERR && $dc != - && $dc != ERR ]]; then
				rc=$(ratio "$cc" "$dc")
				rm=$(ratio "$cm" "$dm")
			fi
		fi
		printf '%-22s %-5s | %5s %6s %6s | %5s %6s %6s | %6s %7s %6s | %5s %5s\n' \
			"$name" "${f#vmcore.}" "$bc" "$bw" "$bm" "$dc" "$dw" "$dm" "$cc" "$cw" "$cm" "$rc" "$rm"
	done
done
[[ $HAVE_CRASH == 1 ]] || echo "(crash is not installed: its columns are empty)"
echo

# ---- batch throughput -----------------------------------------------------------
if [[ ${#kdumps[@]} -gt 0 ]]; then
	: >"$WORK/batch"
	"$TOOL" batch "${kdumps[@]}" --jobs 2 -o "$WORK/batch.jsonl" >/dev/null 2>&1 || true
	for ((i = 0; i < BATCH_RUNS; i++)); do
		/usr/bin/time -f "%U %S %e" -o "$WORK/t" "$TOOL" batch "${kdumps[@]}" --jobs 2 \
			-o "$WORK/batch.jsonl" >/dev/null 2>&1 || true
		tail -1 "$WORK/t" >>"$WORK/batch"
	done
	lines=$(grep -c '"exit":[015],' "$WORK/batch.jsonl" || true)
	/usr/bin/python3 - "$WORK/batch" "${#kdumps[@]}" "$lines" <<-'EOF'
	import statistics as st, sys
	rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
	n, ok = int(sys.argv[2]), int(sys.argv[3])
	cpu = st.median(float(u) + float(s) for u, s, _ in rows)
	wall = st.median(float(r[2]) for r in rows)
	print("batch: %d kdump-compressed dumps, --jobs 2, median of %d batches: %.2f s CPU "
	      "(%.1f ms per dump), %.2f s wall; %d reported" % (n, len(rows), cpu, 1000 * cpu / n,
	                                                     wall, ok))
	print("batch: %.0f dumps per minute by CPU time on 2 cores (2 x 60 s / %.1f ms), "
	      "%.0f by wall time here" % (2 * 60 * n / cpu, 1000 * cpu / n, 60 * n / wall))
	EOF
	echo
fi

# ---- size: what grows with the dump -------------------------------------------------
# The 16 GB guest's kdump-compressed file next to the 256 MB guest's of the same
# kernel line.  A bigger guest means a bigger page bitmap (read and counted at
# open: 2 bits per 4 KB page, 4 MB at 64 GB) and more page descriptors (read one
# per page used); the pages a report reads (kernel image, BTF, kallsyms, stacks,
# queues, the log) do not grow with it.
big="" small=""
for d in "${DIRS[@]}"; do
	if [[ $(basename "$d") == *16g* && -f $d/vmcore.kdump ]]; then
		big=$d/vmcore.kdump
		small=$FIX/$(basename "$d" | sed 's/-16g//')/vmcore.kdump
	fi
done
if [[ -n $big && -f $small ]]; then
	guest() { /usr/bin/python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); f = m["files"]["vmcore_kdump"]; print("%d MB guest, %.0f MB file" % (m["machine"]["memory_mb"], f["size"] / 2**20))' "$(dirname "$1")/manifest.json" 2>/dev/null || echo "?"; }
	read -r sc _ sm _ < <(measure "$RUNS" "$TOOL" report "$small" --types btf)
	read -r gc _ gm _ < <(measure "$RUNS" "$TOOL" report "$big" --types btf)
	echo "size: report --types btf on kdump-compressed files:" \
		"$(basename "$(dirname "$small")") ($(guest "$small")) $sc s CPU, $sm MiB;" \
		"$(basename "$(dirname "$big")") ($(guest "$big")) $gc s CPU, $gm MiB"
fi
exit $failed
