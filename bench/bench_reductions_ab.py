"""bench_reductions.py's cases, for comparing two builds on a busy machine:
per case the median and the minimum of 11 runs, wall time at 1 and 2
threads and CPU time (time.process_time) at 1 thread, which other
processes disturb less. Prints one JSON line. Run it alternately against
both builds and summarize with --summary:

    for i in $(seq 8); do for w in main wt-reduce; do
      echo "$w $(PYTHONPATH=/work/$w/bindings/python \\
                 .venv/bin/python bench/bench_reductions_ab.py)"
    done; done > ab.out
    .venv/bin/python bench/bench_reductions_ab.py --summary ab.out main wt-reduce
"""
import json
import statistics
import sys
import time

CASES = ["sum(a*b)", "max(a)", "sum(m, axis=0)", "sum(m, axis=1)",
         "sum(m**2, axis=0)"]


def measure(fn, clock, repeat=11):
    fn()
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return sorted(times)[repeat // 2] * 1e3, min(times) * 1e3


def run():
    import numpy as np

    import nejit

    rng = np.random.default_rng(0)
    env = {"a": rng.random(10_000_000), "b": rng.random(10_000_000),
           "m": rng.random((2000, 5000))}
    out = {}
    for threads in (1, 2):
        nejit.set_num_threads(threads)
        for ex in CASES:
            fn = lambda: nejit.evaluate(ex, local_dict=env)  # noqa: E731
            out["%d %s wall" % (threads, ex)] = measure(fn, time.perf_counter)
            if threads == 1:
                out["%d %s cpu" % (threads, ex)] = measure(fn,
                                                           time.process_time)
    print(json.dumps(out))


def summary(path, before, after):
    runs = {}
    for line in open(path):
        if line.strip():
            build, data = line.split(" ", 1)
            for key, value in json.loads(data).items():
                runs.setdefault(key, {}).setdefault(build, []).append(value)
    print("%-26s %-24s %s" % ("ms", "median of medians", "min of minima"))
    for key, by in runs.items():
        a = statistics.median(v[0] for v in by[before])
        b = statistics.median(v[0] for v in by[after])
        a2, b2 = min(v[1] for v in by[before]), min(v[1] for v in by[after])
        print("%-26s %6.2f %6.2f %+6.1f%%   %6.2f %6.2f %+6.1f%%"
              % (key, a, b, 100 * (b / a - 1), a2, b2, 100 * (b2 / a2 - 1)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--summary":
        summary(*sys.argv[2:5])
    else:
        run()
