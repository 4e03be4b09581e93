#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench-types.sh [prepare|run] [KERNEL...]
#
# run (default): time the type backends on each cached kernel: creating the
#   BTF backend (btf__new + our name index; both timed warm, after one
#   untimed btf__new) and the DWARF backend (with the VT-d analyzer's type
#   hints, as `report` gives it), then
#   resolving the ~20 structs (sizes and the members the VT-d analyzer uses),
#   and the process's peak RSS (file-backed pages included).
#   Prints e.g. "dwarf 6.1.0-56-amd64: create 0.2 ms, 20 structs 140 ms".
#   Each figure is the best of 7 fresh processes with a warm page cache (wall
#   clock, plus the process CPU time of the lookups: other load inflates wall
#   time on a shared machine).
#
# prepare: build the test data tests/unit/test_types.c uses, per kernel:
#   $CACHE/vmlinux/vmlinux-<ver>       the -dbg vmlinux (reused from
#                                      $CACHE/kernels/<ver>/..., else extracted
#                                      from $CACHE/debs/*-dbg_*.deb)
#   $CACHE/types/<ver>/vmlinux.btf     its .BTF section (the bytes a dump holds
#                                      between __start_BTF and __stop_BTF)
#   $CACHE/types/<ver>/gdb-oracle.txt  layouts as gdb reads them, plus build-id
#                                      (readelf) and nm letters: the ground truth
# CACHE is $VTDSCOPE_CACHE, default $HOME/.cache/vtdscope.  Files appear under
# their final names only when complete (temp name + rename).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${VTDSCOPE_CACHE:-$HOME/.cache/vtdscope}
MODE=run
if [[ $# -gt 0 && ( $1 == run || $1 == prepare ) ]]; then
	MODE=$1
	shift
fi
if [[ $# -gt 0 ]]; then
	KERNELS=("$@")
else
	KERNELS=(6.1.0-56-amd64 6.12.117+deb12-amd64)
fi

find_vmlinux() { # ver -> path or ""
	local v
	for v in "$CACHE/vmlinux/vmlinux-$1" "$CACHE/kernels/$1/usr/lib/debug/boot/vmlinux-$1"; do
		if [[ -f $v ]]; then
			echo "$v"
			return
		fi
	done
}

extract_vmlinux() { # ver
	local deb tmp
	deb=$(ls "$CACHE"/debs/linux-image-"$1"-dbg_*.deb 2>/dev/null | head -1)
	if [[ -z $deb ]]; then
		echo "no vmlinux and no -dbg package for $1 under $CACHE" >&2
		return 1
	fi
	mkdir -p "$CACHE/vmlinux"
	tmp=$(mktemp -d "$CACHE/vmlinux/.extract.XXXXXX")
	# tar stops after the first match; dpkg-deb then complains about the pipe
	dpkg-deb --fsys-tarfile "$deb" 2>/dev/null |
		tar -x -C "$tmp" --occurrence=1 "./usr/lib/debug/boot/vmlinux-$1" || true
	if [[ ! -f $tmp/usr/lib/debug/boot/vmlinux-$1 ]]; then
		rm -rf "$tmp"
		echo "extracting vmlinux-$1 from $deb failed" >&2
		return 1
	fi
	mv "$tmp/usr/lib/debug/boot/vmlinux-$1" "$CACHE/vmlinux/vmlinux-$1"
	rm -rf "$tmp"
}

# The gdb side of the oracle: one record per line, tab-separated.
#   size <type> <bytes> | missing <type>
#   member <type> <path> <bitpos> <size> <bitsize> <kind> <array_len> <elem_size>
#   nomember <type> <path> | enum <name> <value> | noenum <name>
# kind: i int/char/bool, p pointer, a array, s struct, u union, e enum, f function, o other.
# Members of the types listed are all of them (anonymous structs/unions
# flattened); the PATHS are evaluated by gdb's own expression parser.
GDB_ORACLE_PY=$(cat <<'EOF'
import gdb, os

TYPES = """struct q_inval|struct intel_iommu|struct qi_desc|struct qi_batch|struct dmar_drhd_unit
|struct dmar_dev_scope|struct task_struct|struct thread_struct|struct rq|struct pt_regs|struct qnode
|struct mcs_spinlock|struct qspinlock|struct printk_ringbuffer|struct prb_desc_ring|struct prb_data_ring
|struct prb_desc|struct prb_data_blk_lpos|struct printk_info|struct device_domain_info
|struct dmar_domain|struct pci_dev|struct pci_bus|struct device|struct module|struct inactive_task_frame
|struct iommu_fault_param|struct iommu_fault_event|struct iommu_fault|struct iopf_group
|struct iommu_device|struct list_head|union fpregs_state|struct no_such_type_vtdscope
|raw_spinlock_t|spinlock_t|atomic_t|u64|pid_t|unsigned long|int|enum desc_state"""
PATHS = """struct task_struct thread.sp|struct task_struct thread.fsbase|struct task_struct se.vruntime
|struct task_struct state|struct task_struct __state|struct task_struct stack|struct task_struct comm
|struct printk_ringbuffer desc_ring.count_bits|struct printk_ringbuffer text_data_ring.size_bits
|struct intel_iommu iommu.dev|struct qnode mcs.locked|struct qnode mcs.next|struct rq curr
|struct qspinlock locked|struct qspinlock tail|struct qspinlock val|struct module list.next
|struct device_domain_info dev|struct intel_iommu qi|struct intel_iommu no_such_member"""
ENUMS = """QI_FREE QI_IN_USE QI_DONE QI_ABORT desc_miss desc_reserved desc_committed desc_finalized
desc_reusable TASK_COMM_LEN PIDTYPE_PID PIDTYPE_MAX no_such_enumerator_vtdscope"""

C = gdb
KIND = {C.TYPE_CODE_INT: "i", C.TYPE_CODE_BOOL: "i", C.TYPE_CODE_CHAR: "i",
        C.TYPE_CODE_PTR: "p", C.TYPE_CODE_ARRAY: "a", C.TYPE_CODE_STRUCT: "s",
        C.TYPE_CODE_UNION: "u", C.TYPE_CODE_ENUM: "e", C.TYPE_CODE_FUNC: "f"}

def shape(t):
    t = t.strip_typedefs()
    if t.code == C.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        return (hi - lo + 1 if hi >= lo else 0), t.target().sizeof
    if t.code == C.TYPE_CODE_PTR:
        tt = t.target().strip_typedefs()
        if tt.code in (C.TYPE_CODE_VOID, C.TYPE_CODE_FUNC):
            return 0, 0
        return 0, tt.sizeof
    return 0, 0

def rec_member(out, tname, path, bitpos, bitsize, t):
    n, esz = shape(t)
    out.append("member\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d" % (
        tname, path, bitpos, t.sizeof, bitsize, KIND.get(t.strip_typedefs().code, "o"), n, esz))

def walk(out, tname, t, base):
    for f in t.fields():
        ft = f.type.strip_typedefs()
        if not f.name and ft.code in (C.TYPE_CODE_STRUCT, C.TYPE_CODE_UNION):
            walk(out, tname, ft, base + f.bitpos)
        elif f.name:
            rec_member(out, tname, f.name, base + f.bitpos, f.bitsize, f.type)

def split(s, sep="|"):
    return [x.strip() for x in s.replace("\n", "").split(sep) if x.strip()]

out = []
for tname in split(TYPES):
    try:
        t = gdb.lookup_type(tname)
    except gdb.error:
        out.append("missing\t%s" % tname)
        continue
    out.append("size\t%s\t%d" % (tname, t.sizeof))
    st = t.strip_typedefs()
    if tname.startswith(("struct ", "union ")) and st.code in (C.TYPE_CODE_STRUCT, C.TYPE_CODE_UNION):
        walk(out, tname, st, 0)
for p in split(PATHS):
    tname, path = p.rsplit(" ", 1)
    try:
        gdb.lookup_type(tname)
    except gdb.error:
        continue
    expr = "((%s *)0)->%s" % (tname, path)
    try:
        v = gdb.parse_and_eval(expr)
        addr = int(gdb.parse_and_eval("(unsigned long)&" + expr))
    except gdb.error:
        out.append("nomember\t%s\t%s" % (tname, path))
        continue
    rec_member(out, tname, path, addr * 8, 0, v.type)
for name in ENUMS.split():
    try:
        out.append("enum\t%s\t%d" % (name, int(gdb.parse_and_eval(name))))
    except gdb.error:
        out.append("noenum\t%s" % name)
with open(os.environ["ORACLE_OUT"], "a") as f:
    f.write("\n".join(out) + "\n")
EOF
)

prepare_kernel() { # ver
	local ver=$1 vmlinux dir tmp
	vmlinux=$(find_vmlinux "$ver")
	if [[ -z $vmlinux ]]; then
		extract_vmlinux "$ver"
		vmlinux=$(find_vmlinux "$ver")
	fi
	dir="$CACHE/types/$ver"
	mkdir -p "$dir"
	if [[ ! -f $dir/vmlinux.btf ]]; then
		objcopy -O binary --only-section=.BTF "$vmlinux" "$dir/.vmlinux.btf.tmp"
		mv "$dir/.vmlinux.btf.tmp" "$dir/vmlinux.btf"
	fi
	if [[ ! -f $dir/gdb-oracle.txt ]]; then
		tmp="$dir/.gdb-oracle.txt.tmp"
		{
			echo "# ground truth for $(basename "$vmlinux"): $(gdb --version | head -1), binutils"
			readelf -n "$vmlinux" | awk '/Build ID:/ { print "buildid\t" $3 }'
			# a few symbols with nm's letters (T text, D data, R rodata, B bss, t/d/... local)
			nm "$vmlinux" | awk '$3 ~ /^(qi_submit_sync|dmar_drhd_units|linux_banner|init_task|__start_BTF|panic_cpu|jiffies_64|prb|printk_rb_static|queued_spin_lock_slowpath|native_queued_spin_lock_slowpath|__per_cpu_offset|runqueues|qnodes|_stext|_end|__bss_start|startup_64)$/ { print "sym\t" $3 "\t" $1 "\t" $2 }' | sort -u -k2,2
			printf 'symcount\t%d\n' "$(nm "$vmlinux" | wc -l)"
		} > "$tmp"
		ORACLE_OUT="$tmp" gdb -nx -batch -ex "python exec(open('/dev/stdin').read())" \
			"$vmlinux" <<<"$GDB_ORACLE_PY" 2>&1 | grep -v '^warning\|^$' >&2 || true
		if ! grep -q '^size' "$tmp"; then
			echo "gdb produced no layouts for $ver" >&2
			return 1
		fi
		mv "$tmp" "$dir/gdb-oracle.txt"
	fi
	echo "$ver: $vmlinux, $dir/vmlinux.btf, $dir/gdb-oracle.txt ($(grep -c . "$dir/gdb-oracle.txt") records)"
}

# ---- run --------------------------------------------------------------------

DRIVER_C=$(cat <<'EOF'
/* bench-types driver: time one backend creation and the struct list. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <bpf/btf.h>

#include "core/types_backend.h"

static const char *const structs[][8] = {
	{ "struct q_inval", "q_lock", "desc", "desc_status", "free_head", "free_tail", "free_cnt" },
	{ "struct intel_iommu", "reg_phys", "cap", "ecap", "qi", "seq_id", "drhd", "iommu" },
	{ "struct qi_desc", "qw0", "qw1", "qw2", "qw3" },
	{ "struct dmar_drhd_unit", "list", "reg_base_addr", "devices_cnt", "include_all", "iommu" },
	{ "struct task_struct", "pid", "comm", "__state", "stack", "thread.sp", "on_cpu", "tasks" },
	{ "struct rq", "curr" },
	{ "struct pt_regs", "ip", "sp", "bp" },
	{ "struct qnode", "mcs" },
	{ "struct mcs_spinlock", "next", "locked", "count" },
	{ "struct printk_ringbuffer", "desc_ring", "text_data_ring", "fail" },
	{ "struct prb_desc_ring", "count_bits", "descs", "infos", "head_id", "tail_id" },
	{ "struct prb_data_ring", "size_bits", "data", "head_lpos", "tail_lpos" },
	{ "struct prb_desc", "state_var", "text_blk_lpos" },
	{ "struct printk_info", "seq", "ts_nsec", "text_len", "caller_id" },
	{ "struct device_domain_info", "bus", "devfn", "ats_enabled", "dev", "iommu" },
	{ "struct pci_dev", "devfn", "vendor", "device", "bus" },
	{ "struct device", "kobj", "parent", "driver" },
	{ "struct module", "list", "name", "state" },
	{ "struct inactive_task_frame", "bp", "ret_addr" },
	{ "struct thread_struct", "sp", "fsbase" },
};

/* The VT-d analyzer's hints for these structs, as plugins/vtd/vtd_analyzer.c declares them. */
#define DMAR "qi_submit_sync", "drivers/iommu/intel/dmar.c"
#define INTEL_IOMMU "intel_iommu_init", "drivers/iommu/intel/iommu.c"
static const struct vsc_type_hint vtd_hints[] = {
	{ "q_inval", { DMAR } },
	{ "intel_iommu", { DMAR } },
	{ "qi_desc", { DMAR } },
	{ "dmar_drhd_unit", { DMAR } },
	{ "device_domain_info", { INTEL_IOMMU } },
};

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

int main(int argc, char **argv)
{
	struct vsc_types *ty;
	struct vsc_error *err;
	double t0, t1, t2, c1, c2, first = 0, parse = 0, create_cpu = 0;
	int nstructs = 0, nmembers = 0, missing = 0;
	struct rusage ru;

	if (argc != 3)
		return 2;
	t0 = now_ms();
	if (strcmp(argv[1], "btf") == 0) {
		FILE *f = fopen(argv[2], "rb");
		void *blob;
		long n;

		if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0)
			return 1;
		rewind(f);
		blob = malloc(n);
		if (!blob || fread(blob, 1, n, f) != (size_t)n)
			return 1;
		fclose(f);
		/* libbpf's own parse, to tell it from our index: once to warm up malloc */
		btf__free(btf__new(blob, n));
		c1 = cpu_ms();
		btf__free(btf__new(blob, n));
		parse = cpu_ms() - c1;
		c1 = cpu_ms();
		t0 = now_ms();
		err = vsc_btf_types_create(blob, n, &ty);
		create_cpu = cpu_ms() - c1;
		free(blob);
	} else {
		err = vsc_dwarf_types_create(argv[2], &ty);
	}
	t1 = now_ms();
	c1 = cpu_ms();
	if (err) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	if (ty->ops->add_hints)
		ty->ops->add_hints(ty->priv, vtd_hints, sizeof(vtd_hints) / sizeof(vtd_hints[0]));
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++) {
		uint64_t size;

		err = ty->ops->type_size(ty->priv, structs[i][0], &size);
		if (i == 0)
			first = now_ms() - t1;
		missing += err != NULL;
		vsc_error_destroy(err);
		nstructs++;
		for (int j = 1; j < 8 && structs[i][j]; j++) {
			struct vsc_member_info mi;

			err = ty->ops->member(ty->priv, structs[i][0], structs[i][j], &mi);
			missing += err != NULL;
			vsc_error_destroy(err);
			nmembers++;
		}
	}
	t2 = now_ms();
	c2 = cpu_ms();
	getrusage(RUSAGE_SELF, &ru);
	printf("%.2f %.2f %.2f %.2f %d %d %d %.2f %.2f %ld\n", t1 - t0, t2 - t1, first, c2 - c1,
	       nstructs, nmembers, missing, parse, create_cpu, ru.ru_maxrss / 1024);
	vsc_types_destroy(ty);
	return 0;
}
EOF
)

build_driver() { # -> path of the driver binary, linked with the built engine
	local dir=$1 lib
	lib=$(dirname "${VTDSCOPE:-$SRC/build/vtdscope}")
	if [[ ! -f $lib/libvtdscope_core.a ]]; then
		echo "bench-types: no $lib/libvtdscope_core.a (build first, or set VTDSCOPE)" >&2
		exit 2
	fi
	printf '%s\n' "$DRIVER_C" > "$dir/driver.c"
	gcc -O2 -std=gnu11 -I"$SRC/include/base" -I"$SRC/include/core" -I"$SRC/src" \
		-o "$dir/driver" "$dir/driver.c" "$lib/libvtdscope_core.a" "$lib/libvtdscope_base.a" \
		$(pkg-config --cflags --libs libkdumpfile libbpf libdw libelf) -lm
}

best() { sort -n | head -1; }

bench_one() { # backend path ver
	local r i create resolve first cpu parse ccpu n m miss rss extra=""
	r=$(for i in 1 2 3 4 5 6 7; do "$WORK/driver" "$1" "$2"; done)
	create=$(awk '{ print $1 }' <<<"$r" | best)
	resolve=$(awk '{ print $2 }' <<<"$r" | best)
	first=$(awk '{ print $3 }' <<<"$r" | best)
	cpu=$(awk '{ print $4 }' <<<"$r" | best)
	read -r _ _ _ _ n m miss _ _ _ <<<"$(head -1 <<<"$r")"
	rss=$(awk '{ print $10 }' <<<"$r" | best)
	if [[ $1 == btf ]]; then
		# CPU times: our index = create - btf__new (best of each)
		parse=$(awk '{ print $8 }' <<<"$r" | best)
		ccpu=$(awk '{ print $9 }' <<<"$r" | best)
		extra=" (cpu: create $ccpu ms = btf__new $parse ms + index $(awk -v a="$ccpu" -v b="$parse" 'BEGIN { printf "%.2f", a - b }') ms)"
	fi
	printf '%-5s %s: create %s ms%s, %d structs %s ms (cpu %s ms; first lookup %s ms; %d members, %d absent), peak RSS %s MiB\n' \
		"$1" "$3" "$create" "$extra" "$n" "$resolve" "$cpu" "$first" "$m" "$miss" "$rss"
}

run() {
	local ver vmlinux btf
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	build_driver "$WORK"
	for ver in "${KERNELS[@]}"; do
		vmlinux=$(find_vmlinux "$ver")
		btf="$CACHE/types/$ver/vmlinux.btf"
		if [[ -f $btf ]]; then
			bench_one btf "$btf" "$ver"
		else
			echo "btf   $ver: skipped (no $btf; run $0 prepare)"
		fi
		if [[ -n $vmlinux ]]; then
			cat "$vmlinux" > /dev/null # warm the page cache: cold reads are the disk's figure
			bench_one dwarf "$vmlinux" "$ver"
		else
			echo "dwarf $ver: skipped (no vmlinux under $CACHE)"
		fi
	done
}

if [[ $MODE == prepare ]]; then
	for ver in "${KERNELS[@]}"; do
		prepare_kernel "$ver"
	done
else
	run
fi
