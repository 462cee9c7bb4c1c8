"""nejit.pandas: the "nejit" engine of pd.eval / DataFrame.eval / query, and
accelerate() / restore() of pandas' large-frame arithmetic.

The reference is pandas' own numexpr path run with the real numexpr 2.14.2:
same results, dtypes, exceptions and warnings. pandas' own suites are run
against nejit by run_pandas_suite.py; these tests cover what those suites do
not reach (the engine under its own name, extension arrays, the generated
names, accelerate() over every operator and dtype pandas sends, working
without numexpr, dask's option switch, xarray).
"""

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
ne_real = pytest.importorskip("numexpr")

import pandas._testing as tm  # noqa: E402
from pandas.core.computation import expressions as E  # noqa: E402
from pandas.core.computation.engines import ENGINES  # noqa: E402

import nejit  # noqa: E402
import nejit.pandas as npd  # noqa: E402

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python


def skip_unless_dask_dataframe():
    """Skips unless dask.dataframe (and the pyarrow it needs) is installed,
    without importing it here: its import turns pandas' compute.use_numexpr
    off for the whole process."""
    import importlib.util

    if not all(importlib.util.find_spec(m) for m in ("pyarrow", "dask")) or \
            importlib.util.find_spec("dask.dataframe") is None:
        pytest.skip("dask.dataframe (with pyarrow) is not installed")


def run_python(code, timeout=180):
    """Runs code in a fresh interpreter; returns the JSON of its last line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def frame():
    rng = np.random.default_rng(7)
    n = 200
    return pd.DataFrame({
        "i4": rng.integers(-50, 50, n).astype("int32"),
        "i8": rng.integers(-1000, 1000, n),
        "f4": rng.standard_normal(n).astype("float32"),
        "f8": rng.standard_normal(n),
        "b": rng.random(n) > 0.5,
        "c": rng.standard_normal(n) + 1j * rng.standard_normal(n),
    })


def both(fn):
    """fn(engine) under "numexpr" and "nejit": (result, warnings) pairs."""
    out = []
    for engine in ("numexpr", "nejit"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out.append((fn(engine), [(w.category, str(w.message))
                                     for w in caught]))
    return out


def assert_same(left, right, tol=1e-12):
    if isinstance(left, pd.DataFrame):
        tm.assert_frame_equal(left, right, check_exact=False, rtol=tol,
                              atol=tol)
    elif isinstance(left, pd.Series):
        tm.assert_series_equal(left, right, check_exact=False, rtol=tol,
                               atol=tol)
    else:
        left, right = np.asarray(left), np.asarray(right)
        assert left.dtype == right.dtype
        np.testing.assert_allclose(left, right, rtol=tol, atol=tol)


def test_registered_on_import_and_by_register():
    assert ENGINES["nejit"] is npd.NejitEngine
    del ENGINES["nejit"]
    try:
        with pytest.raises(KeyError, match="Invalid engine 'nejit'"):
            pd.eval("1 + 2", engine="nejit")
        assert npd.register() is npd.NejitEngine
        assert pd.eval("1 + 2", engine="nejit") == 3
    finally:
        npd.register()


EVAL_EXPRS = [
    "f8 * 2 + i4", "i4 + i8", "i4 * f4", "f4 * 2.0", "f4 * 2", "i8 / i4",
    "i4 // 3", "i8 % 7", "i4 ** 2", "f8 ** 0.5", "-f8", "~b", "b & (f8 > 0)",
    "b | (i4 < 0)", "sin(f8) + cos(f4)", "exp(f4) - log1p(abs(f8))",
    "sqrt(abs(i8))", "arctan2(f8, f4)", "abs(c)", "c * f8 + 1j",
    "f8 > f4", "i4 == i8", "f8 != 0", "i8 <= 10", "f8 >= f4",
]


@pytest.mark.parametrize("parser", ["pandas", "python"])
@pytest.mark.parametrize("expr", EVAL_EXPRS)
def test_df_eval_same_as_numexpr(frame, expr, parser):
    if parser == "python" and any(op in expr for op in ("&", "|", "~")):
        pytest.skip("the python parser gives & | ~ Python precedence")
    # float32 transcendentals may differ by an ulp of float32 from numexpr's
    tol = 1e-6 if "f4" in expr else 1e-12
    (r1, w1), (r2, w2) = both(
        lambda engine: frame.eval(expr, engine=engine, parser=parser))
    assert_same(r1, r2, tol)
    assert w1 == w2


@pytest.mark.parametrize("expr", [
    "f8 > 0 & i4 < 10", "i8 > i4", "b", "~b & (f4 < 0)", "f8 > f8.mean()",
    "i4 in [1, 2, 3]", "i4 not in [1, 2]", "index > 100", "-1 < f8 < 1",
    "f8 > @threshold",
])
def test_df_query_same_as_numexpr(frame, expr):
    (r1, w1), (r2, w2) = both(lambda engine: frame.query(
        expr, engine=engine, local_dict={"threshold": 0.5}))
    tm.assert_frame_equal(r1, r2)
    assert w1 == w2


def test_pd_eval_with_generated_names(frame):
    # pandas names the operands of pd.eval after the objects (temporaries
    # such as Series_1_0x7f...); the answer must not depend on the names.
    names = {"s": frame.f8, "t": frame.i4 * 2, "frame": frame}
    (r1, _), (r2, _) = both(lambda engine: pd.eval(
        "s + t * 2 - frame.f4", engine=engine, local_dict=names))
    assert_same(r1, r2)
    (r1, _), (r2, _) = both(lambda engine: pd.eval(
        "frame.f8 + 1", engine=engine, local_dict=names))
    assert_same(r1, r2)
    (r1, _), (r2, _) = both(lambda engine: pd.eval(
        "x + y", engine=engine, local_dict={"x": np.arange(5), "y": 2.5}))
    assert_same(r1, r2)


def test_assignments_and_unaligned_frames(frame):
    (r1, _), (r2, _) = both(lambda engine: frame.eval(
        "g = f8 + i4\nh = g * 2", engine=engine))
    tm.assert_frame_equal(r1, r2)
    names = {"frame": frame,  # and a series on an unaligned index:
             "other": frame.f8.iloc[::2].reset_index(drop=True)}
    (r1, w1), (r2, w2) = both(lambda engine: pd.eval(
        "frame.f8 + other", engine=engine, local_dict=names))
    tm.assert_series_equal(r1, r2)
    assert w1 == w2


def test_dtypes_match_numexpr_engine(frame):
    for expr in ("i4 + i4", "i4 * f4", "f4 + 1", "f4 + 1.5", "i4 / i4",
                 "i8 // i4", "sin(i4)", "abs(i8)", "f8 > 0", "c * 2"):
        (r1, _), (r2, _) = both(lambda engine: frame.eval(expr, engine=engine))
        assert r1.dtype == r2.dtype, expr


@pytest.mark.parametrize("expr", [
    "f8 +* i4", "f8 + undefined_name", "sinn(f8)", "f8 if b else i4",
    "i4 ** -1", "c > 1", "lambda: 1", "f8.nonexistent",
])
def test_errors_same_as_numexpr(frame, expr):
    caught = []
    for engine in ("numexpr", "nejit"):
        with pytest.raises(Exception) as info:
            frame.eval(expr, engine=engine)
        caught.append(info.value)
    assert type(caught[0]) is type(caught[1]), caught
    if type(caught[0]).__module__.startswith("pandas"):
        assert str(caught[0]) == str(caught[1])


def test_builtin_clash_same_as_numexpr():
    df = pd.DataFrame({"sin": [1.0, 2.0], "a": [3.0, 4.0]})
    messages = []
    for engine in ("numexpr", "nejit"):
        with pytest.raises(pd.errors.NumExprClobberingError) as info:
            df.eval("sin + a", engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean", "category"])
def test_extension_arrays_fall_back_like_numexpr(dtype):
    values = [1, 0, None, 4] if dtype != "boolean" else [True, False, None, True]
    df = pd.DataFrame({"a": pd.array(values, dtype=dtype if dtype != "category"
                                     else None),
                       "x": [1.0, 2.0, 3.0, 4.0]})
    if dtype == "category":
        df["a"] = df["a"].astype("category")
    expr = "x * 2" if dtype == "category" else "a * 2 + x"
    if dtype == "boolean":
        expr = "a & (x > 1)"
    (r1, w1), (r2, w2) = both(lambda engine: df.eval(expr, engine=engine))
    tm.assert_series_equal(r1, r2)
    assert w1 == w2
    if dtype in ("Int64", "Float64", "boolean"):
        assert any(c is RuntimeWarning and "switched to 'python'" in m
                   for c, m in w2), w2


def test_extension_warning_points_at_the_caller():
    df = pd.DataFrame({"a": pd.array([1, 2], dtype="Int64")})
    with pytest.warns(RuntimeWarning, match="switched to 'python'") as record:
        df.eval("a + 1", engine="nejit")
    assert record[0].filename == __file__


def test_string_columns_like_numexpr():
    df = pd.DataFrame({"s": pd.array(["a", "b", None, "b"], dtype="string"),
                       "x": [1.0, 2.0, 3.0, 4.0]})
    (r1, w1), (r2, w2) = both(
        lambda engine: df.query("s == 'b' & x > 1", engine=engine))
    tm.assert_frame_equal(r1, r2)
    assert w1 == w2


def test_nejit_engine_calls_nejit(frame):
    before = nejit.cache_stats()["evaluate_expressions"]
    frame.eval("f8 * 3.25 + i8 * 7 - 11", engine="nejit")
    assert nejit.cache_stats()["evaluate_expressions"] > before


# --- accelerate() / restore() ------------------------------------------------

@pytest.fixture
def accelerated():
    assert not npd.is_accelerated()
    with pd.option_context("compute.use_numexpr", True):
        npd.accelerate()
        try:
            yield
        finally:
            npd.restore()
    assert not npd.is_accelerated()


OPS = [op for op, s in E._op_str_mapping.items() if s is not None]
ALLOWED = ["int32", "int64", "float32", "float64", "bool"]


def _operand(dtype, n, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(n) > 0.5
    if dtype.startswith("int"):
        return rng.integers(1, 6, n).astype(dtype)
    return (rng.random(n) * 4 + 0.5).astype(dtype)


def _through_pandas(ne_module, op, left, right):
    """pandas' _evaluate_numexpr with ne_module as its numexpr: result (or
    exception type) and the warnings it gave."""
    saved = E.ne
    E.ne = ne_module
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = E._evaluate_numexpr(op, E._op_str_mapping[op],
                                             left, right)
            except Exception as err:  # noqa: BLE001
                result = type(err)
        used = E.get_test_result()
    finally:
        E.ne = saved
    return result, [str(w.message) for w in caught], used


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("ldt", ALLOWED)
@pytest.mark.parametrize("rdt", ALLOWED)
def test_elementwise_fallbacks_same_as_numexpr(monkeypatch, op, ldt, rdt):
    # Every operator pandas hands numexpr, on every pair of dtypes it
    # allows: the same result dtype and values, the same fallback to numpy
    # (pandas catches TypeError and a bool NotImplementedError) and warning.
    monkeypatch.setattr(E, "_MIN_ELEMENTS", 0)
    E.set_test_mode(True)
    try:
        left, right = _operand(ldt, 64, 1), _operand(rdt, 64, 2)
        ref = _through_pandas(ne_real, op, left, right)
        got = _through_pandas(nejit, op, left, right)
    finally:
        E.set_test_mode(False)
    assert got[1] == ref[1]
    assert got[2] == ref[2]  # went through (nejit/numexpr) vs fell back
    if isinstance(ref[0], type):
        assert got[0] is ref[0]
    else:
        assert got[0].dtype == ref[0].dtype
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["int64", "float64", "bool"])
def test_where_same_as_numexpr(monkeypatch, dtype):
    monkeypatch.setattr(E, "_MIN_ELEMENTS", 0)
    cond = _operand("bool", 100, 3)
    a, b = _operand(dtype, 100, 4), _operand(dtype, 100, 5)
    results = []
    for module in (ne_real, nejit):
        monkeypatch.setattr(E, "ne", module)
        results.append(E._where_numexpr(cond, a, b))
    assert results[0].dtype == results[1].dtype
    np.testing.assert_array_equal(results[0], results[1])


def test_accelerate_large_frame_arithmetic(accelerated):
    assert E.ne is nejit and E._evaluate is E._evaluate_numexpr
    n = 1_100_000  # above pandas' 1e6-element threshold
    df = pd.DataFrame({"a": np.arange(n, dtype="f8"),
                       "b": np.arange(n, dtype="i8") % 7})
    nejit.clear_cache()  # so that evaluate()'s expression count shows use
    before = nejit.cache_stats()["evaluate_expressions"]
    E.set_test_mode(True)
    try:
        s = df.a * 2 + df.b
        m = df.a > df.b
        w = df.a.where(m, df.b)
        used = E.get_test_result()
    finally:
        E.set_test_mode(False)
    assert used and all(used)
    assert nejit.cache_stats()["evaluate_expressions"] > before
    np.testing.assert_array_equal(s.to_numpy(), df.a.to_numpy() * 2 + df.b.to_numpy())
    np.testing.assert_array_equal(m.to_numpy(), df.a.to_numpy() > df.b.to_numpy())
    np.testing.assert_array_equal(
        w.to_numpy(), np.where(m, df.a.to_numpy(), df.b.to_numpy()))


def test_accelerate_follows_the_option(accelerated):
    with pd.option_context("compute.use_numexpr", False):
        assert E._evaluate is E._evaluate_standard
    assert E._evaluate is E._evaluate_numexpr and E.ne is nejit


def test_accelerate_warns_when_option_is_off():
    with pd.option_context("compute.use_numexpr", False):
        with pytest.warns(npd.AccelerationDisabledWarning,
                          match="compute.use_numexpr is False") as record:
            npd.accelerate()
        try:
            assert record[0].filename == __file__
            assert E._evaluate is E._evaluate_standard
        finally:
            npd.restore()


def test_restore_puts_numexpr_back(accelerated):
    npd.accelerate()  # idempotent
    npd.restore()
    assert E.ne is ne_real
    assert E.set_use_numexpr.__module__ == E.__name__
    assert E._evaluate is E._evaluate_numexpr
    npd.accelerate()  # the fixture restores again


def test_dask_dataframe_switching_the_option_off_warns():
    skip_unless_dask_dataframe()
    out = run_python("""
        import json, warnings
        import pandas as pd
        import nejit.pandas as npd
        npd.accelerate()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import dask.dataframe
        later = [str(w.message) for w in caught
                 if w.category is npd.AccelerationDisabledWarning]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            npd.accelerate()
        again = [str(w.message) for w in caught
                 if w.category is npd.AccelerationDisabledWarning]
        print(json.dumps({"later": later, "again": again,
                          "option": pd.get_option("compute.use_numexpr")}))
    """)
    assert out["option"] is False
    assert len(out["later"]) == 1 and "dask.dataframe" in out["later"][0]
    assert len(out["again"]) == 1 and "dask.dataframe" in out["again"][0]


def test_without_numexpr():
    # numexpr absent: pandas' default engine stays "python", the "nejit"
    # engine and accelerate() work.
    out = run_python("""
        import json, sys
        sys.modules["numexpr"] = None  # import numexpr -> ImportError
        import numpy as np, pandas as pd
        from pandas.core.computation import check, expressions as E
        import nejit.pandas as npd
        df = pd.DataFrame({"a": np.arange(1_200_000.0), "b": 2.0})
        r = df.eval("a * b + 1", engine="nejit")
        npd.accelerate()
        E.set_test_mode(True)
        s = df.a + df.b
        used = E.get_test_result()
        default = df.eval("a + 1")  # pd.eval's default engine: python here
        print(json.dumps({"installed": check.NUMEXPR_INSTALLED,
                          "ok": bool((r == df.a * 2 + 1).all()),
                          "used": used, "sum": float(s.iloc[-1]),
                          "default": float(default.iloc[-1])}))
    """)
    assert out["installed"] is False
    assert out["ok"] and out["used"] == [True]
    assert out["sum"] == 1_199_999.0 + 2.0 and out["default"] == 1_200_000.0


def test_this_process_has_not_imported_dask_dataframe():
    # Guards the tests above: dask.dataframe's import would have switched
    # pandas' option off for all of them.
    assert "dask.dataframe" not in sys.modules
    assert pd.get_option("compute.use_numexpr")


def test_lazy_imports_and_clear_messages():
    out = run_python("""
        import json, sys
        import nejit
        lazy = not any(m in sys.modules for m in ("pandas", "dask", "xarray"))
        sys.modules["pandas"] = None
        sys.modules["dask"] = None
        msgs = []
        for mod in ("nejit.pandas", "nejit.dask"):
            try:
                __import__(mod)
                msgs.append(None)
            except ImportError as e:
                msgs.append(str(e))
        print(json.dumps({"lazy": lazy, "msgs": msgs}))
    """)
    assert out["lazy"]
    assert "nejit.pandas needs pandas" in out["msgs"][0]
    assert "nejit.dask needs dask" in out["msgs"][1]


def test_xarray_dataset_query():
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(3)
    ds = xr.Dataset({"a": ("x", rng.standard_normal(50)),
                     "b": ("x", rng.integers(0, 10, 50))},
                    coords={"x": np.arange(50)})
    got = ds.query(x="a > 0 & b < 5", engine="nejit")
    ref = ds.query(x="a > 0 & b < 5", engine="numexpr")
    xr.testing.assert_identical(got, ref)
    assert 0 < got.sizes["x"] < 50
    arr = ds.a.query(x="a < 0", engine="nejit")
    xr.testing.assert_identical(arr, ds.a.query(x="a < 0", engine="numexpr"))
