#!/usr/bin/env python3
"""mkstress.py — a big trace for measuring the view: the sample trace's map
with 4,000 carriers shuttling on its six routes (about 2,600 in flight at
any time, 740,000 records). Not committed (30 MB); write it where you like:

    python3 tests/data/mkstress.py /tmp/stress.jsonl
    SALVO_VIEW_STATS=1 ./salvo view --trace /tmp/stress.jsonl --at 200 --frames 300 --keys space
"""
import json
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/stress.jsonl"
hdr = json.loads(open("tests/data/sample.jsonl").readline())
random.seed(1)
N = 4000
hdr["carriers"] = [{"id": "c%d" % i, "name": "Carrier %d" % i, "route": i % 6, "capacity": 60000}
                   for i in range(N)]
recs = []
for i in range(N):
    t = random.uniform(0, 30)
    while t < 480:
        dur = 14 if i % 6 in (2, 3) else 2     # rail across Siberia, else short hops
        recs.append((t, "depart", i, i % 6, 0, 50000, t + dur))
        recs.append((t + dur, "arrive", i, i % 6, 0, 48000, 2000))
        t += dur + random.uniform(0.5, 3)
recs.append((500, "end", -1, -1, -1, 0, 0))
recs.sort(key=lambda r: r[0])
with open(out, "w") as f:
    f.write(json.dumps(hdr, separators=(",", ":"), ensure_ascii=False) + "\n")
    for t, k, a, b, c, x, y in recs:
        f.write('{"t":%r,"kind":"%s","a":%d,"b":%d,"c":%d,"x":%r,"y":%r}\n' % (t, k, a, b, c, x, y))
print("%s: %d records" % (out, len(recs)))
