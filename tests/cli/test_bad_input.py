#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input: the documented exit status and exactly one line on stderr.

Every case runs `vtdscope [GLOBAL OPTIONS] CMD INPUT` for a few commands and
checks that the tool
  - exits with the code vtdscope(1) documents (3: unreadable input,
    2: usage error), never by a signal, within the time limit;
  - prints exactly one line on stderr, that names the file (for input
    errors) and says what is wrong (a pattern per case);
  - prints nothing on stdout.
With VTDSCOPE_VALGRIND=1 every run is also made under
`valgrind --error-exitcode=9 -q`, with the same expectations (so a memory
error shows as exit 9 or as extra stderr lines); tests/cli/libkdumpfile.supp
suppresses a libkdumpfile 0.5.1 bug in kdump_free() (see that file).

Cases whose input cannot be made here are skipped with the reason: the
unreadable file when running as root, the flattened dump, truncated dump
and vmlinux cases when no fixture dump is present (see
${VTDSCOPE_CACHE:-~/.cache/vtdscope}/fixtures/*/vmcore.elf).

Environment: VTDSCOPE (the binary), VTDSCOPE_SOURCE_DIR, VTDSCOPE_CACHE,
VTDSCOPE_VALGRIND=1.  Last line: "N passed, N failed".
"""
import glob
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import Results, find_exe, remove_tree, skipped  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libkdumpfile.supp")
TIMEOUT = 120
VALGRIND_TIMEOUT = 900
EXIT_USAGE, EXIT_INPUT = 2, 3
COMMANDS = [["report"], ["info"], ["log"], ["qi"], ["sym", "{input}", "jiffies"]]


def run(argv, timeout):
    for attempt in range(5):
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout)
            return r.returncode, r.stdout.decode(errors="replace"), \
                r.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            return "timeout", "", "timed out after %d s" % timeout
        except OSError as e:
            # The binary being relinked under us (a shared build tree): retry.
            err = e
            time.sleep(2)
    return "oserror", "", "cannot run %s: %s" % (argv[0], err)


# ---- inputs -------------------------------------------------------------------

def fixtures():
    """[(manifest dict, dir)] of the fixture dumps present, idle ones first."""
    out = []
    for d in sorted(glob.glob(os.path.join(CACHE, "fixtures", "*"))):
        if not os.path.isfile(os.path.join(d, "vmcore.elf")):
            continue
        try:
            man = json.load(open(os.path.join(d, "manifest.json")))
        except (OSError, ValueError):
            man = {}
        out.append((man, d))
    out.sort(key=lambda f: (not os.path.basename(f[1]).startswith("idle"), f[1]))
    return out


def vmlinux_files():
    """{path: None} of debuginfo vmlinux files in the cache."""
    found = glob.glob(os.path.join(CACHE, "vmlinux", "vmlinux-*"))
    found += glob.glob(os.path.join(CACHE, "kernels", "*", "usr", "lib", "debug", "boot",
                                    "vmlinux-*"))
    return sorted(set(os.path.realpath(p) for p in found))


def release_of(vmlinux):
    return os.path.basename(vmlinux)[len("vmlinux-"):]


def make_user_core(tmp):
    """A userspace core file: SIGSEGV a sleep (core_pattern permitting), else gdb."""
    core_dir = os.path.join(tmp, "core")
    os.mkdir(core_dir)
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    if not pattern.startswith("|"):
        def limits():
            resource.setrlimit(resource.RLIMIT_CORE,
                               (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        p = subprocess.Popen(["sleep", "30"], cwd=core_dir, preexec_fn=limits)
        time.sleep(0.3)
        p.send_signal(signal.SIGSEGV)
        p.wait()
        for _ in range(20):
            cores = [c for c in glob.glob(os.path.join(core_dir, "*")) if os.path.getsize(c)]
            if cores:
                return cores[0]
            time.sleep(0.1)
    if shutil.which("gdb"):
        out = os.path.join(core_dir, "sleep.core")
        p = subprocess.Popen(["sleep", "30"])
        try:
            subprocess.run(["gdb", "-batch", "-nx", "-ex", "generate-core-file %s" % out,
                            "-p", str(p.pid)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        finally:
            p.kill()
            p.wait()
        if os.path.isfile(out) and os.path.getsize(out):
            return out
    return None


def copy_head(src, dst, size):
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while size > 0:
            buf = fi.read(min(size, 1 << 22))
            if not buf:
                break
            fo.write(buf)
            size -= len(buf)


class Case:
    def __init__(self, name, inp, code, pattern, globals_=(), names_file=True, skip=None,
                 commands=None, names=None, timeout=TIMEOUT):
        self.name, self.input, self.code, self.pattern = name, inp, code, pattern
        self.timeout = timeout
        self.globals, self.names_file, self.skip = list(globals_), names_file, skip
        self.commands = commands or COMMANDS
        self.names = names  # the file the message must name (default: the input)


def build_cases(tmp):
    cases = []
    empty = os.path.join(tmp, "empty.vmcore")
    open(empty, "wb").close()
    cases.append(Case("empty file", empty, EXIT_INPUT, r"empty"))

    rnd = os.path.join(tmp, "random.vmcore")
    with open(rnd, "wb") as f:
        f.write(os.urandom(1 << 20))
    cases.append(Case("random bytes", rnd, EXIT_INPUT, r"not a (vmcore|dump|core)"))

    ls = shutil.which("ls") or "/bin/ls"
    cases.append(Case("a program (ELF, not a core)", os.path.realpath(ls), EXIT_INPUT,
                      r"not a (core dump|vmcore|dump)"))

    core = make_user_core(tmp)
    cases.append(Case("userspace core file", core, EXIT_INPUT, r"user ?space core",
                      skip=None if core else "could not make a core file (core_pattern, gdb)"))

    cases.append(Case("a directory", tmp, EXIT_INPUT, r"directory"))
    cases.append(Case("nonexistent path", os.path.join(tmp, "no", "such.vmcore"), EXIT_INPUT,
                      r"no such file"))

    # Opening a FIFO for reading blocks until a writer comes: the tool must
    # not wait for one.
    fifo = os.path.join(tmp, "fifo.vmcore")
    os.mkfifo(fifo)
    cases.append(Case("a named pipe (FIFO)", fifo, EXIT_INPUT,
                      r"fifo|pipe|not a regular file|special file", timeout=10,
                      commands=[["report"], ["sym", "{input}", "jiffies"]]))

    unreadable = os.path.join(tmp, "unreadable.vmcore")
    shutil.copy(rnd, unreadable)
    os.chmod(unreadable, 0)
    cases.append(Case("unreadable file (mode 000)", unreadable, EXIT_INPUT, r"permission denied",
                      skip="running as root, who can read it anyway" if os.geteuid() == 0
                      else None))

    fx = fixtures()
    flat = next((os.path.join(d, "vmcore.flat") for _, d in fx
                 if os.path.isfile(os.path.join(d, "vmcore.flat"))), None)
    cases.append(Case("flattened makedumpfile file", flat, EXIT_INPUT,
                      r"flattened.*makedumpfile -R",
                      skip=None if flat else "no fixture with a vmcore.flat"))

    base = fx[0] if fx else None
    # A dump cut short (a full disk, an interrupted copy) must be said to be
    # truncated, not analyzed into a silently incomplete report.  Early cuts
    # lose the kernel's page tables; late ones only some pages.
    truncated = r"truncated|cut short|beyond the end|shorter than"
    for name, pct in (("vmcore.elf", 40), ("vmcore.elf", 90), ("vmcore.kdump", 90)):
        src = next((os.path.join(d, name) for _, d in fx
                    if os.path.isfile(os.path.join(d, name))), None)
        trunc = None
        if src:
            trunc = os.path.join(tmp, "truncated-%d-%s" % (pct, name))
            copy_head(src, trunc, os.path.getsize(src) * pct // 100)
        cases.append(Case("truncated dump (first %d%% of a %s)" % (pct, name), trunc, EXIT_INPUT,
                          truncated, skip=None if trunc else "no fixture %s" % name))

    dump = os.path.join(base[1], "vmcore.elf") if base else None
    release = (base[0].get("kernel") or {}).get("release") if base else None
    other = next((v for v in vmlinux_files() if release and release_of(v) != release), None)
    cases.append(Case("mismatched vmlinux (%s for a %s dump)" %
                      (release_of(other) if other else "?", release or "?"),
                      dump, EXIT_INPUT, r"does not match", globals_=["--vmlinux", other or ""],
                      names=other,
                      skip=None if dump and other else
                      "need a fixture dump and a vmlinux of another release in %s" % CACHE))

    own = release and any(os.path.exists(p % release) for p in (
        "/usr/lib/debug/boot/vmlinux-%s", "/usr/lib/debug/lib/modules/%s/vmlinux"))
    cases.append(Case("--types dwarf, no vmlinux available", dump, EXIT_INPUT,
                      r"no vmlinux", globals_=["--types", "dwarf"],
                      skip="no fixture dump" if not dump else
                      ("a vmlinux for %s is installed under /usr/lib/debug" % release
                       if own else None)))
    cases.append(Case("--unwinder cfi, no vmlinux available", dump, EXIT_INPUT,
                      r"--unwinder=cfi needs a debuginfo vmlinux",
                      globals_=["--unwinder", "cfi", "--types", "btf"],
                      skip="no fixture dump" if not dump else None))

    # Usage errors: code 2, one line, no file to name.
    some = dump or rnd
    cases.append(Case("unknown command", some, EXIT_USAGE, r"unknown command",
                      names_file=False, commands=[["frobnicate"]]))
    cases.append(Case("no DUMP argument", None, EXIT_USAGE, r"no dump", names_file=False,
                      commands=[["report"], ["qi"]]))
    cases.append(Case("bad --types value", some, EXIT_USAGE, r"--types",
                      globals_=["--types", "elf"], names_file=False, commands=[["report"]]))
    cases.append(Case("bad --unwinder value", some, EXIT_USAGE, r"--unwinder",
                      globals_=["--unwinder", "frame"], names_file=False, commands=[["bt"]]))
    cases.append(Case("bad --format value", some, EXIT_USAGE, r"--format",
                      globals_=["--format", "xml"], names_file=False, commands=[["report"]]))
    cases.append(Case("batch without inputs", None, EXIT_USAGE, r"batch",
                      names_file=False, commands=[["batch"]]))
    return cases


def argv_for(exe, case, cmd):
    argv = [exe] + case.globals
    if "{input}" in cmd:
        argv += [case.input if a == "{input}" else a for a in cmd]
    else:
        argv += cmd + ([case.input] if case.input else [])
    return argv


def check_run(res, label, case, rc, out, err, valgrind):
    lines = err.splitlines()
    ok = True
    detail = "exit %s\nstderr:\n%s" % (rc, err.rstrip()[:2000])
    if rc == "timeout" or not isinstance(rc, int):
        return res.check(False, "%s: finishes" % label, detail)
    if rc < 0:
        return res.check(False, "%s: no crash" % label,
                         "killed by signal %d (%s)\n%s" % (-rc, signal.Signals(-rc).name, detail))
    if valgrind and rc == 9:
        return res.check(False, "%s: valgrind finds no error" % label, detail)
    ok &= rc == case.code
    ok &= len(lines) == 1
    if ok and case.names_file:
        named = case.names or case.input
        ok &= named in lines[0] or os.path.basename(named) in lines[0]
    ok &= bool(lines) and re.search(case.pattern, lines[0], re.I) is not None
    ok &= not out.strip()
    want = "exit %d, one stderr line%s matching /%s/, no stdout" % (
        case.code, " naming the file" if case.names_file else "", case.pattern)
    res.check(ok, "%s: %s" % (label, want), detail + ("\nstdout: %r" % out[:300]
                                                       if out.strip() else ""))
    if ok:
        print("       stderr: %s" % lines[0])
    return ok


def main():
    exe = find_exe()
    if not exe:
        return skipped("no vtdscope binary (set VTDSCOPE)")
    valgrind = os.environ.get("VTDSCOPE_VALGRIND") == "1" and shutil.which("valgrind")
    if os.environ.get("VTDSCOPE_VALGRIND") == "1" and not valgrind:
        print("note: VTDSCOPE_VALGRIND=1 but valgrind is not installed")
    res = Results()
    tmp = tempfile.mkdtemp(prefix="vtdscope-badinput-")
    try:
        for case in build_cases(tmp):
            if case.skip:
                res.skip(case.name, case.skip)
                continue
            for cmd in case.commands:
                label = "%s [%s]" % (case.name, " ".join(c for c in cmd if c != "{input}"))
                argv = argv_for(exe, case, cmd)
                rc, out, err = run(argv, case.timeout)
                check_run(res, label, case, rc, out, err, False)
                if valgrind:
                    rc, out, err = run(["valgrind", "--error-exitcode=9", "-q",
                                        "--suppressions=" + SUPP] + argv,
                                       max(case.timeout, VALGRIND_TIMEOUT
                                           if case.timeout == TIMEOUT else 60))
                    check_run(res, label + " under valgrind", case, rc, out, err, True)
    finally:
        remove_tree(tmp)
    return res.summary('failed cases:')


if __name__ == "__main__":
    sys.exit(main())
