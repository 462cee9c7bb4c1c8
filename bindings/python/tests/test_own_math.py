"""nejit's own vector functions (lib/CodeGen/OwnMath.cpp: exp, expm1, tanh,
sinh, cosh, log at accuracy 'high'): at most 1 ULP from mpmath's value (120 bits) on dense grids
and the hard cases, special values exactly numpy's, and the same bits in the
interpreter tier and JIT code (the vector body and the scalar tail alike)."""

import numpy as np
import mpmath
import pytest

import nejit as ne
from bits import assert_same_bits

mpmath.mp.prec = 120

# name, mpmath function, float64 grid range, float32 grid range (lo = 0:
# the whole positive range, _positive_grid)
FUNCTIONS = [
    ("exp", mpmath.exp, (-745.2, 709.8), (-103.98, 88.73)),
    ("expm1", mpmath.expm1, (-40.0, 709.8), (-20.0, 88.8)),
    ("tanh", mpmath.tanh, (-20.0, 20.0), (-10.0, 10.0)),
    ("sinh", mpmath.sinh, (-710.47, 710.47), (-89.4, 89.4)),
    ("cosh", mpmath.cosh, (-710.47, 710.47), (-89.4, 89.4)),
    ("log", mpmath.log, (0.0, np.inf), (0.0, np.inf)),
]


def _hard_cases(dtype):
    """Zeros, subnormals, the overflow and underflow thresholds and their
    neighbours, points near 0 and 1 and near the method's seams."""
    f = np.finfo(dtype)
    pts = [f.smallest_subnormal, f.tiny, f.tiny * 3, 1e-300, 1e-30, 1e-17,
           2.0**-54, 2.0**-28, 1e-8, 1e-4, 0.01, 0.25, 0.3465, 0.3466,
           0.3467, 0.5, 0.549999, 0.55, 0.550001, 0.6931, 0.6932, 1.0,
           1.0397, 1.0398, 3.0, 18.715, 19.06, 19.07, 36.7, 37.08, 37.43,
           37.5, 40.0, 88.72, 88.7228, 89.4, 103.97, 103.98, 709.78,
           709.782712893384, 710.475, 710.4758600739439, 745.13,
           745.1332191019411, 89.41, 89.4159862922329, 0.34657359,
           86.5, 87.3365, 87.33654, 200.0, 708.0, 708.3964, 708.39642,
           1000.0, 744.44, 102.9, 103.27893]
    pts = np.array([p for p in pts if p < f.max], dtype=dtype)
    pts = np.concatenate([pts, np.nextafter(pts, dtype(0)),
                          np.nextafter(pts, dtype(np.inf))])
    return np.concatenate([pts, -pts])


def _positive_grid(dtype, n, seed):
    """Log-uniform from the smallest subnormal to the largest finite value,
    uniform on [0.5, 2], 1 +- log-uniform offsets down to an ulp (where log
    is tiny), the seams of log's reduction (sqrt(2)^(2j+1)) and the hard
    cases, each with its neighbours."""
    rng = np.random.default_rng(seed)
    f = np.finfo(dtype)
    lo, hi = np.log(float(f.smallest_subnormal)), np.log(float(f.max))
    near1 = np.exp(rng.uniform(np.log(float(f.epsneg)), np.log(0.5), n // 4))
    pts = np.array([f.smallest_subnormal, f.smallest_subnormal * 3, f.tiny,
                    f.tiny / 2, 0.5, 1.0, 2.0, 0.75, 1.5, 2.0**-30, 2.0**30,
                    f.max, np.e] + [2.0**(j + 0.5) for j in range(-5, 5)],
                   dtype=dtype)
    xs = np.concatenate([np.exp(rng.uniform(lo, hi, n)),
                         rng.uniform(0.5, 2, n // 2),
                         1 + near1 * rng.choice([-1, 1], n // 4)])
    with np.errstate(over="ignore"):
        xs = np.concatenate([xs.astype(dtype), pts, np.nextafter(pts, dtype(0)),
                             np.nextafter(pts, dtype(np.inf))])
    return xs[np.isfinite(xs) & (xs > 0)]


def _grid(dtype, lo, hi, n=20000, seed=0):
    """Uniform on [lo, hi], uniform on [-1, 1], log-uniform tiny ones, and
    the hard cases; for lo = 0, _positive_grid."""
    if lo == 0:
        return _positive_grid(dtype, n, seed)
    rng = np.random.default_rng(seed)
    tiny = np.exp(rng.uniform(np.log(1e-30), 0, n // 4)) \
        * rng.choice([-1, 1], n // 4)
    xs = np.concatenate([np.linspace(lo, hi, n), rng.uniform(-1, 1, n // 2),
                         tiny, _hard_cases(dtype)]).astype(dtype)
    return xs[(xs >= lo) & (xs <= hi) | (np.abs(xs) < 1)]


def _ulp_errors(got, xs, fn, dtype):
    """|got - exact| in ULPs of the exact value in dtype (a subnormal's ULP
    below the normal range); inf where the exact value is finite and got is
    not (or the reverse)."""
    f = np.finfo(dtype)
    errs = np.empty(len(xs))
    for k, (g, x) in enumerate(zip(got, xs)):
        exact = fn(mpmath.mpf(float(x)))
        big = abs(exact) > mpmath.mpf(float(f.max)) * (1 + mpmath.mpf(2)**-(f.nmant + 1))
        if big or not np.isfinite(g):
            errs[k] = 0.0 if (big and np.isinf(g) and (g > 0) == (exact > 0)) \
                else np.inf
            continue
        e = abs(exact)
        if e < mpmath.mpf(float(f.tiny)):
            ulp = mpmath.mpf(float(f.smallest_subnormal))
        else:
            ulp = mpmath.mpf(2) ** (mpmath.floor(mpmath.log(e, 2)) - f.nmant)
        errs[k] = float(abs(mpmath.mpf(float(g)) - exact) / ulp)
    return errs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_near_overflow_and_underflow(tier, dtype):
    """exp densely where its results overflow, are subnormal or flush to 0:
    the lanes nejit computes apart from the others (OwnMath.cpp)."""
    if dtype == np.float64:
        ranges = [(-745.2, -707.0), (708.0, 709.8)]
    else:
        ranges = [(-104.0, -86.0), (86.0, 88.8)]
    xs = np.concatenate([np.linspace(lo, hi, 4001) for lo, hi in ranges])
    xs = xs.astype(dtype)
    got = {}
    for t in ("interp", "jit"):
        ne.set_tier(t)
        with np.errstate(all="ignore"):
            got[t] = ne.evaluate("exp(x)", local_dict={"x": xs})
    assert_same_bits(got["interp"], got["jit"], "exp")
    errs = _ulp_errors(got["jit"], xs, mpmath.exp, dtype)
    worst = int(np.argmax(errs))
    assert errs[worst] <= 1.0, "exp(%r) = %r: %.3f ULP" % (
        xs[worst], got["jit"][worst], errs[worst])


@pytest.fixture
def tier():
    before = ne.get_tier()
    yield
    ne.set_tier(before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,r64,r32", FUNCTIONS)
def test_within_one_ulp_of_mpmath_in_both_tiers(tier, name, fn, r64, r32,
                                                dtype):
    lo, hi = r64 if dtype == np.float64 else r32
    xs = _grid(dtype, lo, hi)
    got = {}
    for t in ("interp", "jit"):
        ne.set_tier(t)
        got[t] = ne.evaluate("%s(x)" % name, local_dict={"x": xs})
        assert got[t].dtype == dtype
    assert_same_bits(got["interp"], got["jit"], name)
    errs = _ulp_errors(got["jit"], xs, fn, dtype)
    worst = int(np.argmax(errs))
    assert errs[worst] <= 1.0, "%s(%r) = %r: %.3f ULP" % (
        name, xs[worst], got["jit"][worst], errs[worst])


SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, -5e-324,
            1e-310, -1e-310, 1e-45, -1e-45, 1e-40, 710.0, -746.0, 800.0,
            -800.0, 1e300, -1e300, 3e38, -3e38, 89.0, -104.0, 88.73, 20.0,
            -20.0, 25.0, -25.0, 1.0, -1.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", [f[0] for f in FUNCTIONS])
def test_special_values_are_numpys(tier, name, dtype):
    with np.errstate(all="ignore"):
        xs = np.array(SPECIALS, dtype=dtype)
        want = getattr(np, name)(xs)
    for t in ("interp", "jit"):
        ne.set_tier(t)
        got = ne.evaluate("%s(x)" % name, local_dict={"x": xs})
        for x, g, w in zip(xs, got, want):
            if np.isnan(w):
                assert np.isnan(g), (t, name, x, g)
            elif np.isinf(w) or w == 0 or abs(w) == 1:
                # The exact values: inf, zeros with their sign, +-1.
                assert g == w and np.signbit(g) == np.signbit(w), \
                    (t, name, x, g, w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 3, 7, 17, 1001])
def test_vector_body_and_scalar_tail_agree(tier, n, dtype):
    """Every lane gives the same bits whether the vector body or the scalar
    tail computes it: evaluating a shifted array moves each value to other
    lanes."""
    rng = np.random.default_rng(n)
    xs = rng.uniform(-30, 30, n + 16).astype(dtype)
    for name in [f[0] for f in FUNCTIONS]:
        x = np.abs(xs) if name == "log" else xs  # log's domain
        for t in ("interp", "jit"):
            ne.set_tier(t)
            whole = ne.evaluate("%s(x)" % name, local_dict={"x": x})
            for shift in (1, 3):
                part = ne.evaluate("%s(x)" % name,
                                   local_dict={"x": x[shift:shift + n]})
                assert_same_bits(part, whole[shift:shift + n],
                                 "%s %s n=%d" % (t, name, n))


def test_fused_expression_matches_across_tiers(tier):
    rng = np.random.default_rng(7)
    a, b = rng.uniform(-5, 5, 10001), rng.uniform(-5, 5, 10001)
    got = {}
    for t in ("interp", "jit"):
        ne.set_tier(t)
        got[t] = ne.evaluate("tanh(a) * b - expm1(b / 8)"
                             " + sinh(a) * cosh(b) + log(abs(a * b))")
    assert_same_bits(got["interp"], got["jit"], "fused")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_low_accuracy_keeps_sleef_in_both_tiers(tier, dtype):
    """At 'low' these functions are Sleef's u35 ones, in the interpreter's
    block kernels as in JIT code (the interpreter once ran the own ones)."""
    xs = np.linspace(-30, 30, 1001).astype(dtype)
    for name in [f[0] for f in FUNCTIONS]:
        got = {}
        for t in ("interp", "jit"):
            ne.set_tier(t)
            got[t] = ne.compile("%s(x)" % name, [("x", dtype)],
                                accuracy="low")(xs)
        assert_same_bits(got["interp"], got["jit"], name)


def test_kernel_dis_shows_the_code_that_runs():
    # Kernel.dis() resolves the options as compile() did: under the default
    # backend the own functions are inline IR, not Sleef calls (it used to
    # print Sleef's calls, reading the resolved backend as a request).
    own = ne.compile("exp(a) + log(a)", [("a", "f8")]).dis("llvm")
    sleef = ne.compile("exp(a) + log(a)", [("a", "f8")],
                       backend="sleef").dis("llvm")
    assert "Sleef_exp" not in own and "Sleef_log" not in own
    assert "Sleef_exp" in sleef and "Sleef_log" in sleef
