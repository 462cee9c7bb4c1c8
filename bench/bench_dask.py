"""nejit in dask and pandas: nejit.dask.evaluate vs dask's own array
arithmetic vs numexpr in map_blocks on a 2-worker LocalCluster, and
DataFrame.eval/query with engine="nejit" vs engine="numexpr".

    .venv/bin/python bench/bench_dask.py [--n 8000] [--chunk 2000]
                                         [--rows 10000000] [--repeat 5]

Part 1: two persisted n x n float64 arrays (default 8000 x 8000, 512 MB
each) on distributed.LocalCluster(n_workers=2, threads_per_worker=1,
processes=True) on the loopback interface. Each expression is built three
ways — nejit.dask.evaluate, dask.array arithmetic, and numexpr.evaluate per
block in map_blocks (reductions: a per-block numexpr reduction and dask's
combine) — warmed up once, then timed ``--repeat`` times: elementwise results
are persisted on the workers (never sent to the client), reductions are
computed. Medians; every result is checked against dask's.

Part 2 (this process): a frame of ``--rows`` rows, df.eval/df.query with
engine="nejit" and engine="numexpr", medians of ``--repeat``. numexpr and
nejit run on all cores here (their defaults).

Part 3 (this process): nejit.dask.evaluate under dask's threaded scheduler
with 1, 2 or 4 dask threads times 1 or 2 nejit threads per task, on an
(n/2) x (n/2) problem: what oversubscription costs.
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.core  # noqa: E402
import distributed  # noqa: E402
import numexpr  # noqa: E402
import pandas as pd  # noqa: E402

import nejit  # noqa: E402
import nejit.dask as nd  # noqa: E402
import nejit.pandas  # noqa: E402,F401

ELEMENTWISE = [
    ("2*a + 3*b", lambda a, b: 2 * a + 3 * b),
    ("a*b - a/(b + 1)", lambda a, b: a * b - a / (b + 1)),
    ("sqrt(a*a + b*b)", lambda a, b: da.sqrt(a * a + b * b)),
    ("where(a > b, a - b, b - a)", lambda a, b: da.where(a > b, a - b, b - a)),
    ("sin(a)**2 + cos(b)**2", lambda a, b: da.sin(a) ** 2 + da.cos(b) ** 2),
    ("exp(-a) * b + 1", lambda a, b: da.exp(-a) * b + 1),
]
REDUCTIONS = [
    ("sum(a*b)", lambda a, b: (a * b).sum(), "sum", None),
    ("sum(a - 2*b, axis=0)", lambda a, b: (a - 2 * b).sum(axis=0), "sum", 0),
    ("max(a*b + 1, axis=1)", lambda a, b: (a * b + 1).max(axis=1), "max", 1),
    ("min(where(a > 0.5, a, b))",
     lambda a, b: da.where(a > 0.5, a, b).min(), "min", None),
]


def _numexpr_block(expr):
    def run(x, y):
        return numexpr.evaluate(expr, local_dict={"a": x, "b": y})
    return run


def _numexpr_partial(expr, axis):
    def run(x, y):
        r = numexpr.evaluate(expr, local_dict={"a": x, "b": y})
        return r.reshape(1, 1) if axis is None else np.expand_dims(r, axis)
    return run


def _numexpr_reduction(expr, op, axis, a, b):
    chunks = [list(c) for c in a.chunks]
    for ax in ((0, 1) if axis is None else (axis,)):
        chunks[ax] = [1] * len(chunks[ax])
    partials = da.map_blocks(_numexpr_partial(expr, axis), a, b,
                             chunks=tuple(tuple(c) for c in chunks),
                             dtype="f8")
    reduce_axis = None if axis is None else axis
    return getattr(partials, op)(axis=reduce_axis)


def median_seconds(fn, repeat, cleanup=None):
    """Median wall time of fn() over ``repeat`` runs after one warm-up (which
    compiles on the workers and fills caches); ``cleanup(fn's result)`` runs
    after each, untimed, given a one-item list it may empty (so that it can
    drop the last reference)."""
    box = [fn()]
    if cleanup:
        cleanup(box)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        box = [fn()]
        times.append(time.perf_counter() - t)
        if cleanup:
            cleanup(box)
    return statistics.median(times)


def part_cluster(args):
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=40,
        env={"PYTHONPATH": os.pathsep.join(sys.path)})
    client = distributed.Client(cluster)
    n, c = args.n, args.chunk
    a = da.random.default_rng(1).random((n, n), chunks=c)
    b = da.random.default_rng(2).random((n, n), chunks=c)
    a, b = client.persist([a, b])
    distributed.wait([a, b])
    threads = client.run(lambda: (nejit.get_num_threads(),
                                  numexpr.get_num_threads()))
    print(f"## {n}x{n} float64 in {c}x{c} chunks, LocalCluster 2 workers x 1 "
          f"thread (nejit, numexpr threads per worker: "
          f"{sorted(set(threads.values()))})\n")
    print("| expression | nejit.dask | dask arithmetic | numexpr map_blocks "
          "| dask / nejit | numexpr / nejit |")
    print("|---|---|---|---|---|---|")

    def persist_time(make):
        # Graph keys are deterministic (for dask's arithmetic and for
        # nejit.dask alike): a result still held on the cluster would be
        # reused, not recomputed. So each timed persist is released, and
        # the scheduler has forgotten its keys, before the next one starts.
        def fn():
            r = client.persist(make())
            distributed.wait(r)
            return r

        def release(box):
            # Dropping the last reference releases the keys the normal way
            # (client.cancel and an immediate resubmission of the same keys
            # race in distributed and can cancel the new futures).
            keys = list(dask.core.flatten(box[0].__dask_keys__()))
            box.clear()
            while client.run_on_scheduler(
                    lambda dask_scheduler, keys=keys: any(
                        k in dask_scheduler.tasks for k in keys)):
                time.sleep(0.02)
        return median_seconds(fn, args.repeat, release)

    ratios_dask, ratios_ne = [], []
    for expr, dask_fn in ELEMENTWISE:
        ours = nd.evaluate(expr, local_dict={"a": a, "b": b})
        ref = dask_fn(a, b)
        err = float(abs(ours - ref).max().compute())
        if not err <= 1e-12:
            raise SystemExit(f"{expr}: nejit.dask differs from dask by {err}")
        t_ne = persist_time(lambda: nd.evaluate(expr, local_dict={"a": a, "b": b}))
        t_da = persist_time(lambda: dask_fn(a, b))
        t_nx = persist_time(lambda: da.map_blocks(_numexpr_block(expr), a, b,
                                                  dtype="f8"))
        ratios_dask.append(t_da / t_ne)
        ratios_ne.append(t_nx / t_ne)
        print(f"| `{expr}` | {t_ne * 1e3:.0f} ms | {t_da * 1e3:.0f} ms | "
              f"{t_nx * 1e3:.0f} ms | {t_da / t_ne:.2f}x | {t_nx / t_ne:.2f}x |")
    for expr, dask_fn, op, axis in REDUCTIONS:
        ours = nd.evaluate(expr, local_dict={"a": a, "b": b}).compute()
        ref = dask_fn(a, b).compute()
        if not np.allclose(ours, ref, rtol=1e-9):
            raise SystemExit(f"{expr}: nejit.dask differs from dask")
        t_ne = median_seconds(lambda: nd.evaluate(
            expr, local_dict={"a": a, "b": b}).compute(), args.repeat)
        t_da = median_seconds(lambda: dask_fn(a, b).compute(), args.repeat)
        t_nx = median_seconds(lambda: _numexpr_reduction(
            expr, op, axis, a, b).compute(), args.repeat)
        ratios_dask.append(t_da / t_ne)
        ratios_ne.append(t_nx / t_ne)
        print(f"| `{expr}` | {t_ne * 1e3:.0f} ms | {t_da * 1e3:.0f} ms | "
              f"{t_nx * 1e3:.0f} ms | {t_da / t_ne:.2f}x | {t_nx / t_ne:.2f}x |")
    geo = lambda r: math.exp(sum(map(math.log, r)) / len(r))  # noqa: E731
    print(f"\ngeomean: dask arithmetic / nejit.dask = {geo(ratios_dask):.2f}x, "
          f"numexpr map_blocks / nejit.dask = {geo(ratios_ne):.2f}x")
    stats = client.run(nejit.cache_stats)
    print("worker JIT compiles: %s" % sorted(s["compiles"] for s in stats.values()))
    client.close()
    cluster.close()


def part_pandas(args):
    rng = np.random.default_rng(0)
    rows = args.rows
    df = pd.DataFrame({"a": rng.random(rows), "b": rng.random(rows),
                       "c": rng.random(rows),
                       "i": rng.integers(0, 100, rows)})
    print(f"\n## DataFrame of {rows:,} rows (3 float64, 1 int64 columns), "
          f"nejit {nejit.get_num_threads()} threads, numexpr "
          f"{numexpr.get_num_threads()} threads\n")
    print("| call | engine=\"nejit\" | engine=\"numexpr\" | numexpr / nejit |")
    print("|---|---|---|---|")
    cases = [
        ("df.eval(\"a*b + c\")", lambda e: df.eval("a*b + c", engine=e)),
        ("df.eval(\"sin(a)**2 + cos(b)**2\")",
         lambda e: df.eval("sin(a)**2 + cos(b)**2", engine=e)),
        ("df.eval(\"a*b - c*i + 2\")", lambda e: df.eval("a*b - c*i + 2", engine=e)),
        ("df.query(\"a > 0.5 & b < c\")",
         lambda e: df.query("a > 0.5 & b < c", engine=e)),
        ("df.query(\"(a*b > c) & (i < 50)\")",
         lambda e: df.query("(a*b > c) & (i < 50)", engine=e)),
    ]
    for name, fn in cases:
        if isinstance(fn("nejit"), pd.Series):
            pd.testing.assert_series_equal(fn("nejit"), fn("numexpr"),
                                           check_exact=False, rtol=1e-12)
        else:
            pd.testing.assert_frame_equal(fn("nejit"), fn("numexpr"))
        t_ne = median_seconds(lambda: fn("nejit"), args.repeat)
        t_nx = median_seconds(lambda: fn("numexpr"), args.repeat)
        print(f"| `{name}` | {t_ne * 1e3:.1f} ms | {t_nx * 1e3:.1f} ms | "
              f"{t_nx / t_ne:.2f}x |")


def part_threads(args):
    """dask's threaded scheduler: dask threads x nejit threads per task."""
    import dask

    n = args.n // 2
    rng = np.random.default_rng(3)
    an, bn = rng.random((n, n)), rng.random((n, n))
    a = da.from_array(an, chunks=args.chunk // 2)
    b = da.from_array(bn, chunks=args.chunk // 2)
    print(f"\n## dask threaded scheduler, {n}x{n} float64 in "
          f"{args.chunk // 2}x{args.chunk // 2} chunks (numpy inputs, "
          f"{os.cpu_count()} cores)\n")
    print("| expression | dask threads x nejit threads | time |")
    print("|---|---|---|")
    old = nejit.get_num_threads()
    try:
        for expr in ("2*a + 3*b", "sin(a)**2 + cos(b)**2", "sum(a*b, axis=0)"):
            for workers, threads in ((1, 1), (1, 2), (2, 1), (2, 2), (4, 2)):
                nejit.set_num_threads(threads)

                def fn():
                    with dask.config.set(scheduler="threads",
                                         num_workers=workers):
                        nd.evaluate(expr, local_dict={"a": a, "b": b}).compute()
                t = median_seconds(fn, args.repeat)
                print(f"| `{expr}` | {workers} x {threads} | {t * 1e3:.0f} ms |")
    finally:
        nejit.set_num_threads(old)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=8000)
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-cluster", action="store_true")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--skip-threads", action="store_true")
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}\n# nejit {nejit.__version__}, numexpr "
          f"{numexpr.__version__}, dask {dask.__version__}, "
          f"pandas {pd.__version__}\n")
    if not args.skip_cluster:
        part_cluster(args)
    if not args.skip_pandas:
        part_pandas(args)
    if not args.skip_threads:
        part_threads(args)


if __name__ == "__main__":
    main()
