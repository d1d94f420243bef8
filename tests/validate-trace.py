#!/usr/bin/python3
"""validate-trace.py — check salvo traces against docs/trace.schema.json.

    tests/validate-trace.py TRACE.jsonl ...

Line 1 of each file must be a header (#/$defs/header), every other line a
record (#/$defs/record). Prints FILE:LINE: message for each problem (up to
20 a file) and exits 1 if there was any; exits 3 if the validator (Debian's
python3-jsonschema) is missing, so a test can skip with a message.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-trace: python3-jsonschema is not installed\n")
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "docs", "trace.schema.json")


def main():
    schema = json.load(open(SCHEMA))
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)

    def sub(ref):
        return cls({"$ref": ref, "$defs": schema["$defs"]})
    header = sub("#/$defs/header")
    record = sub("#/$defs/record")
    # A record is checked against its kind's branch (same schema, found by
    # its title) — quicker than oneOf, and the messages name the field.
    by_kind = {}
    for i, branch in enumerate(schema["$defs"]["record"]["oneOf"]):
        by_kind[branch["title"]] = sub("#/$defs/record/oneOf/%d" % i)
    bad = 0
    for path in sys.argv[1:]:
        errors = 0
        with open(path, encoding="utf-8") as fp:
            for n, line in enumerate(fp, 1):
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    print("%s:%d: not JSON: %s" % (path, n, e))
                    errors += 1
                    continue
                v = header if n == 1 else by_kind.get(obj.get("kind") if isinstance(obj, dict) else None, record)
                for e in v.iter_errors(obj):
                    where = "/".join(str(p) for p in e.absolute_path)
                    print("%s:%d: %s%s" % (path, n, where + ": " if where else "", e.message))
                    errors += 1
                if errors >= 20:
                    break
        bad += errors
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
