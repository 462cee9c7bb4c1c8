"""Operands whose inner stride spans cache lines (transposes, column
slices) run in row x column tiles; results must not depend on the tiling,
the sizes (not multiples of the tile) or the thread count."""
import numpy as np
import pytest

import nejit


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(3, 5), (9, 257), (1001, 777), (130, 70)])
def test_transpose_plus_matrix(shape, threads):
    rng = np.random.default_rng(sum(shape))
    m = rng.uniform(size=shape)
    t = rng.uniform(size=shape[::-1]).T  # a transposed view
    old = nejit.set_num_threads(threads)
    try:
        got = nejit.evaluate("2*m - t*t")
    finally:
        nejit.set_num_threads(old)
    np.testing.assert_array_equal(got, 2 * m - t * t)


@pytest.mark.parametrize("threads", [1, 2])
def test_3d_permuted_views(threads):
    rng = np.random.default_rng(1)
    a = rng.uniform(size=(30, 41, 53))
    b = rng.uniform(size=(53, 30, 41)).transpose(1, 2, 0)
    c = rng.uniform(size=(41, 53, 30)).transpose(2, 0, 1)[:, ::2, :]
    old = nejit.set_num_threads(threads)
    try:
        got = nejit.evaluate("x * y + c", local_dict={
            "x": a[:, ::2, :], "y": b[:, ::2, :], "c": c})
    finally:
        nejit.set_num_threads(old)
    np.testing.assert_array_equal(got, a[:, ::2, :] * b[:, ::2, :] + c)


def test_out_is_a_transposed_view():
    rng = np.random.default_rng(2)
    a = rng.uniform(size=(400, 300))
    out = np.empty((300, 400)).T
    nejit.evaluate("a * 3 + 1", out=out)
    np.testing.assert_array_equal(out, a * 3 + 1)
