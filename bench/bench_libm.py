#!/usr/bin/env python3
"""The libm math backend: nejit (backend='libm', and the default Sleef for
reference) vs numexpr 2.14.2, which calls the same C library functions.

    PYTHONPATH=bindings/python .venv/bin/python bench/bench_libm.py [--threads 1,2] [--runs R] [--size 1e6]

After a warm-up (which also compiles), R rounds; each round times nejit
libm, nejit Sleef and numexpr once each, in an order that rotates from
round to round (so that a burst of load from other processes falls on all
three alike); the table gives each one's median over the rounds. nejit and
numexpr run at the same thread count, results into a preallocated `out`.
The load average is printed before and after.
Every libm result is checked to be numexpr's bytes before it is timed.
Prints a markdown table in ms.
"""
import argparse
import os
import statistics
import time

import numexpr as ne
import numpy as np

import nejit

EXPRS = [
    ("sin(a)", "f8"), ("exp(a)", "f8"), ("log(a)", "f8"),
    ("arctan2(a,b)", "f8"), ("a**b", "f8"),
    ("sin(a)**2+cos(a)**2", "f8"), ("exp(-a*a/2)*b+log1p(b)", "f8"),
    ("sin(a)", "f4"), ("exp(a)", "f4"), ("a**b", "f4"),
    ("sin(a)**2+cos(a)**2", "f4"),
    ("exp(z)", "c16"), ("sin(z)", "c16"), ("log(z)+z*z", "c16"),
]


def interleaved_medians_ms(fns, runs):
    for fn in fns:
        fn()
    ts = [[] for _ in fns]
    for r in range(runs):
        for k in range(len(fns)):
            i = (k + r) % len(fns)
            t = time.perf_counter()
            fns[i]()
            ts[i].append(time.perf_counter() - t)
    return [statistics.median(t) * 1e3 for t in ts]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--size", type=float, default=1e6)
    args = ap.parse_args()
    n = int(args.size)
    rng = np.random.default_rng(0)
    print(f"n={n:.0e} runs={args.runs} (median ms), load average "
          f"{os.getloadavg()[0]:.2f}")
    print("| expr | dtype | threads | nejit libm | nejit sleef | numexpr "
          "| libm speed-up vs numexpr |")
    print("|---|---|---|---|---|---|---|")
    for th in (int(t) for t in args.threads.split(",")):
        nejit.set_num_threads(th)
        ne.set_num_threads(th)
        for expr, dt in EXPRS:
            real = "f4" if dt == "f4" else "f8"
            a = rng.uniform(0.1, 10, n).astype(real)
            b = rng.uniform(0.1, 3, n).astype(real)
            z = a / 4 + 1j * b
            env = {"a": a, "b": b, "z": z}
            out = np.empty(n, dtype="c16" if dt == "c16" else real)
            want = ne.evaluate(expr, local_dict=env)
            got = nejit.evaluate(expr, local_dict=env, backend="libm")
            assert got.tobytes() == want.tobytes(), expr
            t_libm, t_sleef, t_ne = interleaved_medians_ms([
                lambda: nejit.evaluate(expr, local_dict=env, out=out,
                                       backend="libm"),
                lambda: nejit.evaluate(expr, local_dict=env, out=out,
                                       backend="sleef"),
                lambda: ne.evaluate(expr, local_dict=env, out=out)],
                args.runs)
            print(f"| {expr} | {dt} | {th} | {t_libm:.2f} | {t_sleef:.2f} "
                  f"| {t_ne:.2f} | {t_ne / t_libm:.2f}x |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
