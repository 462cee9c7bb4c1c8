#!/usr/bin/env python3
"""First contact with new expressions, nejit against numexpr (issue 15).

    .venv/bin/python bench/bench_first_contact.py [--rounds 5] [--json]
        [--modes auto,interp,jit,numexpr] [--workloads structural,...]
        [--sizes 100,1000,...] [--png DIR]

Four workloads, each run in fresh processes with an empty nejit cache
directory and one thread (NEJIT_NUM_THREADS=1, NUMEXPR_NUM_THREADS=1); the
first three are the default:

  structural  56 structurally different expressions over 1,000-element
              arrays, each evaluated once; the median first call. Each
              process first evaluates one unrelated expression, whose cost
              (one-time start-up: host detection, first page faults) is
              reported apart as "first evaluate in a process".
  literals    300 pandas-query-like expressions that differ only in their
              literals ((a > 0.137) & (b < 0.93), a*17.5 + b*c - 17, ...),
              10,000 elements, each evaluated once; the total.
  sizes       40 structurally different expressions at 1e3 ... 1e6 elements
              (log-spaced), each evaluated once; the total.
  curve       the first-contact curve over array size: one fresh process
              per size (--sizes, default 1e2 ... 1e7 in half decades) and
              engine evaluates each of two expressions (2*a + 3*b and
              sin(a)**2 + cos(a)**2, float64) twice: the first call is the
              first contact, the second the steady state. numpy runs here
              too (its first call pays only page faults). --png DIR draws
              it as a log-log chart (ms vs elements), first_contact.png,
              and adds this workload if --workloads lacks it.

nejit runs in each tier (NEJIT_TIER=auto, the default; interp; jit). Every
figure is the median over --rounds processes: wall-clock time, and "cpu",
the CPU time of the calling thread in the same calls (what a busy machine's
other processes do not inflate), and "process cpu", all threads' CPU time
during the workload (it includes auto's background compiles, which the
calling thread does not wait for).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: 56 structurally different expressions over a, b, c (f8), x, y (f4),
#: i, j (i4), k (i8), z (c16) and p (bool).
STRUCTURAL = [
    "2*a + 3*b", "a*b - 4.1*a > 2.5*b", "sin(a)**2 + cos(a)**2",
    "where(a > 0, log(a), b)", "sum(a*b)", "exp(a)*b - c",
    "sqrt(a) + b*c", "arctan2(a, b) + c", "(a + b)*(a - c)", "a/b + c/a",
    "tanh(a) - b", "a**3 + b**2", "abs(b) + a", "cosh(a/8) + c",
    "log1p(a)*b", "maximum(a, b) - c", "minimum(a, c)*2", "a > b",
    "(a > 1) & (b < 2)", "(a < 0) | (c > 1.5)", "~(a > b)",
    "where(b > 0, a, -a)", "floor(a) + ceil(b)", "round(a*3)/3",
    "fmod(a, 1.5)", "hypot(a, b)", "arcsinh(b) + arccosh(a + 1)",
    "arctanh(b/4) * 2", "log10(a) + log2(a)", "expm1(b/4)", "a // 0.7",
    "a % 1.3 + b", "sign(b)*a", "copysign(a, b)", "isnan(a/b)",
    "prod(b/2 + 1)", "max(a - b)", "min(a*c)", "sum(a, axis=0)",
    "x*y + 1", "sin(x) + y", "x > y", "where(x > 0, x, y)",
    "i*3 + j", "i // 2 - j % 7", "i << 2", "k*2 + 1", "k > i",
    "i + a", "x + a", "z*z + 1", "abs(z) + real(z)", "exp(z) * 2",
    "conj(z) + z", "p & (a > 0)", "where(p, a, b)",
]

#: Templates of the literal workload: numbers vary, structure does not.
LITERAL_TEMPLATES = [
    "(a > {0}) & (b < {1})", "a*{0} + b*c - {1}", "where(a > {0}, b, {1})",
    "(a - {0})**2 + (b - {1})**2", "a*{0} > b + {1}",
    "(c < {0}) | (a > {1})",
]

#: The size workload's expressions (one per size, log-spaced sizes).
SIZES = [
    "2*a + 3*b", "a*b - 4.1*a > 2.5*b", "sin(a)**2 + cos(a)**2",
    "where(a > 0, log(a), b)", "sum(a*b)", "exp(a)*b - c",
    "sqrt(a) + b*c", "arctan2(a, b) + c", "(a + b)*(a - c)", "a/b + c/a",
    "tanh(a) - b", "a**3 + b**2", "abs(b) + a", "cosh(a/8) + c",
    "log1p(a)*b", "maximum(a, b) - c", "(a > 1) & (b < 2)",
    "where(b > 0, a, -a)", "floor(a) + ceil(b)", "fmod(a, 1.5)",
    "hypot(a, b)", "arcsinh(b) + arccosh(a + 1)", "log10(a) + log2(a)",
    "expm1(b/4)", "a % 1.3 + b", "sign(b)*a", "prod(b/2 + 1)",
    "max(a - b)", "min(a*c)", "x*y + 1", "sin(x) + y",
    "where(x > 0, x, y)", "i*3 + j", "i // 2 - j % 7", "k*2 + 1", "i + a",
    "z*z + 1", "abs(z) + real(z)", "exp(z) * 2", "where(p, a, b)",
]


#: The curve workload's expressions, with their numpy equivalents.
CURVE = {
    "2*a + 3*b": lambda np, a, b: 2 * a + 3 * b,
    "sin(a)**2 + cos(a)**2": lambda np, a, b: np.sin(a) ** 2 + np.cos(a) ** 2,
}
#: Half-decade sizes 1e2 ... 1e7.
CURVE_SIZES = [int(round(10 ** (2 + k / 2))) for k in range(11)]


def _arrays(n):
    import numpy as np
    a = np.linspace(0.5, 7.5, n)
    b = np.linspace(3.0, -1.0, n)
    c = np.linspace(1.0, 2.0, n)
    return dict(a=a, b=b, c=c, x=a.astype(np.float32),
                y=b.astype(np.float32),
                i=np.arange(n, dtype=np.int32) % 1000 - 500,
                j=np.arange(n, dtype=np.int32) % 13 + 1,
                k=np.arange(n, dtype=np.int64), z=a + 1j * b, p=a > 3)


def _timed(evaluate, expr, local):
    """(wall, calling thread's cpu) microseconds of one evaluate."""
    c0 = time.thread_time_ns()
    t0 = time.perf_counter_ns()
    evaluate(expr, local_dict=local)
    t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e3, (time.thread_time_ns() - c0) / 1e3


def curve_worker(lib, n):
    """The curve workload at n elements in this (fresh) process: first and
    second call of each CURVE expression; prints one JSON line."""
    import numpy as np
    if lib == "numpy":
        funcs = dict(CURVE)
        funcs["a*1.5 - 0.25"] = lambda np, a, b: a * 1.5 - 0.25

        def evaluate(expr, local_dict):
            return funcs[expr](np, **local_dict)
    elif lib == "numexpr":
        import numexpr
        evaluate = numexpr.evaluate
    else:
        import nejit
        evaluate = nejit.evaluate
    warm = {"a": np.linspace(0.5, 7.5, 1000), "b": np.linspace(3.0, -1.0, 1000)}
    out = {"first_evaluate_us": _timed(evaluate, "a*1.5 - 0.25", warm)[0],
           "first_us": {}, "second_us": {}}
    local = {"a": np.linspace(0.5, 7.5, n), "b": np.linspace(3.0, -1.0, n)}
    for expr in CURVE:
        out["first_us"][expr] = _timed(evaluate, expr, local)[0]
        out["second_us"][expr] = _timed(evaluate, expr, local)[0]
    print(json.dumps(out))


def worker(workload, lib):
    """Runs one workload in this (fresh) process; prints one JSON line."""
    if lib == "numexpr":
        import numexpr as mod
    else:
        import nejit as mod
    import random
    evaluate = mod.evaluate
    out = {}
    warm = _arrays(1000)
    out["first_evaluate_us"] = _timed(evaluate, "a*1.5 - 0.25", warm)[0]
    calls = []
    if workload == "structural":
        c0 = time.process_time()
        calls = [_timed(evaluate, e, warm) for e in STRUCTURAL]
    elif workload == "literals":
        local = _arrays(10000)
        rng = random.Random(15)
        exprs = []
        for n in range(300):
            t = LITERAL_TEMPLATES[n % len(LITERAL_TEMPLATES)]
            exprs.append(t.format(round(rng.uniform(0.01, 9.99), 3),
                                  round(rng.uniform(0.01, 9.99), 3)))
        c0 = time.process_time()
        calls = [_timed(evaluate, e, local) for e in exprs]
    else:
        sized = []
        for idx, e in enumerate(SIZES):
            n = int(round(10 ** (3 + 3 * idx / (len(SIZES) - 1))))
            sized.append((e, _arrays(n)))
        c0 = time.process_time()
        calls = [_timed(evaluate, e, local) for e, local in sized]
    out["process_cpu_us"] = (time.process_time() - c0) * 1e6
    if workload == "structural":
        out["value_us"] = statistics.median(w for w, _ in calls)
        out["cpu_us"] = statistics.median(c for _, c in calls)
    else:
        out["value_us"] = sum(w for w, _ in calls)
        out["cpu_us"] = sum(c for _, c in calls)
    if lib != "numexpr":
        out["stats"] = mod.cache_stats()
    print(json.dumps(out))


def _child(workload, lib, tier, *extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEJIT_", "NUMEXPR_", "OMP_"))}
    env["PYTHONPATH"] = str(ROOT / "bindings" / "python") + os.pathsep + \
        env.get("PYTHONPATH", "")
    env["NEJIT_NUM_THREADS"] = env["NUMEXPR_NUM_THREADS"] = "1"
    if tier:
        env["NEJIT_TIER"] = tier
    with tempfile.TemporaryDirectory(prefix="nejit-fc-") as d:
        env["NEJIT_CACHE_DIR"] = d
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", workload, lib,
             *map(str, extra)],
            env=env, check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--modes", default="auto,interp,jit,numexpr")
    p.add_argument("--workloads", default="structural,literals,sizes")
    p.add_argument("--json", action="store_true")
    p.add_argument("--sizes", default=",".join(map(str, CURVE_SIZES)),
                   help="element counts of the curve workload")
    p.add_argument("--png", default=None, metavar="DIR",
                   help="draw the curve workload into DIR/first_contact.png")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        if args.worker[0] == "curve":
            curve_worker(args.worker[1], int(args.worker[2]))
        else:
            worker(*args.worker)
        return
    modes = args.modes.split(",")
    workloads = args.workloads.split(",")
    if args.png and "curve" not in workloads:
        workloads.append("curve")
    curve = None
    if "curve" in workloads:
        workloads.remove("curve")
        sizes = [int(float(x)) for x in args.sizes.split(",")]
        curve = run_curve(modes + ["numpy"], sizes, args.rounds)
    results = {}
    for workload in workloads:
        for mode in modes:
            lib = "numexpr" if mode == "numexpr" else "nejit"
            runs = [_child(workload, lib, None if lib == "numexpr" else mode)
                    for _ in range(args.rounds)]
            results[(workload, mode)] = {
                "value_us": statistics.median(r["value_us"] for r in runs),
                "cpu_us": statistics.median(r["cpu_us"] for r in runs),
                "process_cpu_us": statistics.median(
                    r["process_cpu_us"] for r in runs),
                "first_evaluate_us": statistics.median(
                    r["first_evaluate_us"] for r in runs),
                "stats": runs[-1].get("stats"),
            }
    if args.json:
        dump = {"%s/%s" % k: v for k, v in results.items()}
        if curve:
            dump["curve"] = curve
        print(json.dumps(dump, indent=1))
        return
    labels = {"structural": "structural: median first call, 1e3 elements",
              "literals": "literals: 300 expressions, 1e4 elements, total",
              "sizes": "sizes: 40 expressions, 1e3..1e6, total"}
    if workloads:
        print("%d rounds, fresh processes, empty cache, 1 thread; medians"
              % args.rounds)
    for workload in workloads:
        print("\n%s" % labels[workload])
        base = results.get((workload, "numexpr"))
        unit, name = (1, "us") if workload == "structural" else (1e3, "ms")
        for mode in modes:
            r = results[(workload, mode)]
            ratio = ""
            if base and mode != "numexpr":
                ratio = "  %.2fx numexpr (cpu %.2fx)" % (
                    r["value_us"] / base["value_us"],
                    r["cpu_us"] / base["cpu_us"])
            print("  %-8s wall %9.2f %s  cpu %9.2f %s  process cpu %8.2f ms"
                  "  first evaluate %5.0f us%s"
                  % (mode, r["value_us"] / unit, name, r["cpu_us"] / unit,
                     name, r["process_cpu_us"] / 1e3,
                     r["first_evaluate_us"], ratio))
    if curve:
        print_curve(curve)
    if curve and args.png:
        print("wrote", chart_curve(curve, args.png, args.rounds))


def run_curve(modes, sizes, rounds):
    """{"sizes": [...], "modes": {mode: {"first_ms"|"second_ms": {expr:
    [median per size]}}}}, each figure the median over rounds processes
    (the processes of one round are interleaved over sizes and modes)."""
    runs = {(m, n): [] for m in modes for n in sizes}
    for _ in range(rounds):
        for n in sizes:
            for mode in modes:
                lib = mode if mode in ("numexpr", "numpy") else "nejit"
                tier = None if lib != "nejit" else mode
                runs[(mode, n)].append(_child("curve", lib, tier, n))
    out = {"sizes": sizes, "modes": {}}
    for mode in modes:
        per = {"first_ms": {}, "second_ms": {}}
        for key, field in (("first_ms", "first_us"),
                           ("second_ms", "second_us")):
            for expr in list(CURVE):
                per[key][expr] = [
                    statistics.median(r[field][expr] for r in runs[(mode, n)])
                    / 1e3 for n in sizes]
        out["modes"][mode] = per
    return out


def print_curve(curve):
    sizes = curve["sizes"]
    print("\ncurve: first call (first contact) / second call, ms, median over"
          " fresh processes, 1 thread, float64")
    for expr in list(CURVE):
        print("\n  %s" % expr)
        print("  %-8s " % "elements" + " ".join("%17s" % f"{n:,}"
                                                for n in sizes))
        for mode, per in curve["modes"].items():
            print("  %-8s " % mode + " ".join(
                "%17s" % ("%.3g / %.3g" % (f, s)) for f, s in
                zip(per["first_ms"][expr], per["second_ms"][expr])))


def chart_curve(curve, directory, rounds):
    """first_contact.png: one log-log panel per expression, first-call ms
    vs elements per engine, nejit's second call dashed for reference."""
    import _charts
    plt = _charts.pyplot()
    sizes = curve["sizes"]
    exprs = list(CURVE)
    fig, axes = plt.subplots(1, len(exprs), figsize=(11, 4.4), sharey=True)
    for ax, expr in zip(axes, exprs):
        series, styles = {}, {}
        for mode, per in curve["modes"].items():
            name = mode if mode in ("numexpr", "numpy") else f"nejit {mode}"
            series[name] = per["first_ms"][expr]
        if "auto" in curve["modes"]:
            name = "nejit auto, 2nd call"
            series[name] = curve["modes"]["auto"]["second_ms"][expr]
            styles[name] = {"linestyle": "--", "color": _charts.COLORS["nejit"],
                            "alpha": 0.6}
        _charts.loglog_lines(ax, sizes, series, styles)
        ax.set_title(f"{expr}")
        ax.set_xlabel("elements (float64)")
    axes[0].set_ylabel("ms for the first call (log scale)")
    axes[0].legend(loc="upper left")
    fig.suptitle("first contact: first evaluate() of a new expression in a"
                 " fresh process, empty cache, 1 thread; median of"
                 f" {rounds} processes", fontsize=10)
    return _charts.save(fig, directory, "first_contact.png",
                        "bench/bench_first_contact.py --workloads curve")


if __name__ == "__main__":
    main()
