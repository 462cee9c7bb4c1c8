"""Axis reductions large enough to run in parallel, in both memory orders.

When the reduced axis is not the innermost one in memory, the runtime
accumulates whole rows into the output (out[j] = op(out[j], x[r, j])) with
threads owning disjoint parts of the output; otherwise it folds each line
into one accumulator. Both strategies must give numpy's answers.
"""
import numpy as np
import pytest

import nejit

OPS = {"sum": np.sum, "prod": np.prod, "min": np.nanmin, "max": np.nanmax}


def make(dtype, shape, order, rng):
    if dtype == "c16":
        x = rng.uniform(0.9, 1.1, shape) + 1j * rng.uniform(-0.1, 0.1, shape)
    elif dtype in ("i4", "i8"):
        x = rng.integers(-3, 4, shape)
    else:
        x = rng.uniform(0.5, 1.5, shape)
    return np.asarray(x, dtype=dtype, order=order)


# numexpr (and so nejit) has no complex min/max: those are not generated.
CASES = [(dtype, op) for dtype in ("i4", "i8", "f4", "f8", "c16")
         for op in sorted(OPS) if not (dtype == "c16" and op in ("min", "max"))]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype,op", CASES)
def test_axis_reduction_matches_numpy(dtype, op, axis, order, threads):
    rng = np.random.default_rng(7)
    x = make(dtype, (300, 701), order, rng)
    old = nejit.set_num_threads(threads)
    try:
        got = nejit.evaluate(f"{op}(x, axis={axis})")
    finally:
        nejit.set_num_threads(old)
    want = OPS[op](x, axis=axis)
    assert got.shape == want.shape
    if dtype in ("i4", "i8"):
        # numexpr keeps int32 sums in int32 (wrapping); compare modulo 2**32
        assert np.array_equal(got.astype(np.int64) % 2**32,
                              want.astype(np.int64) % 2**32)
    else:
        rtol = 1e-4 if dtype == "f4" else 1e-10
        np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("op", ["min", "max"])
def test_axis_min_max_skip_nan(op):
    x = np.random.default_rng(3).uniform(size=(200, 513))
    x[::7, ::3] = np.nan
    x[:, 5] = np.nan  # an all-NaN column stays NaN
    for axis in (0, 1):
        got = nejit.evaluate(f"{op}(x, axis={axis})")
        want = OPS[op](x, axis=axis) if axis == 1 else None
        if axis == 0:
            with np.errstate(all="ignore"):
                want = np.array([OPS[op](c) if not np.isnan(c).all() else np.nan
                                 for c in x.T])
        np.testing.assert_array_equal(got, want)


def test_axis_reduction_of_expression_3d():
    rng = np.random.default_rng(5)
    a = rng.uniform(size=(40, 30, 50))
    b = rng.uniform(size=(40, 30, 50))
    for axis in (0, 1, 2):
        got = nejit.evaluate(f"sum(a * b + 1, axis={axis})")
        np.testing.assert_allclose(got, (a * b + 1).sum(axis=axis), rtol=1e-12)
