"""Accuracy of nejit's floating functions against a higher-precision
reference, in ULPs, per accuracy mode.

float64 results are compared with mpmath at 120 bits; float32 results with
numpy's float64 functions (well under 1 float32 ULP off); complex results
normwise: |got - exact| / |exact| in units of 2^-53.

"high" maps to Sleef's u10 (<= 1.0 ULP) or u05 variants, "low"/"fast" to
u35 (<= 3.5 ULP) where Sleef has one. bench/accuracy_table.py prints the
table of measured maxima that docs/accuracy.md shows.
"""

import math
import warnings

import numpy as np
import pytest

import nejit

mpmath = pytest.importorskip("mpmath")
mpmath.mp.prec = 120

N = 2000  # points per function (plus special values)

# name -> (nejit expression, mpmath function, numpy function, domain sampler)
def _logu(lo, hi, sign=False):
    def sample(rng, n):
        x = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        if sign:
            x *= rng.choice([-1.0, 1.0], n)
        return x
    return sample


def _uni(lo, hi):
    return lambda rng, n: rng.uniform(lo, hi, n)


def _mix(*samplers):
    def sample(rng, n):
        parts = [s(rng, n // len(samplers) + 1) for s in samplers]
        return np.concatenate(parts)[:n]
    return sample


M = mpmath
UNARY = {
    "sin": (M.sin, np.sin, _mix(_uni(-10, 10), _logu(1e-300, 1e6, True))),
    "cos": (M.cos, np.cos, _mix(_uni(-10, 10), _logu(1e-300, 1e6, True))),
    "tan": (M.tan, np.tan, _mix(_uni(-10, 10), _logu(1e-300, 1e6, True))),
    "arcsin": (M.asin, np.arcsin, _uni(-1, 1)),
    "arccos": (M.acos, np.arccos, _uni(-1, 1)),
    "arctan": (M.atan, np.arctan, _mix(_uni(-5, 5), _logu(1e-300, 1e300, True))),
    "sinh": (M.sinh, np.sinh, _mix(_uni(-5, 5), _uni(-88, 88), _uni(-709, 709))),
    "cosh": (M.cosh, np.cosh, _mix(_uni(-5, 5), _uni(-88, 88), _uni(-709, 709))),
    "tanh": (M.tanh, np.tanh, _mix(_uni(-5, 5), _logu(1e-300, 30, True))),
    "arcsinh": (M.asinh, np.arcsinh, _mix(_uni(-5, 5), _logu(1e-300, 1e300, True))),
    "arccosh": (M.acosh, np.arccosh, _mix(_uni(1, 5), _logu(1, 1e300))),
    "arctanh": (M.atanh, np.arctanh, _mix(_uni(-1, 1), _logu(1e-300, 1, True))),
    "log": (M.log, np.log, _mix(_uni(0.5, 2), _logu(1e-300, 1e300))),
    "log10": (M.log10, np.log10, _mix(_uni(0.5, 2), _logu(1e-300, 1e300))),
    "log2": (lambda x: M.log(x, 2), np.log2, _mix(_uni(0.5, 2), _logu(1e-300, 1e300))),
    "log1p": (M.log1p, np.log1p, _mix(_uni(-0.9, 2), _logu(1e-300, 1e300))),
    "exp": (M.exp, np.exp, _mix(_uni(-5, 5), _uni(-700, 700), _uni(-87, 88))),
    "expm1": (M.expm1, np.expm1, _mix(_uni(-5, 5), _logu(1e-300, 700, True), _uni(-87, 88))),
    "sqrt": (M.sqrt, np.sqrt, _logu(1e-300, 1e300)),
}
BINARY = {
    "arctan2": (M.atan2, np.arctan2, _uni(-10, 10)),
    "hypot": (M.hypot, np.hypot, _mix(_uni(-10, 10), _logu(1e-150, 1e150, True))),
    "pow": (M.power, np.power, _uni(0.01, 20)),
}
COMPLEX = ["exp", "expm1", "log", "log10", "log2", "log1p", "sqrt", "sin",
           "cos", "tan", "sinh", "cosh", "tanh", "pow", "abs"]
COMPLEX_MP = {"exp": M.exp, "expm1": M.expm1, "log": M.log,
              "log10": M.log10, "log2": lambda z: M.log(z) / M.log(2),
              "log1p": M.log1p, "sqrt": M.sqrt, "sin": M.sin, "cos": M.cos,
              "tan": M.tan, "sinh": M.sinh, "cosh": M.cosh, "tanh": M.tanh,
              "abs": M.fabs}

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324,
                    2.2250738585072014e-308, 1.0, -1.0, 1e300, -1e300])


def _expr(name, binary=False):
    if name == "pow":
        return "a ** b"
    return f"{name}(a, b)" if binary else f"{name}(a)"


def _ulps(got, ref, dtype):
    """|got - ref| in ULPs of the dtype at ref (ref: float64 or mpf list)."""
    out = np.zeros(len(got))
    for i, (g, r) in enumerate(zip(got, ref)):
        rf = float(r)
        g = float(g)
        if math.isnan(rf) or math.isnan(g):
            out[i] = 0.0 if (math.isnan(rf) and math.isnan(g)) else np.inf
            continue
        rt = np.array(rf, dtype=dtype)
        if np.isinf(rt):
            out[i] = 0.0 if g == float(rt) else np.inf
            continue
        ulp = float(np.spacing(np.abs(rt).astype(dtype)))
        # Below the smallest normal the ULP stays the subnormal spacing.
        err = abs(M.mpf(g) - r) if not isinstance(r, float) else abs(g - r)
        out[i] = float(err) / ulp
    return out


def _run(expr, env, mode, backend):
    """expr over env in accuracy mode: through evaluate() (and
    set_vml_accuracy_mode) for the default backend, else through a kernel
    compiled for that backend ('sleef' or 'vml')."""
    if backend == "auto":
        old = nejit.set_vml_accuracy_mode(mode)
        try:
            return nejit.evaluate(expr, local_dict=env)
        finally:
            nejit.set_vml_accuracy_mode(old)
    k = nejit.compile(expr, [(k, v.dtype) for k, v in env.items()],
                      accuracy=mode, backend=backend)
    return k(**env)


def measure(name, dtype, mode, n=N, seed=0, backend="auto"):
    """Max ULP error of nejit's name(dtype) in mode, over n sampled points
    (with backend: 'auto', 'sleef' or 'vml')."""
    rng = np.random.default_rng(seed)
    binary = name in BINARY
    mpf, npf, sampler = (BINARY if binary else UNARY)[name]
    a = sampler(rng, n)
    b = sampler(rng, n) if binary else None
    if dtype == "f4":
        a = a.astype("f4")
        a = a[np.isfinite(a)]
        if binary:
            b = b.astype("f4")[: len(a)]
            a = a[: len(b)]
    env = {"a": a} if not binary else {"a": a, "b": b}
    got = _run(_expr(name, binary), env, mode, backend)
    if dtype == "f4":
        with np.errstate(all="ignore"):
            ref = npf(*(x.astype("f8") for x in env.values()))
        return float(np.max(_ulps(got, ref, np.float32)))
    if binary:
        ref = [mpf(M.mpf(float(x)), M.mpf(float(y))) for x, y in zip(a, b)]
    else:
        ref = [mpf(M.mpf(float(x))) for x in a]
    ref = [r.real if isinstance(r, M.mpc) else r for r in ref]
    return float(np.max(_ulps(got, ref, np.float64)))


def _complex_sample(rng, n):
    re = np.concatenate([rng.uniform(-5, 5, n // 2),
                         np.exp(rng.uniform(-20, 5, n - n // 2))
                         * rng.choice([-1, 1], n - n // 2)])
    im = np.concatenate([rng.uniform(-5, 5, n // 2),
                         np.exp(rng.uniform(-20, 5, n - n // 2))
                         * rng.choice([-1, 1], n - n // 2)])
    return re + 1j * im


def measure_complex(name, mode, n=N // 2, seed=0, backend="auto"):
    """Max normwise error of complex name, in units of 2^-53."""
    rng = np.random.default_rng(seed)
    z = _complex_sample(rng, n)
    if name == "pow":
        w = _complex_sample(rng, n) * 0.5
        env = {"a": z, "b": w}
        ref = [M.power(M.mpc(x), M.mpc(y)) for x, y in zip(z, w)]
    else:
        env = {"a": z}
        ref = [COMPLEX_MP[name](M.mpc(x)) for x in z]
    got = _run(_expr(name, name == "pow"), env, mode, backend)
    # pow = exp(w log z) is conditioned by |w log z|: an error of one ULP
    # in that exponent is |w log z| ULPs in the result, for any method.
    # Its error is reported relative to max(1, |w log z|).
    scale = ([max(1.0, float(abs(M.mpc(y) * M.log(M.mpc(x)))))
              for x, y in zip(z, w)] if name == "pow" else [1.0] * len(z))
    worst = 0.0
    for g, r, sc in zip(got, ref, scale):
        r = M.mpc(r)
        if not (M.isfinite(r.real) and M.isfinite(r.imag)) or abs(r) > 1e300:
            continue
        if abs(r) == 0:
            continue
        e = float(abs(M.mpc(complex(g)) - r) / abs(r)) / 2.0 ** -53 / sc
        worst = max(worst, e)
    return worst


# Promised bounds: Sleef u10 (<= 1.0 ULP) in high mode, u35 in low mode.
# A small margin covers the 0.5 ULP of rounding the mpmath value for the
# float32 reference.
BOUND = {"high": 1.0 + 1e-6, "low": 4.0}


@pytest.mark.parametrize("mode", ["high", "low"])
@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("name", list(UNARY) + list(BINARY))
def test_max_ulp(name, dtype, mode):
    if dtype == "f4" and mode == "high":
        bound = 1.0 + 0.5 + 1e-6  # reference is float64, 0.5 ULP rounding
    else:
        bound = BOUND[mode] + (0.5 if dtype == "f4" else 0.0)
    worst = measure(name, dtype, mode, n=600 if dtype == "f8" else N)
    assert worst <= bound, f"{name} {dtype} {mode}: {worst:.3f} ULP"


@pytest.mark.parametrize("mode", ["high", "low"])
@pytest.mark.parametrize("name", COMPLEX)
def test_complex_normwise(name, mode):
    worst = measure_complex(name, mode, n=300)
    # Complex formulas compound a few real errors (each <= 1 ULP, or 3.5
    # in low mode) and roundings.
    assert worst <= (8.0 if mode == "high" else 16.0), f"{name}: {worst:.2f}"


@pytest.mark.parametrize("dtype", ["f4", "f8"])
@pytest.mark.parametrize("name", list(UNARY))
def test_special_values_match_numpy(name, dtype):
    """±0, ±inf, NaN, subnormals and huge arguments: same class of result
    as numpy (NaN where NaN, same infinity, same zero) and close values."""
    a = SPECIAL.astype(dtype)
    got = nejit.evaluate(_expr(name), local_dict={"a": a})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = UNARY[name][1](a)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=4 * np.finfo(dtype).eps,
                               atol=np.finfo(dtype).smallest_subnormal * 2)
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


def test_sinh_cosh_past_sleef_overflow():
    # Sleef overflows early; nejit recomputes those lanes.
    x = np.array([709.5, 710.0, 710.47, -710.4])
    for f in ("sinh", "cosh"):
        got = nejit.evaluate(f"{f}(x)")
        ref = [float(getattr(M, f)(M.mpf(v))) for v in x]
        np.testing.assert_allclose(got, ref, rtol=4e-16)
    x4 = np.array([88.6, 89.0, 89.4, -89.2], dtype="f4")
    got = nejit.evaluate("sinh(x4)")
    np.testing.assert_allclose(got, np.sinh(x4.astype("f8")), rtol=2e-7)


TINY_IDENTITY = ["tan", "sin", "arctan", "sinh", "tanh", "arcsin", "arcsinh",
                 "arctanh", "expm1", "log1p"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", TINY_IDENTITY)
@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_tiny_and_subnormal_arguments_return_themselves(name, dtype, tier):
    # f(x) rounds to x for these functions near 0: below 2**-29 (float32:
    # 2**-13) for the odd ones, f(x) = x + O(x**3), below 2**-55 (2**-26)
    # for expm1 and log1p, f(x) = x + O(x**2). Sleef's u10 tan gave 0 for
    # 5e-324 and an ulp off for other subnormals, which a comparison such
    # as tan(x) > 0 then turned into the other branch of a where(). (The
    # low accuracy keeps its 3.5-ulp bound there: Sleef's u35 sinh gives 0
    # for the smallest subnormal, one ulp.)
    accuracy = "high"
    fi = np.finfo(dtype)
    f8 = dtype == "float64"
    limit = (2.0 ** (-55 if f8 else -26) if name in ("expm1", "log1p")
             else 2.0 ** (-29 if f8 else -13))
    tiny = np.array([fi.smallest_subnormal, 2 * fi.smallest_subnormal,
                     3 * fi.smallest_subnormal, fi.smallest_normal / 3,
                     fi.smallest_normal, 1e-30, limit / 3, limit],
                    dtype=dtype)
    x = np.concatenate([tiny, -tiny, [0.0, -0.0]] * 4).astype(dtype)
    before = nejit.get_tier()
    try:
        nejit.set_tier(tier)
        kernel = nejit.compile("%s(x)" % name, [("x", dtype)],
                               accuracy=accuracy)
        got = kernel(x)
    finally:
        nejit.set_tier(before)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, x)
    assert (np.signbit(got) == np.signbit(x)).all()


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_tanh_saturates_where_the_true_value_does(tier):
    # Past |x| = 3 nejit computes 1 - 2 / (exp(2|x|) + 1), within 0.52 ulp
    # (the rounding of 1 - q plus a few hundredths of an ulp from q);
    # Sleef's u10 tanh returned 1.0 from 18.715 on, where the value rounds
    # to 1 - 2**-53 up to 19.06, so `tanh(x) < 1` differed from numexpr.
    x = np.concatenate([np.linspace(3, 25, 4001), -np.linspace(3, 25, 4001),
                        [np.inf, -np.inf, 400.0, -400.0]])
    with mpmath.workprec(120):
        want = np.array([float(mpmath.tanh(mpmath.mpf(v))) if np.isfinite(v)
                         else math.copysign(1.0, v) for v in x])
    before = nejit.get_tier()
    try:
        nejit.set_tier(tier)
        got = nejit.evaluate("tanh(x)")
        below_one = nejit.evaluate("tanh(x) < 1")
    finally:
        nejit.set_tier(before)
    np.testing.assert_array_max_ulp(got, want, maxulp=1)
    saturating = np.abs(x) > 18
    np.testing.assert_array_equal(got[saturating], want[saturating])
    np.testing.assert_array_equal(below_one, want < 1)
