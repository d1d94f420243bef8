#!/usr/bin/env python3
"""mksample.py — writes tests/data/sample.jsonl, a small hand-made trace.

The view is developed and tested against this file: it has every record
kind, the places and routes of the real scenario (Rajin, Vostochny, Dunai,
Khasan, the Trans-Siberian to Tikhoretsk, the front near Belgorod/Kursk,
Sohae), and a deterministic toy supply model (no randomness) so that tests
can predict positions and levels exactly.

It prints numbers exactly as sim/trace.c does (integers as integers,
others in the shortest %.Ng that reads back), so reading the file and
writing it again with the C writer must give the same bytes; test_trace
checks that.

    python3 tests/data/mksample.py > tests/data/sample.jsonl
    python3 tests/data/mksample.py --v1 > tests/data/sample-v1.jsonl

The first is trace format 2 (named fields, the seed as a string; see
docs/trace.md); with --v1 the same trace in format 1 (positional
a/b/c/x/y, a numeric seed), which the reader still reads.
"""
import datetime
import heapq
import json
import sys

START = datetime.date(2023, 9, 1)
END = 500.0


def num(v):
    v = float(v)
    if v == int(v) and abs(v) < 2**53:
        return str(int(v))
    for p in range(1, 18):
        s = "%.*g" % (p, v)
        if float(s) == v:
            return s
    raise ValueError(v)


def js(s):
    return json.dumps(s, ensure_ascii=False)


ACTORS = [("russia", "Russia", "#0072b2"), ("dprk", "North Korea", "#d55e00"),
          ("ukraine", "Ukraine", "#e69f00")]
RU, KP, UA = 0, 1, 2
PLACES = [
    ("pyongyang", "Pyongyang", "capital", KP, 39.0392, 125.7625),
    ("rajin", "Rajin", "port", KP, 42.2464, 130.2972),
    ("tumangang", "Tumangang", "rail-hub", KP, 42.4181, 130.6344),
    ("khasan", "Khasan", "rail-hub", RU, 42.4297, 130.6436),
    ("vostochny", "Vostochny", "port", RU, 42.7667, 133.05),
    ("dunai", "Dunai", "port", RU, 42.88, 132.36),
    ("tikhoretsk", "Tikhoretsk", "depot", RU, 45.8531, 40.1253),
    ("front", "Front (Belgorod–Kursk)", "front", RU, 50.9, 36.4),
    ("sohae", "Sohae", "launch-site", KP, 39.66, 124.705),
]
P = {p[0]: i for i, p in enumerate(PLACES)}
TRANSSIB = [(43.80, 131.95), (48.48, 135.07), (50.92, 128.47), (52.03, 113.50),
            (51.83, 107.58), (52.29, 104.28), (56.01, 92.87), (55.03, 82.92),
            (54.99, 73.37), (55.16, 61.40), (53.20, 50.15), (51.53, 46.03),
            (48.71, 44.51)]
ROUTES = [
    ("rajin-vostochny", "Rajin–Vostochny", "sea", P["rajin"], P["vostochny"],
     [(42.10, 130.80), (42.35, 132.00), (42.62, 132.95)]),
    ("rajin-dunai", "Rajin–Dunai", "sea", P["rajin"], P["dunai"],
     [(42.10, 130.80), (42.55, 131.85), (42.80, 132.30)]),
    ("khasan-tikhoretsk", "Trans-Siberian (Khasan)", "rail", P["khasan"], P["tikhoretsk"],
     TRANSSIB),
    ("vostochny-tikhoretsk", "Trans-Siberian (Vostochny)", "rail", P["vostochny"],
     P["tikhoretsk"], [(43.12, 132.60)] + TRANSSIB),
    ("tikhoretsk-front", "Tikhoretsk–front", "road", P["tikhoretsk"], P["front"],
     [(47.23, 39.72), (49.0, 38.3)]),
    ("rajin-tumangang", "Rajin–Tumangang", "rail", P["rajin"], P["tumangang"],
     [(42.33, 130.45)]),
]
CARRIERS = [("angara", "Angara", 0, 120000), ("lady-r", "Lady R", 0, 120000),
            ("maia-1", "Maia-1", 1, 100000), ("maria", "Maria", 1, 100000)]
for k in range(6):
    CARRIERS.append(("train-k%d" % k, "Train K%d" % (k + 1), 2, 60000))
for k in range(5):
    CARRIERS.append(("train-v%d" % k, "Train V%d" % (k + 1), 3, 60000))
CARRIERS.append(("trucks", "Truck column", 4, 50000))
RESOURCES = [("shells", "152 mm shells", "rounds")]
STOCKS = [("rajin", P["rajin"], 0, 900000, 3000000),
          ("vostochny", P["vostochny"], 0, 0, 2000000),
          ("dunai", P["dunai"], 0, 0, 2000000),
          ("tikhoretsk", P["tikhoretsk"], 0, 200000, 2000000),
          ("front", P["front"], 0, 400000, 1000000)]
TREATIES = [("treaty-2024", "Comprehensive Strategic Partnership", RU, P["pyongyang"])]
PROGRAMMES = [("malligyong", "Malligyong / Chollima-1", KP, P["sohae"])]
EVENTS = [("kursk", "Ukrainian incursion into Kursk", UA, P["front"]),
          ("panel", "UN Panel of Experts ends", -1, -1),
          ("strike", "Strike on the Tikhoretsk depot", UA, P["tikhoretsk"])]
DECISIONS = [("assist", "Help the satellite programme?", RU, ["Assist", "Decline"]),
             ("troops", "Send troops to Kursk?", KP, ["Send troops", "Hold back"])]


def header():
    def named(v):
        return "[" + ",".join('{"id":%s,"name":%s,"actor":%d,"place":%d}' % (js(a), js(b), c, d)
                              for a, b, c, d in v) + "]"
    if V1:
        out = ['{"salvo":"0.1.0","type":"header","scenario":"sample","sha256":%s,"seed":42,'
               '"start":"%s","end":%s' % (js("0" * 64), START.isoformat(), num(END))]
    else:
        out = ['{"salvo":"0.1.0","type":"header","trace":2,"scenario":"sample","sha256":%s,"seed":"42",'
               '"start":"%s","end":%s' % (js("0" * 64), START.isoformat(), num(END))]
    out.append(',"actors":[' + ",".join('{"id":%s,"name":%s,"color":"%s"}' % (js(a), js(b), c)
                                      for a, b, c in ACTORS) + "]")
    out.append(',"places":[' + ",".join(
        '{"id":%s,"name":%s,"kind":"%s","actor":%d,"lat":%s,"lon":%s}'
        % (js(a), js(b), k, o, num(la), num(lo)) for a, b, k, o, la, lo in PLACES) + "]")
    out.append(',"routes":[' + ",".join(
        '{"id":%s,"name":%s,"mode":"%s","from":%d,"to":%d,"final":true,"waypoints":[%s]}'
        % (js(a), js(b), m, f, t, ",".join("[%s,%s]" % (num(la), num(lo)) for la, lo in w))
        for a, b, m, f, t, w in ROUTES) + "]")
    out.append(',"carriers":[' + ",".join('{"id":%s,"name":%s,"route":%d,"capacity":%s}'
                                        % (js(a), js(b), r, num(c)) for a, b, r, c in CARRIERS) + "]")
    out.append(',"resources":[' + ",".join('{"id":%s,"name":%s,"unit":%s}' % (js(a), js(b), js(c))
                                         for a, b, c in RESOURCES) + "]")
    out.append(',"stocks":[' + ",".join(
        '{"id":%s,"place":%d,"resource":%d,"initial":%s,"capacity":%s}'
        % (js(a), p, r, num(i), num(c)) for a, p, r, i, c in STOCKS) + "]")
    out.append(',"treaties":' + named(TREATIES))
    out.append(',"programmes":' + named(PROGRAMMES))
    out.append(',"events":' + named(EVENTS))
    out.append(',"decisions":[' + ",".join(
        '{"id":%s,"name":%s,"actor":%d,"options":[%s]}' % (js(a), js(b), c, ",".join(js(o) for o in op))
        for a, b, c, op in DECISIONS) + "]}")
    return "".join(out)


KINDS = ["depart", "arrive", "lost", "return", "stock", "short", "launch", "assist", "treaty",
         "troops", "decision", "event", "route", "end"]


class Model:
    """A toy, deterministic supply chain: continuous production at Rajin and
    consumption at the front, ships and trains on fixed timetables."""

    def __init__(self):
        self.recs = []
        self.seq = 0
        self.q = []
        self.level = [s[3] for s in STOCKS]
        self.rate = [14000.0, 0, 0, 0, -11000.0]   # per day, continuous
        self.t_level = 0.0
        self.shortfall = 0.0
        self.short_on = False
        self.closed = set()

    def rec(self, t, kind, a, b, c, x, y):
        self.recs.append((t, KINDS.index(kind), a, b, c, x, y))

    def at(self, t, fn, *args):
        heapq.heappush(self.q, (t, self.seq, fn, args))
        self.seq += 1

    def advance(self, t):
        """Move the continuous flows to time t; the front may run dry."""
        dt = t - self.t_level
        if dt <= 0:
            return
        for s in range(len(STOCKS)):
            if s == 4:
                continue
            self.level[s] = min(STOCKS[s][4], self.level[s] + self.rate[s] * dt)
        f = 4
        if self.short_on:
            self.shortfall += -self.rate[f] * dt
        else:
            lvl = self.level[f] + self.rate[f] * dt
            if lvl < 0:
                tz = self.t_level + self.level[f] / -self.rate[f]
                self.level[f] = 0.0
                self.short_on = True
                self.rec(tz, "stock", f, -1, -1, 0, self.shortfall)
                self.rec(tz, "short", f, 1, -1, -self.rate[f], self.shortfall)
                self.shortfall += -self.rate[f] * (t - tz)
            else:
                self.level[f] = lvl
        self.t_level = t

    def stock(self, t, s):
        self.rec(t, "stock", s, -1, -1, round(self.level[s], 3),
                 round(self.shortfall, 3) if s == 4 else 0)

    def add(self, t, s, amount):
        self.advance(t)
        if s == 4 and self.short_on and amount > 0:
            self.short_on = False
            self.rec(t, "short", 4, 0, -1, 0, round(self.shortfall, 3))
        self.level[s] = max(0.0, self.level[s] + amount)
        self.stock(t, s)


def run():
    m = Model()
    # Ships: Rajin to Vostochny (route 0) and Dunai (route 1), 10-day cycles.
    def ship(t, c):
        route = CARRIERS[c][2]
        if t >= END - 20:
            return
        if route in m.closed:
            m.at(t + 2, ship, c)
            return
        m.advance(t)
        cargo = min(CARRIERS[c][3], 20000 * int(m.level[0] / 20000))
        m.add(t, 0, -cargo)
        sea = 1.25 if route == 0 else 1.0
        m.rec(t, "depart", c, route, 0, cargo, t + sea)
        if c == 3 and 395 < t < 405:
            m.at(t + 0.4 * sea, lost, c, route, cargo)
            m.at(t + 12, ship, c)
            return
        m.at(t + sea, arrive, c, route, cargo)
        m.at(t + 2 * sea + 1, ret, c, route)
        m.at(t + 10, ship, c)

    def arrive(t, c, route, cargo):
        duds = round(cargo * 0.1)
        m.rec(t, "arrive", c, route, 0, cargo - duds, duds)
        dest = {0: 1, 1: 2, 2: 3, 3: 3, 4: 4, 5: 0}[route]
        m.add(t, dest, cargo - duds)

    def lost(t, c, route, cargo):
        m.rec(t, "lost", c, route, 0, cargo, 0.4)

    def ret(t, c, route):
        m.rec(t, "return", c, route, -1, 0, 0)

    # Trains west: from Rajin via Khasan (route 2), from Vostochny (route 3).
    def train(t, c, src, period):
        route = CARRIERS[c][2]
        if t >= END - 20:
            return
        m.advance(t)
        cargo = min(CARRIERS[c][3], 10000 * int(m.level[src] / 10000))
        if cargo > 0:
            m.add(t, src, -cargo)
            m.rec(t, "depart", c, route, 0, cargo, t + 14)
            m.at(t + 14, arrive_train, c, route, cargo)
            m.at(t + 28, ret, c, route)
        m.at(t + period, train, c, src, period)

    def arrive_train(t, c, route, cargo):
        m.rec(t, "arrive", c, route, 0, cargo, 0)
        m.add(t, 3, cargo)

    def trucks(t):
        c = len(CARRIERS) - 1
        if t >= END - 3:
            return
        m.advance(t)
        cargo = min(50000, 5000 * int(m.level[3] / 5000))
        if cargo > 0:
            m.add(t, 3, -cargo)
            m.rec(t, "depart", c, 4, 0, cargo, t + 1.5)
            m.at(t + 1.5, arrive_front, cargo)
        m.at(t + 2, trucks)

    def arrive_front(t, cargo):
        m.rec(t, "arrive", len(CARRIERS) - 1, 4, 0, cargo, 0)
        m.add(t, 4, cargo)

    def weekly(t):
        if t >= END:
            return
        m.advance(t)
        for s in range(len(STOCKS)):
            m.stock(t, s)
        m.at(t + 7, weekly)

    def simple(t, kind, a, b, c, x, y):
        m.advance(t)
        m.rec(t, kind, a, b, c, x, y)

    def route_state(t, r, is_open):
        if is_open:
            m.closed.discard(r)
        else:
            m.closed.add(r)
        simple(t, "route", r, 1 if is_open else 0, -1, 0, 0)

    def kursk(t):
        simple(t, "event", 0, -1, -1, 0, 0)
        m.rate[4] = -19000.0

    def strike(t):
        simple(t, "event", 2, -1, -1, 0, 0)
        m.add(t, 3, -0.3 * m.level[3])

    for i in range(4):
        m.at(3 + 2.5 * i, ship, i)
    for k in range(6):
        m.at(20 + 3 * k, train, 4 + k, 0, 18)
    for k in range(5):
        m.at(24 + 4 * k, train, 10 + k, 1, 20)
    m.at(0.0, weekly)
    m.at(38, trucks)
    m.at(12, simple, "decision", 0, 0, 0, 0, 0)
    m.at(12, simple, "assist", 0, RU, 0, 0, 0)
    m.at(13, simple, "assist", 0, RU, 1, 0, 0)
    m.at(60, simple, "assist", 0, RU, 2, 0, 0)
    m.at(81.9, simple, "launch", 0, 3, 0, 0.45, 0)
    m.at(165, route_state, 0, False)
    m.at(191, route_state, 0, True)
    m.at(241, simple, "event", 1, -1, -1, 0, 0)
    m.at(269.9, simple, "launch", 0, 4, 1, 0.55, 0)
    m.at(292, simple, "treaty", 0, 0, -1, 0, 0)
    m.at(340, kursk)
    m.at(341, simple, "treaty", 0, 2, RU, 0, 0)
    m.at(386, strike)
    m.at(400, simple, "decision", 1, 0, 1, 0, 0)
    m.at(403, simple, "troops", KP, P["pyongyang"], P["front"], 1500, 418)
    m.at(420, simple, "troops", KP, P["pyongyang"], P["front"], 9500, 436)
    m.at(450.5, simple, "launch", 0, 5, 2, 0.6, 0)
    m.at(460, simple, "treaty", 0, 1, -1, 0, 0)
    m.at(461, simple, "treaty", 0, 3, KP, 0, 0)
    while m.q:
        t, _, fn, args = heapq.heappop(m.q)
        if t > END:
            break
        fn(t, *args)
    m.advance(END)
    m.rec(END, "end", -1, -1, -1, 0, 0)
    # Records are made in event order except the front's dry-out, which is
    # found while advancing: a stable sort on t puts it in place.
    m.recs.sort(key=lambda r: r[0])
    return m.recs


V1 = "--v1" in sys.argv[1:]

# Trace format 2: each kind's operands a, b, c, x, y by name (sim/trace.c's
# FIELDS); None is not written. Types: i index/integer, b boolean,
# s treaty status, a assistance step, n number.
FIELDS = {
    "depart": [("carrier", "i"), ("route", "i"), ("resource", "i"), ("cargo", "n"), ("eta", "n")],
    "arrive": [("carrier", "i"), ("route", "i"), ("resource", "i"), ("delivered", "n"), ("duds", "n")],
    "lost": [("carrier", "i"), ("route", "i"), ("resource", "i"), ("cargo", "n"), ("fraction", "n")],
    "return": [("carrier", "i"), ("route", "i"), None, None, None],
    "stock": [("stock", "i"), None, None, ("level", "n"), ("shortfall", "n")],
    "short": [("stock", "i"), ("starts", "b"), None, ("unmet_rate", "n"), ("shortfall", "n")],
    "launch": [("programme", "i"), ("attempt", "i"), ("stage", "i"), ("p", "n"), None],
    "assist": [("programme", "i"), ("actor", "i"), ("step", "a"), None, None],
    "treaty": [("treaty", "i"), ("status", "s"), ("actor", "i"), None, None],
    "troops": [("actor", "i"), ("from", "i"), ("to", "i"), ("troops", "n"), ("arrival", "n")],
    "decision": [("decision", "i"), ("option", "i"), ("person", "b"), None, None],
    "event": [("event", "i"), None, None, None, None],
    "route": [("route", "i"), ("open", "b"), None, None, None],
    "end": [None, None, None, None, None],
}
STATUS = ["signed", "in-force", "triggered", "honoured", "declined"]
STEPS = ["offered", "accepted", "arrived"]


def record(t, kind, vals):
    d = START + datetime.timedelta(days=int(t // 1))
    head = '{"t":%s,"date":"%s","kind":"%s"' % (num(t), d.isoformat(), kind)
    if V1:
        a, b, c, x, y = vals
        return head + ',"a":%d,"b":%d,"c":%d,"x":%s,"y":%s}' % (a, b, c, num(x), num(y))
    parts = []
    for f, v in zip(FIELDS[kind], vals):
        if f is None:
            continue
        name, typ = f
        text = {"i": lambda: "%d" % v, "b": lambda: "true" if v else "false",
                "s": lambda: '"%s"' % STATUS[v], "a": lambda: '"%s"' % STEPS[v],
                "n": lambda: num(v)}[typ]()
        parts.append('"%s":%s' % (name, text))
    return head + "".join("," + p for p in parts) + "}"


def main():
    out = [header()]
    for t, k, a, b, c, x, y in run():
        out.append(record(t, KINDS[k], (a, b, c, x, y)))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
