"""Per-call cost of evaluate("2*a+3*b") at 10, 1,000 and 100,000 elements:
nejit vs numexpr vs numpy, each allocating its result, 1 thread.

    .venv/bin/python bench/bench_per_call.py
"""
import timeit

import numexpr
import numpy as np

import nejit


def main():
    nejit.set_num_threads(1)
    numexpr.set_num_threads(1)
    print(f"{'elements':>9} | {'nejit':>10} | {'numexpr':>10} | {'numpy':>10}")
    for n in (10, 1000, 100_000):
        a = np.random.rand(n)
        b = np.random.rand(n)
        env = {"a": a, "b": b}
        calls = {
            "nejit": lambda: nejit.evaluate("2*a+3*b", local_dict=env),
            "numexpr": lambda: numexpr.evaluate("2*a+3*b", local_dict=env),
            "numpy": lambda: 2 * a + 3 * b,
        }
        loops = 20000 if n < 100_000 else 2000
        row = []
        for fn in calls.values():
            fn()  # compile / warm up
            best = sorted(timeit.repeat(fn, number=loops, repeat=7))[3]
            row.append(best / loops * 1e6)
        print(f"{n:>9,} | " + " | ".join(f"{t:7.2f} µs" for t in row))


if __name__ == "__main__":
    main()
