#!/usr/bin/env python3
"""Per-call overhead of evaluate("2*a + 3*b") on small arrays:
nejit vs numexpr vs numpy (local variables, best of 5 runs)."""

import sys
import time

import numpy as np

try:
    import numexpr
except ImportError:  # pragma: no cover
    numexpr = None
import nejit


def _loop(ev, n, size):
    a = np.arange(float(size))
    b = np.arange(float(size))
    t0 = time.perf_counter()
    for _ in range(n):
        ev("2*a + 3*b")
    return (time.perf_counter() - t0) / n


def _loop_numpy(n, size):
    a = np.arange(float(size))
    b = np.arange(float(size))
    t0 = time.perf_counter()
    for _ in range(n):
        2 * a + 3 * b
    return (time.perf_counter() - t0) / n


def main(size=10, n=100_000):
    rows = [("nejit", lambda k: _loop(nejit.evaluate, k, size))]
    if numexpr is not None:
        rows.append(("numexpr", lambda k: _loop(numexpr.evaluate, k, size)))
    rows.append(("numpy", lambda k: _loop_numpy(k, size)))
    res = {}
    for name, f in rows:
        f(1000)
        res[name] = min(f(n) for _ in range(5))
        print(f"{name:8s} {res[name] * 1e6:7.3f} us per call ({size} elements)")
    if "numexpr" in res:
        print(f"nejit is {res['numexpr'] / res['nejit']:.1f}x cheaper than numexpr")
    return res


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
