#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdscope under valgrind on real dumps: no memory error, no leak.

One fixture of each kernel line (6.1 and 6.12: qi-hang-<line>-l4 when present),
both its vmcore.elf and its vmcore.kdump, under
`valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
--error-exitcode=99`:
  - report, info, bt --all, qi --all-slots, faults, locks, log (BTF types),
    and report with the fixture's -dbg vmlinux (DWARF) when it is installed;
  - one `batch --jobs 2` over two dumps: its forked workers are valgrind
    processes too and are checked the same way.
Every process must end with 0 errors and 0 bytes definitely or indirectly
lost, read from valgrind's ERROR SUMMARY and LEAK SUMMARY lines.  A failure
prints those lines and the first error.

tests/cli/libkdumpfile.supp hides a libkdumpfile 0.5.1 bug in kdump_free()
(see vsc_dumpfile_destroy() in src/core/kdump.c).  A check fails once a .kdump
run no longer needs it, so the suppression goes when the library is fixed.

Environment: VTDSCOPE (the binary), VTDSCOPE_SOURCE_DIR, VTDSCOPE_CACHE or
VTDSCOPE_FIXTURES.  Exit 77 without fixtures or valgrind.  Last line:
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SUPP = os.path.join(SRC, "tests", "cli", "libkdumpfile.supp")
SUPP_NAME = "libkdumpfile-0.5.1-attr-cleanup-after-free"
LINES = ("6.1", "6.12")
COMMANDS = [["report"], ["info"], ["bt", "--all"], ["qi", "--all-slots"], ["faults"],
            ["locks"], ["log"]]
TIMEOUT = 900
# -v: used_suppression lines (which suppression fired); --vgdb=no: no gdbserver chatter.
VALGRIND = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=99", "-v", "--vgdb=no", "--suppressions=" + SUPP]
FIRST_ERROR = re.compile(r"^==\d+== (Invalid |Mismatched |Conditional |Use of |Syscall param |"
                         r"Source and destination |Argument |Process terminating |"
                         r"[\d,]+ (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks "
                         r"are (definitely|indirectly) lost)")


def pick(fx):
    """Per kernel line: qi-hang-<line>-l4, else the first fixture of that line with both dumps."""
    out = []
    for line in LINES:
        cands = [(n, d, m) for n, d, m in fx if m.get("kernel", {}).get("line") == line]
        best = [c for c in cands if c[0] == "qi-hang-%s-l4" % line] or \
            [c for c in cands if len(common.dumps(c[1], c[2])) == 2] or cands
        out.append((line, best[0] if best else None))
    return out


def parse(path):
    """What one valgrind log says: errors, lost bytes, suppressions used, lines to show."""
    text = open(path, errors="replace").read()
    lines = [l for l in text.splitlines() if not l.startswith("--")]
    s = {"errors": None, "definite": None, "indirect": None, "used": {}, "show": []}
    for l in lines:
        m = re.search(r"ERROR SUMMARY: ([\d,]+) errors", l)
        if m:
            s["errors"] = int(m.group(1).replace(",", ""))
            s["summary"] = l
        for kind in ("definite", "indirect"):
            m = re.search(r"%s lost: ([\d,]+) bytes" % ("definitely" if kind == "definite"
                                                        else "indirectly"), l)
            if m:
                s[kind] = int(m.group(1).replace(",", ""))
                s["show"].append(l)
        if "All heap blocks were freed" in l:
            s["definite"] = s["indirect"] = 0
            s["show"].append(l)
    for m in re.finditer(r"used_suppression:\s+(\d+) (\S+)", text):
        s["used"][m.group(2)] = s["used"].get(m.group(2), 0) + int(m.group(1))
    cmd = next((l for l in lines if "Command:" in l), path)
    s["show"] = [cmd] + s["show"] + ([s["summary"]] if "summary" in s else
                                     ["no ERROR SUMMARY: valgrind did not finish"])
    for i, l in enumerate(lines):
        if FIRST_ERROR.match(l):
            block = []
            for b in lines[i:i + 25]:
                if re.match(r"^==\d+== ?$", b):
                    break
                block.append(b)
            s["show"] += ["first error:"] + block
            break
    return s


def clean(s):
    return s["errors"] == 0 and s["definite"] == 0 and s["indirect"] == 0


def valgrind(args, tmp):
    """Run vtdscope ARGS under valgrind; (exit code, stderr, [parsed log per process])."""
    logs = tempfile.mkdtemp(prefix="vg.", dir=tmp)
    cmd = VALGRIND + ["--log-file=" + os.path.join(logs, "%p.log"), common.TOOL] + args
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=TIMEOUT)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        rc, err = "timeout", "timed out after %d s" % TIMEOUT
    return rc, err, [parse(f) for f in sorted(glob.glob(os.path.join(logs, "*.log")))]


def check(r, name, what, rc, err, procs, nprocs=1):
    """One check per run: exit 0 or 1, the expected processes, each clean."""
    bad = [s for s in procs if not clean(s)]
    detail = ["exit %s; %d valgrind process(es), %d expected" % (rc, len(procs), nprocs)]
    for s in bad:
        detail += s["show"]
    if rc not in (0, 1) and err.strip():
        detail += ["stderr: " + err.strip()[:300]]
    return r.check(rc in (0, 1) and len(procs) == nprocs and not bad, name,
                   "%s: no memory errors, nothing definitely or indirectly lost" % what,
                   "\n".join(detail))


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures under %s" % common.FIXTURES)
    if not shutil.which("valgrind"):
        common.skip("valgrind is not installed")
    needed = subprocess.run(["readelf", "-d", common.TOOL], capture_output=True, text=True).stdout
    if "libasan" in needed:
        # the sanitizer build checks the same paths itself; valgrind cannot run it
        common.skip("%s is built with AddressSanitizer" % common.TOOL)
    r = common.Results("valgrind")
    tmp = tempfile.mkdtemp(prefix="vtdscope-valgrind.")
    used = {"elf": [], "kdump": []}      # per run: did the libkdumpfile suppression fire
    batch_inputs = []
    try:
        for line, f in pick(fx):
            if not f:
                r.skip("kernel %s" % line, "no fixture of that kernel line")
                continue
            name, d, m = f
            vml = m.get("kernel", {}).get("vmlinux")
            for fmt, path in common.dumps(d, m):
                kind = "kdump" if path.endswith(".kdump") else "elf"
                batch_inputs.append((kind, path))
                tag = "%s %s" % (name, os.path.basename(path))
                runs = [(" ".join(c), [c[0], path] + c[1:]) for c in COMMANDS]
                if vml and os.path.exists(vml):
                    runs.append(("report --vmlinux (DWARF)", ["report", path, "--vmlinux", vml]))
                for what, args in runs:
                    rc, err, procs = valgrind(args, tmp)
                    check(r, tag, what, rc, err, procs)
                    used[kind].append(("%s %s" % (tag, what),
                                       sum(s["used"].get(SUPP_NAME, 0) for s in procs)))

        # One batch over two dumps (a .kdump and an ELF of the other line when there are).
        kd = [p for k, p in batch_inputs if k == "kdump"]
        el = [p for k, p in batch_inputs if k == "elf"]
        two = (kd[:1] + el[-1:]) if kd and el else [p for _, p in batch_inputs][:2]
        if len(two) == 2:
            out = os.path.join(tmp, "batch.jsonl")
            rc, err, procs = valgrind(["batch"] + two + ["--jobs", "2", "-o", out], tmp)
            if check(r, "batch", "batch --jobs 2 over %s (parent and 2 workers)" %
                     " and ".join(os.path.basename(os.path.dirname(p)) + "/" +
                                  os.path.basename(p) for p in two), rc, err, procs, 3):
                try:
                    rows = [json.loads(l) for l in open(out) if l.strip()]
                except (OSError, ValueError) as e:
                    rows = [str(e)]
                r.check(len(rows) == 2 and all(isinstance(x, dict) and x.get("exit") in (0, 1)
                                               and not x.get("error") for x in rows),
                        "batch", "both workers finished their report", rows)
        else:
            r.skip("batch", "fewer than two dumps")

        # The suppression is for libkdumpfile 0.5.1's kdump_free(): every .kdump run needs
        # it, no ELF run does.  When the library is fixed, this fails: drop the suppression
        # and the note in vsc_dumpfile_destroy().
        if used["kdump"]:
            stale = [t for t, n in used["kdump"] if not n]
            r.check(not stale, "libkdumpfile", "%s still needed by every .kdump run "
                    "(libkdumpfile 0.5.1 kdump_free bug)" % SUPP_NAME,
                    "not used by: %s\nthe library no longer reads freed attributes in "
                    "kdump_free(): delete the entry in tests/cli/libkdumpfile.supp and the "
                    "note in src/core/kdump.c" % ", ".join(stale))
        if used["elf"]:
            wide = [t for t, n in used["elf"] if n]
            r.check(not wide, "libkdumpfile", "%s used by no ELF run" % SUPP_NAME,
                    "used by: %s" % ", ".join(wide))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
