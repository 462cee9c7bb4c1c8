#!/usr/bin/env python3
"""Run PyTables' own query and expression test suites with numexpr and with
nejit patched in.

The installed tables wheel ships its tests (tables/tests). This script
copies two of them into a temporary directory —

    tables/tests/test_queries.py     Table.where/read_where/get_where_list,
                                     in-kernel and indexed, every column type
    tables/tests/test_expression.py  tables.Expr over arrays and columns

— and runs them with pytest in two subprocesses, side by side:

``numexpr`` mode: PyTables on numexpr 2.14.2, as installed (the reference).
``nejit`` mode: ``nejit.patch_numexpr()`` before anything imports tables, so
PyTables' condition compiler (numexpr's necompiler.stringToExpression,
typeCompileAst, NumExpr), its in-kernel queries and tables.Expr run on
nejit; the plugin checks that PyTables' numexpr is nejit's.

Selection. PyTables generates its query tests per column type, operator and
table layout: pytest collects 60,377 tests from the two files. PyTables'
own runner (tables.test()) runs what each module's suite() lists, "light"
unless asked for ``heavy``: generated methods named test_l* (not test_h*)
in the classes not marked heavy (no Big tables, no Medium or Big indexed
ones), and none of the abstract base classes. This script runs exactly the
tests suite() lists (the light ones by default, the heavy selection with
``--heavy``, many times longer: a separate command, not a CI step), and
decides it before pytest builds an item for each generated test.

Every test that passes with numexpr must pass with nejit. Tests that fail
with nejit although they pass with numexpr are reported as skipped with
their reason when listed in KNOWN below (each must be a numexpr-side or
PyTables-side defect); anything else that fails in nejit mode counts as
failed. The numexpr run's counts are printed for comparison.

Usage: run_pytables_suite.py [--mode nejit|numexpr|both] [--heavy]
                             [-k EXPR] [--keep] [extra pytest args...]

The last line of output is exactly
    pytables-suite: P passed, F failed, S skipped (numexpr: P2 passed, F2 failed, S2 skipped)
(the part in parentheses only when the numexpr mode ran) and the exit status
is non-zero when F > 0 (or pytest could not run).
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suite_support import finish_mode, nejit_path

SUITES = ["test_queries.py", "test_expression.py"]

# node id regex -> reason: tests that fail with nejit and pass with numexpr
# because of a numexpr-side or PyTables-side defect. Reported as skipped.
KNOWN = []

PLUGIN = '''\
"""pytest plugin of run_pytables_suite.py: the mode, the selection."""
import os
import re
import sys

import pytest

MODE = os.environ["NEJIT_PYTABLES_SUITE_MODE"]
HEAVY = os.environ.get("NEJIT_PYTABLES_SUITE_HEAVY") == "1"
KNOWN = [(re.compile(p), why) for p, why in %(known)r]

if MODE == "nejit":
    import nejit

    assert "tables" not in sys.modules, "tables was imported too early"
    nejit.patch_numexpr()
    import numexpr
    import tables.conditions

    assert tables.conditions.ne is numexpr
    assert numexpr.evaluate is nejit.evaluate
    assert numexpr.necompiler.NumExpr is nejit.necompiler.NumExpr
else:
    import numexpr

    assert not getattr(numexpr, "__nejit__", False)

# PyTables' test modules read the mode when they are imported (the column
# types of the tables they create), so set it before pytest imports them.
from tables.tests import common as _common

_common.heavy = HEAVY


def pytest_report_header(config):
    import numexpr
    import tables

    where = os.path.dirname(sys.modules["nejit"].__file__) \\
        if "nejit" in sys.modules else "-"
    return "nejit pytables-suite mode: %%s (tables %%s, numexpr %%s, nejit at %%s)" %% (
        MODE, tables.__version__, numexpr.__version__, where)


_SELECTED = {}  # test module -> {(class name, method name)} or None (all)


def _selection(module):
    """The (class, method) pairs PyTables' own runner runs: the module's
    suite(), light unless heavy (as tables.test() chooses)."""
    if module not in _SELECTED:
        pairs = set()
        stack = [module.suite()]
        while stack:
            test = stack.pop()
            if hasattr(test, "_tests"):
                stack.extend(test._tests)
            else:
                pairs.add((type(test).__name__, test._testMethodName))
        _SELECTED[module] = pairs
    return _SELECTED[module]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    # Dropping the classes suite() does not list here, before pytest makes
    # an item for each of their 940 generated tests, saves most of the
    # collection time. (Methods are filtered below: pytest collects a
    # unittest class's methods without this hook.)
    if not isinstance(collector, pytest.Module) or not isinstance(obj, type):
        return None
    if not hasattr(collector.obj, "suite"):
        return None
    if not any(c == name for c, _ in _selection(collector.obj)):
        return []
    return None


def pytest_collection_modifyitems(session, config, items):
    keep, dropped = [], []
    for item in items:
        module = item.getparent(pytest.Module)
        cls = getattr(item, "cls", None)
        if (cls is not None and hasattr(module.obj, "suite") and
                (cls.__name__, item.name) not in _selection(module.obj)):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
    for item in items:
        reason = next((why for p, why in KNOWN if p.search(item.nodeid)),
                      None)
        if reason and MODE == "nejit":
            item.add_marker(pytest.mark.skip(reason="excepted: " + reason))


def pytest_terminal_summary(terminalreporter):
    if MODE == "nejit":
        import nejit

        stats = nejit.cache_stats()
        terminalreporter.write_line(
            "nejit ran the conditions: %%d kernels compiled, %%d runs in the "
            "interpreter tier, %%d evaluate() expressions cached" %% (
                stats["compiles"], stats["tier1_runs"],
                stats["evaluate_expressions"]))
'''


def tables_tests_dir():
    spec = importlib.util.find_spec("tables")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("tables (PyTables) is not installed: nothing to run")
    tests = Path(list(spec.submodule_search_locations)[0]) / "tests"
    missing = [s for s in SUITES if not (tests / s).exists()]
    if missing:
        sys.exit(f"{tests} has no {', '.join(missing)}: this tables was "
                 "installed without its tests")
    return tests


def start_mode(mode, tests, args, extra):
    tmp = Path(tempfile.mkdtemp(prefix=f"nejit-pytables-suite-{mode}-"))
    for name in SUITES:
        shutil.copy(tests / name, tmp / name)
    (tmp / "nejit_pytables_suite_plugin.py").write_text(
        PLUGIN % {"known": KNOWN})
    junit = tmp / "junit.xml"
    env = dict(os.environ, NEJIT_PYTABLES_SUITE_MODE=mode,
               NEJIT_PYTABLES_SUITE_HEAVY="1" if args.heavy else "0")
    # Each mode gets one core's worth of threads: the modes run side by side.
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("NUMEXPR_NUM_THREADS", "1")
    env.setdefault("BLOSC_NTHREADS", "1")
    paths = [str(tmp)] + ([nejit_path()] if nejit_path() else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "-p", "nejit_pytables_suite_plugin", "--import-mode=importlib",
           "--rootdir", str(tmp), "-c", os.devnull,
           f"--junitxml={junit}", "-o", "junit_family=xunit2",
           "-W", "ignore::pytest.PytestUnknownMarkWarning",
           # unittest.makeSuite() in PyTables' suite(), once per class
           "-W", "ignore::DeprecationWarning"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    cmd += extra + SUITES
    log = tmp / "pytest.log"
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    return tmp, cmd, proc, start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("nejit", "numexpr", "both"),
                    default="both")
    ap.add_argument("--heavy", action="store_true",
                    help="PyTables' heavy selection (many times longer)")
    ap.add_argument("-k", dest="keyword", help="pytest -k expression")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    ap.add_argument("--timeout", type=float, default=3600)
    args, extra = ap.parse_known_args()

    tests = tables_tests_dir()
    import tables

    modes = ("nejit", "numexpr") if args.mode == "both" else (args.mode,)
    started = [(m, start_mode(m, tests, args, extra)) for m in modes]
    results, bad_exit = {}, False
    for mode, s in started:
        (p, f, sk, fails, x), rc, seconds = finish_mode(mode, s, args)
        print(f"---- mode {mode}: {p} passed, {f} failed, {sk} skipped "
              f"({x} of them excepted) in {seconds:.0f} s")
        results[mode] = (p, f, sk, fails)
        bad_exit |= rc not in (0, 1)

    print(f"\ntables {tables.__version__}, tests from {tests}"
          f"{' (heavy)' if args.heavy else ' (light selection)'}")
    if KNOWN:
        print("Excepted in nejit mode (reported as skipped):")
        for pattern, why in KNOWN:
            print(f"  /{pattern}/: {why}")
    status = 0
    if "nejit" in results:
        p, f, sk, fails = results["nejit"]
        if fails:
            print("Failed with nejit:")
            for name in fails:
                print(f"  {name}")
        status = 1 if f or bad_exit else 0
        line = f"pytables-suite: {p} passed, {f} failed, {sk} skipped"
    else:
        line = "pytables-suite: nejit mode not run"
    if "numexpr" in results:
        p2, f2, s2, fails2 = results["numexpr"]
        if fails2:
            print("Failed with numexpr (the reference):")
            for name in fails2:
                print(f"  {name}")
        line += f" (numexpr: {p2} passed, {f2} failed, {s2} skipped)"
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
