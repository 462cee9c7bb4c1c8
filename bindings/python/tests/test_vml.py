"""The VML (Intel MKL) backend: accuracy per mode against mpmath, special
values against numpy, the block loop against Sleef on fused expressions and
awkward sizes and layouts, numexpr's VML API, threads with MKL loaded, and
nejit with VML turned off.

Needs MKL (``pip install mkl``; scripts/setup.sh installs it): without it
every test that would run VML is reported as skipped. The grids and special
values are test_accuracy.py's, so both backends are held to the same points.
"""

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import nejit
import test_accuracy as A

mpmath = pytest.importorskip("mpmath")

VML = nejit.vml_status()
needs_vml = pytest.mark.skipif(
    not VML["available"], reason="MKL not available: " + VML["problem"])

# Documented VML bounds: HA < 1 ULP, LA < 4 ULP, EP about half the
# mantissa's bits (26 of 53 for float64, 11 of 24 for float32).
ULP_BOUND = {"high": 1.0 + 1e-6, "low": 4.0}
EP_BITS = {"f8": 26, "f4": 11}
MANTISSA = {"f8": 53, "f4": 24}

# Real functions VML serves (real sqrt stays the exact instruction).
REAL = [n for n in list(A.UNARY) + list(A.BINARY) if n != "sqrt"]
# Complex functions VML serves (vmz*); expm1, log1p, log2 (VML has none),
# tan, tanh and pow (VML's special values differ from C99's and numexpr's)
# keep nejit's formulas.
COMPLEX = ["exp", "log", "log10", "sqrt", "sin", "cos", "sinh", "cosh"]


def _correct_bits(worst_ulp, dtype):
    if worst_ulp <= 0.5:
        return MANTISSA[dtype]
    return MANTISSA[dtype] - float(np.log2(2 * worst_ulp))


@needs_vml
@pytest.mark.parametrize("mode", ["high", "low", "fast"])
@pytest.mark.parametrize("dtype", ["f8", "f4"])
@pytest.mark.parametrize("name", REAL)
def test_vml_max_ulp(name, dtype, mode):
    worst = A.measure(name, dtype, mode, n=600 if dtype == "f8" else A.N,
                      backend="vml")
    if mode == "fast":
        bits = _correct_bits(worst, dtype)
        assert bits >= EP_BITS[dtype], \
            f"{name} {dtype} EP: {worst:.3g} ULP = {bits:.1f} correct bits"
        return
    # The float32 reference is float64 numpy: 0.5 ULP of rounding on top.
    bound = ULP_BOUND[mode] + (0.5 if dtype == "f4" else 0.0)
    assert worst <= bound, f"{name} {dtype} {mode}: {worst:.3f} ULP"


@needs_vml
@pytest.mark.parametrize("mode", ["high", "low", "fast"])
@pytest.mark.parametrize("name", COMPLEX)
def test_vml_complex_normwise(name, mode):
    worst = A.measure_complex(name, mode, n=300, backend="vml")
    if mode == "fast":
        bits = 53 - float(np.log2(max(worst, 1.0)))
        assert bits >= EP_BITS["f8"], f"{name} EP: {bits:.1f} bits"
        return
    assert worst <= (8.0 if mode == "high" else 16.0), f"{name}: {worst:.2f}"


@needs_vml
@pytest.mark.parametrize("mode", ["high", "low", "fast"])
@pytest.mark.parametrize("dtype", ["f4", "f8"])
@pytest.mark.parametrize("name", [n for n in A.UNARY if n != "sqrt"])
def test_vml_special_values_match_numpy(name, dtype, mode):
    """±0, ±inf, NaN, subnormals and huge arguments: the same class of
    result as numpy (NaN where NaN, the same infinity, the same zero)."""
    a = A.SPECIAL.astype(dtype)
    k = nejit.compile(A._expr(name), [("a", dtype)], accuracy=mode,
                      backend="vml")
    got = k(a)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = A.UNARY[name][1](a)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    rtol = (4 * np.finfo(dtype).eps if mode != "fast"
            else 2.0 ** (1 - EP_BITS[dtype]))
    np.testing.assert_allclose(got[fin], want[fin], rtol=rtol,
                               atol=np.finfo(dtype).smallest_subnormal * 2)
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]),
                                  np.signbit(want[zero]))


@needs_vml
@pytest.mark.parametrize("name", ["arctan2", "hypot", "pow"])
def test_vml_binary_special_values(name):
    s = A.SPECIAL
    a, b = np.repeat(s, len(s)), np.tile(s, len(s))
    k = nejit.compile(A._expr(name, True), [("a", "f8"), ("b", "f8")],
                      backend="vml")
    got = k(a, b)
    with np.errstate(all="ignore"):
        want = A.BINARY[name][1](a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=4e-16,
                               atol=1e-323)
    np.testing.assert_array_equal(got[~fin & ~np.isnan(want)],
                                  want[~fin & ~np.isnan(want)])


# Fused expressions whose calls the block loop splits into stages: the
# arithmetic before and after each call, calls feeding calls, selections,
# a call result used twice, constants, mixed float32.
FUSED = [
    "sin(a)",
    "2*sin(a) + 3*cos(b)",
    "exp(-a*a/2) * sin(3*b + 1) - a",
    "log(1 + exp(a))",
    "where(a > 0, log(a), -1.5)",
    "sqrt(a*a + b*b) + hypot(a, b)",
    "arctan2(a, b) * tanh(a - b)",
    "sin(a) * sin(a) + cos(a) * cos(a)",
    "a ** b + exp(sin(b))",
    "expm1(a / 8) + log1p(abs(b))",
    "where(sin(a) > cos(b), arcsinh(a), arccosh(abs(b) + 1))",
]


def _operands(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(-3, 3, n), rng.uniform(0.1, 4, n)


def _close(got, want, rtol):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12,
                               equal_nan=True)


@needs_vml
@pytest.mark.parametrize("expr", FUSED)
@pytest.mark.parametrize("n", [0, 1, 7, 511, 512, 513, 1024, 2049, 100_003])
def test_block_loop_matches_sleef(expr, n):
    a, b = _operands(n)
    sig = [("a", "f8"), ("b", "f8")]
    vml = nejit.compile(expr, sig, backend="vml")
    sleef = nejit.compile(expr, sig, backend="sleef")
    with np.errstate(all="ignore"):
        _close(vml(a, b), sleef(a, b), 1e-13)


@needs_vml
@pytest.mark.parametrize("expr", FUSED)
def test_block_loop_float32(expr):
    a, b = (x.astype("f4") for x in _operands(10_007))
    sig = [("a", "f4"), ("b", "f4")]
    with np.errstate(all="ignore"):
        got = nejit.compile(expr, sig, backend="vml")(a, b)
        want = nejit.compile(expr, sig, backend="sleef")(a, b)
    assert got.dtype == want.dtype
    _close(got, want, 2e-5)


@needs_vml
@pytest.mark.parametrize("expr", [
    "exp(z) * 2 + z", "log(z) - sqrt(z)", "sin(z) * cos(z) + sinh(z / 4)",
    "z * w + cosh(w)", "where(real(z) > 0, log10(z), exp(z))",
])
@pytest.mark.parametrize("n", [1, 513, 4099])
def test_block_loop_complex(expr, n):
    rng = np.random.default_rng(3)
    z = rng.uniform(-2, 2, n) + 1j * rng.uniform(-2, 2, n)
    w = rng.uniform(-1, 1, n) + 1j * rng.uniform(-1, 1, n)
    sig = [("z", "c16"), ("w", "c16")]
    with np.errstate(all="ignore"):
        got = nejit.compile(expr, sig, backend="vml")(z, w)
        want = nejit.compile(expr, sig, backend="sleef")(z, w)
    _close(got, want, 1e-12)


@needs_vml
def test_block_loop_layouts():
    """Strided, broadcast and 2-d inputs, a strided output, 2 threads."""
    a, b = _operands(300_000)
    m = a[:250_000].reshape(500, 500)
    sig = [("x", "f8"), ("y", "f8")]
    expr = "exp(x / 3) * sin(y) + y"
    vml = nejit.compile(expr, sig, backend="vml")
    sleef = nejit.compile(expr, sig, backend="sleef")
    cases = [(a[::3], b[::3]), (a, np.float64(0.25)), (m, m.T),
             (m[:, ::2], b[:250])]
    old = nejit.set_num_threads(2)
    try:
        for x, y in cases:
            _close(vml(x, y), sleef(x, y), 1e-13)
        out = np.zeros((500, 1000))[:, ::2]
        vml(m, m[0], out=out)
        _close(out, sleef(m, m[0]), 1e-13)
    finally:
        nejit.set_num_threads(old)


@needs_vml
def test_reductions_with_vml_functions():
    a, b = _operands(50_001)
    sig = [("a", "f8"), ("b", "f8")]
    for expr in ["sum(sin(a) * b)", "prod(exp(a / 1e4))", "max(log(b), axis=0)"]:
        got = nejit.compile(expr, sig, backend="vml")(a, b)
        want = nejit.compile(expr, sig, backend="sleef")(a, b)
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_vml_llvm_ir_without_mkl():
    """dis shows the block loop and the vm* call whether or not MKL is
    installed: printing code never loads MKL."""
    text = nejit._nejit.dis("2*sin(a) + 1", [("a", "f8", 0)], "llvm",
                            backend=2)
    assert "vmdSin" in text and "block" in text


@needs_vml
def test_numexpr_vml_api():
    assert nejit.use_vml is True
    assert nejit.get_vml_version().startswith("Intel")
    old = nejit.set_vml_accuracy_mode("fast")
    try:
        assert nejit.set_vml_accuracy_mode("low") == "fast"
        assert nejit.set_vml_accuracy_mode(None) == "low"
        assert nejit.set_vml_accuracy_mode("high") == "high"
    finally:
        nejit.set_vml_accuracy_mode(old)
    assert nejit.set_vml_num_threads(3) is None
    assert nejit.get_vml_num_threads() == 3
    nejit.set_vml_num_threads(1)
    _, uses = nejit.necompiler.getExprNames("sin(a) + b", {})
    assert uses is True
    _, uses = nejit.necompiler.getExprNames("a + b", {})
    assert uses is False


def _run_python(code, **env):
    full = dict(os.environ)
    full.update(env)
    full["PYTHONPATH"] = str(Path(nejit.__file__).resolve().parents[1]) + \
        os.pathsep + full.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                       capture_output=True, text=True, env=full, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


_THREADS_CODE = """
    import json, os
    import numpy as np
    import nejit

    def cpu_ticks():
        ticks = {}
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[tid] = int(fields[11]) + int(fields[12])
        return ticks

    nejit.set_num_threads(2)
    a = np.random.default_rng(0).uniform(-3, 3, 4_000_000)
    k = nejit.compile("exp(sin(a) * 2) + cos(a)", [("a", "f8")],
                      backend="vml")
    k(a)
    before = cpu_ticks()
    for _ in range(40):
        k(a)
    after = cpu_ticks()
    delta = sorted((after[t] - before.get(t, 0) for t in after), reverse=True)
    maps = open("/proc/self/maps").read()
    print(json.dumps({"delta": delta, "iomp": "libiomp5" in maps,
                      "mkl": "libmkl_rt" in maps,
                      "sequential": "libmkl_sequential" in maps}))
"""


@needs_vml
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores")
def test_two_threads_with_mkl_loaded():
    """MKL's INTEL threading layer would load libiomp5, which libomp then
    binds to, and nejit at 2 threads would run on one. With the SEQUENTIAL
    layer both of nejit's threads do the work."""
    r = _run_python(_THREADS_CODE)
    assert r["mkl"] and r["sequential"] and not r["iomp"], r
    top = r["delta"]
    assert len(top) >= 2 and top[0] > 0, r
    # Both OpenMP threads busy: the second has at least a third of the
    # first's CPU time (CPU time, not wall time, so load cannot fake it).
    assert top[1] >= top[0] / 3, r


_OFF_CODE = """
    import json
    import numpy as np
    import nejit
    a = np.linspace(-20, 20, 10_001)
    got = nejit.evaluate("2*sin(a) + cos(a/4) * log1p(abs(a))")
    err = ""
    try:
        nejit.compile("sin(a)", [("a", "f8")], backend="vml")
    except RuntimeError as e:
        err = str(e)
    maps = open("/proc/self/maps").read()
    print(json.dumps({"use_vml": nejit.use_vml, "mkl": "libmkl" in maps,
                      "version": nejit.get_vml_version(), "error": err,
                      "bits": got.view(np.uint64).tolist()}))
"""


def test_vml_off_results_unchanged():
    """NEJIT_VML=0: MKL is never loaded, results are bit for bit Sleef's,
    and asking for VML explicitly is a clear error."""
    r = _run_python(_OFF_CODE, NEJIT_VML="0")
    assert r["use_vml"] is False and r["mkl"] is False
    assert r["version"] is None
    assert "NEJIT_VML=0" in r["error"]
    a = np.linspace(-20, 20, 10_001)
    # Functions that are Sleef's at accuracy high whatever the backend
    # (exp and log would be nejit's own in the child, not under
    # backend="sleef").
    k = nejit.compile("2*sin(a) + cos(a/4) * log1p(abs(a))", [("a", "f8")],
                      backend="sleef")
    assert k(a).view(np.uint64).tolist() == r["bits"]


def test_missing_mkl_is_reported():
    r = _run_python("""
        import json, nejit
        print(json.dumps(nejit.vml_status()))
    """, NEJIT_MKL_LIB="/nonexistent/libmkl_rt.so.3")
    assert r["available"] is False
    assert "/nonexistent/libmkl_rt.so.3" in r["problem"]
