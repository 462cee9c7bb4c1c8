"""nejit's own vector functions (lib/CodeGen/OwnMath.cpp) against Sleef's u10
and u35 ones, in cache: ns per element of `f(a)` on 4096-element arrays,
called repeatedly into an existing `out`, 1 thread, JIT tier.

    PYTHONPATH=bindings/python .venv/bin/python bench/bench_own_math.py

Variants: "own" = accuracy 'high' (the default); "u10" = accuracy 'high'
in a process with NEJIT_OWN_MATH=0 (Sleef's u10 function; the switch is
read once per process); "u35" = accuracy 'low' (Sleef's u35 function, or
u10 where Sleef has no u35 tier: exp, expm1). One child process per
variant, the three run in turn for --cycles cycles, each timing --rounds
rounds; each figure is the median over all rounds of the run, and the
ratios are taken within the same run. The machine's load average is
printed, since other processes share its cores.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import nejit

EXPRESSIONS = ["exp(a)", "expm1(a)", "tanh(a)", "tanh(a) * b"]
RANGES = {"exp(a)": (-20, 20), "expm1(a)": (-5, 5), "tanh(a)": (-5, 5),
          "tanh(a) * b": (-5, 5)}


def child(variant, n, calls, rounds):
    """Times every row in this process; prints {row: [seconds per round]}."""
    nejit.set_num_threads(1)
    nejit.set_tier("jit")
    rng = np.random.default_rng(0)
    result = {}
    for dtype in ("f8", "f4"):
        for expr in EXPRESSIONS:
            lo, hi = RANGES[expr]
            args = [rng.uniform(lo, hi, n).astype(dtype)]
            sig = [("a", dtype)]
            if "b" in expr:
                args.append(rng.uniform(-1, 1, n).astype(dtype))
                sig.append(("b", dtype))
            out = np.empty(n, dtype)
            k = nejit.compile(expr, sig,
                              accuracy="low" if variant == "u35" else "high")
            time_calls(k, args, out, 20)  # compile and warm up
            result["%s|%s" % (expr, dtype)] = [
                time_calls(k, args, out, calls) for _ in range(rounds)]
    print(json.dumps(result))


def time_calls(k, args, out, calls):
    t = time.perf_counter()
    for _ in range(calls):
        k(*args, out=out)
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=4096)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--cycles", type=int, default=4)
    p.add_argument("--child", choices=("own", "u10", "u35"))
    opts = p.parse_args()
    if opts.child:
        child(opts.child, opts.n, opts.calls, opts.rounds)
        return
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    times = {}
    for _ in range(opts.cycles):
        for v in ("own", "u10", "u35"):
            env = dict(os.environ, NEJIT_OWN_MATH="0" if v == "u10" else "1")
            out = subprocess.run(
                [sys.executable, __file__, "--child", v, "-n", str(opts.n),
                 "--calls", str(opts.calls), "--rounds", str(opts.rounds)],
                env=env, check=True, capture_output=True, text=True).stdout
            for row, ts in json.loads(out.splitlines()[-1]).items():
                times.setdefault(row, {}).setdefault(v, []).extend(ts)
    print("| expression | dtype | own ns/el | Sleef u10 | Sleef u35 "
          "| u10 / own | u35 / own |")
    print("|---|---|---|---|---|---|---|")
    for row, by in times.items():
        expr, dtype = row.split("|")
        ns = {v: statistics.median(t) / (opts.calls * opts.n) * 1e9
              for v, t in by.items()}
        print("| `%s` | %s | %.2f | %.2f | %.2f | %.2fx | %.2fx |" % (
            expr, dtype, ns["own"], ns["u10"], ns["u35"],
            ns["u10"] / ns["own"], ns["u35"] / ns["own"]))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
