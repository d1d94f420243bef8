#!/usr/bin/python3
"""check_schema.py — scenarios/schema.json against the loader, with a real
JSON Schema validator (python3-jsonschema, Draft 2020-12).

  1. Every shipped scenario (scenarios/*.json, scenarios/*/*.json) validates.
  2. A few documented forms are accepted, and a few mistakes rejected, by
     both the schema and (when ./salvo is built) the loader.
  3. Every file in tests/bad/ that the loader rejects for a reason JSON
     Schema can state (a type, a missing or unknown field, a pattern, a
     bound, an enumerated name) is rejected by the schema too. The files
     the loader rejects for reasons outside a schema's reach are listed in
     BEYOND_SCHEMA with the reason, and must still be rejected by the
     loader (tests/test_bad.c checks that); a file listed there that the
     schema does reject is reported, so the list stays honest.

Exit 0 when all holds, 1 when not, 77 when the validator is missing.
Run from anywhere: paths are taken from the repository root. The schema
may be another file (SALVO_SCHEMA=path), so tests can show the check fails.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("check-schema: skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Not JSON as RFC 8259 has it (the loader's JSON reader rejects them before
# any schema question arises). Python's reader is lenient with some of
# these (NaN, Infinity, duplicate keys), so they are named here.
NOT_JSON = {
    "01-empty.json", "02-whitespace-only.json", "03-truncated.json", "04-trailing-garbage.json",
    "05-huge-number.json", "06-nan-literal.json", "07-infinity-literal.json", "08-trailing-comma.json",
    "09-comment.json", "10-leading-zero.json", "11-bad-utf8.json", "12-nul-escape.json",
    "13-single-quotes.json", "15-duplicate-key.json", "83-binary-garbage.json",
}

# Rejected by the loader for reasons a JSON Schema cannot state.
BEYOND_SCHEMA = {
    "21-duplicate-id.json": "ids unique within a list (uniqueItems compares whole items)",
    "24-route-unknown-stock.json": "a reference to an id declared elsewhere",
    "25-stock-unknown-place.json": "a reference to an id declared elsewhere",
    "26-route-resource-mismatch.json": "the resources of two referenced stocks must agree",
    "27-unknown-actor.json": "a reference to an id declared elsewhere",
    "28-unknown-source.json": "a reference to an id declared elsewhere",
    "37-bad-date.json": "calendar validity (2024-02-30): a pattern can only check the shape",
    "39-end-before-start.json": "an order between two dates",
    "48-dist-triangular-order.json": "an order between parameters (lo <= mode <= hi)",
    "52-assumption-range-reversed.json": "an order between the two ends of a range",
    "54-event-effect-unknown-event.json": "a reference to an id declared elsewhere",
    "55-treaty-nonparty-response.json": "a response's party must be one of the treaty's parties",
    "57-policy-unknown-option.json": "a reference to an option id of the same decision",
    "60-effect-unknown-path.json": "a parameter path naming ids declared elsewhere",
    "61-effect-unknown-route.json": "a reference to an id declared elsewhere",
    "63-history-unordered.json": "dates in increasing order",
    "64-deep-condition.json": "nesting depth of conditions (a recursive $ref has no depth bound)",
    "67-in-force-before-signed.json": "an order between two dates",
    "68-metric-duplicate-id.json": "ids unique within a list",
    "69-offer-unknown-assistance.json": "a reference to an id declared elsewhere",
    "70-probabilities-count.json": "an array's length must equal another field's value (stages)",
    "72-range-outside-probability.json": "a range's bounds checked against the field's own bounds",
    "73-value-outside-range.json": "a value (or a distribution's mean) inside its own range",
    "74-route-same-stock.json": "two references must differ",
    "75-rule-unknown-option.json": "a reference to an option id of the same decision",
    "77-troops-unknown-place.json": "a reference to an id declared elsewhere",
    "79-no-such-date.json": "calendar validity (2023-02-30): a pattern can only check the shape",
    "81-metric-unknown-quantity.json": "a quantity naming an id declared elsewhere",
    "84-site-not-launch-site.json": "the kind of a referenced place",
    "85-effect-sets-probability-3.json": "the bounds of the parameter an effect's path names",
    "86-no-such-day.json": "calendar validity: a pattern can only check the shape",
    "87-too-many-carriers.json": "the sum of carrier counts over all routes",
    "88-huge-parameter.json": "the 10^15 bound on a distribution's mean (a derived value)",
    "89-too-many-samples.json": "points in all LEVEL series together (a derived count)",
    "90-range-huge.json": "a range's bounds against the 10^15 bound of the derived mean",
    "91-window-reversed.json": "an order of two dates (an event window's from after its until)",
    "92-trigger-non-party.json": "a reference checked against another field (the trigger's actor must be a party)",
    "93-flag-by-outside.json": "a date against the calendar (a flag's by outside start..end)",
    "94-max-attempts-history.json": "a number against the length of another array (max_attempts below the history)",
    "96-observation-after-calendar.json": "an observation's date against the calendar",
    "97-observation-low-above-high.json": "the order of two numbers of one object",
}


# Small documents on top of BASE, each one documented form (GOOD: the
# schema and the loader accept it) or one mistake (BAD: both reject it).
BASE = {
    "salvo": 1, "name": "forms", "calendar": {"start": "2024-01-01", "end": "2024-06-01"},
    "actors": [{"id": "a"}],
    "resources": [{"id": "shells", "unit": "rounds"}],
    "places": [{"id": "p", "kind": "port", "lat": 40, "lon": 130}, {"id": "q", "kind": "depot", "lat": 41, "lon": 131},
               {"id": "pad", "kind": "launch-site", "lat": 39, "lon": 124}],
    "stocks": [{"id": "s", "place": "p", "resource": "shells", "initial": 10},
               {"id": "t", "place": "q", "resource": "shells"}],
    "routes": [{"id": "r", "mode": "sea", "from": "s", "to": "t", "transit": 3,
                "carriers": [{"id": "c", "containers": 1}]}],
    "programmes": [{"id": "g", "actor": "a", "site": "pad", "base": 0.5,
                    "assistance": [{"id": "help", "from": "a"}]}],
}


def with_(path, value):
    doc = json.loads(json.dumps(BASE))
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return doc


GOOD = {
    "$schema key": with_(["$schema"], "../scenarios/schema.json"),
    "event with no trigger": with_(["events"], [{"id": "e"}]),
    "assist quantity": with_(["events"], [{"id": "e", "when": {"quantity": "assist.help", ">=": 2}}]),
    "probability as beta": with_(["routes", 0, "loss"], {"dist": "beta", "alpha": 1, "beta": 9}),
    "history note": with_(["programmes", 0, "history"], [{"date": "2024-02-01", "outcome": "failure", "note": "x"}]),
    "source publisher and note": with_(["sources"], [{"id": "x", "title": "T", "publisher": "P", "note": "N"}]),
    "normal transit (clamped)": with_(["routes", 0, "transit"], {"dist": "normal", "mean": 3, "sd": 2}),
}

BAD = {
    "$schema not a string": with_(["$schema"], 5),
    "event with two triggers": with_(["events"], [{"id": "e", "at": "2024-02-01", "hazard": 0.1}]),
    "negative uniform transit": with_(["routes", 0, "transit"], {"dist": "uniform", "lo": -1, "hi": 2}),
    "normal probability": with_(["routes", 0, "loss"], {"dist": "normal", "mean": 0.1, "sd": 0.01}),
    "uniform probability above 1": with_(["routes", 0, "loss"], {"dist": "uniform", "lo": 0.5, "hi": 1.5}),
    "unknown quantity form": with_(["events"], [{"id": "e", "when": {"quantity": "asist.help", ">=": 2}}]),
}


def loader_verdicts(docs):
    """{name: True if `salvo validate` accepts it}, or None without a binary."""
    import subprocess
    import tempfile
    exe = os.path.join(ROOT, "salvo")
    if not os.access(exe, os.X_OK):
        return None
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for name, doc in docs.items():
            path = os.path.join(d, "case.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            out[name] = subprocess.run([exe, "validate", path], capture_output=True).returncode == 0
    return out


def strict_load(path):
    def no_constant(name):
        raise ValueError("not JSON: " + name)

    def no_dups(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(pairs)

    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"), parse_constant=no_constant, object_pairs_hook=no_dups)


# Exercises (scenarios/exercise.schema.json): every shipped exercise
# validates, and each mistake below is rejected by the schema and (when
# ./salvo is built) by `salvo validate`.
def check_exercises(cls):
    with open(os.environ.get("SALVO_EXERCISE_SCHEMA") or os.path.join(ROOT, "scenarios", "exercise.schema.json"),
              encoding="utf-8") as f:
        schema = json.load(f)
    cls.check_schema(schema)
    v = cls(schema)
    bad = 0
    shipped = sorted(glob.glob(os.path.join(ROOT, "scenarios", "exercises", "*.json")))
    if len(shipped) < 3:
        print("check-schema: expected at least three exercises in scenarios/exercises/")
        bad += 1
    for p in shipped:
        errs = list(v.iter_errors(strict_load(p)))
        for e in errs[:10]:
            print("check-schema: %s: %s: %s" % (os.path.relpath(p, ROOT),
                  "/".join(str(x) for x in e.absolute_path) or "(top)", e.message[:300]))
        bad += bool(errs)
    base = strict_load(os.path.join(ROOT, "scenarios", "exercises", "shell-pipeline.json"))
    def mistake(edit):
        doc = json.loads(json.dumps(base))
        edit(doc)
        return doc
    mistakes = {
        "unknown top-level field": mistake(lambda d: d.__setitem__("titel", "x")),
        "level not a level": mistake(lambda d: d.__setitem__("level", "beginner")),
        "minutes not whole": mistake(lambda d: d.__setitem__("minutes", 50.5)),
        "no predictions": mistake(lambda d: d.__setitem__("predictions", [])),
        "interval without unit": mistake(lambda d: d["predictions"][0].pop("unit")),
        "fact without source": mistake(lambda d: d["briefing"]["known"][0].pop("source")),
        "kind misspelt": mistake(lambda d: d["predictions"][0].__setitem__("kind", "intervals")),
    }
    salvo = os.path.join(ROOT, "salvo")
    import subprocess, tempfile
    for name, doc in mistakes.items():
        if v.is_valid(doc):
            print("check-schema: exercise mistake '%s': the schema accepts it" % name)
            bad += 1
        if os.access(salvo, os.X_OK):
            # Written beside the shipped ones, so the relative scenario path holds.
            fd, tmp = tempfile.mkstemp(suffix=".json", dir=os.path.join(ROOT, "scenarios", "exercises"),
                                       prefix=".check-")
            with os.fdopen(fd, "w") as f:
                json.dump(doc, f)
            try:
                rc = subprocess.run([salvo, "validate", tmp], capture_output=True).returncode
            finally:
                os.unlink(tmp)
            if rc != 2:
                print("check-schema: exercise mistake '%s': salvo validate exits %d, not 2" % (name, rc))
                bad += 1
    print("check-schema: %d shipped exercises checked; %d exercise mistakes rejected" % (len(shipped), len(mistakes)))
    return bad


def main():
    with open(os.environ.get("SALVO_SCHEMA") or os.path.join(ROOT, "scenarios", "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    v = cls(schema)
    bad = 0
    shipped = sorted(p for p in glob.glob(os.path.join(ROOT, "scenarios", "*.json"))
                     + glob.glob(os.path.join(ROOT, "scenarios", "*", "*.json"))
                     if os.path.basename(p) not in ("schema.json", "exercise.schema.json")
                     and os.path.basename(os.path.dirname(p)) != "exercises")
    for p in shipped:
        errs = sorted(v.iter_errors(strict_load(p)), key=lambda e: list(e.absolute_path))
        rel = os.path.relpath(p, ROOT)
        if errs:
            bad += 1
            for e in errs[:10]:
                where = "/".join(str(x) for x in e.absolute_path) or "(top)"
                print("check-schema: %s: %s: %s" % (rel, where, e.message[:300]))
        else:
            print("check-schema: %s: valid" % rel)
    rejected = skipped = 0
    for p in sorted(glob.glob(os.path.join(ROOT, "tests", "bad", "*.json"))):
        name = os.path.basename(p)
        if name in NOT_JSON:
            skipped += 1
            continue
        try:
            doc = strict_load(p)
        except (ValueError, UnicodeDecodeError) as e:
            print("check-schema: tests/bad/%s: not JSON (%s) but not listed in NOT_JSON" % (name, e))
            bad += 1
            continue
        valid = v.is_valid(doc)
        if name in BEYOND_SCHEMA:
            skipped += 1
            if not valid:
                print("check-schema: tests/bad/%s is listed as beyond the schema, but the schema rejects it" % name)
                bad += 1
        elif valid:
            print("check-schema: tests/bad/%s: the loader rejects it, the schema accepts it" % name)
            bad += 1
        else:
            rejected += 1
    verdicts = loader_verdicts({**GOOD, **BAD})
    for name, doc in GOOD.items():
        if not v.is_valid(doc):
            print("check-schema: documented form '%s': the schema rejects it" % name)
            bad += 1
        if verdicts is not None and not verdicts[name]:
            print("check-schema: documented form '%s': the loader rejects it" % name)
            bad += 1
    for name, doc in BAD.items():
        if v.is_valid(doc):
            print("check-schema: mistake '%s': the schema accepts it" % name)
            bad += 1
        if verdicts is not None and verdicts[name]:
            print("check-schema: mistake '%s': the loader accepts it" % name)
            bad += 1
    print("check-schema: %d documented forms and %d mistakes checked%s" % (
        len(GOOD), len(BAD), "" if verdicts is not None else " (schema only: no ./salvo binary)"))
    print("check-schema: %d shipped scenarios checked; %d bad inputs rejected by the schema, "
          "%d not JSON or beyond a schema (listed in tools/check_schema.py)" % (len(shipped), rejected, skipped))
    bad += check_exercises(cls)
    print("check-schema: ok" if not bad else "check-schema: FAILED (%d problems)" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
