"""nejit's own vector functions (lib/CodeGen/OwnMath.cpp) against Sleef's u10
and u35 ones, in cache: ns per element of `f(a)` on 4096-element arrays,
called repeatedly into an existing `out`, 1 thread, JIT tier.

    PYTHONPATH=bindings/python .venv/bin/python bench/bench_own_math.py

Variants, all compiled in one process: "own" = accuracy 'high' (the
default); "u10" = accuracy 'high' with backend='sleef' (Sleef's u10
function); "u35" = accuracy 'low' with backend='sleef' (Sleef's u35
function, or u10 where Sleef has no u35 tier: exp, expm1; `sin(a)` is
Sleef's u10 sin in the own and u10 columns, a reference for the noise;
`exp(-a) * cos(b)` has Sleef's cos in every variant). NEJIT_VML=0 keeps
MKL's VML out. The variants run interleaved, round after round; each figure
is the median over rounds, and the ratios are taken within the same run. The
machine's load average is printed, since other processes share its cores.
"""
import argparse
import os
import statistics
import time

os.environ["NEJIT_VML"] = "0"

import numpy as np  # noqa: E402

import nejit  # noqa: E402

EXPRESSIONS = ["sin(a)", "log(a)", "where(a > 0.5, log(a), b)", "exp(a)", "exp(-a**2)",
               "exp(-a) * cos(b)", "expm1(a)", "tanh(a)", "tanh(a) * b",
               "sinh(a)", "cosh(a)"]
RANGES = {"sin(a)": (-10, 10), "log(a)": (1e-3, 1e3), "where(a > 0.5, log(a), b)": (1e-3, 4),
          "exp(a)": (-20, 20), "exp(-a**2)": (-5, 5),
          "exp(-a) * cos(b)": (-20, 20), "expm1(a)": (-5, 5),
          "tanh(a)": (-5, 5), "tanh(a) * b": (-5, 5), "sinh(a)": (-5, 5),
          "cosh(a)": (-5, 5)}
VARIANTS = {"own": ("high", "auto"), "u10": ("high", "sleef"),
            "u35": ("low", "sleef")}


def time_calls(k, args, out, calls):
    t = time.perf_counter()
    for _ in range(calls):
        k(*args, out=out)
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=4096)
    p.add_argument("--calls", type=int, default=40)
    p.add_argument("--rounds", type=int, default=101)
    p.add_argument("--expr", action="append", choices=EXPRESSIONS,
                   help="only these rows (repeatable); default all")
    opts = p.parse_args()
    nejit.set_num_threads(1)
    nejit.set_tier("jit")
    rng = np.random.default_rng(0)
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    print("| expression | dtype | own ns/el | Sleef u10 | Sleef u35 "
          "| u10 / own | u35 / own |")
    print("|---|---|---|---|---|---|---|")
    for dtype in ("f8", "f4"):
        for expr in opts.expr or EXPRESSIONS:
            lo, hi = RANGES[expr]
            args = [rng.uniform(lo, hi, opts.n).astype(dtype)]
            sig = [("a", dtype)]
            if "b" in expr:
                args.append(rng.uniform(-1, 1, opts.n).astype(dtype))
                sig.append(("b", dtype))
            out = np.empty(opts.n, dtype)
            ks = {v: nejit.compile(expr, sig, accuracy=acc, backend=be)
                  for v, (acc, be) in VARIANTS.items()}
            for k in ks.values():
                time_calls(k, args, out, 20)  # compile and warm up
            times = {v: [] for v in ks}
            for _ in range(opts.rounds):
                for v, k in ks.items():
                    times[v].append(time_calls(k, args, out, opts.calls))
            ns = {v: statistics.median(t) / (opts.calls * opts.n) * 1e9
                  for v, t in times.items()}
            print("| `%s` | %s | %.2f | %.2f | %.2f | %.2fx | %.2fx |" % (
                expr, dtype, ns["own"], ns["u10"], ns["u35"],
                ns["u10"] / ns["own"], ns["u35"] / ns["own"]), flush=True)
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
