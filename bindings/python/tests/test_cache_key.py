"""What the kernel cache key holds: structure, dtypes and input positions,
not variable names nor the values of (most) literals.

Expressions that differ only in their constants, or only in their variable
names, share one machine-code kernel; their results are exactly those of
kernels compiled with the constants inline (NEJIT_LIFT_CONSTANTS=0).
Compile counts are taken in fresh interpreters with an empty disk cache, so
that they are exact.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import nejit as ne
from bits import assert_same_bits

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python

_ENV_VARS = ("NEJIT_CACHE", "NEJIT_CACHE_DIR", "NEJIT_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS", "NEJIT_LIFT_CONSTANTS",
             "NEJIT_TIER")


@pytest.fixture(autouse=True)
def jit_tier():
    """These tests are about the JIT's cache key and count its compiles:
    under the default tier the interpreter would answer instead."""
    old = ne.set_tier("jit")
    yield
    ne.set_tier(old)


def run_child(code, tmp_path, env=None):
    """Runs code in a fresh interpreter with an empty cache directory;
    returns the JSON object printed on its last line."""
    full_env = {k: v for k, v in os.environ.items() if k not in _ENV_VARS}
    full_env["PYTHONPATH"] = PKG_DIR + os.pathsep + full_env.get(
        "PYTHONPATH", "")
    cache = tmp_path / ("cache-%d" % len(list(tmp_path.iterdir())))
    full_env["NEJIT_CACHE_DIR"] = str(cache)
    full_env["NEJIT_TIER"] = "jit"
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=full_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (
        "child failed (%d)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: 200 pd.eval-style calls: the same computation under fresh temporary
#: names each time (pandas names them Series_<n>_0x<id of its scope>).
PANDAS_STYLE = """
    import json
    import numpy as np
    import nejit as ne

    rng = np.random.default_rng(1)
    a = rng.standard_normal(1000)
    c = rng.standard_normal(1000)
    before = ne.cache_stats()["compiles"]
    ok = True
    for call in range(200):
        scope = "0x7f%010x" % (0x3a5c1000 + 0x40 * call * 7919)
        x, y = "Series_0_" + scope, "Series_1_" + scope
        r = ne.evaluate("%s + 1.5e-3*%s" % (x, y), local_dict={x: a, y: c})
        ok &= bool(np.array_equal(r, a + 1.5e-3 * c))
    print(json.dumps({"compiles": ne.cache_stats()["compiles"] - before,
                      "ok": ok}))
"""


def test_pandas_style_renamed_calls_compile_once(tmp_path):
    stats = run_child(PANDAS_STYLE, tmp_path)
    assert stats["ok"]
    assert stats["compiles"] == 1, stats


#: The real pd.eval, its numexpr engine pointed at nejit.evaluate: new
#: frames (pandas names their columns' temporaries after the id of its
#: scope) and a new literal each call.
REAL_PANDAS = """
    import json
    import numpy as np
    import numexpr
    import pandas as pd
    import nejit as ne

    texts = set()

    def evaluate(ex, *args, **kwargs):
        texts.add(ex)
        return ne.evaluate(ex, *args, **kwargs)

    numexpr.evaluate = evaluate
    rng = np.random.default_rng(4)
    before = ne.cache_stats()["compiles"]
    ok = True
    for k in range(200):
        df = pd.DataFrame({"a": rng.random(20000), "c": rng.random(20000)})
        s = 1.5e-3 + k * 1e-6
        r = pd.eval("df.a + %r*df.c" % s, engine="numexpr")
        ok &= bool(np.array_equal(r.to_numpy(),
                                  df.a.to_numpy() + s * df.c.to_numpy()))
    print(json.dumps({"compiles": ne.cache_stats()["compiles"] - before,
                      "texts": len(texts), "ok": ok}))
"""


def test_real_pd_eval_calls_compile_once(tmp_path):
    pytest.importorskip("pandas")
    stats = run_child(REAL_PANDAS, tmp_path)
    assert stats["ok"]
    assert stats["texts"] == 200, stats  # every call a new text
    assert stats["compiles"] == 1, stats


#: The literal workload of issue 15 in small: pandas-query-like
#: expressions differing only in their literals.
LITERALS = """
    import json
    import numpy as np
    import nejit as ne

    rng = np.random.default_rng(2)
    a, b, c = rng.random(10000), rng.random(10000), rng.random(10000)
    before = ne.cache_stats()["compiles"]
    ok = True
    for k in range(100):
        t = 0.001 * (k + 137)
        m = ne.evaluate("(a > %r) & (b < %r)" % (t, 1 - t))
        ok &= bool(np.array_equal(m, (a > t) & (b < 1 - t)))
        s = 17.5 + k
        v = ne.evaluate("a*%r + b*c - %d" % (s, k + 17))
        ok &= bool(np.array_equal(v, a * s + b * c - (k + 17)))
    print(json.dumps({"compiles": ne.cache_stats()["compiles"] - before,
                      "ok": ok}))
"""


def test_constant_differing_expressions_share_a_kernel(tmp_path):
    stats = run_child(LITERALS, tmp_path)
    assert stats["ok"]
    # One kernel per structure: the comparison pair and the linear form.
    assert stats["compiles"] == 2, stats


#: Many expressions, each with several literal values: the results are
#: saved so that the parent can compare lifting on against off.
MANY = """
    import json, sys
    import numpy as np
    import nejit as ne

    n = 203
    rng = np.random.default_rng(3)
    a = rng.standard_normal(n) * 10
    a[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, 1e308]
    b = rng.standard_normal(n)
    f = (rng.standard_normal(n) * 3).astype(np.float32)
    i = rng.integers(-1000, 1000, n).astype(np.int32)
    i[:4] = [0, -1, 2**31 - 1, -2**31]
    k = rng.integers(-2**40, 2**40, n)
    k[:3] = [0, 2**63 - 1, -2**63]
    z = a + 1j * b
    m = a > 0
    mf = np.asfortranarray(rng.standard_normal((23, 9)))
    row = rng.standard_normal(9)
    local = dict(a=a, b=b, f=f, i=i, k=k, z=z, m=m, mf=mf, row=row)
    forms = ["a * {f} + b", "where(a > {f}, a, {f})", "sin(a * {f}) - b",
             "sum(a * {f})", "f * {f} - f", "exp(f / {f})", "i * {i} + k",
             "i // {i} + {i} % i", "k * {i} - i", "z * ({f}+{f}j)",
             "abs(z - {f}) + {f}", "m & (b > {f})", "where(m, {i}, i)",
             "arctan2(a, {f}) * b", "a ** {f}", "(a + {f}) ** 2",
             "-a * {f}", "maximum(a, {f})", "prod(b * {f} + 1)",
             # n-d: a Fortran-ordered matrix, a broadcast row, axes
             "mf * row * {f} - {f}", "sum(mf * {f}, axis=0)",
             "prod(mf * {f} + 1, axis=1)", "max(mf * row + {f}, axis=0)"]
    floats = ["2.5", "-0.5", "0.0", "-0.0", "1e300", "3.0", "1e-310",
              "1e400", "7.25"]
    ints = ["3", "-7", "2147483647", "(-2147483648)", "2**40", "1"]
    out = {}
    for idx, form in enumerate(forms):
        for v in range(len(floats)):
            e = form
            e = e.replace("{f}", floats[v], 1).replace(
                "{f}", floats[(v + 3) % len(floats)])
            e = e.replace("{i}", ints[v % len(ints)], 1).replace(
                "{i}", ints[(v + 2) % len(ints)])
            try:
                r = ne.evaluate(e, local_dict=local)
            except Exception as exc:  # noqa: BLE001
                r = np.frombuffer(repr(exc).encode(), dtype=np.uint8)
            out["%d_%d" % (idx, v)] = np.asarray(r)
    np.savez(OUT, **out)
    print(json.dumps({"compiles": ne.cache_stats()["compiles"],
                      "results": len(out)}))
"""


def test_lifted_results_are_bit_identical_to_inlined(tmp_path):
    results = {}
    stats = {}
    for lift in ("1", "0"):
        npz = tmp_path / ("lift%s.npz" % lift)
        code = MANY.replace("np.savez(OUT", "np.savez(%r" % str(npz))
        stats[lift] = run_child(code, tmp_path,
                                env={"NEJIT_LIFT_CONSTANTS": lift})
        with np.load(npz) as data:
            results[lift] = {key: data[key] for key in data.files}
    assert results["1"].keys() == results["0"].keys()
    for key, want in results["0"].items():
        got = results["1"][key]
        assert_same_bits(got, want, key)
    # Lifting shares kernels: far fewer compiles for the same work.
    assert stats["1"]["compiles"] * 2 < stats["0"]["compiles"], stats


def test_renamed_expressions_share_one_kernel():
    a = np.linspace(-1, 1, 100)
    b = np.linspace(2, 3, 100)
    before = ne.cache_stats()
    r1 = ne.evaluate("arctan2(p9q1, p9q2) * 3 - p9q1",
                     local_dict={"p9q1": a, "p9q2": b})
    mid = ne.cache_stats()
    r2 = ne.evaluate("arctan2(xr7, yr7) * 3 - xr7",
                     local_dict={"xr7": a, "yr7": b})
    after = ne.cache_stats()
    assert after["compiles"] + after["disk_hits"] == (
        mid["compiles"] + mid["disk_hits"])
    # The second expression did not even reach the JIT's cache.
    assert after["hits"] + after["misses"] == mid["hits"] + mid["misses"]
    assert r1.tobytes() == r2.tobytes()
    assert mid["misses"] + mid["hits"] > before["misses"] + before["hits"]


def test_values_that_shape_code_stay_in_the_key():
    # An integer divisor is compiled into the kernel (a multiply by its
    # inverse), so each divisor has a kernel of its own.
    i = np.arange(-50, 50, dtype=np.int64)
    keys = set()
    for d in (3, 5, 7):
        kernel = ne.compile("i // %d" % d, [("i", np.int64)])
        keys.add(kernel.dis("kernel-ir"))
        np.testing.assert_array_equal(ne.evaluate("i // %d" % d), i // d)
    assert len(keys) == 3
    # A multiplier is a parameter: one kernel text for all of them.
    keys = {ne.compile("i * %d" % d, [("i", np.int64)]).dis(
        "kernel-ir").split("param 0 =")[0] for d in (3, 5, 7)}
    assert len(keys) == 1


@pytest.mark.parametrize("expr", ["a * 2.5 + b", "where(a > 0.5, b, 3)"])
def test_kernel_ir_names_positions_and_parameters(expr):
    kernel = ne.compile(expr, [("a", np.float64), ("b", np.float64)])
    text = kernel.dis("kernel-ir")
    assert "#0: f8, #1: f8, param 0: f8" in text
    assert "input f8 #0" in text and "input f8 #1" in text
    assert "input f8 a" not in text and "input f8 b" not in text
    assert "param 0 = " in text
    # The stages users read keep names and values.
    assert "input f8 a" in kernel.dis("opt-ir")
    assert "param" not in kernel.dis("opt-ir")
