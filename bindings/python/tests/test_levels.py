"""Results across x86-64 levels (NEJIT_CPU): what docs/accuracy.md promises.

Each level this machine can run (x86-64-v2 always, v3 with AVX2/FMA, v4 with
AVX-512, and the machine's own CPU) evaluates the same expressions in a child
process, in both tiers; then:

- everything but the transcendental functions is bit-identical across levels
  (bits.assert_same_bits: same bits, any NaN equals any NaN): arithmetic,
  complex * and /, comparisons, integer operations, where, sqrt, rounding,
  fmod, powers with integral exponents, casts, and the reductions;
- Sleef's functions have one kernel per ISA, each within 1 ULP of the exact
  result (3.5 at low accuracy), so two levels may differ, by at most 2 ULP.

An unsupported level is refused with a one-line error, never SIGILL.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bits import assert_same_bits

LEVELS = ["x86-64-v2", "x86-64-v3", "x86-64-v4", "native"]

EXACT = [
    "a + b", "a - b * c", "a * b + c", "a / b", "-a", "a ** 2", "a ** -3",
    "a ** 0.5", "sqrt(a)", "abs(a)", "floor(a * 3)", "ceil(a * 3)",
    "round(a * 3)", "trunc(a * 3)", "fmod(a, b)", "a % b", "a // b",
    "where(a > b, a, c)", "maximum(a, b)", "minimum(a, c)",
    "copysign(a, b)", "nextafter(a, b)", "a > b", "(a < b) & (b < c)",
    "sign(a)", "signbit(a)", "isnan(a / b)",
    "min(c)", "max(c)",
]
# Float sums and products: bit-identical across tiers and thread counts at
# one level; across levels they add in another order (lanes of another
# width), within the pairwise bound. Over c, which holds no inf or NaN.
REDUCE = ["sum(c * 3)", "sum(c)", "prod(1 + c / 1000)", "mean(c)", "var(c)",
          "std(c)", "sum(where(c > 0, c, 0))"]
EXACT_INT = ["i + j", "i * j - 7", "i // j", "i % j", "i << 3", "i >> 2",
             "i & j", "i ^ j", "where(i > j, i, j)", "sum(i)", "sum(i * j)",
             "max(i)", "i / j"]
EXACT_COMPLEX = ["z * w", "z / w", "z + w", "conj(z) * z", "real(z * w)",
                 "abs(z)", "sum(z * w)", "z ** 2"]
ULP = ["sin(a)", "cos(b)", "tan(a)", "exp(a)", "log(abs(a))", "log10(b)",
       "log1p(abs(a))", "expm1(a)", "sinh(a)", "cosh(b)", "tanh(a)",
       "arcsin(a / 10)", "arccos(b / 10)", "arctan(a)", "arctan2(a, b)",
       "arcsinh(a)", "arccosh(1 + abs(b))", "arctanh(a / 10)", "a ** b",
       "hypot(a, b)", "exp(-a * a) * cos(b)"]
ULP_COMPLEX = ["exp(z)", "log(z)", "sin(z)", "cos(w)", "tanh(z)", "sqrt(z)",
               "z ** w"]

CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import nejit as ne
    out, tier, exprs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    ne.set_tier(tier)
    rng = np.random.default_rng(11)
    n = 100_003
    d = {}
    for kind in ("f8", "f4"):
        d[kind + "a"] = rng.uniform(-9, 9, n).astype(kind)
        d[kind + "b"] = rng.uniform(0.5, 9, n).astype(kind)
        d[kind + "c"] = rng.standard_normal(n).astype(kind)
        d[kind + "a"][::97] = 0.0
        d[kind + "a"][1::101] = np.inf
        d[kind + "b"][2::103] = np.nan
    d["i"] = rng.integers(-1000, 1000, n).astype("i4")
    d["j"] = rng.integers(1, 50, n).astype("i8")
    d["z"] = d["f8c"] + 1j * d["f8a"]
    d["w"] = d["f8c"] - 2j * d["f8b"]
    res = {"cpu": np.array(ne.get_cpu())}
    for kind, expr in exprs:
        names = {k: v for k, v in d.items() if len(k) == 1}
        if kind:
            names.update({k[2:]: v for k, v in d.items() if k.startswith(kind)})
        ne.set_num_threads(2)
        res["%s|%s" % (kind, expr)] = ne.evaluate(expr, local_dict=names)
    np.savez(out, **res)
""")


def _cases():
    cases = [(k, e) for k in ("f8", "f4") for e in EXACT + ULP + REDUCE]
    cases += [("", e) for e in EXACT_INT + EXACT_COMPLEX + ULP_COMPLEX]
    return cases


def _env(level):
    env = dict(os.environ)
    env["NEJIT_CPU"] = level
    env["NEJIT_CACHE"] = "0"
    return env


def _runnable(level):
    proc = subprocess.run(
        [sys.executable, "-c", "import nejit; print(nejit.get_cpu())"],
        env=_env(level), capture_output=True, text=True, timeout=120)
    return proc.returncode == 0, proc


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("levels")
    out = {}
    for level in LEVELS:
        ok, _ = _runnable(level)
        if not ok:
            continue
        for tier in ("interp", "jit"):
            path = tmp / ("%s-%s.npz" % (level, tier))
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), tier,
                 json.dumps(_cases())],
                env=_env(level), capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-3000:]
            with np.load(path) as data:
                out[(level, tier)] = {k: data[k] for k in data.files}
    return out


def test_v2_and_v3_run_here(results):
    # Every x86-64 machine since 2013 runs both; a CI log without them
    # would test only the host's own code paths.
    levels = {level for level, _ in results}
    assert {"x86-64-v2", "x86-64-v3"} <= levels or "x86-64-v3" not in levels
    assert "x86-64-v2" in levels and "native" in levels


def _pairs(results):
    keys = sorted(results)
    base = keys[0]
    return [(base, k) for k in keys[1:]]


def _ulp_distance(x, y):
    """Largest distance in units in the last place between finite, equal-
    signed values of x and y (NaN and infinity must match exactly)."""
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    if x.dtype.kind == "c":
        return max(_ulp_distance(x.real, y.real),
                   _ulp_distance(x.imag, y.imag))
    both_nan = np.isnan(x) & np.isnan(y)
    assert np.array_equal(np.isnan(x), np.isnan(y))
    fin = np.isfinite(x) & np.isfinite(y)
    assert np.array_equal(x[~fin & ~both_nan], y[~fin & ~both_nan])
    ix = x[fin].view(np.int64 if x.dtype == np.float64 else np.int32)
    iy = y[fin].view(np.int64 if y.dtype == np.float64 else np.int32)
    # Signed-magnitude to two's-complement order, so that neighbours across
    # zero are one apart.
    big = np.iinfo(ix.dtype).min
    ox = np.where(ix < 0, big - ix, ix).astype(np.int64)
    oy = np.where(iy < 0, big - iy, iy).astype(np.int64)
    return int(np.max(np.abs(ox - oy), initial=0))


def test_exact_results_are_bit_identical_across_levels_and_tiers(results):
    compared = 0
    for a, b in _pairs(results):
        for key, want in results[a].items():
            if key == "cpu":
                continue
            kind, expr = key.split("|", 1)
            if (kind and expr in ULP + REDUCE) or (
                    not kind and expr in ULP_COMPLEX):
                continue
            assert_same_bits(results[b][key], want,
                             "%s: %s vs %s" % (key, a, b))
            compared += 1
    assert compared > 0


def test_float_reductions(results):
    compared = 0
    for a, b in _pairs(results):
        same_level = a[0] == b[0]
        for expr in REDUCE:
            for kind in ("f8", "f4"):
                key = "%s|%s" % (kind, expr)
                want, got = results[a][key], results[b][key]
                if same_level:
                    assert_same_bits(got, want, "%s: %s vs %s" % (key, a, b))
                else:
                    # Pairwise summation's bound, log2(n) eps sum|x|, for
                    # the largest terms here (3c; n = 100,003, mean |c| 0.8).
                    eps = float(np.finfo(want.dtype).eps)
                    bound = 17 * eps * 3 * 0.8 * 100_003
                    np.testing.assert_allclose(got, want, rtol=64 * eps,
                                               atol=bound, err_msg=key)
                compared += 1
    assert compared > 0


def test_transcendentals_differ_by_at_most_two_ulp(results):
    worst = {}
    for a, b in _pairs(results):
        for key, want in results[a].items():
            kind, _, expr = key.partition("|")
            if key == "cpu" or not ((kind and expr in ULP)
                                    or (not kind and expr in ULP_COMPLEX)):
                continue
            got = results[b][key]
            assert got.dtype == want.dtype, key
            if expr in ULP_COMPLEX:
                # Complex formulas over 1-ULP parts: a few ULP normwise.
                scale = np.maximum(np.abs(want), np.finfo(float).tiny)
                fin = np.isfinite(want) & np.isfinite(got)
                assert np.array_equal(np.isnan(got), np.isnan(want)), key
                err = np.abs(got[fin] - want[fin]) / scale[fin]
                # exp(w log z) magnifies log z's last-place difference by
                # |w log z|, up to about 40 for these operands.
                bound = (64 if expr == "z ** w" else 8) * 2.0**-52
                assert float(np.max(err, initial=0)) <= bound, key
                continue
            d = _ulp_distance(got, want)
            worst[key] = max(worst.get(key, 0), d)
            assert d <= 2, "%s: %s vs %s differ by %g ULP" % (key, a, b, d)


def test_a_level_this_machine_lacks_is_a_one_line_error():
    lacking = [level for level in ("x86-64-v4", "sapphirerapids")
               if not _runnable(level)[0]]
    if not lacking:
        pytest.skip("this machine runs every level tried")
    ok, proc = _runnable(lacking[0])
    last = proc.stderr.strip().splitlines()[-1]
    assert "NEJIT_CPU=%s needs" % lacking[0] in last
    assert "lacks" in last
    dis = os.path.join(os.path.dirname(__file__), "..", "..", "..", "build",
                       "bin", "nejit-dis")
    if os.path.exists(dis):
        proc = subprocess.run([dis, "--sig", "a:f8", "a + 1"],
                              env=_env(lacking[0]), capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 1
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1
        assert proc.stderr.startswith("nejit-dis: error: NEJIT_CPU=")


def test_an_unknown_cpu_is_refused():
    ok, proc = _runnable("pentium-nonsense")
    assert not ok
    assert "unknown cpu 'pentium-nonsense'" in proc.stderr


def test_x86_64_v2_code_has_no_avx_and_no_fma():
    dis = os.path.join(os.path.dirname(__file__), "..", "..", "..", "build",
                       "bin", "nejit-dis")
    if not os.path.exists(dis):
        pytest.skip("no nejit-dis in build/bin")
    proc = subprocess.run(
        [dis, "--emit=asm", "--sig", "a:f8,b:f8",
         "sin(a) * b + 3 * a - exp(b) * a"],
        env=_env("x86-64-v2"), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    asm = proc.stdout
    assert asm.startswith("# target cpu x86-64-v2, 128-bit vectors")
    assert "%xmm" in asm
    for banned in ("%ymm", "%zmm", "vfmadd", "vfmsub", "vfnmadd", "u10avx"):
        assert banned not in asm, banned


DISK_CHILD = textwrap.dedent("""
    import json
    import numpy as np
    import nejit as ne
    ne.set_tier("jit")
    a = np.linspace(-3, 3, 10_001)
    r = ne.evaluate("sin(a) * 3 + exp(-a) * a")
    ok = np.allclose(r, np.sin(a) * 3 + np.exp(-a) * a, rtol=1e-14)
    print(json.dumps({"cpu": ne.get_cpu(), "ok": bool(ok),
                      "stats": ne.cache_stats()}))
""")


def _disk_run(level, cache):
    env = _env(level)
    env.pop("NEJIT_CACHE")
    env["NEJIT_CACHE_DIR"] = str(cache)
    proc = subprocess.run([sys.executable, "-c", DISK_CHILD], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_disk_cache_entry_is_never_loaded_for_another_cpu(tmp_path):
    # One cache directory shared by machines of several generations (NFS):
    # code compiled for one CPU's features must never run on another.
    levels = [level for level in ("x86-64-v3", "x86-64-v2")
              if _runnable(level)[0]]
    if len(levels) < 2:
        pytest.skip("needs two levels this machine runs")
    newer, older = levels
    first = _disk_run(newer, tmp_path)
    assert first["ok"] and first["stats"]["compiles"] >= 1
    assert first["stats"]["disk_hits"] == 0
    other = _disk_run(older, tmp_path)
    assert other["ok"] and other["cpu"] == older
    assert other["stats"]["disk_hits"] == 0, other
    assert other["stats"]["compiles"] >= 1
    again = _disk_run(newer, tmp_path)
    assert again["ok"] and again["stats"]["disk_hits"] >= 1, again
    assert again["stats"]["compiles"] == 0, again
