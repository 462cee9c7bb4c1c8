"""nejit against numexpr, numpy and numba on the same arrays, same threads.

Each expression runs on 1e7-element float64 arrays writing into a
preallocated output (numpy cannot, so it allocates), median of N runs, at 1
and 2 threads. numba's kernels are hand-written parallel loops (prange), the
best case for numba. The "GB/s" column is the bytes an ideal fused loop moves
(inputs read once, output written once) divided by nejit's time: compare it
with the machine's STREAM triad bandwidth to see how close to the memory
floor a memory-bound expression gets.

    .venv/bin/python bench/bench_vs_numba.py [--n 10000000] [--repeat 9]
"""

import argparse
import statistics
import time

import numba
import numexpr
import numpy as np

import nejit


@numba.njit(parallel=True, fastmath=False)
def nb_lin(a, b, out):
    for i in numba.prange(a.size):
        out[i] = 2 * a[i] + 3 * b[i]


@numba.njit(parallel=True, fastmath=False)
def nb_cmp(a, b, out):
    for i in numba.prange(a.size):
        out[i] = a[i] * b[i] - 4.1 * a[i] > 2.5 * b[i]


@numba.njit(parallel=True, fastmath=False)
def nb_trig(a, b, out):
    for i in numba.prange(a.size):
        out[i] = np.sin(a[i]) ** 2 + np.cos(a[i]) ** 2


@numba.njit(parallel=True, fastmath=False)
def nb_expcos(a, b, out):
    for i in numba.prange(a.size):
        out[i] = np.exp(-a[i]) * np.cos(b[i])


@numba.njit(parallel=True, fastmath=False)
def nb_where(a, b, out):
    for i in numba.prange(a.size):
        out[i] = np.log(a[i]) if a[i] > 0.5 else b[i]


CASES = [
    # expression, numpy version, numba kernel, output dtype, arrays moved
    ("2*a + 3*b", lambda a, b: 2 * a + 3 * b, nb_lin, np.float64, 3),
    ("a*b - 4.1*a > 2.5*b", lambda a, b: a * b - 4.1 * a > 2.5 * b, nb_cmp,
     np.bool_, 2),
    ("sin(a)**2 + cos(a)**2", lambda a, b: np.sin(a) ** 2 + np.cos(a) ** 2,
     nb_trig, np.float64, 2),
    ("exp(-a) * cos(b)", lambda a, b: np.exp(-a) * np.cos(b), nb_expcos,
     np.float64, 3),
    ("where(a > 0.5, log(a), b)",
     lambda a, b: np.where(a > 0.5, np.log(a), b), nb_where, np.float64, 3),
]


def median_ms(fn, repeat):
    fn()  # warm up: compile, page in
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--repeat", type=int, default=9)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    a = rng.random(args.n)
    b = rng.random(args.n)
    print(f"nejit {nejit.__version__}, numexpr {numexpr.__version__}, "
          f"numpy {np.__version__}, numba {numba.__version__}; "
          f"n = {args.n:,} float64; median of {args.repeat}")
    for threads in (1, 2):
        nejit.set_num_threads(threads)
        numexpr.set_num_threads(threads)
        numba.set_num_threads(threads)
        print(f"\nthreads: {threads} (numpy: 1)")
        print(f"{'expression':27} | {'nejit':>7} | {'numexpr':>7} | "
              f"{'numpy':>7} | {'numba':>7} | {'GB/s':>5} | check")
        print("-" * 80)
        for ex, np_fn, nb_fn, dtype, arrays in CASES:
            out = np.empty(args.n, dtype=dtype)
            env = {"a": a, "b": b}
            t_ne = median_ms(lambda: nejit.evaluate(ex, local_dict=env,
                                                    out=out), args.repeat)
            ours = out.copy()
            t_nx = median_ms(lambda: numexpr.evaluate(ex, local_dict=env,
                                                      out=out), args.repeat)
            t_np = median_ms(lambda: np_fn(a, b), args.repeat)
            t_nb = median_ms(lambda: nb_fn(a, b, out), args.repeat)
            ref = np_fn(a, b)
            ok = ours.dtype == ref.dtype and np.allclose(ours, ref)
            moved = (arrays - 1) * a.nbytes + out.nbytes
            print(f"{ex:27} | {t_ne:7.2f} | {t_nx:7.2f} | {t_np:7.2f} | "
                  f"{t_nb:7.2f} | {moved / t_ne / 1e6:5.1f} | "
                  f"{'ok' if ok else 'MISMATCH'}")
            if not ok:
                raise SystemExit(f"nejit's result for {ex!r} differs from numpy")


if __name__ == "__main__":
    main()
