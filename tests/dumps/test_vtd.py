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

The diagnosis is checked against the same records and the guest's console:
the headline names the rejected slot and the reserved bit the module set, the
code that built it (the module the console shows loading, with the taints the
console says it got) and its CPU; the next step sends the reader to that code,
not to the device; the causal chain names the CPUs the RCU stall report in the
console names, the panic the manifest records and the IRQ state crash (6.1) or
the kernel's own NMI backtrace (6.12) shows; every in-flight batch has the CPU
that submitted it, the 6.12 flush-queue timer's found through its struct
qi_batch, whose bytes (read here from the ELF dump at the physical address the
guest's IQA register gives the ring's direct map) hold that batch's
descriptors and its count.

Each fixture is checked for every dump format and for BTF-only and DWARF types.
"""
import struct
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


# ---- the diagnosis against the guest's records ------------------------------------------


def console_lines(d, manifest):
    path = os.path.join(d, manifest.get("console_log") or "console.log")
    try:
        with open(path, errors="replace") as f:
            return [re.sub(r"^\[\s*\d+\.\d+\]\s?", "", ln.rstrip("\n")) for ln in f]
    except OSError:
        return []


def module_of(lines):
    """The scenario module's name and the taint letters the console says it got at load."""
    name, taint = None, set()
    for ln in lines:
        m = re.match(r"(\w+): loading out-of-tree module taints kernel", ln)
        if m:
            name = m.group(1)
            taint.add("O")        # TAINT_OOT_MODULE
        m = re.match(r"(\w+): module verification failed", ln)
        if m:
            name = name or m.group(1)
            taint.add("E")        # TAINT_UNSIGNED_MODULE
    return name, taint


def rcu_stalled(lines):
    """CPUs the console's first RCU stall report names (print_cpu_stall_info()), or None."""
    cpus, on = set(), False
    for ln in lines:
        if "detected stalls on CPUs/tasks" in ln or "self-detected stall on CPU" in ln:
            if on:
                break
            on = True
            continue
        if on:
            m = re.match(r"rcu:\s+(\d+)-", ln)
            if m:
                cpus.add(int(m.group(1)))
            if "(detected by" in ln:
                break
    return cpus if on else None


def irqs_off_truth(d, manifest, cpu):
    """IF of @cpu's interrupted context: crash's exception frame (6.1) or the kernel's own
    NMI backtrace of that CPU (6.12: EFLAGS); None when neither shows it."""
    crash = os.path.join(d, "oracle", "crash-bt-a.txt")
    if os.path.exists(crash):
        block = None
        with open(crash, errors="replace") as f:
            for ln in f:
                m = re.match(r"PID:.*CPU:\s*(\d+)", ln)
                if m:
                    block = int(m.group(1))
                    continue
                m = re.search(r"RIP: (ffffffff[0-9a-f]{8})\s+RSP: \S+\s+RFLAGS: ([0-9a-f]+)", ln)
                if m and block == cpu:
                    return not (int(m.group(2), 16) >> 9) & 1
        return None
    flags = None
    lines = console_lines(d, manifest)
    for i, ln in enumerate(lines):
        if ln.startswith("NMI backtrace for cpu %d" % cpu):
            for nxt in lines[i + 1:i + 40]:
                m = re.search(r"EFLAGS: ([0-9a-f]+)", nxt)
                if m and "RSP: 0018" in nxt:
                    flags = int(m.group(1), 16)
                    break
    return None if flags is None else not (flags >> 9) & 1


class ElfMemory:
    """Physical memory of an ELF vmcore, read through its PT_LOAD table."""

    def __init__(self, path):
        self.f = open(path, "rb")
        h = self.f.read(64)
        phoff, = struct.unpack_from("<Q", h, 32)
        phnum, = struct.unpack_from("<H", h, 56)
        self.f.seek(phoff)
        ph = self.f.read(56 * phnum)
        self.loads = [(pa, fs, off) for t, _fl, off, _va, pa, fs, _ms, _al in
                      (struct.unpack_from("<IIQQQQQQ", ph, 56 * i) for i in range(phnum)) if t == 1]

    def read(self, paddr, n):
        for pa, size, off in self.loads:
            if pa <= paddr and paddr + n <= pa + size:
                self.f.seek(off + paddr - pa)
                return self.f.read(n)
        return None

    def close(self):
        self.f.close()


def lockup_finding(rep):
    found = [f for f in rep["findings"] if f["kind"] in LOCKUP_KINDS]
    return found[0] if len(found) == 1 else None


def check_diagnosis(r, tag, rep, d, manifest, path):
    """Headline, next step, chain and batch owners against the guest's records."""
    mod = manifest.get("scenario_module") or {}
    descs = mod.get("descriptors") or []
    lock = lockup_finding(rep)
    if lock is None or not descs:
        return
    facts = lock.get("facts", {})
    verdict = rep["verdict"] or ""
    lines = console_lines(d, manifest)
    module, taint = module_of(lines)
    # Root cause first: the module's malformed descriptor, its field, who built it.
    m = re.search(r"reserved bit qw([01])\[(\d+)\]", mod.get("bad_descriptor_reason") or "")
    if m and "bad_descriptor_index" in mod:
        slot = descs[mod["bad_descriptor_index"]]["slot"]
        bit = "reserved bit set: qw%s bit %s" % (m.group(1), m.group(2))
        r.check(verdict.startswith("LOCKUP: dmar0 rejected the descriptor in slot %d "
                                   "(Invalidation Queue Error)" % slot), tag,
                "the headline is the rejected slot %d, the module's bad descriptor" % slot, verdict)
        r.check(bit in verdict and facts.get("cause") == "iqe" and facts.get("rejected_slot") == slot
                and bit in (facts.get("rejected_because") or ""), tag,
                "the headline says %r, as the module set it" % bit, verdict)
        if module:
            built = re.search(r"built by (\S+) \[%s(?:, taint (\w+))?\] on CPU(\d+)" % module, verdict)
            r.check(built and int(built.group(3)) == mod["cpu"], tag,
                    "built by a function of module %s on the module's CPU%d" % (module, mod["cpu"]),
                    verdict)
            r.check(built and set(built.group(2) or "") == taint, tag,
                    "the module's taint is %s, as the console says" % "".join(sorted(taint)),
                    verdict)
        nxt = lock.get("next_step") or ""
        r.check("fix the code that built the descriptor" in nxt and (not module or module in nxt)
                and bit in nxt and "ATS and link" not in nxt, tag,
                "next step: the code that built it, not the device's ATS and link", nxt)
    # The causal chain.
    r.check(facts.get("root_cpu") == mod.get("cpu"), tag,
            "the chain starts at the module's CPU%s" % mod.get("cpu"), facts.get("root_cpu"))
    spin = set(manifest.get("expected_spinners") or [])
    r.check(spin <= cpus(facts.get("victim_cpus")), tag,
            "the CPUs waiting behind it %s are its victims" % sorted(spin), facts.get("victim_cpus"))
    for c in sorted(spin | {mod["cpu"]}):
        off = irqs_off_truth(d, manifest, c)
        if off is not None:
            r.check((c in cpus(facts.get("irqs_off_cpus"))) == off, tag,
                    "CPU%d: IRQs %s, as %s shows" % (c, "off" if off else "on",
                                                     "crash" if manifest["kernel"]["line"] == "6.1"
                                                     else "the NMI backtrace"),
                    facts.get("irqs_off_cpus"))
    panic = manifest.get("panic") or {}
    if panic.get("message"):
        r.check(panic["message"] in (facts.get("panic") or "") and
                facts.get("panic_cpu") == panic.get("cpu"), tag,
                "the chain ends in the panic %r on CPU%s" % (panic["message"], panic.get("cpu")),
                (facts.get("panic"), facts.get("panic_cpu")))
    else:
        r.check("panic" not in facts, tag, "no panic in the chain (none happened)", facts.get("panic"))
    stalled = rcu_stalled(lines)
    if stalled is not None:
        chain = [e["text"] for e in lock["evidence"] if e["text"].startswith("chain ")]
        crash_log = os.path.join(d, "oracle", "crash-log.txt")
        in_dump = None
        if os.path.exists(crash_log):
            with open(crash_log, errors="replace") as f:
                in_dump = "detected stalls on CPUs/tasks" in f.read()
        said_missing = any("not in the dump's log" in t for t in chain)
        if "stalled_cpus" in facts:
            r.check(cpus(facts["stalled_cpus"]) == stalled and in_dump is not False, tag,
                    "the RCU stall in the chain names CPUs %s, as the console's report" % sorted(stalled),
                    facts["stalled_cpus"])
        else:
            r.check(said_missing and in_dump is not True, tag,
                    "the stall report is said missing from the dump's log (crash's log agrees)",
                    chain)
    # Every in-flight batch: its CPU, or why none.
    owners = facts.get("batch_owners") or []
    r.check(owners and all(("cpu" in o and isinstance(o["cpu"], int)) or o.get("why") for o in owners),
            tag, "every in-flight batch has a CPU or a reason", owners)
    first = "%d-%d" % (descs[0]["slot"], mod.get("wait_slot", -1))
    mine = [o for o in owners if o.get("slots") == first]
    r.check(mine and mine[0].get("cpu") == mod["cpu"], tag,
            "batch %s is the module's CPU%d's" % (first, mod["cpu"]), owners)
    ring = (manifest.get("oracle") or {}).get("ring") or {}
    waits = sorted(s["index"] for s in ring.get("non_free_slots", [])
                   if common.hexint(s["qw0"]) & 0xf == 5 and s["status"] == 1)
    others = [o for o in owners if o.get("slots") != first]
    seed = ((manifest.get("oracle") or {}).get("seed") or {}).get("spinners") or []
    if len(waits) == 2 and len(seed) == 1:
        # Two batches in flight (the oracle's ring): the other is the spinner's.
        r.check(len(others) == 1 and others[0].get("cpu") == seed[0]["cpu"], tag,
                "the other batch is the waiting CPU%d's" % seed[0]["cpu"], owners)
        stack = ((manifest.get("oracle") or {}).get("stacks") or {}).get(str(seed[0]["cpu"])) or []
        if others and "qi_batch_flush_descs" in stack:
            check_qi_batch(r, tag, others[0], ring, manifest, path)


def check_qi_batch(r, tag, owner, ring, manifest, path):
    """6.12: the owner was found through its struct qi_batch; read it from the dump."""
    m = re.search(r"struct qi_batch at 0x([0-9a-f]+)", owner.get("found_by") or "")
    if not r.check(m is not None, tag, "the 6.12 flush-queue timer's batch is found through its "
                   "struct qi_batch (its stack runs through qi_batch_flush_descs)", owner):
        return
    if not path.endswith(".elf"):
        return
    iommu = manifest.get("iommu") or {}
    iqa = common.hexint((iommu.get("registers") or {}).get("iqa"))
    desc = common.hexint(iommu.get("desc"))
    if iqa is None or desc is None:
        return
    first, last = [int(x) for x in owner["slots"].split("-")]
    slots = {s["index"]: s for s in ring["non_free_slots"]}
    payload = [slots[i] for i in range(first, last) if i in slots]
    mem = ElfMemory(path)
    try:
        # struct qi_batch { struct qi_desc descs[16]; unsigned int index; }, qi_desc 32 bytes
        raw = mem.read(int(m.group(1), 16) - (desc - (iqa & ~0xfff)), 16 * 32 + 4)
    finally:
        mem.close()
    ok = raw is not None and all(
        struct.unpack_from("<QQ", raw, 32 * k) == (common.hexint(s["qw0"]), common.hexint(s["qw1"]))
        for k, s in enumerate(payload)) and struct.unpack_from("<I", raw, 512)[0] == len(payload)
    r.check(ok, tag, "that struct qi_batch holds the batch's %d descriptors (the oracle's ring) "
            "and index %d" % (len(payload), len(payload)),
            raw[:64].hex() if raw else "not in the dump")


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
                    check_diagnosis(r, tag, rep, d, m, path)
                    r.check("qi-iqe" in kinds, tag, "the Invalidation Queue Error is reported", kinds)
                    r.check(rc == 1, tag, "exit status 1 (findings)")
                elif scen == "idle":
                    r.check(not (kinds & LOCKUP_KINDS), tag, "no lockup finding on an idle system", kinds)
                    # Nothing happened in the guest: every source read, all quiet.
                    r.check(rc == 0 and rep["verdict"].startswith("No VT-d invalidation-queue lockup:")
                            and "agree" in rep["verdict"], tag,
                            "healthy, every source agreeing (exit 0)", "exit %d: %s" % (rc, rep["verdict"]))
    r.finish()


if __name__ == "__main__":
    main()
