#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 20's review items, each on a crafted copy of a small real dump.

The copies are cut from fixtures/synth/scenarios/all-tasks-*.synth (a qi-hang
fixture with every task's pages, built once by mksynth --cached), then broken
the way the review found vtdscope broke:

  1. vmcoreinfo: the PT_NOTE segment holds the VMCOREINFO note twice (the
     same, or a later one with another OSRELEASE, or that one first).  It once
     parsed the second note over the first: a heap overflow.  Now the first
     note is used, a report warning says so, everything else is unchanged.
  2. btf-member: task_struct.pid moved past the end of the struct in the
     dump's BTF (just past it, and 1 MiB out).  Struct fields were read at any
     offset the BTF gave: a heap overflow, or SIGSEGV.  Now the member is not
     available (pid n/a, a report error naming it, exit 5 when nothing else
     was found) and every other result stays the clean copy's.
  3. task-cycle: a task after the first D-state task links to itself.
     `bt --state D` once walked a million entries and exited 0.  Now the walk
     stops at once with an error naming the task, the D tasks found before it
     are shown, and the exit status is 5 (analysis incomplete).
  4. stale-head: the logged "QI HEAD" descriptor copied into a free slot below
     the real one (ring wrap leaves such copies), or into a later batch.  The
     lowest matching slot was taken: "is slot 0", the "not the first of its
     batch" evidence gone, and the ref of a slot the table does not show
     pointed at row 0.  Now the in-flight slot of the oldest batch is the
     head, the other match is named (ambiguous or not), refs name their slot.
  5. panic_cpu dropped: the page holding panic_cpu left out of the dump.  The
     read error leaked (LSan) and the report said "no CPU panicked".  Now a
     report error says it could not be read and the exit status is 5.
  6. zeroed queue state: one page of the queue (desc_status, the ring, struct
     q_inval: addresses from the fixture's manifest, as the guest printed
     them) zeroed.  With desc_status zeroed `report` said "No VT-d
     invalidation-queue lockup" and exited 0, although the module's CPU still
     polls in qi_submit_sync and the log holds thousands of IQE reports.  Now
     the verdict is "LOCKUP SUSPECTED", names that CPU and what disagrees (the
     queue shows nothing pending, or could not be read), and the exit status
     is 1.

Every run must exit with the expected status and write no sanitizer report
(CTest runs this with the release and the ASan/UBSan binary).

Environment: VTDSCOPE (the binary), VTDSCOPE_CACHE, VTDSCOPE_SOURCE_DIR.
Exit 77 when no base fixture is present; last line "N passed, N failed".
"""
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SYNTH = os.path.join(SRC, "fixtures", "synth")
SCENARIOS = ["all-tasks-6.1", "all-tasks-6.12"]
TIMEOUT = 120
CYCLE_SECONDS = 30          # the cycle is found at once; a million entries took minutes
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
             "runtime error:", "Segmentation fault")
EXIT_INCOMPLETE = 5
PAGE = 4096


def load_mksynth():
    loader = importlib.machinery.SourceFileLoader("mksynth", os.path.join(SYNTH, "mksynth"))
    spec = importlib.util.spec_from_loader("mksynth", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def run(args, timeout=TIMEOUT):
    """(exit code or "timeout", stdout, stderr, seconds)"""
    t0 = time.time()
    try:
        p = subprocess.run([common.TOOL] + args, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out after %d s" % timeout, time.time() - t0


def clean(r, name, label, rc, err, codes):
    """The run ended by itself with one of @codes and no crash or sanitizer report."""
    bad = [s for s in SANITIZER if s in err]
    return r.check(isinstance(rc, int) and rc in codes and not bad, name,
                   "%s exits %s, no crash or sanitizer report" % (label, "/".join(map(str, codes))),
                   "exit %s\n%s" % (rc, err[-2500:]))


def as_json(r, name, label, out):
    try:
        return json.loads(out)
    except ValueError as e:
        r.fail(name, "%s prints JSON" % label, "%s\n%s" % (e, out[:500]))
        return None


def diagnostics(rep, what):
    """Every message of @what ("errors", "warnings") in the report, sections included."""
    out = [d.get("message", "") for d in rep.get(what) or []]

    def walk(s):
        for d in s.get(what) or []:
            out.append(d.get("message", ""))
        for sub in (s.get("sections") or {}).values():
            walk(sub)
    for s in (rep.get("sections") or {}).values():
        walk(s)
    return out


def summary(rep):
    """What must not change: verdict and findings (kind, severity)."""
    return rep.get("verdict"), [(f["kind"], f["severity"]) for f in rep.get("findings", [])]


def cpu_sections(rep):
    return {k: v for k, v in rep["sections"]["bt"].get("sections", {}).items()
            if k.startswith("cpu")}


def frames(sec):
    """Every frame of a CPU or task section: (function, offset, sp)."""
    rows = ((sec.get("tables") or {}).get("frames") or {}).get("rows") or []
    return [(f.get("function"), f.get("offset"), f.get("sp")) for f in rows]


# ---- crafting copies -----------------------------------------------------------


class Dump:
    """A copy of a small ELF vmcore ("paging": false) that can be patched in place."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        self._parse()

    def _parse(self):
        """phdrs: [file offset of the header, p_type, p_flags, p_offset, p_vaddr, p_paddr,
        p_filesz, p_memsz, p_align]; loads: (paddr, size, file offset)."""
        phoff, = struct.unpack_from("<Q", self.data, 32)
        phnum, = struct.unpack_from("<H", self.data, 56)
        self.phdrs = [[phoff + 56 * i] + list(struct.unpack_from("<IIQQQQQQ", self.data,
                                                                  phoff + 56 * i))
                      for i in range(phnum)]
        self.loads = [(p[5], p[6], p[3]) for p in self.phdrs if p[1] == 1]

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.data)

    def _off(self, paddr, n):
        for start, size, off in self.loads:
            if start <= paddr and paddr + n <= start + size:
                return off + paddr - start
        raise LookupError("physical 0x%x+%d is not in the dump" % (paddr, n))

    def read(self, paddr, n):
        out = bytearray()
        while n:
            chunk = min(n, PAGE - paddr % PAGE)
            o = self._off(paddr, chunk)
            out += self.data[o:o + chunk]
            paddr += chunk
            n -= chunk
        return bytes(out)

    def write(self, paddr, b):
        while b:
            chunk = min(len(b), PAGE - paddr % PAGE)
            o = self._off(paddr, chunk)
            self.data[o:o + chunk] = b[:chunk]
            paddr += chunk
            b = b[chunk:]

    def notes(self):
        (p,) = [p for p in self.phdrs if p[1] == 4]
        return bytes(self.data[p[3]:p[3] + p[6]])

    def set_notes(self, blob):
        """Replace the PT_NOTE contents; the memory segments move behind it."""
        (note,) = [p for p in self.phdrs if p[1] == 4]
        data_off = min(off for _, _, off in self.loads)
        new_off = (note[3] + len(blob) + PAGE - 1) // PAGE * PAGE
        delta = new_off - data_off
        struct.pack_into("<QQQ", self.data, note[0] + 32, len(blob), len(blob), 0)
        for p in self.phdrs:
            if p[1] == 1:
                struct.pack_into("<Q", self.data, p[0] + 8, p[3] + delta)
        self.data = (self.data[:note[3]] + blob + bytes(new_off - note[3] - len(blob)) +
                     self.data[data_off:])
        self._parse()


def note_records(blob):
    """[(name, bytes of the whole record)] of an ELF note blob."""
    out, o = [], 0
    while o + 12 <= len(blob):
        nsz, dsz, _ = struct.unpack_from("<III", blob, o)
        end = o + 12 + (nsz + 3) // 4 * 4 + (dsz + 3) // 4 * 4
        out.append((blob[o + 12:o + 12 + nsz].rstrip(b"\0"), blob[o:end]))
        o = end
    return out


def make_note(name, ntype, desc):
    name = name + b"\0"
    pad = lambda b: b + bytes((4 - len(b) % 4) % 4)  # noqa: E731
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


class Kernel:
    """Addresses in the clean dump, through vtdscope and the VMCOREINFO note."""

    def __init__(self, mk, path):
        self.tool = mk.Tool(common.TOOL)
        self.path = path
        core = mk.ElfCore(path)
        vi = core.vmcoreinfo()
        self.phys_base = int(vi.get("NUMBER(phys_base)", "0"), 0) & ((1 << 64) - 1)
        info = self.tool.json("info", path, "--types", "btf")
        self.pob = int(info["sections"]["system"]["fields"]["page_offset_base"], 16)

    def v2p(self, va):
        if va >= 0xffffffff80000000:
            return (va - 0xffffffff80000000 + self.phys_base) & ((1 << 64) - 1)
        return va - self.pob

    def sym(self, name):
        return self.tool.symbol(self.path, name)

    def members(self, struct_name):
        """{member: (offset, size, bit offset)} as `vtdscope type` prints them."""
        return self.tool.struct_members(self.path, struct_name)


BTF_EXTRA = {1: 4, 3: 12, 14: 4, 17: 4}            # kind: bytes after the 12-byte header
BTF_VLEN = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}  # kind: bytes per vlen entry


def btf_member_offset_at(blob, struct_name, member):
    """(byte offset in @blob of the member's btf_member.offset word, kind_flag, struct size)."""
    magic, _, _, hdr_len, type_off, type_len, str_off, _ = struct.unpack_from("<HBBIIIII", blob, 0)
    if magic != 0xeb9f:
        raise ValueError("no BTF magic")
    types, strs = hdr_len + type_off, hdr_len + str_off

    def name(off):
        return blob[strs + off:blob.index(b"\0", strs + off)].decode()

    o = types
    while o < types + type_len:
        name_off, info, size = struct.unpack_from("<III", blob, o)
        kind, vlen, kflag = (info >> 24) & 0x1f, info & 0xffff, info >> 31
        if kind == 4 and name(name_off) == struct_name:
            for i in range(vlen):
                m = o + 12 + 12 * i
                if name(struct.unpack_from("<I", blob, m)[0]) == member:
                    return m + 8, kflag, size
        o += 12 + BTF_EXTRA.get(kind, 0) + BTF_VLEN.get(kind, 0) * vlen
    raise ValueError("struct %s has no member %s in the BTF" % (struct_name, member))


# ---- 1. two VMCOREINFO notes -----------------------------------------------------


def check_vmcoreinfo(r, name, clean_path, tmp, base):
    d = Dump(clean_path)
    blob = d.notes()
    recs = note_records(blob)
    vmci = [rec for n, rec in recs if n == b"VMCOREINFO"]
    if not r.check(len(vmci) == 1, name, "the clean copy has one VMCOREINFO note"):
        return
    nsz, dsz, ntype = struct.unpack_from("<III", vmci[0], 0)
    desc_off = 12 + (nsz + 3) // 4 * 4
    text = vmci[0][desc_off:desc_off + dsz]
    release = base["release"]
    other = text.replace(b"OSRELEASE=" + release.encode(), b"OSRELEASE=9.9.9-review-kexec")
    other_note = make_note(b"VMCOREINFO", ntype, other)
    # (label, PT_NOTE contents, release used, warning text, results as the clean copy's):
    # the first note is used, so with the other release first the analysis follows
    # that release (the ORC layout of a 6.1 kernel is told by its release).
    variants = [
        ("same twice", blob + vmci[0], release, "the others repeat it", True),
        ("a later one differs", blob + other_note, release,
         "ignoring a later one that differs (OSRELEASE 9.9.9-review-kexec)", True),
        ("the differing one first", other_note + blob, "9.9.9-review-kexec",
         "ignoring a later one that differs (OSRELEASE %s)" % release, False),
    ]
    for i, (label, notes, want_release, want_text, same) in enumerate(variants):
        tag = "%s vmcoreinfo (%s)" % (name, label)
        path = os.path.join(tmp, "vmcoreinfo-%d.elf" % i)
        d = Dump(clean_path)
        d.set_notes(notes)
        d.save(path)
        rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
        if not clean(r, tag, "report", rc, err, [base["report_rc"]] if same else [0, 1, 5]):
            continue
        rep = as_json(r, tag, "report", out)
        if rep is None:
            continue
        warns = diagnostics(rep, "warnings")
        r.check(any("more than one VMCOREINFO note: using the first" in w and want_text in w
                    for w in warns), tag, "a report warning says the first note is used (%s)" %
                want_text, warns)
        if same:
            r.check(summary(rep) == base["summary"], tag,
                    "verdict and findings are the clean copy's",
                    "got  %s\nwant %s" % (summary(rep), base["summary"]))
            r.check(diagnostics(rep, "errors") == [], tag, "no report error",
                    diagnostics(rep, "errors"))
        rc, out, err, _ = run(["info", path, "--types", "btf", "--format", "json"])
        if clean(r, tag, "info", rc, err, [0]):
            info = as_json(r, tag, "info", out)
            got = info and info["sections"]["system"]["fields"].get("release")
            r.check(got == want_release, tag, "the release is the first note's (%s)" %
                    want_release, "got %s" % got)
        rc, out, err, _ = run(["log", path])
        if clean(r, tag, "log", rc, err, [0]):
            r.check(out == base["log"], tag, "log prints the clean copy's log")
            lines = err.splitlines()
            r.check(len(lines) == 1 and lines[0].startswith("vtdscope: warning: ") and
                    "VMCOREINFO" in lines[0], tag, "log: one warning line on stderr", err)


# ---- 2. a BTF member outside its struct -----------------------------------------


def check_btf_member(r, name, clean_path, tmp, base, kern):
    start, stop = kern.sym("__start_BTF"), kern.sym("__stop_BTF")
    d = Dump(clean_path)
    blob = d.read(kern.v2p(start), stop - start)
    try:
        at, kflag, size = btf_member_offset_at(blob, "task_struct", "pid")
    except ValueError as e:
        r.fail(name, "task_struct.pid found in the dump's BTF", e)
        return
    for label, byte_off in (("just past the end", size + 8), ("1 MiB out", 1 << 20)):
        tag = "%s btf-member (pid %s)" % (name, label)
        bits = byte_off * 8
        word = bits if not kflag else bits & 0xffffff   # kind_flag: bitfield size 0 above
        d = Dump(clean_path)
        d.write(kern.v2p(start) + at, struct.pack("<I", word))
        path = os.path.join(tmp, "btf-pid-%d.elf" % byte_off)
        d.save(path)
        want_diag = "struct task_struct.pid at bytes %d..%d lies outside the %d-byte type" % (
            byte_off, byte_off + 3, size)

        rc, out, err, _ = run(["bt", path, "--all", "--types", "btf", "--format", "json"])
        if clean(r, tag, "bt --all", rc, err, [EXIT_INCOMPLETE]):
            rep = as_json(r, tag, "bt --all", out)
            if rep:
                errs = diagnostics(rep, "errors")
                r.check(any(want_diag in e for e in errs), tag,
                        "a report error names the member (%s)" % want_diag, errs)
                got, want = cpu_sections(rep), cpu_sections(base["bt_all"])
                r.check(sorted(got) == sorted(want), tag, "the same CPUs", "%s / %s" %
                        (sorted(got), sorted(want)))
                for cpu in sorted(set(got) & set(want)):
                    g, w = got[cpu]["fields"], want[cpu]["fields"]
                    r.check(g.get("pid") is None and "pid" in g and
                            g.get("comm") == w.get("comm") and
                            frames(got[cpu]) == frames(want[cpu]), tag,
                            "%s: pid n/a, comm %s and %d frames as in the clean copy" %
                            (cpu, w.get("comm"), len(frames(want[cpu]))),
                            "pid %r comm %r\ngot  %s\nwant %s" % (
                                g.get("pid"), g.get("comm"), frames(got[cpu]),
                                frames(want[cpu])))
        rc, out, err, _ = run(["bt", path, "--state", "D", "--types", "btf", "--format", "json"])
        if clean(r, tag, "bt --state D", rc, err, [EXIT_INCOMPLETE]):
            rep = as_json(r, tag, "bt --state D", out)
            if rep:
                got = sorted(s["title"] for s in rep["sections"]["bt"].get("sections", {}).values())
                want = sorted(s["title"].rsplit(" (pid", 1)[0] for s in
                              base["bt_d"]["sections"]["bt"].get("sections", {}).values())
                r.check(got == want, tag, "the same %d D-state tasks, by name" % len(want),
                        "got  %s\nwant %s" % (got, want))
        rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
        if clean(r, tag, "report", rc, err, [base["report_rc"]]):
            rep = as_json(r, tag, "report", out)
            if rep:
                got = summary(rep)
                r.check(got[1] == base["summary"][1], tag,
                        "the findings are the clean copy's", "got  %s\nwant %s" %
                        (got[1], base["summary"][1]))
                r.check(any(want_diag in e for e in diagnostics(rep, "errors")), tag,
                        "the report's errors name the member", diagnostics(rep, "errors"))


# ---- 3. a task list with a cycle -------------------------------------------------


def check_task_cycle(r, name, clean_path, tmp, base, kern):
    mem = kern.members("struct task_struct")
    if not r.check("tasks" in mem and "pid" in mem, name, "task_struct.tasks and .pid known"):
        return
    off_tasks, off_pid = mem["tasks"][0], mem["pid"][0]
    d = Dump(clean_path)
    u64 = lambda va: struct.unpack("<Q", d.read(kern.v2p(va), 8))[0]  # noqa: E731
    init_task = kern.sym("init_task")
    head = init_task + off_tasks
    order, node = [], u64(head)
    while node != head and len(order) < 100000:
        order.append(node - off_tasks)
        node = u64(node)
    dtasks = {int(s["fields"]["task"], 16): s["title"] for s in
              base["bt_d"]["sections"]["bt"].get("sections", {}).values()}
    on_list = [i for i, t in enumerate(order) if t in dtasks]
    cut = on_list[0] + 1 if on_list else min(5, len(order) - 1)
    if not r.check(0 < cut < len(order), name, "a task to loop at (list of %d)" % len(order)):
        return
    loop = order[cut]
    d.write(kern.v2p(loop + off_tasks), struct.pack("<Q", loop + off_tasks))
    path = os.path.join(tmp, "task-cycle.elf")
    d.save(path)
    tag = "%s task-cycle (task 0x%x, entry %d)" % (name, loop, cut + 1)
    pid = struct.unpack("<i", d.read(kern.v2p(loop + off_pid), 4))[0]

    rc, out, err, secs = run(["bt", path, "--state", "D", "--types", "btf", "--format", "json"])
    if clean(r, tag, "bt --state D", rc, err, [EXIT_INCOMPLETE]):
        r.check(secs < CYCLE_SECONDS, tag, "the cycle is found at once (%.1f s)" % secs)
        rep = as_json(r, tag, "bt --state D", out)
        if rep:
            errs = diagnostics(rep, "errors")
            r.check(any("cycle in the task list" in e and "task 0x%x" % loop in e and
                        "pid %d" % pid in e for e in errs), tag,
                    "an error names the task reached again (0x%x, pid %d)" % (loop, pid), errs)
            got = {int(s["fields"]["task"], 16) for s in
                   rep["sections"]["bt"].get("sections", {}).values()}
            before = {order[i] for i in on_list if i < cut}
            r.check(before <= got <= set(dtasks), tag,
                    "the D tasks before the cycle are shown (%d of %d), nothing else" %
                    (len(before), len(dtasks)),
                    "got %s\nwant at least %s, at most %s" % (
                        sorted(map(hex, got)), sorted(map(hex, before)), sorted(map(hex, dtasks))))
    rc, out, err, _ = run(["bt", path, "--state", "D", "--types", "btf"], timeout=TIMEOUT)
    if clean(r, tag, "bt --state D (text)", rc, err, [EXIT_INCOMPLETE]):
        r.check("cycle in the task list" in out and "0x%x" % loop in out, tag,
                "the text output says so", out[-800:])
    rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
    if clean(r, tag, "report", rc, err, [base["report_rc"]]):
        rep = as_json(r, tag, "report", out)
        if rep:
            r.check(summary(rep) == base["summary"], tag,
                    "report (no task walk) is the clean copy's", summary(rep))


# ---- 4. a stale copy of the logged QI HEAD descriptor ------------------------------


def resolve_ref(rep, ref):
    """The JSON node a report ref ("/sections/vtd/.../rows/1") points at."""
    node = rep
    for part in ref.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def iqe_evidence(rep):
    found = [f for f in rep.get("findings", []) if f["kind"] == "qi-iqe"]
    return found[0]["evidence"] if found else None


def check_refs_name_their_slot(r, tag, rep):
    """Every evidence ref to a slot row points at the slot the text names first."""
    for f in rep.get("findings", []):
        for e in f.get("evidence", []):
            ref = e.get("ref") or ""
            if "/tables/slots/rows/" not in ref:
                continue
            row = resolve_ref(rep, ref)
            named = re.search(r"\bslot (\d+)", e["text"])
            r.check(named and row.get("slot") == int(named.group(1)), tag,
                    "%s: the evidence ref is the row of the slot it names" % f["kind"],
                    "text %r\nref %s -> slot %s" % (e["text"][:160], ref, row.get("slot")))


def check_stale_head(r, name, clean_path, tmp):
    rc, out, err, _ = run(["qi", clean_path, "--all-slots", "--types", "btf", "--format", "json"])
    if not clean(r, name, "clean copy: qi --all-slots", rc, err, [0, 1]):
        return
    unit = json.loads(out)["sections"]["vtd"]["sections"]["dmar0"]
    ring = int(unit["fields"]["ring_phys"], 16)
    width = 32 if "256" in unit["fields"]["descriptor_width"] else 16
    rows = {row["slot"]: row for row in unit["tables"]["slots"]["rows"]}
    rc, out, err, _ = run(["report", clean_path, "--types", "btf", "--format", "json"])
    ev = iqe_evidence(json.loads(out)) or []
    head = [int(m.group(1)) for e in ev for m in [re.search(r"QI HEAD .* is slot (\d+)", e["text"])] if m]
    if not r.check(len(head) == 1, name, "the clean copy's IQE names the QI HEAD slot", ev):
        return
    head = head[0]
    batch = rows[head]["batch"]
    free = [i for i in range(256) if rows[i]["status"] == "free" and rows[i]["batch"] is None]
    later = [i for i, row in sorted(rows.items()) if row["batch"] not in (None, batch) and
             row["type"] != "wait"]
    # (label, slot that gets a copy of the head descriptor, expected words)
    variants = [("stale copy in free slot %d" % free[0], free[0], ["not ambiguous"])]
    if later:
        variants.append(("copy in slot %d of a later batch" % later[0], later[0], ["ambiguous"]))
    for label, dst, words in variants:
        tag = "%s stale-head (%s)" % (name, label)
        d = Dump(clean_path)
        d.write(ring + dst * width, d.read(ring + head * width, 16))
        path = os.path.join(tmp, "stale-head-%d.elf" % dst)
        d.save(path)
        rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
        if not clean(r, tag, "report", rc, err, [0, 1]):
            continue
        rep = as_json(r, tag, "report", out)
        ev = [e["text"] for e in (iqe_evidence(rep) or [])] if rep else []
        r.check(any("is slot %d," % head in t for t in ev) and
                not any("is slot %d," % dst in t for t in ev), tag,
                "the QI HEAD is the in-flight slot %d, not the copy in slot %d" % (head, dst), ev)
        r.check(any("slot %d is not the first of its batch" % head in t for t in ev), tag,
                "the 'not the first of its batch' evidence stays", ev)
        r.check(any(("also hold" in t and str(dst) in t and words[0] + ":" in t) for t in ev), tag,
                "the other match (slot %d) is named, %s" % (dst, words[0]), ev)
        if rep:
            check_refs_name_their_slot(r, tag, rep)


# ---- 5. the page holding panic_cpu left out ------------------------------------


def check_panic_cpu_dropped(r, name, clean_path, tmp, mk):
    scen = os.path.join(tmp, "no-panic-cpu.synth")
    with open(scen, "w") as f:
        f.write("base %s\ndrop panic_cpu panic_cpu+4\n" % clean_path)
    path = os.path.join(tmp, "no-panic-cpu.elf")
    tag = "%s panic_cpu page dropped" % name
    try:
        mk.build(mk.parse_scenario(scen), clean_path, os.path.abspath(common.TOOL), path)
    except (mk.SynthError, OSError) as e:
        r.fail(tag, "mksynth drops the page of panic_cpu", e)
        return
    for cmd in ("report", "info"):
        rc, out, err, _ = run([cmd, path, "--types", "btf", "--format", "json"])
        # info: exit 5, the analysis is incomplete (which CPU panicked is unknown);
        # report: its findings' status (1) comes first
        if not clean(r, tag, cmd, rc, err, [EXIT_INCOMPLETE] if cmd == "info" else [0, 1, 5]):
            continue
        rep = as_json(r, tag, cmd, out)
        if not rep:
            continue
        r.check("no CPU panicked" not in out, tag, "%s: a read failure is not 'no CPU panicked'" % cmd,
                rep["sections"]["system"]["fields"].get("panic_cpu"))
        errs = diagnostics(rep, "errors")
        r.check(any("could not read panic_cpu" in e and "not in dump" in e for e in errs), tag,
                "%s: a report error says panic_cpu could not be read" % cmd, errs)
    rc, out, err, _ = run(["report", path, "--types", "btf"])
    if clean(r, tag, "report (text)", rc, err, [0, 1, 5]):
        r.check("no CPU panicked" not in out and "could not read panic_cpu" in out, tag,
                "text: panic_cpu unknown, with the reason", out[:1500])


# ---- 6. one page of the queue's state zeroed ----------------------------------------


def check_zeroed_queue(r, name, clean_path, tmp, base_path):
    """The manifest (the guest's own printout) says where the queue lives and who hangs."""
    try:
        with open(os.path.join(os.path.dirname(base_path), "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        r.fail(name, "the base fixture's manifest", e)
        return
    iommu, mod = manifest.get("iommu") or {}, manifest.get("scenario_module") or {}
    iqa = common.hexint((iommu.get("registers") or {}).get("iqa"))
    desc = common.hexint(iommu.get("desc"))
    if iqa is None or desc is None or "cpu" not in mod or manifest.get("scenario") != "qi-hang":
        r.skip(name, "zeroed queue state: the manifest lacks the queue's addresses or the submitter")
        return
    page_offset = desc - (iqa & ~0xfff)          # the ring is in the direct map
    pages = [("desc_status", common.hexint(iommu["desc_status"]), "dmar0 shows nothing pending"),
             ("the ring", desc, "dmar0 shows nothing pending"),
             ("struct q_inval", common.hexint(iommu["q_inval"]), "dmar0's queue could not be read")]
    for what, va, disagree in pages:
        tag = "%s zeroed %s" % (name, what)
        d = Dump(clean_path)
        try:
            d.write((va - page_offset) & ~(PAGE - 1), bytes(PAGE))
        except LookupError as e:
            r.fail(tag, "the page of %s is in the copy" % what, e)
            continue
        path = os.path.join(tmp, "zeroed-%s.elf" % what.replace(" ", "-"))
        d.save(path)
        rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
        if not clean(r, tag, "report", rc, err, [1]):
            continue
        rep = as_json(r, tag, "report", out)
        if not rep:
            continue
        v = rep.get("verdict") or ""
        r.check(v.startswith("LOCKUP SUSPECTED: ") and "No VT-d" not in v, tag,
                "not healthy: the verdict is a suspected lockup", v)
        r.check(("CPU%d (" % mod["cpu"]) in v and "qi_submit_sync" in v, tag,
                "it names the module's CPU%d, still in qi_submit_sync" % mod["cpu"], v)
        r.check(disagree in v, tag, "and what disagrees: %r" % disagree, v)
        r.check(any(f["kind"] == "qi-lockup-suspected" and f["severity"] in ("error", "critical")
                    for f in rep.get("findings", [])), tag,
                "a finding of error severity says so", [f["kind"] for f in rep.get("findings", [])])
        os.unlink(path)


# ---- main ------------------------------------------------------------------------


def clean_results(r, name, path):
    """The clean copy's results, the ground truth for its broken copies."""
    base = {}
    rc, out, err, _ = run(["report", path, "--types", "btf", "--format", "json"])
    if not clean(r, name, "clean copy: report", rc, err, [0, 1]):
        return None
    base["report_rc"] = rc
    rep = json.loads(out)
    base["summary"] = summary(rep)
    rc, out, err, _ = run(["info", path, "--types", "btf", "--format", "json"])
    if not clean(r, name, "clean copy: info", rc, err, [0]):
        return None
    base["release"] = json.loads(out)["sections"]["system"]["fields"]["release"]
    for key, args in (("bt_all", ["--all"]), ("bt_d", ["--state", "D"])):
        rc, out, err, _ = run(["bt", path] + args + ["--types", "btf", "--format", "json"])
        if not clean(r, name, "clean copy: bt %s" % " ".join(args), rc, err, [0]):
            return None
        base[key] = json.loads(out)
    rc, out, err, _ = run(["log", path])
    if not clean(r, name, "clean copy: log", rc, err, [0]) or \
            not r.check(not err, name, "clean copy: log writes nothing on stderr", err):
        return None
    base["log"] = out
    return base


def skip(msg):
    print("skipped: %s" % msg)
    print("0 passed, 0 failed")
    sys.exit(77)


def main():
    if not os.path.isfile(common.TOOL):
        skip("no vtdscope binary (set VTDSCOPE)")
    mk = load_mksynth()
    cache = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
    r = common.Results("review")
    todo = []
    for sname in SCENARIOS:
        sc = mk.parse_scenario(os.path.join(SYNTH, "scenarios", sname + ".synth"))
        base = mk.resolve_base(sc, cache)
        if os.path.exists(base):
            todo.append((sname, sc, base))
        else:
            r.skip(sname, "base dump %s not present" % base)
    if not todo:
        skip("no base fixture for %s under %s" % (", ".join(SCENARIOS), cache))
    tmp = tempfile.mkdtemp(prefix="vtdscope-review-")
    try:
        for sname, sc, base_path in todo:
            try:
                clean_path, _ = mk.cached(sc, base_path, os.path.abspath(common.TOOL), cache)
            except (mk.SynthError, OSError) as e:
                r.fail(sname, "mksynth builds the clean copy", e)
                continue
            base = clean_results(r, sname, clean_path)
            if base is None:
                continue
            kern = Kernel(mk, clean_path)
            check_vmcoreinfo(r, sname, clean_path, tmp, base)
            check_btf_member(r, sname, clean_path, tmp, base, kern)
            check_task_cycle(r, sname, clean_path, tmp, base, kern)
            check_stale_head(r, sname, clean_path, tmp)
            check_panic_cpu_dropped(r, sname, clean_path, tmp, mk)
            check_zeroed_queue(r, sname, clean_path, tmp, base_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
