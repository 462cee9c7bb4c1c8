#!/usr/bin/env python3
"""Writes the fuzz seed corpus: one file per nejit-dis invocation in the lit
tests (test/**/*.test), in FuzzFrontend.cpp's input format

    sig:<dtypes>/<layouts>/<flags>\\n<expression>

with each variable's dtype letter taken from the RUN line's --sig, in the
order the variables first appear in the expression (the order the fuzz
target assigns them). Usage: extract_seeds.py TEST_DIR OUT_DIR; prints how
many seeds it wrote.
"""

import hashlib
import keyword
import re
import shlex
import sys
from pathlib import Path

DTYPE_LETTER = {"b1": "b", "bool": "b", "i4": "i", "int32": "i", "i8": "l",
                "int64": "l", "f4": "f", "float32": "f", "f8": "d",
                "float64": "d", "c16": "c", "complex128": "c"}
ACCURACY = {"high": "h", "low": "l", "fast": "x"}
OPTIMIZATION = {"none": "N", "moderate": "M", "aggressive": "A"}
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def variables(expr):
    """Names in order of first appearance, without calls and keywords (an
    approximation of nejit::variableNames that is good enough for seeds)."""
    names = []
    for m in IDENT.finditer(expr):
        name = m.group(0)
        rest = expr[m.end():].lstrip()
        prev = expr[:m.start()].rstrip()
        if rest.startswith("(") or keyword.iskeyword(name) or \
                name in ("True", "False", "axis") or prev[-1:].isdigit() \
                or prev.endswith(("'", '"')):
            continue
        if name not in names:
            names.append(name)
    return names


def seed_for(argv):
    """The seed for one nejit-dis argument list, or None."""
    sig, layouts, flags, expr = {}, "", "", None
    i = 1
    while i < len(argv):
        a = argv[i]
        key, _, val = a.partition("=")
        if key in ("--sig", "--layout", "--accuracy", "--optimization",
                   "--emit", "--mcpu", "--mattr") and not _:
            i += 1
            val = argv[i] if i < len(argv) else ""
        if key == "--sig":
            for item in filter(None, val.split(",")):
                name, _, dt = item.partition(":")
                sig[name] = "s" if dt.startswith("S") else \
                    DTYPE_LETTER.get(dt, "d")
        elif key == "--layout":
            layouts = val
        elif key == "--accuracy":
            flags += ACCURACY.get(val, "")
        elif key == "--optimization":
            flags += OPTIMIZATION.get(val, "")
        elif key == "--mattr" and "avx2" in val:
            flags += "1"
        elif a.startswith("-"):
            pass
        else:
            expr = a
        i += 1
    if expr is None or expr == "-":
        return None
    dtypes = "".join(sig.get(v, "d") for v in variables(expr))
    return "sig:%s/%s/%s\n%s" % (dtypes, layouts, flags, expr)


def main():
    test_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = set()
    for test in sorted(test_dir.rglob("*.test")):
        for line in test.read_text().splitlines():
            m = re.search(r"RUN:\s*(?:not\s+)?(nejit-dis\b.*)", line)
            if not m:
                continue
            # Split as the shell would, so that a '|' inside the quoted
            # expression (`a | b`) is not taken for the pipe to FileCheck.
            try:
                argv = shlex.split(m.group(1))
            except ValueError:
                continue
            if "|" in argv:
                argv = argv[:argv.index("|")]
            seed = seed_for(argv)
            if seed:
                seeds.add(seed)
                # The same text with no header: every variable float64.
                seeds.add(seed.split("\n", 1)[1])
    for s in sorted(seeds):
        name = hashlib.sha1(s.encode()).hexdigest()
        (out_dir / name).write_text(s)
    print("%d seeds from %s" % (len(seeds), test_dir))


if __name__ == "__main__":
    main()
