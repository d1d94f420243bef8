#!/usr/bin/env python3
"""mkmap.py — derive salvo's base map (assets/basemap.bin) from Natural Earth.

The view never reads Natural Earth itself: it loads the committed asset that
this tool writes. Run it again only to change the region or the detail:

    python3 tools/mkmap.py /work/shared/maps assets/basemap.bin

Input (Natural Earth, public domain / CC0, see assets/LICENCE-naturalearth.txt):
    ne_50m_land.json                        land polygons
    ne_50m_admin_0_boundary_lines_land.json land borders
    ne_110m_admin_0_countries.json          country names and label points

What it does: takes the whole world from 60S to 84N (CLIP_LAT: the view's
conic projection cannot show the poles, and no scenario is set in
Antarctica), simplifies with Douglas-Peucker (TOLERANCE degrees), cuts every
ring and line into TILE-degree bands of longitude, quantises to 0.01 degree
and writes:

    "SALVOMAP"        8 bytes magic
    u32 version       1
    u32 nland         then per ring:  u32 n, n x (i16 lon, i16 lat)
    u32 nborders      then per line:  u32 n, n x (i16 lon, i16 lat)
    u32 nlabels       then per label: i16 lon, i16 lat, u8 rank, u8 len, len bytes UTF-8

All integers little-endian; coordinates in hundredths of a degree. Land rings
are closed implicitly (last point != first) and are filled with the even-odd
rule. Ring edges that lie on the clip rectangle or on a band's edge are
artefacts of cutting: the view does not stroke them as coast, and the two
sides of a cut share the same points, so the even-odd fill hides the seam.
The bands let the view leave out land more than 120 degrees of longitude
away from the map's centre, where a conic projection folds over.
"""
import json
import os
import struct
import sys

CLIP_LON = (-180.0, 180.0)
CLIP_LAT = (-60.0, 84.0)
TILE = 30.0
TOLERANCE = 0.04
MIN_RING_AREA = 0.02   # square degrees: drop specks smaller than this
SCALE = 100
LABEL_LON = (-180.0, 180.0)
LABEL_LAT = (-60.0, 70.0)


def simplify(pts, tol):
    """Douglas-Peucker on an open polyline (iterative: Eurasia is long)."""
    if len(pts) < 3:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        ax, ay = pts[a]
        bx, by = pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, idx = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            if d > best:
                best, idx = d, i
        if best > tol and idx > 0:
            keep[idx] = True
            stack.append((a, idx))
            stack.append((idx, b))
    return [p for p, k in zip(pts, keep) if k]


def simplify_ring(ring, tol):
    # Split the closed ring at its first point and at the point farthest from
    # it, so that both halves are open polylines.
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 4:
        return ring
    x0, y0 = ring[0]
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - x0) ** 2 + (ring[i][1] - y0) ** 2)
    a = simplify(ring[:far + 1], tol)
    b = simplify(ring[far:] + [ring[0]], tol)
    return a[:-1] + b[:-1]


def centroid(ring):
    a = cx = cy = 0.0
    for i in range(len(ring)):
        x0, y0 = ring[i - 1]
        x1, y1 = ring[i]
        c = x0 * y1 - x1 * y0
        a += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    return cx / (3 * a), cy / (3 * a)


def clip_ring(ring, lon=None, lat=None):
    """Sutherland-Hodgman against the clip rectangle."""
    def clip(pts, inside, cut):
        out = []
        if not pts:
            return out
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
            prev = cur
        return out

    def at_x(x):
        return lambda p, q: (x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0]))

    def at_y(y):
        return lambda p, q: (p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y)

    (x0, x1), (y0, y1) = lon or CLIP_LON, lat or CLIP_LAT
    pts = ring
    pts = clip(pts, lambda p: p[0] >= x0, at_x(x0))
    pts = clip(pts, lambda p: p[0] <= x1, at_x(x1))
    pts = clip(pts, lambda p: p[1] >= y0, at_y(y0))
    pts = clip(pts, lambda p: p[1] <= y1, at_y(y1))
    return pts


def clip_line(line):
    """Keep the parts of a polyline inside the clip rectangle."""
    (x0, x1), (y0, y1) = CLIP_LON, CLIP_LAT

    def inside(p):
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1
    parts, cur = [], []
    for p in line:
        if inside(p):
            cur.append(p)
        else:
            if len(cur) > 1:
                parts.append(cur)
            cur = []
    if len(cur) > 1:
        parts.append(cur)
    return parts


def tiles():
    x = CLIP_LON[0]
    while x < CLIP_LON[1]:
        yield (x, min(x + TILE, CLIP_LON[1]))
        x += TILE


def split_line(line):
    """Cut a polyline where it crosses a band's edge; both pieces get the
    crossing point."""
    def band(p):
        return min(int((p[0] - CLIP_LON[0]) // TILE), int((CLIP_LON[1] - CLIP_LON[0]) // TILE) - 1)
    parts, cur = [], [line[0]]
    for p, q in zip(line, line[1:]):
        bp, bq = band(p), band(q)
        while bp != bq and abs(q[0] - p[0]) < 180:
            edge = CLIP_LON[0] + TILE * (max(bp, bq) if bq > bp else bp)
            y = p[1] + (q[1] - p[1]) * (edge - p[0]) / (q[0] - p[0])
            cur.append((edge, y))
            parts.append(cur)
            cur = [(edge, y)]
            bp += 1 if bq > bp else -1
        cur.append(q)
    parts.append(cur)
    return [c for c in parts if len(c) > 1]


def area(ring):
    s = 0.0
    for i in range(len(ring)):
        x0, y0 = ring[i - 1]
        x1, y1 = ring[i]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2


def quant(pts):
    out = []
    for x, y in pts:
        q = (int(round(x * SCALE)), int(round(y * SCALE)))
        if not out or out[-1] != q:
            out.append(q)
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/maps"
    dst = sys.argv[2] if len(sys.argv) > 2 else "assets/basemap.bin"
    land = json.load(open(os.path.join(src, "ne_50m_land.json")))
    borders = json.load(open(os.path.join(src, "ne_50m_admin_0_boundary_lines_land.json")))
    countries = json.load(open(os.path.join(src, "ne_110m_admin_0_countries.json")))

    rings = []
    for f in land["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            for ring in poly:
                ring = [tuple(p) for p in ring]
                xs = [p[0] for p in ring]
                ys = [p[1] for p in ring]
                if max(xs) < CLIP_LON[0] or min(xs) > CLIP_LON[1] or \
                   max(ys) < CLIP_LAT[0] or min(ys) > CLIP_LAT[1]:
                    continue
                whole = simplify_ring(ring, TOLERANCE)
                if len(whole) < 3 or area(whole) < MIN_RING_AREA:
                    continue
                for lon in tiles():
                    if max(xs) < lon[0] or min(xs) > lon[1]:
                        continue
                    r = quant(clip_ring(whole, lon))
                    if len(r) >= 3 and area(r) > 0:
                        rings.append(r)

    lines = []
    for f in borders["features"]:
        g = f["geometry"]
        parts = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
        for part in parts:
            for piece in clip_line([tuple(p) for p in part]):
                for cut in split_line(simplify(piece, TOLERANCE)):
                    q = quant(cut)
                    if len(q) >= 2:
                        lines.append(q)

    labels = []
    for f in countries["features"]:
        p = f["properties"]
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        # The label goes at the centroid of the country's largest piece inside
        # LABEL_BOX (so Russia's name lands in Siberia, not in the Arctic).
        best = None
        for poly in polys:
            r = clip_ring([tuple(q) for q in poly[0]], LABEL_LON, LABEL_LAT)
            if len(r) >= 3 and (best is None or area(r) > area(best)):
                best = r
        if best is None or area(best) < 4.0:
            continue
        x, y = centroid(best)
        name = (p.get("NAME") or p.get("ADMIN")).upper().encode("utf-8")[:255]
        labels.append((int(round(x * SCALE)), int(round(y * SCALE)),
                       int(p.get("LABELRANK", 5)), name))
    labels.sort(key=lambda l: (l[2], l[3]))

    out = bytearray(b"SALVOMAP")
    out += struct.pack("<I", 1)
    for layer in (rings, lines):
        out += struct.pack("<I", len(layer))
        for pts in layer:
            out += struct.pack("<I", len(pts))
            for x, y in pts:
                out += struct.pack("<hh", x, y)
    out += struct.pack("<I", len(labels))
    for x, y, rank, name in labels:
        out += struct.pack("<hhBB", x, y, rank, len(name)) + name
    with open(dst + ".tmp", "wb") as fp:
        fp.write(out)
    os.replace(dst + ".tmp", dst)
    npts = sum(len(r) for r in rings) + sum(len(l) for l in lines)
    print("%s: %d land rings, %d border lines, %d points, %d labels, %d bytes"
          % (dst, len(rings), len(lines), npts, len(labels), len(out)))


if __name__ == "__main__":
    main()
