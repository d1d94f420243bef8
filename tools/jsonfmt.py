"""Compact, readable JSON: a container goes on one line when it fits."""
import json

WIDTH = 120


def _s(x):
    return json.dumps(x, ensure_ascii=False, separators=(", ", ": "))


def dumps(v, indent=0, used=0):
    """used = characters already on the current line before this value."""
    flat = _s(v)
    if not isinstance(v, (dict, list)) or used + len(flat) <= WIDTH:
        return flat
    pad = " " * (indent + 2)
    if isinstance(v, dict):
        items = []
        for k, x in v.items():
            head = pad + _s(k) + ": "
            items.append(head + dumps(x, indent + 2, len(head)))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if all(not isinstance(x, dict) for x in v) and all(len(_s(x)) < 40 for x in v):
        lines, cur = [], ""
        for x in v:
            s = _s(x)
            if cur and len(pad) + len(cur) + len(s) + 2 > WIDTH:
                lines.append(cur)
                cur = ""
            cur = cur + (", " if cur else "") + s
        lines.append(cur)
        return "[\n" + ",\n".join(pad + l for l in lines) + "\n" + " " * indent + "]"
    items = [pad + dumps(x, indent + 2, len(pad)) for x in v]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def write(path, doc):
    with open(path, "w") as f:
        f.write(dumps(doc) + "\n")


if __name__ == "__main__":
    # Usage: python3 tools/jsonfmt.py FILE... — rewrite scenario files in the
    # compact layout the shipped scenarios use (key order kept).
    import sys
    for p in sys.argv[1:]:
        with open(p) as f:
            write(p, json.load(f))
