#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The VT-d analyzer against ground truth, on every real fixture.

Ground truth comes from the guest and from independent readers, never from
vtdscope: the manifest records the descriptors the scenario module submitted
and their slots, the PCI address of the device it targeted, the submitter's
CPU, and the CPUs expected to spin on q_lock; oracle.q_inval and oracle.ring
are crash's (6.1) or gdb's (6.12) reading of the same dump.

The typed values are read as such: each slot's decoded "fields" object is
checked against the VT-d spec's bit layout (6.5.2) applied here to the words
crash/gdb read from the ring, and to the source-id of the device the guest
targeted; each batch's "slots" list against the slots the module submitted.

Each fixture is checked for every dump format and for BTF-only and DWARF types.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

STATUS = {"free": 0, "in-use": 1, "done": 2, "abort": 3}
LOCKUP_KINDS = {"qi-devtlb-hang", "qi-batch-hang"}
# Descriptor types (qw0 bits 3:0, VT-d spec 6.5.2) by the short names the report uses.
TYPES = {0x1: "cc", 0x2: "iotlb", 0x3: "dev-tlb", 0x4: "iec", 0x5: "wait", 0x6: "p-iotlb",
         0x7: "pasid-cache", 0x8: "p-dev-tlb"}
IOTLB_GRANULARITY = {0: "reserved", 1: "global", 2: "domain", 3: "page"}


def bdf(sid):
    """A source-id as bus:device.function, the way the report writes it."""
    return "%02x:%02x.%d" % (sid >> 8, (sid >> 3) & 0x1f, sid & 7)


def spec_fields(qw0, qw1):
    """What the spec says the fields of a descriptor are (the types the fixtures hold)."""
    t = qw0 & 0xf
    if t == 0x2:
        return {"granularity": IOTLB_GRANULARITY[(qw0 >> 4) & 3], "did": (qw0 >> 16) & 0xffff,
                "addr": qw1 & ~0xfff & (2**64 - 1), "am": qw1 & 0x3f}
    if t == 0x3:
        return {"sid": bdf((qw0 >> 32) & 0xffff), "qdep": (qw0 >> 16) & 0x1f,
                "addr": qw1 & ~0xfff & (2**64 - 1)}
    if t == 0x5:
        return {"status_data": qw0 >> 32, "status_addr": qw1 & ~3 & (2**64 - 1)}
    return {}


def fields_differ(fields, want):
    """Members of the typed "fields" object that disagree with the spec's reading."""
    if not isinstance(fields, dict):
        return ["fields is %r, not an object" % (fields,)]
    bad = []
    for key, value in want.items():
        got = fields.get(key)
        if isinstance(got, str) and got.startswith("0x") and isinstance(value, int):
            got = int(got, 16)
        if got != value:
            bad.append("%s %r, spec %r" % (key, fields.get(key), value))
    return bad


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
            continue
        qw0, qw1 = common.hexint(s["qw0"]), common.hexint(s.get("qw1", "0x0"))
        if row["type"] != TYPES.get(qw0 & 0xf, row["type"]):
            bad.append("slot %d: type %s, spec %s" % (idx, row["type"], TYPES[qw0 & 0xf]))
        bad += ["slot %d: %s" % (idx, d) for d in fields_differ(row["fields"], spec_fields(qw0, qw1))]
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
    check_module_batch(r, tag, unit, manifest, rows)
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


def check_module_batch(r, tag, unit, manifest, rows):
    """The scenario module's descriptors: their batch's slots and their decoded fields."""
    mod = manifest.get("scenario_module") or {}
    descs = mod.get("descriptors") or []
    if not descs or "wait_slot" not in mod:
        return
    want = []
    slot = descs[0]["slot"]
    while True:
        want.append(slot)
        if slot == mod["wait_slot"] or len(want) > 256:
            break
        slot = (slot + 1) % 256
    batches = [b for b in unit["tables"]["batches"]["rows"]
               if isinstance(b["slots"], list) and descs[0]["slot"] in b["slots"]]
    if r.check(len(batches) == 1, tag, "one batch holds the module's first slot %d" % descs[0]["slot"],
               unit["tables"]["batches"]["rows"]):
        b = batches[0]
        r.check(b["slots"] == want and b["wait_slot"] == mod["wait_slot"], tag,
                "its slots are the module's %s, its wait slot %d" % (want, mod["wait_slot"]), b)
        r.check(b["contents"] == [TYPES.get(common.hexint(d["qw0"]) & 0xf) for d in descs], tag,
                "its contents are the module's descriptor types", b)
    target = manifest.get("target") or {}
    for d in descs:
        qw0, qw1 = common.hexint(d["qw0"]), common.hexint(d["qw1"])
        row = rows.get(d["slot"])
        if row is None or qw0 & 0xf != 0x3:
            continue
        fields = row["fields"]
        bad = fields_differ(fields, spec_fields(qw0, qw1))
        if target.get("sid"):
            want_sid = bdf(common.hexint(target["sid"]))
            if not isinstance(fields, dict) or fields.get("sid") != want_sid:
                bad.append("sid %r, the guest's device %s" % (fields, want_sid))
        m = re.search(r"reserved bit qw([01])\[(\d+)\]", mod.get("bad_descriptor_reason") or "")
        if m and mod.get("bad_descriptor_index") == d["index"]:
            res = (fields or {}).get("reserved_bits") if isinstance(fields, dict) else None
            word = (res or {}).get("qw" + m.group(1))
            if not word or not (common.hexint(word) >> int(m.group(2))) & 1:
                bad.append("reserved_bits %r lacks qw%s bit %s" % (res, m.group(1), m.group(2)))
        r.check(not bad, tag, "slot %d's fields decode the module's device-TLB invalidation"
                % d["slot"], "\n".join(bad))


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
