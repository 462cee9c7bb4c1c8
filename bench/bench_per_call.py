"""Per-call cost of evaluate("2*a+3*b") at 10, 1,000 and 100,000 elements:
nejit vs numexpr vs numpy, each allocating its result, 1 thread.

    .venv/bin/python bench/bench_per_call.py [--sizes 10,1000,100000]
        [--repeat 7] [--png DIR]

Each figure is the median of --repeat timeit loops (20,000 calls per loop
below 100,000 elements, then fewer as the arrays grow: about 2e8 elements
per loop). --png DIR also draws the table as a log-log chart, per_call.png
(us per call vs elements); `bash scripts/charts.sh` runs it over 10 ... 1e7.
"""
import argparse
import statistics
import timeit

import numexpr
import numpy as np

import nejit

ENGINES = ("nejit", "numexpr", "numpy")


def loops_for(n):
    """Calls per timeit loop: many for tiny arrays, ~2e8 elements above."""
    return 20000 if n < 100_000 else max(5, int(2e8 // n))


def measure(sizes, repeat):
    """{engine: [median us per call for each size]}."""
    times = {e: [] for e in ENGINES}
    print(f"{'elements':>10} | {'nejit':>10} | {'numexpr':>10} | {'numpy':>10}",
          flush=True)
    for n in sizes:
        a = np.random.rand(n)
        b = np.random.rand(n)
        env = {"a": a, "b": b}
        calls = {
            "nejit": lambda: nejit.evaluate("2*a+3*b", local_dict=env),
            "numexpr": lambda: numexpr.evaluate("2*a+3*b", local_dict=env),
            "numpy": lambda: 2 * a + 3 * b,
        }
        loops = loops_for(n)
        for name, fn in calls.items():
            fn()  # compile / warm up
            t = statistics.median(timeit.repeat(fn, number=loops,
                                                repeat=repeat))
            times[name].append(t / loops * 1e6)
        print(f"{n:>10,} | " + " | ".join(f"{times[e][-1]:7.2f} µs"
                                          for e in ENGINES), flush=True)
    return times


def chart(sizes, times, directory, repeat):
    import _charts
    plt = _charts.pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    _charts.loglog_lines(ax, sizes, times)
    ax.set_xlabel("elements (float64)")
    ax.set_ylabel("µs per call (log scale, lower is better)")
    ax.set_title("per call: evaluate(\"2*a+3*b\"), result allocated each"
                 f" call, 1 thread, median of {repeat} loops")
    ax.legend(loc="upper left")
    return _charts.save(fig, directory, "per_call.png",
                        "bench/bench_per_call.py")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10,1000,100000",
                   help="element counts, comma-separated (1e4 style allowed)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--png", default=None, metavar="DIR",
                   help="also write DIR/per_call.png")
    args = p.parse_args()
    nejit.set_num_threads(1)
    numexpr.set_num_threads(1)
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    times = measure(sizes, args.repeat)
    if args.png:
        print("wrote", chart(sizes, times, args.png, args.repeat))


if __name__ == "__main__":
    main()
