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
- system facts (what crash's `sys` shows first), against the guest:
  - hostname and version: the guest's own `uname -a` (manifest uname_a) is
    "Linux NODENAME RELEASE VERSION MACHINE ...";
  - banner: the console's "Linux version ..." line, the kernel printing
    linux_banner at boot;
  - taint (one rule, taint_rule()): the guest's /proc/sys/kernel/tainted
    after the scenario module loaded (manifest kernel.tainted) is a subset of
    the dump's mask (the kernel never clears a taint bit), and the dump's
    flags are exactly those of the console's last "Tainted:" line (the
    kernel's own rendering of tainted_mask closest to the dump; on 6.12+ its
    "[O]=OOT_MODULE, ..." text too), or of the manifest's mask when the
    console printed none (no backtrace after the module load);
  - dump time: crash's `sys` DATE (6.1 fixtures with a crash oracle);
  - offline CPUs: crash's `sys` "CPUS: N [OFFLINE: M]", and every CPU said
    to be stopped by the panic has stop_this_cpu innermost in crash's
    `bt -a`; a guest that did not panic had every vCPU online.
- the system facts on hostile data (a dump made by fixtures/synth/mksynth
  from idle-6.1-l4, the edits being the ground truth): a tainted_mask bit no
  kernel has is shown and warned about, a taint_flags page missing from the
  dump decodes with vtdscope's copy and says so, and a tk_core whose clock
  pointers were zeroed gives no dump time, with the reason.
"""
import calendar
import os
import re
import subprocess
import sys
import tempfile
import time

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


def crash_sys(d):
    """crash's `sys` of the fixture: {KEY: value}, or None without it."""
    path = os.path.join(d, "oracle", "crash-sys.txt")
    if not os.path.exists(path):
        return None
    out = {}
    for line in open(path, errors="replace"):
        k, sep, v = line.partition(":")
        if sep and k.strip().isupper():
            out[k.strip()] = v.strip()
    return out


TAINTED_LINE = re.compile(r"Tainted: (\[.*|[A-Z ]+?)\s+\d+\.\d+")
TAINTED_VERBOSE = re.compile(r"Tainted: ((?:\[[A-Z]\]=[A-Z_0-9]+(?:, )?)+)\s*$")
NOT_TAINTED = re.compile(r"Comm: .* Not tainted \d+\.\d+")


def console_taint(console):
    """The console's last "Tainted:" report: (set of letters, 6.12 text or None), or None."""
    last = None
    for line in open(console, errors="replace"):
        line = line.rstrip("\r\n")
        v = TAINTED_VERBOSE.search(line)
        if v:
            last = (set(re.findall(r"\[([A-Z])\]", v.group(1))), v.group(1))
            continue
        if NOT_TAINTED.search(line):
            last = (set(), None)
            continue
        t = TAINTED_LINE.search(line)
        if t and not t.group(1).startswith("["):
            # print_tainted(): c_true or c_false per flag; G is taint_flags[0].c_false
            letters = set(t.group(1).replace(" ", "")) - {"G"}
            last = (letters, last[1] if last and last[0] == letters else None)
    return last


def taint_rule(m, console, mask, letters, text):
    """The dump's taint against the guest's; an error or None (see the module doc)."""
    guest = (m.get("kernel") or {}).get("tainted")
    if guest is not None and guest & ~mask:
        return "the guest's tainted %#x at module load is not in the dump's mask %#x" % (guest, mask)
    cons = console_taint(console) if os.path.exists(console) else None
    if cons:
        if letters != cons[0]:
            return "flags %s, the console's last Tainted: line has %s" % (sorted(letters),
                                                                       sorted(cons[0]))
        if cons[1] and text != cons[1]:
            return "taint '%s', the kernel printed '%s'" % (text, cons[1])
        return None
    if guest is not None and guest != mask:
        return "no Tainted: line on the console, and the mask %#x is not the guest's %#x" % (
            mask, guest)
    return None if guest is not None else "no ground truth: no Tainted: line, no manifest value"


def check_system(r, name, path, d, m):
    rc, rep, err = common.run(["info", path])
    if not r.check(rc in (0, 1), name, "info exits cleanly", err):
        return
    sec = rep["sections"]["system"]
    f = sec["fields"]
    k = m.get("kernel", {})
    uname = k.get("uname_a") or ""
    if uname:
        host = uname.split()[1]
        r.check(f["hostname"] == host, name, "hostname %s is the guest's uname nodename" %
                f["hostname"], uname)
        r.check(uname.startswith("Linux %s %s %s " % (host, f["release"], f["version"])), name,
                "version '%s' is the guest's uname version" % f["version"], uname)
    console = os.path.join(d, m.get("console_log") or "console.log")
    if os.path.exists(console):
        banner = next((text for _, text in console_lines(console)
                       if text.startswith("Linux version ")), None)
        if banner:
            r.check(norm(f["banner"] or "") == banner, name, "banner is the console's Linux version line",
                    "ours:    %s\nconsole: %s" % (f["banner"], banner))
    rows = ((sec.get("tables") or {}).get("taint_flags") or {}).get("rows") or []
    if r.check(f.get("tainted") is not None, name, "tainted_mask read", f.get("tainted")):
        mask = common.hexint(f["tainted"])
        letters = set(row["flag"] for row in rows)
        r.check(sorted(row["bit"] for row in rows) == [b for b in range(64) if mask >> b & 1],
                name, "one taint_flags row per bit set in %#x" % mask, rows)
        why = taint_rule(m, console, mask, letters, f.get("taint"))
        r.check(not why, name, "taint %#x (%s) is the guest's, by the console's rule" %
                (mask, f.get("taint")), why)
    sysd = crash_sys(d)
    if sysd and sysd.get("DATE"):
        want = calendar.timegm(time.strptime(sysd["DATE"].replace(" UTC", ""),
                                             "%a %b %d %H:%M:%S %Y"))
        got = (f.get("dump_time") or {}).get("wall")
        got_s = calendar.timegm(time.strptime(got, "%Y-%m-%dT%H:%M:%SZ")) if got else None
        r.check(got_s == want, name, "dump time %s is crash's DATE" % got, sysd["DATE"])
    offline = f.get("cpus_offline") or []
    if sysd and sysd.get("CPUS"):
        mm = re.match(r"(\d+)(?:\s*\[OFFLINE: (\d+)\])?", sysd["CPUS"])
        r.check(mm and f["cpus_possible"] == int(mm.group(1)) and
                len(offline) == int(mm.group(2) or 0), name,
                "%d CPUs, offline %s: crash's sys CPUS" % (f["cpus_possible"], offline),
                sysd["CPUS"])
    stacks = ((m.get("oracle") or {}).get("stacks") or {})
    panic = (m.get("panic") or {}).get("cpu")
    if offline and "stopped by the panic" in (f.get("offline_why") or ""):
        from_crash = (m.get("oracle") or {}).get("stacks_source", "").startswith("crash")
        if from_crash:
            bad = [c for c in offline if (stacks.get(str(c)) or [""])[0] != "stop_this_cpu"]
            r.check(not bad and ("on CPU %s" % panic) in f["offline_why"], name,
                    "CPUs %s stopped by the panic on CPU %s: stop_this_cpu innermost in crash's bt" %
                    (offline, panic), "not stopped per crash: %s; %s" % (bad, f["offline_why"]))
    if not m.get("panic"):
        r.check(not offline and f["cpus_online"] == (m.get("machine") or {}).get("vcpus"), name,
                "no panic: every vCPU of the guest online (%s)" % f["cpus_online"],
                "offline %s: %s" % (offline, f.get("offline_why")))


HOSTILE_BASE = "idle-6.1-l4"
HOSTILE = """base %s/vmcore.elf
poke tainted_mask u64 0x10000003000
poke tk_core u64 0
poke tk_core+8 u64 0
poke tk_core+16 u64 0
drop taint_flags taint_flags+1
""" % HOSTILE_BASE


def check_hostile_system(r):
    mksynth = os.path.join(os.environ.get("VTDSCOPE_SOURCE_DIR", "."), "fixtures", "synth", "mksynth")
    if not os.path.exists(os.path.join(common.FIXTURES, HOSTILE_BASE, "vmcore.elf")):
        r.skip("hostile system facts", "no %s fixture" % HOSTILE_BASE)
        return
    name = "hostile-system"
    with tempfile.TemporaryDirectory(prefix="vtdscope-hostile-") as tmp:
        scen, dump = os.path.join(tmp, "h.synth"), os.path.join(tmp, "h.elf")
        open(scen, "w").write(HOSTILE)
        p = subprocess.run([sys.executable, mksynth, scen, "-o", dump, "--vtdscope", common.TOOL],
                           capture_output=True, text=True, timeout=600)
        if not r.check(p.returncode == 0, name, "mksynth builds the dump", p.stderr[-500:]):
            return
        rc, rep, err = common.run(["info", dump])
        if not r.check(rc in (0, 1), name, "info exits cleanly", err):
            return
        sec = rep["sections"]["system"]
        f = sec["fields"]
        warns = [w["message"] for w in rep.get("warnings", []) if w.get("section") == "/sections/system"]
        notes = sec.get("notes", []) or []
        r.check(common.hexint(f["tainted"]) == 0x10000003000 and
                f["taint"] == "[O]=OOT_MODULE, [E]=UNSIGNED_MODULE, [?]=?" and
                any("0x10000003000 sets 1 bit(s) past the" in w for w in warns), name,
                "bit 40 of tainted_mask: shown as [?], and warned about", "%s %s" % (f, warns))
        r.check(any("vtdscope's copy of kernel/panic.c" in str(n) and "not in dump" in str(n)
                    for n in notes), name,
                "taint_flags missing from the dump: decoded with vtdscope's copy, and said", notes)
        r.check(f.get("dump_time") is None and
                "clock pointers" in (sec.get("unavailable") or {}).get("dump_time", ""), name,
                "tk_core's clock zeroed: no dump time, with the reason",
                "%s %s" % (f.get("dump_time"), sec.get("unavailable")))


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
            check_system(r, tag, path, d, m)
        rel = m.get("kernel", {}).get("release")
        dl = common.dumps(d, m)
        if rel not in seen_kernel and dl:
            seen_kernel.add(rel)
            check_types(r, name, dl[0][1], m)
    check_hostile_system(r)
    r.finish()


if __name__ == "__main__":
    main()
