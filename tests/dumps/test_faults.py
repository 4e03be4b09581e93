#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Pending page faults against what the scenario module injected (manifest `faults`).

The module reported page requests through the kernel's own fault API and never
answered them; every one must be listed (PASID, group, address, last-page flag,
pending vs. partial) and nothing else.  Fixtures without injected faults must
report none.  Every dump format, BTF and DWARF.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    fx = common.fixtures()
    if not fx:
        common.skip("no fixtures under %s" % common.FIXTURES)
    r = common.Results("faults")
    for name, d, m in fx:
        injected = m.get("faults") or []
        for fmt, path in common.dumps(d, m):
            for mode, args in common.type_modes(m):
                tag = "%s %s %s" % (name, os.path.basename(path), mode)
                rc, rep, err = common.run(["faults", path] + args)
                if not r.check(rc in (0, 1), tag, "faults exits cleanly", err):
                    continue
                rows = rep["sections"]["faults"].get("tables", {}).get("faults", {}).get("rows", [])
                ours = sorted((int(x["pasid"], 16) if x["pasid"] != "none" else None, x["group"],
                               common.hexint(x["address"]), x["last_page"]) for x in rows)
                want = sorted((common.hexint(f["pasid"]), f["group_index"], common.hexint(f["address"]),
                               bool(f["last_page"])) for f in injected if f.get("report_ret", 0) == 0)
                r.check(ours == want, tag, "%d pending requests equal the %d injected" % (len(ours), len(want)),
                        "ours %s\nwant %s" % (ours, want))
                # Where a request waits depends on the kernel's fault-list design:
                # <= 6.8: only last-page requests are kept as pending events; earlier ones sit on
                #         the iopf partial list until a handler collects them.
                # >= 6.9: a complete group (last page seen) holds all its requests as pending.
                groups_last = {f["group_index"] for f in injected if f["last_page"]}
                major, minor = (int(x) for x in m["kernel"]["release"].split(".")[:2])
                grouped = (major, minor) >= (6, 9)
                for x in rows:
                    if grouped:
                        expect = "pending" if x["group"] in groups_last else "partial"
                    else:
                        expect = "pending" if x["last_page"] else "partial"
                    r.check(x["list"] == expect, tag, "group %d request 0x%x is %s" %
                            (x["group"], common.hexint(x["address"]), expect), x)
                incomplete = {f["group_index"] for f in injected} - groups_last
                lock = [f for f in rep["findings"] if f["kind"] == "iopf-pending"]
                if lock:
                    r.check(lock[0]["facts"].get("incomplete_groups") == len(incomplete), tag,
                            "%d incomplete group(s) (no last page)" % len(incomplete), lock[0]["facts"])
                kinds = [f["kind"] for f in rep["findings"]]
                r.check(("iopf-pending" in kinds) == bool(want), tag,
                        "iopf-pending finding %s" % ("present" if want else "absent"), kinds)
    r.finish()


if __name__ == "__main__":
    main()
