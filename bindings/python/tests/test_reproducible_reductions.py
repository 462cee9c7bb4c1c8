"""Reproducible reductions: every reduction gives the same bits for every
thread count (1, 2, 3 and 7, oversubscribing a 2-core machine) and in both
tiers, because the runtime cuts a reduced range into blocks that depend on
its shape only and joins them in a fixed order (lib/Runtime/ReduceChunker.h);
and a float sum stays within the bound docs/accuracy.md states, checked
against math.fsum.

The tiers are compared in fresh interpreters (NEJIT_TIER is read once per
process), as test_tiers.py does.
"""

import hashlib
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import nejit as ne

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python
THREADS = (1, 2, 3, 7)

# The big case of issue 18: 10,000,019 values, and a 2-D array of about as
# many for the axis reductions.
BIG_CHILD = """
import hashlib, json
import numpy as np
import nejit as ne

rng = np.random.default_rng(18)
out = {}
for dt in ("float64", "float32"):
    v = (rng.standard_normal(10_000_019) * 1e6).astype(dt)
    m = (rng.standard_normal((2003, 4993)) * 1e3).astype(dt)
    cases = [("v", None, v), ("m", 0, m), ("m", 1, m)]
    for op in ("sum", "mean", "var"):
        for name, axis, x in cases:
            ex = "%s(x*1.5)" % op if axis is None else \\
                "%s(x*1.5, axis=%d)" % (op, axis)
            for t in THREADS:
                ne.set_num_threads(t)
                r = np.ascontiguousarray(ne.evaluate(ex, local_dict={"x": x}))
                key = "%s %s %s" % (dt, name, ex)
                out.setdefault(key, {})[str(t)] = \\
                    hashlib.sha256(r.tobytes()).hexdigest()[:16]
print(json.dumps(out))
"""


def run_child(code, tier, timeout=600):
    """Runs code in a fresh interpreter under NEJIT_TIER=tier; returns the
    JSON object it prints on its last line."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEJIT_", "NUMEXPR_", "OMP_"))}
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["NEJIT_TIER"] = tier
    full = "THREADS = %r\n%s" % (THREADS, textwrap.dedent(code))
    proc = subprocess.run([sys.executable, "-c", full], env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        "child failed (%d)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_big_sum_mean_var_same_bits_for_threads_and_tiers():
    got = {tier: run_child(BIG_CHILD, tier) for tier in ("interp", "jit")}
    assert got["interp"].keys() == got["jit"].keys()
    assert len(got["jit"]) == 2 * 3 * 3
    for key, by_threads in got["jit"].items():
        assert set(by_threads) == {str(t) for t in THREADS}, key
        assert len(set(by_threads.values())) == 1, (key, by_threads)
        assert got["interp"][key] == by_threads, key


# --- every reduction and dtype, smaller, in this process -------------------

OPS = ("sum", "prod", "mean", "var", "std", "min", "max", "any", "all")
DTYPES = ("bool", "int32", "int64", "float32", "float64", "complex128")
# Over runtime::SerialThreshold elements, so that the runs go parallel.
ROWS, COLS = 613, 331


def operand(dtype, op):
    rng = np.random.default_rng(abs(hash((dtype, op))) % 2**32)
    shape = (ROWS, COLS)
    if dtype == "bool":
        # any/all must not be decided by the first elements alone.
        return rng.random(shape) < (0.999 if op == "all" else 0.001)
    if dtype in ("int32", "int64"):
        if op == "prod":  # numpy's int32 product is int64: no overflow
            return rng.choice(np.array([-1, 1], dtype), shape)
        return rng.integers(-3, 4, shape).astype(dtype)
    x = rng.standard_normal(shape)
    if op == "prod":
        x = 1.0 + x * 1e-3  # a product that neither overflows nor vanishes
    if dtype == "complex128":
        return x + 1j * rng.standard_normal(shape) * (1e-3 if op == "prod"
                                                       else 1)
    return x.astype(dtype)


def layouts(x):
    """The operand as C-ordered, Fortran-ordered, and a strided view."""
    big = np.zeros((x.shape[0], 2 * x.shape[1]), x.dtype)
    big[:, ::2] = x
    return {"c": x, "f": np.asfortranarray(x), "strided": big[:, ::2],
            "transposed": np.ascontiguousarray(x.T).T}


def supported(op, dtype):
    # min and max order numbers: complex has no order (as in numexpr).
    return not (op in ("min", "max") and dtype == "complex128")


@pytest.fixture
def restore():
    threads, tier = ne.get_num_threads(), ne.get_tier()
    yield
    ne.set_num_threads(threads)
    ne.set_tier(tier)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_every_reduction_same_bits(op, dtype, restore):
    if not supported(op, dtype):
        with pytest.raises(Exception):
            ne.evaluate("%s(x)" % op, local_dict={"x": operand(dtype, op)})
        return
    x0 = operand(dtype, op)
    for layout, x in layouts(x0).items():
        for axis in (None, 0, 1):
            ex = "%s(x)" % op if axis is None else "%s(x, axis=%d)" % (op,
                                                                       axis)
            seen = {}
            for tier in ("interp", "jit"):
                ne.set_tier(tier)
                for t in THREADS:
                    ne.set_num_threads(t)
                    r = np.ascontiguousarray(
                        ne.evaluate(ex, local_dict={"x": x}))
                    seen[(tier, t)] = r.tobytes()
            what = "%s %s %s" % (dtype, layout, ex)
            assert len(set(seen.values())) == 1, what
            ref = getattr(np, op)(x0, axis=axis)
            if dtype in ("bool", "int32", "int64") and op in (
                    "sum", "prod", "min", "max", "any", "all"):
                np.testing.assert_array_equal(r, ref, err_msg=what)
            else:  # rounding: orders differ from numpy's
                np.testing.assert_allclose(r, ref, rtol=1e-3, atol=1e-2,
                                           err_msg=what)


def test_result_does_not_depend_on_the_run_of_threads_for_odd_sizes(restore):
    # Sizes around the block length (4096) and the parallel threshold.
    rng = np.random.default_rng(7)
    for n in (1, 4095, 4096, 4097, 32767, 32769, 65537, 131101):
        x = rng.standard_normal(n) * 1e3
        got = set()
        for t in THREADS:
            ne.set_num_threads(t)
            got.add(ne.evaluate("sum(x*x)", local_dict={"x": x}).tobytes())
            got.add(ne.evaluate("max(x)", local_dict={"x": x}).tobytes())
        assert len(got) == 2, n


# --- accuracy against math.fsum ---------------------------------------------

# docs/accuracy.md: a sum over a line of n elements folded in blocks of B
# (4096) elements by V lanes is off by at most
#     (ceil(B / V) + 2 V + ceil(log2(ceil(n / B)))) * u * sum(|x|)
# (u the unit roundoff), V >= 2 on every x86-64 level nejit runs.
BLOCK = 4096


def fold_bound(n, u, lanes=2):
    chain = min(n, math.ceil(BLOCK / lanes)) + 2 * lanes
    blocks = max(1, math.ceil(n / BLOCK))
    return (chain + math.ceil(math.log2(blocks))) * u


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [1000, 100_003, 3_000_017])
def test_sum_within_stated_bound_of_fsum(dtype, n, restore):
    rng = np.random.default_rng(n)
    # Mixed signs and magnitudes (cancellation), and one sign only, where a
    # long serial chain's errors add up rather than cancel.
    mixed = rng.standard_normal(n) * np.exp(rng.uniform(-8, 8, n))
    for x in (mixed.astype(dtype), np.full(n, 0.1, dtype),
              (1 + rng.random(n)).astype(dtype)):
        check_sum(x, dtype, n)


def check_sum(x, dtype, n):
    u = float(np.finfo(dtype).eps) / 2
    exact = math.fsum(x.astype(np.float64).tolist())
    absum = math.fsum(np.abs(x.astype(np.float64)).tolist())
    for t in (1, 2):
        ne.set_num_threads(t)
        got = float(ne.evaluate("sum(x)", local_dict={"x": x}))
        assert abs(got - exact) <= fold_bound(n, u) * absum, (t, got, exact)
        # The plan's sums (mean among them) are compensated: within a few
        # units of the exact mean.
        got = float(ne.evaluate("mean(x)", local_dict={"x": x}))
        assert abs(got - exact / n) <= (
            3 * u * abs(exact) + 8 * n * u * u * absum) / n, (t, got)
