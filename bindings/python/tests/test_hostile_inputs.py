"""Hostile but fair inputs (issue 10): huge broadcast shapes, adversarial
expression text for the sanitizer, `out` overlapping an input, out= shape
rules, and Ctrl-C during a long run. Each test failed before its fix."""

import itertools
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import nejit as ne
from nejit import _sanitize

BINDINGS = str(Path(__file__).resolve().parents[1])


TESTS = str(Path(__file__).resolve().parent)


def _run_python(code, timeout, prelude="", **env_vars):
    """Runs prelude + code (both dedented) in a fresh interpreter that
    imports this checkout's nejit; timeout only guards against a hang."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([BINDINGS, TESTS]),
               **env_vars)
    source = textwrap.dedent(prelude) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", source], env=env,
                          capture_output=True, text=True, timeout=timeout)


# --- 1. the iteration size must not overflow int64 ---------------------------

HUGE_PAIRS = [((2**32 + 1, 1), (1, 2**32)),  # 1.8e19: wrapped to 2**32
              ((2**32, 1), (1, 2**32)),      # exactly 2**64: wrapped to 0
              ((2**59, 1), (1, 2**5))]     # numpy-sized operands, 2**64


@pytest.mark.parametrize("sa,sb", HUGE_PAIRS)
@pytest.mark.parametrize("expr", ["sum(a*b)", "a*b", "prod(a+b)",
                                  "sum(a*b, axis=0)"])
def test_iteration_size_overflow_raises(sa, sb, expr):
    a = np.broadcast_to(1.0, sa)
    b = np.broadcast_to(1.0, sb)
    with pytest.raises(ValueError, match="iterator is too large"):
        ne.evaluate(expr)


def test_iteration_size_overflow_with_out_leaves_out_alone():
    a = np.broadcast_to(1.0, (2**32 + 1, 1))
    b = np.broadcast_to(1.0, (1, 2**32))
    out = np.full((), -7.0)
    with pytest.raises(ValueError, match="iterator is too large"):
        ne.evaluate("sum(a*b)", out=out)
    assert out == -7.0


def test_large_broadcast_reduction_that_fits_is_exact():
    a = np.broadcast_to(1.0, (2**16, 1))
    b = np.broadcast_to(2.0, (1, 2**9))
    assert ne.evaluate("sum(a*b)") == 2.0**26


# --- 2. the sanitizer: numexpr's verdicts, in linear time --------------------

def _numexpr_verdict():
    necompiler = pytest.importorskip("numexpr.necompiler")
    blacklist = necompiler._blacklist_re

    def forbidden(ex):
        # numexpr 2.14.2's stringToExpression, step by step.
        text = re.sub(r"\s+", "", ex)
        text = re.sub(r"(\'[^\']*\')", "", text)
        return blacklist.search(text) is not None

    return forbidden


# Characters and pieces that steer every branch of numexpr's expression:
# digits (also non-ASCII decimal ones), exponent letters, signs, j, the
# .real/.imag names, dunders, quotes, Unicode whitespace and letters.
ALPHABET = list(".0123456789eEj+-_realimgx ;:[']()") + [
    "\u0663", "\uff10", "\u00b2", "\u00b5", "\u00a0", "\n", "\t", "\u2028",
    "__", "real", "imag", ".5", "e+", "E-", "1j", "..", "''"]


def test_sanitizer_matches_numexpr_on_random_text():
    forbidden = _numexpr_verdict()
    rnd = random.Random(20261201)
    differ = []
    for _ in range(100_000):
        ex = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 14)))
        if _sanitize.is_forbidden(ex) != forbidden(ex):
            differ.append(ex)
    assert not differ, differ[:20]


def test_sanitizer_matches_numexpr_after_every_dot():
    # Every text of up to three pieces after a dot, in a few contexts.
    forbidden = _numexpr_verdict()
    pieces = ["", "1", "12", "e", "E", "+", "-", "j", "real", "imag", "x",
              "_", "\u0663", ".", "'", " ", "__", "(", "e5"]
    differ = []
    checked = 0
    for before in ["", "a", "a+", "1", "_", "'"]:
        for after in ["", "x", "+1", ")", "j", "'"]:
            for n in range(4):
                for mid in itertools.product(pieces, repeat=n):
                    ex = before + "." + "".join(mid) + after
                    checked += 1
                    if _sanitize.is_forbidden(ex) != forbidden(ex):
                        differ.append(ex)
    assert checked > 50_000
    assert not differ, differ[:20]


# Long texts on which numexpr's regex backtracks (quadratic or worse) or
# which make the linear check do the most work per character.
def _adversarial(n):
    return [
        "a+." + "1" * n + "x",
        "a + 1." + "1" * n + "j",
        "a+.1e" + "1" * n + "e",
        "a+.1e+" + "1" * n + "jx",
        "a+.1+" + "2" * n + "q",
        "1.5+" * (n // 4),
        "a.real+" * (n // 7),
        ".a" * (n // 2),
        ("." + "1" * 50 + "x") * (n // 52),
        "_" * n,
        "__" + "a" * n + "_",
        "'" * n,
        "'" + "a" * n,
        " " * n + "x",
        "a.e+1" * (n // 5),
    ]


def test_sanitizer_matches_numexpr_on_adversarial_text():
    forbidden = _numexpr_verdict()
    # numexpr's own regex needs up to seconds at this length.
    for ex in _adversarial(1500):
        assert _sanitize.is_forbidden(ex) == forbidden(ex), ex[:40]


def test_sanitizer_handles_100k_characters():
    # Each of these took numexpr's regex from seconds to minutes (100k
    # characters of 'a+.1...1x': over 120 s). The child has a generous
    # limit: it only guards against a hang, and needs well under a second.
    result = _run_python("""
        import numpy as np, nejit
        from nejit import _sanitize
        from test_hostile_inputs import _adversarial
        verdicts = [_sanitize.is_forbidden(t) for t in _adversarial(100_000)]
        a = np.arange(3.0)
        try:
            nejit.evaluate("a+." + "1" * 100_000 + "x")
        except ValueError as e:
            assert "forbidden control characters" in str(e)
        else:
            raise AssertionError("not rejected")
        r = nejit.evaluate("a + 1." + "1" * 100_000 + "j")
        assert abs(r[1] - (1 + 1.1111111111111112j)) < 1e-12
        print(verdicts)
    """, timeout=120)
    assert result.returncode == 0, result.stderr
    verdicts = eval(result.stdout)  # a list of bools printed by the child
    assert verdicts == [True, False, True, True, False, False, False, True,
                        True, True, False, False, False, False, True]


# --- 5. out= overlapping an input --------------------------------------------

def _overlap_cases(n):
    """(name, expression, variables, out) with out sharing memory with an
    input in every way but the identical one."""
    rng = np.random.default_rng(n)
    def vec(k=n):
        return rng.standard_normal(k)
    cases = []
    a = vec()
    cases.append(("reversed", "a+b", {"a": a, "b": vec()}, a[::-1]))
    base = vec(n + 3)
    cases.append(("shifted forward", "a+b", {"a": base[:-3], "b": vec()},
                  base[3:]))
    base = vec(n + 3)
    cases.append(("shifted back", "a*2+b", {"a": base[3:], "b": vec()},
                  base[:-3]))
    base = vec(2 * n)
    cases.append(("strided into itself", "a*2", {"a": base[:n]}, base[::2]))
    m = int(n**0.5)
    sq = rng.standard_normal((m, m))
    cases.append(("transposed", "a+1", {"a": sq}, sq.T))
    x = rng.standard_normal((m, m))
    cases.append(("broadcast row", "a*2+c", {"a": x[:1], "c": x}, x))
    return cases


@pytest.mark.parametrize("n", [20, 100_000])
def test_out_overlapping_input_matches_numpy(n):
    for name, expr, env, out in _overlap_cases(n):
        want = eval(expr, {}, {k: v.copy() for k, v in env.items()})
        r = ne.evaluate(expr, local_dict=env, out=out)
        assert r is out
        np.testing.assert_array_equal(out, want, err_msg=name)


def test_out_overlap_is_deterministic_with_threads():
    # Wrong elements used to vary from run to run at this size.
    prev = ne.set_num_threads(2)
    try:
        for _ in range(5):
            base = np.arange(100_003.0)
            a, out = base[:-3], base[3:]
            want = a + 1
            ne.evaluate("a + 1", out=out)
            np.testing.assert_array_equal(out, want)
    finally:
        ne.set_num_threads(prev)


@pytest.mark.parametrize("n", [20, 100_000])
def test_out_identical_to_input_runs_in_place(n):
    a = np.linspace(-3, 3, n)
    want = ne.evaluate("sin(a) + a*2")
    r = ne.evaluate("sin(a) + a*2", out=a)
    assert r is a
    np.testing.assert_array_equal(a, want)
    x = np.arange(12.0).reshape(3, 4).T  # not contiguous
    want = x * x - 1
    ne.evaluate("x*x - 1", out=x)
    np.testing.assert_array_equal(x, want)


def test_out_disjoint_views_of_one_buffer():
    # Interleaved and complex-part views share a buffer but no element.
    x = np.arange(40.0)
    a, out = x[1::2], x[::2]
    want = a * 3
    ne.evaluate("a * 3", out=out)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(x[1::2], np.arange(1.0, 40, 2))
    z = np.arange(10.0) + 1j * np.arange(10.0, 20)
    re_, im = z.real, z.imag
    ne.evaluate("im * 2", out=re_)
    np.testing.assert_array_equal(z.real, np.arange(10.0, 20) * 2)
    np.testing.assert_array_equal(z.imag, np.arange(10.0, 20))


def test_out_overlap_with_conversion_and_reductions():
    # Input converted (int -> float) but out aliases its source bytes.
    buf = np.arange(20, dtype=np.int64)
    i = buf[::-1]
    out = buf.view(np.float64)
    want = (buf[::-1] + 0.5)
    ne.evaluate("i + 0.5", out=out)
    np.testing.assert_array_equal(out, want)
    # Axis reduction into a row of its own input.
    x = np.arange(12.0).reshape(3, 4) + 1
    want = x.sum(axis=0)
    ne.evaluate("sum(x, axis=0)", out=x[0])
    np.testing.assert_array_equal(x[0], want)
    y = np.arange(12.0).reshape(4, 3) + 1
    want = y.prod(axis=1)
    ne.evaluate("prod(y, axis=1)", out=y[:, 0])
    np.testing.assert_array_equal(y[:, 0], want)
    # Full reduction into an element of its input.
    v = np.arange(1.0, 101.0)
    ne.evaluate("sum(v*2)", out=v[:1])
    assert v[0] == 10100.0


# --- 6. out= shape rules and messages ----------------------------------------

def test_wrong_shape_out_message_names_both_shapes():
    a = np.arange(10.0)
    with pytest.raises(ValueError) as e:
        ne.evaluate("a + 1", out=np.empty(5))
    assert "(5,)" in str(e.value) and "(10,)" in str(e.value)
    with pytest.raises(ValueError) as e:
        ne.evaluate("a + 1", out=np.empty(1))
    assert str(e.value) == ("non-broadcastable output operand with shape "
                            "(1,) doesn't match the broadcast shape (10,)")


OUT_CASES = [
    ("a + b", (5,)), ("a + b", (2, 5)), ("a + b", (1,)), ("a + b", ()),
    ("a + b", (10,)), ("a + b", (3, 10)), ("c + d", (3, 5)),
    ("c + d", (1, 4)), ("c + d", (4,)), ("c + d", (2, 3, 4)),
    ("sum(a)", (1,)), ("sum(a)", ()), ("sum(a)", (1, 1)), ("sum(a)", (2,)),
    ("sum(a)", (0,)), ("sum(a)", (1,) * 5), ("sum(c)", (1,)),
    ("prod(d)", (1, 1)), ("sum(c, axis=1)", (3,)), ("sum(c, axis=0)", (1,)),
    ("sum(e)", (1,)), ("sum(e)", ()),
]


@pytest.mark.parametrize("expr,shape", OUT_CASES)
def test_out_shapes_like_numexpr(expr, shape):
    numexpr = pytest.importorskip("numexpr")
    env = {"a": np.arange(10.0), "b": np.arange(10.0) * 2,
           "c": np.arange(3.0).reshape(3, 1) + 1, "d": np.arange(4.0) + 1,
           "e": np.ones(0)}

    def run(mod):
        out = np.full(shape, -7.0)
        try:
            r = mod.evaluate(expr, local_dict=env, out=out)
        except ValueError as err:
            return "error", str(err), out
        return "ok", r, out

    got, want = run(ne), run(numexpr)
    assert got[0] == want[0], (got[1], want[1])
    if got[0] == "ok":
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[2], want[2])
        assert (got[1] is got[2]) == (want[1] is want[2])
    else:
        assert (got[2] == -7.0).all()
        if "broadcast" in want[1] or "size 1" in want[1]:
            assert got[1] == want[1]


# --- 7. Ctrl-C during a long run ---------------------------------------------

# 2**33 elements of a broadcast scalar: no memory, and a run of many
# seconds (a reduction) unless it is interrupted.
_LONG_RUN = """
import os, signal, sys, threading, time
import numpy as np
import nejit as ne
a = np.broadcast_to(np.float64(0.5), (2**33,))
def warm_up(expr, **kw):
    # Compiles expr's kernel for these layouts, so that the signal lands in
    # the run rather than in the first compile (which may take a second).
    small = {"a": a[:1024], "b": a[:1024]}
    ne.evaluate(expr, local_dict=small, **kw)
def interrupt_soon():
    time.sleep(0.5)
    global sent
    sent = time.perf_counter()
    os.kill(os.getpid(), signal.SIGINT)
"""


@pytest.mark.parametrize("tier", ["jit", "interp"])
def test_sigint_interrupts_long_reduction(tier):
    # Compiled and interpreted pieces alike.
    result = _run_python("""
        warm_up("sum(sin(a) * cos(a) + arctan2(a, a + 1))")
        threading.Thread(target=interrupt_soon).start()
        t0 = time.perf_counter()
        try:
            ne.evaluate("sum(sin(a) * cos(a) + arctan2(a, a + 1))")
        except KeyboardInterrupt:
            print("interrupted", time.perf_counter() - sent,
                  time.perf_counter() - t0)
        else:
            print("finished", time.perf_counter() - t0)
        # The handler is Python's again: a later SIGINT still interrupts.
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            print("again")
    """, timeout=300, prelude=_LONG_RUN, NEJIT_TIER=tier)
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[0] == "interrupted", result.stdout
    assert float(words[1]) < 0.5, result.stdout  # latency after the signal
    assert words[3] == "again"


def test_sigint_interrupts_long_elementwise_run_into_out():
    # out is partly written on KeyboardInterrupt (docs/reliability).
    # One elementwise run of 2**33 elements into a one-element buffer
    # (stride 0): minutes uninterrupted, no memory. One thread, as threads
    # would race on that element.
    result = _run_python("""
        ne.set_num_threads(1)
        buf = np.zeros(1)
        def strided_out(n):
            return np.lib.stride_tricks.as_strided(buf, shape=(n,), strides=(0,))
        warm_up("sin(a)**2 + arctan2(a, a + 1) + 1", out=strided_out(1024))
        buf[0] = 0
        out = strided_out(a.shape[0])
        threading.Thread(target=interrupt_soon).start()
        try:
            ne.evaluate("sin(a)**2 + arctan2(a, a + 1) + 1", out=out)
        except KeyboardInterrupt:
            print("interrupted", time.perf_counter() - sent)
        else:
            print("finished")
        # Written up to where the run stopped.
        want = np.sin(0.5)**2 + np.arctan2(0.5, 1.5) + 1
        assert abs(buf[0] - want) < 1e-12, buf[0]
    """, timeout=300, prelude=_LONG_RUN)
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[0] == "interrupted", result.stdout
    assert float(words[1]) < 0.5, result.stdout


def test_sigint_with_custom_handler_does_not_cut_runs_short():
    # A handler that does not raise must see complete results.
    result = _run_python("""
        caught = []
        signal.signal(signal.SIGINT, lambda s, f: caught.append(s))
        b = np.broadcast_to(np.float64(0.5), (2**26,))
        threading.Thread(target=interrupt_soon).start()
        total = 0.0
        deadline = time.perf_counter() + 120  # runs until the signal came
        while not caught and time.perf_counter() < deadline:
            total += ne.evaluate("sum(b * 2)")
        print(len(caught), total % 2**26 == 0)
    """, timeout=300, prelude=_LONG_RUN)
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True"], result.stdout


def test_runs_off_the_main_thread_are_not_interrupted():
    # Python raises KeyboardInterrupt in the main thread only; a worker's
    # run finishes, with a complete result.
    result = _run_python("""
        b = np.broadcast_to(np.float64(0.5), (2**28,))
        res = []
        def work():
            res.append(ne.evaluate("sum(sin(b) * 0 + 1)"))
        t = threading.Thread(target=work)
        t.start()
        time.sleep(0.2)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            while t.is_alive():
                time.sleep(0.01)
        except KeyboardInterrupt:
            print("main interrupted")
        t.join()
        print(res[0] == 2.0**28)
    """, timeout=300, prelude=_LONG_RUN)
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["main", "interrupted", "True"], \
        result.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_during_an_interruptible_run():
    # A child forked while the parent's main thread is in an armed run
    # inherits that SIGINT handler; it must still compute, and get its own
    # KeyboardInterrupt.
    result = _run_python("""
        def fork_child():
            time.sleep(0.3)
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    c = np.broadcast_to(np.float64(2.0), (2**20,))
                    ok = ne.evaluate("sum(c)") == 2.0**21
                    try:
                        os.kill(os.getpid(), signal.SIGINT)
                        time.sleep(5)
                    except KeyboardInterrupt:
                        code = 0 if ok else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            print("child", os.waitstatus_to_exitcode(status))
            os.kill(os.getpid(), signal.SIGINT)
        warm_up("sum(sin(a) * cos(a))")
        threading.Thread(target=fork_child).start()
        try:
            ne.evaluate("sum(sin(a) * cos(a))")
        except KeyboardInterrupt:
            print("parent interrupted")
    """, timeout=300, prelude=_LONG_RUN)
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["child", "0", "parent", "interrupted"], \
        result.stdout
