#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`report` on every real fixture, in every format.

- JSON validates against src/report/report.schema.json (python3-jsonschema);
- Markdown renders to HTML with a GFM renderer (cmark-gfm) with its tables and
  code blocks intact;
- --redact leaves no kernel address (0xffff..., or bare ffff... words), no KASLR
  offset and no host name in text, JSON or Markdown;
- the verdict agrees with the scenario (lockup for qi-hang, none for idle).
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import oracles  # noqa: E402
SCHEMA = os.path.join(os.environ.get("VTDSCOPE_SOURCE_DIR", "."), "src", "report", "report.schema.json")


def kernel_address(value):
    """The kernel half of 4- and 5-level paging: 0xff00000000000000 and up."""
    return value >> 56 == 0xff


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures under %s" % common.FIXTURES)
    try:
        import jsonschema
        with open(SCHEMA) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
    except (ImportError, OSError) as e:
        validator = None
        print("note: no schema validation (%s)" % e)
    cmark = shutil.which("cmark-gfm")
    r = common.Results("report")
    for name, d, m in fx:
        dl = common.dumps(d, m)
        if not dl:
            continue
        path = dl[0][1]
        kaslr = (m.get("kernel") or {}).get("kaslr_offset")
        rc, rep, err = common.run(["report", path])
        if not r.check(rc in (0, 1), name, "report exits 0 or 1", err):
            continue
        if validator:
            errors = sorted(validator.iter_errors(rep), key=lambda e: e.path)
            r.check(not errors, name, "JSON report validates against the schema",
                    "\n".join(e.message for e in errors[:5]))
        scen = m.get("scenario", "")
        lockup = rep["verdict"] and rep["verdict"].startswith("LOCKUP")
        if scen in ("qi-hang", "qi-hang-live", "map-path"):
            r.check(lockup, name, "verdict is a lockup: %s" % (rep["verdict"] or "")[:120])
        elif scen in ("idle", "iopf-pending"):
            r.check(not lockup, name, "no lockup verdict: %s" % rep["verdict"])
        reason = (m.get("scenario_module") or {}).get("bad_descriptor_reason") or ""
        if lockup and "reserved bit" in reason:
            # The hardware refused the module's descriptor (the guest's record): the text
            # report's first finding sends the reader to the code that built it, not the device.
            rc, text, err = common.run(["report", path], fmt="text")
            # the first finding: its headline line and the indented lines under it
            body = text.split("\n\n")[1].splitlines() if "\n\n" in text else []
            first = body[:1]
            for ln in body[1:]:
                if not ln.startswith(" "):
                    break
                first.append(ln)
            nxt = [ln.strip() for ln in first if ln.strip().startswith("next:")]
            r.check(rc == 1 and text.startswith("Verdict: LOCKUP: dmar0 rejected the descriptor in slot")
                    and len(nxt) == 1 and "fix the code that built the descriptor" in nxt[0]
                    and "ATS and link" not in nxt[0], name,
                    "text: the headline and the next step name the rejected descriptor's builder",
                    "%s\n%s" % (text[:300], nxt))
        for fmt in ("text", "json", "markdown"):
            rc, out, err = common.run(["report", path, "--redact", "--verbose"], fmt=fmt)
            text = out if isinstance(out, str) else json.dumps(out)
            hits = sorted(t for t in oracles.hex_tokens(text) if kernel_address(t))
            r.check(rc in (0, 1) and not hits, name, "%s --redact: no kernel address" % fmt,
                    "%d addresses left, e.g. %s" % (len(hits), ", ".join("0x%x" % t for t in hits[:3])))
            if kaslr:
                # a whole number: the offset 0x10000000 is not in descriptor word 0x10000000003
                off = common.hexint(kaslr)
                r.check(not oracles.has_hex_token(text, off), name,
                        "%s --redact: no KASLR offset (0x%x as a token)" % (fmt, off))
        if cmark:
            rc, md, err = common.run(["report", path, "--verbose"], fmt="markdown")
            html = subprocess.run([cmark, "-e", "table"], input=md, capture_output=True, text=True).stdout
            r.check("<table>" in html and "<pre><code>" in html, name,
                    "Markdown renders with tables and code blocks (%d tables)" % html.count("<table>"))
            # All 256 queue slots: a long table folds, and still renders inside <details>.
            rc, md, err = common.run(["qi", path, "--all-slots"], fmt="markdown")
            html = subprocess.run([cmark, "-e", "table", "--unsafe"], input=md, capture_output=True,
                                  text=True).stdout
            r.check("<details>" in html and "<table>" in html[html.index("<details>"):]
                    if "<details>" in html else False, name,
                    "a 256-row table folds into <details> and still renders as a table")
    r.finish()


if __name__ == "__main__":
    main()
