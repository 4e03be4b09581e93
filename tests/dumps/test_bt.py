#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Backtraces of real dumps against their oracles.

For every fixture under ${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-~/.cache/vtdscope}/fixtures}
whose manifest.json has oracle.stacks (crash `bt -a` on 6.1, the kernel's own
NMI backtraces on 6.12), run `vtdscope bt DUMP --all --format json` on each of
its dumps (ELF and kdump-compressed) and compare, per CPU, the function names
innermost first.  Each dump is read three ways: BTF only; with the fixture's
-dbg vmlinux; and with `--unwinder cfi`, where the vmlinux's DWARF CFI must
also have found most frames and put every frame (CPUs, and every sleeping
task from its saved frame) at the function, pc and sp ORC gives.

How each oracle is read -- where crash and the console backtraces are exact,
where not, and why -- is written once in tests/oracles.py, with the one
comparison that applies those rules (tests/test_oracles.py proves they still
catch a wrong frame).

The same dumps' `vtdscope report` must show the sections in analyzer order
(system, vtd, faults, locks, bt) and, in bt, each CPU's stack trimmed to
what matters (a prefix of bt's, down to 3 frames past the last interesting
frame -- qi_submit_sync, a spinlock slowpath, panic, module code -- or 8
frames), idle CPUs only in the section's note; `report --verbose` every
frame of every CPU.

Where the manifest has oracle.blocked_tasks (the kernel's sysrq-w report in the
qi-hang-live guests), `bt --state D` must list the same tasks with the same
functions.

Every dump in the fixture set and in the synthetic-dump cache must also give
`bt` a clean exit (0 or 1 with JSON, or 3 with a message), never a crash or a
hang.  Environment: VTDSCOPE (the binary), VTDSCOPE_FIXTURES, VTDSCOPE_CACHE,
VTDSCOPE_BT_VERBOSE=1 (print both lists for every CPU).
Exit 77 when no fixture has oracle stacks; last line "N passed, N failed".
"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import NamedResults as Results  # noqa: E402
import oracles  # noqa: E402
from oracles import norm  # noqa: E402

TIMEOUT = 60
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
FIXTURES = os.environ.get("VTDSCOPE_FIXTURES") or os.path.join(CACHE, "fixtures")
VERBOSE = os.environ.get("VTDSCOPE_BT_VERBOSE") == "1"


def run_json(binary, *args):
    """vtdscope ARGS --format json: (document, None) or (None, why not)."""
    try:
        p = subprocess.run([binary] + list(args) + ["--format", "json"],
                           capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % TIMEOUT
    if p.returncode < 0:
        return None, "killed by signal %d\n%s" % (-p.returncode, p.stderr)
    if p.returncode not in (0, 1):
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip())
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "bad JSON: %s" % e


def task_rows(binary, dump, state, extra):
    """`bt --state STATE`: ({pid: (comm, frame rows without markers)}, None) or (None, why)."""
    doc, err = run_json(binary, "bt", dump, "--state", state, *extra)
    if err:
        return None, err
    return {str(sec["fields"]["pid"]): (sec["fields"].get("comm"),
                                        [r for r in sec.get("tables", {}).get("frames", {})
                                         .get("rows", []) if r["kind"] != "marker"])
            for sec in doc["sections"]["bt"].get("sections", {}).values()}, None


def our_stacks(doc):
    """{cpu: (function names, end_reason, kinds)} from bt's JSON."""
    stacks = {}
    for sec in doc["sections"]["bt"].get("sections", {}).values():
        fields = sec.get("fields", {})
        if "cpu" not in fields or "frames" not in sec.get("tables", {}):
            continue
        rows = [r for r in sec["tables"]["frames"]["rows"] if r["kind"] != "marker"]
        stacks[int(fields["cpu"])] = ([r["function"] or "?" for r in rows],
                                      fields.get("end_reason"), rows)
    return stacks


def check_fixture(binary, fixture, manifest, res):
    name = os.path.basename(fixture)
    oracle = manifest["oracle"]["stacks"]
    source = manifest["oracle"].get("stacks_source", "?")
    bogus = crash_bogus_cpus(fixture)
    rips = crash_exception_rips(fixture)
    panic = manifest.get("panic") or {}
    panic_cpus = {panic.get("cpu")} if panic.get("cpu") is not None else set()
    for cpu, frames in oracle.items():
        if frames and frames[0] == "panic":
            panic_cpus.add(int(cpu))
    dumps = [os.path.join(fixture, f["name"]) for k, f in manifest.get("files", {}).items()
             if k.startswith("vmcore") and isinstance(f, dict) and "name" in f]
    vml = (manifest.get("kernel") or {}).get("vmlinux")
    modes = [("btf", ["--types", "btf"])]
    if vml and os.path.exists(vml):
        modes += [("vmlinux", ["--vmlinux", vml]),
                  ("cfi", ["--vmlinux", vml, "--unwinder", "cfi"])]
    for dump, (mode, extra) in [(d, m) for d in dumps if os.path.exists(d) for m in modes]:
        tag = "%s/%s [%s]" % (name, os.path.basename(dump), mode)
        doc, err = run_json(binary, "bt", dump, "--all", *extra)
        if err and err.startswith("exit 3:"):
            res.skip(tag, "not readable: %s" % err)
            continue
        if err:
            res.fail(tag, "bt --all", err)
            continue
        ours = our_stacks(doc)
        if mode == "btf":
            check_report_view(binary, tag, dump, doc, manifest, res)
            orc_frames = frames_of(ours)
        elif mode == "cfi":
            check_cfi(tag, ours, orc_frames, res)
            check_cfi_tasks(binary, tag, dump, extra, res)
        if (manifest.get("oracle") or {}).get("blocked_tasks"):
            check_blocked(binary, tag, dump, extra, manifest["oracle"]["blocked_tasks"], res)
        for cpu in sorted(oracle, key=int):
            c = int(cpu)
            if c not in ours:
                res.fail(tag, "cpu %d: no stack" % c)
                continue
            funcs, end, rows = ours[c]
            if VERBOSE:
                print("     cpu %d oracle (%s): %s" % (c, source, norm(oracle[cpu])))
                print("     cpu %d ours (end %s): %s" % (c, end, norm(funcs)))
            verdict, what, detail = judge(source, c, oracle[cpu], ours[c], c in panic_cpus,
                                          bogus.get(c), rips.get(c))
            getattr(res, verdict)(tag, what, *([detail] if detail else []))


def frames_of(ours):
    """{cpu: [(function, pc, sp)]}: where each frame is, whoever found it."""
    return {c: [(r["function"], r["pc"], r["sp"]) for r in rows] for c, (_, _, rows) in ours.items()}


def check_cfi(tag, ours, orc_frames, res):
    """--unwinder cfi: DWARF CFI (written by the compiler) found the C frames, and
    every frame lies where ORC (written by objtool) puts it, on every CPU."""
    vias = [r.get("via") for _, _, rows in ours.values() for r in rows]
    cfi = vias.count("cfi")
    steps = len([v for v in vias if v not in ("regs", "saved")])
    res.ok(tag, "CFI found %d of %d frames (the rest: entry code, modules)" % (cfi, steps)) \
        if steps and cfi * 2 > steps else \
        res.fail(tag, "CFI found most frames", "via: %s" % vias)
    same = frames_of(ours) == orc_frames
    res.ok(tag, "CFI and ORC give the same function, pc and sp for every frame of every CPU") \
        if same else res.fail(tag, "CFI and ORC agree", "\n".join(
            "cpu %d:\n  orc %s\n  cfi %s" % (c, orc_frames.get(c), f)
            for c, f in frames_of(ours).items() if orc_frames.get(c) != f))


def task_frames(binary, dump, extra):
    """{pid: [(function, pc, sp, via)]} of every sleeping (S) and blocked (D) task."""
    out = {}
    for state in ("S", "D"):
        tasks, err = task_rows(binary, dump, state, extra)
        if err:
            return None
        out.update({pid: [(r["function"], r["pc"], r["sp"], r.get("via")) for r in rows]
                    for pid, (_, rows) in tasks.items()})
    return out


def check_cfi_tasks(binary, tag, dump, extra, res):
    """Blocked tasks start from their saved frame (inactive_task_frame): CFI and
    ORC must walk them to the same frames."""
    orc = task_frames(binary, dump, ["--types", "btf"])
    cfi = task_frames(binary, dump, extra)
    if not orc or cfi is None:
        res.fail(tag, "bt --state S/D", "no tasks" if orc is not None else "bt failed")
        return
    strip = {pid: [f[:3] for f in fr] for pid, fr in cfi.items()}
    differ = [pid for pid in orc if strip.get(pid) != [f[:3] for f in orc[pid]]]
    n_cfi = sum(1 for fr in cfi.values() for f in fr if f[3] == "cfi")
    if differ or not n_cfi:
        res.fail(tag, "CFI and ORC agree on sleeping tasks", "pids %s; %d CFI frames" % (
            differ[:10], n_cfi))
    else:
        res.ok(tag, "%d sleeping/blocked tasks: CFI and ORC give the same frames "
               "(%d found by CFI)" % (len(orc), n_cfi))


MAX_LATE_SLEEPERS = 2


def check_blocked(binary, tag, dump, extra, oracle, res):
    """`bt --state D` against the kernel's own sysrq-w report of the same guest
    (taken while it stayed wedged; blocked tasks do not move): the same tasks,
    each with the same functions innermost first."""
    tasks, err = task_rows(binary, dump, "D", extra)
    if err:
        res.fail(tag, "bt --state D", err)
        return
    ours = {pid: (comm, [r["function"] or "?" for r in rows])
            for pid, (comm, rows) in tasks.items()}
    bad, late = [], []
    # sysrq-w was printed before the dump: a task that went to sleep after it (a
    # worker queued behind the stuck flush) is blocked in the dump and not in the
    # report.  Every task the kernel listed must be ours; an extra one of ours must
    # be asleep in the scheduler, and at most MAX_LATE_SLEEPERS of them.
    missing = sorted(set(oracle) - set(ours))
    for pid in sorted(set(ours) - set(oracle)):
        if "__schedule" in norm(ours[pid][1]) and len(late) < MAX_LATE_SLEEPERS:
            late.append("%s/%s" % (ours[pid][0], pid))
        else:
            missing.append(pid)
    if missing:
        bad.append("tasks: oracle %s, ours %s" % (sorted(oracle), sorted(ours)))
    for pid, o in sorted(oracle.items()):
        if pid in ours and (ours[pid][0] != o["comm"] or norm(ours[pid][1]) != norm(o["frames"])):
            bad.append("pid %s (%s):\n  oracle %s\n  ours   %s %s" % (
                pid, o["comm"], norm(o["frames"]), ours[pid][0], norm(ours[pid][1])))
    if bad:
        res.fail(tag, "bt --state D equals the kernel's sysrq-w", "\n".join(bad))
    else:
        res.ok(tag, "bt --state D: %d blocked tasks (%s) equal the kernel's sysrq-w, frame for "
               "frame%s" % (len(oracle), ", ".join("%s/%s" % (o["comm"], p) for p, o in
                                                    sorted(oracle.items())),
                            "; asleep since the sysrq-w: %s" % ", ".join(late) if late else ""))


def crash_bogus_cpus(fixture):
    return oracles.crash_bogus_cpus(os.path.join(fixture, "oracle", "crash-bt-a.txt"))


def crash_exception_rips(fixture):
    return oracles.crash_exception_rips(os.path.join(fixture, "oracle", "crash-bt-a.txt"))


def judge(source, c, oracle, ours, panic, bogus_at, rips=None):
    """One CPU's trace against its oracle, by tests/oracles.py's rules."""
    funcs, end, rows = ours
    return oracles.judge_stack(source, c, oracle, funcs, end, rows, panic, bogus_at, rips)


# ---- the report's view of the same stacks ----

REPORT_ORDER = ["system", "vtd", "faults", "locks", "bt"]
FRAMES_PAST_INTERESTING = 3
FRAMES_UNINTERESTING = 8


def interesting(row):
    f = (row["function"] or "").split(".")[0]
    return row["kind"] != "marker" and (
        bool(row["module"]) or f in ("qi_submit_sync", "panic", "vpanic") or
        f.endswith("queued_spin_lock_slowpath"))


def cpu_sections(doc):
    """{cpu: section} of the bt section."""
    return {int(sec["fields"]["cpu"]): sec
            for sec in doc["sections"]["bt"].get("sections", {}).values()
            if "cpu" in sec.get("fields", {})}


def check_report_view(binary, tag, dump, full, manifest, res):
    """`report` shows the CPUs of `bt --all`, trimmed; `report --verbose` all of them.

    @full: bt's JSON.  Trimmed: a prefix of bt's rows, down to the third frame
    past the last interesting one (into the interrupted context when that one
    runs on the IRQ or NMI stack), or 8 frames, the rest counted in a note;
    CPUs left out must be idle-looking and listed in the section's note."""
    doc, err = run_json(binary, "report", dump)
    if err:
        res.fail(tag, "report", err)
        return
    order = [k for k in doc["sections"] if k in REPORT_ORDER]
    if order == REPORT_ORDER:
        res.ok(tag, "report sections in order %s" % order)
    else:
        res.fail(tag, "report sections in order %s" % REPORT_ORDER, order)
    full_cpus, shown = cpu_sections(full), cpu_sections(doc)
    notes = " ".join(doc["sections"]["bt"].get("notes", []))
    must_show = set(int(c) for c in manifest.get("expected_spinners") or [])
    if (manifest.get("panic") or {}).get("cpu") is not None:
        must_show.add(int(manifest["panic"]["cpu"]))
    bad = []
    for cpu, sec in sorted(full_cpus.items()):
        rows = sec["tables"]["frames"]["rows"]
        frames = [r for r in rows if r["kind"] != "marker"]
        if cpu not in shown:
            if any(interesting(r) for r in rows) or cpu in must_show:
                bad.append("cpu %d left out but it matters" % cpu)
            elif not re.search(r"idle CPUs? not shown .*\b%d\b" % cpu,
                               re.sub(r"(\d+)-(\d+)", lambda m: " ".join(
                                   str(i) for i in range(int(m.group(1)),
                                                         int(m.group(2)) + 1)), notes)):
                bad.append("cpu %d left out and not in the idle note %r" % (cpu, notes))
            continue
        got = shown[cpu]["tables"]["frames"]["rows"]
        last = max([i for i, r in enumerate(frames) if interesting(r)], default=None)
        want = min(len(frames), FRAMES_UNINTERESTING if last is None
                   else last + 1 + FRAMES_PAST_INTERESTING)
        # An interesting frame in an interrupt or NMI: down to 3 frames into the context it
        # interrupted (that context's exception frame, off the interrupt stack, first).
        ctx = None if last is None or frames[last]["stack"] not in ("irq", "nmi") else next(
            (i for i in range(last + 1, len(frames))
             if frames[i]["stack"] != frames[last]["stack"] and frames[i]["kind"] == "exception"),
            None)
        if ctx is not None:
            want = min(len(frames), ctx + FRAMES_PAST_INTERESTING)
        fields = shown[cpu]["fields"]
        got_frames = [r for r in got if r["kind"] != "marker"]
        if [(r["function"], r["pc"]) for r in got] != [(r["function"], r["pc"])
                                                        for r in rows[:len(got)]]:
            bad.append("cpu %d: report frames are not a prefix of bt's" % cpu)
        elif len(got_frames) != want or fields.get("frames_shown") != want or \
                fields.get("frames") != len(frames):
            bad.append("cpu %d: %d of %d frames shown (frames_shown %s), want %d" % (
                cpu, len(got_frames), len(frames), fields.get("frames_shown"), want))
        elif want < len(frames) and "%d more frames (--verbose)" % (len(frames) - want) \
                not in shown[cpu].get("notes", []):
            bad.append("cpu %d: no note for the %d frames left out: %s" % (
                cpu, len(frames) - want, shown[cpu].get("notes")))
    if bad:
        res.fail(tag, "report: CPUs trimmed to what matters", "\n".join(bad))
    else:
        res.ok(tag, "report: %d of %d CPUs shown, trimmed to what matters (%s)" % (
            len(shown), len(full_cpus), notes or "no idle CPU"))
    doc, err = run_json(binary, "report", dump, "--verbose")
    if err:
        res.fail(tag, "report --verbose", err)
        return
    verbose = cpu_sections(doc)
    same = sorted(verbose) == sorted(full_cpus) and all(
        verbose[c]["tables"]["frames"]["rows"] == full_cpus[c]["tables"]["frames"]["rows"]
        for c in full_cpus)
    if same:
        res.ok(tag, "report --verbose: every CPU, every frame")
    else:
        res.fail(tag, "report --verbose: every CPU, every frame",
                 "bt: %s, report --verbose: %s" % (sorted(full_cpus), sorted(verbose)))


def robustness(binary, res):
    """Every dump we can find: bt must end cleanly and quickly."""
    dumps = sorted(set(glob.glob(os.path.join(FIXTURES, "*", "vmcore.*")) +
                       glob.glob(os.path.join(CACHE, "synth", "**", "*.elf"), recursive=True) +
                       glob.glob(os.path.join(CACHE, "synth", "**", "*.kdump"), recursive=True)))
    for dump in dumps:
        if dump.endswith((".flat", ".json", ".log")):
            continue
        tag = os.path.relpath(dump, CACHE)
        try:
            p = subprocess.run([binary, "bt", dump, "--all", "--format", "json"],
                               capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            res.fail(tag, "bt --all: timed out")
            continue
        if p.returncode in (0, 1):
            try:
                json.loads(p.stdout)
                res.ok(tag, "bt --all ends cleanly")
            except ValueError as e:
                res.fail(tag, "bt --all: bad JSON", e)
        elif p.returncode == 3 and p.stderr.strip():
            res.ok(tag, "bt --all refuses cleanly: %s" % p.stderr.strip().splitlines()[0])
        else:
            res.fail(tag, "bt --all: exit %d" % p.returncode, p.stderr)


def main():
    binary = os.environ.get("VTDSCOPE") or "vtdscope"
    res = Results()
    fixtures = []
    for mpath in sorted(glob.glob(os.path.join(FIXTURES, "*", "manifest.json"))):
        try:
            manifest = json.load(open(mpath))
        except ValueError:
            continue
        if (manifest.get("oracle") or {}).get("stacks"):
            fixtures.append((os.path.dirname(mpath), manifest))
    if not fixtures:
        print("no fixture with oracle stacks under %s" % FIXTURES)
        print("0 passed, 0 failed")
        return 77
    for fixture, manifest in fixtures:
        check_fixture(binary, fixture, manifest, res)
    robustness(binary, res)
    print("%d passed, %d failed%s" % (res.passed, res.failed,
                                      ", %d skipped" % res.skipped if res.skipped else ""))
    return 1 if res.failed else 0



if __name__ == "__main__":
    sys.exit(main())
