#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that rendered Markdown survives real GFM renderers.

    md_html.py --emit TEST_REPORT_BINARY

Converts reports written by "TEST_REPORT_BINARY --emit markdown VARIANT" to
HTML with every converter available: cmark-gfm (-e table, as GitHub does;
--unsafe so <details> passes like on GitHub) and pandoc -f gfm (a second,
independent GFM reader).  Checks that tables and code blocks survive, that
<details> contents are still Markdown-rendered, and that hostile strings
neither open HTML tags nor split table cells.

Exit 0 pass, 1 fail, 77 skip (no converter), 99 harness error.
"""
import argparse
import re
import shutil
import subprocess
import sys

CONVERTERS = [
    ("cmark-gfm", ["cmark-gfm", "--extension", "table", "--unsafe"]),
    ("pandoc", ["pandoc", "-f", "gfm", "-t", "html"]),
]

failures = []


def fail(where, msg):
    failures.append(f"{where}: {msg}")


def run(cmd, data=None):
    try:
        return subprocess.run(cmd, input=data, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"harness error: {cmd[0]}: {e}", file=sys.stderr)
        sys.exit(99)


def between(html, start, end):
    """Text between the first `start` and the following `end`."""
    i = html.find(start)
    if i < 0:
        return None
    j = html.find(end, i)
    return html[i:j] if j >= 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emit", required=True)
    args = ap.parse_args()

    available = [(n, c) for n, c in CONVERTERS if shutil.which(c[0])]
    if not available:
        print("SKIP: neither cmark-gfm nor pandoc is installed")
        return 77

    md = {v: run([args.emit, "--emit", "markdown", v])
          for v in ("sample", "long", "hostile", "values")}
    for name, cmd in available:
        html = {v: run(cmd, data).decode("utf-8") for v, data in md.items()}

        h = html["sample"]
        if "<table>" not in h:
            fail(name, "sample: no <table>")
        if "<pre><code>" not in h:
            fail(name, "sample: no <pre><code>")
        if "<strong>CRITICAL</strong>" not in h:
            fail(name, "sample: severity tag not bold")
        if "<strong>Verdict: dmar0:" not in h:
            fail(name, "sample: verdict not bold")
        if "QI_IN_USE" not in h or "QI\\_IN" in h:
            fail(name, "sample: escaped underscores rendered wrongly")
        if len(re.findall(r"<li>", h)) < 10:
            fail(name, "sample: findings/fields not rendered as lists")

        h = html["long"]
        inner = between(h, "<details>", "</details>")
        if inner is None or "<table>" not in inner:
            fail(name, "long: table inside <details> not rendered")
        second = h.find("<details>", h.find("</details>"))
        if second < 0 or "<pre><code>" not in h[second:]:
            fail(name, "long: code block inside <details> not rendered")
        if "| 39 |" in h:
            fail(name, "long: raw pipe table text leaked into HTML")

        h = html["hostile"]
        if re.search(r"<b>", h):
            fail(name, "hostile: a string from the dump opened an HTML tag")
        table = between(h, "<table>", "</table>")
        if table is None:
            fail(name, "hostile: no table")
        else:
            head = between(table, "<thead>", "</thead>") or ""
            if len(re.findall(r"<th[ >]", head)) != 2:
                fail(name, "hostile: a pipe in a cell split the table header")
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
                if len(re.findall(r"<t[dh][ >]", row)) != 2:
                    fail(name, f"hostile: row with wrong cell count: {row.strip()[:60]}")
        if "```not a fence end````" not in h:
            fail(name, "hostile: backticks in a code line ended the fence")
        if "\x1b" in h:
            fail(name, "hostile: raw escape character in HTML")
        h = html["values"]
        if re.search(r"<b>", h):
            fail(name, "values: a string in a list or object opened an HTML tag")
        table = between(h, "<table>", "</table>")
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table or "", re.S)
        if len(rows) != 4:
            fail(name, f"values: {len(rows)} table rows, expected a header and 3")
        for row in rows:
            if len(re.findall(r"<t[dh][ >]", row)) != 4:
                fail(name, f"values: a pipe in a list or object split a cell: {row.strip()[:80]}")
        if "28-30" not in h or "a|b; c, d" not in h:
            fail(name, "values: list cells not rendered as text")
        print(f"{name}: checked")

    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
