#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A sample of the damage campaign (fixtures/damage): a damaged page is never a silent lie.

On one hung fixture per kernel line (qi-hang-6.1-l4, qi-hang-6.12-l4: their
manifests' oracle confirms the seeded lockup), every Nth page `vtdscope
report` reads, plus the pages holding the invalidation queue's state (struct
q_inval, the descriptor ring, desc_status: addresses from the manifest), is
damaged in a private copy in turn and `report` runs on it:

  zero, random   the page's bytes in vmcore.elf (pages in a kdump-compressed
                 file are compressed: page contents are damaged in the ELF dump)
  kdump-desc     the page's descriptor in vmcore.kdump zeroed
  kdump-bitmap   the bitmap word holding the page flipped in vmcore.kdump (every
                 later descriptor shifts: libkdumpfile 0.5.1 once crashed on it)

Fails on any crash (signal, exit 4 or an unknown status, no JSON, a sanitizer
report: under `make check-sanitize` the binary is the ASan/UBSan build), any
hang (> 10 s) and any false healthy verdict (exit 0, or no finding of warning
or worse while the exit status claims a complete analysis) on these hung
dumps, and any run whose peak resident memory exceeds 1 GB (the intact
reports take 25-110 MB); each failure prints the command that reproduces it.
It also fails when the intact report disagrees with the ground truth, when
the report does not read the queue-state pages, when no damage costs the
report its critical finding (the damage would not reach what vtdscope reads),
or when a copy is not restored.

N is 32 (64 for a sanitizer build, which runs ~4x slower), or
$VTDSCOPE_DAMAGE_EVERY; the full campaign is `make damage`.
Environment: VTDSCOPE (the binary, set by CTest), VTDSCOPE_CACHE.
Exit 77 when neither fixture is present; last line "N passed, N failed".
"""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from testlib import remove_tree  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = ("qi-hang-6.1-l4", "qi-hang-6.12-l4")
KINDS = ["zero", "random", "kdump-desc", "kdump-bitmap"]


def load_damage():
    path = os.path.join(SRC, "fixtures", "damage")
    loader = importlib.machinery.SourceFileLoader("damage", path)
    spec = importlib.util.spec_from_loader("damage", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def sanitized(binary):
    needed = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True).stdout
    return "libasan" in needed or "libubsan" in needed


def check_classifier(r, dmg):
    """The verdicts the campaign counts are reachable: it can fail."""
    crit = {"findings": [{"severity": "critical", "kind": "qi-devtlb-hang"}], "verdict": "LOCKUP"}
    warn = {"findings": [{"severity": "warning", "kind": "spinlock-contended"}], "verdict": "x"}
    none = {"findings": [{"severity": "info", "kind": "x"}],
            "verdict": "No VT-d invalidation-queue lockup"}
    cases = [
        ({"rc": None}, None, "hang"),
        ({"rc": -11}, None, "crash"),
        ({"rc": 4}, None, "crash"),
        ({"rc": 2}, None, "crash"),
        ({"rc": 1}, None, "crash"),                         # no JSON on stdout
        ({"rc": 1, "stderr": "x.c:3:5: runtime error: shift exponent"}, crit, "crash"),
        ({"rc": 0}, none, "false-healthy"),
        ({"rc": 0}, {"findings": [], "verdict": ""}, "false-healthy"),
        ({"rc": 0}, crit, "false-healthy"),                 # the exit status says healthy
        ({"rc": 1}, none, "false-healthy"),
        ({"rc": 1}, warn, "lost"),
        ({"rc": 1}, crit, "ok"),
        ({"rc": 5}, none, "ok"),
        ({"rc": 3, "stderr": "vtdscope: page 0x1000 not in dump\n"}, None, "ok"),
        ({"rc": 1, "rss_mb": 5000.0}, crit, "memory"),
        ({"rc": 3, "rss_mb": 5000.0}, None, "memory"),
    ]
    bad = []
    for res, doc, want in cases:
        full = {"rc": res["rc"], "stderr": res.get("stderr", ""), "json": doc, "seconds": 0.1,
                "rss_mb": res.get("rss_mb", 30.0)}
        got = dmg.classify(full, "critical")[0]
        if got != want:
            bad.append("rc %s, findings %s: %s, expected %s" % (
                res["rc"], [f["severity"] for f in (doc or {}).get("findings", [])], got, want))
    r.check(not bad, "classifier",
            "crash, hang, false healthy, memory and lost runs are told apart", "\n".join(bad))


def check_fixture(r, dmg, name, binary, every, scratch):
    t0 = time.monotonic()
    fr = dmg.FixtureRun(name, binary, KINDS, every=every, jobs=1)
    try:
        fr.run(scratch)
    except dmg.DamageError as e:
        r.fail(name, "campaign set up", str(e))
        return None
    secs = time.monotonic() - t0
    r.check(fr.truth and fr.truth[0] == "critical", name,
            "ground truth: the manifest's oracle confirms the lockup", str(fr.truth))
    r.check(not fr.problems, name,
            "intact report agrees with the ground truth, reads the queue state, copies restored",
            "\n".join(fr.problems))
    key = sorted(fr.key)
    for kind in KINDS:
        rs = [x for x in fr.results if x["kind"] == kind]
        ran = [x for x in rs if x["outcome"] != "skipped"]
        fmt = "elf" if kind in dmg.ELF_KINDS else "kdump"
        keyed = {x["page"] for x in rs if x["page"] in fr.key}
        r.check(ran and keyed == set(p for p in key if p not in fr.missing_key), name,
                "%s: %d page(s) of %d traced damaged, queue-state pages among them" %
                (kind, len(ran), fr.trace_counts.get(fmt, 0)),
                "runs %d, queue-state pages damaged %s of %s" %
                (len(ran), sorted(hex(p) for p in keyed), [hex(p) for p in key]))
        for v in dmg.VERDICTS:
            bad = [x for x in ran if x["outcome"] == v]
            r.check(not bad, name, "%s: no %s among %d run(s)" % (kind, v, len(ran)),
                    "\n".join("0x%x%s: %s\n  reproduce: %s" % (
                        x["page"], " (%s)" % x["key"] if x["key"] else "", x["detail"],
                        fr.reproducer(x, binary)) for x in bad))
    # the damage reaches what vtdscope reads: some runs must lose the critical finding
    changed = [x for x in fr.results if x["kind"] == "zero" and x["outcome"] != "skipped"
               and not (x.get("rc") == 1 and x["outcome"] == "ok" and "critical" in x["detail"])]
    r.check(changed, name, "zero: %d run(s) no longer report the intact critical finding "
            "(the damage reaches the reader)" % len(changed),
            "every damaged run reported the intact critical finding")
    return fr, secs


def main():
    present = [n for n in FIXTURES if os.path.exists(os.path.join(common.FIXTURES, n,
                                                                  "manifest.json"))]
    if not present:
        common.skip("none of %s under %s" % (", ".join(FIXTURES), common.FIXTURES))
    binary = common.TOOL
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        common.skip("no vtdscope binary at %s" % binary)
    dmg = load_damage()
    slow = sanitized(binary)
    every = int(os.environ.get("VTDSCOPE_DAMAGE_EVERY") or (64 if slow else 32))
    print("every %d traced page(s)%s, kinds %s, hang after %g s" % (
        every, " (sanitizer build)" if slow else "", ",".join(KINDS), dmg.TIMEOUT))
    r = common.Results("damage")
    check_classifier(r, dmg)
    for n in FIXTURES:
        if n not in present:
            r.skip(n, "fixture not made")
    scratch = tempfile.mkdtemp(prefix="vtdscope-damage-test.")
    done = []
    try:
        for n in present:
            out = check_fixture(r, dmg, n, binary, every, scratch)
            if out:
                done.append(out)
    finally:
        remove_tree(scratch)
    if done:
        dmg.print_table([fr for fr, _s in done])
        print("seconds: %s" % ", ".join("%s %.0f" % (fr.name, s) for fr, s in done))
    r.finish()


if __name__ == "__main__":
    main()
