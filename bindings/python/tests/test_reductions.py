"""sum/prod/min/max against numpy."""

import numpy as np
import pytest

import nejit as ne


@pytest.mark.parametrize("fn,npfn", [("sum", np.sum), ("prod", np.prod),
                                     ("min", np.min), ("max", np.max)])
def test_full_reductions(fn, npfn):
    x = np.linspace(0.5, 1.5, 2001)
    got = ne.evaluate(f"{fn}(x)")
    assert got.shape == ()
    np.testing.assert_allclose(got, npfn(x), rtol=1e-12)
    np.testing.assert_allclose(ne.evaluate(f"{fn}(x*2 + 1, axis=0)"),
                               npfn(x * 2 + 1, axis=0), rtol=1e-12)


@pytest.mark.parametrize("fn,npfn", [("sum", np.sum), ("prod", np.prod),
                                     ("min", np.min), ("max", np.max)])
@pytest.mark.parametrize("axis", [0, 1, None])
def test_axis_reductions(fn, npfn, axis):
    y = np.arange(1.0, 13.0).reshape(3, 4) / 7
    spec = "" if axis is None else f", axis={axis}"
    np.testing.assert_allclose(ne.evaluate(f"{fn}(y**2{spec})"),
                               npfn(y ** 2, axis=axis), rtol=1e-12)


def test_int_sum_keeps_int32():
    i = np.arange(10, dtype=np.int32)
    r = ne.evaluate("sum(i)")
    assert r == 45 and r.dtype == np.int32


def test_axis_out_of_range():
    y = np.ones((3, 3))
    for ax in (2, -1, -3):
        with pytest.raises(ValueError):
            ne.evaluate(f"sum(y, axis={ax})")


def test_reduction_not_last_is_nejits_extension():
    # numexpr raises RuntimeError ("reduction operations must occur last");
    # nejit computes it (docs/language.md, "Beyond numexpr").
    x = np.ones(5)
    assert ne.evaluate("sum(x) + 1") == 6.0
