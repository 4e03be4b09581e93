# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the CLI and batch tests: result counting and finding the binary."""
import os

SRC = os.environ.get("VTDSCOPE_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            self.failures.append(what)
            print("FAIL %s" % what)
            for line in str(detail).splitlines()[:20]:
                print("       %s" % line)
        return cond

    def skip(self, what, why):
        self.skipped += 1
        print("skip %s: %s" % (what, why))


def find_exe():
    for cand in (os.environ.get("VTDSCOPE"), os.path.join(SRC, "build", "vtdscope")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    return None
