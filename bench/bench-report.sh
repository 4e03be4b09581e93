#!/bin/bash
# vtdscope next to crash on the same real dumps: wall time (median of N runs) and peak RSS.
#
#   bench/bench-report.sh [N]        (default N=5; needs `make fixtures` first)
#
# vtdscope: `info` and `report`, BTF-only (types from the dump) and with the -dbg vmlinux.
# crash:    `crash -s VMLINUX DUMP` with "sys" (and "bt -a") piped in; only where crash can read
#           the kernel (Debian's crash 8.0.2 reads 6.1, not 6.12).
set -euo pipefail
N=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${VTDSCOPE:-$ROOT/build/vtdscope}
FIX=${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}/fixtures}
[ -x "$TOOL" ] || { echo "bench: build first (make)" >&2; exit 1; }
ls "$FIX"/*/manifest.json >/dev/null 2>&1 || { echo "bench: no fixtures in $FIX (make fixtures)" >&2; exit 1; }

# median wall seconds and max RSS (MiB) of N runs of a command
measure() {
	local i t m times=() rss=0
	for ((i = 0; i < N; i++)); do
		/usr/bin/time -f "%e %M" -o /tmp/bench.$$ "$@" >/dev/null 2>&1 </dev/null || true
		read -r t m </tmp/bench.$$
		times+=("$t")
		((m > rss)) && rss=$m
	done
	rm -f /tmp/bench.$$
	printf '%s %d\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((N + 1) / 2))p")" $((rss / 1024))
}

printf '%-22s %-7s %-24s %8s %8s\n' fixture format command "seconds" "MiB"
for mf in "$FIX"/*/manifest.json; do
	d=$(dirname "$mf")
	name=$(basename "$d")
	vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"].get("vmlinux") or "")' "$mf")
	line=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["line"])' "$mf")
	for f in vmcore.elf vmcore.kdump; do
		[ -f "$d/$f" ] || continue
		for cmd in info report; do
			read -r s m < <(measure "$TOOL" "$cmd" "$d/$f" --types btf)
			printf '%-22s %-7s %-24s %8s %8s\n' "$name" "${f#vmcore.}" "vtdscope $cmd (btf)" "$s" "$m"
			if [ -n "$vmlinux" ] && [ -f "$vmlinux" ]; then
				read -r s m < <(measure "$TOOL" "$cmd" "$d/$f" --vmlinux "$vmlinux")
				printf '%-22s %-7s %-24s %8s %8s\n' "$name" "${f#vmcore.}" "vtdscope $cmd (dwarf)" "$s" "$m"
			fi
		done
		read -r s m < <(measure "$TOOL" bt "$d/$f" --all --types btf)
		printf '%-22s %-7s %-24s %8s %8s\n' "$name" "${f#vmcore.}" "vtdscope bt --all (btf)" "$s" "$m"
		if [ "$line" = 6.1 ] && command -v crash >/dev/null && [ -f "$vmlinux" ] && [ "$N" -ge 1 ]; then
			NC=$(( N < 3 ? N : 3 ))
			read -r s m < <(N=$NC measure bash -c "printf 'sys\nq\n' | crash -s '$vmlinux' '$d/$f'")
			printf '%-22s %-7s %-24s %8s %8s\n' "$name" "${f#vmcore.}" "crash sys" "$s" "$m"
			read -r s m < <(N=$NC measure bash -c "printf 'sys\nbt -a\nq\n' | crash -s '$vmlinux' '$d/$f'")
			printf '%-22s %-7s %-24s %8s %8s\n' "$name" "${f#vmcore.}" "crash sys; bt -a" "$s" "$m"
		fi
	done
done
