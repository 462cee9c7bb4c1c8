"""nejit.dask.evaluate, kernels that pickle as recipes, and nejit inside
dask tasks — on dask's local schedulers and on a real
distributed.LocalCluster (2 worker processes on the loopback interface).

The references are numpy and nejit.evaluate on the computed numpy arrays
(whose agreement with numexpr the rest of the suite establishes).
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import nejit  # noqa: E402
import nejit.dask as nd  # noqa: E402
from nejit import _recipe  # noqa: E402

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python


def skip_unless_dask_dataframe():
    """Skips unless dask.dataframe (and the pyarrow it needs) is installed,
    without importing it here: its import turns pandas' compute.use_numexpr
    off for the whole process."""
    import importlib.util

    if not all(importlib.util.find_spec(m) for m in ("pyarrow", "dask")) or \
            importlib.util.find_spec("dask.dataframe") is None:
        pytest.skip("dask.dataframe (with pyarrow) is not installed")

DTYPES = ["bool", "int32", "int64", "float32", "float64", "complex128"]


def _numpy(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("int"):
        return rng.integers(-5, 6, shape).astype(dtype)
    if dtype == "complex128":
        return rng.random(shape) + 1j * rng.random(shape) - 0.5
    return (rng.random(shape) - 0.5).astype(dtype)


def _operands(dtype, seed=0):
    """x: (40, 30) in (13, 7) chunks; y: (30,) in 11s (mismatched with x);
    z: (40, 1) broadcast along the columns, chunked (25, 1); all numpy-
    broadcastable to (40, 30)."""
    xn = _numpy(dtype, (40, 30), seed)
    yn = _numpy(dtype, (30,), seed + 1)
    zn = _numpy(dtype, (40, 1), seed + 2)
    return ({"x": da.from_array(xn, chunks=(13, 7)),
             "y": da.from_array(yn, chunks=11),
             "z": da.from_array(zn, chunks=(25, 1))},
            {"x": xn, "y": yn, "z": zn})


ELEMENTWISE = {
    "bool": "(x & ~y) | z",
    "int32": "x * 3 + y - z // 2",
    "int64": "where(x > y, x, z) * 2 - 1",
    "float32": "x * y + sin(z)",
    "float64": "2*x + 3*y**2 - exp(z)",
    "complex128": "x * y + conj(z)",
}
REDUCTIONS = {
    "bool": ["sum(where(x | y, 1, z), AXIS)"],
    "int32": ["sum(x + y, AXIS)", "prod(z - x % 3 + 2, AXIS)",
              "min(x * z, AXIS)", "max(x - y, AXIS)"],
    "int64": ["sum(x * y, AXIS)", "max(x + z, AXIS)"],
    "float32": ["sum(x + y, AXIS)", "prod(1 + x * 0.1, AXIS)",
                "min(x - z, AXIS)", "max(x * y, AXIS)"],
    "float64": ["sum(x * y - z, AXIS)", "prod(1 + x * z, AXIS)",
                "min(x + y, AXIS)", "max(x - z, AXIS)"],
    "complex128": ["sum(x * y, AXIS)", "prod(1 + 0.1 * x, AXIS)"],
}
AXES = [None, 0, 1]


def _reduction_cases():
    for dtype, exprs in REDUCTIONS.items():
        for expr in exprs:
            for axis in AXES:
                text = expr.replace(", AXIS", "" if axis is None
                                    else ", axis=%d" % axis)
                yield dtype, text


def _check(result, expr, numpy_operands):
    ref = nejit.evaluate(expr, local_dict=numpy_operands)
    assert result.dtype == ref.dtype, expr
    assert result.shape == ref.shape, expr
    if ref.dtype.kind in "biu":
        np.testing.assert_array_equal(result, ref)
    else:
        tol = 1e-5 if ref.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(result, ref, rtol=tol, atol=tol)


# --- the local schedulers ------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_mismatched_chunks_and_broadcasting(dtype):
    lazy, eager = _operands(dtype)
    expr = ELEMENTWISE[dtype]
    r = nd.evaluate(expr, local_dict=lazy)
    assert isinstance(r, da.Array) and r.shape == (40, 30)
    _check(r.compute(scheduler="sync"), expr, eager)


@pytest.mark.parametrize("dtype,expr", list(_reduction_cases()))
def test_reductions_local(dtype, expr):
    lazy, eager = _operands(dtype, seed=3)
    r = nd.evaluate(expr, local_dict=lazy)
    _check(r.compute(scheduler="sync"), expr, eager)


def test_reduction_numpy_check():
    # Against numpy directly, not only nejit.evaluate.
    lazy, eager = _operands("float64", seed=5)
    x, y, z = eager["x"], eager["y"], eager["z"]
    for expr, ref in [("sum(x * y)", np.sum(x * y)),
                      ("sum(x - z, axis=0)", np.sum(x - z, axis=0)),
                      ("prod(1 + x, axis=1)", np.prod(1 + x, axis=1)),
                      ("min(x + y, axis=1)", np.min(x + y, axis=1)),
                      ("max(x * z)", np.max(x * z))]:
        got = nd.evaluate(expr, local_dict=lazy).compute(scheduler="sync")
        np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_int32_sum_stays_int32_and_wraps_like_numexpr():
    xn = np.full((300, 300), 40000, dtype="int32")  # sum overflows int32
    x = da.from_array(xn, chunks=70)
    r = nd.evaluate("sum(x * 2)", local_dict={"x": x})
    assert r.dtype == np.int32
    assert r.compute(scheduler="sync") == nejit.evaluate(
        "sum(x * 2)", local_dict={"x": xn})


def test_min_max_ignore_nan_like_nejit():
    xn = np.arange(24.0).reshape(4, 6)
    xn[:, :3] = np.nan  # a whole chunk of NaN
    xn[0, 5] = np.nan
    x = da.from_array(xn, chunks=3)
    for expr in ("min(x)", "max(x)", "min(x, axis=1)", "max(x, axis=0)"):
        got = nd.evaluate(expr, local_dict={"x": x}).compute(scheduler="sync")
        ref = nejit.evaluate(expr, local_dict={"x": xn})
        np.testing.assert_array_equal(got, ref)


def test_numpy_arrays_and_scalars_mixed_in():
    xn = np.arange(12.0).reshape(3, 4)
    x = da.from_array(xn, chunks=2)
    w = np.array([1.0, 2.0, 3.0, 4.0])  # a plain numpy array
    k = 3  # a Python int: int64, as numexpr binds it
    r = nd.evaluate("x * w + k", local_dict={"x": x, "w": w, "k": k})
    np.testing.assert_array_equal(r.compute(scheduler="sync"), xn * w + 3)
    s = nd.evaluate("sum(x * k, axis=1)", local_dict={"x": x, "k": k})
    np.testing.assert_array_equal(s.compute(scheduler="sync"),
                                  (xn * 3).sum(axis=1))
    only = nd.evaluate("a + 1", local_dict={"a": np.arange(3)})
    assert isinstance(only, da.Array)
    np.testing.assert_array_equal(only.compute(), [1, 2, 3])


def test_variables_from_the_callers_frame():
    x = da.ones((10,), chunks=3)  # noqa: F841 (read by the expression)
    assert float(nd.evaluate("sum(x * 2)").compute()) == 20.0


def test_dtype_and_meta_come_from_the_kernel():
    # The operand's only block raises if computed: building the graph must
    # not run anything, yet dtype and meta are known.
    def explode():
        raise AssertionError("computed while building the graph")

    x = da.from_delayed(dask.delayed(explode)(), shape=(5, 5), dtype="int32")
    f = da.from_delayed(dask.delayed(explode)(), shape=(5,), dtype="float32")
    r = nd.evaluate("x * 2 + f", local_dict={"x": x, "f": f})
    assert r.dtype == np.float32  # numexpr: int32 op float32 -> float32
    assert isinstance(r._meta, np.ndarray) and r._meta.dtype == np.float32
    s = nd.evaluate("sum(x, axis=1)", local_dict={"x": x})
    assert s.dtype == np.int32 and s.shape == (5,)
    assert s._meta.dtype == np.int32


def test_empty_operands_follow_numexpr():
    xn = np.zeros((0, 4))
    x = da.from_array(xn, chunks=2)
    for expr in ("x + 1", "sum(x)", "sum(x, axis=1)"):
        got = nd.evaluate(expr, local_dict={"x": x}).compute()
        ref = nejit.evaluate(expr, local_dict={"x": xn})
        assert got.shape == ref.shape and got.dtype == ref.dtype, expr


@pytest.mark.parametrize("expr,kwargs,exc", [
    ("x +* 2", {}, SyntaxError),
    ("sine(x)", {}, TypeError),            # numexpr: not callable
    ("sum(x, axis=2)", {}, ValueError),    # past the operands' dimensions
    ("sum(x, axis=-1)", {}, ValueError),
    ("x + missing", {}, KeyError),
    ("x.__class__", {}, ValueError),       # numexpr's sanitizer
    ("x + 1", {"out": None}, ValueError),
    ("x + 1", {"casting": "safe"}, ValueError),
    ("x + 1", {"optimization": "max"}, ValueError),
    ("s + 1", {}, TypeError),
])
def test_errors_raised_before_any_graph(expr, kwargs, exc):
    names = {"x": da.ones((4, 4), chunks=2), "s": np.array([b"ab"])}
    with pytest.raises(exc):
        nd.evaluate(expr, local_dict=names, **kwargs)
    if exc is not KeyError and "out" not in kwargs and "casting" not in kwargs:
        # numexpr raises the same type on the same (computed) operands
        with pytest.raises(exc):
            nejit.evaluate(expr, local_dict={"x": np.ones((4, 4)),
                                             "s": names["s"]}, **kwargs)


def test_reduction_inside_an_expression_is_refused_before_any_graph():
    # numexpr raises RuntimeError; nejit.evaluate computes it (a plan of
    # passes over whole arrays), which a blockwise dask graph cannot.
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(NotImplementedError, match="reduction inside"):
        nd.evaluate("sum(x) + 1", local_dict={"x": x})
    assert nejit.evaluate("sum(x) + 1", local_dict={"x": np.ones((4, 4))}) \
        == 17.0


def test_folded_away_names_need_no_value():
    x = da.ones(4, chunks=2)
    r = nd.evaluate("where(0 > 1, missing, x)", local_dict={"x": x})
    np.testing.assert_array_equal(r.compute(), np.ones(4))


def test_graphs_are_deterministic():
    x = da.ones((100, 100), chunks=30)
    a = nd.evaluate("2*x + 1", local_dict={"x": x})
    b = nd.evaluate("2*x + 1", local_dict={"x": x})
    c = nd.evaluate("2*x + 2", local_dict={"x": x})
    assert a.name == b.name != c.name
    s1 = nd.evaluate("sum(x, axis=0)", local_dict={"x": x})
    s2 = nd.evaluate("sum(x, axis=0)", local_dict={"x": x})
    assert s1.name == s2.name
    assert dask.base.tokenize(a) == dask.base.tokenize(b)


def test_tokens_agree_across_processes():
    code = """
        import json, dask.array as da, dask.base, nejit, nejit.dask as nd
        k = nejit.compile("2*a + sin(b)", [("a", "f8"), ("b", "f4")])
        x = da.ones((100, 100), chunks=30)
        print(json.dumps([dask.base.tokenize(k),
                          nd.evaluate("2*x + 1", local_dict={"x": x}).name]))
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    k = nejit.compile("2*a + sin(b)", [("a", "f8"), ("b", "f4")])
    x = da.ones((100, 100), chunks=30)
    ours = [dask.base.tokenize(k),
            nd.evaluate("2*x + 1", local_dict={"x": x}).name]
    assert ours == theirs


def test_kernel_and_numexpr_pickle_as_recipe():
    k = nejit.compile("where(a > 0, a, b) * 2", [("a", "f4"), ("b", "i4")],
                      accuracy="low", optimization="moderate", opt_level=3)
    assert k.recipe == ("where(a > 0, a, b) * 2",
                        (("a", "<f4"), ("b", "<i4")), "low", "moderate", 3)
    payload = pickle.dumps(k)
    assert len(payload) < 300  # a recipe, not code
    k2 = pickle.loads(payload)
    assert k2.recipe == k.recipe and k2.result_dtype == k.result_dtype
    assert pickle.loads(payload) is k2  # the per-process memo
    a = np.array([-1.0, 2.0], "f4")
    b = np.array([5, 6], "i4")
    np.testing.assert_array_equal(k2(a, b), k(a, b))
    n = nejit.NumExpr(nejit.E.a * 2.5 + nejit.E.b,
                      signature=[("a", np.double), ("b", np.double)])
    n2 = pickle.loads(pickle.dumps(n))
    np.testing.assert_array_equal(n2(a.astype("f8"), b.astype("f8")),
                                  n(a.astype("f8"), b.astype("f8")))
    assert dask.base.tokenize(n) == dask.base.tokenize(n2)


def test_accuracy_is_resolved_into_the_recipe():
    old = nejit.set_vml_accuracy_mode("fast")
    try:
        k = nejit.compile("sin(a)", [("a", "f8")])
    finally:
        nejit.set_vml_accuracy_mode(old)
    assert k.options["accuracy"] == "fast"
    assert pickle.loads(pickle.dumps(k)).options["accuracy"] == "fast"


def test_threaded_scheduler_with_nejit_threads():
    # Four dask threads, each task's kernel on nejit's threads (blocks are
    # above the 32,768-element parallel threshold): correct results, no
    # deadlock. (Oversubscribed; docs/integrations.md has the numbers.)
    old = nejit.set_num_threads(2)
    try:
        xn = np.random.default_rng(1).random((1000, 800))
        x = da.from_array(xn, chunks=(250, 200))  # 50,000 elements a block
        with dask.config.set(scheduler="threads", num_workers=4):
            for _ in range(3):
                r = nd.evaluate("sin(x)**2 + cos(x)**2 - x",
                                local_dict={"x": x}).compute()
                np.testing.assert_allclose(r, 1 - xn, rtol=1e-12, atol=1e-12)
                s = nd.evaluate("sum(x * 2, axis=0)",
                                local_dict={"x": x}).compute()
                np.testing.assert_allclose(s, 2 * xn.sum(axis=0), rtol=1e-12)
    finally:
        nejit.set_num_threads(old)


# --- a real distributed cluster ------------------------------------------------

@pytest.fixture(scope="module")
def client(tmp_path_factory):
    cache = tmp_path_factory.mktemp("nejit-worker-cache")
    env = {"PYTHONPATH": PKG_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "NEJIT_CACHE_DIR": str(cache)}
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1",
        dashboard_address=None, env=env, silence_logs=40)
    c = distributed.Client(cluster, set_as_default=False)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _cases(seed):
    """(lazy result, expression, numpy operands): the elementwise expression
    of every dtype, sum/prod/min/max with and without axis on float64, and a
    reduction of every other dtype. Larger chunks than the local tests (the
    cluster's per-task cost dominates), still mismatched. Tokens are
    deterministic, so each seed gives graphs of their own keys: a graph
    equal to one whose results the scheduler still holds is not run again."""
    exprs = [(dtype, ELEMENTWISE[dtype]) for dtype in DTYPES]
    for op in ("sum", "prod", "min", "max"):
        for axis in ("", ", axis=0", ", axis=1"):
            exprs.append(("float64", "%s(1 + x * y - z%s)" % (op, axis)))
    exprs += [(dtype, REDUCTIONS[dtype][0].replace(", AXIS", ", axis=1"))
              for dtype in DTYPES if dtype != "float64"]
    for dtype, expr in exprs:
        _, eager = _operands(dtype, seed=seed)
        lazy = {"x": da.from_array(eager["x"], chunks=(20, 15)),
                "y": da.from_array(eager["y"], chunks=12),
                "z": da.from_array(eager["z"], chunks=(25, 1))}
        yield nd.evaluate(expr, local_dict=lazy), expr, eager


def test_cluster_workers_run_nejit_on_one_thread(client):
    got = client.run(lambda: (nejit.get_num_threads(),
                              os.environ.get("OMP_NUM_THREADS"),
                              os.path.dirname(nejit.__file__)))
    assert len(got) == 2
    for threads, omp, where in got.values():
        assert (threads, omp) == (1, "1")  # the nanny's OMP_NUM_THREADS=1
        assert where == os.path.dirname(nejit.__file__)


def test_cluster_results_and_recipes(client):
    workers = list(client.scheduler_info()["workers"])
    # First run: every graph on every worker, so each compiles everything.
    for seed, worker in enumerate(workers, start=11):
        cases = list(_cases(seed))
        results = client.gather(client.compute([c[0] for c in cases],
                                               workers=[worker]))
        for result, (_, expr, eager) in zip(results, cases):
            _check(result, expr, eager)
    memo = client.run(lambda: sorted({key[0] for key in _recipe._memo}))
    expressions = {c[1] for c in cases}
    for seen in memo.values():  # the recipes arrived and were rebuilt there
        assert expressions <= set(seen)
    before = client.run(nejit.cache_stats)
    memo_before = client.run(_recipe.memo_stats)

    # Second run, new graphs from scratch, anywhere on the cluster: nothing
    # is compiled or even looked up in the JIT's caches; the memo serves.
    again = list(_cases(seed=99))
    results = client.gather(client.compute([c[0] for c in again]))
    for result, (_, expr, eager) in zip(results, again):
        _check(result, expr, eager)
    after = client.run(nejit.cache_stats)
    memo_after = client.run(_recipe.memo_stats)
    for worker in workers:
        for key in ("compiles", "disk_hits", "misses"):
            assert after[worker][key] == before[worker][key], (worker, key)
        assert memo_after[worker]["builds"] == memo_before[worker]["builds"]
    assert sum(memo_after[w]["hits"] - memo_before[w]["hits"]
               for w in workers) > 0


def test_cluster_kernel_submitted_directly(client):
    k = nejit.compile("sum(a * b)", [("a", "f8"), ("b", "f8")])
    a = np.arange(1000.0)
    fut = client.submit(lambda kern, x: kern(x, x), k, a, pure=False)
    assert fut.result() == k(a, a)


def test_cluster_dask_dataframe_query_with_nejit_engine():
    # All in a child process with its own cluster: importing dask.dataframe
    # switches pandas' compute.use_numexpr off process-wide, and a scheduler
    # in this process would import it to handle the graph.
    skip_unless_dask_dataframe()
    code = """
        import json, os, sys
        import numpy as np, pandas as pd
        import dask.dataframe as dd, distributed
        import nejit.pandas
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=40,
            env={"PYTHONPATH": os.environ["PYTHONPATH"]})
        client = distributed.Client(cluster)
        client.run(nejit.pandas.register)  # the engine in the workers
        df = pd.DataFrame({"a": np.arange(1000.0), "b": np.arange(1000) % 7})
        ddf = dd.from_pandas(df, npartitions=4)
        got = client.compute(ddf.query("a > 500 & b < 3", engine="nejit")).result()
        ref = df.query("a > 500 & b < 3", engine="numexpr")
        ev = client.compute(ddf.eval("a * 2 + b", engine="nejit")).result()
        client.close()
        cluster.close()
        print(json.dumps({"same": bool(got.equals(ref)), "rows": len(got),
                          "eval": bool(ev.equals(df.a * 2 + df.b))}))
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"same": True, "rows": len(
        [i for i in range(501, 1000) if i % 7 < 3]), "eval": True}
