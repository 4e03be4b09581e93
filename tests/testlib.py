# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the tests: result counting and finding the binary."""
import os
import sys

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

    def summary(self, heading="failed:"):
        """List the failures and print the tally; returns the exit status."""
        if self.failures:
            print(heading)
            for f in self.failures:
                print("  %s" % f)
        print("%d passed, %d failed%s" % (self.passed, self.failed,
                                           ", %d skipped" % self.skipped if self.skipped else ""))
        return 1 if self.failed else 0


class NamedResults:
    """Checks of the dump tests, each "NAME: WHAT" (NAME: a fixture or dump)."""

    def __init__(self, title=""):
        self.title = title
        self.passed = self.failed = self.skipped = 0

    def ok(self, name, what):
        self.passed += 1
        print("ok   %s: %s" % (name, what))

    def fail(self, name, what, detail=""):
        self.failed += 1
        print("FAIL %s: %s" % (name, what))
        for line in str(detail).splitlines()[:30]:
            print("       %s" % line)

    def check(self, cond, name, what, detail=""):
        if cond:
            self.ok(name, what)
        else:
            self.fail(name, what, detail)
        return cond

    def skip(self, name, why):
        self.skipped += 1
        print("skip %s: %s" % (name, why))

    def finish(self):
        """Print the tally and exit: 1 on a failure, 77 when nothing ran."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else (0 if self.passed else 77))


def skipped(why):
    """A test that has nothing to run on: says why; returns CTest's skip status."""
    print("skip: %s" % why)
    print("0 passed, 0 failed")
    return 77


def remove_tree(path):
    """Remove a scratch tree, even files a test made read-only."""
    import shutil
    for root, _dirs, files in os.walk(path):
        for n in files:
            try:
                os.chmod(os.path.join(root, n), 0o600)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)


def find_exe():
    for cand in (os.environ.get("VTDSCOPE"), os.path.join(SRC, "build", "vtdscope")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    return None
