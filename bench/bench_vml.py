#!/usr/bin/env python3
"""Sleef vs VML (Intel MKL) per function: time per element and max ULP.

    PYTHONPATH=bindings/python .venv/bin/python bench/bench_vml.py \\
        [--sizes 1e3,1e5,1e7] [--threads 1,2] [--dtype f8] [--ulp] [FUNC ...]

For every function, size and thread count it times nejit's kernel
``out = f(a)`` (``f(a, b)`` for the binary ones) compiled for each backend
and accuracy mode -- Sleef high (u10) and low (u35), VML HA, LA and EP --
into a preallocated output, and prints the median ns per element as a
Markdown table (docs/performance.md). With --ulp it also prints the max ULP
error of each against mpmath on test_accuracy.py's grids (docs/accuracy.md).
A second table times fused expressions, where VML runs as a block loop.
Medians over repeats; compare the ratios within one run (the machine is
shared).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import nejit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))

VARIANTS = [("sleef", "high"), ("sleef", "low"), ("vml", "high"),
            ("vml", "low"), ("vml", "fast")]
HEADERS = ["Sleef u10", "Sleef u35", "VML HA", "VML LA", "VML EP"]

UNARY_DOMAIN = {
    "sin": (-10, 10), "cos": (-10, 10), "tan": (-1.5, 1.5),
    "arcsin": (-1, 1), "arccos": (-1, 1), "arctan": (-10, 10),
    "sinh": (-5, 5), "cosh": (-5, 5), "tanh": (-5, 5),
    "arcsinh": (-10, 10), "arccosh": (1, 10), "arctanh": (-0.99, 0.99),
    "exp": (-10, 10), "expm1": (-2, 2), "log": (0.01, 100),
    "log10": (0.01, 100), "log1p": (-0.5, 10), "log2": (0.01, 100),
}
BINARY_DOMAIN = {"arctan2": (-10, 10), "hypot": (-10, 10), "pow": (0.1, 10)}
FUSED = ["2*sin(a) + 3*cos(a)", "exp(-a*a/2) * b", "log(1 + exp(a))",
         "where(a > 0, sqrt(a) * log(a), exp(a))"]


def expr_of(name):
    if name == "pow":
        return "a ** b"
    return f"{name}(a, b)" if name in BINARY_DOMAIN else f"{name}(a)"


def time_kernel(k, args, out, min_time=0.2, max_reps=200):
    k(*args, out=out)  # compile the layout variant, warm the caches
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < min_time
                             and len(times) < max_reps):
        t0 = time.perf_counter()
        k(*args, out=out)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(expr, sig, args, n, threads):
    cells = []
    out = np.empty(n, dtype=nejit.compile(expr, sig, backend="sleef").result_dtype)
    nejit.set_num_threads(threads)
    for backend, mode in VARIANTS:
        if backend == "vml" and not nejit.use_vml:
            cells.append("n/a")
            continue
        k = nejit.compile(expr, sig, accuracy=mode, backend=backend)
        t = time_kernel(k, args, out)
        cells.append(f"{t / n * 1e9:.2f}")
    return cells


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e3,1e5,1e7")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtype", default="f8")
    ap.add_argument("--ulp", action="store_true")
    ap.add_argument("--no-fused", action="store_true")
    ap.add_argument("funcs", nargs="*")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    names = args.funcs or list(UNARY_DOMAIN) + list(BINARY_DOMAIN)
    status = nejit.vml_status()
    print(f"nejit {nejit._nejit.version_string()}")
    print(f"MKL: {status['version'] or status['problem']}")
    rng = np.random.default_rng(0)
    old_threads = nejit.get_num_threads()

    print(f"\n### ns per element, {args.dtype}, median\n")
    print("| function | n | threads | " + " | ".join(HEADERS) + " |")
    print("|---" * (3 + len(HEADERS)) + "|")
    for name in names:
        lo, hi = (UNARY_DOMAIN | BINARY_DOMAIN)[name]
        binary = name in BINARY_DOMAIN
        sig = [("a", args.dtype)] + ([("b", args.dtype)] if binary else [])
        for n in sizes:
            a = rng.uniform(lo, hi, n).astype(args.dtype)
            ops = (a, rng.uniform(lo, hi, n).astype(args.dtype)) if binary else (a,)
            for t in threads:
                cells = row(expr_of(name), sig, ops, n, t)
                print(f"| {name} | {n:.0e} | {t} | " + " | ".join(cells) + " |",
                      flush=True)

    if not args.no_fused:
        print(f"\n### fused expressions (block loop), ns per element, {args.dtype}\n")
        print("| expression | n | threads | " + " | ".join(HEADERS) + " |")
        print("|---" * (3 + len(HEADERS)) + "|")
        sig = [("a", args.dtype), ("b", args.dtype)]
        for expr in FUSED:
            for n in sizes:
                ops = (rng.uniform(-3, 3, n).astype(args.dtype),
                       rng.uniform(-3, 3, n).astype(args.dtype))
                for t in threads:
                    cells = row(expr, sig, ops, n, t)
                    print(f"| `{expr}` | {n:.0e} | {t} | " + " | ".join(cells)
                          + " |", flush=True)
    nejit.set_num_threads(old_threads)

    if args.ulp:
        import test_accuracy as A
        print(f"\n### max ULP against mpmath ({args.dtype})\n")
        print("| function | " + " | ".join(HEADERS) + " |")
        print("|---" * (1 + len(HEADERS)) + "|")
        for name in names:
            cells = []
            for backend, mode in VARIANTS:
                if backend == "vml" and not nejit.use_vml:
                    cells.append("n/a")
                    continue
                n = 2000 if args.dtype == "f4" else 600
                cells.append(f"{A.measure(name, args.dtype, mode, n=n, backend=backend):.3g}")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
