#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdscope batch` over the fixture set.

  - one JSON line per dump found, in input order (index 0, 1, ...), with the
    documented members and types;
  - every line agrees with `vtdscope report --format json` on the same dump
    (verdict, findings in order, exit status), and the exit member follows
    vtdscope(1): 1 exactly when a finding is of warning severity or worse;
  - flattened files, unreadable and missing inputs become error lines and
    the batch goes on; a worker that hangs (a FIFO) is killed by --timeout;
  - the summary members against the guest: release and build_id are the
    manifest's (guest uname -r, the -dbg vmlinux's build-id); dump_time is
    crash's `sys` DATE where a crash oracle exists; panic holds the console's
    panic message (null when the guest did not panic); taint's mask holds the
    guest's /proc/sys/kernel/tainted and its flags are the letters the
    kernel's documentation gives those bits; verdict_kind is the first
    finding's kind, and devices name only the device the scenario drove
    (manifest target.pci), which a device finding must name;
  - --markdown-dir writes one report per dump under distinct names, through
    a temporary file: none is left behind, and a report that cannot be put
    in place is an io error line;
  - --redact leaves no kernel address in the lines;
  - the exit status follows the documented precedence (4 > 3 > 1 > 0), usage
    errors exit 2;
  - the summary goes to stderr, with no progress bar when stderr is not a
    terminal, and a progress bar when it is (via script(1), if installed);
  - throughput: at least 100 dumps/min with --jobs 2 over >= 24 dumps (links
    to the fixture dumps).

Environment: VTDSCOPE (the binary), VTDSCOPE_CACHE (fixtures under
$VTDSCOPE_CACHE/fixtures, default ~/.cache/vtdscope), VTDSCOPE_BATCH_MIN_RATE
(dumps/min, default 100).  Exit 77 when there is no fixture dump.  Last line:
"N passed, N failed".
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import Results, find_exe, skipped  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
TIMEOUT = 900
SEVERITIES = ["info", "warning", "error", "critical"]
OPT_STR = (str, type(None))
MEMBERS = {"index": int, "path": str, "verdict": OPT_STR, "findings": list,
           "verdict_kind": OPT_STR, "devices": list, "release": OPT_STR, "build_id": OPT_STR,
           "dump_time": OPT_STR, "panic": OPT_STR, "taint": (dict, type(None)),
           "report_errors": int, "exit": int, "seconds": float, "error": (dict, type(None))}
# Documentation/admin-guide/tainted-kernels.rst: the letter of each bit of
# /proc/sys/kernel/tainted (bit 0 reads P when set).
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTNJ"
# Finding kinds that name the device at fault.
DEVICE_KINDS = ("qi-devtlb-hang", "iopf-pending")


def run(argv, timeout=TIMEOUT, **kw):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, **kw)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out after %d s" % timeout


def read_lines(res, path, what):
    lines = []
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        res.check(False, "%s: results file written" % what, str(e))
        return lines
    for n, raw in enumerate(text.splitlines()):
        try:
            lines.append(json.loads(raw))
        except ValueError as e:
            res.check(False, "%s: line %d is JSON" % (what, n + 1), "%s\n%s" % (e, raw[:300]))
    res.check(text.endswith("\n") or not text, "%s: every line ends with a newline" % what)
    return lines


def check_shape(res, lines, what):
    bad = []
    for i, l in enumerate(lines):
        for k, t in MEMBERS.items():
            if k not in l or not isinstance(l[k], t) or isinstance(l[k], bool):
                bad.append("line %d: %s is %r" % (i, k, l.get(k, "<missing>")))
        for f in l.get("findings") or []:
            if set(f) != {"severity", "kind", "verdict"} or f.get("severity") not in SEVERITIES:
                bad.append("line %d: finding %r" % (i, f))
        t = l.get("taint")
        if t is not None and (set(t) != {"mask", "flags"} or not isinstance(t["flags"], list) or
                              not re.match(r"^0x[0-9a-f]+$", str(t["mask"]))):
            bad.append("line %d: taint %r" % (i, t))
        if not all(isinstance(d, str) for d in l.get("devices") or []):
            bad.append("line %d: devices %r" % (i, l.get("devices")))
        if l.get("error") and not l.get("markdown") and any(l.get(k) not in (None, []) for k in
                                  ("verdict_kind", "devices", "release", "build_id",
                                   "dump_time", "panic", "taint")):
            bad.append("line %d: an error line with summary members %r" % (i, l))
        e = l.get("error")
        if e is not None and (set(e) != {"kind", "message"} or not e["message"]):
            bad.append("line %d: error %r" % (i, e))
        if (e is None) != (l.get("exit") in (0, 1)) and not (e and e.get("kind") == "io"
                                                                and l.get("markdown")):
            bad.append("line %d: exit %r with error %r" % (i, l.get("exit"), e))
    res.check(not bad, "%s: every line has the documented members" % what, "\n".join(bad))
    idx = [l.get("index") for l in lines]
    res.check(idx == list(range(len(lines))), "%s: lines are in input order (index 0..n-1)" % what,
              "indexes: %s" % idx)


def worst_rule(findings):
    return 1 if any(SEVERITIES.index(f["severity"]) >= 1 for f in findings) else 0


def manifest_of(dump):
    try:
        return json.load(open(os.path.join(os.path.dirname(dump), "manifest.json")))
    except (OSError, ValueError):
        return {}


def crash_date(dump):
    """crash's `sys` DATE of the fixture as ISO 8601 UTC, or None."""
    path = os.path.join(os.path.dirname(dump), "oracle", "crash-sys.txt")
    if not os.path.exists(path):
        return None
    for line in open(path, errors="replace"):
        k, _, v = line.partition(":")
        if k.strip() == "DATE":
            t = time.strptime(v.strip().replace(" UTC", ""), "%a %b %d %H:%M:%S %Y")
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
    return None


def check_summary(res, name, l, m, dump):
    """The line's summary members against the guest (see the module doc)."""
    k = m.get("kernel") or {}
    res.check(l["release"] == k.get("release"), "%s: release %s is the guest's" %
              (name, l["release"]), k.get("release"))
    if k.get("build_id"):
        res.check(l["build_id"] == k["build_id"], "%s: build_id is the -dbg vmlinux's" % name,
                  "%s != %s" % (l["build_id"], k["build_id"]))
    date = crash_date(dump)
    if date:
        res.check(l["dump_time"] == date, "%s: dump_time %s is crash's DATE" %
                  (name, l["dump_time"]), date)
    want = ((m.get("panic") or {}).get("message"))
    res.check((want in (l["panic"] or "")) if want else l["panic"] is None,
              "%s: panic %r is the guest's (%s)" % (name, l["panic"], want))
    guest = k.get("tainted")
    t = l["taint"] or {}
    mask = int(t.get("mask") or "0x0", 16)
    res.check(t and (guest is None or not guest & ~mask) and
              t["flags"] == [TAINT_LETTERS[b] for b in range(len(TAINT_LETTERS)) if mask >> b & 1],
              "%s: taint %s %s holds the guest's %s, with the documented letters" %
              (name, t.get("mask"), t.get("flags"), guest), json.dumps(t))
    res.check(l["verdict_kind"] == (l["findings"][0]["kind"] if l["findings"] else None),
              "%s: verdict_kind %s is the most severe finding's" % (name, l["verdict_kind"]))
    target = (m.get("target") or {}).get("pci")
    res.check(all(d == target for d in l["devices"]) and
              (l["devices"] or l["verdict_kind"] not in DEVICE_KINDS),
              "%s: devices %s: the scenario's device %s when the verdict names one" %
              (name, l["devices"], target), json.dumps(l["findings"])[:400])


def fixture_dumps():
    """Dump files under the fixture dirs, as batch should find them (sorted)."""
    out = []
    for d in sorted(glob.glob(os.path.join(CACHE, "fixtures", "*"))):
        if not os.path.isdir(d) or os.path.basename(d).startswith("."):
            continue
        for f in sorted(os.listdir(d)):
            if f.startswith("vmcore.") and f.split(".", 1)[1] in ("elf", "kdump", "flat"):
                out.append(os.path.join(d, f))
    return out


def main():
    exe = find_exe()
    if not exe:
        return skipped("no vtdscope binary (set VTDSCOPE)")
    dumps = fixture_dumps()
    readable = [d for d in dumps if not d.endswith(".flat")]
    if not readable:
        return skipped("no fixture dump under %s/fixtures (run the fixture harness first)" % CACHE)
    res = Results()
    tmp = tempfile.mkdtemp(prefix="vtdscope-batch-")
    try:
        run_checks(res, exe, tmp, dumps, readable)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed%s" % (res.passed, res.failed,
                                       ", %d skipped" % res.skipped if res.skipped else ""))
    return 1 if res.failed else 0


def run_checks(res, exe, tmp, dumps, readable):
    fixdir = os.path.join(CACHE, "fixtures")
    out = os.path.join(tmp, "all.jsonl")
    md = os.path.join(tmp, "md")
    t0 = time.time()
    rc, so, se = run([exe, "batch", fixdir, "--jobs", "2", "-o", out, "--markdown-dir", md])
    wall = time.time() - t0
    res.check(isinstance(rc, int) and rc >= 0, "batch over the fixture set finishes", se)
    lines = read_lines(res, out, "fixture batch")
    check_shape(res, lines, "fixture batch")
    res.check([l["path"] for l in lines] == dumps,
              "batch finds every fixture dump (vmcore.elf/.kdump/.flat), in name order",
              "found:    %s\nexpected: %s" % ([l["path"] for l in lines], dumps))
    res.check(not so, "nothing on stdout with -o", so[:300])
    res.check("\r" not in se and "\x1b" not in se, "no progress bar when stderr is not a tty",
              repr(se[:300]))
    m = re.search(r"(\d+) dumps? in ([\d.]+) s", se)
    res.check(m and int(m.group(1)) == len(lines), "the summary counts the dumps", se)
    print("     fixture batch: %d dumps in %.1f s" % (len(lines), wall))

    any_error = any(l["exit"] in (3, 4) for l in lines)
    any_find = any(l["exit"] == 1 for l in lines)
    want_rc = 4 if any(l["exit"] == 4 for l in lines) else 3 if any_error else \
        1 if any_find else 0
    res.check(rc == want_rc, "batch exit status follows the precedence (got %s, want %d)" %
              (rc, want_rc), se[-1000:])

    mds = set()
    for l in lines:
        p = l["path"]
        name = os.path.relpath(p, fixdir)
        if p.endswith(".flat"):
            e = l["error"] or {}
            res.check(l["exit"] == 3 and e.get("kind") == "format" and
                      "makedumpfile -R" in e.get("message", ""),
                      "%s: flattened file is an error line saying how to convert it" % name,
                      json.dumps(l)[:500])
            continue
        rrc, rout, rerr = run([exe, "report", "--format", "json", p])
        try:
            rep = json.loads(rout)
        except ValueError:
            res.check(False, "%s: vtdscope report --format json works" % name,
                      "exit %s\n%s" % (rrc, rerr))
            continue
        want = [{"severity": f["severity"], "kind": f["kind"], "verdict": f["verdict"]}
                for f in rep.get("findings", [])]
        res.check(l["verdict"] == rep.get("verdict") and l["findings"] == want,
                  "%s: batch line has the report's verdict and findings" % name,
                  "batch:  %s\nreport: %s" % (json.dumps([l["verdict"], l["findings"]])[:600],
                                              json.dumps([rep.get("verdict"), want])[:600]))
        res.check(l["exit"] == rrc, "%s: exit member %s is what `vtdscope report` exits (%s)" %
                  (name, l["exit"], rrc))
        res.check(l["report_errors"] == len(rep.get("errors", [])),
                  "%s: report_errors (%d) counts the report's errors (%d)" %
                  (name, l["report_errors"], len(rep.get("errors", []))))
        res.check(l["exit"] == worst_rule(l["findings"]),
                  "%s: exit %s follows vtdscope(1): 1 iff a finding is warning or worse" %
                  (name, l["exit"]),
                  "findings: %s" % [f["severity"] + " " + f["kind"] for f in l["findings"]])
        check_summary(res, name, l, manifest_of(p), p)
        mdp = l.get("markdown")
        ok = bool(mdp) and os.path.isfile(mdp) and \
            open(mdp, encoding="utf-8").read().startswith("# ")
        res.check(ok, "%s: Markdown report written (%s)" % (name, mdp))
        if mdp:
            mds.add(mdp)
    res.check(len(mds) == len([l for l in lines if not l["path"].endswith(".flat")]),
              "Markdown file names are distinct", sorted(mds))
    left = [n for n in os.listdir(md) if n.startswith(".")] if os.path.isdir(md) else []
    res.check(os.path.isdir(md) and not left, "--markdown-dir: no temporary file left behind",
              left)

    check_markdown_rename(res, exe, tmp, readable)

    check_errors(res, exe, tmp, readable)
    check_redact(res, exe, tmp, readable)
    check_usage(res, exe, tmp, readable)
    check_tty(res, exe, tmp, readable)
    check_rate(res, exe, tmp, readable)


def check_markdown_rename(res, exe, tmp, readable):
    """A report replaces the old one whole; one that cannot be put in place is an io error."""
    md = os.path.join(tmp, "md-rename")
    os.mkdir(md)
    name = os.path.basename(readable[0]) + ".md"
    old = os.path.join(md, name)
    with open(old, "w") as f:
        f.write("old report\n")
    os.chmod(old, 0o640)
    out = os.path.join(tmp, "rename.jsonl")
    rc, so, se = run([exe, "batch", readable[0], "-o", out, "--markdown-dir", md], timeout=300)
    lines = read_lines(res, out, "markdown rename batch")
    text = open(old).read()
    res.check(len(lines) == 1 and lines[0].get("markdown") == old and text.startswith("# ") and
              (os.stat(old).st_mode & 0o777) == 0o640 and
              sorted(os.listdir(md)) == [name],
              "--markdown-dir over an old report: replaced whole, its mode kept, no temporary file",
              "%s\n%s\n%s" % (lines, text[:80], os.listdir(md)))
    # The report's name taken by a directory: rename() cannot replace it.
    os.unlink(old)
    os.mkdir(old)
    rc, so, se = run([exe, "batch", readable[0], "-o", out, "--markdown-dir", md], timeout=300)
    lines = read_lines(res, out, "markdown failure batch")
    e = lines[0].get("error") if lines else None
    res.check(lines and e and e["kind"] == "io" and lines[0]["exit"] == 4 and
              lines[0]["findings"] is not None and rc == 4 and
              sorted(os.listdir(md)) == [name] and not os.listdir(old),
              "a report that cannot be put in place: io error line, exit 4, nothing left behind",
              "exit %s\n%s\n%s" % (rc, lines, os.listdir(md)))


def check_errors(res, exe, tmp, readable):
    """Missing, random and hanging inputs become error lines; the batch goes on."""
    rnd = os.path.join(tmp, "random.bin")
    with open(rnd, "wb") as f:
        f.write(os.urandom(65536))
    fifo = os.path.join(tmp, "hang.fifo")
    os.mkfifo(fifo)
    stall = os.path.join(tmp, "stall.vmcore")
    os.symlink(readable[0], stall)
    missing = os.path.join(tmp, "missing.vmcore")
    out = os.path.join(tmp, "errors.jsonl")
    argv = [exe, "batch", missing, rnd, readable[0], stall, fifo, "--timeout", "3", "--jobs", "2",
            "-o", out]
    # The worker for stall.vmcore sleeps (test hook): --timeout must kill it.
    env = dict(os.environ, VTDSCOPE_TEST_STALL="stall.vmcore")
    rc, so, se = run(argv, timeout=120, env=env)
    lines = read_lines(res, out, "error batch")
    check_shape(res, lines, "error batch")
    if not res.check(len(lines) == 5, "error batch: one line per input", se):
        return
    res.check(lines[0]["error"] and lines[0]["error"]["kind"] == "io" and lines[0]["exit"] == 3,
              "a missing file is an io error line, exit 3", json.dumps(lines[0]))
    res.check(lines[1]["error"] and lines[1]["error"]["kind"] == "format" and
              lines[1]["exit"] == 3, "random bytes are a format error line, exit 3",
              json.dumps(lines[1]))
    res.check(lines[2]["error"] is None, "the good dump after them is analyzed",
              json.dumps(lines[2])[:500])
    res.check(lines[3]["error"] and lines[3]["error"]["kind"] == "timeout" and
              lines[3]["exit"] == 4, "a worker that stalls is killed by --timeout",
              json.dumps(lines[3]))
    res.check(lines[4]["error"] and lines[4]["exit"] == 3 and
              "not a regular file" in lines[4]["error"]["message"],
              "a FIFO is refused at once, not waited on", json.dumps(lines[4]))
    res.check(rc == 4, "exit status 4 when a worker timed out (over 3 and 1), got %s" % rc, se)
    m = re.search(r"errors \(exit 3, 4\)\s+(\d+)", se)
    res.check(m and m.group(1) == "4", "the summary counts 4 errors", se)

    rc, so, se = run([exe, "batch", missing, rnd, "-o", out], timeout=120)
    res.check(rc == 3, "exit status 3 when dumps cannot be read, got %s" % rc, se)
    # Standard output when there is no -o.
    rc, so, se = run([exe, "batch", rnd], timeout=120)
    res.check(rc == 3 and len(so.splitlines()) == 1 and json.loads(so)["path"] == rnd,
              "without -o the lines go to stdout", so[:300] + se[:300])


def check_redact(res, exe, tmp, readable):
    out = os.path.join(tmp, "redact.jsonl")
    rc, so, se = run([exe, "--redact", "batch"] + readable + ["-o", out, "--jobs", "2"])
    text = open(out).read() if os.path.isfile(out) else ""
    res.check(text and not re.search(r"0xffff[0-9a-f]{4}", text),
              "--redact: no kernel address in the lines",
              "\n".join(re.findall(r".{40}0xffff[0-9a-f]{4}.{20}", text)[:5]))


def check_usage(res, exe, tmp, readable):
    for argv, what in (([exe, "batch"], "no inputs"),
                       ([exe, "batch", readable[0], "--jobs", "0"], "--jobs 0"),
                       ([exe, "batch", readable[0], "--jobs", "x"], "--jobs x"),
                       ([exe, "batch", readable[0], "--frobnicate"], "an unknown option"),
                       ([exe, "batch", readable[0], "--jobs"], "--jobs without a value")):
        rc, so, se = run(argv, timeout=60)
        res.check(rc == 2 and len(se.splitlines()) == 1 and not so,
                  "batch with %s: exit 2, one line on stderr" % what,
                  "exit %s\nstderr: %s\nstdout: %s" % (rc, se, so[:200]))
    empty = os.path.join(tmp, "emptydir")
    os.mkdir(empty)
    rc, so, se = run([exe, "batch", empty, "-o", os.path.join(tmp, "e.jsonl")], timeout=60)
    res.check(rc == 3 and "no dump" in se, "batch on a directory without dumps: exit 3 and says so",
              "exit %s\n%s" % (rc, se))


def check_tty(res, exe, tmp, readable):
    if not shutil.which("script"):
        res.skip("progress bar on a terminal", "script(1) is not installed")
        return
    out = os.path.join(tmp, "tty.jsonl")
    cmd = " ".join("'%s'" % a for a in [exe, "batch"] + readable[:2] + ["-o", out])
    rc, so, se = run(["script", "-qec", cmd, "/dev/null"], timeout=120)
    res.check("\r" in so and "dumps" in so and "[" in so,
              "a progress bar on stderr when it is a terminal", repr(so[:400]))


def check_rate(res, exe, tmp, readable):
    """>= 100 dumps/min on 2 jobs: links to the fixture dumps, 24 or more."""
    many = os.path.join(tmp, "many")
    os.mkdir(many)
    n = 0
    while n < 24:
        for d in readable:
            os.symlink(d, os.path.join(many, "d%03d-%s" % (n, os.path.basename(d))))
            n += 1
    out = os.path.join(tmp, "many.jsonl")
    # Warm the page cache so that the rate measures vtdscope, not the disk.
    run([exe, "batch", many, "--jobs", "2", "-o", out])
    before = os.times()
    t0 = time.time()
    rc, so, se = run([exe, "batch", many, "--jobs", "2", "-o", out])
    wall = time.time() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    lines = read_lines(res, out, "throughput batch")
    rate = len(lines) * 60.0 / wall if wall > 0 else 0
    # What 2 idle cores would do: the CPU time spread over 2 cores.
    cpu_rate = len(lines) * 60.0 / (cpu / 2) if cpu > 0 else 0
    want = float(os.environ.get("VTDSCOPE_BATCH_MIN_RATE", "100"))
    load = float(open("/proc/loadavg").read().split()[0])
    print("     throughput: %d dumps in %.1f s = %.0f dumps/min wall, %.0f dumps/min from CPU "
          "time (%.1f s) on 2 cores; load average %.2f" % (len(lines), wall, rate, cpu_rate,
                                                          cpu, load))
    res.check(len(lines) == n and cpu_rate >= want,
              "throughput >= %.0f dumps/min on 2 cores by CPU time (%.0f over %d dumps)" %
              (want, cpu_rate, n), se)
    if load <= 2.5:
        res.check(rate >= want, "throughput >= %.0f dumps/min on 2 jobs by the clock (%.0f)" %
                  (want, rate), se)
    else:
        res.skip("throughput by the clock (%.0f dumps/min)" % rate,
                 "the machine is busy (load average %.2f)" % load)


if __name__ == "__main__":
    sys.exit(main())
