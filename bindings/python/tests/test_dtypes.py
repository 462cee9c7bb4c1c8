"""Result dtypes are numexpr's (compared against numexpr itself)."""

import numpy as np
import pytest

import nejit as ne

numexpr = pytest.importorskip("numexpr")

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "float16", "float32", "float64", "complex64",
          "complex128"]

EXPRS = ["a", "a + b", "a * b", "a - b", "a / b", "a + 1", "a * 2.0",
         "a < b", "a == b", "a + 2**40", "where(a > b, a, b)"]


def _arrays(dt_a, dt_b):
    a = (np.arange(1, 11) % 3 + 1).astype(dt_a)
    b = (np.arange(1, 11) % 4 + 1).astype(dt_b)
    return a, b


def _numexpr_outcome(expr, env):
    try:
        return numexpr.evaluate(expr, local_dict=env).dtype
    except Exception as e:  # noqa: BLE001 - we compare the exception type
        return type(e)


def _nejit_outcome(expr, env):
    try:
        return ne.evaluate(expr, local_dict=env).dtype
    except Exception as e:  # noqa: BLE001
        return type(e)


@pytest.mark.parametrize("expr", EXPRS)
@pytest.mark.parametrize("dt", DTYPES)
def test_same_dtype_as_numexpr_unary_kinds(expr, dt):
    a, b = _arrays(dt, dt)
    env = {"a": a, "b": b}
    assert _nejit_outcome(expr, env) == _numexpr_outcome(expr, env)


@pytest.mark.parametrize("dt_a,dt_b", [
    ("int32", "float32"), ("int64", "float32"), ("float32", "float64"),
    ("bool", "int32"), ("int32", "int64"), ("uint32", "int32"),
    ("float32", "complex128"), ("int16", "float16")])
@pytest.mark.parametrize("expr", ["a + b", "a * b", "a / b", "a * 2", "a * 2.0"])
def test_same_dtype_as_numexpr_mixed(expr, dt_a, dt_b):
    a, b = _arrays(dt_a, dt_b)
    env = {"a": a, "b": b}
    assert _nejit_outcome(expr, env) == _numexpr_outcome(expr, env)


@pytest.mark.parametrize("value", [3, 2.5, 1 + 2j, True, np.float32(2),
                                   np.int32(7), np.uint32(7)])
def test_scalar_variable_dtypes(value):
    a = np.arange(4, dtype=np.float32)
    env = {"a": a, "s": value}
    for expr in ("s", "a * s"):
        assert _nejit_outcome(expr, env) == _numexpr_outcome(expr, env)


def test_constant_only_dtypes():
    for expr in ("2", "2**40", "2.5", "1+1", "3 > 2"):
        assert ne.evaluate(expr).dtype == numexpr.evaluate(expr).dtype
        assert ne.evaluate(expr).shape == ()
