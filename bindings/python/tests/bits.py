"""The one rule for comparing results of two paths that must agree bit for
bit (interpreter and JIT, lifted and inlined constants, thread counts, x86-64
levels): docs/accuracy.md, "What is bit-identical"."""

import numpy as np


def assert_same_bits(x, y, what):
    """Equal dtypes and values with equal signs of zero; any NaN equals any
    NaN (which NaN operand propagates is left open by IEEE 754)."""
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype and x.shape == y.shape, what
    if x.dtype.kind in "fc":
        parts = [(x.real, y.real), (x.imag, y.imag)] if x.dtype.kind == "c" \
            else [(x, y)]
        for p, q in parts:
            p, q = np.atleast_1d(p), np.atleast_1d(q)
            nan = np.isnan(p)
            assert np.array_equal(nan, np.isnan(q)), what
            assert np.array_equal(p[~nan].view(np.uint8),
                                  q[~nan].view(np.uint8)), what
    else:
        assert np.array_equal(x, y), what
