"""Hostile expression text (issue 10, findings 3 and 6).

Deep expressions run in threads with 256 KiB stacks and in a process under
``ulimit -s 1024``, each in a subprocess so that a crash is a failure rather
than the end of the test run: every case gives numpy's value or a clean
SyntaxError "nested too deeply", and the long sums generated code writes
(10,000 terms, flat or left-nested in parentheses as pandas writes them)
must give the right value. The rest checks the text-level differences from
numexpr 2.14.2 (run here, from .venv) and the size of error messages.
"""

import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import nejit

numexpr = pytest.importorskip("numexpr")

_BINDINGS = str(Path(__file__).resolve().parents[1])

# -- deep expressions ---------------------------------------------------------

# name -> (expression builder, numpy reference for a, must it compile?)
_DEEP_SCRIPT = textwrap.dedent(r'''
    import json, math, sys, threading
    import numpy as np
    import nejit

    def flat(n): return " + ".join(["a"] * n)
    def left(n): return "(" * (n - 1) + "a" + " + a)" * (n - 1)
    def right(n): return "a + (" * (n - 1) + "a" + ")" * (n - 1)

    def nested_sin(a, n):
        for _ in range(n):
            a = np.sin(a)
        return a

    CASES = {
        "flat 400": (flat(400), lambda a: 400 * a, True),
        "flat 1000": (flat(1000), lambda a: 1000 * a, True),
        "flat 10000": (flat(10000), lambda a: 10000 * a, True),
        "left-nested 10000": (left(10000), lambda a: 10000 * a, True),
        "parentheses 199": ("(" * 199 + "a" + ")" * 199, lambda a: a, True),
        "parentheses 10000": ("(" * 10000 + "a" + ")" * 10000,
                              lambda a: a, True),
        "unary minus 399": ("-" * 399 + "a", lambda a: -a, True),
        "unary minus 10000": ("-" * 10000 + "a", lambda a: a, True),
        "nested sin 199": ("sin(" * 199 + "a" + ")" * 199,
                           lambda a: nested_sin(a, 199), True),
        "nested sin 2000": ("sin(" * 2000 + "a" + ")" * 2000,
                            lambda a: nested_sin(a, 2000), True),
        "right-nested 1000": (right(1000), lambda a: 1000 * a, False),
        "nested where 1000": ("where(a > 0, " * 1000 + "a" + ", a)" * 1000,
                              lambda a: a, False),
    }

    def run(names, out):
        a = np.linspace(-1.0, 1.0, 7)
        for name in names:
            expr, want, _ = CASES[name]
            try:
                got = nejit.evaluate(expr, local_dict={"a": a})
            except Exception as e:
                out[name] = {"error": type(e).__name__, "message": str(e)}
                continue
            ok = np.allclose(got, want(a), rtol=1e-12, atol=1e-12)
            out[name] = {"ok": bool(ok)}

    names, stack = json.loads(sys.argv[1]), int(sys.argv[2])
    out = {}
    if stack:
        threading.stack_size(stack)
        t = threading.Thread(target=run, args=(names, out))
        t.start()
        t.join()
    else:
        run(names, out)
    print(json.dumps(out))
''')

_DEEP_NAMES = ["flat 400", "flat 1000", "flat 10000", "left-nested 10000",
               "parentheses 199", "parentheses 10000", "unary minus 399",
               "unary minus 10000", "nested sin 199", "nested sin 2000",
               "right-nested 1000", "nested where 1000"]
_MUST_COMPILE = {"flat 400", "flat 1000", "flat 10000", "left-nested 10000",
                 "parentheses 199", "parentheses 10000", "unary minus 399",
                 "unary minus 10000", "nested sin 199", "nested sin 2000"}


def _run_deep(stack_bytes=0, rlimit_stack=None):
    env = dict(os.environ, NEJIT_CACHE="0",
               PYTHONPATH=_BINDINGS + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def limit():
        if rlimit_stack is not None:
            hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
            resource.setrlimit(resource.RLIMIT_STACK, (rlimit_stack, hard))

    p = subprocess.run(
        [sys.executable, "-c", _DEEP_SCRIPT, json.dumps(_DEEP_NAMES),
         str(stack_bytes)],
        env=env, preexec_fn=limit, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (
        f"crashed (exit {p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _check_deep(results):
    assert set(results) == set(_DEEP_NAMES)
    for name, r in results.items():
        if "ok" in r:
            assert r["ok"], f"{name}: wrong value"
            continue
        assert name not in _MUST_COMPILE, f"{name}: {r}"
        assert r["error"] == "SyntaxError", f"{name}: {r}"
        assert "nested too deeply" in r["message"], f"{name}: {r}"
        assert len(r["message"]) < 400, name


@pytest.mark.parametrize("stack", [256 * 1024, 512 * 1024])
def test_deep_expressions_in_small_thread_stacks(stack):
    _check_deep(_run_deep(stack_bytes=stack))


def test_deep_expressions_under_ulimit_s_1024():
    _check_deep(_run_deep(rlimit_stack=1024 * 1024))


def _sum_in_order(arrays, order):
    acc = arrays[order[0]].copy()
    for k in order[1:]:
        acc = acc + arrays[k]
    return acc


@pytest.mark.parametrize("form", ["flat", "left-nested"])
def test_10000_term_sums_match_numpy(form):
    rng = np.random.default_rng(10)
    arrays = {f"v{k}": rng.standard_normal(1000) for k in range(16)}
    order = [f"v{i % 16}" for i in range(10000)]
    if form == "flat":
        expr = " + ".join(order)
    else:  # pandas' form: ((((v0 + v1) + v2) + v3) ...)
        expr = "(" * (len(order) - 1) + order[0] + "".join(
            f" + {v})" for v in order[1:])
    got = nejit.evaluate(expr, local_dict=arrays)
    np.testing.assert_allclose(got, _sum_in_order(arrays, order), rtol=1e-12)


def test_shared_power_expansions_do_not_blow_up():
    # Sema lowered a shared node once per use: 6,250,000 instructions.
    a = np.array([1.0, -1.0, 0.5])
    start = time.perf_counter()
    got = nejit.evaluate("(((a**50)**50)**50)**50")
    assert time.perf_counter() - start < 20
    np.testing.assert_array_equal(got, a ** 6250000)


# -- text that numexpr treats differently -------------------------------------

def _outcome(module, expr, **arrays):
    try:
        return np.asarray(module.evaluate(expr, local_dict=arrays))
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome
        return type(e)


@pytest.mark.parametrize("expr", [
    "a\n+b", "a +\nb", "a\r\n+b", "a\r+b", "a # comment", "a+b # c", "a #",
    "#a", "a\n", "\na", "a\n\n", "(a\n+b)", "(a # one\n + b)", "a+\\\nb",
    "a\t+b", "a\x0c+b", "a\x0b+b", "a\\", "a\x00+b"])
def test_line_ends_and_comments_as_numexpr(expr):
    a, b = np.arange(3.0), np.arange(3.0) + 1
    want = _outcome(numexpr, expr, a=a, b=b)
    got = _outcome(nejit, expr, a=a, b=b)
    if isinstance(want, type):
        assert got is want or (isinstance(got, type) and issubclass(got, want)), (
            f"{expr!r}: numexpr {want.__name__}, nejit {got}")
    else:
        assert not isinstance(got, type), f"{expr!r}: nejit raised {got}"
        np.testing.assert_array_equal(got, want)


def test_newline_error_points_at_the_line_end():
    with pytest.raises(SyntaxError) as e:
        nejit.evaluate("a\n+b", local_dict={"a": 1.0, "b": 2.0})
    assert "1:2" in str(e.value) and "newline" in str(e.value)


def test_nul_is_shown_escaped_and_nothing_is_cut():
    with pytest.raises(SyntaxError) as e:
        nejit.evaluate("a\x00+ b", local_dict={"a": 1.0, "b": 2.0})
    lines = str(e.value).split("\n")
    assert lines[0].endswith("invalid non-printable character U+0000")
    assert lines[1] == "a\\x00+ b"
    assert lines[2] == " ^"


@pytest.mark.parametrize("expr", [
    "99999999999999999999999999999999999999999", "2**64", "2**63",
    "2**200", "i + 2**63", "i > 2**64", "where(i > 0, 2**64, 1)",
    "9223372036854775807 + 1", "2.5 ** 5000", "-(-2**127)",
    "1.5j ** 3000000000"])
def test_too_large_constants_are_overflow_errors_as_in_numexpr(expr):
    arrays = {"i": np.arange(3)}
    assert _outcome(numexpr, expr, **arrays) is OverflowError
    assert _outcome(nejit, expr, **arrays) is OverflowError


@pytest.mark.parametrize("expr", [
    "a + 2**64", "2**64 + a", "a - 2**63", "a * 2**100", "f + 2**64",
    "c + 2**64", "sum(2**64 + a)"])
def test_ints_beyond_int64_in_floating_kinds_as_in_numexpr(expr):
    arrays = {"a": np.arange(3.0), "f": np.arange(3, dtype=np.float32),
              "c": np.arange(3.0) + 1j}
    want = _outcome(numexpr, expr, **arrays)
    got = _outcome(nejit, expr, **arrays)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_non_ascii_identifiers_as_python_reads_them():
    # pandas 2.2 passes backtick-quoted columns such as `μF` through.
    a = np.arange(4.0)
    got = nejit.evaluate("μF * 2 + ångström", local_dict={"μF": a, "ångström": a})
    want = numexpr.evaluate("μF * 2 + ångström",
                            local_dict={"μF": a, "ångström": a})
    np.testing.assert_array_equal(got, want)
    assert nejit.variable_names("Δt + σ_2 + 変数") == ["Δt", "σ_2", "変数"]


def test_identifier_characters_agree_with_str_isidentifier():
    # Every 37th code point above ASCII (about 30,000), at the start of a
    # name and inside one.
    disagree = []
    for cp in range(0x80, 0x110000, 37):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        for name in (ch + "x", "x" + ch):
            try:
                parsed = nejit.variable_names(name) == [name]
            except SyntaxError:
                parsed = False
            if parsed != name.isidentifier():
                disagree.append(f"U+{cp:04X} in {name!r}")
    assert not disagree, disagree[:20]


def test_non_identifier_characters_are_named():
    with pytest.raises(SyntaxError, match=r"invalid character '€' \(U\+20AC\)"):
        nejit.evaluate("a € b", local_dict={"a": 1.0, "b": 1.0})


def test_complex_power_of_an_integral_exponent_as_numexpr():
    # 1j**a was 1-0j where numexpr gives 1+0j (a = 4): the product must
    # start from 1, as numexpr's nc_pow does.
    a = np.arange(-4.0, 9.0)
    for expr in ["1j**a", "(-1j)**a", "(2+0j)**a", "(1+0j)**a", "1j**(2*a)"]:
        want = numexpr.evaluate(expr, local_dict={"a": a})
        got = nejit.evaluate(expr, local_dict={"a": a})
        assert repr(got) == repr(want), expr


def test_complex_power_constants_fold_as_python():
    for expr in ["1j**2", "1j**3", "1j**-2", "(1+2j)**-3", "(-8.0)**(1/3)"]:
        got = complex(nejit.evaluate(expr, optimization="none"))
        assert repr(got) == repr(eval(expr)), expr


# -- error size ---------------------------------------------------------------

def test_error_for_a_million_digit_literal_is_short():
    with pytest.raises(OverflowError) as e:
        nejit.evaluate("a + " + "7" * 1000000, local_dict={"a": 1.0})
    assert len(str(e.value)) < 400


@pytest.mark.parametrize("tail,exc", [("sine(a) + a", TypeError),
                                       ("$ + a", SyntaxError)])
def test_error_in_a_long_expression_echoes_a_window(tail, exc):
    expr = "a + " * 50000 + tail
    with pytest.raises(exc) as e:
        nejit.evaluate(expr, local_dict={"a": np.arange(3.0)})
    text = str(e.value)
    assert len(text) < 400
    lines = text.split("\n")
    assert lines[1].startswith("...")
    assert lines[1][lines[2].index("^")] == tail[0]


def test_repeated_bytes_are_bounded():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="repeated bytes constant is too large"):
        nejit.evaluate("b'xy' * 2**126")
    assert time.perf_counter() - start < 5


# -- signatures ---------------------------------------------------------------

def test_duplicate_names_in_a_signature_are_refused():
    with pytest.raises(ValueError, match="duplicate name 'a'"):
        nejit.compile("a + 1", [("a", "f8"), ("a", "i4")])
    with pytest.raises(ValueError, match="duplicate name 'a'"):
        nejit.NumExpr("a + 1", signature=[("a", np.double), ("a", np.int32)])
