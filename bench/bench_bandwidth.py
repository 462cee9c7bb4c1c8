"""Where a memory-bound row's time goes, step by step, against the
streaming-store bandwidth measured in the same run: nejit's memory-bound
rows of bench_fresh.py (no transcendental call) at 1 and 2 threads.

    .venv/bin/python bench/bench_bandwidth.py [--n 10000000] [--rounds 9]
        [--threads 1,2]

Columns, each a fraction of the row's memory floor (bench_fresh's
floor_seconds: the slower of (bytes read + bytes written) / the add probe's
bandwidth and bytes read / the read-only probe's; 1.0 = as fast as the
probes move the row's bytes):
- "out=": into a preallocated, already faulted-in array;
- "fresh": `r = evaluate(...)`, the result from nejit's pool of mapped
  buffers (bindings/python/src/ResultPool.cpp), the default;
- "fresh, no pool": the same with NEJIT_POOL=0 (a child process), so every
  result is a new mapping whose pages the kernel faults in and the
  operating system zeroes: the cost the pool removes;
- "after a spinner": fresh, called right after a parallel numba kernel
  (its libgomp workers still spinning on the same cores), no pause: what
  bench_fresh.py measured before it paused between engines;
- "bound by": which probe sets the floor: "add", or "read" for rows that
  mostly read (a comparison into bools writes 1 byte per 16-24 read), on a
  machine whose cores read slower than the add probe streams.

Every engine's turn is a 20 ms pause, one untimed call and 3 timed ones
(as in bench_fresh.py); medians of --rounds rounds, the columns interleaved, and
the probes run in every round of the row they are compared with (the
machine's bandwidth drifts: its host is shared). Each thread count runs in
a child process started on that many cores.
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
    """Median seconds of fn() over rounds; each round: a pause, an untimed
    call, then bench_fresh's CALLS_PER_TURN timed calls (their median), with
    before() (if given) right before each timed call."""
    times = []
    keep = None
    for _ in range(rounds):
        time.sleep(SETTLE)
        keep = fn()
        turn = []
        for _ in range(bench_fresh.CALLS_PER_TURN):
            if before:
                before()
            t0 = time.perf_counter()
            r = fn()
            turn.append(time.perf_counter() - t0)
            keep = r
        times.append(statistics.median(turn))
    del keep
    return statistics.median(times)


def measure_child(args, threads):
    """This process runs on `threads` cores: the fractions of every row."""
    import nejit
    nejit.set_num_threads(threads)
    rng = np.random.default_rng(0)
    arrays = {k: rng.random(args.n) for k in "abc"}
    probe = bench_fresh.Probe()

    def add_probe():
        """The add probe now (the machine's bandwidth drifts: each row is
        compared with probes run in its own rounds)."""
        return probe.run(args.n, threads, reps=5)

    def read_probe():
        return probe.run(args.n, threads, reps=5, read_only=True)

    if args.no_pool:  # NEJIT_POOL=0 child: one column only
        out = {}
        for ex in ROWS:
            ref = nejit.evaluate(ex, local_dict=arrays)
            moved = bench_fresh.bytes_moved(ex, arrays, ref)
            ts, adds, reads = [], [], []
            for _ in range(args.rounds):
                adds.append(add_probe())
                reads.append(read_probe())
                ts.append(timed(lambda: nejit.evaluate(ex, local_dict=arrays),
                                1))
            out[ex] = statistics.median(
                bench_fresh.floor_seconds(
                    moved, bench_fresh.bytes_read(ex, arrays), add, read) / t
                for add, read, t in zip(adds, reads, ts))
        return {"no_pool": out}
    import numba
    import bench_vs_numba
    numba.set_num_threads(threads)
    spin_kernel = {e: k for e, _, k, _, _ in bench_vs_numba.CASES}["2*a + 3*b"]
    spin_out = np.empty(args.n)

    def spinner():
        spin_kernel(arrays["a"], arrays["b"], spin_out)

    spinner()
    adds, reads = [], []
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
        row_adds, row_reads = [], []
        for _ in range(args.rounds):  # interleave the columns
            row_adds.append(add_probe())
            row_reads.append(read_probe())
            for name, fn in cols.items():
                got.setdefault(name, []).append(timed(fn, 1))
            got.setdefault("after a spinner", []).append(
                timed(cols["fresh"], 1, before=spinner))
        adds += row_adds
        reads += row_reads
        floors = [bench_fresh.floor_seconds(
            moved, bench_fresh.bytes_read(ex, arrays), add, read)
            for add, read in zip(row_adds, row_reads)]
        # Each round against the probes run just before it.
        rows[ex] = {k: statistics.median(f / t for f, t in zip(floors, v))
                    for k, v in got.items()}
        rows[ex]["ms out="] = statistics.median(got["out="]) * 1e3
        rows[ex]["floor ms"] = statistics.median(floors) * 1e3
        add, read = statistics.median(row_adds), statistics.median(row_reads)
        rows[ex]["bound by"] = ("add" if moved / add >= bench_fresh.bytes_read(
            ex, arrays) / read else "read")
    return {"rows": rows, "add": statistics.median(adds),
            "read": statistics.median(reads)}


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
              f"streaming-store add {main_run['add'] / 1e9:.1f} GB/s (median), "
              f"read-only probe {main_run['read'] / 1e9:.1f} GB/s "
              f"({main_run['read'] / main_run['add']:.2f} of the add)\n")
        print("| expression | floor ms | bound by | out= ms | out= | fresh |"
              " fresh, no pool | after a spinner |")
        print("|---|---|---|---|---|---|---|---|")
        for ex, r in main_run["rows"].items():
            print(f"| `{ex}` | {r['floor ms']:.2f} | {r['bound by']} |"
                  f" {r['ms out=']:.2f} | {r['out=']:.2f} |"
                  f" {r['fresh']:.2f} | {no_pool[ex]:.2f} |"
                  f" {r['after a spinner']:.2f} |")
    print("\nload average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
