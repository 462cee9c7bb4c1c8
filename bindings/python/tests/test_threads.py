"""Python threads calling evaluate / validate+re_evaluate concurrently."""

import threading

import numpy as np

import nejit as ne

EXPRS = ["2*a + 3*b", "a*b - a", "(a + 1) / (b + 2)", "a*a + b*b",
         "a - 2*b", "a*3 + 1", "b / 4 - a", "a*b*a"]


def _data(i, n):
    a = np.linspace(i, i + 1, n)
    b = np.linspace(-i, 2 * i + 3, n)
    return a, b


def _serial(expr, a, b):
    return ne.evaluate(expr, local_dict={"a": a, "b": b})


def _run_threads(target, nthreads=8):
    results = [None] * nthreads
    errors = []
    barrier = threading.Barrier(nthreads)

    def wrap(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors
    return results


def test_evaluate_concurrently_small_and_large():
    for n in (10, 20_000, 300_001):
        expected = [_serial(EXPRS[i], *_data(i, n)) for i in range(8)]

        def work(i):
            a, b = _data(i, n)
            out = None
            for _ in range(20 if n < 100_000 else 3):
                out = ne.evaluate(EXPRS[i])
            return out

        got = _run_threads(work)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)


def test_validate_re_evaluate_are_per_thread():
    n = 50_000
    expected = [_serial(EXPRS[i], *_data(i, n)) for i in range(8)]

    def work(i):
        a, b = _data(i, n)
        assert ne.validate(EXPRS[i], local_dict={"a": a, "b": b}) is None
        res = []
        for _ in range(5):
            res.append(ne.re_evaluate(local_dict={"a": a, "b": b}))
        return res

    got = _run_threads(work)
    for i, rs in enumerate(got):
        for r in rs:
            np.testing.assert_array_equal(r, expected[i])


def test_first_compile_races():
    # Eight threads compile the same new expression at once.
    expr = "a*1.25 + b*0.75 - 0.5"
    a, b = _data(3, 1000)
    expected = 1.25 * a + 0.75 * b - 0.5

    def work(i):
        return ne.evaluate(expr, local_dict={"a": a, "b": b})

    for r in _run_threads(work):
        np.testing.assert_allclose(r, expected, rtol=1e-15)
