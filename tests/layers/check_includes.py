#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""No source file reaches into another directory with a relative #include.

The compile probes (layers.*) prove that each layer's include path holds only
its own and lower layers' headers; a quoted "../x/y.h" include would bypass
that, so it is banned in src/ and plugins/ (tests may look inside layers).
"""
import os
import re
import sys

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BAD = re.compile(r'^\s*#\s*include\s*"([^"]*/[^"]*)"')


def main():
    bad = []
    for top in ("src", "plugins"):
        for root, _, files in os.walk(os.path.join(SRC, top)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = BAD.match(line)
                        if m:
                            bad.append("%s:%d: #include \"%s\"" % (os.path.relpath(path, SRC), n, m.group(1)))
    for b in bad:
        print("FAIL " + b + ": a header of another directory (use the public API or a product)")
    print("%d relative include(s) across directories" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
