#!/usr/bin/env python3
"""First-call cost of ne.evaluate: what a user pays for an expression nejit
has never seen (cold compile), one compiled by an earlier process (disk-cache
hit, in a fresh process), and one already compiled in this process (memory
hit, i.e. the per-call overhead) -- against numexpr's first-call cost.

    .venv/bin/python bench/bench_compile_latency.py [--reps 21] [--json]

Each cold or disk-hit sample is a new expression: the template's variables
get new names (a17, b17, ...) and NEJIT_CACHE_KEY_SALT a new value (names
and literals are not part of the kernel cache key, so the salt is what makes
the very same code a new kernel). The "renamed" samples are new texts for a
kernel compiled in the process: new names and new literal values (the front
end and a lookup). Cold samples run in a fresh process with an empty cache directory;
disk-hit samples in another fresh process that reuses the directory an
earlier process filled. Both processes warm the engine first with an
unrelated expression, whose cost is reported apart ("first evaluate in a
process"). Medians in microseconds; 1000-element float64 (int32 for i4)
arrays, so running the kernel costs well under a microsecond.
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

#: The same typical expressions as bench/BenchJIT.cpp; {a}, {b} are names.
EXPRS = [
    ("2a+3b", "2*{a}+3*{b}", "f8"),
    ("cmp", "{a}*{b}-4.1*{a}>2.5*{b}", "f8"),
    ("sin2+cos2", "sin({a})**2+cos({a})**2", "f8"),
    ("where-log", "where({a}>0,log({a}),{b})", "f8"),
    ("sum", "sum({a}*{b})", "f8"),
    ("i4-arith", "({a}*3+{b})//2-{a}%7", "i4"),
]
N = 1000


def _arrays(dtype):
    import numpy as np
    a = np.linspace(0.5, 7.5, N).astype(dtype)
    b = np.linspace(3.0, -1.0, N).astype(dtype)
    return a, b


def _instance(template, tag):
    names = ("a%s" % tag, "b%s" % tag)
    return template.format(a=names[0], b=names[1]), names


def _other_literals(expr, r):
    """expr with its literal values changed where they are kernel
    parameters (not after // or %, nor exponents), e.g. 2*a -> 2.0625*a."""
    import re

    def change(m):
        before = expr[:m.start()]
        if before.endswith(("//", "%", "**")):
            return m.group(0)
        return repr(float(m.group(0)) + (r + 1) / 16)
    return re.sub(r"(?<![\w.])\d+(\.\d+)?", change, expr)


def _time_first_calls(evaluate, salt, reps):
    """{name: [microseconds]} of the first evaluate of each instance, wall
    clock; {name + " cpu": [...]} the same in CPU time of this thread (the
    compile runs on the calling thread), which the other processes of a
    busy machine do not inflate."""
    out = {}
    for name, template, dtype in EXPRS:
        a, b = _arrays(dtype)
        times, cpu = [], []
        for r in range(reps):
            tag = "%s_%d" % (salt, r)
            expr, (na, nb) = _instance(template, tag)
            local = {na: a, nb: b}
            os.environ["NEJIT_CACHE_KEY_SALT"] = tag
            t0 = time.perf_counter_ns()
            c0 = time.thread_time_ns()
            evaluate(expr, local_dict=local)
            cpu.append((time.thread_time_ns() - c0) / 1e3)
            times.append((time.perf_counter_ns() - t0) / 1e3)
        out[name] = times
        out[name + " cpu"] = cpu
        # New texts of the kernel the first sample compiled. (Integer
        # templates keep their literals: a float literal changes the type.)
        os.environ["NEJIT_CACHE_KEY_SALT"] = "%s_0" % salt
        times, cpu = [], []
        for r in range(reps):
            expr, (na, nb) = _instance(template, "%s_r%d" % (salt, r))
            if dtype != "i4":
                expr = _other_literals(expr, r)
            local = {na: a, nb: b}
            t0 = time.perf_counter_ns()
            c0 = time.thread_time_ns()
            evaluate(expr, local_dict=local)
            cpu.append((time.thread_time_ns() - c0) / 1e3)
            times.append((time.perf_counter_ns() - t0) / 1e3)
        out[name + " renamed"] = times
        out[name + " renamed cpu"] = cpu
        os.environ.pop("NEJIT_CACHE_KEY_SALT", None)
    return out


def worker(mode, salt, reps):
    """Runs in a child process; prints one JSON line."""
    t0 = time.perf_counter_ns()
    if mode == "numexpr":
        import numexpr as ev_mod
    else:
        import nejit as ev_mod
    t_import = (time.perf_counter_ns() - t0) / 1e3
    import numpy as np
    x = np.linspace(0, 1, N)
    t0 = time.perf_counter_ns()
    ev_mod.evaluate("x*1.5 - 0.25", local_dict={"x": x})
    t_first = (time.perf_counter_ns() - t0) / 1e3
    times = _time_first_calls(ev_mod.evaluate, salt, reps)
    res = {"import_us": t_import, "first_evaluate_us": t_first,
           "times": times}
    if mode != "numexpr":
        res["stats"] = ev_mod.cache_stats()
    print(json.dumps(res))


def _child(mode, salt, reps, env):
    full = dict(os.environ)
    for k in ("NEJIT_CACHE", "NEJIT_CACHE_DIR", "NEJIT_CACHE_KEY_SALT"):
        full.pop(k, None)
    # What LLVM costs: the default tier would answer new expressions with
    # the interpreter (bench/bench_first_contact.py measures that).
    full["NEJIT_TIER"] = "jit"
    full.update(env)
    full["PYTHONPATH"] = str(ROOT / "bindings" / "python") + os.pathsep + \
        full.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--salt", salt,
         "--reps", str(reps)],
        env=full, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _in_process(reps_calls=20000):
    """Memory hits in this process: evaluate of a compiled expression (the
    per-call overhead), at 10 and 1000 elements; ne.compile of a compiled
    expression; numexpr and numpy at the same sizes."""
    import numpy as np
    import nejit as ne
    try:
        import numexpr
    except ImportError:  # pragma: no cover
        numexpr = None

    def per_call(fn, k=reps_calls):
        """fn(k) runs k calls; returns the median of 7 loops per call."""
        fn(100)
        samples = []
        for _ in range(7):
            t0 = time.perf_counter_ns()
            fn(k)
            samples.append((time.perf_counter_ns() - t0) / 1e3 / k)
        return statistics.median(samples)

    # evaluate() finds a and b in the calling frame, as users call it.
    # (Made inside run: the arrays' cost is shared by k calls.)
    def loop(evaluate, size):
        def run(k):
            a = np.linspace(0.5, 7.5, size)  # noqa: F841 (read by evaluate)
            b = np.linspace(3.0, -1.0, size)  # noqa: F841
            for _ in range(k):
                evaluate("2*a+3*b")
        return run

    def loop_numpy(size):
        a = np.linspace(0.5, 7.5, size)
        b = np.linspace(3.0, -1.0, size)

        def run(k):
            for _ in range(k):
                2 * a + 3 * b
        return run

    rows = {}
    for size in (10, 1000):
        rows["evaluate 2*a+3*b, n=%d" % size] = {
            "nejit": per_call(loop(ne.evaluate, size)),
            "numexpr": per_call(loop(numexpr.evaluate, size))
            if numexpr else None,
            "numpy": per_call(loop_numpy(size)),
        }
    kern = ne.compile("2*a+3*b", [("a", "f8"), ("b", "f8")])
    a = np.linspace(0.5, 7.5, 10)
    b = np.linspace(3.0, -1.0, 10)
    sig = [("a", "f8"), ("b", "f8")]

    def call(k):
        for _ in range(k):
            kern(a, b)

    def recompile(k):
        for _ in range(k):
            ne.compile("2*a+3*b", sig)
    rows["Kernel call k(a, b), n=10"] = {"nejit": per_call(call)}
    rows["ne.compile of a compiled expression"] = {
        "nejit": per_call(recompile)}
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=21)
    p.add_argument("--json", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--salt", default="x", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.salt, args.reps)
        return

    salt = "%d%d" % (os.getpid(), time.time_ns() % 1000000)
    with tempfile.TemporaryDirectory(prefix="nejit-lat-") as d:
        cold = _child("nejit", salt + "c", args.reps,
                      {"NEJIT_CACHE_DIR": os.path.join(d, "cold")})
        disk_env = {"NEJIT_CACHE_DIR": os.path.join(d, "disk")}
        _child("nejit", salt + "d", args.reps, disk_env)  # fills the cache
        disk = _child("nejit", salt + "d", args.reps, disk_env)
    try:
        nx = _child("numexpr", salt + "n", args.reps, {})
    except subprocess.CalledProcessError:  # numexpr not installed
        nx = None
    assert cold["stats"]["disk_hits"] == 0
    assert disk["stats"]["compiles"] == 0, disk["stats"]
    med = statistics.median
    table = []
    for name, _, _ in EXPRS:
        table.append({
            "expr": name,
            "nejit cold": med(cold["times"][name]),
            "nejit cold cpu": med(cold["times"][name + " cpu"]),
            "nejit disk hit": med(disk["times"][name]),
            "nejit disk hit cpu": med(disk["times"][name + " cpu"]),
            "nejit renamed": med(cold["times"][name + " renamed"]),
            "nejit renamed cpu": med(cold["times"][name + " renamed cpu"]),
            "numexpr first call": med(nx["times"][name]) if nx else None,
            "numexpr first call cpu": med(nx["times"][name + " cpu"])
            if nx else None,
        })
    mem = _in_process()
    result = {
        "first_call": table,
        "process": {
            "nejit import": cold["import_us"],
            "nejit first evaluate (engine start + cold compile)":
                cold["first_evaluate_us"],
            "nejit first evaluate, disk hit": disk["first_evaluate_us"],
            "numexpr import": nx["import_us"] if nx else None,
            "numexpr first evaluate": nx["first_evaluate_us"] if nx else None,
        },
        "memory_hit": mem,
        "load": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return

    def fmt(v):
        return "-" if v is None else ("%.1f" % v if v < 100 else "%.0f" % v)

    print("First call of a never-seen expression, median of %d, us "
          "(load average %.1f):" % (args.reps, result["load"][0]))
    print("(wall clock / CPU time of the calling thread)")
    print("| expr | nejit cold | nejit disk hit | nejit renamed "
          "| numexpr first call |")
    print("|---|---|---|---|---|")
    for row in table:
        print("| %s | %s / %s | %s / %s | %s / %s | %s / %s |" % (
            row["expr"], fmt(row["nejit cold"]), fmt(row["nejit cold cpu"]),
            fmt(row["nejit disk hit"]), fmt(row["nejit disk hit cpu"]),
            fmt(row["nejit renamed"]), fmt(row["nejit renamed cpu"]),
            fmt(row["numexpr first call"]),
            fmt(row["numexpr first call cpu"])))
    print("\nOnce per process, us:")
    for k, v in result["process"].items():
        print("- %s: %s" % (k, fmt(v)))
    print("\nMemory hits (per call), median of 7 loops, us:")
    print("| call | nejit | numexpr | numpy |")
    print("|---|---|---|---|")
    for k, v in mem.items():
        print("| %s | %s | %s | %s |" % (k, fmt(v.get("nejit")),
                                          fmt(v.get("numexpr")),
                                          fmt(v.get("numpy"))))


if __name__ == "__main__":
    main()
