#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The command table, --help, the man pages and the bash completion agree.

src/cli/commands.def is the one place where commands are declared
(CMD(name, handler, synopsis, description)).  This test checks, for every
command in it:
  - `vtdscope --help` lists it with its synopsis and description, and lists
    nothing else;
  - `vtdscope CMD --help` prints "usage: vtdscope CMD SYNOPSIS" and the
    description, exit 0;
  - man/vtdscope-CMD.1 exists, its NAME line is "vtdscope-CMD - DESCRIPTION"
    and its SYNOPSIS reads "vtdscope [GLOBAL OPTIONS] CMD SYNOPSIS" (from the
    roff source, and as groff renders it);
  - man/vtdscope.1 lists it (with the same description) and refers to its
    page;
  - contrib/bash-completion/vtdscope completes it and its options.
And for every option of src/cli/options.def (OPT(command, ID, name, short,
ARG, values, help); command "global" for the global options):
  - `vtdscope --help` (global options) and `vtdscope CMD --help` (its own,
    then the global ones) print one line per option, "-s, --name ARG  help"
    as the table says, and no other option line;
  - the command's man page (vtdscope(1) for global options) has a paragraph
    for it (.TP then .B/.BI/.BR naming it) in OPTIONS (GLOBAL OPTIONS), and
    those sections describe no option the table lacks; every option in a
    synopsis is in the table; every value of an enumeration is in the page;
  - the completion offers exactly the command's options (the global ones
    in "globals") and, after an enumerated option, exactly its values.
And the other way round: every man/vtdscope-*.1 belongs to a command.  Every
page renders with `groff -man -Tutf8 -ww` without a warning (skipped with a
message when groff is missing: apt-get install groff-base).  Every global
option of `vtdscope --help` is in vtdscope(1) and the completion, and every
finding kind an analyzer declares is described in vtdscope-report(1).

Environment: VTDSCOPE (the binary), VTDSCOPE_SOURCE_DIR (the source tree).
Last line: "N passed, N failed".
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import Results, find_exe  # noqa: E402

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAN = os.path.join(SRC, "man")
COMPLETION = os.path.join(SRC, "contrib", "bash-completion", "vtdscope")


def c_string(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def command_table():
    """[(name, synopsis, description)] from commands.def, in order."""
    text = open(os.path.join(SRC, "src", "cli", "commands.def")).read()
    pat = re.compile(r'^CMD\(\s*(\w+)\s*,\s*(\w+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*,'
                     r'\s*"((?:[^"\\]|\\.)*)"\s*\)', re.M)
    return [(m.group(1), c_string(m.group(3)), c_string(m.group(4))) for m in pat.finditer(text)]


def option_table():
    """[dict(cmd, id, name, short, arg, values, help)] from options.def, in order."""
    text = open(os.path.join(SRC, "src", "cli", "options.def")).read()
    q = r'"((?:[^"\\]|\\.)*)"'
    pat = re.compile(r'^OPT\(\s*(\w+)\s*,\s*(\w+)\s*,\s*%s\s*,\s*(0|\'(.)\')\s*,\s*(NULL|%s)\s*,'
                     r'\s*(NULL|%s)\s*,\s*%s\s*\)' % (q, q, q, q), re.M)
    out = []
    for m in pat.finditer(text):
        out.append(dict(cmd=m.group(1), id=m.group(2), name=c_string(m.group(3)),
                        short=m.group(5), arg=c_string(m.group(7)) if m.group(7) is not None else None,
                        values=c_string(m.group(9)).split("|") if m.group(9) is not None else None,
                        help=c_string(m.group(10))))
    return out


def option_head(o):
    arg = " " + o["arg"] if o["arg"] else ""
    return ("-%s, --%s%s" % (o["short"], o["name"], arg)) if o["short"] else "--%s%s" % (o["name"], arg)


def run(argv, timeout=30):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


# ---- a little roff ------------------------------------------------------------

ESCAPES = [(r"\-", "-"), (r"\ ", " "), (r"\(dq", '"'), (r"\(aq", "'"), (r"\(em", "--"),
           (r"\(bu", "*"), (r"\e", "\\"), (r"\&", ""), (r"\|", ""), (r"\^", "")]


def roff_text(s):
    s = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", s)
    for a, b in ESCAPES:
        s = s.replace(a, b)
    return s


def roff_args(s):
    """Macro arguments, with "quoted strings"."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', s)]


def roff_line(line):
    """One source line as text; None for lines that produce no text."""
    if line.startswith('.\\"') or line.startswith("'\\\""):
        return None
    m = re.match(r"\.(\w+)\s*(.*)$", line)
    if not m:
        return roff_text(line)
    macro, rest = m.group(1), m.group(2)
    if macro in ("B", "I", "SM", "SB"):
        return roff_text(" ".join(roff_args(rest)))
    if macro in ("BR", "RB", "BI", "IB", "RI", "IR"):
        return roff_text("".join(roff_args(rest)))
    return None


def sections(path):
    """{SECTION NAME: [source lines]}"""
    out, cur = {}, None
    for line in open(path, encoding="utf-8").read().splitlines():
        m = re.match(r"\.SH\s+(.*)$", line)
        if m:
            cur = " ".join(roff_args(m.group(1)))
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


def section_text(lines):
    words = [t for t in (roff_line(l) for l in lines) if t is not None]
    return " ".join(" ".join(words).split())


def groff_section(path, name):
    """The section as groff renders it in ASCII, whitespace collapsed; None without groff."""
    if not shutil.which("groff"):
        return None
    r = subprocess.run(["groff", "-man", "-Tascii", "-rLL=300n", "-P-cbou", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = r.stdout.decode(errors="replace")
    text = re.sub(r".\x08", "", text)
    out, on = [], False
    for line in text.splitlines():
        if line and not line[0].isspace():
            on = line.strip() == name
            continue
        if on:
            out.append(line)
    return " ".join(" ".join(out).split())


def options_in(synopsis):
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", synopsis))


# ---- checks --------------------------------------------------------------------

def check_help(res, exe, table):
    rc, out, err = run([exe, "--help"])
    res.check(rc == 0, "vtdscope --help exits 0", "exit %s, stderr %s" % (rc, err))
    listed = []
    in_cmds = False
    for line in out.splitlines():
        if line.startswith("Commands:"):
            in_cmds = True
            continue
        if in_cmds and not line.strip():
            if listed:
                break
            continue
        if in_cmds:
            listed.append(line)
    names = [l.split()[0] for l in listed if l.strip()]
    res.check(names == [t[0] for t in table], "--help lists exactly the commands of commands.def",
              "help: %s\ntable: %s" % (names, [t[0] for t in table]))
    for name, syn, desc in table:
        line = next((l for l in listed if l.split() and l.split()[0] == name), "")
        flat = " ".join(line.split())
        res.check(flat == " ".join(("%s %s %s" % (name, syn, desc)).split()),
                  "--help line of %s has its synopsis and description" % name,
                  "help: %r\nwant: %r" % (line, "%s %s %s" % (name, syn, desc)))
        rc, cout, cerr = run([exe, name, "--help"])
        want = "usage: vtdscope %s %s\n%s\n" % (name, syn, desc)
        res.check(rc == 0 and cout.startswith(want) and not cerr,
                  "vtdscope %s --help prints the table's synopsis" % name,
                  "exit %s\nstdout: %r\nwant:   %r\nstderr: %r" % (rc, cout, want, cerr))
        own = [o for o in OPTIONS if o["cmd"] == name]
        glob_ = [o for o in OPTIONS if o["cmd"] == "global"]
        check_option_lines(res, "vtdscope %s --help" % name, cout, "Options:", own)
        check_option_lines(res, "vtdscope %s --help" % name, cout, "Global options:", glob_)
        for o in OPTIONS:
            if o["cmd"] not in ("global", name):
                res.check(not re.search(r"(?<![\w-])--%s(?![\w-])" % re.escape(o["name"]), cout),
                          "vtdscope %s --help does not offer --%s (an option of %s)" %
                          (name, o["name"], o["cmd"]))
    check_option_lines(res, "vtdscope --help", out, "Global options:",
                       [o for o in OPTIONS if o["cmd"] == "global"])
    return out


def check_option_lines(res, where, text, heading, opts):
    """Under @heading, exactly one line per option of @opts: "  HEAD  help"."""
    lines, on = [], False
    for line in text.splitlines():
        if line.strip() == heading:
            on = True
            continue
        if on and not line.strip():
            break
        if on:
            lines.append(line)
    if not opts:
        res.check(not lines, "%s has no %s section" % (where, heading.rstrip(":")), "\n".join(lines))
        return
    got = [" ".join(l.split()) for l in lines]
    want = [" ".join(("%s %s" % (option_head(o), o["help"])).split()) for o in opts]
    res.check(got == want, "%s: %s one line per option of the table" % (where, heading),
              "got:\n  %s\nwant:\n  %s" % ("\n  ".join(got), "\n  ".join(want)))


def check_pages(res, table, help_out):
    names = [t[0] for t in table]
    pages = sorted(glob.glob(os.path.join(MAN, "vtdscope-*.1")))
    page_cmds = [os.path.basename(p)[len("vtdscope-"):-2] for p in pages]
    for c in page_cmds:
        res.check(c in names, "man/vtdscope-%s.1 belongs to a command" % c,
                  "no CMD(%s, ...) in src/cli/commands.def: remove the page or add the command" % c)
    for name, syn, desc in table:
        path = os.path.join(MAN, "vtdscope-%s.1" % name)
        if not res.check(os.path.isfile(path), "man/vtdscope-%s.1 exists" % name):
            continue
        secs = sections(path)
        want_syn = "vtdscope [GLOBAL OPTIONS] %s %s" % (name, syn)
        got = section_text(secs.get("SYNOPSIS", []))
        res.check(got == want_syn, "vtdscope-%s(1) SYNOPSIS matches the command table" % name,
                  "page:  %r\ntable: %r" % (got, want_syn))
        rendered = groff_section(path, "SYNOPSIS")
        if rendered is not None:
            res.check(rendered == want_syn,
                      "vtdscope-%s(1) SYNOPSIS as groff renders it matches" % name,
                      "groff: %r\ntable: %r" % (rendered, want_syn))
        want_name = "vtdscope-%s - %s" % (name, desc)
        got = section_text(secs.get("NAME", []))
        res.check(got == want_name, "vtdscope-%s(1) NAME has the table's description" % name,
                  "page:  %r\ntable: %r" % (got, want_name))
        text = open(path, encoding="utf-8").read()
        check_option_paragraphs(res, "vtdscope-%s(1)" % name, secs.get("OPTIONS", []),
                                [o for o in OPTIONS if o["cmd"] == name],
                                [o for o in OPTIONS if o["cmd"] == "global"], text)
        table_names = {"--" + o["name"] for o in OPTIONS if o["cmd"] in (name, "global")} | \
            {"-" + o["short"] for o in OPTIONS if o["cmd"] in (name, "global") and o["short"]}
        for opt in sorted(options_in(syn)):
            res.check(opt in table_names, "%s in the synopsis of %s is in options.def" % (opt, name))
        for opt in sorted(options_in(syn)):
            res.check(roff_text(text).count(opt) >= 2 and
                      re.search(r"^\.(TP|B|BI|BR)\b.*%s" % re.escape(opt.replace("-", "\\-")),
                                text, re.M) is not None,
                      "vtdscope-%s(1) describes %s" % (name, opt),
                      "the synopsis has %s but the page has no paragraph for it" % opt)

    # The overview page.
    path = os.path.join(MAN, "vtdscope.1")
    if not res.check(os.path.isfile(path), "man/vtdscope.1 exists"):
        return
    secs = sections(path)
    cmds = secs.get("COMMANDS", [])
    listed = {}
    for i, line in enumerate(cmds):
        if line.strip() == ".TP" and i + 2 < len(cmds):
            n = roff_line(cmds[i + 1])
            listed[n] = roff_text(cmds[i + 2])
    res.check(list(listed) == names, "vtdscope(1) COMMANDS lists the commands in table order",
              "page:  %s\ntable: %s" % (list(listed), names))
    for name, syn, desc in table:
        res.check(listed.get(name) == desc, "vtdscope(1) describes %s as the table does" % name,
                  "page:  %r\ntable: %r" % (listed.get(name), desc))
        res.check(re.search(r"^\.BR vtdscope\\-%s \(1\)" % name,
                            "\n".join(secs.get("SEE ALSO", [])), re.M) is not None,
                  "vtdscope(1) SEE ALSO refers to vtdscope-%s(1)" % name)
    check_option_paragraphs(res, "vtdscope(1)", secs.get("GLOBAL OPTIONS", []),
                            [o for o in OPTIONS if o["cmd"] == "global"], [],
                            open(path, encoding="utf-8").read())
    text = roff_text(open(path, encoding="utf-8").read())
    gopts = set()
    in_g = False
    for line in help_out.splitlines():
        if line.startswith("Global options:"):
            in_g = True
        elif in_g and re.match(r"\s+-", line):
            gopts |= options_in(line)
    for opt in sorted(gopts):
        res.check(opt in text, "vtdscope(1) documents global option %s" % opt)
    for env in ("NO_COLOR", "VTDSCOPE_TRACE_PAGES"):
        res.check(env in text, "vtdscope(1) documents %s" % env)
    for code in range(6):
        res.check(re.search(r"^\.B %d$" % code, "\n".join(secs.get("EXIT STATUS", [])), re.M),
                  "vtdscope(1) EXIT STATUS documents %d" % code)
    return gopts


def check_option_paragraphs(res, page, lines, opts, also, source):
    """A .TP paragraph naming each option of @opts; none for an option outside @opts + @also."""
    heads = []
    for i, line in enumerate(lines):
        if line.strip() == ".TP" and i + 1 < len(lines):
            t = roff_line(lines[i + 1]) or ""
            heads.append(set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", t)))
    named = set().union(*heads) if heads else set()
    for o in opts:
        res.check("--" + o["name"] in named, "%s has a paragraph for --%s" % (page, o["name"]),
                  "no .TP paragraph names --%s in its OPTIONS section" % o["name"])
        for v in o["values"] or ():
            res.check(re.search(r"^\.B[RI]?\s+%s\b" % re.escape(roff_escape(v)), source, re.M)
                      is not None, "%s names the value %s of --%s" % (page, v, o["name"]))
    known = {"--" + o["name"] for o in opts + also} | {"-" + o["short"] for o in opts + also
                                                       if o["short"]}
    for n in sorted(named - known):
        res.check(False, "%s describes %s, which options.def has for it" % (page, n),
                  "%s has a paragraph for %s but the option table does not" % (page, n))


def roff_escape(s):
    return s.replace("-", "\\-")


def check_groff(res):
    pages = sorted(glob.glob(os.path.join(MAN, "*.1")))
    if not shutil.which("groff"):
        res.skip("man pages render without warnings",
                 "groff is not installed (apt-get install groff-base)")
        return
    for p in pages:
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", p],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = r.stderr.decode(errors="replace")
        res.check(r.returncode == 0 and not err.strip(),
                  "groff -man -Tutf8 -ww renders %s without warnings" % os.path.basename(p), err)
    if shutil.which("man"):
        for p in pages:
            r = subprocess.run(["man", "--warnings", "-l", p], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(os.environ, MANPAGER="cat",
                                                                PAGER="cat", MANWIDTH="80"))
            err = r.stderr.decode(errors="replace")
            res.check(r.returncode == 0 and not err.strip() and r.stdout,
                      "man -l %s renders without warnings" % os.path.basename(p), err)


def check_completion(res, table, gopts):
    if not res.check(os.path.isfile(COMPLETION), "contrib/bash-completion/vtdscope exists"):
        return
    text = open(COMPLETION).read()
    m = re.search(r'^\s*local commands="([^"]*)"', text, re.M)
    got = m.group(1).split() if m else []
    res.check(got == [t[0] for t in table], "the completion's command list is the table's",
              "completion: %s\ntable: %s" % (got, [t[0] for t in table]))
    m = re.search(r'^\s*local globals="([^"]*)"', text, re.M)
    globs = set(m.group(1).split()) if m else set()
    for opt in sorted(gopts or ()):
        res.check(opt in globs, "the completion offers global option %s" % opt)
    per = {m.group(1): set(m.group(2).split())
           for m in re.finditer(r'^\s*(\w+)\)\s*opts="([^"]*)"', text, re.M)}
    for name, syn, desc in table:
        missing = sorted(o for o in options_in(syn) - {"-o"} if o not in per.get(name, set()))
        res.check(not missing, "the completion offers the options of %s" % name,
                  "missing: %s" % " ".join(missing))
        want = {"--" + o["name"] for o in OPTIONS if o["cmd"] == name} | \
            {"-" + o["short"] for o in OPTIONS if o["cmd"] == name and o["short"]}
        res.check(per.get(name, set()) == want,
                  "the completion's options of %s are options.def's" % name,
                  "completion: %s\ntable: %s" % (sorted(per.get(name, set())), sorted(want)))
    want = {"--" + o["name"] for o in OPTIONS if o["cmd"] == "global"} | \
        {"-" + o["short"] for o in OPTIONS if o["cmd"] == "global" and o["short"]}
    res.check(globs == want, "the completion's global options are options.def's",
              "completion: %s\ntable: %s" % (sorted(globs), sorted(want)))
    for o in OPTIONS:
        if not o["values"]:
            continue
        m = re.search(r'^\s*--%s\)\s*\n\s*COMPREPLY=\(\$\(compgen -W "([^"]*)"' %
                      re.escape(o["name"]), text, re.M)
        res.check(m is not None and m.group(1).split() == o["values"],
                  "the completion offers the values of --%s" % o["name"],
                  "completion: %s\ntable: %s" % (m.group(1) if m else None, o["values"]))
    if shutil.which("bash"):
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
                  'COMPREPLY=(); _vtdscope; printf "%s\\n" "${COMPREPLY[@]}"')
        r = subprocess.run(["bash", "-c", script, "bash", COMPLETION, "vtdscope", ""],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        got = r.stdout.decode().split()
        res.check(got == [t[0] for t in table] and not r.stderr,
                  "bash completes the commands after 'vtdscope '",
                  "got %s, stderr %s" % (got, r.stderr.decode()))


def check_finding_kinds(res):
    """Every finding kind the code declares is described in a FINDINGS section."""
    kinds = {}
    sources = glob.glob(os.path.join(SRC, "plugins", "**", "*.c"), recursive=True) + \
        glob.glob(os.path.join(SRC, "src", "**", "*.c"), recursive=True)
    for p in sources:
        if os.path.join("src", "report") in p:
            continue
        text = open(p, encoding="utf-8", errors="replace").read()
        found = set(re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9]+(?:-[a-z0-9]+)+)"\s*,\s*'
                               r'(?:INFO|WARNING|ERROR|CRITICAL)\b', text))
        found |= set(re.findall(r'vsc_report_finding\(\s*[^,;]+,\s*VSC_SEV_\w+\s*,\s*'
                                r'"([a-z0-9-]+)"', text, re.S))
        if "struct vsc_finding_kind" in text:
            found |= set(re.findall(r'\.id\s*=\s*"([a-z0-9]+(?:-[a-z0-9]+)+)"', text))
        for k in found:
            kinds[k] = os.path.relpath(p, SRC)
    documented = {}
    for page in sorted(glob.glob(os.path.join(MAN, "*.1"))):
        for line in sections(page).get("FINDINGS", []):
            m = re.match(r"\.BR\s+(\S+)", line)
            if m:
                documented[roff_text(m.group(1))] = os.path.basename(page)
    for k in sorted(kinds):
        res.check(k in documented, "finding kind %s is described in a man page (%s)" %
                  (k, documented.get(k, "none")),
                  "%s declares finding kind %s; describe it under FINDINGS in the man page "
                  "of the command that reports it" % (kinds[k], k))
    for k in sorted(set(documented) - set(kinds)):
        res.check(False, "%s FINDINGS kind %s exists in the code" % (documented[k], k),
                  "no analyzer or command declares %s" % k)


OPTIONS = option_table()


def main():
    res = Results()
    table = command_table()
    res.check(len(OPTIONS) > 0 and len({o["id"] for o in OPTIONS}) == len(OPTIONS),
              "options.def has options, each ID once")
    cmds = {t[0] for t in table} | {"global"}
    for o in OPTIONS:
        res.check(o["cmd"] in cmds, "options.def: --%s belongs to a command (%s)" %
                  (o["name"], o["cmd"]))
    if not res.check(len(table) > 0, "commands.def has commands"):
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1
    exe = find_exe()
    help_out = ""
    if exe:
        help_out = check_help(res, exe, table)
    else:
        res.skip("--help checks", "no vtdscope binary (set VTDSCOPE)")
    gopts = check_pages(res, table, help_out)
    check_groff(res)
    check_completion(res, table, gopts)
    check_finding_kinds(res)
    print("%d passed, %d failed%s" % (res.passed, res.failed,
                                       ", %d skipped" % res.skipped if res.skipped else ""))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
