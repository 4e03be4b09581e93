#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live mode: vtdscope inside a real guest, on /proc/kcore.

fixtures/run-in-guest boots the fixture kernel under QEMU, puts the built
binary and its libraries into the initramfs and runs it on the serial console.
Ground truth is the guest itself: its release (uname, recorded in the fixture
manifests of the same kernel line), its kernel log, and on the wedged guest the
stuck batch the scenario module submitted.  The wedged guest must answer at all
(live mode takes no lock: a reader that took q_lock would hang there).

Refresh (tests/live/refresh_probe.c): one target opened once in the guest and
refreshed a few times, 0.5 s apart.  Ground truth is the guest again: jiffies
advance at the HZ of the kernel's own config, /proc/modules names the module
the probe unloads between two refreshes, the kernel log holds the marker
lines the probe wrote; kallsyms and BTF are decoded once, the epoch counts the
refreshes, and on the wedged guest every refresh returns promptly.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR", ".")
RUN = os.path.join(SRC, "fixtures", "run-in-guest")
PROBE = os.environ.get("VTDSCOPE_REFRESH_PROBE") or os.path.join(
    os.path.dirname(os.path.abspath(common.TOOL)), "tests", "refresh_probe")
REFRESHES = 3
MEASURE = 5                 # refresh + VT-d re-read vs reopen + read, timed this many times
REFRESH_BOUND_MS = 2000     # one refresh on a wedged guest: reads a few pages, takes no lock


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


def config_hz(release):
    """CONFIG_HZ of the kernel package the guest boots (its /boot/config), or None."""
    path = os.path.join(common.CACHE, "kernels", release, "root", "boot", "config-" + release)
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("CONFIG_HZ="):
                    return int(line.split("=", 1)[1])
    except OSError:
        pass
    return None


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
    if not os.path.exists(PROBE):
        r.skip("refresh", "no refresh_probe (%s)" % PROBE)
    elif "libasan" in subprocess.run(["readelf", "-d", PROBE], capture_output=True,
                                     text=True).stdout:
        # The probe reopens the target MEASURE times; with ASan's shadow memory and
        # quarantine that exhausts the 256 MB guest (the guest's OOM killer: exit 137).
        # The release build runs the same checks; the sanitizer build checks the
        # refresh paths on the host (unit.test_target_ops).
        r.skip("refresh", "refresh_probe is built with AddressSanitizer: too big for the guest")
    else:
        for line, state in (("6.1", "idle"), ("6.12", "idle"), ("6.1", "qi-hang-live")):
            if release_of(line):
                check_refresh(r, line, state)
    r.finish()


def check_refresh(r, line, state):
    tag = "%s %s refresh" % (line, state)
    want = release_of(line)
    args = ["--refreshes", str(REFRESHES), "--sleep-ms", "500", "--measure", str(MEASURE)]
    # vtdscen (mode info) has nothing to undo on the idle guest; the wedged one is stuck in it
    unload = "vtdscen" if state == "idle" else None
    if unload:
        args += ["--unload", unload]
    cmd = [RUN, "--line", line, "--state", state, "--timeout", "240", "--",
           os.path.abspath(PROBE)] + args + ["/proc/kcore"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=420)
    out = parse_json(p.stdout)
    if not r.check(out is not None and p.returncode == 0, tag,
                   "the probe opened /proc/kcore once, refreshed it and returned",
                   "exit %s\n%s\n%s" % (p.returncode, p.stdout[-1500:], p.stderr[-1500:])):
        return
    steps = out["steps"]
    r.check(out["release"] == want and out["live"], tag,
            "the live kernel %s" % out["release"])

    # Once per target, however often it is refreshed.
    st = out["stats"]
    r.check(st["kallsyms_decodes"] == 1 and st["types_loads"] == 1, tag,
            "kallsyms decoded and BTF parsed once over %d refreshes" % out["refresh_calls"], st)

    # The epoch counts the refreshes, one per call.
    r.check(out["last_epoch"] - out["first_epoch"] == out["refresh_calls"] == REFRESHES + MEASURE and
            [s["epoch"] for s in steps] == [out["first_epoch"] + i for i in range(REFRESHES + 1)],
            tag, "epoch %d -> %d after %d refreshes" % (out["first_epoch"], out["last_epoch"],
                                                       out["refresh_calls"]),
            [s["epoch"] for s in steps])

    # Prompt on an idle and on a wedged guest alike.
    r.check(out["refresh_max_ms"] < REFRESH_BOUND_MS, tag,
            "each refresh returned in %.1f ms at most (bound %d ms)" % (out["refresh_max_ms"],
                                                                       REFRESH_BOUND_MS))

    # jiffies: read live each epoch; they advance at HZ (the kernel package's CONFIG_HZ,
    # and the running kernel's own tick_nsec = NSEC_PER_SEC / HZ).
    hz = config_hz(out["release"])
    jif = [s["jiffies"] for s in steps]
    r.check(all(b > a for a, b in zip(jif, jif[1:])), tag,
            "jiffies advance at every epoch (%s)" % jif)
    if hz is None:
        r.skip(tag, "no config of %s: HZ unknown" % out["release"])
    else:
        if out["tick_nsec"]:
            r.check(round(1e9 / out["tick_nsec"]) == hz, tag,
                    "the kernel's tick_nsec %d is 1 s / CONFIG_HZ %d" % (out["tick_nsec"], hz))
        for a, b in zip(steps, steps[1:]):
            dt = (b["mono_ns"] - a["mono_ns"]) / 1e9
            dj = b["jiffies"] - a["jiffies"]
            r.check(abs(dj - dt * hz) <= 0.1 * dt * hz + 3, tag,
                    "epoch %d: jiffies +%d in %.3f s of CLOCK_MONOTONIC (HZ %d: %.0f expected)"
                    % (b["epoch"], dj, dt, hz, dt * hz))

    # Products: one build per epoch, none within one.
    r.check([s["model_builds"] for s in steps] == list(range(1, REFRESHES + 2)) and
            [s["log_builds"] for s in steps] == list(range(1, REFRESHES + 2)), tag,
            "the VT-d model and the log built once per epoch",
            [(s["model_builds"], s["log_builds"]) for s in steps])
    r.check(all(b["markers_before"] == a["markers_seen"] for a, b in zip(steps, steps[1:])), tag,
            "until a refresh the log product is the epoch's, markers written since unseen",
            [(s["markers_before"], s["markers_seen"]) for s in steps])
    seqs = [s["log_seq"][1] for s in steps]
    r.check(all(b > a for a, b in zip(seqs, seqs[1:])), tag,
            "each epoch's log ends later (last seq %s): it is read again" % seqs)
    if state == "idle":
        # A quiet log keeps every marker: each epoch's log holds all written so far.
        r.check([s["markers_seen"] for s in steps] == list(range(REFRESHES + 1)), tag,
                "after each refresh the log holds the marker lines written before it",
                [s["markers_seen"] for s in steps])

    # Modules: the list read at most once per epoch, again in each epoch that asks.
    r.check(REFRESHES + 1 <= st["module_scans"] <= out["last_epoch"] - out["first_epoch"] + 1,
            tag, "module list read %d times in %d epochs, once in each that named a module"
            % (st["module_scans"], out["last_epoch"] - out["first_epoch"] + 1))
    mods = [s["target_module"] for s in steps]
    r.check(mods[0] == out["module"], tag, "%s's text (%s in /proc/modules) named %s"
            % (out["module"], out["module_addr"], mods[0]))
    if unload:
        r.check(out["unload_errno"] == 0 and out["modules_after_unload"] == out["modules"] - 1,
                tag, "the guest unloaded %s (/proc/modules: %d -> %d)"
                % (unload, out["modules"], out["modules_after_unload"]))
        r.check(out["module_before_refresh"] == unload, tag,
                "before the refresh the epoch's module tables still hold %s" % unload)
        r.check(all(m is None for m in mods[1:]), tag,
                "after it %s's text is in no module" % unload, mods)
    else:
        r.check(all(m == out["module"] for m in mods), tag,
                "every epoch names %s's text" % out["module"], mods)

    # The VT-d state, read again each epoch.
    r.check(all(s["units"] >= 1 and not s["error"] for s in steps), tag,
            "dmar0 read in every epoch", [(s["units"], s["error"]) for s in steps])
    if state == "idle":
        r.check(len(set(s["free_head"] for s in steps)) > 1, tag,
                "the queue moved between epochs (free_head %s: the guest's DMA loop flushes)"
                % [s["free_head"] for s in steps])
    else:
        r.check(all(s["pending_batches"] >= 1 for s in steps), tag,
                "the stuck batch is pending in every epoch")

    m = out["measure"]
    r.check(m["refresh_reread_ms"] < m["reopen_reread_ms"], tag,
            "refresh + VT-d re-read %.1f ms (max %.1f) vs reopen + read %.1f ms, mean of %d; "
            "first open %.1f ms" % (m["refresh_reread_ms"], m["refresh_reread_max_ms"],
                                     m["reopen_reread_ms"], m["runs"], out["open_ms"]))


if __name__ == "__main__":
    main()
