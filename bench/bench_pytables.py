"""PyTables in-kernel queries and pandas' HDFStore.select(where=...) on
nejit (nejit.patch_numexpr()) against numexpr.

    .venv/bin/python bench/bench_pytables.py [--rows 10000000] [--repeat 5]
                                             [--dir /tmp] [--keep]

Writes two HDF5 files of ``--rows`` rows (uncompressed, so the page cache
holds them after the first read): a PyTables table with int32, int64,
float32, float64 and bool columns, and the same data as a pandas
HDFStore table (format="table", data_columns=True). Then, for each query,
alternately with numexpr and with nejit patched in, opens the file afresh
(PyTables caches a table's compiled conditions), runs the query once to
warm up (compile, page cache) and times ``--repeat`` runs: medians, and
numexpr's median over nejit's. The rows must be the same. numexpr and nejit
run on their default threads (all cores); PyTables evaluates the condition
per I/O buffer of rows, so what is measured is the whole query: reading the
columns, evaluating the condition, gathering the rows. Last, the condition
alone: numexpr's and nejit's compiled condition (necompiler.NumExpr of the
stringToExpression tree) on the table's columns as PyTables hands them over
(buffers of nrowsinbuf rows, strided fields), the table read into memory.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" /
                       "python"))

import pandas as pd  # noqa: E402
import tables  # noqa: E402

import nejit  # noqa: E402

# Selective conditions (under 1% of the rows, but one): the time of a query
# that returns millions of rows goes to PyTables gathering them, whichever
# engine evaluates the condition.
QUERIES = [
    "(f8 > 0.99) & (i4 < 100)",
    "(i8 % 97 == 0) & b",
    "(f4 > 0.2) & (f4 < 0.21) & (f8 * f8 < 0.25)",
    "sqrt(f8 * f8 + f4 * f4) < 0.05",
    "(sin(f8) > 0.84) & (exp(f4) < 1.01)",
    "(f8 > 0.5) & (i4 < 100)",
]
PANDAS_WHERES = [
    "a > 0.999 & b < 100",
    "c > 0.2 & c < 0.201 & d == 7",
]


def make_table(path, rows):
    rng = np.random.default_rng(0)
    desc = np.dtype([("i4", "i4"), ("i8", "i8"), ("f4", "f4"), ("f8", "f8"),
                     ("b", "?")])
    with tables.open_file(path, "w") as f:
        t = f.create_table("/", "t", desc, expectedrows=rows)
        step = 1_000_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            rec = np.empty(n, desc)
            rec["i4"] = rng.integers(-1000, 1000, n)
            rec["i8"] = rng.integers(0, 1 << 40, n)
            rec["f4"] = rng.random(n, dtype=np.float32)
            rec["f8"] = rng.random(n)
            rec["b"] = rng.random(n) < 0.1
            t.append(rec)


def make_store(path, rows):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.random(rows),
                       "b": rng.integers(0, 1000, rows).astype(np.int32),
                       "c": rng.random(rows, dtype=np.float32),
                       "d": rng.integers(0, 10, rows)})
    with pd.HDFStore(path, "w") as store:
        store.put("df", df, format="table", data_columns=True, index=False,
                  track_times=False)


def timed(run, repeat):
    result = run()  # warm-up: compile, page cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def table_query(path, condition):
    def run():
        with tables.open_file(path, "r") as f:
            return f.root.t.read_where(condition)
    return run


def store_select(path, where):
    def run():
        with pd.HDFStore(path, "r") as store:
            return store.select("df", where=where)
    return run


def compare(label, make_run, repeat):
    medians, results = {}, {}
    for engine in ("numexpr", "nejit"):
        if engine == "nejit":
            nejit.patch_numexpr()
        else:
            nejit.unpatch_numexpr()
        medians[engine], results[engine] = timed(make_run(), repeat)
    nejit.unpatch_numexpr()
    a, b = results["numexpr"], results["nejit"]
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
        n = len(a)
    else:
        np.testing.assert_array_equal(a, b)
        n = len(a)
    speedup = medians["numexpr"] / medians["nejit"]
    print(f"| `{label}` | {n:,} | {medians['numexpr'] * 1e3:.0f} | "
          f"{medians['nejit'] * 1e3:.0f} | {speedup:.2f}x |", flush=True)
    return speedup


def condition_alone(path, repeat):
    """The compiled condition by itself, as PyTables calls it: numexpr's
    and nejit's necompiler.NumExpr of the stringToExpression tree, on the
    columns of record buffers of the table's nrowsinbuf rows (strided,
    unaligned fields), the whole table in memory."""
    import numexpr.necompiler as numexpr_compiler

    with tables.open_file(path, "r") as f:
        t = f.root.t
        rec, chunk = t.read(), t.nrowsinbuf
        typemap = {name: tables.table._nxtype_from_nptype[
            t.coldtypes[name].type] for name in t.colnames}
    print(f"\n| condition alone ({len(rec):,} rows in buffers of {chunk:,}) "
          "| numexpr ms | nejit ms | speed-up |\n|---|---:|---:|---:|")
    ups = []
    for cond in QUERIES:
        medians = {}
        for name, compiler in (("numexpr", numexpr_compiler),
                               ("nejit", nejit.necompiler)):
            tree = compiler.stringToExpression(cond, typemap, {})
            names = sorted({n.value for n in compiler.expressionToAST(tree)
                            .allOf("variable")})
            func = compiler.NumExpr(tree, [(n, typemap[n]) for n in names])

            def run():
                return [func(*[rec[n][s:s + chunk] for n in names])
                        for s in range(0, len(rec), chunk)]
            medians[name], out = timed(run, repeat)
            medians[name + " rows"] = int(sum(o.sum() for o in out))
        assert medians["numexpr rows"] == medians["nejit rows"]
        ups.append(medians["numexpr"] / medians["nejit"])
        print(f"| `{cond}` | {medians['numexpr'] * 1e3:.0f} | "
              f"{medians['nejit'] * 1e3:.0f} | {ups[-1]:.2f}x |", flush=True)
    print(f"\ngeometric mean speed-up of the condition alone: "
          f"{float(np.exp(np.mean(np.log(ups)))):.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    table_path = Path(args.dir) / f"nejit-bench-table-{args.rows}.h5"
    store_path = Path(args.dir) / f"nejit-bench-store-{args.rows}.h5"
    t0 = time.perf_counter()
    if not table_path.exists():
        make_table(table_path, args.rows)
    if not store_path.exists():
        make_store(store_path, args.rows)
    print(f"# {args.rows:,} rows; files ready in "
          f"{time.perf_counter() - t0:.0f} s; tables {tables.__version__}, "
          f"pandas {pd.__version__}, nejit {nejit.__version__}, "
          f"{os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("\n| PyTables `Table.read_where` | rows selected | numexpr ms | "
          "nejit ms | speed-up |\n|---|---:|---:|---:|---:|")
    ups = [compare(q, lambda q=q: table_query(table_path, q), args.repeat)
           for q in QUERIES]
    print("\n| pandas `HDFStore.select(where=)` | rows selected | numexpr ms | "
          "nejit ms | speed-up |\n|---|---:|---:|---:|---:|")
    ups += [compare(w, lambda w=w: store_select(store_path, w), args.repeat)
            for w in PANDAS_WHERES]
    print(f"\ngeometric mean speed-up of the queries: "
          f"{float(np.exp(np.mean(np.log(ups)))):.2f}x")
    condition_alone(table_path, args.repeat)
    if not args.keep:
        table_path.unlink()
        store_path.unlink()


if __name__ == "__main__":
    main()
