"""Random expressions over the whole language, evaluated by nejit and by
numexpr 2.14.2 on the same arrays: same dtype, same values (allclose, NaN
where NaN), or the same exception type.

Deterministic (fixed seeds); a failure prints the expression and inputs.
"""
import random
import warnings

import numexpr
import numpy as np
import pytest

import nejit

N = 37  # not a multiple of any vector width: the tail runs too

# Left out of the grammar, each covered by its own tests: signbit and
# copysign (they expose the sign of a NaN, e.g. of log of a negative, which
# libm and Sleef choose differently and nothing specifies), and copy /
# ones_like (of a constant they make a numpy array that numexpr itself
# fails on: "unhashable type").
UNARY_FUNCS = ["sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "exp",
               "expm1", "log", "log10", "log1p", "log2", "sqrt", "abs",
               "floor", "ceil", "trunc", "round", "sign", "conj", "real",
               "imag", "arcsinh", "isnan", "isfinite", "isinf",
               "arcsin", "arccos", "arccosh", "arctanh"]
BINARY_FUNCS = ["arctan2", "fmod", "hypot", "nextafter", "maximum",
                "minimum", "complex"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>",
          "<", "<=", "==", "!=", ">=", ">"]
VARS = {"b": "b1", "i": "i4", "l": "i8", "f": "f4", "d": "f8", "c": "c16"}
CONSTS = ["2", "3", "-1", "0.5", "2.5", "1e-3", "3000000000", "True",
          "False", "1j", "0"]


def make_arrays(rng):
    vals = rng.uniform(-3, 3, N)
    vals[:3] = [0.0, -0.0, 1.0]
    return {
        "b": vals > 0,
        "i": np.round(vals * 3).astype("i4"),
        "l": np.round(vals * 5).astype("i8"),
        "f": vals.astype("f4"),
        "d": vals[::-1].copy(),
        # Off the axes: on a branch cut numexpr and numpy pick different
        # sides, and the difference propagates (test_accuracy.py checks the
        # cuts against numpy).
        "c": rng.uniform(0.1, 2, N) * rng.choice([-1, 1], N)
        + 1j * rng.uniform(0.1, 2, N) * rng.choice([-1, 1], N),
    }


def random_expr(r, depth):
    if depth == 0 or r.random() < 0.25:
        return r.choice(list(VARS)) if r.random() < 0.8 else r.choice(CONSTS)
    kind = r.random()
    if kind < 0.45:
        op = r.choice(BINOPS)
        left, right = random_expr(r, depth - 1), random_expr(r, depth - 1)
        if op in ("**", "<<") and not any(v in left + right for v in VARS):
            # numexpr folds constants with Python: 3000000000 ** 3000000000
            # would compute for minutes.
            left = r.choice(list(VARS))
        return f"({left} {op} {right})"
    if kind < 0.7:
        return f"{r.choice(UNARY_FUNCS)}({random_expr(r, depth - 1)})"
    if kind < 0.8:
        return (f"{r.choice(BINARY_FUNCS)}({random_expr(r, depth - 1)}, "
                f"{random_expr(r, depth - 1)})")
    if kind < 0.9:
        return (f"where({random_expr(r, depth - 1)} > 0, "
                f"{random_expr(r, depth - 1)}, {random_expr(r, depth - 1)})")
    return f"{r.choice(['-', '~'])}{random_expr(r, depth - 1)}"


def outcome(module, expr, arrays):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return module.evaluate(expr, local_dict=dict(arrays))
    except Exception as exc:  # the type is what is compared
        return exc


def kind_of(result):
    """The Python exception class nejit maps its error kinds to (numpy's
    UFuncTypeError is a TypeError), or None for a result."""
    for kind in (SyntaxError, KeyError, NotImplementedError, TypeError,
                 ValueError, RuntimeError):
        if isinstance(result, kind):
            return kind
    return type(result) if isinstance(result, Exception) else None


def same(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "biu":
        return np.array_equal(a, b)
    # numexpr's libm and nejit's Sleef differ by an ULP or so.
    if a.dtype.kind != "c":
        return np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    # Complex: nejit follows numpy where numexpr's naive formulas differ --
    # special values (infinities, NaN, 0 ** w) and the side of a branch cut
    # for arguments on it (arccos(-2.5-0j), arctan(-0.0+1.2j): nejit gives
    # numpy's and cmath's answer) -- so compare finite results up to the
    # signs of their parts.
    close = np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    other_side = (np.isclose(abs(a.real), abs(b.real), rtol=1e-5, atol=1e-6)
                  & np.isclose(abs(a.imag), abs(b.imag), rtol=1e-5,
                               atol=1e-6))
    # Only numexpr's non-finite results are excused: a NaN or inf that
    # nejit alone produces is a failure.
    special = ~np.isfinite(b)
    return bool(np.all(close | other_side | special))


@pytest.mark.parametrize("seed", range(8))
def test_random_expressions_agree_with_numexpr(seed):
    r = random.Random(seed)
    arrays = make_arrays(np.random.default_rng(seed))
    problems = []
    compared = 0
    while compared < 150:
        expr = random_expr(r, 3)
        want = outcome(numexpr, expr, arrays)
        if isinstance(want, (SystemError, ZeroDivisionError, OverflowError,
                             MemoryError, RecursionError)):
            continue  # numexpr's own crashes/bugs: nothing to compare to
        got = outcome(nejit, expr, arrays)
        compared += 1
        if isinstance(want, Exception) or isinstance(got, Exception):
            if kind_of(want) != kind_of(got):
                problems.append(f"{expr}: numexpr {type(want).__name__}, "
                                f"nejit {type(got).__name__}: {got!s:.120}")
            continue
        if not same(got, want):
            problems.append(f"{expr}: numexpr {want.dtype} "
                            f"{np.ravel(want)[:4]}, nejit {got.dtype} "
                            f"{np.ravel(got)[:4]}")  # 0-d results too
    assert not problems, "\n".join(problems)


def test_only_variables_the_program_reads_are_bound():
    # numexpr binds the names left after building the expression: a
    # constant where() condition drops the other branch and its variables
    # (which need not even exist), and the result is 0-d like numexpr's.
    c = np.arange(5.0)
    for module in (numexpr, nejit):
        r = module.evaluate("where(0 > 0, log10(c), 1e-3)")
        assert r.shape == () and r == 1e-3
        assert module.evaluate("where(0 > 0, undefined_name, 1)") == 1


def test_constant_nodes_are_not_folded_by_division():
    # ceil(True) is a numexpr ConstantNode: `/ 0` runs at run time (inf),
    # it is not Python's ZeroDivisionError.
    d = np.array([1.0, 2.0])
    for module in (numexpr, nejit):
        with np.errstate(divide="ignore"):
            r = module.evaluate("d * (ceil(True) / 0)")
        assert np.isinf(r).all()
