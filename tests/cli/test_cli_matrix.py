#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One strict, safe CLI: every command against the same rules.

For every command of src/cli/commands.def, on a real fixture dump:
  - option placement: a global option before the command, after the
    command (before the dump) and after the dump, as "--opt=value" and as
    "--opt value", is honoured (--format json gives JSON, exit status as
    documented); each command's own options likewise, before and after the
    dump, in both forms;
  - a missing value (an option last, or followed by another option), an
    unknown option (also another command's), a value outside an option's
    enumeration (--format, --color, --types, --unwinder, --level, --state):
    exit 2, one line on stderr naming the option, nothing on stdout;
  - -o onto an input (an ELF and a kdump-compressed dump, copied; by its
    path, a symbolic link and a hard link; and a --vmlinux file): exit 2,
    and the input's bytes, inode and mtime are unchanged;
  - -o /dev/full: exit 4, one line naming /dev/full;
  - --redact: no kernel address (0xffff..., 16-digit ff... words), no KASLR
    offset as a whole hex token, no host name (the fixture's, unless it is
    the kernel's default "(none)");
and a few rules around them: -o NAME.json / NAME.md picks the format, -o
replaces a file only through a complete temporary file, refuses a
directory or a read-only file (exit 4), `--level` takes dmesg's names,
NO_COLOR and TERM=dumb turn --color auto off, `bt --pid 0` shows every
CPU's idle task, every command opens the dump once (strace; `bt --cpu N`
checks N on the same open), `bt --cpu` past the dump's CPUs is a usage
error, and `log --redact` hides the KASLR offset the kernel printed
("Kernel Offset: 0x..."), which no address pattern covers: the report's
own record of it.  Every command's --format json (log, sym and type too)
validates against src/report/report.schema.json.

Environment: VTDSCOPE (the binary), VTDSCOPE_SOURCE_DIR, VTDSCOPE_CACHE.
Exit 77 when there is no binary or no fixture dump.
Last line: "N passed, N failed".
"""
import glob
import hashlib
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import Results, find_exe, remove_tree, skipped  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
TIMEOUT = 300
EXIT_USAGE, EXIT_INTERNAL = 2, 4

# command: (arguments after the dump, exit statuses documented for a clean run)
COMMANDS = {
    "report": ([], {0, 1, 5}),
    "info": ([], {0, 5}),
    "log": ([], {0, 5}),
    "bt": ([], {0, 5}),
    "locks": ([], {0, 1, 5}),
    "qi": ([], {0, 1, 5}),
    "faults": ([], {0, 1, 5}),
    "batch": ([], {0, 1, 5}),
    "sym": (["jiffies"], {0}),
    "type": (["struct q_inval"], {0}),
}

# Each command's own options: (option, value that works on the fixture, check of the JSON)
OWN = {
    "log": ("--level", "err", lambda j: all(r["level"] <= 3 for r in
                                            j["sections"]["log"]["tables"]["records"]["rows"])),
    "bt": ("--cpu", "1", lambda j: list(k for k in j["sections"]["bt"].get("sections", {})) ==
           ["cpu1"]),
    "qi": ("--unit", "dmar0", lambda j: "dmar0" in json.dumps(j["sections"]["vtd"])),
    "batch": ("--jobs", "1", lambda j: isinstance(j, list) and len(j) == 1),
}

KERNEL_ADDR = re.compile(r"0[xX][fF]{4}[0-9a-fA-F]{4,}|(?<![\w])[fF]{2}[0-9a-fA-F]{14}(?![\w])")


def run(argv, env=None, timeout=TIMEOUT):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out"
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def parse_json(cmd, out):
    try:
        if cmd == "batch":
            return [json.loads(l) for l in out.splitlines() if l.strip()]
        return json.loads(out)
    except ValueError:
        return None


def fixture():
    """(dir, manifest) of the fixture to use: a qi-hang one (it has findings and a log)."""
    dirs = sorted(glob.glob(os.path.join(CACHE, "fixtures", "qi-hang-6.1-l4"))) + \
        sorted(glob.glob(os.path.join(CACHE, "fixtures", "*")))
    for d in dirs:
        if os.path.isfile(os.path.join(d, "vmcore.kdump")) and \
                os.path.isfile(os.path.join(d, "vmcore.elf")):
            try:
                man = json.load(open(os.path.join(d, "manifest.json")))
            except (OSError, ValueError):
                man = {}
            return d, man
    return None, None


def argv_for(exe, cmd, dump, before_cmd=(), before_dump=(), after=()):
    extra = COMMANDS[cmd][0]
    return [exe] + list(before_cmd) + [cmd] + list(before_dump) + [dump] + extra + list(after)


def usage_ok(res, what, rc, out, err, name):
    lines = err.splitlines()
    res.check(rc == EXIT_USAGE and len(lines) == 1 and name in lines[0] and not out.strip(),
              "%s: exit 2, one stderr line naming %s, no stdout" % (what, name),
              "exit %s\nstderr: %s\nstdout: %s" % (rc, err.strip()[:500], out[:200]))


def fingerprint(path):
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def check_placement(res, exe, kdump):
    for cmd in COMMANDS:
        docs = COMMANDS[cmd][1]
        places = [("before the command", "before_cmd"), ("after the command", "before_dump"),
                  ("after the dump", "after")]
        for where, key in places:
            for form in ("=", " "):
                opt = ["--format=json"] if form == "=" else ["--format", "json"]
                rc, out, err = run(argv_for(exe, cmd, kdump, **{key: opt}))
                j = parse_json(cmd, out)
                res.check(rc in docs and j is not None,
                          "%s: --format%sjson %s: JSON, exit %s" %
                          (cmd, form, where, "/".join(map(str, sorted(docs)))),
                          "exit %s\nstderr: %s\nstdout: %s" % (rc, err[:500], out[:200]))
        if cmd not in OWN:
            continue
        name, value, ok = OWN[cmd]
        for where, key in places[1:]:
            for form in ("=", " "):
                opt = ["%s=%s" % (name, value)] if form == "=" else [name, value]
                if key == "before_dump":
                    argv = argv_for(exe, cmd, kdump, before_dump=opt, after=["--format", "json"])
                else:
                    argv = argv_for(exe, cmd, kdump, after=["--format", "json"] + opt)
                rc, out, err = run(argv)
                j = parse_json(cmd, out)
                good = False
                try:
                    good = j is not None and ok(j)
                except (KeyError, TypeError):
                    pass
                res.check(rc in docs and good, "%s: %s%s%s %s is honoured" %
                          (cmd, name, form, value, where),
                          "exit %s\nstderr: %s\nstdout: %s" % (rc, err[:500], out[:300]))


def check_usage(res, exe, kdump):
    value_opts = {"report": [], "info": [], "locks": [], "faults": [], "sym": [], "type": [],
                  "log": ["--grep", "--level"], "bt": ["--cpu", "--pid", "--state"],
                  "qi": ["--unit"], "batch": ["--jobs", "--markdown-dir", "--timeout"]}
    globals_ = ["--vmlinux", "--types", "--unwinder", "--format", "-o", "--output", "--color"]
    for cmd in COMMANDS:
        for opt in globals_ + value_opts[cmd]:
            rc, out, err = run(argv_for(exe, cmd, kdump, after=[opt]))
            usage_ok(res, "%s: %s last, without its value" % (cmd, opt), rc, out, err, opt)
        for opt in value_opts[cmd][:1] + ["--format"]:
            rc, out, err = run(argv_for(exe, cmd, kdump, after=[opt, "--redact"]))
            usage_ok(res, "%s: %s followed by another option" % (cmd, opt), rc, out, err, opt)
        for bogus in ("--bogus", "--bogus=1"):
            for where in ("before_dump", "after"):
                rc, out, err = run(argv_for(exe, cmd, kdump, **{where: [bogus]}))
                usage_ok(res, "%s: unknown option %s %s" %
                         (cmd, bogus, "before the dump" if where == "before_dump" else "after it"),
                         rc, out, err, "--bogus")
        other = "--unit" if cmd != "qi" else "--cpu"
        rc, out, err = run(argv_for(exe, cmd, kdump, after=[other, "1"]))
        usage_ok(res, "%s: another command's option %s" % (cmd, other), rc, out, err, other)
        rc, out, err = run(argv_for(exe, cmd, kdump, after=["--redact=yes"]))
        usage_ok(res, "%s: --redact=yes (a flag given a value)" % cmd, rc, out, err, "--redact")
        for opt, bad in (("--format", "xml"), ("--color", "bogus"), ("--types", "elf"),
                         ("--unwinder", "frame")):
            for form in ("=", " "):
                a = ["%s=%s" % (opt, bad)] if form == "=" else [opt, bad]
                rc, out, err = run(argv_for(exe, cmd, kdump, after=a))
                usage_ok(res, "%s: %s%s%s" % (cmd, opt, form, bad), rc, out, err, opt)
    for cmd, opt, bad in (("log", "--level", "loud"), ("bt", "--state", "Q"),
                          ("bt", "--cpu", "x"), ("bt", "--pid", "-1"), ("batch", "--jobs", "0")):
        rc, out, err = run(argv_for(exe, cmd, kdump, after=[opt, bad]))
        usage_ok(res, "%s: %s %s" % (cmd, opt, bad), rc, out, err, opt)
    rc, out, err = run([exe, "report", kdump, kdump])
    usage_ok(res, "report with two dumps", rc, out, err, "unexpected argument")
    rc, out, err = run([exe, "sym", kdump])
    usage_ok(res, "sym without NAME", rc, out, err, "NAME")


def check_inputs(res, exe, tmp, fx):
    inputs = {}
    for name in ("vmcore.elf", "vmcore.kdump"):
        copy = os.path.join(tmp, name)
        shutil.copyfile(os.path.join(fx, name), copy)
        os.chmod(copy, 0o644)
        inputs[name] = copy
    before = {p: (fingerprint(p), sha256(p)) for p in inputs.values()}
    for name, dump in inputs.items():
        link = dump + ".symlink"
        hard = dump + ".hardlink"
        os.symlink(os.path.basename(dump), link)
        os.link(dump, hard)
        for cmd in COMMANDS:
            for how, target in (("its path", dump), ("a symlink", link), ("a hard link", hard)):
                rc, out, err = run(argv_for(exe, cmd, dump, after=["-o", target]))
                usage_ok(res, "%s %s -o onto the dump by %s" % (cmd, name, how), rc, out, err,
                         "refusing")
                res.check(fingerprint(dump) == before[dump][0],
                          "%s %s -o onto the dump by %s: inode, size, mtime unchanged" %
                          (cmd, name, how))
            # the dump given as a symlink, -o the file itself
            rc, out, err = run(argv_for(exe, cmd, link, after=["-o", dump]))
            usage_ok(res, "%s %s (given as a symlink) -o onto the file" % (cmd, name), rc, out,
                     err, "refusing")
        # standard output redirected onto the dump (appending)
        with open(dump, "ab") as f:
            r = subprocess.run([exe, "report", dump], stdout=f, stderr=subprocess.PIPE,
                               timeout=TIMEOUT)
        res.check(r.returncode == EXIT_USAGE and fingerprint(dump) == before[dump][0],
                  "report %s >> the dump: refused, exit 2, dump unchanged" % name,
                  "exit %s\n%s" % (r.returncode, r.stderr.decode(errors="replace")))
        os.unlink(link)
        os.unlink(hard)
    for p, (fp, digest) in before.items():
        res.check(fingerprint(p) == fp and sha256(p) == digest,
                  "%s: bytes, inode and mtime unchanged after every -o onto it" %
                  os.path.basename(p))
    # --vmlinux is an input too (refused before it is read)
    fake = os.path.join(tmp, "vmlinux-fake")
    with open(fake, "wb") as f:
        f.write(b"not a vmlinux\n")
    fp = fingerprint(fake)
    for cmd in COMMANDS:
        rc, out, err = run(argv_for(exe, cmd, inputs["vmcore.kdump"],
                                    after=["--vmlinux", fake, "-o", fake]))
        usage_ok(res, "%s: -o onto the --vmlinux file" % cmd, rc, out, err, "refusing")
        res.check(fingerprint(fake) == fp and open(fake, "rb").read() == b"not a vmlinux\n",
                  "%s: the --vmlinux file is unchanged" % cmd)
    return inputs


def check_dev_full(res, exe, kdump):
    for cmd in COMMANDS:
        rc, out, err = run(argv_for(exe, cmd, kdump, after=["-o", "/dev/full"]))
        lines = [l for l in err.splitlines() if "/dev/full" in l]
        res.check(rc == EXIT_INTERNAL and len(lines) == 1 and not out.strip(),
                  "%s -o /dev/full: exit 4, one line naming /dev/full" % cmd,
                  "exit %s\nstderr: %s" % (rc, err[:600]))


def leaks(text, kaslr, host):
    found = [m.group(0) for m in KERNEL_ADDR.finditer(text)][:3]
    if kaslr:
        for m in re.finditer(r"(?<![\w])(?:0[xX])?([0-9a-fA-F]+)(?![\w])", text):
            if len(m.group(0)) >= 6 and int(m.group(1), 16) == kaslr and \
                    (m.group(0).lower().startswith("0x") or len(m.group(1)) >= 8):
                found.append(m.group(0))
                break
    if host and host in text:
        found.append(host)
    return found


def check_redact(res, exe, fx, man, kdump, elf):
    kaslr = int((man.get("kernel") or {}).get("kaslr_offset") or "0", 16)
    uname = ((man.get("kernel") or {}).get("uname_a") or "").split()
    host = uname[1] if len(uname) > 1 and uname[1] != "(none)" else None
    rc, out, err = run([exe, "log", kdump])
    res.check(not kaslr or leaks(out, kaslr, None),
              "the unredacted log shows the KASLR offset or addresses (so the checks below bite)")
    for cmd in COMMANDS:
        for fmt in ("text", "json"):
            if cmd == "batch" and fmt == "text":
                continue
            for dump in (kdump, elf) if cmd in ("log", "sym") else (kdump,):
                rc, out, err = run(argv_for(exe, cmd, dump,
                                            after=["--redact", "--format", fmt, "--verbose"]))
                bad = leaks(out, kaslr, host)
                res.check(rc in COMMANDS[cmd][1] and out.strip() and not bad,
                          "%s --redact --format %s (%s): no kernel address, KASLR offset%s" %
                          (cmd, fmt, os.path.basename(dump), ", host name" if host else ""),
                          "exit %s, leaked: %s\nstderr: %s" % (rc, bad, err[:300]))
    for addr_cmd in (["sym", kdump, "jiffies"],):
        rc, out, err = run([exe] + addr_cmd)
        m = KERNEL_ADDR.search(out)
        if m:
            rc, out2, err = run([exe, "sym", kdump, m.group(0), "--redact"])
            res.check(rc == 0 and not leaks(out2 + err, kaslr, host),
                      "sym --redact ADDRESS prints no address", out2 + err)
    if not host:
        res.skip("host name redaction against a real host name",
                 "the fixture's nodename is the kernel's default (none); "
                 "test_redact_host.py sets one")


def check_output_rules(res, exe, tmp, kdump):
    for name, want in (("r.json", "{"), ("r.md", "#"), ("r.txt", "Verdict:")):
        path = os.path.join(tmp, name)
        rc, out, err = run([exe, "info", kdump, "-o", path])
        head = open(path).read(200) if os.path.exists(path) else ""
        res.check(rc in (0, 5) and head.lstrip().startswith(want) and not out,
                  "info -o %s: the file's name picks the format" % name, head[:100] + err)
    path = os.path.join(tmp, "r.json")
    rc, out, err = run([exe, "info", kdump, "-o", path, "--format", "text"])
    res.check(rc in (0, 5) and os.path.exists(path) and open(path).read().startswith("Verdict:"),
              "--format text wins over -o NAME.json", err)
    old = os.path.join(tmp, "old.txt")
    with open(old, "w") as f:
        f.write("old\n")
    os.chmod(old, 0o640)
    rc, out, err = run([exe, "report", os.path.join(tmp, "missing.kdump"), "-o", old])
    res.check(rc == 3 and open(old).read() == "old\n",
              "a command that fails (exit 3) leaves an existing -o file as it was", err)
    rc, out, err = run([exe, "info", kdump, "-o", old])
    res.check(rc in (0, 5) and os.path.exists(old) and open(old).read().startswith("Verdict:") and
              (os.stat(old).st_mode & 0o777) == 0o640 and
              not [n for n in os.listdir(tmp) if n.startswith(".old.txt.")],
              "-o over an existing file: replaced, its mode kept, no temporary file left", err)
    ro = os.path.join(tmp, "ro.txt")
    with open(ro, "w") as f:
        f.write("keep\n")
    os.chmod(ro, 0o444)
    rc, out, err = run([exe, "info", kdump, "-o", ro])
    res.check(rc == EXIT_INTERNAL and open(ro).read() == "keep\n" and len(err.splitlines()) == 1,
              "-o onto a read-only file: refused, exit 4, file kept", "exit %s\n%s" % (rc, err))
    rc, out, err = run([exe, "info", kdump, "-o", tmp])
    res.check(rc == EXIT_INTERNAL and len(err.splitlines()) == 1,
              "-o onto a directory: exit 4, one line", "exit %s\n%s" % (rc, err))
    rc, out, err = run([exe, "info", kdump, "-o", "/dev/null"])
    res.check(rc in (0, 5) and not out, "-o /dev/null: written directly", err)
    rc, out, err = run([exe, "info", kdump, "-o", "-"])
    res.check(rc in (0, 5) and out.startswith("Verdict:"), "-o -: standard output", err)


def check_level(res, exe, kdump):
    counts = {}
    for names, level in ((("emerg", "emergency", "0"), 0), (("alert", "1"), 1),
                         (("crit", "critical"), 2), (("err", "error", "ERR"), 3),
                         (("warn", "warning"), 4), (("notice",), 5),
                         (("info", "informational"), 6), (("debug", "7"), 7)):
        for n in names:
            rc, out, err = run([exe, "log", kdump, "--level", n])
            counts.setdefault(level, set()).add(len(out.splitlines()))
            res.check(rc in (0, 5) and not err.strip(), "log --level %s is accepted" % n, err)
    res.check(all(len(v) == 1 for v in counts.values()) and
              sorted(counts) == list(range(8)) and
              [min(counts[k]) for k in range(8)] == sorted(min(counts[k]) for k in range(8)),
              "log --level: names and numbers agree, more urgent levels print fewer lines",
              str(counts))


def check_color(res, exe, kdump):
    def tty_run(env):
        master, slave = pty.openpty()
        p = subprocess.Popen([exe, "info", kdump], stdout=slave, stderr=subprocess.DEVNULL,
                             env=env)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        p.wait()
        os.close(master)
        return data
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    colored = tty_run(dict(base, TERM="xterm"))
    res.check(b"\x1b[" in colored, "--color auto on a terminal (TERM=xterm) colours")
    res.check(b"\x1b[" not in tty_run(dict(base, TERM="dumb")),
              "--color auto with TERM=dumb does not colour")
    res.check(b"\x1b[" not in tty_run(dict(base, TERM="xterm", NO_COLOR="1")),
              "--color auto with NO_COLOR does not colour")
    rc, out, err = run([exe, "info", kdump, "--color=always"], env=dict(base, TERM="dumb"))
    res.check("\x1b[" in out, "--color always colours even with TERM=dumb")


def check_bt_pid0(res, exe, kdump):
    rc, out, err = run([exe, "bt", kdump, "--pid", "0", "--format", "json"])
    j = parse_json("bt", out) or {}
    secs = (j.get("sections", {}).get("bt", {}) or {}).get("sections", {})
    rc2, out2, _ = run([exe, "info", kdump, "--format", "json"])
    ncpu = ((parse_json("info", out2) or {}).get("sections", {}).get("system", {})
            .get("fields", {}).get("cpus_possible"))
    # The kernel names each CPU's idle task itself (init_idle(): "swapper/%d").
    comms = sorted(sec.get("fields", {}).get("comm") or "" for sec in secs.values())
    want = sorted("swapper/%d" % c for c in range(ncpu or 0))
    res.check(rc in (0, 5) and ncpu and comms == want,
              "bt --pid 0 shows every CPU's idle task (%s CPUs: %s)" % (ncpu, ", ".join(comms)),
              "exit %s, sections %s, comms %s" % (rc, list(secs), comms))


def check_opens_once(res, exe, kdump):
    if not shutil.which("strace"):
        res.skip("every command opens the dump once", "strace is not installed")
        return
    tmp = tempfile.mkdtemp(prefix="vtdscope-strace-")
    try:
        for cmd in COMMANDS:
            if cmd == "batch":
                continue        # a worker per dump: the parent only looks at its first bytes
            extra = ["--cpu", "1"] if cmd == "bt" else []
            log = os.path.join(tmp, cmd + ".strace")
            # LeakSanitizer cannot run under ptrace; every other run of these commands
            # in the sanitizer build still checks for leaks.
            env = dict(os.environ, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                                 ":detect_leaks=0").lstrip(":"))
            rc, out, err = run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2",
                                "-o", log] + argv_for(exe, cmd, kdump, after=extra), env=env)
            if rc not in COMMANDS[cmd][1]:
                res.check(False, "%s under strace runs" % cmd, "exit %s\n%s" % (rc, err[-400:]))
                continue
            opens = [l for l in open(log) if '"%s"' % kdump in l and "= -1" not in l]
            res.check(len(opens) == 1, "%s%s opens the dump once (%d)" %
                      (cmd, " --cpu 1" if extra else "", len(opens)), "".join(opens))
    finally:
        remove_tree(tmp)
    rc, out, err = run([exe, "bt", kdump, "--cpu", "4096"])
    usage_ok(res, "bt --cpu past the dump's CPUs", rc, out, err, "--cpu")


def check_schema(res, exe, kdump):
    """Every command's JSON, the answer-alone ones (log, sym, type) too, is a report of the schema."""
    try:
        import jsonschema
    except ImportError:
        res.skip("every command's JSON validates against the report schema",
                 "python3-jsonschema is not installed")
        return
    schema = json.load(open(os.path.join(SRC, "src", "report", "report.schema.json")))
    for cmd in COMMANDS:
        if cmd == "batch":
            continue
        rc, out, err = run(argv_for(exe, cmd, kdump, after=["--format", "json"]))
        why = None
        try:
            jsonschema.validate(json.loads(out), schema)
        except (ValueError, jsonschema.ValidationError) as e:
            why = str(e)[:500]
        res.check(rc in COMMANDS[cmd][1] and not why,
                  "%s --format json validates against report.schema.json" % cmd,
                  "exit %s: %s" % (rc, why))


def check_log_kaslr(res, exe, man, kdump):
    kaslr = (man.get("kernel") or {}).get("kaslr_offset")
    rc, out, err = run([exe, "log", kdump])
    line = next((l for l in out.splitlines() if "Kernel Offset: " in l), None)
    if not kaslr or not line:
        res.skip("log --redact hides the printed KASLR offset",
                 "the fixture's log has no Kernel Offset line")
        return
    shown = re.search(r"Kernel Offset: (0x[0-9a-f]+)", line)
    res.check(shown and int(shown.group(1), 16) == int(kaslr, 16),
              "the log prints the KASLR offset %s (the manifest's)" % kaslr, line)
    rc, out, err = run([exe, "log", kdump, "--redact"])
    red = next((l for l in out.splitlines() if "Kernel Offset: " in l), "")
    res.check(rc in (0, 5) and "Kernel Offset: <redacted> " in red and kaslr not in out,
              "log --redact: the Kernel Offset line reads <redacted>", red)


def main():
    exe = find_exe()
    if not exe:
        return skipped("no vtdscope binary (set VTDSCOPE)")
    fx, man = fixture()
    if not fx:
        return skipped("no fixture dump under %s/fixtures" % CACHE)
    res = Results()
    tmp = tempfile.mkdtemp(prefix="vtdscope-cli-")
    try:
        inputs = check_inputs(res, exe, tmp, fx)
        kdump, elf = inputs["vmcore.kdump"], inputs["vmcore.elf"]
        check_placement(res, exe, kdump)
        check_usage(res, exe, kdump)
        check_dev_full(res, exe, kdump)
        check_redact(res, exe, fx, man, kdump, elf)
        check_output_rules(res, exe, tmp, kdump)
        check_level(res, exe, kdump)
        check_color(res, exe, kdump)
        check_bt_pid0(res, exe, kdump)
        check_opens_once(res, exe, kdump)
        check_schema(res, exe, kdump)
        check_log_kaslr(res, exe, man, kdump)
    finally:
        remove_tree(tmp)
    return res.summary('failed:')


if __name__ == "__main__":
    sys.exit(main())
