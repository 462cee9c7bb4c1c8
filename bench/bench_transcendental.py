#!/usr/bin/env python3
"""Transcendental expressions: nejit vs numexpr vs numpy.

    PYTHONPATH=bindings/python .venv/bin/python bench/bench_transcendental.py [--threads N] [--runs R] [--sizes 1e6,1e7]

Median of R runs each (after one warm-up run that also compiles), all
libraries at the same thread count. Prints a markdown table in ms.
"""
import argparse
import statistics
import time

import numexpr as ne
import numpy as np

import nejit

EXPRS = {
    "sin(a)": lambda a, b: np.sin(a),
    "exp(a)": lambda a, b: np.exp(a),
    "log(a)": lambda a, b: np.log(a),
    "sin(a)**2+cos(a)**2": lambda a, b: np.sin(a) ** 2 + np.cos(a) ** 2,
    "arctan2(a,b)": lambda a, b: np.arctan2(a, b),
    "a**b": lambda a, b: a ** b,
}


def median_ms(fn, runs):
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sizes", default="1e6,1e7")
    args = ap.parse_args()
    nejit.set_num_threads(args.threads)
    ne.set_num_threads(args.threads)
    print(f"threads={args.threads} runs={args.runs} (median ms); numpy is single-threaded")
    print("| expr | dtype | n | nejit | numexpr | numpy | nejit speed-up vs numexpr |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for size in (int(float(s)) for s in args.sizes.split(",")):
        for dt in ("f4", "f8"):
            a = rng.uniform(0.1, 10, size).astype(dt)
            b = rng.uniform(0.1, 3, size).astype(dt)
            out = np.empty_like(a)
            for expr, npf in EXPRS.items():
                env = {"a": a, "b": b}
                t_nj = median_ms(lambda: nejit.evaluate(expr, local_dict=env, out=out), args.runs)
                t_ne = median_ms(lambda: ne.evaluate(expr, local_dict=env, out=out), args.runs)
                t_np = median_ms(lambda: npf(a, b), args.runs)
                print(f"| {expr} | {dt} | {size:.0e} | {t_nj:.2f} | {t_ne:.2f} | {t_np:.2f} | {t_ne / t_nj:.1f}x |",
                      flush=True)
    a = rng.uniform(0, 1, 10**7)
    b = rng.uniform(0, 1, 10**7)
    out = np.empty_like(a)
    for th in sorted({1, args.threads}):
        nejit.set_num_threads(th)
        ne.set_num_threads(th)
        t_nj = median_ms(lambda: nejit.evaluate("2*a+3*b", local_dict={"a": a, "b": b}, out=out), args.runs)
        t_ne = median_ms(lambda: ne.evaluate("2*a+3*b", local_dict={"a": a, "b": b}, out=out), args.runs)
        print(f"| 2*a+3*b (threads={th}) | f8 | 1e+07 | {t_nj:.2f} | {t_ne:.2f} | "
              f"{median_ms(lambda: 2*a+3*b, args.runs):.2f} | {t_ne / t_nj:.1f}x |")


if __name__ == "__main__":
    main()
