"""out=: checked before anything is written; casting rules; identity."""

import numpy as np
import pytest

import nejit as ne


def test_out_is_filled_and_returned():
    a = np.arange(10.0)
    out = np.empty(10)
    r = ne.evaluate("a*2", out=out)
    assert r is out
    np.testing.assert_array_equal(out, a * 2)


def test_in_place():
    x = np.arange(100.0).reshape(10, 10)
    y = np.arange(10.0)
    want = (x - 3) * y + (x - 3)
    ne.evaluate("(x - 3) * y + (x - 3)", out=x)
    np.testing.assert_array_equal(x, want)


def test_out_wrong_shape_left_untouched():
    a = np.arange(10.0)
    out = np.full(11, -7.0)
    with pytest.raises(ValueError):
        ne.evaluate("a + 1", out=out)
    assert (out == -7.0).all()


def test_out_bad_cast_left_untouched():
    a = np.arange(10.0)
    out = np.full(10, -7, dtype=np.int32)
    with pytest.raises(TypeError):
        ne.evaluate("a + 1", out=out)  # float64 -> int32 is not same_kind
    assert (out == -7).all()
    with pytest.raises(TypeError):
        ne.evaluate("a + 1", out=np.zeros(10, np.float32), casting="safe")


def test_out_read_only_left_untouched():
    a = np.arange(10.0)
    out = np.full(10, -7.0)
    out.flags.writeable = False
    with pytest.raises(ValueError):
        ne.evaluate("a + 1", out=out)
    assert (out == -7.0).all()


def test_out_casting_allowed():
    a = np.arange(10.0)
    out32 = np.zeros(10, dtype=np.float32)
    ne.evaluate("a + 1", out=out32)  # same_kind: float64 -> float32
    np.testing.assert_array_equal(out32, (a + 1).astype(np.float32))
    outi = np.zeros(10, dtype=np.int64)
    ne.evaluate("a + 1", out=outi, casting="unsafe")
    np.testing.assert_array_equal(outi, (a + 1).astype(np.int64))


def test_out_broadcast_target():
    out = np.zeros((3, 4))
    ne.evaluate("3", out=out)
    assert (out == 3).all()
    r = np.arange(4.0)
    ne.evaluate("r * 2", out=out)
    np.testing.assert_array_equal(out, np.broadcast_to(r * 2, (3, 4)))


def test_out_unaligned_and_byteswapped():
    a = np.empty(5, dtype=np.uint8)[1:].view(np.int32)
    ne.evaluate("3", out=a)
    assert (a == 3).all()
    b = np.zeros(6, dtype=">f8")
    x = np.arange(6.0)
    ne.evaluate("x + 0.5", out=b)
    np.testing.assert_array_equal(b, x + 0.5)


def test_out_fortran_and_strided():
    a = np.arange(12.0).reshape(3, 4)
    out = np.zeros((3, 4), order="F")
    ne.evaluate("a * 2", out=out)
    np.testing.assert_array_equal(out, a * 2)
    big = np.zeros(20)
    view = big[::2]
    ne.evaluate("b + 1", local_dict={"b": np.arange(10.0)}, out=view)
    np.testing.assert_array_equal(big[::2], np.arange(10.0) + 1)
    assert (big[1::2] == 0).all()


def test_out_not_an_array():
    with pytest.raises(TypeError):
        ne.evaluate("a", local_dict={"a": np.ones(3)}, out=[0, 0, 0])
