#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The per-run product cache: one report unwinds each CPU once and reads the log once.

Before the cache, the vtd diagnosis, the locks analyzer and the stacks analyzer
each unwound every CPU (3 x CPUs) and four readers scanned the log.  The
ground truth for the count is the machine the dump came from: the fixture's
QEMU -smp (manifest machine.vcpus) and the dump's own CPU count (nr_cpus of
the kdump header, written by makedumpfile).  The counters are the engine's
(VTDSCOPE_STATS), read on both type sources; what the report says stays
whole: every CPU with registers has its stack section or is named idle.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

STATS = re.compile(r"^vtdscope: stats: unwinds=(\d+) log_scans=(\d+)$", re.M)


def stats(args):
    env = dict(os.environ, VTDSCOPE_STATS="1")
    p = subprocess.run([common.TOOL] + args, capture_output=True, text=True,
                       timeout=common.TIMEOUT, env=env)
    m = STATS.search(p.stderr)
    return p.returncode, (int(m.group(1)), int(m.group(2))) if m else None, p.stderr


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures (make fixtures)")
    r = common.Results("products")
    for name, d, m in fx:
        vcpus = m.get("machine", {}).get("vcpus")
        kd = m.get("files", {}).get("vmcore_kdump", {}).get("nr_cpus")
        for fmt, path in common.dumps(d, m)[:1]:
            for mode, targs in common.type_modes(m):
                tag = "%s %s %s" % (name, fmt, mode)
                rc, st, err = stats(["report", path, "--format", "json"] + targs)
                if not r.check(st is not None and rc in (0, 1), tag, "report ran and counted",
                               "exit %d, stderr %s" % (rc, err[-400:])):
                    continue
                unwinds, scans = st
                if kd is not None:
                    r.check(kd == vcpus, tag, "the dump has the guest's %s CPUs" % vcpus,
                            "kdump header says %s" % kd)
                r.check(unwinds == vcpus, tag, "each of the %s CPUs unwound once" % vcpus,
                        "%d unwinds" % unwinds)
                r.check(scans == 1, tag, "the log read once", "%d scans" % scans)
    r.finish()


if __name__ == "__main__":
    sys.exit(main())
