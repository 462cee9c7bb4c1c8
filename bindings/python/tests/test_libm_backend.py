"""The libm math backend (backend='libm', NEJIT_MATH_BACKEND=libm): every
transcendental function is the C library's scalar function numexpr 2.14.2
calls (sin for float64, sinf for float32, ...) and every complex function
numexpr's own formula over those calls, so the results must be the very
bytes numexpr gives, NaN payloads and signs of zeros included.

Each function is compared on 200,000 points per dtype (float64, float32,
complex128) that cover its domain, the edges of it, what lies outside, and
the special values (signed zeros, subnormals, the largest finite values,
infinities, NaN), at 1 and 2 threads.
"""

import os
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import nejit

numexpr = pytest.importorskip("numexpr")

N = 200_000

pytestmark = pytest.mark.skipif(
    bool(getattr(numexpr, "use_vml", False)),
    reason="this numexpr calls Intel VML, not the C library")

UNARY = ["exp", "sin", "cos", "tan", "log", "log10", "log1p", "expm1",
         "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh",
         "arccosh", "arctanh", "sqrt", "log2"]
BINARY = {"arctan2": "arctan2(a, b)", "pow": "a ** b", "hypot": "hypot(a, b)",
          "fmod": "fmod(a, b)"}
# numexpr has no complex arctan2, hypot or fmod.
COMPLEX_BINARY = {"pow": "a ** b"}

# Where each function's interesting region lies (the rest of the points are
# spread over every magnitude the type has).
DOMAIN = {
    "exp": (-750.0, 750.0), "expm1": (-50.0, 720.0),
    "sinh": (-720.0, 720.0), "cosh": (-720.0, 720.0), "tanh": (-25.0, 25.0),
    "arcsin": (-1.05, 1.05), "arccos": (-1.05, 1.05),
    "arctanh": (-1.05, 1.05), "arccosh": (0.95, 30.0),
    "log1p": (-1.05, 3.0), "log": (-0.5, 4.0), "log10": (-0.5, 4.0),
    "log2": (-0.5, 4.0), "sqrt": (-1.0, 100.0),
}


def specials(dtype):
    f = np.finfo(dtype)
    return np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, np.pi, -np.pi,
                     np.pi / 2, f.tiny, -f.tiny, f.smallest_subnormal,
                     -f.smallest_subnormal, f.eps, f.max, -f.max, np.inf,
                     -np.inf, np.nan, -np.nan, 20.0, -20.0, 20.5, 88.7,
                     709.8, 710.5, -745.2, 1e-8, 100.0, -100.0],
                    dtype=np.float64).astype(dtype)


def reals(rng, dtype, lo=-10.0, hi=10.0, n=N):
    """n points: the domain [lo, hi], every magnitude with both signs,
    [-1, 1], and the special values."""
    f = np.finfo(dtype)
    quarter = n // 4
    lo_exp = np.log10(float(f.smallest_subnormal))
    hi_exp = np.log10(float(f.max))
    wide = np.sign(rng.standard_normal(quarter)) * 10.0 ** rng.uniform(
        lo_exp, hi_exp, quarter)
    parts = [rng.uniform(lo, hi, 2 * quarter), wide,
             rng.uniform(-1.0, 1.0, quarter)]
    x = np.concatenate(parts).astype(dtype)
    sp = specials(dtype)
    x[:len(sp)] = sp
    # The special values again, scattered (vector lanes and the tail).
    idx = rng.integers(0, n, 4 * len(sp))
    x[idx] = np.resize(sp, len(idx))
    return x[:n]


def complexes(rng, lo=-10.0, hi=10.0, n=N):
    re = reals(rng, np.float64, lo, hi, n)
    im = reals(rng, np.float64, lo, hi, n)
    rng.shuffle(im)
    z = re + 1j * im
    # Every pair of special values, in the lead.
    sp = specials(np.float64)
    pairs = np.array([complex(r, i) for r in sp for i in sp])
    z[:len(pairs)] = pairs
    return z


def assert_same_bytes(got, want, what):
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert got.shape == want.shape, what
    g = got.view(np.uint8).reshape(len(got), -1)
    w = want.view(np.uint8).reshape(len(want), -1)
    bad = np.nonzero((g != w).any(axis=1))[0]
    if len(bad):
        i = bad[0]
        raise AssertionError(
            "%s: %d of %d elements differ; first at %d: nejit %r, numexpr %r"
            % (what, len(bad), len(got), i, got[i], want[i]))


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    old = nejit.get_num_threads()
    nejit.set_num_threads(request.param)
    yield request.param
    nejit.set_num_threads(old)


def assert_same_bytes_any_nan(got, want, what):
    """Bytes equal, except that a NaN (part) may be any NaN: an arithmetic
    operator between two NaNs gives one of them, and numexpr itself picks
    by position (with 10,000 elements, a * b gives b's NaN in the first
    9,216 and a's in the rest: its vectorized loop and its remainder loop
    were compiled with the operands in opposite order)."""
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    real = got.dtype.kind == "c"
    g = got.view(np.float64 if real else got.dtype)
    w = want.view(np.float64 if real else want.dtype)
    both_nan = np.isnan(g) & np.isnan(w)
    g_bytes = np.where(both_nan, 0, g).view(np.uint8)
    w_bytes = np.where(both_nan, 0, w).view(np.uint8)
    assert_same_bytes(g_bytes.view(got.dtype), w_bytes.view(want.dtype), what)


def compare(expr, env, what, any_nan=False):
    want = numexpr.evaluate(expr, local_dict=env)
    got = nejit.evaluate(expr, local_dict=env, backend="libm")
    (assert_same_bytes_any_nan if any_nan else assert_same_bytes)(
        got, want, what)


@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("fn", UNARY)
def test_real_unary(fn, dtype, threads):
    rng = np.random.default_rng(zlib.crc32((fn + dtype).encode()))
    lo, hi = DOMAIN.get(fn, (-10.0, 10.0))
    a = reals(rng, np.dtype(dtype), lo, hi)
    compare("%s(a)" % fn, {"a": a}, "%s %s" % (fn, dtype))


@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("fn", sorted(BINARY))
def test_real_binary(fn, dtype, threads):
    rng = np.random.default_rng(zlib.crc32((fn + dtype).encode()))
    a = reals(rng, np.dtype(dtype), 0.0 if fn == "pow" else -10.0, 10.0)
    b = reals(rng, np.dtype(dtype), -40.0, 40.0)
    rng.shuffle(b)
    if fn == "pow":
        # Integral and half-integral exponents, negative bases with them.
        b[::7] = np.round(b[::7])
        b[3::11] = np.round(b[3::11]) + 0.5
        a[5::13] = -a[5::13]
    compare(BINARY[fn], {"a": a, "b": b}, "%s %s" % (fn, dtype))


@pytest.mark.parametrize("fn", UNARY + ["abs"])
def test_complex_unary(fn, threads):
    rng = np.random.default_rng(zlib.crc32((fn + "c16").encode()))
    lo, hi = DOMAIN.get(fn, (-10.0, 10.0))
    a = complexes(rng, lo, hi)
    compare("%s(a)" % fn, {"a": a}, "complex %s" % fn)


def test_complex_pow(threads):
    rng = np.random.default_rng(7)
    a = complexes(rng, -4.0, 4.0)
    b = complexes(rng, -8.0, 8.0)
    rng.shuffle(b)
    # Integral real exponents take numexpr's binary-powering path.
    b[::5] = np.round(b[::5].real) + 0j
    b[1::9] = rng.integers(-120, 120, len(b[1::9])) + 0j
    compare("a ** b", {"a": a, "b": b}, "complex pow")


def test_integers_go_through_double(threads):
    # pandas' case: exp of int64 [1, 2, 3] is libm's exp of 1.0, 2.0, 3.0.
    a = np.array([1, 2, 3], dtype=np.int64)
    compare("exp(a)", {"a": a}, "exp int64")
    b = np.arange(-50_000, 150_000, dtype=np.int32)
    compare("sin(b) + log1p(abs(b))", {"b": b}, "int32 fused")


def test_fused_expressions(threads):
    rng = np.random.default_rng(11)
    a = reals(rng, np.float64, -5.0, 5.0)
    b = reals(rng, np.float64, 0.0, 3.0)
    z = complexes(rng, -3.0, 3.0)
    # Each function's result is numexpr's bytes (the tests above); an
    # operator between two NaNs may give either (see
    # assert_same_bytes_any_nan), everything else is byte-identical.
    for expr in ["exp(a) * 2 + sin(b) ** 2", "where(a > 0, log(a), cos(b))",
                 "arctan2(a, b) + tanh(a * b)", "sqrt(exp(z)) * sin(z)",
                 "log(z) + a"]:
        compare(expr, {"a": a, "b": b, "z": z}, expr, any_nan=True)


def test_numexpr_picks_either_nan_by_position():
    # The reason for assert_same_bytes_any_nan: if this starts failing,
    # numexpr became consistent and the fused test can demand exact NaNs.
    a = np.full(10_000, np.uint64(0x7ff8000000000001)).view(np.float64)
    b = np.full(10_000, np.uint64(0xfff8000000000002)).view(np.float64)
    got = numexpr.evaluate("a * b").view(np.uint64)
    assert set(np.unique(got)) == {0x7ff8000000000001, 0xfff8000000000002}


def test_other_entry_points():
    a = np.linspace(-3, 3, 1001)
    want = numexpr.evaluate("sinh(a) + arctan(a)")
    k = nejit.compile("sinh(a) + arctan(a)", [("a", "f8")], backend="libm")
    assert_same_bytes(k(a), want, "compile")
    ne = nejit.NumExpr("sinh(a) + arctan(a)", [("a", np.double)],
                       backend="libm")
    assert_same_bytes(ne.run(a), want, "NumExpr")
    # validate + re_evaluate keep the backend.
    assert nejit.validate("sinh(a) + arctan(a)", backend="libm") is None
    assert_same_bytes(nejit.re_evaluate(), want, "re_evaluate")
    with pytest.raises(ValueError, match="backend"):
        nejit.evaluate("sin(a)", backend="libc")


def test_pickled_kernel_keeps_the_backend():
    import pickle
    a = np.linspace(0.5, 700.0, 100_001)
    k = nejit.compile("exp(a) * cosh(a / 3)", [("a", "f8")], backend="libm")
    assert k.options["backend"] == "libm"
    k2 = pickle.loads(pickle.dumps(k))
    assert k2.options["backend"] == "libm"
    assert_same_bytes(k2(a), numexpr.evaluate("exp(a) * cosh(a / 3)"),
                      "unpickled")


def test_backends_are_cached_apart():
    # Sleef and libm differ in the last bit somewhere among these points;
    # the expression cache must hand each call its own backend's kernel.
    rng = np.random.default_rng(3)
    a = rng.uniform(-100.0, 100.0, N)
    libm = nejit.evaluate("exp(a / 10)", backend="libm")
    sleef = nejit.evaluate("exp(a / 10)", backend="sleef")
    again = nejit.evaluate("exp(a / 10)", backend="libm")
    assert not np.array_equal(libm, sleef)
    assert_same_bytes(again, libm, "libm after sleef")
    assert_same_bytes(libm, numexpr.evaluate("exp(a / 10)"), "libm")


def test_interpreter_tier_gives_the_same_bits():
    # The interpreter's block kernels call Sleef: a libm kernel must run as
    # JIT code even when the interpreter tier is forced.
    rng = np.random.default_rng(5)
    a = reals(rng, np.float64, -5.0, 5.0)
    old = nejit.set_tier("interp")
    try:
        got = nejit.evaluate("tan(a) + expm1(a)", backend="libm")
    finally:
        nejit.set_tier(old)
    assert_same_bytes(got, numexpr.evaluate("tan(a) + expm1(a)"), "tier")


def test_environment_variable_selects_libm():
    code = textwrap.dedent("""
        import numpy as np, numexpr, nejit
        a = np.random.default_rng(1).uniform(-700, 700, 100_000)
        z = a[::-1] / 100 + 1j * a / 100
        ok = (nejit.evaluate("exp(a) + cosh(a)").tobytes()
              == numexpr.evaluate("exp(a) + cosh(a)").tobytes()
              and nejit.evaluate("sin(z)").tobytes()
              == numexpr.evaluate("sin(z)").tobytes())
        print("same" if ok else "different")
    """)
    env = dict(os.environ, NEJIT_MATH_BACKEND="libm")
    out = subprocess.run([sys.executable, "-c", code], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "same", out.stderr
