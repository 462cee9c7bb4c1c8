"""Broadcasting, strides, memory order, alignment, byte order, 0-d, empty."""

import numpy as np
import pytest

import nejit as ne


def test_broadcasting_rows_and_columns():
    a = np.arange(20.0).reshape(4, 5)
    r = np.arange(5.0)
    c = np.arange(4.0).reshape(4, 1)
    np.testing.assert_array_equal(ne.evaluate("a + r"), a + r)
    np.testing.assert_array_equal(ne.evaluate("a*c - r"), a * c - r)
    np.testing.assert_array_equal(ne.evaluate("c + r"), c + r)


def test_broadcasting_3d_and_scalar():
    a = np.arange(24.0).reshape(2, 3, 4)
    b = np.arange(3.0).reshape(3, 1)
    s = 2.5
    np.testing.assert_array_equal(ne.evaluate("a*b + s"), a * b + s)


def test_incompatible_shapes_raise_value_error():
    a = np.ones(3)
    b = np.ones(4)
    with pytest.raises(ValueError):
        ne.evaluate("a + b")


def test_strided_inputs():
    base = np.arange(200.0)
    a = base[::2]
    b = base[1::2][::-1]
    np.testing.assert_array_equal(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)
    m = np.arange(100.0).reshape(10, 10)[::2, ::3]
    np.testing.assert_array_equal(ne.evaluate("m*m"), m * m)


def test_fortran_inputs_keep_order():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    b = np.asfortranarray(np.ones((3, 4)))
    r = ne.evaluate("a + 2*b")
    np.testing.assert_array_equal(r, a + 2 * b)
    assert r.flags.f_contiguous  # order='K' keeps Fortran layout
    rc = ne.evaluate("a + 2*b", order="C")
    assert rc.flags.c_contiguous
    np.testing.assert_array_equal(rc, a + 2 * b)


def test_transposed_input():
    a = np.arange(12.0).reshape(3, 4).T
    np.testing.assert_array_equal(ne.evaluate("a*3"), a * 3)


def test_unaligned_input():
    buf = np.zeros(8 * 10 + 1, dtype=np.uint8)
    a = buf[1:].view(np.float64)
    assert not a.flags.aligned
    a[:] = np.arange(10.0)
    np.testing.assert_array_equal(ne.evaluate("a + 1"), np.arange(10.0) + 1)


def test_byteswapped_input():
    a = np.arange(10.0).astype(">f8")
    b = np.arange(10).astype(">i4")
    r = ne.evaluate("a + b")
    np.testing.assert_array_equal(r, np.arange(10.0) * 2)
    assert r.dtype == np.float64 and r.dtype.isnative


def test_record_fields():
    rec = np.zeros(10, dtype=[("i", np.int32), ("f", np.float64)])
    rec["i"] = np.arange(10)
    rec["f"] = np.arange(10) * 0.5
    i, f = rec["i"], rec["f"]
    np.testing.assert_array_equal(ne.evaluate("i + f"), i + f)
    np.testing.assert_array_equal(ne.evaluate("f < 2"), f < 2)


def test_zero_dim_inputs():
    a = np.array(3.0)
    b = np.array(4.0)
    r = ne.evaluate("a*b + 1")
    assert isinstance(r, np.ndarray) and r.shape == () and r == 13.0


def test_zero_dim_with_array():
    a = np.array(3.0)
    b = np.arange(4.0)
    np.testing.assert_array_equal(ne.evaluate("a*b"), 3.0 * b)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4)])
def test_empty(shape):
    a = np.zeros(shape)
    b = np.zeros(shape, dtype=np.int32)
    r = ne.evaluate("a + b")
    assert r.shape == shape and r.dtype == np.float64


def test_non_numpy_sequences_are_converted():
    a = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(ne.evaluate("a*2"), [2.0, 4.0, 6.0])
