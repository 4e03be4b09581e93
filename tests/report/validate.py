#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate rendered JSON reports against src/report/report.schema.json.

    validate.py --schema SCHEMA --emit TEST_REPORT_BINARY [--golden DIR]

TEST_REPORT_BINARY is the cmocka unit test of the report module; with
"--emit json VARIANT [--redact] [--verbose]" it writes one rendered report.
Beyond the schema this checks what a schema cannot: every JSON Pointer
resolves, table cells match their column's kind (lists are arrays, objects
are objects whose null members have a reason, times have since_boot_ns
and/or wall), null cells have a reason, redacted output holds no kernel
address, output is strict UTF-8/JSON and deterministic, and the sample equals
the hand-written golden sample.json.

Exit 0 pass, 1 fail, 77 skip (python3-jsonschema missing), 99 harness error.
"""
import argparse
import json
import re
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

VARIANTS = ["empty", "sample", "hostile", "long", "values", "full"]
HEX = re.compile(r"^0x[0-9a-f]+$")
KERNEL_ADDR = re.compile(r"0xffff[0-9a-f]{4,}", re.IGNORECASE)
BARE_ADDR = re.compile(r"(?<![0-9a-z_])ffff[0-9a-f]{12}(?![0-9a-z_])", re.IGNORECASE)
TOKENS = {"<addr>", "<host>", "<redacted>"}

failures = []


def fail(where, msg):
    failures.append(f"{where}: {msg}")


def strict_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def emit(binary, variant, *flags):
    try:
        raw = subprocess.run([binary, "--emit", "json", variant, *flags],
                             check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"harness error: {e}", file=sys.stderr)
        sys.exit(99)
    return raw


def resolve(doc, pointer):
    node = doc
    for tok in pointer.split("/")[1:]:
        tok = tok.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            if not tok.isdigit() or int(tok) >= len(node):
                return False
            node = node[int(tok)]
        elif isinstance(node, dict) and tok in node:
            node = node[tok]
        else:
            return False
    return True


WALL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


def is_time(v):
    return (isinstance(v, dict) and v and set(v) <= {"since_boot_ns", "wall"} and
            ("since_boot_ns" not in v or (isinstance(v["since_boot_ns"], int) and
                                          not isinstance(v["since_boot_ns"], bool) and
                                          v["since_boot_ns"] >= 0)) and
            ("wall" not in v or (isinstance(v["wall"], str) and WALL.match(v["wall"]))))


def check_object(where, value):
    """An object value: null members have a reason; nested objects alike."""
    reasons = value.get("unavailable", {})
    for key, member in value.items():
        if key == "unavailable":
            continue
        if member is None and key not in reasons:
            fail(where, f"null member {key} without a reason")


def check_cell(where, kind, value, redacted):
    if value is None:
        return
    if redacted and isinstance(value, str) and value in TOKENS:
        return
    ok = {
        "string": lambda v: isinstance(v, str),
        "hostname": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "uint": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "hex": lambda v: isinstance(v, str) and HEX.match(v),
        "address": lambda v: isinstance(v, str) and HEX.match(v),
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "time": is_time,
    }[kind](value)
    if not ok:
        fail(where, f"value {value!r} does not fit column kind {kind}")
    elif kind == "object":
        check_object(where, value)


def walk_sections(where, doc, sections, redacted):
    for sid, sec in sections.items():
        here = f"{where}/sections/{sid}"
        unavailable = sec.get("unavailable", {})
        for key, value in sec.get("fields", {}).items():
            if value is None and key not in unavailable:
                fail(here, f"null field {key} without a reason")
        for tid, table in sec.get("tables", {}).items():
            cols = table["columns"]
            keys = [c["key"] for c in cols]
            reasons = table.get("unavailable", {})
            for i, row in enumerate(table["rows"]):
                if list(row) != keys:
                    fail(f"{here}/tables/{tid}/rows/{i}", f"keys {list(row)} != columns {keys}")
                    continue
                for col in cols:
                    value = row[col["key"]]
                    if value is None and col["key"] not in reasons:
                        fail(f"{here}/tables/{tid}/rows/{i}", f"null {col['key']} without a reason")
                    check_cell(f"{here}/tables/{tid}/rows/{i}/{col['key']}", col["kind"],
                               value, redacted)
        walk_sections(here, doc, sec.get("sections", {}), redacted)


def check(name, raw, validator, redacted):
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        fail(name, f"not UTF-8: {e}")
        return None
    if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text):
        fail(name, "raw control character in output")
    if not text.endswith("}\n"):
        fail(name, "does not end with '}\\n'")
    try:
        doc = json.loads(text, parse_constant=strict_constant)
    except ValueError as e:
        fail(name, f"invalid JSON: {e}")
        return None
    for err in validator.iter_errors(doc):
        fail(name, f"schema: {'/'.join(map(str, err.absolute_path))}: {err.message}")
    for i, f in enumerate(doc.get("findings", [])):
        for ev in f.get("evidence", []):
            if "ref" in ev and not resolve(doc, ev["ref"]):
                fail(name, f"finding {i}: ref {ev['ref']} does not resolve")
        if f.get("facts") is not None:
            for key, value in f["facts"].items():
                if value is None and key not in f.get("unavailable", {}):
                    fail(name, f"finding {i}: null fact {key} without a reason")
    for d in doc.get("errors", []) + doc.get("warnings", []):
        if "section" in d and not resolve(doc, d["section"]):
            fail(name, f"diagnostic section {d['section']} does not resolve")
    walk_sections(name, doc, doc.get("sections", {}), redacted)
    if doc.get("redacted") != redacted:
        fail(name, f"redacted is {doc.get('redacted')}, expected {redacted}")
    if redacted:
        for rx in (KERNEL_ADDR, BARE_ADDR):
            m = rx.search(text)
            if m:
                fail(name, f"kernel address {m.group(0)} survived --redact")
    # 2-space indentation throughout
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if indent % 2:
            fail(name, f"odd indentation: {line!r}")
            break
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--emit", required=True, help="test_report binary")
    ap.add_argument("--golden", help="directory with sample.json / empty.json")
    args = ap.parse_args()

    try:
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"bad schema {args.schema}: {e}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    count = 0
    for variant in VARIANTS:
        for flags in ([], ["--redact"], ["--verbose"], ["--redact", "--verbose"]):
            name = " ".join([variant, *flags])
            raw = emit(args.emit, variant, *flags)
            doc = check(name, raw, validator, "--redact" in flags)
            count += 1
            if raw != emit(args.emit, variant, *flags):
                fail(name, "output is not deterministic")
            if doc is not None and args.golden and not flags and variant in ("sample", "empty"):
                with open(f"{args.golden}/{variant}.json", encoding="utf-8") as f:
                    if json.load(f) != doc:
                        fail(name, f"differs from {variant}.json")

    # The schema must reject what it is meant to reject.
    bad = json.loads(emit(args.emit, "sample"))
    bad["findings"][0]["severity"] = "fatal"
    if validator.is_valid(bad):
        fail("negative", "schema accepted severity 'fatal'")
    bad = json.loads(emit(args.emit, "sample"))
    bad["sections"]["qi"]["tables"]["slots"]["columns"][0]["kind"] = "float"
    if validator.is_valid(bad):
        fail("negative", "schema accepted column kind 'float'")
    bad = json.loads(emit(args.emit, "sample"))
    bad["schema_version"] = 1
    if validator.is_valid(bad):
        fail("negative", "schema accepted schema_version 1")
    # ... and the shapes of the list, object and time values.
    good = json.loads(emit(args.emit, "values"))
    typed = good["sections"]["typed"]
    if not (isinstance(typed["fields"]["spinning_cpus"], list) and
            isinstance(typed["fields"]["descriptor"], dict) and
            is_time(typed["fields"]["panic_time"])):
        fail("values", "list, object or time not rendered as array / object / time")
    for label, change in (
            # (an object of other keys, {} included, is an object value, not a time)
            ("since_boot_ns as a string",
             lambda d: d["sections"]["typed"]["fields"]["panic_time"].update(since_boot_ns="1")),
            ("a negative since_boot_ns",
             lambda d: d["sections"]["typed"]["fields"]["panic_time"].update(since_boot_ns=-1)),
            ("a wall time that is not ISO 8601",
             lambda d: d["sections"]["typed"]["fields"]["wall_time"].update(wall="yesterday")),
            ("a float inside a list",
             lambda d: d["sections"]["typed"]["fields"]["spinning_cpus"].append(1.5)),
            ("a float inside an object",
             lambda d: d["sections"]["typed"]["fields"]["descriptor"].update(qdep=0.5)),
            ("an object key that is not snake_case",
             lambda d: d["sections"]["typed"]["fields"]["descriptor"].update({"Bad Key": 1})),
            ("column kind 'array'",
             lambda d: d["sections"]["typed"]["tables"]["batches"]["columns"][1].update(
                 kind="array"))):
        bad = json.loads(json.dumps(good))
        change(bad)
        if validator.is_valid(bad):
            fail("negative", f"schema accepted {label}")

    for f in failures:
        print(f"FAIL: {f}")
    print(f"{count} rendered reports checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
