#!/usr/bin/env python3
"""cli_fuzz.py — whole-scenario mutation fuzzing through the real binary.

    python3 tests/fuzz/cli_fuzz.py BIN SECONDS OUTDIR [SEED]

Takes the shipped and verify scenarios, mutates them the way a careless or
hostile editor would (numbers pushed to edges, ids swapped for other ids of
the same file, keys and array items deleted or duplicated, a few raw byte
flips), and feeds each mutant to BIN (an ASan + UBSan build):

    salvo validate F                         (timeout 20 s)
    then, if it validates:
    salvo run F --json                       (timeout 60 s)
    salvo batch F --runs 3 --threads 2 ...   (timeout 120 s)

A finding is: an exit status other than 0, 1 or 2 (a crash, an abort, a
sanitizer report), any "runtime error" or "Sanitizer" text on stderr, a
timeout (a hang), or a scenario that validates but whose run says it cannot
load (validate and run must agree). Each finding is saved in
OUTDIR/findings/ with its stderr. Counts go to OUTDIR/stats.txt and the last
line of stdout. The mutation stream is reproducible from SEED.
"""
import json, os, random, subprocess, sys, time, glob, copy

def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))

def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc

def put(doc, path, value):
    get(doc, path[:-1])[path[-1]] = value

EDGE = [0, -1, 1, 0.5, 1e-300, -1e-300, 1e15, -1e15, 1e16, 2**31, 2**31 - 1, 2**53 + 1,
        1e308, -1e308, 100000, 1e-9, 0.999999999, 3, 64, 65536]

def mutate_once(doc, rnd, strings):
    nodes = list(walk(doc))
    path, node = rnd.choice(nodes)
    if not path:
        return
    r = rnd.random()
    if isinstance(node, bool):
        put(doc, path, not node)
    elif isinstance(node, (int, float)):
        if r < 0.5:
            put(doc, path, rnd.choice(EDGE))
        elif r < 0.8:
            put(doc, path, node * rnd.choice([2, 10, 0.5, -1, 1000, 1e-6]))
        else:
            put(doc, path, rnd.randint(-5, 200))
    elif isinstance(node, str):
        if r < 0.7 and strings:
            put(doc, path, rnd.choice(strings))
        elif r < 0.85:
            put(doc, path, node + rnd.choice(["x", "-01", "T", "0"]))
        else:
            put(doc, path, rnd.choice(["", "2024-02-30", "1970-01-01", "9999-12-31", "2024-01-01"]))
    elif isinstance(node, list):
        if node and r < 0.4:
            node.append(copy.deepcopy(rnd.choice(node)))
        elif node and r < 0.7:
            del node[rnd.randrange(len(node))]
        elif node and r < 0.85:
            rnd.shuffle(node)
        else:
            for _ in range(rnd.randint(1, 50)):
                if node:
                    node.append(copy.deepcopy(rnd.choice(node)))
    elif isinstance(node, dict):
        if node and r < 0.5:
            del node[rnd.choice(list(node))]
        elif node and r < 0.8:
            # one field takes another field's value
            k = rnd.choice(list(node))
            node[k] = copy.deepcopy(rnd.choice(list(node.values())))
        else:
            # graft a subtree from elsewhere
            _, other = rnd.choice(nodes)
            node[rnd.choice(list(node) or ["x"])] = copy.deepcopy(other)

def mutant(seed_doc, seed_text, rnd):
    if rnd.random() < 0.1:
        b = bytearray(seed_text.encode())
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(b))
            b[i] = rnd.choice(b'0123456789-.eE{}[],:"\x00 ')
        return bytes(b)
    doc = copy.deepcopy(seed_doc)
    strings = [n for _, n in walk(doc) if isinstance(n, str) and len(n) < 40]
    for _ in range(rnd.randint(1, 6)):
        try:
            mutate_once(doc, rnd, strings)
        except (KeyError, IndexError, TypeError):
            pass
    return json.dumps(doc).encode()

def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                                    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"))
        return p.returncode, p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stderr or b"").decode(errors="replace")

def bad(rc, err):
    return rc == "timeout" or rc not in (0, 1, 2) or "runtime error" in err or "Sanitizer" in err

def main():
    binary, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rnd = random.Random(seed)
    os.makedirs(os.path.join(out, "findings"), exist_ok=True)
    seeds = []
    for f in sorted(glob.glob("scenarios/*.json") + glob.glob("scenarios/verify/*.json")):
        if f.endswith("schema.json"):
            continue
        text = open(f).read()
        seeds.append((f, json.loads(text), text))
    t0 = time.time()
    n = valid = runs = batches = findings = 0
    work = os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)
    f = os.path.join(work, "m.json")
    while time.time() - t0 < seconds:
        name, doc, text = rnd.choice(seeds)
        data = mutant(doc, text, rnd)
        open(f, "wb").write(data)
        n += 1
        steps = [([binary, "validate", f], 20)]
        rc, err = run(*steps[0])
        found = None
        if bad(rc, err):
            found = ("validate", rc, err)
        elif rc == 0:
            valid += 1
            rc, err = run([binary, "run", f, "--json"], 60)
            runs += 1
            if bad(rc, err) or rc == 2:
                found = ("run", rc, err)
            else:
                rc, err = run([binary, "batch", f, "--runs", "3", "--threads", "2", "--quiet",
                               "--json", os.path.join(work, "s.json"), "--csv", os.path.join(work, "r.csv")], 120)
                batches += 1
                if bad(rc, err) or rc == 2:
                    found = ("batch", rc, err)
        if found:
            findings += 1
            base = os.path.join(out, "findings", "%s-%d-%s" % (found[0], n, os.path.basename(name)))
            open(base, "wb").write(data)
            open(base + ".stderr", "w").write("exit %s\n%s" % (found[1], found[2]))
            print("finding: %s exit %s (%s)" % (base, found[1], found[2].strip().splitlines()[-1:] ), flush=True)
        if n % 100 == 0:
            with open(os.path.join(out, "stats.txt"), "w") as s:
                s.write("executions %d valid %d runs %d batches %d findings %d seconds %.0f\n"
                        % (n, valid, runs, batches, findings, time.time() - t0))
    line = ("executions %d valid %d runs %d batches %d findings %d seconds %.0f"
            % (n, valid, runs, batches, findings, time.time() - t0))
    open(os.path.join(out, "stats.txt"), "w").write(line + "\n")
    print(line)
    return 1 if findings else 0

if __name__ == "__main__":
    sys.exit(main())
