#!/usr/bin/env python3
"""Per-call cost of a never-seen expression text whose kernel nejit already
has: the same computation under new variable names (pandas' temporaries),
with new literal values, or merely spelled differently.

    .venv/bin/python bench/bench_cache_key.py [--reps 200] [--before DIR]

Each sample is one ne.evaluate (or ne.compile) of a text never seen in the
process, after one warm-up call that compiled its structure. Runs in a
fresh process with an empty cache directory and one thread; medians in
microseconds over --reps samples, 1000-element float64 arrays. --before DIR
runs the same in another checkout (say /work/main) for comparison; there,
new names and new literals made new cache keys, so those samples were cold
compiles (capped at 40 samples to keep the run short).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, statistics, sys, time
import numpy as np
import nejit as ne

ne.set_num_threads(1)
reps = int(sys.argv[1])
a = np.linspace(0.5, 7.5, 1000)
b = np.linspace(3.0, -1.0, 1000)

def median_us(make, call, n):
    times = []
    for k in range(n):
        args = make(k)
        t0 = time.perf_counter_ns()
        call(*args)
        times.append((time.perf_counter_ns() - t0) / 1e3)
    return statistics.median(times)

def renamed(k):
    x, y = "Series_0_0x7f%08x" % k, "Series_1_0x7f%08x" % k
    return ("%s*2.5 + %s*%s - 4" % (x, y, x), {x: a, y: b})

def literal(k):
    return ("a*%r + b*a - %d" % (2.5 + k / 1024, k + 5), {"a": a, "b": b})

def respelled(k):
    # 0, 1 or 2 spaces in each gap, by the base-3 digits of k.
    parts = ["a", "*", "2.5", "+", "b", "*", "a", "-", "4"]
    text = ""
    for part in parts:
        text += part + " " * (k % 3)
        k //= 3
    return (text + " " * (k + 1), {"a": a, "b": b})

def evaluate(expr, local):
    ne.evaluate(expr, local_dict=local)

def compile_only(expr, local):
    ne.compile(expr, [(name, "f8") for name in sorted(local)])

ne.evaluate("a*2.5 + b*a - 4")  # compiles the structure once
before = ne.cache_stats()["compiles"]
rows = {}
for label, make in (("renamed", renamed), ("new literals", literal),
                    ("respelled", respelled)):
    # Samples are disjoint: each text is new to the process.
    rows["evaluate, " + label] = median_us(make, evaluate, reps)
    rows["compile, " + label] = median_us(lambda k: make(k + reps),
                                          compile_only, reps)
print(json.dumps({"rows": rows,
                  "compiles": ne.cache_stats()["compiles"] - before}))
"""


def run(checkout, reps):
    with tempfile.TemporaryDirectory(prefix="nejit-key-") as d:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("NEJIT_")}
        env["NEJIT_CACHE_DIR"] = d
        env["PYTHONPATH"] = str(Path(checkout) / "bindings" / "python")
        out = subprocess.run([sys.executable, "-c", CHILD, str(reps)],
                             env=env, check=True, capture_output=True,
                             text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--before", help="another checkout to compare with")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    after = run(ROOT, args.reps)
    before = run(args.before, min(args.reps, 40)) if args.before else None
    if args.json:
        print(json.dumps({"after": after, "before": before,
                          "load": os.getloadavg()}, indent=1))
        return
    print("Per call, never-seen text whose structure is compiled, median us "
          "(load average %.1f):" % os.getloadavg()[0])
    head = "| call | this checkout |" + (" before |" if before else "")
    print(head)
    print("|---|---|" + ("---|" if before else ""))
    for name, us in after["rows"].items():
        line = "| %s | %.1f |" % (name, us)
        if before:
            line += " %.1f |" % before["rows"][name]
        print(line)
    print("compiles during the samples: %d%s" % (
        after["compiles"],
        " (before: %d)" % before["compiles"] if before else ""))


if __name__ == "__main__":
    main()
