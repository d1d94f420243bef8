#!/bin/sh
# Check scenarios/schema.json with a real JSON Schema validator: every
# shipped scenario validates, and every bad input the loader rejects for a
# reason a schema can state is rejected by the schema (tools/check_schema.py
# lists the exceptions). Uses Debian's /usr/bin/python3 and
# python3-jsonschema (the default python3 may be another one without it).
# Exit 0 ok, 1 failed, 77 skipped (validator not installed).
set -e
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    echo "check-schema: skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)"
    exit 77
fi
exec "$PY" "$(dirname "$0")/check_schema.py"
