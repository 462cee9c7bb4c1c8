"""A quick self-test for nejit.test(): a few expressions against numpy."""

import unittest

import numpy as np

import nejit


class SelfTest(unittest.TestCase):
    def test_arithmetic(self):
        a = np.arange(100.0)
        b = np.linspace(0, 1, 100)
        np.testing.assert_allclose(nejit.evaluate("2*a + 3*b"), 2 * a + 3 * b)

    def test_broadcast(self):
        a = np.arange(12.0).reshape(3, 4)
        b = np.arange(4.0)
        np.testing.assert_allclose(nejit.evaluate("a*b - a"), a * b - a)

    def test_compile(self):
        k = nejit.compile("a + b", [("a", "f8"), ("b", "f8")])
        self.assertEqual(k.result_dtype, np.dtype("f8"))
        np.testing.assert_allclose(k(np.ones(3), b=np.ones(3)), 2.0)
