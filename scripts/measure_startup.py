#!/usr/bin/env python3
"""Start-up cost of nejit against numexpr, in the interpreter that runs this.

Run it with the python of a venv that has both installed (for the wheel: a
fresh venv with the wheel, numpy and numexpr; docs/performance.md has the
commands). For each module, in fresh interpreters:
  import  median of N `python -X importtime -c "import M"`: M's cumulative
          time (it includes numpy's import, as both import numpy)
  RSS     VmRSS after `import M` and one evaluate("2*a + 3*b") on 1000
          float64 elements (median of N)
  size    the installed package's files on disk, and the wheel (if given)

Usage: measure_startup.py [-n 10] [--wheel PATH ...]
"""

import argparse
import os
import statistics
import subprocess
import sys

RSS_CODE = """
import numpy as np, {m} as M
a = np.arange(1000.0); b = np.ones(1000)
M.evaluate("2*a + 3*b")
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]))
"""


def import_ms(module):
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                       capture_output=True, text=True, check=True)
    # "import time: self [us] | cumulative | imported package"; the
    # top-level line of the module is the last one naming it unindented.
    for line in reversed(p.stderr.splitlines()):
        parts = [s.strip() for s in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def rss_mb(module):
    out = subprocess.run([sys.executable, "-c", RSS_CODE.format(m=module)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) / 1024


def package_mb(module):
    import importlib.util
    spec = importlib.util.find_spec(module)
    root = os.path.dirname(spec.origin)
    dirs = [root]
    libs = root + ".libs"  # auditwheel's vendored libraries
    if os.path.isdir(libs):
        dirs.append(libs)
    total = 0
    for d in dirs:
        for dirpath, _, files in os.walk(d):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    return total / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--wheel", nargs="*", default=[])
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]} at {sys.prefix}, median of {args.n}")
    print(f"{'module':8} {'import ms':>10} {'RSS MB':>8} {'on disk MB':>11}")
    # Interleaved, so that a busy moment of a shared machine hits both.
    mods = ("numexpr", "nejit")
    imp = {m: [] for m in mods}
    rss = {m: [] for m in mods}
    for _ in range(args.n):
        for m in mods:
            imp[m].append(import_ms(m))
            rss[m].append(rss_mb(m))
    for m in mods:
        print(f"{m:8} {statistics.median(imp[m]):10.1f} "
              f"{statistics.median(rss[m]):8.1f} {package_mb(m):11.1f}")
    for w in args.wheel:
        print(f"wheel {os.path.basename(w)}: {os.path.getsize(w) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
