"""Where a memory-bound row's time goes, step by step, against the
streaming-store bandwidth measured in the same run: nejit's memory-bound
rows of bench_fresh.py (no transcendental call) at 1 and 2 threads.

    .venv/bin/python bench/bench_bandwidth.py [--n 10000000] [--rounds 9]
        [--threads 1,2]

Columns, each a fraction of the probe's bandwidth ((bytes read + bytes
written) / time / probe; 1.0 = as fast as the probe's `c = a + b` with
non-temporal stores):
- "out=": into a preallocated, already faulted-in array;
- "fresh": `r = evaluate(...)`, the result from nejit's pool of mapped
  buffers (bindings/python/src/ResultPool.cpp), the default;
- "fresh, no pool": the same with NEJIT_POOL=0 (a child process), so every
  result is a new mapping whose pages the kernel faults in and the
  operating system zeroes: the cost the pool removes;
- "after a spinner": fresh, called right after a parallel numba kernel
  (its libgomp workers still spinning on the same cores), no pause: what
  bench_fresh.py measured before it paused between engines;
- "read-only probe": the fraction of the add probe that a pure read of two
  arrays reaches: the ceiling of rows that only read (a comparison into
  bools writes 1 byte per 16-24 read).

Every timed call follows a 20 ms pause and one untimed call (as in
bench_fresh.py); medians of --rounds rounds, the columns interleaved. Each
thread count runs in a child process started on that many cores.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import bench_fresh

ROWS = [ex for ex in bench_fresh.EXPRESSIONS
        if not any(f in ex for f in bench_fresh.TRANSCENDENTAL)]
SETTLE = bench_fresh.SETTLE_SECONDS


def timed(fn, rounds, before=None):
    """Median seconds of fn() over rounds, each after a pause, an untimed
    call and then before() (if given) right before the timed call."""
    times = []
    keep = None
    for _ in range(rounds):
        time.sleep(SETTLE)
        keep = fn()
        if before:
            before()
        t0 = time.perf_counter()
        r = fn()
        times.append(time.perf_counter() - t0)
        keep = r
    del keep
    return statistics.median(times)


def measure_child(args, threads):
    """This process runs on `threads` cores: the fractions of every row."""
    import nejit
    nejit.set_num_threads(threads)
    rng = np.random.default_rng(0)
    arrays = {k: rng.random(args.n) for k in "abc"}
    add = bench_fresh.stream_bandwidth(args.n, threads)
    if args.no_pool:  # NEJIT_POOL=0 child: one column only
        out = {}
        for ex in ROWS:
            ref = nejit.evaluate(ex, local_dict=arrays)
            moved = bench_fresh.bytes_moved(ex, arrays, ref)
            t = timed(lambda: nejit.evaluate(ex, local_dict=arrays),
                      args.rounds)
            out[ex] = moved / t / add
        return {"no_pool": out}
    import numba
    import bench_vs_numba
    numba.set_num_threads(threads)
    spin_kernel = {e: k for e, _, k, _, _ in bench_vs_numba.CASES}["2*a + 3*b"]
    spin_out = np.empty(args.n)

    def spinner():
        spin_kernel(arrays["a"], arrays["b"], spin_out)

    spinner()
    read = bench_fresh.stream_bandwidth(args.n, threads, read_only=True)
    rows = {}
    for ex in ROWS:
        ref = nejit.evaluate(ex, local_dict=arrays)
        out = np.empty_like(ref)
        moved = bench_fresh.bytes_moved(ex, arrays, ref)
        cols = {
            "out=": lambda: nejit.evaluate(ex, local_dict=arrays, out=out),
            "fresh": lambda: nejit.evaluate(ex, local_dict=arrays),
        }
        got = {}
        for _ in range(args.rounds):  # interleave the columns
            for name, fn in cols.items():
                got.setdefault(name, []).append(timed(fn, 1))
            got.setdefault("after a spinner", []).append(
                timed(cols["fresh"], 1, before=spinner))
        rows[ex] = {k: moved / statistics.median(v) / add
                    for k, v in got.items()}
        rows[ex]["ms out="] = statistics.median(got["out="]) * 1e3
    return {"rows": rows, "add": add, "read": read}


def run_child(args, threads, cores, no_pool):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.json")
        env = dict(os.environ)
        if no_pool:
            env["NEJIT_POOL"] = "0"
        cmd = [sys.executable, os.path.abspath(__file__), "--child",
               str(threads), "--n", str(args.n), "--rounds", str(args.rounds),
               "--json", path] + (["--no-pool"] if no_pool else [])
        subprocess.run(cmd, check=True, env=env,
                       preexec_fn=lambda: os.sched_setaffinity(
                           0, set(cores[:threads])))
        with open(path) as f:
            return json.load(f)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--no-pool", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        with open(args.json, "w") as f:
            json.dump(measure_child(args, args.child), f)
        return
    cores = sorted(os.sched_getaffinity(0))
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    for threads in (int(t) for t in args.threads.split(",")):
        main_run = run_child(args, threads, cores, no_pool=False)
        no_pool = run_child(args, threads, cores, no_pool=True)["no_pool"]
        print(f"\n### {threads} thread{'s' if threads > 1 else ''}: "
              f"streaming-store add {main_run['add'] / 1e9:.1f} GB/s, "
              f"read-only probe {main_run['read'] / 1e9:.1f} GB/s "
              f"({main_run['read'] / main_run['add']:.2f} of the add)\n")
        print("| expression | out= ms | out= | fresh | fresh, no pool |"
              " after a spinner |")
        print("|---|---|---|---|---|---|")
        for ex, r in main_run["rows"].items():
            print(f"| `{ex}` | {r['ms out=']:.2f} | {r['out=']:.2f} |"
                  f" {r['fresh']:.2f} | {no_pool[ex]:.2f} |"
                  f" {r['after a spinner']:.2f} |")
    print("\nload average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
