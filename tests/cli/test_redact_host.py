#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""--redact hides the dump's host name in every command's output, through the report.

The fixtures' guests keep the kernel's default nodename "(none)", which is
no host name, so this builds a dump (fixtures/synth/mksynth) from an idle
fixture with init_uts_ns.name.nodename set to HOST = "jiffies": a word that
the commands print anyway (the kernel log's "clocksource: jiffies", `sym
DUMP jiffies`, the hostname of `info` and `report`), so that every check
below can fail.  The ground truth is what was written into the dump.

  - `info` says the hostname is HOST (it is read, not assumed);
  - for every command whose unredacted output holds HOST (text and JSON):
    with --redact it does not, and those commands include info, report, log
    and sym (else the redaction checks would prove nothing);
  - `info --redact` reads <host> for the hostname;
  - `batch --redact --markdown-dir`: the Markdown reports hold no HOST,
    which they do without --redact.

Environment: VTDSCOPE (the binary), VTDSCOPE_SOURCE_DIR, VTDSCOPE_CACHE.
Exit 77 when there is no binary or no idle-6.1-l4 fixture.
Last line: "N passed, N failed".
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import Results, find_exe, remove_tree, skipped  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
MKSYNTH = os.path.join(SRC, "fixtures", "synth", "mksynth")
BASE = "idle-6.1-l4"
HOST = "jiffies"
TIMEOUT = 300
MEMBER = re.compile(r"^\s+(.*?)\s*;\s*/\*\s*(\d+)\s+(\d+)\s*\*/")

# command: arguments after the dump
COMMANDS = {"report": [], "info": [], "log": [], "bt": [], "locks": [], "qi": [],
            "faults": [], "sym": [HOST], "type": ["struct new_utsname"]}
MUST_SHOW = {"info", "report", "log", "sym"}


def run(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out"
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def member_offset(exe, dump, struct, member):
    rc, out, err = run([exe, "type", dump, struct])
    for line in out.splitlines():
        m = MEMBER.match(line)
        if m and re.search(r"\b%s\b" % member, m.group(1)):
            return int(m.group(2))
    raise RuntimeError("no %s.%s in `vtdscope type`: %s" % (struct, member, err.strip()))


def build(exe, base, tmp):
    """The base dump with the nodename set to HOST; its path."""
    off = member_offset(exe, base, "struct uts_namespace", "name") + \
        member_offset(exe, base, "struct new_utsname", "nodename")
    word = int.from_bytes((HOST + "\0").encode().ljust(8, b"\0")[:8], "little")
    scen = os.path.join(tmp, "host.synth")
    out = os.path.join(tmp, "host.elf")
    with open(scen, "w") as f:
        f.write("base %s\npoke init_uts_ns+%d u64 %#x\n" % (base, off, word))
    p = subprocess.run([sys.executable, MKSYNTH, scen, "-o", out, "--vtdscope", exe],
                       capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise RuntimeError("mksynth: %s" % (p.stderr or p.stdout).strip())
    return out


def main():
    exe = find_exe()
    if not exe:
        return skipped("no vtdscope binary (set VTDSCOPE)")
    base = os.path.join(CACHE, "fixtures", BASE, "vmcore.elf")
    if not os.path.isfile(base):
        return skipped("no %s fixture under %s/fixtures" % (BASE, CACHE))
    res = Results()
    tmp = tempfile.mkdtemp(prefix="vtdscope-host-")
    try:
        try:
            dump = build(exe, base, tmp)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            res.check(False, "a dump with the host name %s is built" % HOST, str(e))
            return res.summary("failed:")
        rc, out, err = run([exe, "info", dump, "--format", "json"])
        f = (json.loads(out) if rc in (0, 1, 5) else {}).get("sections", {}) \
            .get("system", {}).get("fields", {})
        res.check(f.get("hostname") == HOST, "info reads the host name %s from the dump" % HOST,
                  "hostname %r; exit %s %s" % (f.get("hostname"), rc, err[:300]))
        rc, out, err = run([exe, "info", dump, "--format", "json", "--redact"])
        f = (json.loads(out) if rc in (0, 1, 5) else {}).get("sections", {}) \
            .get("system", {}).get("fields", {})
        res.check(f.get("hostname") == "<host>", "info --redact reads <host> for the hostname",
                  repr(f.get("hostname")))
        shown = set()
        for cmd, extra in COMMANDS.items():
            for fmt in ("text", "json"):
                argv = [exe, cmd, dump] + extra + ["--format", fmt, "--verbose"]
                rc, plain, err = run(argv)
                if HOST not in plain:
                    continue
                shown.add(cmd)
                rc, red, err = run(argv + ["--redact"])
                res.check(rc in (0, 1, 5) and red.strip() and HOST not in red + err,
                          "%s --format %s --redact: no host name (it shows %d times without)" %
                          (cmd, fmt, plain.count(HOST)),
                          "exit %s; %s" % (rc, [l for l in (red + err).splitlines()
                                                 if HOST in l][:3]))
        res.check(MUST_SHOW <= shown, "the host name shows unredacted in %s (so the checks bite)" %
                  ", ".join(sorted(shown)), "missing: %s" % sorted(MUST_SHOW - shown))
        for redact in (False, True):
            md = os.path.join(tmp, "md-%s" % redact)
            argv = [exe, "batch", dump, "-o", os.path.join(tmp, "b.jsonl"), "--markdown-dir", md]
            rc, out, err = run(argv + (["--redact"] if redact else []))
            text = "".join(open(p, encoding="utf-8").read() for p in glob.glob(md + "/*.md"))
            res.check(rc in (0, 1, 5) and text and (HOST not in text) == redact,
                      "batch --markdown-dir%s: the reports %s the host name" %
                      (" --redact" if redact else "", "hide" if redact else "show"),
                      "exit %s %s" % (rc, err[-300:]))
    finally:
        remove_tree(tmp)
    return res.summary("failed:")


if __name__ == "__main__":
    sys.exit(main())
