"""PyTables, pandas' HDFStore and blosc2 on nejit (nejit.patch_numexpr()),
against the same calls on numexpr.

Each query runs twice on a freshly opened file (PyTables caches a table's
compiled conditions): once with numexpr, once patched; the rows must be
the same, and numpy's evaluation of the condition over the whole columns
says they are right. The patch is undone after every test.
"""

import numpy as np
import pytest

tables = pytest.importorskip("tables")
numexpr = pytest.importorskip("numexpr")

import nejit  # noqa: E402

NROWS = 30_000
COLUMNS = {"i4": np.int32, "i8": np.int64, "f4": np.float32,
           "f8": np.float64, "b": np.bool_, "s": "S6"}

# condition -> numpy's evaluation over the record array
CONDITIONS = {
    "i4 > 100": lambda r: r["i4"] > 100,
    "(i4 > 100) & (i8 == 3)": lambda r: (r["i4"] > 100) & (r["i8"] == 3),
    "(i8 >= -5) & (i8 < 40)": lambda r: (r["i8"] >= -5) & (r["i8"] < 40),
    "f4 < 0.25": lambda r: r["f4"] < np.float32(0.25),
    "(f4 > 0.1) & (f4 <= 0.2)": lambda r: (r["f4"] > np.float32(0.1))
    & (r["f4"] <= np.float32(0.2)),
    "f8 * 2 > i4 / 1000.0": lambda r: r["f8"] * 2 > r["i4"] / 1000.0,
    "(f8 > 0.5) | ~b": lambda r: (r["f8"] > 0.5) | ~r["b"],
    "b": lambda r: r["b"],
    "b == False": lambda r: ~r["b"],
    "s == b'k17'": lambda r: r["s"] == b"k17",
    "(s >= b'k5') & (s < b'k6')": lambda r: (r["s"] >= b"k5")
    & (r["s"] < b"k6"),
    "sin(f8) > 0.5": lambda r: np.sin(r["f8"]) > 0.5,
    "(f4 > 0.9) & (i4 % 3 == 0)": lambda r: (r["f4"] > np.float32(0.9))
    & (r["i4"] % 3 == 0),
}


def make_records():
    rng = np.random.default_rng(20)
    rec = np.zeros(NROWS, dtype=[(k, v) for k, v in COLUMNS.items()])
    rec["i4"] = rng.integers(-1000, 1000, NROWS)
    rec["i8"] = rng.integers(-50, 50, NROWS)
    rec["f4"] = rng.random(NROWS, dtype=np.float32)
    rec["f8"] = rng.standard_normal(NROWS)
    rec["b"] = rng.random(NROWS) < 0.3
    rec["s"] = np.char.add(b"k", rng.integers(0, 100, NROWS).astype("S4"))
    return rec


@pytest.fixture(scope="module")
def h5(tmp_path_factory):
    rec = make_records()
    path = tmp_path_factory.mktemp("pytables") / "t.h5"
    with tables.open_file(path, "w") as f:
        f.create_table("/", "plain", rec)
        t = f.create_table("/", "indexed", rec)
        for name in COLUMNS:
            t.colinstances[name].create_index(optlevel=6, kind="medium")
    return path, rec


@pytest.fixture
def unpatch_after():
    yield
    nejit.unpatch_numexpr()


def query(path, table, condition):
    with tables.open_file(path, "r") as f:
        t = f.get_node("/", table)
        rows = t.read_where(condition)
        coords = t.get_where_list(condition)
        iterated = [r.nrow for r in t.where(condition)]
        functions = [type(c.function) for c in
                     t._condition_cache._cache.values()]
        used_index = bool(t.will_query_use_indexing(condition))
    return rows, coords, iterated, functions, used_index


@pytest.mark.parametrize("table", ["plain", "indexed"])
@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_table_where_equals_numexpr(h5, table, condition, unpatch_after):
    path, rec = h5
    want = np.flatnonzero(CONDITIONS[condition](rec))
    assert 0 < len(want) < NROWS, "condition selects nothing or everything"

    nejit.unpatch_numexpr()
    rows_ne, coords_ne, iter_ne, funcs_ne, _ = query(path, table, condition)
    assert all(not issubclass(f, nejit.necompiler.NumExpr) for f in funcs_ne)

    nejit.patch_numexpr()
    rows, coords, iterated, funcs, used_index = query(path, table, condition)
    assert funcs and all(f is nejit.necompiler.NumExpr for f in funcs)

    np.testing.assert_array_equal(coords, coords_ne)
    np.testing.assert_array_equal(rows, rows_ne)
    assert iterated == iter_ne
    np.testing.assert_array_equal(np.sort(coords), want)
    if table == "indexed" and condition in ("i4 > 100", "f4 < 0.25",
                                            "s == b'k17'"):
        assert used_index


def test_compiled_condition_errors_match_numexpr(h5, unpatch_after):
    # PyTables turns numexpr's typing error into its own message.
    path, _ = h5
    messages = {}
    for patched in (False, True):
        (nejit.patch_numexpr if patched else nejit.unpatch_numexpr)()
        with tables.open_file(path, "r") as f:
            t = f.root.plain
            for cond in ("b > 1.5j", "s + 1 > 0", "f8"):
                try:
                    t.read_where(cond)
                except Exception as e:
                    messages[patched, cond] = (type(e), str(e))
    for cond in ("b > 1.5j", "s + 1 > 0", "f8"):
        assert messages[True, cond] == messages[False, cond]


def test_tables_expr_equals_numexpr(tmp_path, unpatch_after):
    rng = np.random.default_rng(3)
    a = rng.random(10_000)
    b = rng.integers(0, 100, 10_000).astype(np.int32)
    results = []
    for patched in (False, True):
        (nejit.patch_numexpr if patched else nejit.unpatch_numexpr)()
        with tables.open_file(tmp_path / ("e%d.h5" % patched), "w") as f:
            ca = f.create_carray("/", "a", obj=a)
            cb = f.create_carray("/", "b", obj=b)
            expr = tables.Expr("2 * ca + cb ** 2 - sqrt(ca)",
                               uservars={"ca": ca, "cb": cb})
            results.append(expr.eval())
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[1], 2 * a + b.astype(float) ** 2
                               - np.sqrt(a))


def test_pandas_hdfstore_select_where(tmp_path, unpatch_after):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    n = 20_000
    df = pd.DataFrame({"a": rng.random(n), "b": rng.integers(0, 10, n),
                       "c": rng.random(n).astype(np.float32),
                       "s": rng.choice(["x", "yy", "zzz"], n)})
    path = tmp_path / "store.h5"
    with pd.HDFStore(path, "w") as store:
        store.put("df", df, format="table", data_columns=True,
                  track_times=False)
    wheres = {
        "a > 0.5 & b < 3 & s != 'yy'":
            (df.a > 0.5) & (df.b < 3) & (df.s != "yy"),
        "c < 0.01 | b == 9": (df.c < np.float32(0.01)) | (df.b == 9),
    }
    for where, mask in wheres.items():
        results = []
        for patched in (False, True):
            (nejit.patch_numexpr if patched else nejit.unpatch_numexpr)()
            with pd.HDFStore(path, "r") as store:
                results.append(store.select("df", where=where))
                cache = store.get_storer("df").table._condition_cache._cache
                kinds = {type(c.function) for c in cache.values()}
            assert (nejit.necompiler.NumExpr in kinds) == patched
        pd.testing.assert_frame_equal(results[1], results[0])
        pd.testing.assert_frame_equal(results[1], df[mask])


def test_blosc2_lazy_expressions(unpatch_after):
    blosc2 = pytest.importorskip("blosc2")
    import sys
    # (blosc2.lazyexpr is also the name of a function in the package)
    lazyexpr = sys.modules["blosc2.lazyexpr"]
    if getattr(lazyexpr, "numexpr", None) is not numexpr:
        pytest.skip("this blosc2 (%s) does not fall back to numexpr"
                    % blosc2.__version__)
    rng = np.random.default_rng(11)
    a = rng.random((300, 400))
    b = rng.random((300, 400)).astype(np.float32)
    results = []
    for patched in (False, True):
        (nejit.patch_numexpr if patched else nejit.unpatch_numexpr)()
        before = nejit.cache_stats()["evaluate_expressions"]
        ba, bb = blosc2.asarray(a), blosc2.asarray(b)
        expr = blosc2.lazyexpr("sin(ba) * 2 + bb ** 2 - where(ba > bb, ba, bb)",
                               operands={"ba": ba, "bb": bb})
        results.append((expr.compute()[:], expr[10:20, 5:9],
                        blosc2.evaluate("ba * bb + 1",
                                        local_dict={"ba": a, "bb": b})))
        used = nejit.cache_stats()["evaluate_expressions"] > before
        assert used == patched
    for x, y in zip(*results):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    np.testing.assert_allclose(results[1][2], a * b + 1)
