"""nejit beyond numexpr (issue 14): reductions anywhere, mean/std/var/any/all,
sum/prod of booleans, clip, execution plans and multi-statement programs,
checked against numpy.

The dtype rule (docs/language.md, "Beyond numexpr"): numexpr's kinds where
numexpr has the reduction (sum of int32 stays int32, float32 stays float32),
numpy's where it does not (sum/prod of bool int64, mean of bool and integers
float64, var/std of complex float64, any/all bool, min/max of bool bool).
Like numexpr's, min and max skip NaN (numpy's nanmin/nanmax).
"""

import math
import warnings

import numpy as np
import pytest

import nejit

KINDS = ["b1", "i4", "i8", "f4", "f8", "c16"]


def _data(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) > 0.4
    if dt.kind == "i":
        return rng.integers(-5, 6, size=shape).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape)
                + 1j * rng.standard_normal(shape)).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def _kind_of(value):
    return np.asarray(value).dtype


# The dtype nejit gives reduction `fn` of an operand of `dtype`.
def expected_dtype(fn, dtype):
    k = np.dtype(dtype).kind
    if fn in ("any", "all"):
        return np.dtype(bool)
    if fn in ("sum", "prod"):
        return np.dtype("i8") if k == "b" else np.dtype(dtype)
    if fn in ("min", "max"):
        return np.dtype(dtype)
    if fn == "mean":
        return np.dtype("f8") if k in "bi" else np.dtype(dtype)
    # var, std
    if k in "bic":
        return np.dtype("f8")
    return np.dtype(dtype)


def numpy_reduce(fn, x, axis=None, keepdims=False, ddof=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if fn in ("min", "max"):
            # numexpr's (and nejit's) min/max skip NaN
            if x.dtype.kind in "fc":
                f = np.nanmin if fn == "min" else np.nanmax
            else:
                f = np.min if fn == "min" else np.max
            return f(x, axis=axis, keepdims=keepdims)
        if fn in ("var", "std"):
            return getattr(np, fn)(x, axis=axis, keepdims=keepdims, ddof=ddof)
        return getattr(np, fn)(x, axis=axis, keepdims=keepdims)


def tol(dtype):
    k = np.dtype(dtype)
    if k == np.float32:
        return dict(rtol=2e-5, atol=2e-5)
    return dict(rtol=1e-12, atol=1e-12)


def supported(fn, dtype):
    return not (fn in ("min", "max") and np.dtype(dtype).kind == "c")


FUNCS = ["sum", "prod", "min", "max", "mean", "var", "std", "any", "all"]


# ---------------------------------------------------------------------------
# Every reduction of every kind, 1-d and 2-d, every axis, keepdims
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", KINDS)
@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("shape,axis", [((37,), None), ((37,), 0),
                                        ((37,), -1), ((6, 9), None),
                                        ((6, 9), 0), ((6, 9), 1),
                                        ((6, 9), -1), ((6, 9), -2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_inside_an_expression(dtype, fn, shape, axis, keepdims):
    if not supported(fn, dtype):
        pytest.skip("min/max of complex numbers: numexpr has none")
    x = _data(dtype, shape)
    if fn == "prod" and np.dtype(dtype).kind in "fc":
        x = (x / 4 + 1).astype(dtype)  # keep products representable
    call = "%s(x, axis=%s, keepdims=%s)" % (fn, axis, keepdims)
    if axis is not None and axis < 0 and fn in ("sum", "prod", "min", "max"):
        # numexpr's reductions keep numexpr's rule (its suite checks it)
        with pytest.raises(ValueError, match="negative axis"):
            nejit.evaluate("copy(%s)" % call)
        return
    # `+ 0 * ...` would change types; a bare reduction with keepdims or a
    # negative axis already runs as a plan, and so does a copy() of it.
    got = nejit.evaluate("copy(%s)" % call)
    want = numpy_reduce(fn, x, axis=axis, keepdims=keepdims)
    assert got.dtype == expected_dtype(fn, dtype)
    assert got.shape == np.shape(want)
    if np.dtype(dtype).kind in "bi" and fn in ("sum", "prod", "min", "max"):
        np.testing.assert_array_equal(got, np.asarray(want).astype(got.dtype))
    else:
        np.testing.assert_allclose(got, want, **tol(got.dtype))


@pytest.mark.parametrize("dtype", ["i4", "f4", "f8", "c16"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_var_std_ddof(dtype, ddof, axis):
    x = _data(dtype, (7, 5), seed=3)
    for fn in ("var", "std"):
        got = nejit.evaluate("%s(x, axis=%s, ddof=%d) * 1" % (fn, axis, ddof))
        want = numpy_reduce(fn, x, axis=axis, ddof=ddof)
        np.testing.assert_allclose(got, want, **tol(got.dtype))


@pytest.mark.parametrize("dtype", KINDS)
def test_numexpr_kinds_where_numexpr_has_the_reduction(dtype):
    x = _data(dtype, (10,))
    for fn in ("sum", "prod"):
        if np.dtype(dtype).kind == "b":
            continue
        # numexpr's own (outermost) reduction and the same one inside an
        # expression have one type.
        assert nejit.evaluate("%s(x)" % fn).dtype == \
            nejit.evaluate("-%s(x)" % fn).dtype


def test_sum_and_prod_of_booleans_are_int64():
    b = _data("b1", (1000,))
    assert nejit.evaluate("sum(b)").dtype == np.int64
    assert nejit.evaluate("sum(b)") == b.sum()
    assert nejit.evaluate("sum(b, axis=0)") == b.sum(axis=0)
    assert nejit.evaluate("prod(b)") == np.prod(b)
    a = np.linspace(0, 1, 1001)
    assert nejit.evaluate("sum(a > 0.5)") == (a > 0.5).sum()
    m = b.reshape(10, 100)
    np.testing.assert_array_equal(nejit.evaluate("sum(m, axis=1)"),
                                  m.sum(axis=1))
    assert nejit.evaluate("min(b)").dtype == np.bool_


# ---------------------------------------------------------------------------
# The issue's examples and broadcasting like numpy
# ---------------------------------------------------------------------------

def test_examples_of_the_issue():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(1001)
    b = rng.standard_normal(1001)
    close = dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nejit.evaluate("-sum(a)"), -a.sum(), **close)
    np.testing.assert_allclose(nejit.evaluate("a - mean(a)"), a - a.mean(),
                               **close)
    np.testing.assert_allclose(nejit.evaluate("a / max(abs(a))"),
                               a / np.abs(a).max(), **close)
    np.testing.assert_allclose(nejit.evaluate("(a - mean(a)) / std(a)"),
                               (a - a.mean()) / a.std(), **close)
    np.testing.assert_allclose(
        nejit.evaluate("sum(a*b) / sqrt(sum(a*a) * sum(b*b))"),
        a @ b / np.sqrt((a @ a) * (b @ b)), **close)
    np.testing.assert_array_equal(nejit.evaluate("where(a > mean(a), a, 0)"),
                                  np.where(a > a.mean(), a, 0))
    assert nejit.evaluate("sum(a > 0.5)") == (a > 0.5).sum()
    np.testing.assert_allclose(nejit.evaluate("sum(a - mean(a))"),
                               (a - a.mean()).sum(), atol=1e-12)


def test_broadcasting_of_reduced_values():
    m = _data("f8", (5, 4), seed=2)
    close = dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nejit.evaluate("m - mean(m, axis=0)"),
                               m - m.mean(axis=0), **close)
    np.testing.assert_allclose(
        nejit.evaluate("m - mean(m, axis=1, keepdims=True)"),
        m - m.mean(axis=1, keepdims=True), **close)
    np.testing.assert_allclose(
        nejit.evaluate("(m - mean(m, axis=0)) / std(m, axis=0, ddof=1)"),
        (m - m.mean(axis=0)) / m.std(axis=0, ddof=1), **close)
    # A reduced row against a matrix of other inputs.
    v = _data("f8", (4,), seed=3)
    np.testing.assert_allclose(nejit.evaluate("v * sum(m, axis=0)"),
                               v * m.sum(axis=0), **close)
    # Inputs keep their own shapes: a row summed is a row.
    np.testing.assert_allclose(nejit.evaluate("v + sum(m, axis=0)"),
                               v + m.sum(axis=0), **close)
    assert nejit.evaluate("v + sum(m, axis=0)").shape == (4,)


def test_incompatible_broadcast_is_an_error_with_the_column():
    m = np.ones((5, 4))
    with pytest.raises(ValueError) as e:
        nejit.evaluate("m - mean(m, axis=1)")
    assert "could not be broadcast together with shapes (5,4) (5,)" in \
        str(e.value)
    assert "<expr>:1:3:" in str(e.value)


def test_axis_out_of_bounds_is_an_error():
    m = np.ones((5, 4))
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        nejit.evaluate("m - mean(m, axis=2)")
    with pytest.raises(ValueError, match="axis -3 is out of bounds"):
        nejit.evaluate("mean(m, axis=-3) + 1")
    # numexpr's own outermost sum keeps its error type
    with pytest.raises(ValueError):
        nejit.evaluate("sum(m, axis=2)")


def test_strided_and_transposed_operands():
    base = _data("f8", (12, 10), seed=4)
    for m in (base[::2, ::3], base.T, base[:, 1::2].T):
        for axis in (None, 0, 1):
            got = nejit.evaluate("m - mean(m, axis=%s, keepdims=True)" % axis)
            np.testing.assert_allclose(
                got, m - m.mean(axis=axis, keepdims=True), rtol=1e-12,
                atol=1e-12)
            np.testing.assert_allclose(
                nejit.evaluate("var(m, axis=%s) + 0" % axis),
                m.var(axis=axis), rtol=1e-12, atol=1e-12)


def test_fortran_ordered_input_keeps_numpy_results():
    m = np.asfortranarray(_data("f8", (50, 30), seed=5))
    for axis in (0, 1):
        np.testing.assert_allclose(
            nejit.evaluate("m / sum(m, axis=%d, keepdims=True)" % axis),
            m / m.sum(axis=axis, keepdims=True), rtol=1e-12)


# ---------------------------------------------------------------------------
# Empty arrays, NaN and infinities
# ---------------------------------------------------------------------------

def test_empty_arrays():
    e = np.zeros(0)
    assert nejit.evaluate("sum(e) + 1") == 1.0
    assert nejit.evaluate("prod(e) + 1") == 2.0
    assert nejit.evaluate("any(e) | False") == np.False_
    assert nejit.evaluate("all(e) & True") == np.True_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(nejit.evaluate("mean(e) + 1"))
        assert np.isnan(nejit.evaluate("var(e) + 1"))
    with pytest.raises(ValueError, match="zero-size array to reduction "
                                         "operation min"):
        nejit.evaluate("min(e) + 1")
    m = np.zeros((0, 3))
    np.testing.assert_array_equal(nejit.evaluate("sum(m, axis=0) + 1"),
                                  np.ones(3))
    assert nejit.evaluate("m - mean(m, axis=0)").shape == (0, 3)
    assert nejit.evaluate("sum(m, axis=1) + 1").shape == (0,)
    # nothing is written when the run fails
    out = np.full(3, 7.0)
    x = np.zeros((0, 3))
    with pytest.raises(ValueError):
        nejit.evaluate("max(x, axis=0) + 1", out=out)
    np.testing.assert_array_equal(out, np.full(3, 7.0))


def test_nan_and_infinities():
    a = np.array([1.0, np.nan, 3.0, -2.0])
    assert np.isnan(nejit.evaluate("sum(a) + 0"))
    assert np.isnan(nejit.evaluate("mean(a) + 0"))
    assert np.isnan(nejit.evaluate("var(a) + 0"))
    assert nejit.evaluate("min(a) + 0") == -2.0  # NaN skipped, as numexpr
    assert nejit.evaluate("max(a) + 0") == 3.0
    assert nejit.evaluate("any(a) & True")
    assert nejit.evaluate("all(a) | False")  # NaN is true
    b = np.array([1.0, np.inf, 3.0])
    assert nejit.evaluate("sum(b) + 0") == np.inf
    assert nejit.evaluate("mean(b) + 0") == np.inf
    assert np.isnan(nejit.evaluate("var(b) + 0"))
    c = np.array([np.inf, -np.inf])
    assert np.isnan(nejit.evaluate("sum(c) + 0"))
    n = np.full(5, np.nan)
    assert np.isnan(nejit.evaluate("min(n) + 0"))
    big = np.full(10, 1e308)
    assert nejit.evaluate("sum(big) + 0") == np.inf


# ---------------------------------------------------------------------------
# clip
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["b1", "i4", "i8", "f4", "f8"])
def test_clip_matches_numpy(dtype):
    x = _data(dtype, (101,), seed=6)
    if np.dtype(dtype).kind == "b":
        got = nejit.evaluate("clip(x, False, True)")
        np.testing.assert_array_equal(got, x)
        return
    got = nejit.evaluate("clip(x, -1, 2)")
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.clip(x, -1, 2))
    np.testing.assert_array_equal(nejit.evaluate("clip(x, None, 2)"),
                                  np.clip(x, None, 2))
    np.testing.assert_array_equal(nejit.evaluate("clip(x, -1, None)"),
                                  np.clip(x, -1, None))


def test_clip_nan_and_array_bounds():
    x = np.array([np.nan, -3.0, 0.5, 9.0])
    np.testing.assert_array_equal(nejit.evaluate("clip(x, 0, 1)"),
                                  np.clip(x, 0, 1))
    lo = np.array([0.0, np.nan, 0.0, 0.0])
    np.testing.assert_array_equal(nejit.evaluate("clip(x, lo, 1)"),
                                  np.clip(x, lo, 1))
    with pytest.raises(TypeError, match="complex"):
        nejit.evaluate("clip(x * 1j, 0, 1)")


# ---------------------------------------------------------------------------
# Threads: the plan's reductions do not depend on the thread count
# ---------------------------------------------------------------------------

THREAD_CASES = {
    "(a - mean(a)) / std(a)": lambda a, m: (a - a.mean()) / a.std(),
    "sum(a) + 0": lambda a, m: a.sum(),
    "var(a, ddof=1) + 0": lambda a, m: a.var(ddof=1),
    "m - mean(m, axis=0)": lambda a, m: m - m.mean(axis=0),
    "m - mean(m, axis=1, keepdims=True)":
        lambda a, m: m - m.mean(axis=1, keepdims=True),
    "sum(m, axis=0) * 1": lambda a, m: m.sum(axis=0),
    "std(m, axis=1) * 1": lambda a, m: m.std(axis=1),
    "sum(a > 0.5) + 0": lambda a, m: (a > 0.5).sum(),
    "max(a) - min(a)": lambda a, m: a.max() - a.min(),
    "any(a > 4) | all(a < 10)": lambda a, m: (a > 4).any() | (a < 10).all(),
}


@pytest.mark.parametrize("expr", sorted(THREAD_CASES))
def test_one_and_two_threads_agree_bitwise(expr):
    rng = np.random.default_rng(7)
    a = rng.standard_normal(300001)
    m = rng.standard_normal((700, 600))
    old = nejit.set_num_threads(1)
    try:
        one = nejit.evaluate(expr)
        nejit.set_num_threads(2)
        two = nejit.evaluate(expr)
    finally:
        nejit.set_num_threads(old)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, THREAD_CASES[expr](a, m), rtol=1e-10,
                               atol=1e-10)


@pytest.mark.parametrize("dtype", KINDS)
@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_every_kind_on_one_and_two_threads(dtype, fn, axis):
    # Large enough (150,000 elements) that reduce passes split into blocks
    # and the threads share them; every kind, against numpy, bitwise the
    # same result for either thread count.
    if not supported(fn, dtype):
        pytest.skip("min/max of complex numbers: numexpr has none")
    x = _data(dtype, (500, 300), seed=3)
    if fn == "prod" and np.dtype(dtype).kind in "fc":
        x = (1 + x / 1000).astype(dtype)  # products stay finite
    expr = "copy(%s(x, axis=%s))" % (fn, axis)
    old = nejit.set_num_threads(1)
    try:
        one = nejit.evaluate(expr)
        nejit.set_num_threads(2)
        two = nejit.evaluate(expr)
    finally:
        nejit.set_num_threads(old)
    np.testing.assert_array_equal(one, two)
    assert one.dtype == expected_dtype(fn, dtype)
    if np.dtype(dtype).kind in "bi" and fn in ("sum", "prod", "min", "max"):
        # Integers wrap alike in both (numexpr keeps i4 for i4).
        exact = x if fn in ("min", "max") else x.astype("i8")
        want = numpy_reduce(fn, exact, axis=axis)
        np.testing.assert_array_equal(one, np.asarray(want).astype(one.dtype))
        return
    # Floating results against numpy in float64 (complex128), so the
    # reference's own rounding does not count against nejit's.
    wide = x.astype("c16" if np.dtype(dtype).kind == "c" else "f8")
    want = numpy_reduce(fn, wide, axis=axis)
    if np.dtype(one.dtype) == np.float32:
        # Sums, means and variances of f4 are compensated or accumulated in
        # f8; a product is plain float32 multiplication (numexpr's), whose
        # error grows with the count: about sqrt(n) eps, 150,000 -> 2e-5.
        rtol = 1e-4 if fn == "prod" else 2e-6
        np.testing.assert_allclose(one, want, rtol=rtol, atol=1e-6)
    else:
        np.testing.assert_allclose(one, want, rtol=1e-11, atol=1e-11)


# ---------------------------------------------------------------------------
# Accuracy: ill-conditioned sums and variances
# ---------------------------------------------------------------------------

EPS = np.finfo(np.float64).eps


def test_ill_conditioned_sum_against_fsum():
    # Huge terms that cancel and small ones that survive: numpy's pairwise
    # summation loses the small ones; Neumaier's compensated sum keeps
    # them. Stated bound: |nejit - exact| <= 2 eps |exact| + 8 n eps^2 sum|x|
    # (Neumaier's, with room for the pairwise join of blocks).
    rng = np.random.default_rng(8)
    n = 1_000_000
    big = rng.standard_normal(n // 2) * 1e16
    small = rng.standard_normal(n - 2 * (n // 4)) * 1.0
    x = np.concatenate([big[: n // 4], -big[: n // 4], small])
    rng.shuffle(x)
    exact = math.fsum(x)
    bound = 2 * EPS * abs(exact) + 8 * n * EPS**2 * np.abs(x).sum()
    for threads in (1, 2):
        old = nejit.set_num_threads(threads)
        try:
            got = nejit.evaluate("sum(x) + 0")
        finally:
            nejit.set_num_threads(old)
        assert abs(got - exact) <= bound, (got, exact, bound)
    assert abs(got - exact) <= abs(np.sum(x) - exact)


def test_classic_cancellation():
    x = np.array([1e16, 1.0, -1e16] * 1000 + [0.5])
    assert nejit.evaluate("sum(x) + 0") == math.fsum(x) == 1000.5
    mean = math.fsum(x) / x.size
    assert abs(nejit.evaluate("mean(x) + 0") - mean) <= np.spacing(mean)
    assert np.mean(x) != mean  # numpy's pairwise sum loses the ones


def test_ill_conditioned_variance():
    # A large offset over a small spread (condition number ~1e8): the
    # textbook E[x^2] - E[x]^2 loses every digit; Welford's updates joined
    # with Chan's formula stay within 1e-7 relative (stated bound, about
    # 2 u kappa) of the exact variance.
    from fractions import Fraction
    rng = np.random.default_rng(9)
    x = 1e8 + rng.standard_normal(20000)
    fx = [Fraction(v) for v in x]
    exact_mean = sum(fx) / len(fx)
    exact_var = float(sum((v - exact_mean) ** 2 for v in fx) / len(fx))
    got = nejit.evaluate("var(x) + 0")
    assert abs(got - exact_var) <= 1e-7 * exact_var, (got, exact_var)
    naive = np.mean(x * x) - np.mean(x) ** 2
    assert abs(naive - exact_var) > 1e-3 * exact_var  # the test can fail
    # The mean itself: at least as close to the exact one as numpy's.
    got_mean = nejit.evaluate("mean(x) + 0")
    assert abs(Fraction(float(got_mean)) - exact_mean) <= \
        abs(Fraction(float(x.mean())) - exact_mean)
    # Standardized values: x - mean cancels to within an ulp of 1e8.
    got_std = nejit.evaluate("(x - mean(x)) / std(x)")
    ulp = np.spacing(1e8)
    np.testing.assert_allclose(got_std, (x - x.mean()) / x.std(), rtol=1e-6,
                               atol=2 * ulp / x.std())


def test_long_variance_against_numpy_two_pass():
    rng = np.random.default_rng(10)
    x = 1e4 + rng.standard_normal(3_000_001)
    for threads in (1, 2):
        old = nejit.set_num_threads(threads)
        try:
            got = nejit.evaluate("var(x) + 0")
        finally:
            nejit.set_num_threads(old)
        assert abs(got - x.var()) <= 1e-10 * x.var()


# ---------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------

def test_program_with_a_result():
    a = _data("f8", (1000,), seed=11)
    b = _data("f8", (1000,), seed=12)
    got = nejit.evaluate_program("t = a*b; u = sin(t); t*t + u")
    t = a * b
    np.testing.assert_allclose(got, t * t + np.sin(t), rtol=1e-15)


def test_program_outputs_are_a_dict():
    a = _data("f8", (1000,), seed=11)
    b = _data("f8", (1000,), seed=12)
    got = nejit.evaluate_program("x = a + b; y = a * b")
    assert list(got) == ["x", "y"]
    np.testing.assert_array_equal(got["x"], a + b)
    np.testing.assert_array_equal(got["y"], a * b)
    got = nejit.evaluate_program("x = a - mean(a); y = x / std(a)")
    np.testing.assert_allclose(got["x"], a - a.mean(), atol=1e-14)
    np.testing.assert_allclose(got["y"], (a - a.mean()) / a.std(),
                               atol=1e-14)


def test_program_newlines_reassignment_and_shadowing():
    a = np.arange(6.0)
    prog = """
x = a * 2
a = a + 1
y = (x +
     a)
x = x - 1
"""
    got = nejit.evaluate_program(prog)
    # outputs in order of first assignment, with their last values
    assert list(got) == ["x", "a", "y"]
    np.testing.assert_array_equal(got["x"], np.arange(6.0) * 2 - 1)
    np.testing.assert_array_equal(got["a"], np.arange(6.0) + 1)
    np.testing.assert_array_equal(got["y"],
                                  np.arange(6.0) * 2 + np.arange(6.0) + 1)


def test_program_out_dict_and_array():
    a = np.arange(10.0)
    out = {"x": np.empty(10), "y": np.empty(10, dtype=np.float32)}
    got = nejit.evaluate_program("x = a + 1; y = a * 2", out=out,
                                 casting="same_kind")
    assert got["x"] is out["x"] and got["y"] is out["y"]
    np.testing.assert_array_equal(out["x"], a + 1)
    np.testing.assert_array_equal(out["y"], (a * 2).astype(np.float32))
    partial = {"y": np.empty(10)}
    got = nejit.evaluate_program("x = a + 1; y = a * 2", out=partial)
    assert got["y"] is partial["y"]
    np.testing.assert_array_equal(got["x"], a + 1)
    one = np.empty(10)
    assert nejit.evaluate_program("t = a + 1; t * t", out=one) is one
    np.testing.assert_array_equal(one, (a + 1) ** 2)
    with pytest.raises(TypeError, match="dict"):
        nejit.evaluate_program("x = a + 1; y = a * 2", out=np.empty(10))
    with pytest.raises(KeyError):
        nejit.evaluate_program("x = a + 1", out={"z": np.empty(10)})
    with pytest.raises(ValueError, match="shape"):
        nejit.evaluate_program("x = a + 1", out={"x": np.empty(3)})


def test_program_errors_write_no_output():
    a = np.arange(10.0)
    x = np.full(10, -7.0)
    with pytest.raises(ValueError, match="axis 1 is out of bounds"):
        nejit.evaluate_program("x = a + 1; y = a - mean(a, axis=1)",
                               out={"x": x})
    np.testing.assert_array_equal(x, np.full(10, -7.0))
    e = np.zeros(0)
    with pytest.raises(ValueError, match="zero-size"):
        nejit.evaluate_program("x = a + 1; y = max(e)", out={"x": x})
    np.testing.assert_array_equal(x, np.full(10, -7.0))


def test_program_outputs_of_different_shapes():
    m = _data("f8", (4, 5), seed=13)
    got = nejit.evaluate_program(
        "mu = mean(m, axis=0); z = (m - mu) / std(m, axis=0); s = sum(m)")
    np.testing.assert_allclose(got["mu"], m.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(got["z"], (m - m.mean(axis=0)) / m.std(axis=0),
                               rtol=1e-12)
    assert got["s"].shape == ()
    np.testing.assert_allclose(got["s"], m.sum(), rtol=1e-13)


def test_program_dicts_and_errors():
    got = nejit.evaluate_program("x = p * 2", local_dict={"p": np.ones(3)})
    np.testing.assert_array_equal(got["x"], 2 * np.ones(3))
    with pytest.raises(KeyError):
        nejit.evaluate_program("x = nowhere_defined * 2")
    a = np.ones(3)
    with pytest.raises(SyntaxError) as e:
        nejit.evaluate_program("x = a\ny = a +")
    assert "<expr>:2:" in str(e.value)
    with pytest.raises(SyntaxError, match="only the last statement"):
        nejit.evaluate_program("a + 1; x = a")
    with pytest.raises(SyntaxError, match="augmented"):
        nejit.evaluate_program("x = a; x += 1")


def test_program_temporaries_live_in_registers():
    # A chain of temporaries is one loop with one output, however long.
    prog = "; ".join("t%d = t%d * 1.0001" % (i + 1, i) for i in range(60))
    t0 = np.arange(5.0)
    k = nejit.compile(prog + "; t60 + 0", [("t0", "f8")])
    assert not k.is_plan and k.passes == 1
    np.testing.assert_allclose(k(t0), t0 * 1.0001**60, rtol=1e-13)


def test_evaluate_keeps_rejecting_statements():
    a = np.ones(3)
    with pytest.raises(SyntaxError):
        nejit.evaluate("x = a + 1")
    with pytest.raises(ValueError):
        nejit.evaluate("a; a")  # numexpr's sanitizer


# ---------------------------------------------------------------------------
# The Kernel of a plan
# ---------------------------------------------------------------------------

def test_kernel_outputs_and_plan():
    k = nejit.compile("x = a - mean(a); y = x / std(a)", [("a", "f8")])
    assert k.is_plan and k.passes == 2
    assert [n for n, _ in k.outputs] == ["x", "y"]
    assert all(d == np.float64 for _, d in k.outputs)
    text = k.dis("plan")
    assert text.startswith("plan: 2 passes over memory (1 reduce, "
                           "1 elementwise)")
    one = nejit.compile("2*a + 1", [("a", "f8")])
    assert not one.is_plan and one.passes == 1
    assert one.outputs == [("", np.dtype("f8"))]
    r = k(np.arange(4.0))
    assert set(r) == {"x", "y"}
