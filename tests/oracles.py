# SPDX-License-Identifier: GPL-2.0-or-later
"""The oracles the dump tests compare against: where each is exact, where it is
not, why, and the one comparison per oracle that applies those rules.

Every tolerance below names the mechanism that makes the oracle differ from the
dump; none accepts "anything".  tests/test_oracles.py proves that each rule
still catches a real difference (a wrong frame in the middle, a record the
console never printed in the middle of the log, an address that is only a
prefix of another).

crash `bt -a` (crash 8.0 with the -dbg vmlinux; reads 6.1 dumps, the same dump
we read, so it sees the same instant)
  exact:   every frame it finds by unwinding, innermost first.
  inexact: (1) it names an interrupted function twice ("[exception RIP: f]",
           then "#n f") and repeats the function that switched stacks; GCC
           clones by their vmlinux name: repeats and clone suffixes are
           normalized on both sides.  The cold part of a function GCC split
           (f.cold) is the same source function as f, on every oracle.
           (2) on the panicking CPU it starts at "panic"; the registers in the
           dump show where panic() was spinning: up to PANIC_SPIN_SLACK extra
           innermost frames of ours.
           (3) after "WARNING: possibly bogus exception frame" it could not
           unwind and lists functions found by scanning stack words: past that
           point its frames need only appear in ours, in order.  A word it
           found below the interrupted context's stack pointer (the pt_regs
           our trace took on that stack) is no frame of that context: it lies
           in the saved registers or in stack already popped (vm_area_alloc,
           just returned into alloc_bprm when the interrupt came): stale, and
           left out.
           (4) between the system-call dispatcher and the user pt_regs: a task
           in a system call keeps its user pt_regs at the top of its stack;
           crash finds them and prints entry_SYSCALL_64* last, but between
           the last frame it unwound (do_syscall_64) and those pt_regs it
           lists every word that looks like a return address: stale calls of
           earlier system calls (exit_to_user_mode_prepare, ksys_write,
           do_syscall_64 again, ...).  Where our trace ends in user mode
           through [..., K, entry_SYSCALL_64*], crash's frames after its
           first K and before its entry_SYSCALL_64* are left out; everything
           up to K must still match, and crash must end at the same entry.
           (5) where several symbols share an address it names the one its
           symbol table sorts first: the retpoline thunks start with the
           linker-script marker __indirect_thunk_start, which the kernel's
           kallsyms (and we) sort after __x86_indirect_thunk_array.  For the
           interrupted function ("[exception RIP: f]", whose address crash
           prints on the next line) a different name at the same address is
           the same frame.
crash `log` (same dump): exact, line for line.

The kernel's own NMI backtraces on the console (6.12, where crash cannot read
the kernel; "NMI backtrace for cpu N" from the stall detector or sysrq-l)
  exact:   the frames the kernel's ORC unwinder printed, at the moment it
           printed them.
  inexact: (1) printed before the dump: the CPU kept running.  The outermost
           frames must agree; innermost oracle frames may have returned (then
           ours ends below them), or the CPU may be deeper, in another callee
           of the same function, or interrupted again on top of the same
           context (the panic's stop IPI: its frames are left out).
           (2) it prints a further interrupted context as a register dump,
           not as Call Trace lines, and no entry stubs (asm_*): those are left
           out of ours.
           (3) the CPU that printed the backtraces shows itself printing them
           (nmi_cpu_backtrace): not an oracle for the dump instant.
           (4) a CPU idle (do_idle) in the backtrace and busy at the dump
           moved on: not an oracle for that CPU.
           (4b) the reverse: an interrupt was handled on top of the idle
           loop when the backtrace was taken (timer softirq, the UART's own
           interrupt while it printed), and by the dump it was over and the
           CPU halted again: the common outer part reaches into the idle
           loop (do_idle) and ours has only idle-halt frames below it.
           (5) under the IQE flood the console may drop the rest of a
           backtrace ("** N printk messages dropped **"; the fixture parser
           ends such a trace with CUT): only its innermost frames are known,
           so they are aligned at their outermost known frame, which must be
           in ours, instead of at the stack's end.

The serial console log (console.log), against the printk ring in the dump
  exact:   every line it printed is the record's text with its timestamp.
  inexact: (1) under a flood (the IQE reports) the emulated UART is slower
           than printk: at the dump instant the console is behind, and the
           newest records are in the ring but not yet printed; they form
           the ring's tail after the last printed record.
           (2) when the console fell so far behind that the ring wrapped, the
           kernel prints "** N printk messages dropped **" and goes on: up to
           N records before the next printed one may be missing.
           (3) the guest is stopped mid-line: the last line may be a prefix of
           its record.
           (4) KERN_DEBUG records are below the console loglevel: compared
           from `log --level 6` only.
           (5) the guest's init writes to the same UART ("VTDSCOPE: sysrq=w"
           while the IQE reports flow): a kernel line may begin after user
           text on the same console line; it is read from its timestamp on.
"""
import re

PANIC_SPIN_SLACK = 3
# GCC clones (.isra.0 ...) and the cold part of a split function (.cold, .cold.3)
CLONE = re.compile(r"\.(?:(?:part|isra|constprop|lto_priv)\.\d+|cold(?:\.\d+)?)(?=\.|$)")
CONSOLE_LINE = re.compile(r"^\[\s*(\d+)\.(\d{6})\] (.*)$")
# rule 5: user text, then a kernel line from its timestamp on
AFTER_USER_TEXT = re.compile(r"^[^\[]+?(\[\s*\d+\.\d{6}\] .*)$")
DROPPED = re.compile(r"\*\* (\d+) printk messages dropped \*\*")


def norm(names):
    """Function names without GCC clone suffixes, consecutive repeats collapsed."""
    out = []
    for n in names:
        n = CLONE.sub("", n or "?")
        if not out or out[-1] != n:
            out.append(n)
    return out


def is_subsequence(small, big):
    it = iter(big)
    return all(x in it for x in small)


def is_syscall_entry(name):
    return name.startswith("entry_SYSCALL_64")


# ---------------------------------------------------------------- crash bt -a

def crash_bogus_cpus(path):
    """{cpu: (number of crash's normalized frames before its "possibly bogus
    exception frame", [(function, stack address) of the frames after it])}
    from crash-bt-a.txt."""
    bogus = {}
    try:
        lines = open(path, errors="replace").readlines()
    except OSError:
        return bogus
    cpu, names, after = None, [], None
    for line in lines:
        m = re.match(r"PID:.*\bCPU:\s+(\d+)", line)
        if m:
            cpu, names, after = int(m.group(1)), [], None
            continue
        f = re.match(r"\s*#\d+ \[([0-9a-f]+)\] (\S+) at", line)
        m = f or re.match(r"\s*\[exception RIP: ([A-Za-z_][\w.]*)[+\]]", line)
        if m and after is not None:
            if f:
                after.append((norm([f.group(2)])[0], int(f.group(1), 16)))
        elif m:
            names.append(m.group(m.lastindex))
        elif "possibly bogus exception frame" in line and cpu is not None and cpu not in bogus:
            after = []
            bogus[cpu] = (len(norm(names)), after)
    return bogus


def crash_exception_rips(path):
    """{cpu: [(function, address)]} of crash's "[exception RIP: f]" lines and
    the RIP it prints below each, from crash-bt-a.txt (rule 5)."""
    try:
        lines = open(path, errors="replace").readlines()
    except OSError:
        return {}
    return crash_exception_rips_from_lines(lines)


def crash_exception_rips_from_lines(lines):
    rips, cpu, name = {}, None, None
    for line in lines:
        m = re.match(r"PID:.*\bCPU:\s+(\d+)", line)
        if m:
            cpu, name = int(m.group(1)), None
            continue
        m = re.match(r"\s*\[exception RIP: ([A-Za-z_][\w.]*)[+\]]", line)
        if m:
            name = m.group(1)
            continue
        m = re.match(r"\s*RIP: ([0-9a-f]{16})\b", line)
        if m and name and cpu is not None:
            rips.setdefault(cpu, []).append((name, int(m.group(1), 16)))
        name = None
    return rips


def same_address_names(oracle, rows, rips):
    """Rule 5: crash's names for interrupted functions replaced by ours where
    our frame has the very address crash printed for it."""
    pcs = {}
    for r in rows:
        try:
            pcs.setdefault(int(r["pc"], 16), r["function"])
        except (KeyError, TypeError, ValueError):
            continue
    rename = {name: pcs[addr] for name, addr in rips or ()
              if addr in pcs and pcs[addr] and pcs[addr] != name}
    return [rename.get(f, f) for f in oracle], sorted(rename.items())


def stale_scanned(bogus, rows):
    """Names of the frames crash scanned past its bogus frame (crash_bogus_cpus()
    entry @bogus) that lie below the interrupted context's stack pointer on
    their stack (our lowest exception frame's SP there, else our lowest SP)."""
    if not bogus:
        return []
    sps, interrupted = {}, {}
    for r in rows:
        try:
            sp = int(r["sp"], 16)
        except (KeyError, TypeError, ValueError):
            continue
        sps.setdefault(r.get("stack"), []).append(sp)
        if r.get("kind") == "exception":
            interrupted.setdefault(r.get("stack"), []).append(sp)
    # per stack: the interrupted context's SP where a pt_regs gave one
    low = [min(interrupted.get(k) or v) for k, v in sps.items()]
    # the stack a scanned word is on: the one whose lowest SP is nearest below it
    stale = []
    for name, addr in bogus[1]:
        near = [sp for sp in low if abs(addr - sp) < (64 << 10)]
        if near and addr < min(near):
            stale.append(name)
    return stale


def compare_crash(oracle, ours, ours_end=None, panic_cpu=False, bogus_at=None, stale=()):
    """crash `bt -a` of the same dump against our function names (innermost first).

    @ours_end: our trace's end reason ("user-mode": rule 4 applies);
    @bogus_at: rule 3, how many of crash's frames precede its bogus frame;
    @stale: functions crash scanned past it from popped stack (stale_scanned()).
    Returns (matched, total, error or None, note)."""
    o, m = norm(oracle), norm(ours)
    note = ""
    # Rule 4: between the dispatcher and the user pt_regs crash lists stale words.
    if ours_end == "user-mode" and len(m) >= 2 and is_syscall_entry(m[-1]):
        k = m[-2]
        first_k = next((i for i, f in enumerate(o) if f == k), None)
        if first_k is not None and o[-1] == m[-1] and first_k + 2 < len(o):
            between = o[first_k + 1:-1]
            note = "; crash's %d stale words between %s and the user pt_regs left out (%s)" % (
                len(between), k, ", ".join(between[:3]))
            o = o[:first_k + 1] + o[-1:]
    start = 0
    if panic_cpu and o and o[0] in m[:PANIC_SPIN_SLACK + 1]:
        start = m.index(o[0])
        note = "; %d panic-loop frames first" % start + note
    m = m[start:]
    matched = 0
    for a, b in zip(o, m):
        if a != b:
            break
        matched += 1
    if matched == len(o) and len(m) == len(o):
        return matched, len(o), None, note
    if bogus_at is not None and matched >= min(bogus_at, len(o)):
        rest_o, rest_m = o[matched:], m[matched:]
        # Past the bogus frame crash scans words; where we reach user mode at the
        # entry, what it lists after the last kernel function we reach is stale.
        kernel = [f for f in m if not f.startswith(("entry_", "asm_"))]
        if m and m[-1].startswith("entry_") and kernel and kernel[-1] in rest_o:
            rest_o = rest_o[:rest_o.index(kernel[-1]) + 1]
        dropped = []
        for name in stale:
            if name in rest_o and name not in rest_m:
                rest_o.remove(name)
                dropped.append(name)
        if dropped:
            note += "; crash's stale %s from popped stack left out" % ", ".join(dropped)
        if is_subsequence(rest_o, rest_m):
            extra = [f for f in rest_m if f not in rest_o]
            return len(o), len(o), None, note + "; crash hit a bogus exception frame after " \
                "%d frames%s" % (bogus_at, ", we also show %s" % extra if extra else "")
    if matched == len(o):
        return matched, len(o), "we have %d more frames: %s" % (len(m) - len(o), m[len(o):]), note
    return matched, len(o), "first difference at oracle frame %d: oracle %s, ours %s" % (
        matched, o[matched], m[matched] if matched < len(m) else "(end)"), note


# ------------------------------------------------- the kernel's NMI backtraces

CUT = "<dropped>"  # fixtures/lib/stacks.py: the console dropped the rest of this trace
STOP_FRAMES = {"stop_this_cpu", "__sysvec_reboot", "sysvec_reboot", "asm_sysvec_reboot",
               "smp_stop_nmi_callback", "<IRQ>", "</IRQ>"}
# The idle loop's halt, below do_idle (6.1: native_safe_halt, amd_e400_idle; 6.12: pv_ ones).
IDLE_HALT = {"native_safe_halt", "pv_native_safe_halt", "safe_halt", "default_idle",
             "amd_e400_idle", "default_idle_call", "arch_cpu_idle", "cpuidle_idle_call",
             "acpi_safe_halt", "acpi_idle_do_entry", "mwait_idle"}
TRIGGER_FRAMES = {"nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace"}


def console_view(rows):
    """Our frames as the kernel prints a backtrace: the interrupted context, not
    the NMI handler; no stop-IPI frames on top (rule 1); no further exception
    frames nor entry stubs (rule 2)."""
    rows = [r for r in rows if r.get("stack") != "nmi"]
    while rows and (rows[0]["function"] or "").split(".")[0] in STOP_FRAMES:
        rows = rows[1:]
    return norm([r["function"] for i, r in enumerate(rows)
                 if (i == 0 or r.get("kind") != "exception") and
                 not (r["function"] or "").startswith("asm_")])


def compare_console_stack(oracle, rows):
    """The kernel's NMI backtrace (printed before the dump) against our frame rows.

    Returns (matched, total, error or None, note)."""
    m = console_view(rows)
    o = [f for f in norm(oracle) if not f.startswith("asm_")]
    cut = ""
    if o and o[-1] == CUT:
        o = o[:-1]
        if not o or o[-1] not in m:
            return 0, len(o), "the console dropped the rest of this backtrace, and its last " \
                "printed frame %s is not in ours" % (o[-1] if o else "(none)"), ""
        m = m[:m.index(o[-1]) + 1]
        cut = "; the console dropped its outer frames (rule 5)"
    matched, total, why, note = _align_outer(o, m)
    return matched, total, why, note + (cut if not why else "")


def _align_outer(o, m):
    """Oracle @o and ours @m compared from their outermost frames (rules 1, 2)."""
    common = 0
    while common < min(len(o), len(m)) and o[len(o) - 1 - common] == m[len(m) - 1 - common]:
        common += 1
    if common == len(o):
        extra = len(m) - len(o)
        return common, len(o), None, "; we are %d frames deeper" % extra if extra else ""
    if common and common == len(m):
        return common, len(o), None, "; the %d innermost oracle frames had returned by " \
            "dump time" % (len(o) - common)
    # Below a long common outer part it may be in another callee of the same
    # function (a print then, the lock retake now), or interrupted again on top
    # of the same context.
    deepest = o[len(o) - common] if common else ""
    if common >= 3 and (len(o) - common <= 6 or deepest in ("qi_submit_sync", "do_idle")):
        return common, len(o), None, "; the CPU moved on below %s (oracle %s, ours %s)" % (
            deepest, o[:len(o) - common], m[:len(m) - common])
    if is_subsequence(o, m):
        return len(o), len(o), None, "; interrupted again on top of the oracle's context"
    # Rule 4b: an interrupt on top of the idle loop then, halted again now.
    below = m[:len(m) - common]
    if common and "do_idle" in o[len(o) - common:] and below and \
            all(f in IDLE_HALT for f in below):
        return common, len(o), None, "; an interrupt on top of the idle loop then (%s), " \
            "halted again at the dump (%s)" % (o[0], ", ".join(below))
    return common, len(o), "outermost %d frames agree, then oracle %s, ours %s" % (
        common, o[:len(o) - common], m[:len(m) - common]), ""


def judge_stack(source, cpu, oracle, funcs, end, rows, panic_cpu=False, bogus_at=None,
                rips=None):
    """One CPU's trace against its oracle: ("ok"|"skip"|"fail", what, detail).
    @bogus_at: this CPU's crash_bogus_cpus() entry, or None; @rips: its
    crash_exception_rips() entry (crash rule 5)."""
    renamed = []
    if source.startswith("crash"):
        oracle, renamed = same_address_names(oracle, rows, rips)
        matched, total, why, note = compare_crash(
            oracle, funcs, end, panic_cpu, bogus_at[0] if bogus_at else None,
            stale_scanned(bogus_at, rows))
    elif "do_idle" in norm(oracle) and "do_idle" not in norm(funcs):
        return "skip", "cpu %d: idle in the console backtrace, busy at the dump" % cpu, ""
    elif TRIGGER_FRAMES & set(norm(oracle)):
        return "skip", "cpu %d: the console backtrace is its own trigger path" % cpu, ""
    else:
        matched, total, why, note = compare_console_stack(oracle, rows)
    if renamed:
        note += "; crash's %s" % ", ".join("%s is our %s (same address)" % r for r in renamed)
    what = "cpu %d: %d/%d %s frames matched (%d frames, end: %s)%s" % (
        cpu, matched, total, source, len(funcs), end, note)
    if not why:
        return "ok", what, ""
    return "fail", what, "%s\noracle: %s\nours:   %s" % (why, norm(oracle), norm(funcs))


# ------------------------------------------------------------- console log

def console_records(lines):
    """[(usec, text) or ("dropped", N)] of console lines, in order."""
    out = []
    for line in lines:
        line = line.rstrip("\r\n")
        d = DROPPED.search(line)
        if d:
            out.append(("dropped", int(d.group(1))))
        m = CONSOLE_LINE.match(line)
        if not m:
            u = AFTER_USER_TEXT.match(line)
            m = CONSOLE_LINE.match(u.group(1)) if u else None
        if m:
            out.append((int(m.group(1)) * 1000000 + int(m.group(2)), " ".join(m.group(3).split())))
    return out


def compare_console_log(ring, console):
    """Records decoded from the ring ([(usec, text)], in order) against the
    console's lines (console_records()).

    Every ring record must be a console line, except (rule 1) the tail after the
    last record the console printed, and (rule 2) up to N records right before
    a printed record that follows a "N printk messages dropped" line.
    Returns (error or None, note)."""
    printed = {}
    dropped_before = {}
    pending = 0
    for c in console:
        if c[0] == "dropped":
            pending += c[1]
            continue
        if c not in printed:
            printed[c] = len(printed)
            dropped_before[c] = pending
        pending = 0
    ring = [r for r in ring if r[1]]
    if not ring:
        return "no ring records", ""
    last = max((i for i, r in enumerate(ring) if r in printed), default=None)
    if last is None:
        return "none of %d ring records is on the console" % len(ring), ""
    missing, announced, run = [], 0, []
    for r in ring[:last + 1]:
        if r in printed:
            allowed = dropped_before.get(r, 0)
            if len(run) > allowed:
                missing += run[allowed:] if allowed else run
            announced += min(len(run), allowed)
            run = []
        else:
            run.append(r)
    # Rule 3: the very last console line may be cut short by the stop.
    tail = len(ring) - last - 1
    if missing:
        return "%d ring records before the console's last printed one are not on the " \
            "console and no drop was announced: %s" % (
                len(missing), "; ".join("%d %s" % m for m in missing[:5])), ""
    note = []
    if tail:
        note.append("the console was %d records behind at the dump (rule 1)" % tail)
    if announced:
        note.append("%d records in announced drops (rule 2)" % announced)
    return None, "; ".join(note)


# ------------------------------------------------------------------- tokens

HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z_.])(0x)?([0-9a-fA-F]+)(?![0-9A-Za-z_])")


def hex_tokens(text):
    """Every hexadecimal number in @text, as a whole token, as an int.

    "0x..." always counts; a bare word counts when it cannot be a decimal number
    (it has a digit a-f) or has 16 digits (a kernel address as `rd` prints it).
    So "0x10000000003" is one number, never a match for 0x10000000; a bare
    "10000000" is taken for decimal."""
    out = set()
    for m in HEX_TOKEN.finditer(text):
        digits = m.group(2)
        if m.group(1) or len(digits) >= 16 or re.search(r"[a-fA-F]", digits):
            out.add(int(digits, 16))
    return out


def has_hex_token(text, value):
    """@value appears in @text as a whole hexadecimal token (see hex_tokens)."""
    return value in hex_tokens(text)
