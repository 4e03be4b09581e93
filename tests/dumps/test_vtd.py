#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The VT-d analyzer against ground truth, on every real fixture.

Ground truth comes from the guest and from independent readers, never from
vtdscope: the manifest records the descriptors the scenario module submitted
and their slots, the PCI address of the device it targeted, the submitter's
CPU, and the CPUs expected to spin on q_lock; oracle.q_inval and oracle.ring
are crash's (6.1) or gdb's (6.12) reading of the same dump.

Each fixture is checked for every dump format and for BTF-only and DWARF types.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

STATUS = {"free": 0, "in-use": 1, "done": 2, "abort": 3}
LOCKUP_KINDS = {"qi-devtlb-hang", "qi-batch-hang"}


def unit_section(report, name):
    return report["sections"]["vtd"]["sections"][name]


def cpus(text):
    return {int(c[3:]) for c in (text or "").split(",") if c.startswith("CPU")}


def check_ring(r, tag, unit, oracle):
    q = oracle.get("q_inval") or {}
    f = unit["fields"]
    for key in ("free_head", "free_tail", "free_cnt"):
        if key in q:
            r.check(f[key] == q[key], tag, "%s %s (oracle %s)" % (key, f[key], q[key]))
    if "q_lock" in q:
        r.check(common.hexint(f["q_lock"]) == common.hexint(q["q_lock"]), tag,
                "q_lock %s (oracle %s)" % (f["q_lock"], q["q_lock"]))
    for key, ours in (("desc", "ring"), ("desc_status", "desc_status"), ("address", "q_inval")):
        if key in q:
            r.check(common.hexint(f[ours]) == common.hexint(q[key]), tag,
                    "%s %s (oracle %s)" % (ours, f[ours], q[key]))
    ring = oracle.get("ring")
    if not ring:
        return
    rows = {row["slot"]: row for row in unit["tables"]["slots"]["rows"]}
    want = {s["index"]: s for s in ring["non_free_slots"]}
    words = ("qw0", "qw1", "qw2", "qw3") if ring.get("stride") == 32 else ("qw0", "qw1")
    if ring.get("stride"):
        r.check(unit["fields"]["descriptor_width"].startswith("%d-bit" % (ring["stride"] * 8)), tag,
                "descriptor width %s (oracle stride %d)" % (unit["fields"]["descriptor_width"], ring["stride"]))
    bad = []
    for idx, s in want.items():
        row = rows.get(idx)
        if (not row or STATUS.get(row["status"]) != s["status"]
                or any(common.hexint(row[w]) != common.hexint(s.get(w, "0x0")) for w in words)):
            bad.append("slot %d: ours %s, oracle %s" % (idx, row, s))
    extra = [i for i, row in rows.items() if row["status"] != "free" and i not in want]
    r.check(not bad and not extra, tag,
            "%d non-free slots equal the oracle's reading (%s)" % (len(want), ring.get("source", "")),
            "\n".join(bad + ["slot %d not free in ours only" % i for i in extra]))


def check_injected(r, tag, unit, manifest, report):
    mod = manifest.get("scenario_module") or {}
    descs = mod.get("descriptors") or []
    rows = {row["slot"]: row for row in unit["tables"]["slots"]["rows"]}
    for d in descs:
        row = rows.get(d["slot"])
        r.check(row is not None and common.hexint(row["qw0"]) == common.hexint(d["qw0"])
                and common.hexint(row["qw1"]) == common.hexint(d["qw1"])
                and row["status"] == "in-use", tag,
                "injected descriptor %d at slot %d, in use" % (d["index"], d["slot"]), row)
    lock = [f for f in report["findings"] if f["kind"] in LOCKUP_KINDS]
    if not r.check(len(lock) == 1 and lock[0]["severity"] == "critical", tag,
                   "one critical lockup finding", [f["kind"] for f in report["findings"]]):
        return
    facts = lock[0].get("facts", {})
    if descs:
        r.check(facts.get("first_slot") == descs[0]["slot"], tag,
                "the oldest stuck batch starts at the module's first slot %d" % descs[0]["slot"], facts)
    target = manifest.get("target") or {}
    if target.get("pci"):
        r.check(facts.get("device") == target["pci"], tag,
                "the device-TLB invalidation maps to %s" % target["pci"], facts)
        r.check(target["pci"] in lock[0]["verdict"], tag, "the verdict names the device")
    if "cpu" in mod:
        r.check(mod["cpu"] in cpus(facts.get("polling_cpus")) | cpus(facts.get("spinning_cpus")),
                tag, "the module's CPU%d is named as a submitter" % mod["cpu"], facts)
    spin = manifest.get("expected_spinners") or (manifest.get("oracle") or {}).get("expected_spinners")
    if spin:
        # The second submitters take and drop q_lock on every poll: at the dump each is
        # either in the lock slowpath or polling; the oracle's seed record says which.
        named = cpus(facts.get("spinning_cpus")) | cpus(facts.get("polling_cpus"))
        r.check(set(spin) <= named, tag,
                "the other submitters %s are named (%s)" % (spin, facts), facts)
        for c in spin:
            r.check("CPU%d " % c in lock[0]["verdict"], tag, "the verdict names CPU%d" % c,
                    lock[0]["verdict"])
        # Spin or poll is dump-time truth only when the oracle read this very dump (crash);
        # the kernel's console backtraces (6.12) were printed earlier.
        oracle = manifest.get("oracle") or {}
        seed = ((oracle.get("seed") or {}).get("spinners") or []) \
            if oracle.get("stacks_source") == "crash bt -a" else []
        for s in seed:
            if s.get("state") == "spin":
                r.check(s["cpu"] in cpus(facts.get("spinning_cpus")), tag,
                        "CPU%d is named as spinning on q_lock, as the oracle saw it" % s["cpu"], facts)
                r.check("q_lock" in lock[0]["verdict"], tag, "the verdict says who spins on q_lock")
    # Each second submitter is named by the path the oracle saw it on.
    roles = {"fq_timer": "fq_flush_timeout", "map": "intel_iommu_iotlb_sync_map",
             "strict_unmap": "intel_iommu_tlb_sync", "fq_unmap": "__iommu_dma_unmap"}
    for s in (((manifest.get("oracle") or {}).get("seed") or {}).get("spinners") or []):
        want = roles.get(s.get("path"))
        if want:
            r.check("CPU%d (%s)" % (s["cpu"], want) in lock[0]["verdict"], tag,
                    "CPU%d is named by its path %s" % (s["cpu"], want), lock[0]["verdict"])


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures under %s" % common.FIXTURES)
    r = common.Results("vtd")
    for name, d, m in fx:
        scen = m.get("scenario", "")
        for fmt, path in common.dumps(d, m):
            for mode, args in common.type_modes(m):
                tag = "%s %s %s" % (name, os.path.basename(path), mode)
                rc, rep, err = common.run(["report", path, "--verbose"] + args)
                if not r.check(rc in (0, 1), tag, "report exits 0 or 1", "exit %d: %s" % (rc, err)):
                    continue
                units = rep["sections"]["vtd"].get("sections", {})
                if not r.check("dmar0" in units, tag, "dmar0 found", list(units)):
                    continue
                unit = unit_section(rep, "dmar0")
                check_ring(r, tag, unit, m.get("oracle") or {})
                kinds = {f["kind"] for f in rep["findings"]}
                if scen.startswith("qi-hang") or scen == "map-path":
                    check_injected(r, tag, unit, m, rep)
                    r.check("qi-iqe" in kinds, tag, "the Invalidation Queue Error is reported", kinds)
                    r.check(rc == 1, tag, "exit status 1 (findings)")
                elif scen == "idle":
                    r.check(not (kinds & LOCKUP_KINDS), tag, "no lockup finding on an idle system", kinds)
    r.finish()


if __name__ == "__main__":
    main()
