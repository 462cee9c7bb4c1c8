#!/usr/bin/env python3
"""Prints the measured max-ULP table of docs/accuracy.md.

    NEJIT_CACHE=0 PYTHONPATH=bindings/python .venv/bin/python bench/accuracy_table.py [-n POINTS]
        [--peers] [--png DIR]

Uses the measurement functions of bindings/python/tests/test_accuracy.py:
real functions against mpmath (float64) or numpy's float64 (float32), in
ULPs; complex functions normwise, in units of 2^-53 (pow relative to
max(1, |w log z|)).

--peers also measures numexpr, numpy and jax.jit (XLA on the CPU, float64
enabled) on the very same points against the same references and prints
their table after nejit's (they have no accuracy modes; a result they return in a wider type than the input, such as
numexpr's float64 hypot of float32, is rounded to the input's type first).
--png DIR draws nejit's table (and the peers', when measured) as a chart,
accuracy.png: max error per function, one panel per type, log scale.
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))
import test_accuracy as T  # noqa: E402

HELPER = ("arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh")
PEERS = ("numexpr", "numpy", "jax")


def _peer_run(expr, env, mode, backend, nejit_run=T._run):
    """T._run for the peers: backend 'numexpr' or 'numpy' evaluates expr
    with that engine (mode is nejit's and ignored); anything else is
    nejit's own run."""
    if backend not in PEERS:
        return nejit_run(expr, env, mode, backend)
    if backend == "numexpr":
        import numexpr
        got = numexpr.evaluate(expr, local_dict=dict(env))
    elif backend == "jax":
        got = _jax_eval(expr, env)
    else:
        names = {k: getattr(np, k) for k in dir(np) if not k.startswith("_")}
        with np.errstate(all="ignore"):
            got = eval(expr, names, dict(env))  # our own fixed text
    return np.asarray(got).astype(env["a"].dtype, copy=False)


def _jax_eval(expr, env):
    """expr under jax.jit, XLA's CPU functions (float64 enabled: the
    arrays keep their dtype)."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    names = {k: getattr(jnp, k) for k in dir(jnp) if not k.startswith("_")}
    keys = sorted(env)
    fn = jax.jit(lambda *vals: eval(expr, names,  # our own fixed text
                                    dict(zip(keys, vals))))
    return np.asarray(fn(*[env[k] for k in keys]))


def measure_all(n, engines):
    """{(engine, mode): {(name, type): max error or None}} for engines
    among 'nejit', 'numexpr' and 'numpy' (the peers: mode None)."""
    T._run = _peer_run  # measure() and measure_complex() look it up
    names = list(T.UNARY) + list(T.BINARY)
    results = {}
    for engine in engines:
        modes = ["high", "low"] if engine == "nejit" else [None]
        backend = "auto" if engine == "nejit" else engine
        for mode in modes:
            got = {}
            for name in names:
                for dt in ("f8", "f4"):
                    pts = n if dt == "f4" else max(500, n // 4)
                    got[(name, dt)] = _try(T.measure, name, dt, mode or "high",
                                           n=pts, backend=backend)
                if name in T.COMPLEX:
                    got[(name, "c16")] = _try(T.measure_complex, name,
                                              mode or "high",
                                              n=max(300, n // 8),
                                              backend=backend)
            if "abs" in T.COMPLEX:
                got[("abs", "c16")] = _try(T.measure_complex, "abs",
                                           mode or "high", n=max(300, n // 8),
                                           backend=backend)
            results[(engine, mode)] = got
    return results


def _try(fn, *args, **kw):
    """fn's max error, or None where the engine lacks the function."""
    try:
        return fn(*args, **kw)
    except Exception:  # numexpr/numpy without the function or the type
        return None


def _cell(v):
    return "-" if v is None else f"{v:.2f}"


def print_nejit(res):
    print("| function | f8 high | f8 low | f4 high | f4 low | c16 high | c16 low |")
    print("|---|---|---|---|---|---|---|")
    for name in list(T.UNARY) + list(T.BINARY) + ["abs"]:
        row = [name]
        for dt in ("f8", "f4"):
            for m in ("high", "low"):
                row.append("exact" if name == "abs"
                           else _cell(res[("nejit", m)][(name, dt)]))
        for m in ("high", "low"):
            if name in T.COMPLEX:
                row.append(_cell(res[("nejit", m)][(name, "c16")]))
            else:
                row.append("helper" if name in HELPER else "-")
        print("| " + " | ".join(row) + " |")


def print_peers(res):
    print("\n| function | " + " | ".join(
        f"{dt} {p}" for dt in ("f8", "f4", "c16") for p in PEERS) + " |")
    print("|---" * (1 + 3 * len(PEERS)) + "|")
    for name in list(T.UNARY) + list(T.BINARY) + ["abs"]:
        row = [name]
        for dt in ("f8", "f4", "c16"):
            for p in PEERS:
                if name == "abs" and dt != "c16":
                    row.append("exact")
                else:
                    row.append(_cell(res[(p, None)].get((name, dt))))
        print("| " + " | ".join(row) + " |")


def chart(res, directory, n):
    """accuracy.png: one panel per type (f8, f4, c16), one bar per engine
    and mode per function, log scale; the high (1 ULP) and low (3.5 ULP)
    bounds drawn as lines."""
    import _charts
    plt = _charts.pyplot()
    series_keys = [k for k in [("nejit", "high"), ("nejit", "low")]
                   + [(p, None) for p in PEERS] if k in res]
    label = {("nejit", "high"): "nejit high", ("nejit", "low"): "nejit low",
             **{(p, None): p for p in PEERS}}
    colors = {"nejit high": _charts.COLORS["nejit"], "nejit low": "#9ecae1"}
    floor, cap = 0.05, 1e3
    fig, axes = plt.subplots(3, 1, figsize=(11, 9.5))
    for ax, dt, unit in zip(axes, ("f8", "f4", "c16"),
                            ("ULP", "ULP", "units of 2^-53, normwise")):
        names = [nm for nm in list(T.UNARY) + list(T.BINARY) + ["abs"]
                 if any(res[k].get((nm, dt)) is not None
                        for k in series_keys)]
        k = len(series_keys)
        width = 0.8 / k
        for j, key in enumerate(series_keys):
            vals = [res[key].get((nm, dt)) for nm in names]
            xs = [i + (j - (k - 1) / 2) * width for i in range(len(names))]
            shown = [min(cap, max(floor, v)) if v is not None else 0
                     for v in vals]
            ax.bar(xs, shown, width, label=label[key],
                   color=colors.get(label[key],
                                    _charts.COLORS.get(label[key])))
            for x, v in zip(xs, vals):
                if v is not None and (v > cap or math.isinf(v)):
                    ax.text(x, cap, "inf" if math.isinf(v) else f"{v:.0e}",
                            rotation=90, fontsize=6, ha="center", va="top",
                            color="white")
        ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
        ax.axhline(3.5, color="black", linewidth=0.8, linestyle=":")
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, cap * 1.5)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.set_ylabel(f"max error ({'ULP' if dt != 'c16' else '2^-53'})")
        ax.set_title(f"{dt}: max error over the sampled points, {unit}"
                     " (lower is better; dashed: 1, high's bound;"
                     " dotted: 3.5, low's)")
    axes[0].legend(ncol=5, loc="upper left")
    fig.suptitle("accuracy: nejit per mode vs numexpr, numpy and jax.jit,"
                 " max error"
                 f" vs mpmath (f8, c16) or numpy f8 (f4); -n {n}",
                 fontsize=10)
    return _charts.save(fig, directory, "accuracy.png",
                        "bench/accuracy_table.py; values below 0.05 drawn"
                        " at 0.05, above 1000 capped")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=4000, help="points per function")
    ap.add_argument("--peers", action="store_true",
                    help="also measure numexpr, numpy and jax.jit")
    ap.add_argument("--png", default=None, metavar="DIR",
                    help="also write DIR/accuracy.png")
    args = ap.parse_args()
    engines = ["nejit"] + (list(PEERS) if args.peers else [])
    res = measure_all(args.n, engines)
    print_nejit(res)
    if args.peers:
        print_peers(res)
    if args.png:
        print("wrote", chart(res, args.png, args.n))


if __name__ == "__main__":
    main()
