# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for the real-dump tests: find fixtures, run vtdscope, count results."""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from testlib import NamedResults  # noqa: E402

CACHE = os.environ.get("VTDSCOPE_CACHE") or os.path.expanduser("~/.cache/vtdscope")
FIXTURES = os.environ.get("VTDSCOPE_FIXTURES") or os.path.join(CACHE, "fixtures")
TOOL = os.environ.get("VTDSCOPE") or os.path.join(
    os.environ.get("VTDSCOPE_SOURCE_DIR", "."), "build", "vtdscope")
TIMEOUT = 120


def fixtures():
    """(name, directory, manifest) for every complete fixture, sorted by name."""
    out = []
    for mf in sorted(glob.glob(os.path.join(FIXTURES, "*", "manifest.json"))):
        d = os.path.dirname(mf)
        with open(mf) as f:
            out.append((os.path.basename(d), d, json.load(f)))
    return out


def dumps(d, manifest):
    """The dump files of a fixture: (format, path)."""
    files = manifest.get("files", {})
    out = []
    for key in ("vmcore_elf", "vmcore_kdump"):
        entry = files.get(key)
        if entry and os.path.exists(os.path.join(d, entry["name"])):
            out.append((entry.get("format", key), os.path.join(d, entry["name"])))
    return out


def type_modes(manifest):
    """BTF always; DWARF when the fixture's -dbg vmlinux is present."""
    modes = [("btf", ["--types", "btf"])]
    vml = manifest.get("kernel", {}).get("vmlinux")
    if vml and os.path.exists(vml):
        modes.append(("dwarf", ["--vmlinux", vml]))
    return modes


def run(args, fmt="json"):
    """Run vtdscope; returns (exit code, parsed JSON or text, stderr)."""
    cmd = [TOOL] + args + (["--format", fmt] if fmt else [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    out = p.stdout
    if fmt == "json" and p.returncode in (0, 1, 5):
        out = json.loads(p.stdout)
    return p.returncode, out, p.stderr


def hexint(v):
    if v is None:
        return None
    if isinstance(v, int):
        return v
    return int(str(v), 16) if str(v).startswith(("0x", "-0x")) else int(v)


Results = NamedResults


def skip(msg):
    print("skipped: %s" % msg)
    sys.exit(77)
