#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdscope locks` on real dumps and on synthetic MCS queues.

Real fixtures under ${VTDSCOPE_FIXTURES:-${VTDSCOPE_CACHE:-~/.cache/vtdscope}/fixtures}:
  * idle-*: no contended lock, exit 0;
  * qi-hang-* (after the RCU-stall panic, or "live": dumped while hung):
    one contended lock at the unit's q_inval (q_lock is its first
    member), named "dmar0 qi->q_lock" (JSON and text), whose waiters are
    exactly the manifest's expected spinners, and
    whose best holder candidate is the scenario module's submitter CPU, in
    qi_submit_sync (or its .cold part, printing with the lock held).

QEMU guests spin with test-and-set (virt_spin_lock): the MCS queue is never
used there.  So the queue walk is checked on synthetic dumps made with
fixtures/synth/mksynth from qi-hang-6.1-l4: virt_spin_lock_key switched off
and the lock word and the per-CPU qnodes poked into
  * "queue": CPU 0 queue head, CPU 2 behind it (tail = CPU 2 node 0);
  * "pending": CPU 2 the pending waiter, CPU 0 queued alone (tail = CPU 0).
The per-CPU addresses come from the base dump itself (__per_cpu_offset read
from the ELF file, qnodes from `vtdscope sym`).

Environment: VTDSCOPE (the binary), VTDSCOPE_FIXTURES, VTDSCOPE_CACHE.
Exit 77 when no fixture is present; last line "N passed, N failed".
"""
import glob
import json
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import NamedResults as Results  # noqa: E402
import tempfile

TIMEOUT = 120
START_KERNEL_MAP = 0xffffffff80000000
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
FIXTURES = os.environ.get("VTDSCOPE_FIXTURES") or os.path.join(CACHE, "fixtures")
SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MKSYNTH = os.path.join(SRC, "fixtures", "synth", "mksynth")


def run(binary, *args):
    p = subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def locks_doc(binary, dump, extra=()):
    rc, out, err = run(binary, "locks", dump, "--format", "json", *extra)
    if rc not in (0, 1):
        return rc, None, err
    return rc, json.loads(out), err


def locks_json(binary, dump, extra=()):
    rc, doc, err = locks_doc(binary, dump, extra)
    return rc, doc and doc["sections"]["locks"], err


def waiting_cpus(doc):
    """The waiting_cpus fact (a list of CPU numbers) of each spinlock-contended finding."""
    return [f.get("facts", {}).get("waiting_cpus") for f in doc["findings"]
            if f["kind"] == "spinlock-contended"]


def lock_sections(sec):
    return [s for k, s in sorted(sec.get("sections", {}).items())]


def describe(lk):
    return json.dumps({"fields": lk.get("fields"),
                       "waiters": lk["tables"]["waiters"]["rows"],
                       "holders": lk["tables"]["holders"]["rows"]}, indent=1)


def check_idle(binary, name, dump, res):
    rc, sec, err = locks_json(binary, dump)
    if sec is None:
        res.check(False, name, "locks runs", "exit %d: %s" % (rc, err))
        return
    res.check(sec["fields"]["contended_locks"] == 0 and rc == 0, name,
              "no contended lock, exit 0", json.dumps(sec["fields"]))


def check_q_lock_name(binary, name, dump, manifest, locks, res):
    """The lock at q_inval (q_lock is struct q_inval's first member) is named for its unit."""
    q_inval = int(manifest["iommu"]["q_inval"], 16)
    want = "%s qi->q_lock" % manifest["iommu"].get("name", "dmar0")
    at = [lk for lk in locks if lk["fields"].get("address") == "0x%x" % q_inval]
    res.check(len(at) == 1 and at[0]["fields"].get("name") == want and
              at[0]["fields"].get("name_source") == "caller", name,
              "the lock at q_inval 0x%x is named \"%s\"" % (q_inval, want),
              "\n".join(describe(lk) for lk in locks))
    rc, out, err = run(binary, "locks", dump)
    res.check(rc in (0, 1) and want in out and "lock at 0x%x" % q_inval not in out, name,
              "text output says \"%s\"" % want, out[-2000:] + err)


def dump_time_roles(manifest):
    """(waiters, pollers) at the moment of the dump, from crash `bt -a` on the same dump.

    The submitters take and drop q_lock on every poll, so who waits and who holds
    changes from moment to moment; only an oracle that read this very dump (crash)
    knows.  The kernel's NMI backtraces on the console were taken earlier: None.
    """
    oracle = manifest.get("oracle") or {}
    if oracle.get("stacks_source") != "crash bt -a":
        return None
    waiters, pollers = set(), set()
    for cpu, funcs in (oracle.get("stacks") or {}).items():
        names = [f.split(".")[0] for f in funcs]
        if "qi_submit_sync" not in names:
            continue
        qi = names.index("qi_submit_sync")
        if any("queued_spin_lock_slowpath" in f for f in names[:qi]):
            waiters.add(int(cpu))
        else:
            pollers.add(int(cpu))
    return waiters, pollers


def check_qi_hang(binary, name, dump, manifest, res, extra=()):
    rc, doc, err = locks_doc(binary, dump, extra)
    sec = doc and doc["sections"]["locks"]
    if sec is None:
        res.check(False, name, "locks runs", "exit %d: %s" % (rc, err))
        return
    expected = sorted(manifest.get("expected_spinners") or
                      manifest.get("oracle", {}).get("expected_spinners") or [])
    submitter = (manifest.get("oracle", {}).get("seed") or {}).get("submitter_cpu")
    if submitter is None:
        submitter = (manifest.get("scenario_module") or {}).get("cpu")
    q_inval = int(manifest["iommu"]["q_inval"], 16)
    locks = lock_sections(sec)
    roles = dump_time_roles(manifest)
    if not locks and roles is None and rc == 0:
        # The console oracle was printed before the dump; at the dump instant every
        # submitter may be polling (q_lock just released): no CPU spins, and that is right.
        res.check(True, name, "no CPU in the lock slowpath at the dump instant (all submitters polling)")
        return
    if not locks and roles is not None and not roles[0]:
        # crash read this very dump and shows no CPU in the slowpath either: at the
        # dump instant q_lock was free (the spinner was inside printk, say), and
        # then no contended lock is the right answer.
        res.check(rc == 0, name, "no contended lock, as crash shows none in the slowpath "
                  "(pollers %s)" % sorted(roles[1]), "exit %d" % rc)
        return
    res.check(rc == 1 and len(locks) == 1, name, "one contended lock, exit 1",
              "exit %d, %d locks" % (rc, len(locks)))
    if not locks:
        return
    lk = locks[0]
    addr = lk["fields"].get("address")
    res.check(addr is not None and 0 <= int(addr, 16) - q_inval < 64, name,
              "the lock is the unit's q_lock (q_inval 0x%x)" % q_inval, describe(lk))
    check_q_lock_name(binary, name, dump, manifest, locks, res)
    waiters = sorted(r["cpu"] for r in lk["tables"]["waiters"]["rows"])
    submitters = set(expected) | {submitter}
    if roles is not None:
        want_waiters, pollers = sorted(roles[0]), roles[1]
        res.check(waiters == want_waiters, name,
                  "waiters are the CPUs crash shows in the slowpath %s" % want_waiters, describe(lk))
        facts = waiting_cpus(doc)
        res.check(len(facts) == 1 and isinstance(facts[0], list) and sorted(facts[0]) == want_waiters,
                  name, "the finding's waiting_cpus list is crash's %s" % want_waiters, facts)
    else:
        pollers = submitters - set(waiters)
        res.check(waiters and set(waiters) <= submitters, name,
                  "waiters %s are among the submitters %s" % (waiters, sorted(submitters)), describe(lk))
    res.check(all(r["function"] == "qi_submit_sync" for r in lk["tables"]["waiters"]["rows"]),
              name, "every waiter takes it in qi_submit_sync", describe(lk))
    holders = lk["tables"]["holders"]["rows"]
    res.check(bool(holders) and holders[0]["cpu"] in pollers and
              (holders[0]["function"] or "").split(".")[0] == "qi_submit_sync" and
              holders[0]["confidence"] == "high",
              name, "best holder candidate: a CPU polling in qi_submit_sync %s, high confidence"
              % sorted(pollers), describe(lk))
    res.check(lk["fields"]["confidence"] in ("medium", "high"), name,
              "lock identified with at least medium confidence", describe(lk))


# ---- synthetic MCS queues ----

class Elf:
    """Physical memory of an ELF vmcore ("paging": false: p_paddr is physical)."""

    def __init__(self, path):
        self.f = open(path, "rb")
        hdr = self.f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            raise ValueError("%s: not an ELF64 core" % path)
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        self.loads = []
        for i in range(phnum):
            self.f.seek(phoff + i * phentsize)
            ph = self.f.read(phentsize)
            ptype, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", ph)
            if ptype == 1:
                self.loads.append((paddr, filesz, off))

    def read(self, paddr, n):
        for start, size, off in self.loads:
            if start <= paddr and paddr + n <= start + size:
                self.f.seek(off + paddr - start)
                return self.f.read(n)
        raise ValueError("physical 0x%x not in the dump" % paddr)


def symbol(binary, dump, name):
    rc, out, err = run(binary, "sym", dump, name)
    if rc != 0:
        raise ValueError("sym %s: %s" % (name, err.strip()))
    return int(out.split()[0], 16)


def per_cpu_offsets(binary, dump, ncpus):
    rc, out, err = run(binary, "info", dump, "--format", "json")
    fields = json.loads(out)["sections"]["system"]["fields"]
    phys_base = int(fields["phys_base"], 16)
    va = symbol(binary, dump, "__per_cpu_offset")
    pa = (va - START_KERNEL_MAP + phys_base) & ((1 << 64) - 1)
    return list(struct.unpack("<%dQ" % ncpus, Elf(dump).read(pa, 8 * ncpus)))


def qnode(binary, dump, offsets, cpu, idx, size):
    return symbol(binary, dump, "qnodes") + offsets[cpu] + idx * size


def node_pokes(node, nxt, locked, count):
    # struct mcs_spinlock: next @0, locked @8, count @12 (count only matters in node 0)
    return ["poke 0x%x u64 0x%x" % (node, nxt), "poke 0x%x u32 %d" % (node + 8, locked),
            "poke 0x%x u32 %d" % (node + 12, count)]


def build(binary, base, name, lines, tmp):
    scen = os.path.join(tmp, name + ".synth")
    out = os.path.join(tmp, name + ".elf")
    with open(scen, "w") as f:
        f.write("base %s\n%s\n" % (base, "\n".join(lines)))
    p = subprocess.run([sys.executable, MKSYNTH, scen, "-o", out, "--vtdscope", binary],
                       capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise RuntimeError("mksynth %s: %s" % (name, (p.stderr or p.stdout).strip()))
    return out


def check_synthetic(binary, fixture, manifest, res):
    base = os.path.join(fixture, "vmcore.elf")
    q_inval = int(manifest["iommu"]["q_inval"], 16)
    name = "synth-%s" % os.path.basename(fixture)
    try:
        ncpus = int(manifest["machine"]["vcpus"])
        offsets = per_cpu_offsets(binary, base, ncpus)
        size = 32  # struct qnode with PV spinlocks built in (Debian), unless the dump says
        rc, out, _ = run(binary, "type", base, "struct qnode")
        m = re.search(r"size: (\d+)", out) if rc == 0 else None
        if m:
            size = int(m.group(1))
        n0 = qnode(binary, base, offsets, 0, 0, size)
        n2 = qnode(binary, base, offsets, 2, 0, size)
    except (ValueError, KeyError, OSError) as e:
        res.check(False, name, "per-CPU queue node addresses", e)
        return
    tail_cpu2 = ((2 + 1) << 18) | (0 << 16)
    tail_cpu0 = ((0 + 1) << 18) | (0 << 16)
    common = ["poke virt_spin_lock_key u32 0"]
    scenarios = {
        # CPU 1 holds it; CPU 0 queued first (head), CPU 2 behind it (tail).
        "queue": (common + ["poke 0x%x u32 0x%x" % (q_inval, tail_cpu2 | 1)] +
                  node_pokes(n0, n2, 0, 1) + node_pokes(n2, 0, 0, 1),
                  [(0, "queue-head"), (2, "queued")]),
        # CPU 2 set the pending bit and has no node; CPU 0 queued behind it.
        "pending": (common + ["poke 0x%x u32 0x%x" % (q_inval, tail_cpu0 | 0x100 | 1)] +
                    node_pokes(n0, 0, 0, 1) + node_pokes(n2, 0, 0, 0),
                    [(2, "pending"), (0, "queue-head")]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for sname, (lines, want) in scenarios.items():
            tag = "%s/%s" % (name, sname)
            try:
                dump = build(binary, base, sname, lines, tmp)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                res.check(False, tag, "mksynth builds the dump", e)
                continue
            rc, doc, err = locks_doc(binary, dump)
            sec = doc and doc["sections"]["locks"]
            if sec is None:
                res.check(False, tag, "locks runs", "exit %d: %s" % (rc, err))
                continue
            locks = lock_sections(sec)
            res.check(sec["fields"]["spinlock_kind"].startswith("queued"), tag,
                      "queued spinlocks (virt_spin_lock off)", json.dumps(sec["fields"]))
            res.check(len(locks) == 1, tag, "one contended lock", "%d locks" % len(locks))
            if not locks:
                continue
            lk = locks[0]
            got = [(r["cpu"], r["role"]) for r in lk["tables"]["waiters"]["rows"]]
            res.check(got == want, tag, "waiters in order %s" % want, describe(lk))
            res.check(waiting_cpus(doc) == [[cpu for cpu, _ in want]], tag,
                      "the finding's waiting_cpus list is %s, in queue order"
                      % [cpu for cpu, _ in want], waiting_cpus(doc))
            res.check(lk["fields"].get("address") == "0x%x" % q_inval, tag,
                      "lock address 0x%x" % q_inval, describe(lk))
            lock_name = "%s qi->q_lock" % manifest["iommu"].get("name", "dmar0")
            res.check(lk["fields"].get("name") == lock_name, tag, "named \"%s\"" % lock_name,
                      describe(lk))
            res.check(lk["fields"]["confidence"] == "high", tag, "high confidence",
                      describe(lk))
            holders = lk["tables"]["holders"]["rows"]
            res.check(bool(holders) and holders[0]["cpu"] == 1, tag,
                      "best holder candidate CPU 1", describe(lk))


def main():
    binary = os.environ.get("VTDSCOPE") or "vtdscope"
    res = Results()
    seen = 0
    for mpath in sorted(glob.glob(os.path.join(FIXTURES, "*", "manifest.json"))):
        try:
            manifest = json.load(open(mpath))
        except ValueError:
            continue
        fixture = os.path.dirname(mpath)
        scenario = manifest.get("scenario")
        for dump in ("vmcore.elf", "vmcore.kdump"):
            path = os.path.join(fixture, dump)
            if not os.path.exists(path):
                continue
            tag = "%s/%s" % (os.path.basename(fixture), dump)
            if scenario == "idle":
                seen += 1
                check_idle(binary, tag, path, res)
            elif scenario in ("qi-hang", "qi-hang-live") and \
                    manifest.get("iommu", {}).get("q_inval"):
                seen += 1
                check_qi_hang(binary, tag, path, manifest, res)
                # the same from stacks unwound by the vmlinux's DWARF CFI
                vml = (manifest.get("kernel") or {}).get("vmlinux")
                if vml and os.path.exists(vml):
                    check_qi_hang(binary, tag + " [cfi]", path, manifest, res,
                                  ("--vmlinux", vml, "--unwinder", "cfi"))
        # The synthetic queues assume CPU 1 holds q_lock (polls) in the base dump and
        # CPU 2 spins in the slowpath there (its stack names the lock), as crash shows.
        roles = dump_time_roles(manifest)
        if scenario == "qi-hang" and manifest.get("kernel", {}).get("line") == "6.1" and \
                roles is not None and 1 in roles[1] and 1 not in roles[0] and 2 in roles[0] and \
                os.path.exists(os.path.join(fixture, "vmcore.elf")) and os.path.exists(MKSYNTH):
            check_synthetic(binary, fixture, manifest, res)
    if not seen:
        print("no idle or qi-hang fixture under %s" % FIXTURES)
        print("0 passed, 0 failed")
        return 77
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
