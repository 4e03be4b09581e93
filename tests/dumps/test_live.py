#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live mode: vtdscope inside a real guest, on /proc/kcore.

fixtures/run-in-guest boots the fixture kernel under QEMU, puts the built
binary and its libraries into the initramfs and runs it on the serial console.
Ground truth is the guest itself: its release (uname, recorded in the fixture
manifests of the same kernel line), its kernel log, and on the wedged guest the
stuck batch the scenario module submitted.  The wedged guest must answer at all
(live mode takes no lock: a reader that took q_lock would hang there).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR", ".")
RUN = os.path.join(SRC, "fixtures", "run-in-guest")


def release_of(line):
    for name, d, m in common.fixtures():
        if m.get("kernel", {}).get("line") == line:
            return m["kernel"]["release"]
    return None


def run_in_guest(line, state, args):
    cmd = [RUN, "--line", line, "--state", state, "--timeout", "240", "--",
           os.path.abspath(common.TOOL)] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=420)
    return p.returncode, p.stdout, p.stderr


def parse_json(text):
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        return json.loads(text[start:end + 1])
    except ValueError:
        return None


def main():
    if not os.path.exists(RUN) or not common.fixtures():
        common.skip("no fixtures (make fixtures) or no run-in-guest")
    r = common.Results("live")
    for line, state in (("6.1", "idle"), ("6.12", "idle"), ("6.1", "qi-hang-live")):
        tag = "%s %s /proc/kcore" % (line, state)
        want = release_of(line)
        if not want:
            continue
        rc, out, err = run_in_guest(line, state, ["report", "/proc/kcore", "--format", "json"])
        rep = parse_json(out)
        if not r.check(rep is not None, tag, "report ran in the guest and printed JSON",
                       "exit %s\n%s\n%s" % (rc, out[-1500:], err[-1500:])):
            continue
        sysf = rep["sections"]["system"]["fields"]
        r.check(sysf["release"] == want, tag, "release %s" % sysf["release"])
        r.check("kcore" in sysf["dump_format"] and sysf["dump_kind"] == "live", tag,
                "read as the live kernel (%s)" % sysf["dump_format"])
        logs = "\n".join(rep["sections"]["system"].get("code", {}).get("log", {}).get("lines", []))
        if state == "idle":
            r.check("dmar0: Using Queued invalidation" in logs, tag,
                    "the guest's own log is read (its DMAR boot lines)")
        else:
            # The VT-d section keeps the first and last DMAR lines: the IQE reports.
            vlog = "\n".join(rep["sections"]["vtd"].get("code", {}).get("log", {}).get("lines", []))
            r.check("Invalidation Queue Error" in vlog, tag,
                    "the guest's own log is read (the IQE reports it is printing)", vlog[-800:])
        units = rep["sections"]["vtd"].get("sections", {})
        if not r.check("dmar0" in units, tag, "dmar0 and its queue read live", list(units)):
            continue
        f = units["dmar0"]["fields"]
        r.check(0 <= f["free_head"] < 256 and 0 <= f["free_tail"] < 256, tag,
                "free_head %s / free_tail %s in range" % (f["free_head"], f["free_tail"]))
        if state == "qi-hang-live":
            rows = units["dmar0"]["tables"]["slots"]["rows"]
            dev = [x for x in rows if x["type"] == "dev-tlb" and x["status"] == "in-use"]
            r.check(bool(dev), tag, "the stuck device-TLB invalidation is in the live ring", rows[:6])
            batches = units["dmar0"]["tables"]["batches"]["rows"]
            r.check(any(b["state"] == "waiting for hardware" for b in batches), tag,
                    "its batch waits for the hardware", batches)
    r.finish()


if __name__ == "__main__":
    main()
