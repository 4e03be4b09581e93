# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds for the harnesses that read a dump (make-seeds imports this).

Fuzz images (tests/fuzz/fake_target.h) are a BTF blob, VMCOREINFO text, ELF
notes and physical memory segments.  From a real fixture they hold:
  - the pages vtdscope reads for a command (VTDSCOPE_TRACE_PAGES), less the
    BTF, kallsyms and ORC tables (the harnesses take types from the image's
    BTF and symbols from SYMBOL() lines);
  - the dump's own BTF cut down to the structures the engine reads (and what
    they hold by value; pointers to other structures become forward
    declarations);
  - the dump's VMCOREINFO plus SYMBOL() lines for what the harness needs,
    looked up with `vtdscope sym`, and its register notes.
Synthetic images carry their own page tables (4- and 5-level, 2 MiB and
1 GiB pages).  Nothing here knows a kernel's struct layout: offsets come
from the BTF.
"""
import json
import os
import shutil
import struct
import subprocess
import tempfile

PAGE = 4096
U64 = (1 << 64) - 1
START_KERNEL_MAP = 0xffffffff80000000
PT_LOAD, PT_NOTE = 1, 4

# ---------------------------------------------------------------------------
# BTF: read, cut down, write

BTF_MAGIC = 0xeB9F
(INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC,
 FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64) = range(1, 20)
MODIFIERS = (TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG)
KEYWORD = {STRUCT: "struct ", UNION: "union ", ENUM: "enum ", ENUM64: "enum "}

# What the engine and the analyzers read (grep '"struct ' src plugins), and enumerators.
ENGINE_TYPES = [
    "struct task_struct", "struct module", "struct intel_iommu", "struct pci_dev",
    "struct q_inval", "struct dmar_drhd_unit", "struct pci_bus", "struct pci_driver",
    "struct iommu_fault_page_request", "struct mcs_spinlock", "struct qnode", "struct rq",
    "struct module_memory", "struct mod_kallsyms", "struct iopf_group", "struct iopf_fault",
    "struct inactive_task_frame", "struct qi_desc", "struct iommu_fault_param",
    "struct iommu_fault_event", "struct dev_iommu", "struct iopf_device_param",
    "struct iommu_fault", "struct uts_namespace", "struct tss_struct", "struct static_key",
    "struct signal_struct", "struct pcpu_hot", "struct entry_stack",
    "struct cea_exception_stacks", "MOD_TEXT", "QI_DONE",
]


def btf_parse(blob):
    magic, _ver, _flags, hdr_len = struct.unpack_from("<HBBI", blob, 0)
    if magic != BTF_MAGIC:
        raise ValueError("not BTF")
    type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", blob, 8)
    tb = blob[hdr_len + type_off:hdr_len + type_off + type_len]
    sb = blob[hdr_len + str_off:hdr_len + str_off + str_len]

    def s(off):
        return sb[off:sb.index(b"\0", off)].decode("latin-1")
    types, off = [None], 0
    while off + 12 <= len(tb):
        name_off, info, st = struct.unpack_from("<III", tb, off)
        off += 12
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        t = {"kind": kind, "name": s(name_off), "vlen": vlen, "kflag": info >> 31, "st": st,
             "data": None}
        if kind in (INT, VAR, DECL_TAG):
            t["data"] = struct.unpack_from("<I", tb, off)[0]
            off += 4
        elif kind == ARRAY:
            t["data"] = list(struct.unpack_from("<III", tb, off))
            off += 12
        elif kind in (STRUCT, UNION):
            t["data"] = [[s(n), ty, o] for n, ty, o in
                         (struct.unpack_from("<III", tb, off + 12 * i) for i in range(vlen))]
            off += 12 * vlen
        elif kind == ENUM:
            t["data"] = [[s(n), v] for n, v in
                         (struct.unpack_from("<II", tb, off + 8 * i) for i in range(vlen))]
            off += 8 * vlen
        elif kind == ENUM64:
            t["data"] = [[s(n), lo, hi] for n, lo, hi in
                         (struct.unpack_from("<III", tb, off + 12 * i) for i in range(vlen))]
            off += 12 * vlen
        elif kind == FUNC_PROTO:
            t["data"] = [[s(n), ty] for n, ty in
                         (struct.unpack_from("<II", tb, off + 8 * i) for i in range(vlen))]
            off += 8 * vlen
        elif kind == DATASEC:
            t["data"] = [list(struct.unpack_from("<III", tb, off + 12 * i)) for i in range(vlen)]
            off += 12 * vlen
        types.append(t)
    return types


def btf_write(types):
    strs, sbuf, tbuf = {"": 0}, bytearray(b"\0"), bytearray()

    def so(name):
        if name not in strs:
            strs[name] = len(sbuf)
            sbuf.extend(name.encode("latin-1") + b"\0")
        return strs[name]
    for t in types[1:]:
        kind, data = t["kind"], t["data"]
        vlen = len(data) if kind in (STRUCT, UNION, ENUM, ENUM64, FUNC_PROTO, DATASEC) else \
            (t["vlen"] if kind == FUNC else 0)
        tbuf += struct.pack("<III", so(t["name"]), (t["kflag"] << 31) | (kind << 24) | vlen,
                            t["st"])
        if kind in (INT, VAR, DECL_TAG):
            tbuf += struct.pack("<I", data)
        elif kind == ARRAY:
            tbuf += struct.pack("<III", *data)
        elif kind in (STRUCT, UNION):
            for n, ty, o in data:
                tbuf += struct.pack("<III", so(n), ty, o)
        elif kind == ENUM:
            for n, v in data:
                tbuf += struct.pack("<II", so(n), v & 0xffffffff)
        elif kind == ENUM64:
            for n, lo, hi in data:
                tbuf += struct.pack("<III", so(n), lo, hi)
        elif kind == FUNC_PROTO:
            for n, ty in data:
                tbuf += struct.pack("<II", so(n), ty)
        elif kind == DATASEC:
            for e in data:
                tbuf += struct.pack("<III", *e)
    return struct.pack("<HBBIIIII", BTF_MAGIC, 1, 0, 24, 0, len(tbuf), len(tbuf), len(sbuf)) + \
        bytes(tbuf) + bytes(sbuf)


def btf_subset(types, roots):
    """The types @roots hold by value ("struct x", or an enumerator for its enum);
    pointers to structures become FWDs (the full type, when kept, completes them
    by name), pointers to anything else but scalars become void *."""
    by_name = {}
    for i, t in enumerate(types):
        if not t or not t["name"]:
            continue
        key = KEYWORD.get(t["kind"], "") + t["name"]
        old = by_name.get(key)
        if old is None or (types[old]["kind"] in KEYWORD and types[old]["vlen"] == 0 and
                           t["vlen"] > 0):
            by_name[key] = i
        if t["kind"] in (ENUM, ENUM64):
            for e in t["data"]:
                by_name.setdefault("=" + e[0], i)
    out, newid, fwds = [None], {0: 0}, {}

    def fwd(name, union):
        if (name, union) not in fwds:
            out.append({"kind": FWD, "name": name, "kflag": int(union), "st": 0, "vlen": 0,
                        "data": None})
            fwds[(name, union)] = len(out) - 1
        return fwds[(name, union)]

    def pointee(tid):
        cur, hops = tid, 0
        while cur and types[cur]["kind"] in MODIFIERS and hops < 32:
            cur, hops = types[cur]["st"], hops + 1
        t = types[cur] if cur else None
        if t and t["kind"] in (STRUCT, UNION, FWD) and t["name"]:
            return fwd(t["name"], t["kind"] == UNION or (t["kind"] == FWD and t["kflag"]))
        if t and t["kind"] in (INT, FLOAT, ENUM, ENUM64, PTR):
            return visit(tid)
        return 0

    def visit(tid):
        if tid in newid:
            return newid[tid]
        t = types[tid]
        if t["kind"] not in (INT, FLOAT, ENUM, ENUM64, FWD, PTR, ARRAY, STRUCT, UNION) + MODIFIERS:
            return 0
        nt = dict(t)
        out.append(nt)
        newid[tid] = len(out) - 1
        if t["kind"] == PTR:
            nt["st"] = pointee(t["st"])
        elif t["kind"] == ARRAY:
            nt["data"] = [visit(t["data"][0]), visit(t["data"][1]), t["data"][2]]
        elif t["kind"] in (STRUCT, UNION):
            nt["data"] = [[n, visit(ty), o] for n, ty, o in t["data"]]
        elif t["kind"] in MODIFIERS:
            nt["st"] = visit(t["st"]) if t["st"] else 0
        return newid[tid]
    for r in roots:
        tid = by_name.get(r) or by_name.get("=" + r)
        if tid:
            visit(tid)
    return out



# ---------------------------------------------------------------------------
# Fuzz images


def note(name, ntype, desc):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def image(btf, vmcoreinfo, notes, pages):
    """pages: {physical address: bytes}; one segment per run of whole pages."""
    segs, run = b"", None
    for pa in sorted(pages):
        data = pages[pa]
        if run and run[0] + len(run[1]) == pa and len(run[1]) % PAGE == 0:
            run[1] += data
            continue
        if run:
            segs += struct.pack("<QI", run[0], len(run[1])) + bytes(run[1])
        run = [pa, bytearray(data)]
    if run:
        segs += struct.pack("<QI", run[0], len(run[1])) + bytes(run[1])
    vi = vmcoreinfo.encode() if isinstance(vmcoreinfo, str) else vmcoreinfo
    return struct.pack("<I", len(btf)) + btf + struct.pack("<H", len(vi)) + vi + \
        struct.pack("<H", len(notes)) + notes + segs


class Dump:
    """A real ELF vmcore: physical reads through its PT_LOADs, its notes."""

    def __init__(self, path):
        self.f = open(path, "rb")
        eh = self.f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        self.loads, self.notes = [], b""
        for i in range(phnum):
            self.f.seek(phoff + 56 * i)
            p_type, _, off, _, paddr, filesz, _, _ = struct.unpack("<IIQQQQQQ", self.f.read(56))
            if p_type == PT_LOAD:
                self.loads.append((paddr, filesz, off))
            elif p_type == PT_NOTE and filesz < (16 << 20):
                self.f.seek(off)
                self.notes += self.f.read(filesz)
        self.vmcoreinfo, self.other_notes = "", b""
        off = 0
        while off + 12 <= len(self.notes):
            namesz, descsz, ntype = struct.unpack_from("<III", self.notes, off)
            name_off = off + 12
            desc_off = name_off + ((namesz + 3) & ~3)
            end = desc_off + ((descsz + 3) & ~3)
            name = self.notes[name_off:name_off + namesz].rstrip(b"\0")
            if name == b"VMCOREINFO":
                if not self.vmcoreinfo:
                    self.vmcoreinfo = self.notes[desc_off:desc_off + descsz].rstrip(
                        b"\0").decode("latin-1")
            else:
                self.other_notes += self.notes[off:end]
            off = end
        self.vi = {}
        for line in self.vmcoreinfo.splitlines():
            k, _, v = line.partition("=")
            self.vi.setdefault(k, v)
        self.phys_base = int(self.vi.get("NUMBER(phys_base)", "0"), 0) & U64
        self.levels = 5 if self.vi.get("NUMBER(pgtable_l5_enabled)", "0") not in ("0", "") else 4
        pgd = self.vi.get("SYMBOL(init_top_pgt)") or self.vi.get("SYMBOL(swapper_pg_dir)")
        self.pgd = self.image_pa(int(pgd, 16)) if pgd else None

    def read(self, pa, n):
        for start, size, off in self.loads:
            if start <= pa and pa + n <= start + size:
                self.f.seek(off + pa - start)
                return self.f.read(n)
        return None

    def image_pa(self, va):
        return (va - START_KERNEL_MAP + self.phys_base) & U64

    def v2p(self, va):
        table = self.pgd
        for level in range(self.levels, 0, -1):
            shift = 12 + 9 * (level - 1)
            raw = self.read(table + ((va >> shift) & 511) * 8, 8) if table is not None else None
            if not raw:
                return None
            pte, = struct.unpack("<Q", raw)
            if not pte & 1:
                return None
            if level in (2, 3) and pte & 0x80:
                size = 1 << shift
                return (pte & 0x000ffffffffff000 & ~(size - 1)) | (va & (size - 1))
            table = pte & 0x000ffffffffff000
        return table | (va & 4095)

    def read_virt(self, va, n):
        out = b""
        while n:
            run = min(n, PAGE - (va & 4095))
            pa = self.v2p(va)
            data = self.read(pa, run) if pa is not None else None
            if data is None:
                return None
            out, va, n = out + data, va + run, n - run
        return out

    def u64(self, va):
        raw = self.read_virt(va, 8)
        return struct.unpack("<Q", raw)[0] if raw else None


class Tool:
    """The vtdscope binary, for what the dump alone does not say."""

    def __init__(self, exe):
        self.exe = exe

    def run(self, args, trace=None):
        env = dict(os.environ)
        env.pop("VTDSCOPE_TRACE_PAGES", None)
        if trace:
            env["VTDSCOPE_TRACE_PAGES"] = trace
        return subprocess.run([self.exe] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env, timeout=300).stdout

    def sym(self, dump, name):
        out = self.run(["sym", dump, name]).decode(errors="replace").split()
        return int(out[0], 16) if out and out[0].startswith("0x") else None

    def json(self, *args):
        try:
            return json.loads(self.run(list(args) + ["--format", "json"]))
        except ValueError:
            return {}

    def trace(self, dump, *commands):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "pages")
            for cmd in commands:
                self.run([cmd[0], dump] + list(cmd[1:]), trace=path)
            if not os.path.exists(path):
                return set()
            with open(path) as f:
                return {int(line, 16) & ~(PAGE - 1) for line in f if line.strip()}


def find_vtdscope(repo):
    for exe in (os.environ.get("VTDSCOPE"), os.path.join(repo, "build", "vtdscope"),
                shutil.which("vtdscope")):
        if exe and os.access(exe, os.X_OK):
            return exe
    return None


def sections_of(doc):
    """Every section of a JSON report, depth first."""
    stack = list((doc.get("sections") or {}).values())
    while stack:
        s = stack.pop(0)
        if isinstance(s, dict):
            yield s
            stack[0:0] = list((s.get("sections") or {}).values())


class Fixture:
    """A real fixture read through vtdscope: pages, symbols, cut-down BTF."""

    SKIP = [("__start_BTF", "__stop_BTF"), ("__start_orc_unwind_ip", "__stop_orc_unwind"),
            ("orc_lookup", "orc_lookup_end")]
    KALLSYMS = ["kallsyms_names", "kallsyms_num_syms", "kallsyms_token_table",
                "kallsyms_token_index", "kallsyms_offsets", "kallsyms_relative_base",
                "kallsyms_addresses", "kallsyms_markers", "kallsyms_seqs_of_names"]

    def __init__(self, path, tool):
        self.path, self.tool, self.dump = path, tool, Dump(path)
        self.syms = {}
        start, stop = self.sym("__start_BTF"), self.sym("__stop_BTF")
        blob = self.dump.read(self.dump.image_pa(start), stop - start) if start and stop else None
        self.btf_types = btf_parse(blob) if blob else None
        bounds = [(self.sym(a), self.sym(b)) for a, b in self.SKIP]
        # kallsyms: its tables lie together, in an order that changed (6.12: offsets last)
        ks = [a for a in (int(self.dump.vi[k], 16) for k in
                          ("SYMBOL(%s)" % n for n in self.KALLSYMS) if k in self.dump.vi)]
        num = self.dump.u64(int(self.dump.vi["SYMBOL(kallsyms_num_syms)"], 16)) \
            if "SYMBOL(kallsyms_num_syms)" in self.dump.vi else None
        if ks and num:
            bounds.append((min(ks), max(ks) + 8 * (num & 0xffffffff)))
        self.skip = []
        for lo, hi in bounds:
            if lo and hi and lo < hi < lo + (64 << 20):
                self.skip.append((self.dump.image_pa(lo) & ~(PAGE - 1),
                                  self.dump.image_pa(hi) + 2 * PAGE))

    def sym(self, name):
        if name not in self.syms:
            self.syms[name] = self.tool.sym(self.path, name)
        return self.syms[name]

    def btf(self, roots=ENGINE_TYPES):
        return btf_write(btf_subset(self.btf_types, roots)) if self.btf_types else b""

    def pages(self, *commands, budget=320):
        """The pages the commands read; past @budget pages, the longest runs (bulk
        data such as a large log ring) are left out, so inputs stay about 1 MiB."""
        keep = sorted(pa for pa in self.tool.trace(self.path, *commands)
                      if not any(lo <= pa < hi for lo, hi in self.skip))
        runs = []
        for pa in keep:
            if runs and runs[-1][-1] + PAGE == pa:
                runs[-1].append(pa)
            else:
                runs.append([pa])
        runs.sort(key=len)
        while runs and sum(map(len, runs)) > budget:
            runs.pop()
        pages = {}
        for pa in (pa for run in runs for pa in run):
            data = self.dump.read(pa, PAGE)
            if data is not None:
                pages[pa] = data
        return pages

    def vmcoreinfo(self, names):
        lines = [self.dump.vmcoreinfo.rstrip("\n")]
        for n in names:
            a = self.sym(n)
            if a is not None and "SYMBOL(%s)" % n not in self.dump.vi:
                lines.append("SYMBOL(%s)=%x" % (n, a))
        return "\n".join(lines) + "\n"

    def image(self, names, pages, btf=None):
        return image(self.btf() if btf is None else btf, self.vmcoreinfo(names),
                     self.dump.other_notes, pages)


# Symbols the harnesses look up by name (SYMBOL() lines; kallsyms' stand-in).
CPU_SYMS = ["__per_cpu_offset", "nr_cpu_ids", "__cpu_online_mask", "panic_cpu",
            "page_offset_base", "crash_notes"]
TASK_SYMS = CPU_SYMS + ["init_task", "runqueues", "modules", "__entry_text_start",
                        "__entry_text_end"]
LOCK_SYMS = CPU_SYMS + ["qnodes", "virt_spin_lock_key", "__pv_queued_spin_lock_slowpath",
                        "native_queued_spin_lock_slowpath"]
VTD_SYMS = TASK_SYMS + ["dmar_drhd_units", "pci_root_buses", "init_uts_ns", "jiffies",
                        "qi_submit_sync", "native_queued_spin_lock_slowpath",
                        "fq_flush_timeout", "_raw_spin_lock_irqsave", "qnodes",
                        "virt_spin_lock_key"]

# fuzz_qspinlock.c's function table: frame names map to their index
LOCK_FUNCTIONS = [
    None, "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
    "queued_spin_lock_slowpath", "_raw_spin_lock", "_raw_spin_lock_irqsave",
    "do_raw_spin_lock", "qi_submit_sync", "qi_flush_iotlb", "fq_flush_timeout",
    "call_timer_fn", "asm_sysvec_apic_timer_interrupt", "_raw_read_lock",
    "intel_iommu_iotlb_sync_map", "kthread", "ret_from_fork",
]
FRAME_KINDS = {"normal": 0, "exception": 1, "marker": 2}
STACK_KINDS = ["unknown", "task", "irq", "entry", "df", "nmi", "db", "mce", "vc", "vc2"]


def stacks_of(bt):
    """{cpu: [(function, kind, stack, pc, sp)]} from `bt --all` JSON."""
    out = {}
    for s in sections_of(bt):
        cpu = (s.get("fields") or {}).get("cpu")
        rows = ((s.get("tables") or {}).get("frames") or {}).get("rows")
        if not isinstance(cpu, int) or not rows:
            continue
        frames = []
        for r in rows:
            pc, sp = r.get("pc"), r.get("sp")
            frames.append((r.get("function"), r.get("kind"), r.get("stack"),
                           int(pc, 16) if isinstance(pc, str) else 0,
                           int(sp, 16) if isinstance(sp, str) else 0))
        out[cpu] = frames
    return out


FIXTURES = ("qi-hang-6.1-l4", "qi-hang-6.12-l4", "qi-hang-6.1-l5")


def fixture_seeds(write, fixture_dir, tool):
    """Seeds from the real fixtures (each one a real dump's pages); the first
    fixture's BTF (parsed), for the synthetic seeds' layouts."""
    btf_types = None
    for name in FIXTURES:
        path = os.path.join(fixture_dir, name, "vmcore.elf")
        if not os.path.exists(path):
            continue
        fx = Fixture(path, tool)
        d = fx.dump
        tag = name.replace("qi-hang-", "")

        # paging: the pages `info` reads (page tables of every kind of address)
        pages = fx.pages(["info"])
        probes = []
        stext = int(d.vi.get("SYMBOL(_stext)", "0"), 16)
        pob = fx.sym("page_offset_base")
        pob = d.u64(pob) if pob else None
        for va, flags in ((stext, 0), (fx.sym("init_task") or 0, 0),
                          (fx.sym("__per_cpu_offset") or 0, 2), (fx.sym("prb") or 0, 0)):
            probes.append(struct.pack("<QHH", va, 300, flags))
        for pa in sorted(pages)[:3]:          # the direct map, of pages in the image
            probes.append(struct.pack("<QHH", pa + 0x10, 4096 + 64, 1))
        probes.append(struct.pack("<QHH", (pob or 0) + 0x7ffff000, 16, 0))
        write("paging", "fixture-" + tag,
              b"".join(probes[:8]) + fx.image(["page_offset_base"], pages, btf=b""))

        if name.endswith("l5"):
            continue
        # kallsyms: the real tables, cut to the symbols up to a little past _stext
        kallsyms_seed(write, "fixture-" + tag, d)

        # tasks: every task_struct (bt --state D reads them all) and rq->curr
        pages = fx.pages(["bt", "--state", "D"], ["bt", "--all"])
        bt = tool.json("bt", path, "--all")
        stacks = stacks_of(bt)
        mod_pc = next((f[3] for fr in stacks.values() for f in fr
                       if f[3] >= 0xffffffffc0000000), 0)
        addrs = [fx.sym("init_task") or 0, mod_pc, stext + 0x100, 0]
        write("tasks", "fixture-" + tag,
              struct.pack("<4Q", *addrs) + fx.image(TASK_SYMS, pages))

        # qspinlock: the pages `locks` reads, the lock it names, the CPUs' stacks
        pages = fx.pages(["locks"])
        locks = []
        for s in sections_of(tool.json("locks", path)):
            a = (s.get("fields") or {}).get("address")
            if isinstance(a, str) and a.startswith("0x"):
                locks.append(int(a, 16))
        locks = (locks + [0, 0, 0, 0])[:4]
        spec = struct.pack("<4Q", *locks) + struct.pack("<B", min(len(stacks), 16))
        for cpu in sorted(stacks)[:16]:
            frames = stacks[cpu][:16]
            spec += struct.pack("<B", len(frames))
            for fn, kind, stack, pc, sp in frames:
                idx = LOCK_FUNCTIONS.index(fn) if fn in LOCK_FUNCTIONS else 0
                bits = FRAME_KINDS.get(kind, 0) | (STACK_KINDS.index(stack) << 4
                                                   if stack in STACK_KINDS else 0)
                spec += struct.pack("<BBQQ", idx, bits, pc, sp)
        write("qspinlock", "fixture-" + tag, spec + fx.image(LOCK_SYMS, pages))

        # vtd: the pages `qi` and `faults` read (units, ring, PCI tree, log)
        pages = fx.pages(["qi", "--all-slots"], ["faults"])
        img = fx.image(VTD_SYMS, pages)
        write("vtd", "fixture-" + tag, b"\x00" + img)
        write("vtd", "fixture-all-" + tag, b"\x07" + img)

        # btf: the cut-down BTF with the engine's queries
        queries = "\n".join(ENGINE_TYPES[:-2] + ["=MOD_TEXT", "=QI_DONE",
                                                 "struct pci_dev:dev.kobj.name",
                                                 "struct task_struct:thread.sp"]).encode()
        write("btf", "fixture-" + tag, struct.pack("<H", len(queries)) + queries + fx.btf())
        btf_types = btf_types or fx.btf_types
    return btf_types


def kallsyms_seed(write, name, d):
    """kallsyms of a real dump, cut to the first symbols past _stext and moved
    together (kallsyms_offsets keeps its address: place-relative offsets)."""
    sym = lambda n: int(d.vi["SYMBOL(%s)" % n], 16) if "SYMBOL(%s)" % n in d.vi else None
    a_num, a_names, a_tt, a_ti = (sym("kallsyms_num_syms"), sym("kallsyms_names"),
                                  sym("kallsyms_token_table"), sym("kallsyms_token_index"))
    a_off, a_base = sym("kallsyms_offsets"), sym("kallsyms_relative_base")
    if None in (a_num, a_names, a_tt, a_ti, a_off):
        return
    num, = struct.unpack("<I", d.read_virt(a_num, 4))
    tindex = struct.unpack("<256H", d.read_virt(a_ti, 512))
    ttable = d.read_virt(a_tt, max(tindex) + 256)
    names = d.read_virt(a_names, 256 << 10)
    if not ttable or not names:
        return
    tok = lambda b: ttable[tindex[b]:ttable.index(b"\0", tindex[b])]
    pos, stext_i = 0, None
    for i in range(min(num, 20000)):
        n = names[pos]
        hdr = 1
        if n & 0x80:
            n, hdr = (n & 0x7f) | (names[pos + 1] << 7), 2
        text = b"".join(tok(b) for b in names[pos + hdr:pos + hdr + n])
        pos += hdr + n
        if text[1:] == b"_stext":
            stext_i = i
        if stext_i is not None and i >= stext_i + 300:
            num = i + 1
            break
    if stext_i is None:
        return
    # offsets (real address), then the rest packed after them
    offsets = d.read_virt(a_off, 4 * num)
    base = d.read_virt(a_base, 8) if a_base else None
    layout = bytearray(offsets)
    layout += b"\0" * (-len(layout) % 8)
    new = {"kallsyms_offsets": a_off}
    if base:
        new["kallsyms_relative_base"] = a_off + len(layout)
        layout += base
    new["kallsyms_num_syms"] = a_off + len(layout)
    layout += struct.pack("<Q", num)
    new["kallsyms_token_index"] = a_off + len(layout)
    layout += struct.pack("<256H", *tindex)
    new["kallsyms_token_table"] = a_off + len(layout)
    layout += ttable
    layout += b"\0" * (-len(layout) % 8)
    new["kallsyms_names"] = a_off + len(layout)
    layout += names[:pos] + b"\0" * (64 << 10)  # the reader takes 64 KiB at a time
    vi = ["OSRELEASE=" + d.vi.get("OSRELEASE", "?"), "SYMBOL(_stext)=" + d.vi["SYMBOL(_stext)"]]
    vi += ["SYMBOL(%s)=%x" % kv for kv in new.items()]
    vi = ("\n".join(vi) + "\n").encode()
    write("kallsyms", name, struct.pack("<QH", a_off, len(vi)) + vi + bytes(layout))


# ---------------------------------------------------------------------------
# Synthetic dumps: page tables and objects placed by hand


class Synth:
    """Physical memory with x86-64 page tables: the kernel image at
    0xffffffff80000000 (phys_base 0) in 2 MiB pages, the direct map at
    @pob in 1 GiB pages, 4 or 5 levels."""
    KTEXT = 0xffffffff81000000

    def __init__(self, levels=4, pob=None):
        self.levels = levels
        self.pob = pob or (0xff11000000000000 if levels == 5 else 0xffff888000000000)
        self.pages = {}
        top, pdpt_k, pd_k, pdpt_d = 0x1000, 0x2000, 0x3000, 0x4000
        self.pgd = top
        if levels == 5:
            self.pgd = 0x5000
            self.put64(self.pgd + 8 * ((START_KERNEL_MAP >> 48) & 511), top | 0x63)
            self.put64(self.pgd + 8 * ((self.pob >> 48) & 511), 0x6000 | 0x63)
            self.put64(0x6000 + 8 * ((self.pob >> 39) & 511), pdpt_d | 0x63)
        self.put64(top + 8 * ((START_KERNEL_MAP >> 39) & 511), pdpt_k | 0x63)
        self.put64(pdpt_k + 8 * ((START_KERNEL_MAP >> 30) & 511), pd_k | 0x63)
        for i in range(64):                            # 128 MiB of image, 2 MiB pages
            self.put64(pd_k + 8 * i, (i << 21) | 0xe3)
        if levels == 4:
            self.put64(top + 8 * ((self.pob >> 39) & 511), pdpt_d | 0x63)
        self.put64(pdpt_d, 0xe3)                       # 1 GiB at physical 0
        self.syms = {"init_top_pgt": START_KERNEL_MAP + self.pgd, "_stext": self.KTEXT,
                     "page_offset_base": self.KTEXT + 0x200000}
        self.poke(self.KTEXT + 0x200000, struct.pack("<Q", self.pob))

    def page(self, pa):
        return self.pages.setdefault(pa & ~(PAGE - 1), bytearray(PAGE))

    def put(self, pa, data):
        for i, b in enumerate(data):
            self.page(pa + i)[(pa + i) & (PAGE - 1)] = b

    def put64(self, pa, v):
        self.put(pa, struct.pack("<Q", v & U64))

    def pa(self, va):
        return va - START_KERNEL_MAP if va >= START_KERNEL_MAP else va - self.pob

    def poke(self, va, data):
        self.put(self.pa(va), data)

    def vmcoreinfo(self, extra=()):
        lines = ["OSRELEASE=6.1.0-fuzz", "PAGESIZE=4096", "NUMBER(phys_base)=0",
                 "NUMBER(pgtable_l5_enabled)=%d" % (self.levels == 5), "KERNELOFFSET=0"]
        lines += ["SYMBOL(%s)=%x" % kv for kv in self.syms.items()]
        return "\n".join(lines + list(extra)) + "\n"

    def image(self, btf=b"", extra=(), notes=b""):
        return image(btf, self.vmcoreinfo(extra), notes, {k: bytes(v) for k, v in
                                                         self.pages.items()})


class BtfBuilder:
    """A small BTF by hand: for seeds that must stay small (regressions)."""

    def __init__(self):
        self.types = [None]

    def add(self, kind, name="", st=0, data=None, kflag=0):
        self.types.append({"kind": kind, "name": name, "st": st, "data": data, "kflag": kflag,
                           "vlen": len(data) if isinstance(data, list) else 0})
        return len(self.types) - 1

    def int(self, name, size):
        return self.add(INT, name, size, size * 8)

    def ptr(self, target):
        return self.add(PTR, st=target)

    def array(self, elem, n):
        return self.add(ARRAY, data=[elem, self.int("unsigned int", 4), n])

    def struct(self, name, size, members=()):
        """members: (name, type id, byte offset); fill in later for self-references."""
        return self.add(STRUCT, name, size, [[m, t, 8 * o] for m, t, o in members])

    def members(self, sid, members):
        self.types[sid]["data"] = [[m, t, 8 * o] for m, t, o in members]
        self.types[sid]["vlen"] = len(members)

    def blob(self):
        return btf_write(self.types)


def prstatus(pid, ip, sp, bp=0):
    """An elf_prstatus: pr_pid at 32, the registers (struct pt_regs order) at 112."""
    desc = bytearray(336)
    struct.pack_into("<I", desc, 32, pid)
    regs = [0] * 27
    regs[4], regs[16], regs[17], regs[19], regs[20] = bp, ip, 0x10, sp, 0x18
    struct.pack_into("<27Q", desc, 112, *regs)
    return note("CORE", 1, bytes(desc))


def tasks_synthetic(write):
    """init_task and three tasks, one a thread group of two; and the same list with a cycle."""
    for cyclic in (False, True):
        b = BtfBuilder()
        u64, u32, i32 = b.int("long unsigned int", 8), b.int("unsigned int", 4), b.int("int", 4)
        lh = b.struct("list_head", 16)
        b.members(lh, [("next", b.ptr(lh), 0), ("prev", b.ptr(lh), 8)])
        ti = b.struct("thread_info", 16, [("flags", u64, 0), ("cpu", u32, 8)])
        th = b.struct("thread_struct", 16, [("sp", u64, 0)])
        sig = b.struct("signal_struct", 32, [("thread_head", lh, 16)])
        task = b.struct("task_struct", 256)
        b.members(task, [("thread_info", ti, 0), ("__state", u32, 16), ("stack", u64, 24),
                         ("on_cpu", i32, 32), ("tasks", lh, 40), ("pid", i32, 56),
                         ("tgid", i32, 60), ("comm", b.array(b.int("char", 1), 16), 64),
                         ("signal", b.ptr(sig), 80), ("thread_node", lh, 88),
                         ("exit_state", i32, 104), ("thread", th, 128)])
        b.struct("rq", 64, [("curr", b.ptr(task), 8), ("idle", b.ptr(task), 16)])
        s = Synth(4)
        var = Synth.KTEXT + 0x200000            # the page of page_offset_base
        init, page = var + 0x400, s.pob + 0x10000
        tasks = [init] + [page + 0x100 * i for i in range(1, 6)]   # 5: CPU 1's idle task
        sigs = [page + 0x800 + 0x40 * i for i in range(5)]
        for i, t in enumerate(tasks[:4]):       # the list: init_task, tasks 1-3 (4: a thread)
            nxt = tasks[(i + 1) % 4] + 40
            if cyclic and i == 3:
                nxt = tasks[2] + 40
            s.poke(t + 40, struct.pack("<QQ", nxt, tasks[i - 1] + 40))
        for i, t in enumerate(tasks):
            comm = (b"swapper/%d" % (i // 5) if i in (0, 5) else b"task%d" % i).ljust(16, b"\0")
            s.poke(t + 16, struct.pack("<I", [0, 1, 2, 0x402, 1, 0][i]))
            s.poke(t + 56, struct.pack("<ii", i % 5, 3 if i == 4 else i % 5) + comm)
            s.poke(t + 80, struct.pack("<Q", sigs[3 if i == 4 else i % 5]))
        # task 3 leads a group of two: signal->thread_head -> 3 -> 4 -> head
        head = sigs[3] + 16
        s.poke(head, struct.pack("<Q", tasks[3] + 88))
        s.poke(tasks[3] + 88, struct.pack("<Q", tasks[4] + 88))
        s.poke(tasks[4] + 88, struct.pack("<Q", head))
        for i in (0, 1, 2):
            s.poke(sigs[i] + 16, struct.pack("<Q", sigs[i] + 16))
        s.syms.update({"init_task": init, "runqueues": 0x30000, "__per_cpu_offset": var + 0x100,
                       "nr_cpu_ids": var + 0x200, "modules": var + 0x300})
        s.poke(var + 0x100, struct.pack("<QQ", (page + 0xc00 - 0x30000) & U64,
                                        (page + 0xd00 - 0x30000) & U64))
        s.poke(var + 0x200, struct.pack("<I", 2))
        s.poke(var + 0x300, struct.pack("<QQ", var + 0x300, var + 0x300))
        s.poke(page + 0xc00 + 8, struct.pack("<QQ", init, init))       # CPU 0's rq
        s.poke(page + 0xd00 + 8, struct.pack("<QQ", tasks[2], tasks[5]))
        addrs = struct.pack("<4Q", tasks[1], tasks[4] + 8, Synth.KTEXT + 0x10, init)
        write("tasks", "synthetic-cycle" if cyclic else "synthetic",
              addrs + s.image(b.blob()))


def vtd_synthetic(write):
    """One DMAR unit with a queue (a device-TLB batch in flight), one PCI bus and device."""
    b = BtfBuilder()
    u64, u32, u16, u8, i32 = (b.int("long long unsigned int", 8), b.int("unsigned int", 4),
                              b.int("short unsigned int", 2), b.int("unsigned char", 1),
                              b.int("int", 4))
    lh = b.struct("list_head", 16)
    b.members(lh, [("next", b.ptr(lh), 0), ("prev", b.ptr(lh), 8)])
    desc = b.struct("qi_desc", 32, [("qw0", u64, 0), ("qw1", u64, 8), ("qw2", u64, 16),
                                    ("qw3", u64, 24)])
    qi = b.struct("q_inval", 64, [("q_lock", u32, 0), ("desc", b.ptr(desc), 8),
                                  ("desc_status", b.ptr(i32), 16), ("free_head", i32, 24),
                                  ("free_tail", i32, 28), ("free_cnt", i32, 32)])
    iommu = b.struct("intel_iommu", 128, [("reg_phys", u64, 8), ("cap", u64, 16),
                                          ("ecap", u64, 24), ("gcmd", u32, 32),
                                          ("seq_id", i32, 36),
                                          ("name", b.array(b.int("char", 1), 16), 40),
                                          ("qi", b.ptr(qi), 64), ("segment", u16, 72)])
    b.struct("dmar_drhd_unit", 64, [("list", lh, 0), ("iommu", b.ptr(iommu), 24),
                                    ("segment", u16, 40), ("include_all", u8, 42),
                                    ("ignored", u8, 43)])
    bus = b.struct("pci_bus", 128)
    b.members(bus, [("node", lh, 0), ("children", lh, 16), ("devices", lh, 32),
                    ("number", u8, 48), ("sysdata", u64, 56)])
    b.struct("pci_dev", 256, [("bus_list", lh, 0), ("bus", b.ptr(bus), 16), ("devfn", u32, 24),
                              ("vendor", u16, 28), ("device", u16, 30),
                              ("ats_enabled", u8, 32), ("error_state", u32, 36)])
    b.add(ENUM, "qi_status", 4, [["QI_FREE", 0], ["QI_IN_USE", 1], ["QI_DONE", 2],
                                 ["QI_ABORT", 3]])
    s = Synth(4)
    head = Synth.KTEXT + 0x200100               # next to page_offset_base
    drhd, io, q = s.pob + 0x10000, s.pob + 0x10100, s.pob + 0x10200
    ring, status = s.pob + 0x11000, s.pob + 0x10400
    s.poke(head, struct.pack("<QQ", drhd, drhd))
    s.poke(drhd, struct.pack("<QQ", head, head))
    s.poke(drhd + 24, struct.pack("<Q", io))
    s.poke(drhd + 42, b"\x01")
    s.poke(io + 16, struct.pack("<QQIi", 0xd2008c22260206, 0xf00f4e, 0xc0000000, 0))
    s.poke(io + 40, b"dmar0".ljust(16, b"\0"))
    s.poke(io + 64, struct.pack("<Q", q))
    s.poke(q, struct.pack("<IxxxxQQiii", 1, ring, status, 13, 10, 253))
    slots = {10: (0x0000000000100003, 0x7ffffffffffff001), 11: (0x0000000200000025, 0),
             12: (0x12, 0)}
    for i, (qw0, qw1) in slots.items():
        if i == 11:
            qw1 = 0x10400 + 4 * 11             # the wait's status address: desc_status[11]
        s.poke(ring + 16 * i, struct.pack("<QQ", qw0, qw1))
    for i in range(256):
        s.poke(status + 4 * i, struct.pack("<i", 1 if 10 <= i <= 12 else 0))
    roots, rbus, pdev = Synth.KTEXT + 0x200200, s.pob + 0x10800, s.pob + 0x10900
    s.poke(roots, struct.pack("<QQ", rbus, rbus))
    s.poke(rbus, struct.pack("<QQ", roots, roots))
    s.poke(rbus + 16, struct.pack("<QQ", rbus + 16, rbus + 16))
    s.poke(rbus + 32, struct.pack("<QQ", pdev, pdev))
    s.poke(pdev, struct.pack("<QQQIHHB", rbus + 32, rbus + 32, rbus, 0x08, 0x1af4, 0x1042, 1))
    s.syms.update({"dmar_drhd_units": head, "pci_root_buses": roots})
    # the log: a lockless printk ring of four records, one with a NUL inside its text
    log = s.pob + 0x12000
    s.syms["prb"] = var_prb = Synth.KTEXT + 0x200300
    s.poke(var_prb, struct.pack("<Q", log))
    s.poke(log, struct.pack("<IxxxxQQQQ", 2, log + 0x100, log + 0x200, 3, 0))
    s.poke(log + 48, struct.pack("<IxxxxQ", 9, log + 0x600))     # 512-byte text ring
    texts = [b"DMAR: DRHD: handling fault status reg 2",
             b"DMAR: VT-d detected Invalidation Queue Error: Reason 0",
             b"DMAR: QI HEAD: Device-TLB Invalidation qw0 = 0x100003, qw1 = 0x7ffffffffffff001",
             b"x\0Oops: general protection fault"]
    for k, text in enumerate(texts):
        s.poke(log + 0x100 + 24 * k, struct.pack("<QQQ", k | (2 << 62), k * 64, (k + 1) * 64))
        s.poke(log + 0x200 + 88 * k, struct.pack("<QQHBBI", k, 1000 * k, len(text), 0, 3 << 5,
                                                 0x80000000 | k))
        s.poke(log + 0x600 + 64 * k, struct.pack("<Q", k) + text[:56])
    ring = ["OFFSET(printk_ringbuffer.desc_ring)=0", "OFFSET(printk_ringbuffer.text_data_ring)=48",
            "OFFSET(prb_desc_ring.count_bits)=0", "OFFSET(prb_desc_ring.descs)=8",
            "OFFSET(prb_desc_ring.infos)=16", "OFFSET(prb_desc_ring.head_id)=24",
            "OFFSET(prb_desc_ring.tail_id)=32", "OFFSET(prb_data_ring.size_bits)=0",
            "OFFSET(prb_data_ring.data)=8", "OFFSET(prb_desc.state_var)=0",
            "OFFSET(prb_desc.text_blk_lpos)=8", "OFFSET(prb_data_blk_lpos.begin)=0",
            "OFFSET(prb_data_blk_lpos.next)=8", "OFFSET(printk_info.seq)=0",
            "OFFSET(printk_info.ts_nsec)=8", "OFFSET(printk_info.text_len)=16",
            "OFFSET(printk_info.caller_id)=20", "SIZE(prb_desc)=24", "SIZE(printk_info)=88",
            "OFFSET(atomic_long_t.counter)=0"]
    write("vtd", "synthetic", b"\x00" + s.image(b.blob(), ring))
    write("vtd", "synthetic-all", b"\x07" + s.image(b.blob(), ring))


def qspinlock_synthetic(write):
    """An MCS queue of three waiters, CPU 2 <- CPU 1 <- CPU 3 (the tail), two of them
    spinning in the slowpath with the lock's address on their stacks."""
    b = BtfBuilder()
    i32 = b.int("int", 4)
    mcs = b.struct("mcs_spinlock", 16)
    b.members(mcs, [("next", b.ptr(mcs), 0), ("locked", i32, 8), ("count", i32, 12)])
    b.struct("qnode", 32, [("mcs", mcs, 0), ("reserved", b.array(b.int("long int", 8), 2), 16)])
    s = Synth(4)
    var, page = Synth.KTEXT + 0x200000, s.pob + 0x10000
    s.syms.update({"qnodes": 0x20000, "__per_cpu_offset": var + 0x100, "nr_cpu_ids": var + 0x200,
                   "native_queued_spin_lock_slowpath": Synth.KTEXT + 0x2000})
    s.poke(var + 0x200, struct.pack("<I", 4))
    node = lambda cpu, idx: page + 0x100 * cpu + idx * 32
    for cpu in range(4):                        # CPU n's per-CPU area: qnodes at page + 0x100 n
        s.poke(var + 0x100 + 8 * cpu, struct.pack("<Q", (node(cpu, 0) - 0x20000) & U64))
    for cpu, nxt in ((2, node(1, 0)), (1, node(3, 0)), (3, 0)):
        s.poke(node(cpu, 0), struct.pack("<QiI", nxt, 0, 1))
    lock = page + 0x800
    s.poke(lock, struct.pack("<I", 1 | ((3 + 1) << 18)))   # locked, tail: CPU 3 node 0
    spec = struct.pack("<4Q", lock, lock + 4, 0, 0) + b"\x02"
    for cpu in (1, 2):
        sp = page + 0xc00 + 0x100 * (cpu - 1)
        spec += b"\x02" + struct.pack("<BBQQ", 1, 0x10, Synth.KTEXT + 0x2010, sp)
        spec += struct.pack("<BBQQ", 7, 0x10, Synth.KTEXT + 0x3000, sp + 0x40)
        s.poke(sp, struct.pack("<Q", lock) * 8)
    write("qspinlock", "synthetic-queue", spec + s.image(b.blob()))


def synthetic_seeds(write, btf_types):
    """Seeds that need no fixture (btf_types: a real BTF to take layouts from, or None)."""
    tasks_synthetic(write)
    vtd_synthetic(write)
    qspinlock_synthetic(write)
    # paging: 4 and 5 levels, huge pages, a loop (a table that maps itself)
    for levels in (4, 5):
        s = Synth(levels)
        s.poke(Synth.KTEXT, b"\x0f\x0b" * 8)
        s.poke(s.pob + 0x7000, b"direct map page\0")
        probes = struct.pack("<QHH", Synth.KTEXT, 64, 0) + \
            struct.pack("<QHH", 0x7000, 16, 1) + \
            struct.pack("<QHH", Synth.KTEXT + 0x1ff000, 0x2000, 0) + \
            struct.pack("<QHH", s.pob + 0x3fffff000, 0x2000, 0) + \
            struct.pack("<QHH", 0xffffc90000000000, 8, 0) + \
            struct.pack("<QHH", 0x0000800000000000, 8, 0) + \
            struct.pack("<QHH", Synth.KTEXT - 1, 2, 2) + \
            struct.pack("<QHH", s.pob + s.pgd, 4096, 0)
        write("paging", "synthetic-l%d" % levels, probes + s.image())
    # a table that maps itself, and init_top_pgt wrong: the QEMU note's CR3 is the root
    s = Synth(4)
    s.put64(s.pgd + 8 * 300, s.pgd | 0x63)     # PML4[300] -> PML4 itself
    s.syms["init_top_pgt"] = START_KERNEL_MAP + 0x9000
    probes = struct.pack("<QHH", 0xffff960000000000 | (300 << 30) | (300 << 21), 64, 0) * 4 + \
        struct.pack("<QHH", 0xffff960000000000 | (300 << 30) | (300 << 21) | (300 << 12), 64, 0) + \
        struct.pack("<QHH", Synth.KTEXT, 64, 0) * 3
    qemu = bytearray(440)                     # QEMUCPUState: cr[3] at 416, cr[4] at 424
    struct.pack_into("<II", qemu, 0, 1, 440)
    struct.pack_into("<QQ", qemu, 392 + 24, s.pgd | 0x5, 0x20)
    notes = prstatus(1, Synth.KTEXT, s.pob + 0x8000) + note("QEMU", 0, bytes(qemu))
    write("paging", "synthetic-loop-cr3", probes + s.image(notes=notes))

    # kallsyms: a small table, one-byte and two-byte name lengths; a name past KSYM_NAME_LEN
    for big, variant in ((False, "small"), (True, "big"), (True, "name-too-long")):
        base = 0xffffffff82000000
        tokens = [b"_stext", b"qi_submit_sync", b"native_queued_spin_lock_slowpath",
                  b"x" * (200 if variant != "name-too-long" else 600), b"T", b"t", b"D"]
        tindex, ttable = [], b""
        for t in tokens:
            tindex.append(len(ttable))
            ttable += t + b"\0"
        tindex += [len(ttable) - 1] * (256 - len(tindex))
        syms = [(4, 0, 0x1000000), (5, 1, 0x1000100), (5, 2, 0x1000200), (6, 3, 0x2000000)]
        names = b""
        for typ, tok, _ in syms:
            body = bytes([typ, tok]) if not (big and tok == 3) else bytes([typ, tok, tok])
            names += (bytes([len(body)]) if not big else bytes([0x80 | len(body), 0])) + body
        mem = bytearray(0x1000 + len(names) + (64 << 10))   # the reader takes 64 KiB at a time
        struct.pack_into("<%di" % len(syms), mem, 0, *[a for _, _, a in syms])
        struct.pack_into("<QQ", mem, 0x100, 0xffffffff80000000, len(syms))
        struct.pack_into("<256H", mem, 0x200, *tindex)
        mem[0x400:0x400 + len(ttable)] = ttable
        mem[0x1000:0x1000 + len(names)] = names
        vi = "\n".join(["OSRELEASE=6.1.0-fuzz", "SYMBOL(_stext)=ffffffff81000000",
                        "SYMBOL(kallsyms_offsets)=%x" % base,
                        "SYMBOL(kallsyms_relative_base)=%x" % (base + 0x100),
                        "SYMBOL(kallsyms_num_syms)=%x" % (base + 0x108),
                        "SYMBOL(kallsyms_token_index)=%x" % (base + 0x200),
                        "SYMBOL(kallsyms_token_table)=%x" % (base + 0x400),
                        "SYMBOL(kallsyms_names)=%x" % (base + 0x1000), ""]).encode()
        write("kallsyms", "synthetic-" + variant,
              struct.pack("<QH", base, len(vi)) + vi + bytes(mem))

    # btf: a tiny hand-made BTF with every kind the engine reads, and the cut-down real one
    tiny = [None,
            {"kind": INT, "name": "int", "kflag": 0, "st": 4, "vlen": 0, "data": 0x01000020},
            {"kind": STRUCT, "name": "q_inval", "kflag": 1, "st": 16, "vlen": 3,
             "data": [["free_head", 1, 0], ["free_tail", 1, (3 << 24) | 32], ["", 3, 64]]},
            {"kind": UNION, "name": "", "kflag": 0, "st": 8, "vlen": 2,
             "data": [["desc_status", 4, 0], ["desc", 5, 0]]},
            {"kind": PTR, "name": "", "kflag": 0, "st": 1, "vlen": 0, "data": None},
            {"kind": ARRAY, "name": "", "kflag": 0, "st": 0, "vlen": 0, "data": [6, 1, 2]},
            {"kind": TYPEDEF, "name": "u32", "kflag": 0, "st": 8, "vlen": 0, "data": None},
            {"kind": FWD, "name": "intel_iommu", "kflag": 0, "st": 0, "vlen": 0, "data": None},
            {"kind": CONST, "name": "", "kflag": 0, "st": 1, "vlen": 0, "data": None},
            {"kind": ENUM, "name": "qi_status", "kflag": 0, "st": 4, "vlen": 2,
             "data": [["QI_FREE", 0], ["QI_DONE", 2]]},
            {"kind": ENUM64, "name": "big", "kflag": 1, "st": 8, "vlen": 1,
             "data": [["BIG", 0xffffffff, 0x7fffffff]]},
            {"kind": FUNC_PROTO, "name": "", "kflag": 0, "st": 1, "vlen": 1,
             "data": [["", 4]]}]
    queries = b"struct q_inval\nstruct q_inval:free_tail\nstruct q_inval:desc\n" \
              b"u32\n=QI_DONE\n=BIG\nenum qi_status\nstruct intel_iommu"
    write("btf", "synthetic-kinds", struct.pack("<H", len(queries)) + queries + btf_write(tiny))
    if btf_types:
        queries = "\n".join(ENGINE_TYPES).encode()
        write("btf", "synthetic-engine", struct.pack("<H", len(queries)) + queries +
              btf_write(btf_subset(btf_types, ENGINE_TYPES)))


# ---------------------------------------------------------------------------
# ELF files: sections and symbols (a -dbg vmlinux, a compiled object)


def elf_sections(path):
    """{name: (address, bytes)} of a 64-bit little-endian ELF file."""
    with open(path, "rb") as f:
        eh = f.read(64)
        shoff, = struct.unpack_from("<Q", eh, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", eh, 58)
        shdrs = []
        for i in range(shnum):
            f.seek(shoff + i * shentsize)
            shdrs.append(struct.unpack("<IIQQQQIIQQ", f.read(64)))
        f.seek(shdrs[shstrndx][4])
        names = f.read(shdrs[shstrndx][5])
        out = {}
        for name, typ, _fl, addr, off, size, *_ in shdrs:
            n = names[name:names.index(b"\0", name)].decode()
            if typ != 8 and n not in out:          # not NOBITS
                f.seek(off)
                out[n] = (addr, f.read(size))
        return out



def frame_entries(sec):
    """(offset, is_cie, cie_pointer, start, range, bytes) of a .debug_frame section."""
    off = 0
    while off + 4 <= len(sec):
        length, = struct.unpack_from("<I", sec, off)
        if length == 0 or length == 0xffffffff or off + 4 + length > len(sec):
            return
        ident, = struct.unpack_from("<I", sec, off + 4)
        raw = sec[off:off + 4 + length]
        if ident == 0xffffffff:
            yield off, True, None, 0, 0, raw
        else:
            start, rng = struct.unpack_from("<QQ", sec, off + 8)
            yield off, False, ident, start, rng, raw
        off += 4 + length


def debug_frame_subset(sec, pcs):
    """The CIEs and the FDEs that cover @pcs (link addresses), CIE pointers rebased."""
    entries = list(frame_entries(sec))
    cies = {off: raw for off, is_cie, _, _, _, raw in entries if is_cie}
    fdes = []
    for pc in pcs:
        for off, is_cie, cie, start, rng, raw in entries:
            if not is_cie and start <= pc < start + rng and raw not in [f[1] for f in fdes]:
                fdes.append((cie, raw))
                break
    out, where = b"", {}
    for cie in sorted({c for c, _ in fdes}):
        if cie in cies:
            where[cie] = len(out)
            out += cies[cie]
    for cie, raw in fdes:
        if cie in where:
            out += raw[:4] + struct.pack("<I", where[cie]) + raw[8:]
    return out


def cfi_input(flags, addr, bias, section, regs, known, stack_base, stack):
    return struct.pack("<BQQI", flags, addr, bias, len(section)) + section + \
        struct.pack("<17QIQ", *regs, known, stack_base) + stack


# pt_regs order of an elf_prstatus -> DWARF numbering (rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip)
PT_TO_DWARF = [10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16]


def cfi_seeds(write, fixture_dir, tool):
    """The real vmlinux's .debug_frame around the real stacks of a fixture."""
    for name in ("qi-hang-6.1-l4", "qi-hang-6.12-l4"):
        path = os.path.join(fixture_dir, name, "vmcore.elf")
        if not os.path.exists(path):
            continue
        d = Dump(path)
        rel = d.vi.get("OSRELEASE", "")
        cache = os.path.dirname(fixture_dir.rstrip("/"))
        vmlinux = os.path.join(cache, "kernels", rel, "usr", "lib", "debug", "boot",
                               "vmlinux-" + rel)
        if not os.path.exists(vmlinux):
            continue
        secs = elf_sections(vmlinux)
        if ".debug_frame" not in secs:
            continue
        bias = int(d.vi.get("KERNELOFFSET", "0"), 16)
        stacks = stacks_of(tool.json("bt", path, "--all"))
        notes, off, cpu = d.other_notes, 0, 0
        while off + 12 <= len(notes) and cpu < 4:
            namesz, descsz, ntype = struct.unpack_from("<III", notes, off)
            desc = off + 12 + ((namesz + 3) & ~3)
            if notes[off + 12:off + 16] == b"CORE" and ntype == 1 and descsz >= 112 + 27 * 8:
                pt = struct.unpack_from("<27Q", notes, desc + 112)
                regs = [pt[i] for i in PT_TO_DWARF]
                pcs = [f[3] - bias for f in stacks.get(cpu, []) if f[3]] + [regs[16] - bias]
                section = debug_frame_subset(secs[".debug_frame"][1], pcs)
                sp, stack = regs[7] & ~7, b""
                while len(stack) < 3 * PAGE:
                    chunk = d.read_virt(sp + len(stack), PAGE - ((sp + len(stack)) & 4095))
                    if not chunk:
                        break
                    stack += chunk
                if section:
                    write("cfi", "fixture-%s-cpu%d" % (name.replace("qi-hang-", ""), cpu),
                          cfi_input(2, 0, bias, section, regs, 0x1ffff, sp, stack))
                cpu += 1
            off = desc + ((descsz + 3) & ~3)


def uleb(v):
    out = bytearray()
    while True:
        b, v = v & 0x7f, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def cfi_synthetic(write):
    """Hand-made CIE/FDEs: a frame-pointer prologue, a DRAP expression, .eh_frame."""
    text = 0xffffffff81000000
    cie_insns = bytes([0x0c, 7, 8, 0x90, 1])        # cfa = rsp+8; rip at cfa-8
    cie = struct.pack("<IBB", 0xffffffff, 4, 0) + bytes([8, 0]) + uleb(1) + b"\x78" + \
        uleb(16) + cie_insns
    cie += b"\0" * (-(len(cie) + 4) % 8)
    cie = struct.pack("<I", len(cie)) + cie
    fp = bytes([0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6])   # push rbp; mov rbp, rsp
    drap = bytes([0x0f, 3, 0x77, 0x10, 0x06,               # cfa = *(rsp+16)
                  0x10, 6, 2, 0x76, 0x00,                  # rbp at rbp+0
                  0x16, 3, 2, 0x77, 0x08,                  # rbx = rsp+8 (value)
                  0x07, 12, 0x08, 13])                     # r12 undefined, r13 same
    sec = cie
    for start, insns in ((text, fp), (text + 0x100, drap), (text + 0x200, fp[:3])):
        body = struct.pack("<IQQ", 0, start, 0x100) + insns
        body += b"\0" * (-(len(body) + 4) % 8)
        sec += struct.pack("<I", len(body)) + body
    base = 0xffffc90000010000
    stack = bytearray(0x400)
    struct.pack_into("<QQ", stack, 0x100, base + 0x200, text + 0x110)   # saved rbp, return
    struct.pack_into("<QQQ", stack, 0x110, base + 0x120, 0, text + 0x210)
    regs = [0] * 17
    regs[6], regs[7], regs[16] = base + 0x100, base + 0x100, text + 0x5
    write("cfi", "synthetic-debug-frame", cfi_input(2, 0, 0, sec, regs, 0x1ffff, base,
                                                    bytes(stack)))
    # .eh_frame: "zR" CIE, pc-relative sdata4 FDE addresses
    addr = 0xffffffff82000000
    cie = struct.pack("<IB", 0, 1) + b"zR\0" + uleb(1) + b"\x78" + bytes([16]) + uleb(1) + \
        b"\x1b" + cie_insns
    cie += b"\0" * (-(len(cie) + 4) % 4)
    sec = struct.pack("<I", len(cie)) + cie
    for start in (text, text + 0x100):
        here = len(sec)     # the CIE pointer is at here + 4, pc_begin at here + 8
        body = struct.pack("<Iii", here + 4, start - (addr + here + 8), 0x100) + uleb(0) + fp
        body += b"\0" * (-(len(body) + 4) % 4)
        sec += struct.pack("<I", len(body)) + body
    write("cfi", "synthetic-eh-frame", cfi_input(3, addr, 0, sec, regs, 0x1ffff, base,
                                                 bytes(stack)))


DWARF_SECTIONS = [".debug_info", ".debug_abbrev", ".debug_str", ".debug_aranges", ".debug_line",
                  ".debug_rnglists", ".debug_ranges", ".debug_str_offsets", ".debug_addr",
                  ".debug_line_str", ".debug_loclists", ".debug_types", ".symtab", ".strtab",
                  ".debug_frame", ".text", ".BTF", ".gnu_debugaltlink", ".debug_sup"]
DWARF_SOURCES = {
    "drivers/iommu/intel/dmar.c": """
struct list_head { struct list_head *next, *prev; };
struct qi_desc { unsigned long long qw0, qw1, qw2, qw3; };
enum qi_status { QI_FREE, QI_IN_USE, QI_DONE, QI_ABORT };
typedef struct { int counter; } atomic_t;
typedef struct { union { atomic_t val; struct { unsigned char locked, pending; }; }; } spinlock_t;
struct q_inval { spinlock_t q_lock; void *desc; int *desc_status; int free_head, free_tail, free_cnt; };
struct intel_iommu { void *reg; unsigned long long cap, ecap; unsigned int gcmd; int seq_id;
	char name[16]; struct q_inval *qi; unsigned int flags:3, gaw:5; const volatile int cv;
	int (*fn)(struct intel_iommu *, int); };
struct dmar_drhd_unit { struct list_head list; unsigned long long reg_base_addr;
	struct intel_iommu *iommu; unsigned short segment; unsigned char ignored:1, include_all:1; };
struct dmar_drhd_unit dmar_unit;
int qi_submit_sync(struct intel_iommu *iommu, struct qi_desc *desc, unsigned int count)
{ return iommu->qi->free_head + (int)desc->qw0 + (int)count + QI_DONE + dmar_unit.segment; }
""",
    "kernel/sched/core.c": """
struct list_head { struct list_head *next, *prev; };
struct thread_struct { unsigned long sp; unsigned short es, ds; };
struct thread_info { unsigned long flags; unsigned int cpu; };
typedef unsigned long long u64;
struct task_struct { struct thread_info thread_info; unsigned int __state; void *stack;
	int on_cpu; struct list_head tasks; int pid, tgid; char comm[16];
	union { struct { int a, b; }; u64 ab; }; int grid[4][3]; struct thread_struct thread; };
struct task_struct init_task;
int schedule(void) { return init_task.pid; }
""",
}


def dwarf_seeds(write):
    """A crafted vmlinux: two compile units built by the C compiler, in DWARF 4 and 5."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        return
    queries = b"\n".join([b"struct q_inval", b"struct q_inval:free_head",
                          b"struct q_inval:q_lock.locked", b"struct intel_iommu:gaw",
                          b"struct intel_iommu:fn", b"struct intel_iommu", b"=QI_DONE",
                          b"struct task_struct:thread.sp", b"struct task_struct:b",
                          b"struct task_struct:grid", b"struct task_struct",
                          b"spinlock_t", b"enum qi_status", b"u64", b"unsigned int",
                          b"struct dmar_drhd_unit:include_all"])
    with tempfile.TemporaryDirectory() as tmp:
        for version in (4, 5):
            objs = []
            for src, text in DWARF_SOURCES.items():
                path = os.path.join(tmp, src)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
                obj = path + ".o"
                r = subprocess.run([cc, "-g", "-gdwarf-%d" % version, "-O0", "-c", src,
                                    "-o", obj], cwd=tmp, capture_output=True)
                if r.returncode:
                    return
                objs.append(obj)
            out = os.path.join(tmp, "vmlinux")
            r = subprocess.run([cc, "-nostdlib", "-static", "-Wl,-e,qi_submit_sync", "-o", out]
                               + objs, cwd=tmp, capture_output=True)
            if r.returncode:
                return
            secs = elf_sections(out)
            # .BTF as pahole writes it from the DWARF: the type names are its strings
            b = BtfBuilder()
            i32 = b.int("int", 4)
            for name in ("q_inval", "intel_iommu", "dmar_drhd_unit", "task_struct",
                         "thread_struct", "list_head", "qi_desc"):
                b.struct(name, 8, [("x", i32, 0)])
            b.add(ENUM, "qi_status", 4, [["QI_FREE", 0], ["QI_DONE", 2]])
            secs[".BTF"] = (0, b.blob())
            data = b""
            for i, n in enumerate(DWARF_SECTIONS):
                if n in secs:
                    data += struct.pack("<BI", i, len(secs[n][1])) + secs[n][1]
            write("dwarf", "compiled-dwarf%d" % version,
                  struct.pack("<H", len(queries)) + queries + data)


def generate(write, repo, fixture_dir, stamp=None):
    """Every dump seed this machine can make: from fixtures when they and the
    vtdscope binary are there, synthetic ones always.  @stamp: a file that
    records what the fixture seeds were made from; while that holds, they are
    not made again (they take half a minute)."""
    exe = find_vtdscope(repo)
    btf_types = None
    if exe and os.path.isdir(fixture_dir):
        key = [exe, os.path.getmtime(exe), os.path.getmtime(os.path.abspath(__file__))]
        for name in FIXTURES:
            path = os.path.join(fixture_dir, name, "vmcore.elf")
            key += [path, os.path.getmtime(path)] if os.path.exists(path) else []
        key = repr(key)
        try:
            with open(stamp) as f:
                if f.read() == key:
                    exe = None
        except (OSError, TypeError):
            pass
    if exe and os.path.isdir(fixture_dir):
        try:
            btf_types = fixture_seeds(write, fixture_dir, Tool(exe))
            cfi_seeds(write, fixture_dir, Tool(exe))
            if stamp:
                with open(stamp, "w") as f:
                    f.write(key)
        except (OSError, ValueError, IndexError, struct.error, subprocess.SubprocessError) as e:
            print("make-seeds: fixture seeds skipped: %s" % e)
    synthetic_seeds(write, btf_types)
    cfi_synthetic(write)
    dwarf_seeds(write)
