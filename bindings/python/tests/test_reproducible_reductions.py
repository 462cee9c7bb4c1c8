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
    # Sizes around the block length (16384), the unrolled group (8 vectors)
    # and the parallel threshold.
    rng = np.random.default_rng(7)
    for n in (1, 31, 32, 33, 16383, 16384, 16385, 32767, 32769, 65537,
              131101):
        x = rng.standard_normal(n) * 1e3
        got = set()
        for t in THREADS:
            ne.set_num_threads(t)
            got.add(ne.evaluate("sum(x*x)", local_dict={"x": x}).tobytes())
            got.add(ne.evaluate("max(x)", local_dict={"x": x}).tobytes())
        assert len(got) == 2, n


# --- accuracy against math.fsum ---------------------------------------------

# docs/accuracy.md: a float sum along lines of at least B (16384) elements
# adds groups of 8 vectors plainly (7 roundings per lane), folds the groups
# with TwoSum (within 2 units of the call's sum, plus a term in u^2), and
# the blocks join in a tree of depth ceil(log2(blocks)):
#     |computed - exact| <= ((9 + ceil(log2(blocks))) u + 4 B u^2) sum(|x|)
# numpy's pairwise sum: about (16 + 3 + ceil(log2(n / 128))) u sum(|x|).
BLOCK = 16384


def nejit_bound(n, u):
    blocks = max(1, math.ceil(n / BLOCK))
    return (9 + math.ceil(math.log2(blocks))) * u + 4 * BLOCK * u * u


def numpy_bound(n, u):
    return (16 + 3 + max(0, math.ceil(math.log2(n / 128)))) * u


def inputs(n, dtype):
    rng = np.random.default_rng(n)
    # Mixed signs and magnitudes (cancellation), and one sign only, where a
    # long serial chain's errors add up rather than cancel.
    mixed = rng.standard_normal(n) * np.exp(rng.uniform(-8, 8, n))
    return (mixed.astype(dtype), np.full(n, 0.1, dtype),
            (1 + rng.random(n)).astype(dtype))


def exact_sums(x, axis=None):
    """math.fsum of x and of |x| (float64 values: float32 converts exactly)."""
    x = np.asarray(x, np.float64)
    if axis is None:
        return (math.fsum(x.ravel().tolist()),
                math.fsum(np.abs(x).ravel().tolist()))
    lines = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    return ([math.fsum(r.tolist()) for r in lines],
            [math.fsum(np.abs(r).tolist()) for r in lines])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [1000, 100_003, 3_000_017])
def test_sum_within_stated_bound_of_fsum(dtype, n, restore):
    u = float(np.finfo(dtype).eps) / 2
    assert nejit_bound(n, u) <= numpy_bound(n, u)
    for x in inputs(n, dtype):
        exact, absum = exact_sums(x)
        for t in (1, 2):
            ne.set_num_threads(t)
            got = float(ne.evaluate("sum(x)", local_dict={"x": x}))
            assert abs(got - exact) <= nejit_bound(n, u) * absum, (t, got)
            # mean: the plan's compensated sum, one more rounding.
            got = float(ne.evaluate("mean(x)", local_dict={"x": x}))
            assert abs(got - exact / n) <= (
                3 * u * abs(exact) + 8 * n * u * u * absum) / n, (t, got)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_axis_sums_within_stated_bounds(dtype, restore):
    u = float(np.finfo(dtype).eps) / 2
    rows, cols = 5, 200_003
    x = inputs(rows * cols, dtype)[2].reshape(rows, cols)
    for t in (1, 2):
        ne.set_num_threads(t)
        # Each row is a line folded in blocks: the fold's bound.
        exact, absum = exact_sums(x, axis=1)
        got = ne.evaluate("sum(x, axis=1)", local_dict={"x": x})
        for g, e, a in zip(got.tolist(), exact, absum):
            assert abs(g - e) <= nejit_bound(cols, u) * a
        # A Fortran-ordered copy reduced along axis 0: the same lines.
        got = ne.evaluate("sum(y, axis=0)",
                          local_dict={"y": np.asfortranarray(x.T)})
        for g, e, a in zip(got.tolist(), exact, absum):
            assert abs(g - e) <= nejit_bound(cols, u) * a
        # A C-ordered matrix along axis 0: rows added in order, as numpy
        # adds them: (n - 1) u sum(|x|).
        y = np.ascontiguousarray(x.T)
        exact0, absum0 = exact_sums(y, axis=0)
        got = ne.evaluate("sum(y, axis=0)", local_dict={"y": y})
        for g, e, a in zip(got.tolist(), exact0, absum0):
            assert abs(g - e) <= (cols - 1) * u * a
