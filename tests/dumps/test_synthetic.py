#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Synthetic dumps against their ground truth.

Each fixtures/synth/scenarios/*.synth is built (once, cached by content) into
${VTDSCOPE_CACHE:-~/.cache/vtdscope}/synth/ by fixtures/synth/mksynth from a
real fixture dump, then vtdscope reads it and every `expect` line of the
scenario is checked against `report --format json`, `qi --all-slots --format
json` and `log`; `bt-*` lines run `bt --all` (BTF only, or with the base's
-dbg vmlinux) and compare with the base fixture's crash oracle through
test_bt's rules.  Every run must end cleanly: exit 0/1 (or 5, analysis
incomplete) with JSON on stdout, or exit 3 with one line on stderr; never a
signal or a hang.  A truncated
copy of a real dump checks the "file cut short" path.

Environment: VTDSCOPE (the binary, set by CTest), VTDSCOPE_CACHE,
VTDSCOPE_VALGRIND=1 (run each synthetic dump once under valgrind),
VTDSCOPE_SYNTH_ONLY=NAME[,NAME] (run only these scenarios).
Exit 77 when no base fixture is present; last line "N passed, N failed".
"""
import glob
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import NamedResults as Results  # noqa: E402
import tempfile

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SYNTH = os.path.join(SRC, "fixtures", "synth")
TIMEOUT = 120
VALGRIND_TIMEOUT = 900
STATUS = {"free": 0, "in-use": 1, "done": 2, "abort": 3}


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_bt  # noqa: E402  (its oracle-reading rules)


def load_mksynth():
    path = os.path.join(SYNTH, "mksynth")
    loader = importlib.machinery.SourceFileLoader("mksynth", path)
    spec = importlib.util.spec_from_loader("mksynth", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def run(cmd, timeout=TIMEOUT):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out after %d s" % timeout


def clean_exit(res, name, label, rc, out, err, want_json=True):
    """No crash, no hang; 0/1/5 with JSON, or 3 with one stderr line.  Returns parsed JSON or None."""
    if rc == "timeout" or not isinstance(rc, int) or rc not in (0, 1, 3, 5):
        res.fail(name, "%s ends cleanly" % label, "exit %s; stderr: %s" % (rc, err.strip()[:500]))
        return None
    if rc == 3:
        lines = [l for l in err.splitlines() if l.strip()]
        res.check(len(lines) == 1, name, "%s: exit 3 with a one-line error" % label, err)
        return None
    if not want_json:
        res.ok(name, "%s ends cleanly (exit %d)" % (label, rc))
        return out
    try:
        doc = json.loads(out)
    except ValueError as e:
        res.fail(name, "%s prints JSON" % label, "%s; stdout starts: %s" % (e, out[:300]))
        return None
    res.ok(name, "%s ends cleanly (exit %d)" % (label, rc))
    return doc


def findings(doc, kind=None):
    return [f for f in (doc or {}).get("findings", []) if kind is None or f.get("kind") == kind]


def finding_texts(f):
    yield f.get("verdict") or ""
    for e in f.get("evidence", []):
        yield e.get("text", "") if isinstance(e, dict) else str(e)


def all_errors(doc):
    """Every error message anywhere in the report (top level and per section)."""
    out = []

    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "errors" and isinstance(v, list):
                    for e in v:
                        out.append(e.get("message", "") if isinstance(e, dict) else str(e))
                else:
                    walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(doc or {})
    return out


def unit_section(qi, unit):
    secs = (qi or {}).get("sections", {}).get("vtd", {}).get("sections", {})
    if unit is None and secs:
        unit = sorted(secs)[0]
    return unit, secs.get(unit)


def slot_status(sec, slot):
    rows = sec.get("tables", {}).get("slots", {}).get("rows", [])
    for r in rows:
        if r.get("slot") == slot:
            return r.get("status")
    return "free"  # slots tables may list only slots that are not free


def status_matches(shown, want):
    """`want` is a name (free/in-use/done/abort) or a raw number the tool must show."""
    if shown is None:
        return False
    shown_s = str(shown).lower()
    if want in STATUS:
        return shown_s == want or shown_s == str(STATUS[want]) or shown_s.replace("qi_", "").replace("_", "-") == want
    v = int(want, 0)
    forms = {str(v), str(v & 0xffffffff), hex(v & 0xffffffff), "0x%08x" % (v & 0xffffffff)}
    if v >= 1 << 31:
        forms.add(str(v - (1 << 32)))
    if v < 0:
        forms.add(str(v))
    return any(f in shown_s for f in forms)


def check_expect(res, name, e, ctx):
    kind, args = e["kind"], e["args"]
    rep, qi = ctx["report"], ctx["qi"]
    label = "expect %s %s" % (kind, " ".join('"%s"' % a if " " in a else a for a in args))
    if kind in ("finding", "no-finding", "finding-substring", "verdict-substring") and rep is None:
        res.fail(name, label, "no report JSON (exit %s)" % ctx["report_rc"])
        return
    if kind == "finding":
        got = findings(rep, args[0])
        res.check(bool(got), name, label,
                  "findings: %s" % ", ".join("%s (%s)" % (f.get("kind"), f.get("verdict")) for f in findings(rep)) or "none")
    elif kind == "no-finding":
        got = findings(rep, args[0])
        res.check(not got, name, label, "\n".join("%s: %s" % (f.get("kind"), f.get("verdict")) for f in got))
    elif kind == "finding-substring":
        got = [t for f in findings(rep, args[0]) for t in finding_texts(f)]
        res.check(any(args[1] in t for t in got), name, label,
                  "texts of %s: %s" % (args[0], json.dumps(got, indent=1)) if got else "no %s finding" % args[0])
    elif kind == "verdict-substring":
        v = rep.get("verdict") or ""
        res.check(args[0] in v, name, label, "verdict: %r" % v)
    elif kind == "error-substring":
        errs = all_errors(rep) + all_errors(qi)
        if ctx["report_rc"] == 3:
            errs.append(ctx["report_err"])
        res.check(any(args[0] in m for m in errs), name, label,
                  "errors: %s; stderr: %s" % (json.dumps(errs), ctx["report_err"].strip()[:300]))
    elif kind in ("slot", "field", "field-substring"):
        unit, sec = unit_section(qi, e.get("unit"))
        if sec is None:
            res.fail(name, label, "no unit %s in `qi` JSON (exit %s)" % (unit, ctx["qi_rc"]))
            return
        if kind == "slot":
            shown = slot_status(sec, e["slot"])
            res.check(status_matches(shown, e["status"]), name, "%s (%s)" % (label, unit),
                      "slot %d status shown as %r" % (e["slot"], shown))
        else:
            shown = sec.get("fields", {}).get(args[0])
            ok = str(shown) == args[1] if kind == "field" else \
                shown is not None and args[1].lower() in str(shown).lower()
            res.check(ok, name, "%s (%s)" % (label, unit), "%s is %r" % (args[0], shown))
    elif kind == "log-substring":
        res.check(args[0] in ctx["log"](), name, label, "not in `vtdscope log` output")
    elif kind in ("bt-oracle", "bt-end"):
        check_bt(res, name, e, ctx)
    elif kind == "exit":
        res.check(ctx["report_rc"] in e["codes"], name, label,
                  "report exit %s; worst finding severity: %s" % (
                      ctx["report_rc"], worst_severity(rep)))
    else:
        res.fail(name, label, "unknown expectation")


def bt_stacks(exe, dump, mode, base_manifest):
    """{cpu: (names, end_reason, rows)} of `bt --all`, or an error string."""
    args = [exe, "bt", dump, "--all", "--format", "json"]
    if mode == "vmlinux":
        vml = (base_manifest.get("kernel") or {}).get("vmlinux")
        if not vml or not os.path.exists(vml):
            return "the base's vmlinux is not present"
        args += ["--vmlinux", vml]
    else:
        args += ["--types", "btf"]
    rc, out, err = run(args)
    if rc not in (0, 1, 5):
        return "bt exit %s: %s" % (rc, err.strip()[:300])
    return test_bt.our_stacks(json.loads(out))


def check_bt(res, name, e, ctx):
    """expect bt-oracle MODE / bt-end MODE REASONS."""
    kind, args = e["kind"], e["args"]
    label = "expect %s %s" % (kind, " ".join(args))
    manifest = ctx["base_manifest"]
    stacks = bt_stacks(ctx["exe"], ctx["dump"], args[0], manifest)
    if isinstance(stacks, str):
        res.fail(name, label, stacks)
        return
    if kind == "bt-end":
        want = set(args[1].split(","))
        bad = {c: s[1] for c, s in stacks.items() if s[1] not in want}
        res.check(stacks and not bad, name, "%s (%d CPUs)" % (label, len(stacks)),
                  "ends: %s" % bad)
        return
    oracle = (manifest.get("oracle") or {}).get("stacks") or {}
    source = (manifest.get("oracle") or {}).get("stacks_source", "?")
    panic_cpu = (manifest.get("panic") or {}).get("cpu")
    bogus = test_bt.crash_bogus_cpus(ctx["base_dir"])
    rips = test_bt.crash_exception_rips(ctx["base_dir"])
    bad, judged = [], []
    for cpu, frames in sorted(oracle.items(), key=lambda kv: int(kv[0])):
        c = int(cpu)
        if c not in stacks:
            bad.append("cpu %d: no stack" % c)
            continue
        verdict, what, detail = test_bt.judge(
            source, c, frames, stacks[c], c == panic_cpu or (frames and frames[0] == "panic"),
            bogus.get(c), rips.get(c))
        judged += [c] if verdict == "ok" else []
        if verdict == "fail":
            bad.append("%s\n%s" % (what, detail))
    vias = sorted({r.get("via") for s in stacks.values() for r in s[2]} - {None})
    res.check(judged and not bad, name, "%s: CPUs %s equal the base's %s (frames via %s)" % (
        label, judged, source, ", ".join(vias)), "\n".join(bad))


def check_verdict(res, name, path, ctx):
    """The verdict against what the scenario built on its base (the guest's ground truth).

    A base dumped from an idle guest has no CPU in qi_submit_sync (its manifest
    says idle): a pending wait descriptor crafted into its queue contradicts the
    stacks (qi_submit_sync() returns only when its wait completed), so the
    verdict is a suspected lockup saying so, never health.  A scenario that
    logs an ITE for a pending device-TLB invalidation names the time-out as the
    cause; a full queue (free_cnt 2 or less) is said to be full."""
    rep, qi = ctx["report"], ctx["qi"]
    if rep is None or qi is None:
        return
    unit, sec = unit_section(qi, None)
    if sec is None:
        return
    rows = sec.get("tables", {}).get("slots", {}).get("rows", [])
    pending = [r for r in rows if r.get("type") == "wait" and r.get("status") == "in-use"]
    with open(path) as f:
        text = f.read()
    v = rep.get("verdict") or ""
    if ctx["base_manifest"].get("scenario") == "idle" and pending:
        res.check(v.startswith("LOCKUP SUSPECTED: ") and "no CPU is in qi_submit_sync" in v and
                  ctx["report_rc"] == 1, name,
                  "verdict: a suspected lockup, %d pending wait(s) and no CPU in qi_submit_sync "
                  "(an idle base)" % len(pending), "exit %s: %s" % (ctx["report_rc"], v))
        if "Invalidation Time-out Error: SID" in text and \
                any(r.get("type") == "dev-tlb" and r.get("status") in ("in-use", "abort") for r in rows):
            res.check("timed out (Invalidation Time-out Error)" in v, name,
                      "verdict: the root cause is the logged time-out", v)
    free_cnt = sec.get("fields", {}).get("free_cnt")
    if isinstance(free_cnt, int) and free_cnt <= 2 and pending:
        res.check("queue full (free_cnt %d)" % free_cnt in v, name,
                  "verdict: the queue is full (free_cnt %d)" % free_cnt, v)


def worst_severity(rep):
    order = ["info", "warning", "error", "critical"]
    sev = [f.get("severity") for f in findings(rep) if f.get("severity") in order]
    return max(sev, key=order.index) if sev else "none"


def run_scenario(res, mk, exe, path, cache, valgrind):
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        sc = mk.parse_scenario(path)
    except mk.SynthError as e:
        res.fail(name, "scenario parses", e)
        return
    base = mk.resolve_base(sc, cache)
    if not os.path.exists(base):
        res.skip(name, "base dump %s not present" % base)
        return
    try:
        dump, stats = mk.cached(sc, base, exe, cache)
    except (mk.SynthError, OSError) as e:
        res.fail(name, "mksynth builds the dump", e)
        return
    res.ok(name, "built %s (%.1f MB, %d pages%s)" % (
        os.path.basename(dump), stats["bytes"] / 1e6, stats["pages"],
        ", cached" if stats.get("cached") else ", %.1f s" % stats["seconds"]))

    rrc, rout, rerr = run([exe, "report", dump, "--format", "json"])
    rep = clean_exit(res, name, "report", rrc, rout, rerr)
    qrc, qout, qerr = run([exe, "qi", dump, "--all-slots", "--format", "json"])
    qi = clean_exit(res, name, "qi", qrc, qout, qerr)
    log_cache = []

    def log():
        if not log_cache:
            lrc, lout, lerr = run([exe, "log", dump])
            clean_exit(res, name, "log", lrc, lout, lerr, want_json=False)
            log_cache.append(lout if lrc in (0, 1, 5) else "")
        return log_cache[0]

    try:
        with open(os.path.join(os.path.dirname(base), "manifest.json")) as f:
            base_manifest = json.load(f)
    except (OSError, ValueError):
        base_manifest = {}
    ctx = {"report": rep, "qi": qi, "report_rc": rrc, "report_err": rerr, "qi_rc": qrc, "log": log,
           "exe": exe, "dump": dump, "base_manifest": base_manifest,
           "base_dir": os.path.dirname(base)}
    # mksynth resolves {sid:…}/{status_addr:…} against the base
    for e in stats.get("expects") or sc["expects"]:
        check_expect(res, name, e, ctx)
    check_verdict(res, name, path, ctx)
    if valgrind:
        vrc, _, verr = run(["valgrind", "--error-exitcode=9", "-q", exe, "report", dump,
                            "--format", "json"], timeout=VALGRIND_TIMEOUT)
        res.check(vrc in (0, 1, 3, 5), name, "valgrind report: no memory errors",
                  "exit %s\n%s" % (vrc, verr[-3000:]))


def find_real_base(mk, scenarios, cache):
    for path in scenarios:
        try:
            base = mk.resolve_base(mk.parse_scenario(path), cache)
        except mk.SynthError:
            continue
        if os.path.exists(base):
            return base
    return None


def run_truncated(res, exe, base, valgrind):
    """A real ELF vmcore cut at 40%: one clear error line naming the file, no crash."""
    name = "truncated"
    size = os.path.getsize(base)
    with tempfile.TemporaryDirectory(prefix="vtdscope-trunc.") as tmp:
        dump = os.path.join(tmp, "vmcore-truncated.elf")
        with open(base, "rb") as src, open(dump, "wb") as dst:
            left = size * 40 // 100
            while left:
                buf = src.read(min(left, 1 << 22))
                if not buf:
                    break
                dst.write(buf)
                left -= len(buf)
        for cmd in (["report"], ["qi"], ["info"]):
            rc, out, err = run([exe, cmd[0], dump] + cmd[1:])
            label = "%s on a dump cut to 40%%" % cmd[0]
            if rc == "timeout" or not isinstance(rc, int) or rc < 0 or rc in (2, 4) or rc > 4:
                res.fail(name, "%s ends cleanly" % label, "exit %s; stderr: %s" % (rc, err.strip()[:500]))
                continue
            lines = [l for l in err.splitlines() if l.strip()]
            res.check(rc != 0, name, "%s exits non-zero" % label, "exit %d" % rc)
            res.check(len(lines) == 1 and "vmcore-truncated.elf" in lines[0], name,
                      "%s: one error line naming the file" % label,
                      "stderr (%d lines): %s" % (len(lines), err.strip()[:600]))
        if valgrind:
            vrc, _, verr = run(["valgrind", "--error-exitcode=9", "-q", exe, "report", dump],
                               timeout=VALGRIND_TIMEOUT)
            res.check(vrc != 9 and isinstance(vrc, int) and vrc >= 0, name,
                      "valgrind report: no memory errors", "exit %s\n%s" % (vrc, verr[-3000:]))


def main():
    exe = os.environ.get("VTDSCOPE")
    if not exe or not os.path.isfile(exe):
        cand = os.path.join(SRC, "build", "vtdscope")
        exe = cand if os.path.isfile(cand) else None
    if not exe:
        print("skip: no vtdscope binary (set VTDSCOPE)")
        print("0 passed, 0 failed")
        return 77
    exe = os.path.abspath(exe)
    cache = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
    mk = load_mksynth()
    scenarios = sorted(glob.glob(os.path.join(SYNTH, "scenarios", "*.synth")))
    only = [s for s in os.environ.get("VTDSCOPE_SYNTH_ONLY", "").split(",") if s]
    if only:
        scenarios = [p for p in scenarios if os.path.splitext(os.path.basename(p))[0] in only]
    valgrind = os.environ.get("VTDSCOPE_VALGRIND") == "1" and shutil.which("valgrind")
    res = Results()

    real_base = find_real_base(mk, scenarios or sorted(glob.glob(os.path.join(SYNTH, "scenarios", "*.synth"))),
                               cache)
    if real_base is None:
        print("skip: no base fixture dump under %s/fixtures (run the fixture harness first)" % cache)
        print("0 passed, 0 failed")
        return 77
    for path in scenarios:
        run_scenario(res, mk, exe, path, cache, valgrind)
    if not only or "truncated" in only:
        run_truncated(res, exe, real_base, valgrind)
    if res.skipped:
        print("(%d scenario(s) skipped: base dump missing)" % res.skipped)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
