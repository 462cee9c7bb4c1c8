"""The interpreter tier and the JIT tier seen from Python: the same results
in both (bit for bit, NaNs aside), the NEJIT_TIER switch and set_tier(),
the background compiler under auto (swaps, exit, fork), and a huge
expression that the calling thread does not compile.

Subprocess tests run a fresh interpreter because the tier and the cache
directory are read from the environment once per process.
"""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numexpr
import numpy as np
import pytest

import nejit as ne
from bits import assert_same_bits

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python


def run_python(code, env, timeout=120):
    """Runs code in a fresh interpreter; returns the JSON object the code
    prints on its last line."""
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("NEJIT_", "NUMEXPR_", "OMP_"))}
    full["PYTHONPATH"] = PKG_DIR + os.pathsep + full.get("PYTHONPATH", "")
    full.update(env)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=full, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (
        "child failed (%d)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def tier():
    """Restores the tier a test changes."""
    before = ne.get_tier()
    yield
    ne.set_tier(before)


def _operands(n, seed=3):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-5, 5, n)
    a[::7] = 0.0
    a[3::11] = -0.0
    a[5::13] = np.nan
    a[6::17] = np.inf
    b = rng.uniform(-3, 3, n)
    return dict(a=a, b=b, c=rng.uniform(0.1, 2, n),
                x=a.astype(np.float32), y=b.astype(np.float32),
                i=rng.integers(-100, 100, n).astype(np.int32),
                j=rng.integers(-5, 5, n).astype(np.int32),
                k=rng.integers(-2**40, 2**40, n),
                z=a + 1j * b, p=b > 0)


EXPRESSIONS = [
    "2*a + 3*b", "where(a > 0, log(a), b)", "sin(a)**2 + cos(a)**2",
    "sin(x)*cos(x) + y", "exp(z) + log(z*1j + 1)", "i // j + i % j",
    "i / j", "k ** 3 + k // 7", "(i << 3) >> j", "p & (a > b) | ~p",
    "arctan2(x, y) + hypot(a, b)", "maximum(a, b) + minimum(x, y)",
    "abs(z) + real(z) + imag(z)", "sqrt(z) + conj(z)",
    "arcsinh(a) + arccosh(c + 1) + arctanh(b / 4)", "fmod(a, c) + a % c",
    "floor(a) + ceil(b) + round(a) + trunc(b)", "sign(a) + sign(i)",
    "isnan(a) | isinf(a)", "signbit(a)", "copysign(a, b)", "a",
    "sum(a)", "sum(a * b)", "prod(c)", "min(a)", "max(b)", "sum(i)",
    "min(x)", "sum(z)", "prod(z / 4)",
]


@pytest.mark.parametrize("n", [0, 1, 255, 257, 5000, 70001])
def test_same_results_in_both_tiers(tier, n):
    local = _operands(n)
    for e in EXPRESSIONS:
        got = {}
        for t in ("interp", "jit"):
            ne.set_tier(t)
            got[t] = ne.evaluate(e, local_dict=local)
        assert_same_bits(got["interp"], got["jit"], "%s n=%d" % (e, n))


def test_same_results_for_strided_broadcast_and_axis_operands(tier):
    rng = np.random.default_rng(5)
    m = rng.uniform(-2, 2, (60, 70))
    m[::9, ::4] = -0.0
    local = dict(m=m, t=m.T, s=m[::2, 1::3], r=m[0], c=m[:, :1])
    for e in ["m * 2 - 1", "t * 3 + 1",
              "s + 1", "m + r", "m * c", "sum(m, axis=0)",
              "sum(m, axis=1)", "max(t, axis=0)", "min(s, axis=1)",
              "prod(m / 2 + 1, axis=0)"]:
        got = {}
        for t in ("interp", "jit"):
            ne.set_tier(t)
            got[t] = ne.evaluate(e, local_dict=local)
        assert_same_bits(got["interp"], got["jit"], e)
    out = {t: np.full((60, 70), 7.0) for t in ("interp", "jit")}
    for t in out:
        ne.set_tier(t)
        ne.evaluate("m * r + c", local_dict=local, out=out[t][:, :])
    assert_same_bits(out["interp"], out["jit"], "out=")


def test_set_tier_returns_the_previous_one(tier):
    ne.set_tier("jit")
    assert ne.set_tier("interp") == "jit"
    assert ne.get_tier() == "interp"
    with pytest.raises(ValueError):
        ne.set_tier("llvm")
    assert ne.get_tier() == "interp"


@pytest.mark.parametrize("mode", ["interp", "jit"])
def test_nejit_tier_environment_variable(tmp_path, mode):
    stats = run_python("""
        import json
        import numpy as np
        import nejit as ne
        a = np.linspace(0, 1, 1000)
        for e in ["2*a + 1", "sin(a) * a", "sum(a)", "where(a > 0.5, a, 0)"]:
            ne.evaluate(e)
        s = ne.cache_stats()
        s["tier"] = ne.get_tier()
        print(json.dumps(s))
    """, {"NEJIT_TIER": mode, "NEJIT_CACHE_DIR": str(tmp_path)})
    assert stats["tier"] == mode
    if mode == "interp":
        assert stats["tier1_runs"] == 4 and stats["compiles"] == 0, stats
    else:
        assert stats["tier1_runs"] == 0 and stats["compiles"] == 4, stats


def test_auto_compiles_hot_kernels_in_the_background(tmp_path):
    stats = run_python("""
        import json, time
        import numpy as np
        import nejit as ne
        a = np.linspace(0, 1, 1 << 20)
        first = ne.evaluate("a * 3.5 - a * a")
        s0 = ne.cache_stats()
        deadline = time.time() + 60
        while ne.cache_stats()["swaps"] == 0 and time.time() < deadline:
            r = ne.evaluate("a * 3.5 - a * a")
            assert np.array_equal(r, first)
            time.sleep(0.001)
        s = ne.cache_stats()
        s["first_compiles"] = s0["compiles"]
        print(json.dumps(s))
    """, {"NEJIT_CACHE_DIR": str(tmp_path)})
    assert stats["first_compiles"] == 0, stats
    assert stats["background_compiles"] == 1, stats
    assert stats["swaps"] == 1, stats
    assert stats["tier1_runs"] >= 2, stats


def test_exit_while_the_background_compiler_works(tmp_path):
    # Many hot kernels queued, then the interpreter exits at once: the
    # compile in progress finishes, the queue is dropped, exit is clean.
    code = """
        import json
        import numpy as np
        import nejit as ne
        a = np.linspace(0, 1, 1 << 22)
        for c in range(40):
            # 40 structures: literals alone would share one kernel body.
            ne.evaluate("a * 1.25 + sin(a) * a" + " + a" * c)
        print(json.dumps(ne.cache_stats()))
    """
    for _ in range(3):
        stats = run_python(code, {"NEJIT_CACHE_DIR": str(tmp_path),
                                  "NEJIT_NUM_THREADS": "1"})
        assert stats["tier1_runs"] == 40, stats


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_child_runs_its_own_background_compiler(tmp_path):
    stats = run_python("""
        import json, os, time
        import numpy as np
        import nejit as ne
        a = np.linspace(0, 1, 1 << 20)
        e = "a * 1.75 + a * a * 0.5"
        want = a * 1.75 + a * a * 0.5
        for _ in range(4):  # queued, maybe compiling, at the fork
            ne.evaluate(e)
        pid = os.fork()
        if pid == 0:
            ok = False
            deadline = time.time() + 60
            while time.time() < deadline:
                r = ne.evaluate(e)
                if not np.allclose(r, want):
                    os._exit(3)
                if ne.cache_stats()["swaps"] >= 1:
                    ok = True
                    break
                time.sleep(0.001)
            os._exit(0 if ok else 2)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"child": os.waitstatus_to_exitcode(status)}))
    """, {"NEJIT_CACHE_DIR": str(tmp_path)})
    assert stats["child"] == 0, stats


def _balanced_sum(terms):
    if len(terms) == 1:
        return terms[0]
    m = len(terms) // 2
    return "(%s + %s)" % (_balanced_sum(terms[:m]), _balanced_sum(terms[m:]))


def test_ticker_keeps_ticking_during_a_huge_expression(tier):
    # 5000 distinct terms on 10 elements: the JIT would compile for
    # seconds inside the call; under auto the interpreter answers and the
    # kernel is never compiled (it is too long to be worth it).
    ne.set_tier("auto")
    a = np.linspace(0, 1, 10)
    salt = time.time_ns() % 100000
    terms = ["a*%d.%05d" % (i, salt) for i in range(5000)]
    expr = _balanced_sum(terms)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.002)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        before = ne.cache_stats()
        t0 = time.perf_counter()
        r = ne.evaluate(expr)
        t1 = time.perf_counter()
    finally:
        stop.set()
        t.join()
    after = ne.cache_stats()
    assert after["compiles"] == before["compiles"]
    assert after["tier1_runs"] == before["tier1_runs"] + 1
    coeff = sum(float("%d.%05d" % (i, salt)) for i in range(5000))
    np.testing.assert_allclose(r, a * coeff, rtol=1e-12)
    during = [x for x in ticks if t0 <= x <= t1]
    gaps = np.diff([t0] + during + [t1])
    assert t1 - t0 < 5.0
    assert gaps.max() < 1.0, gaps.max()


@pytest.mark.parametrize("expr", [
    "maximum(a, 0.0)", "maximum(a, -0.0)", "minimum(a, 0.0)",
    "minimum(-0.0, a)", "maximum(a, b)", "minimum(a, b)", "maximum(b, a)",
    "maximum(a, b) * 1.0", "minimum(a + 0.0, b)", "maximum(a, where(b > 2, b, -0.0))",
    "maximum(a, i)", "minimum(i, a)"])
def test_signed_zeros_of_maximum_and_minimum(tier, expr):
    # Equal operands (+0 and -0) give the second one, as in numexpr and
    # numpy, whether an operand is a constant, an int-to-float cast or an
    # array, and in every tier: the zero's sign must not depend on what
    # LLVM can prove about an operand in a fused kernel.
    a = np.array([-0.0, 0.0, -0.0, 1.0, np.nan, 0.0] * 64)
    b = np.array([0.0, -0.0, -0.0, 0.0, 0.0, np.nan] * 64)
    i = np.zeros(a.shape, dtype=np.int32)
    env = {"a": a, "b": b, "i": i}
    want = numexpr.evaluate(expr, local_dict=env)
    got = {}
    for t in ("interp", "jit"):
        ne.set_tier(t)
        got[t] = ne.evaluate(expr, local_dict=env)
        assert_same_bits(got[t], want, expr + " in the %s tier vs numexpr" % t)
    assert_same_bits(got["interp"], got["jit"], expr)
