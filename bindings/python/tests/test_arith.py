"""Results equal numpy's for float64 arithmetic (and a few more kinds)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nejit as ne

EXPRS = [
    "2*a + 3*b",
    "a - b",
    "a * b",
    "a / b",
    "-a",
    "(a + b) * (a - b)",
    "a*a*a - 2*a*b + b",
    "a + 1",
    "1.5 * a - b / 4",
    "((a + 1) * b - 3) / (2 + b*b)",
]


@pytest.mark.parametrize("expr", EXPRS)
def test_float64_matches_numpy(expr):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(1001)
    b = rng.standard_normal(1001) + 3.0
    got = ne.evaluate(expr)
    want = eval(expr)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 63, 64, 65, 1000, 100_003])
def test_lengths(n):
    a = np.arange(n, dtype=np.float64)
    b = np.ones(n)
    np.testing.assert_array_equal(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)


def test_large_parallel():
    a = np.linspace(-1, 1, 2_000_003)
    b = np.linspace(3, 4, 2_000_003)
    want = 2 * a + 3 * b
    for n in (1, 2, 4):
        ne.set_num_threads(n)
        np.testing.assert_allclose(ne.evaluate("2*a + 3*b"), want, rtol=1e-15)
    ne.set_num_threads(ne.nthreads)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 300),
                  elements=st.floats(-1e6, 1e6)),
       st.floats(-100, 100))
def test_hypothesis_affine(a, c):
    b = a[::-1].copy()
    got = ne.evaluate("c*a - b*2 + 1", local_dict={"a": a, "b": b, "c": c})
    np.testing.assert_allclose(got, c * a - b * 2 + 1, rtol=1e-12, atol=1e-9)


def test_int_and_bool_arithmetic():
    i = np.arange(-5, 5, dtype=np.int32)
    j = np.arange(10, dtype=np.int64)
    np.testing.assert_array_equal(ne.evaluate("i*3 + j"), i * 3 + j)
    x = np.array([True, False, True])
    y = np.array([True, True, False])
    np.testing.assert_array_equal(ne.evaluate("x & y"), x & y)


def test_scalars_from_python():
    a = np.arange(5.0)
    k = 3          # int -> int64 0-d
    f = 0.5        # float -> float64
    got = ne.evaluate("a*k + f")
    np.testing.assert_array_equal(got, a * k + f)
    r = ne.evaluate("k + 1")
    assert r.shape == () and r.dtype == np.int64 and r == 4
