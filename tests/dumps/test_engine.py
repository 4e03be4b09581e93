#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The engine against ground truth on every real fixture (issue: engine).

- `info`: release, build-id, CPUs with registers, paging levels, KASLR offset and
  the panic message equal the manifest (which the harness took from the guest
  and from VMCOREINFO / crash).
- `log`: equal to crash's `log` line for line where crash reads the kernel (6.1);
  elsewhere every decoded record is a line the guest printed on its serial
  console, and the console's last kernel lines are in the ring.
- types: BTF (from the dump) and DWARF (the -dbg vmlinux) give identical sizes
  and member offsets for every struct the analyzers read.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import oracles  # noqa: E402

CONSOLE_LINE = re.compile(r"^\[\s*(\d+)\.(\d{6})\] (.*)$")
STRUCTS = [
    "struct q_inval", "struct intel_iommu", "struct qi_desc", "struct dmar_drhd_unit",
    "struct task_struct", "struct rq", "struct pt_regs", "struct qnode", "struct mcs_spinlock",
    "struct pci_dev", "struct pci_bus", "struct dev_iommu", "struct iommu_fault_param",
    "struct iommu_fault_page_request", "struct iommu_fault", "struct iopf_fault",
    "struct inactive_task_frame", "struct module",
]
MEMBER = re.compile(r"^\s+(.*?)\s*;\s*/\*\s*(\d+)(?::(\d+))?\s+(\d+)\s*\*/")


def norm(text):
    return " ".join(text.split())


def console_lines(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = CONSOLE_LINE.match(line.rstrip("\r\n"))
            if m:
                out.append((int(m.group(1)) * 1000000 + int(m.group(2)), norm(m.group(3))))
    return out


def check_info(r, name, path, m):
    rc, rep, err = common.run(["info", path])
    if not r.check(rc in (0, 1), name, "info exits cleanly", err):
        return
    f = rep["sections"]["system"]["fields"]
    k, mach = m.get("kernel", {}), m.get("machine", {})
    r.check(f["release"] == k.get("release"), name, "release %s" % f["release"])
    if k.get("build_id"):
        r.check(f["build_id"] == k["build_id"], name, "build-id equals the -dbg vmlinux's")
    if k.get("kaslr_offset"):
        r.check(common.hexint(f["kaslr_offset"]) == common.hexint(k["kaslr_offset"]), name,
                "KASLR offset %s" % f["kaslr_offset"])
    if mach.get("vcpus"):
        r.check(f["cpus_with_registers"] == mach["vcpus"], name,
                "%d CPUs with registers (guest had %d vCPUs)" % (f["cpus_with_registers"], mach["vcpus"]))
    if mach.get("paging_levels"):
        r.check(f["paging_levels"] == mach["paging_levels"], name,
                "%d-level paging" % f["paging_levels"])
    want = ((m.get("oracle") or {}).get("panic") or {}).get("message") or (m.get("panic") or {}).get("message")
    if want:
        want = want.replace("---[ end ", "").replace(" ]---", "").strip()
        r.check(f["panic"] is not None and want in f["panic"], name,
                "panic message '%s'" % f["panic"], want)
    else:
        r.check(f["panic"] is None, name, "no panic reported on a dump that did not panic", f["panic"])


def check_log(r, name, path, d, m):
    console = os.path.join(d, m.get("console_log") or "console.log")
    if not os.path.exists(console):
        return
    def decoded(extra):
        rc, text, err = common.run(["log", path] + extra, fmt=None)
        if not r.check(rc == 0, name, "log %s exits 0" % " ".join(extra), err):
            return None
        out = []
        for line in text.splitlines():
            mm = CONSOLE_LINE.match(line)
            if mm:
                out.append((int(mm.group(1)) * 1000000 + int(mm.group(2)), norm(mm.group(3))))
        return out

    everything = decoded([])
    # The console prints levels below its loglevel (7 here): KERN_DEBUG never reaches it.
    ours = decoded(["--level", "6"])
    if everything is None or ours is None:
        return
    r.check(len(ours) > 20, name, "%d log records decoded" % len(ours))
    with open(console, errors="replace") as f:
        cons_recs = oracles.console_records(f)
    cons = [c for c in cons_recs if c[0] != "dropped"]
    why, note = oracles.compare_console_log(ours, cons_recs)
    r.check(not why, name, "every decoded record is a console line, by the console's rules "
            "(%d records%s)" % (len(ours), "; " + note if note else ""), why)
    crash_log = os.path.join(d, "oracle", "crash-log.txt")
    if os.path.exists(crash_log):
        want = console_lines(crash_log)
        r.check(want == everything, name, "log equals crash's `log` line for line (%d lines)" % len(want),
                "first difference at line %d" % next((i for i, (a, b) in enumerate(zip(want, everything)) if a != b),
                                                     min(len(want), len(everything))))
    else:
        # The ring keeps the newest records: the console's last kernel lines must be there.
        oset = set(ours)
        tail = [c for c in cons if c[1]][-10:]
        # The guest is stopped for the dump mid-print: the console's very last line may
        # be a prefix of the record.
        absent = [c for c in tail if c not in oset and
                  not (c is tail[-1] and any(o[0] == c[0] and o[1].startswith(c[1]) for o in ours))]
        r.check(not absent, name, "the console's last %d kernel lines are in the ring" % len(tail),
                "\n".join("%d %s" % x for x in absent))


def layout(path, struct, args):
    rc, text, err = common.run(["type", path, struct] + args, fmt=None)
    if rc != 0:
        return None
    members, size = {}, None
    for line in text.splitlines():
        mm = MEMBER.match(line)
        if mm and "{" not in line:
            decl = mm.group(1)
            nm = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", decl.split("(")[0].split("[")[0].split(":")[0])
            key = "%s@%s" % (nm[-1] if nm else decl, mm.group(2))
            members[key] = (int(mm.group(2)), mm.group(3), int(mm.group(4)))
        sm = re.search(r"size:\s*(\d+)", line)
        if sm:
            size = int(sm.group(1))
    return size, members


def check_types(r, name, path, m):
    modes = dict(common.type_modes(m))
    if "dwarf" not in modes:
        return
    for st in STRUCTS:
        b = layout(path, st, modes["btf"])
        w = layout(path, st, modes["dwarf"])
        if b is None and w is None:
            continue  # not in this kernel
        r.check(b is not None and w is not None and b == w, name,
                "%s: BTF and DWARF agree (%s members)" % (st, len(b[1]) if b else "?"),
                "btf %s\ndwarf %s" % (b, w))


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures under %s" % common.FIXTURES)
    r = common.Results("engine")
    seen_kernel = set()
    for name, d, m in fx:
        for fmt, path in common.dumps(d, m):
            tag = "%s %s" % (name, os.path.basename(path))
            check_info(r, tag, path, m)
            check_log(r, tag, path, d, m)
        rel = m.get("kernel", {}).get("release")
        dl = common.dumps(d, m)
        if rel not in seen_kernel and dl:
            seen_kernel.add(rel)
            check_types(r, name, dl[0][1], m)
    r.finish()


if __name__ == "__main__":
    main()
