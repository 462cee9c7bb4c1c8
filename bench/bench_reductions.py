"""Reductions: nejit vs numexpr vs numpy, median of 5, 1 and 2 threads.

    .venv/bin/python bench/bench_reductions.py
"""
import time

import numexpr
import numpy as np

import nejit


def median_ms(fn, repeat=5):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[repeat // 2] * 1e3


def main():
    rng = np.random.default_rng(0)
    a = rng.random(10_000_000)
    b = rng.random(10_000_000)
    m = rng.random((2000, 5000))
    cases = [
        ("sum(a*b)", lambda: (a * b).sum(), {"a": a, "b": b}),
        ("max(a)", lambda: a.max(), {"a": a}),
        ("sum(m, axis=0)", lambda: m.sum(axis=0), {"m": m}),
        ("sum(m, axis=1)", lambda: m.sum(axis=1), {"m": m}),
        ("sum(m**2, axis=0)", lambda: (m**2).sum(axis=0), {"m": m}),
    ]
    print("1e7 float64 vectors, a 2000x5000 float64 matrix; ms, numpy 1 thread")
    for threads in (1, 2):
        nejit.set_num_threads(threads)
        numexpr.set_num_threads(threads)
        print(f"\nthreads: {threads}")
        print(f"{'expression':18} | {'nejit':>7} | {'numexpr':>7} | {'numpy':>7}")
        for ex, np_fn, env in cases:
            got = nejit.evaluate(ex, local_dict=env)
            if not np.allclose(got, np_fn()):
                raise SystemExit(f"nejit's {ex!r} differs from numpy")
            t_ne = median_ms(lambda: nejit.evaluate(ex, local_dict=env))
            t_nx = median_ms(lambda: numexpr.evaluate(ex, local_dict=env))
            print(f"{ex:18} | {t_ne:7.2f} | {t_nx:7.2f} | {median_ms(np_fn):7.2f}")


if __name__ == "__main__":
    main()
