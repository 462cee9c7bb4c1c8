#!/usr/bin/env python3
"""Run pandas' own eval/query/expressions test suites against nejit.

The installed pandas wheel ships its tests (pandas/tests). This script
copies four of its suites into a temporary directory —

    pandas/tests/computation/test_eval.py
    pandas/tests/computation/test_compat.py
    pandas/tests/frame/test_query_eval.py
    pandas/tests/test_expressions.py

— and runs them with pytest in two subprocesses:

``numexpr`` mode: nejit stands in for numexpr. Before pandas is imported, a
module named ``numexpr`` made from nejit (``__version__`` is the numexpr
release nejit follows) is put in ``sys.modules``, so pandas' own numexpr
engine, its large-frame acceleration (pandas.core.computation.expressions)
and every test written for ``engine == "numexpr"`` run nejit under numexpr's
name, with numexpr's expectations. All four suites.

``engine`` mode: nejit as the engine "nejit". ``nejit.pandas`` is imported
(registering the engine) and ``nejit.pandas.accelerate()`` is called; the
real numexpr stays installed. In the copies of test_eval.py and
test_query_eval.py, the tests' references to the numexpr engine are renamed
to nejit (``engine == "numexpr"`` becomes ``engine in ("numexpr",
"nejit")``, ``engine="numexpr"`` becomes ``engine="nejit"``, and the engine
fixtures' "numexpr" entries become "nejit"), so the nejit engine is held to
the expectations pandas writes for numexpr — and where a test computes its
expectation with ``numexpr.evaluate``, that is the real numexpr.
test_expressions.py runs too, its numexpr calls going to nejit through
accelerate().

In both modes, test cases parametrized with ``engine="python"`` are
deselected (they never reach numexpr or nejit; pandas' own CI runs them),
and in engine mode so are those parametrized with ``engine="numexpr"`` (the
renaming gives them the python engine's expectations). Tests that fail with
nejit although they pass with numexpr 2.14.2 are reported as skipped with
the reason, listed in KNOWN below (per pandas version, with the tests of
older pandas releases that fail with numexpr 2.14.2 too); anything else
that fails counts as failed.

``--libm``: either mode with nejit's libm math backend
(NEJIT_MATH_BACKEND=libm in the test processes): the C library's functions
and numexpr's complex formulas, so the tests that compare transcendental
results exactly with numpy pass and the Sleef cases in KNOWN (SLEEF_ULP)
are not excepted.

Usage: run_pandas_suite.py [--mode engine|numexpr|both] [--libm] [--jobs N]
                           [-k EXPR] [--keep] [extra pytest args...]

The last line of output is exactly
    pandas-suite: P passed, F failed, S skipped
and the exit status is non-zero when F > 0 (or pytest could not run).
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suite_support import finish_mode, nejit_path

SUITES = {
    # copy (relative to the temp dir) -> source (relative to pandas/tests)
    "computation/test_eval.py": "computation/test_eval.py",
    "computation/test_compat.py": "computation/test_compat.py",
    "frame/test_query_eval.py": "frame/test_query_eval.py",
    "test_expressions.py": "test_expressions.py",
}
MODE_SUITES = {
    "numexpr": list(SUITES),
    # test_compat.py is about numexpr's versions and pandas' blocking of
    # them; it has nothing that names an engine.
    "engine": ["computation/test_eval.py", "frame/test_query_eval.py",
               "test_expressions.py"],
}
RENAMED = ("computation/test_eval.py", "frame/test_query_eval.py")

# pandas version prefix -> [(node id regex, reason)]: nejit's exceptions
# (tests that pass with numexpr 2.14.2 and not with nejit), and tests of
# older pandas releases that fail with numexpr 2.14.2 itself (or with every
# engine). Reported as skipped with the reason, in both modes.
_EXP = ("exp(arr) of int64 [1, 2, 3], compared exactly with numpy: nejit's "
        "exp(1.0) is 0x1.5bf0a8b14576ap+1, numpy's and numexpr's (libm) "
        "0x1.5bf0a8b145769p+1, 1 ulp apart (Sleef's u10 exp is not "
        "correctly rounded)")
_CSIN = ("sin(a) of 10 complex128 values, compared exactly with numpy: for "
         "a = -0.5227484414807474+0j nejit's real part is "
         "-0x1.ff3ee82c3a269p-2, numpy's and numexpr's "
         "-0x1.ff3ee82c3a268p-2, 1 ulp apart")
_NUMEXPR_TOO = "fails with numexpr 2.14.2 as well: "
# The exceptions due to Sleef's last bit, which the libm backend has not.
SLEEF_ULP = (_EXP, _CSIN)
KNOWN = {
    "3.": [
        (r"::TestMath::test_unary_function_integer_array\[", _EXP),
        (r"::TestMath::test_result_types\[.*-complex128-complex128\]", _CSIN),
    ],
    "2.2.": [
        (r"::TestEval::test_floor_division\[", _NUMEXPR_TOO +
         "pandas 2.2's test expects numexpr to reject // (numexpr 2.13 "
         "added it)"),
        (r"::TestEval::test_(frame|series)_invert\[", _NUMEXPR_TOO +
         "pandas 2.2's test expects a NotImplementedError that numexpr 2.13+ "
         "no longer raises"),
        (r"::TestExpressions::test_bool_ops_warn_on_arithmetic\[(\+-add|\*-mul)\]",
         _NUMEXPR_TOO + "numexpr 2.13.1 computes bool + and * as | and &, so "
         "pandas 2.2's expected fallback warning never comes"),
        (r"::test_check_tz_aware_index_query\[", "fails with every engine, "
         "python included (pandas 2.2.3 with numpy 2.4)"),
        (r"::test_query_token\[.*Capacitance", "nejit: its lexer rejects the "
         "non-ASCII identifier pandas 2.2 makes of `Capacitance(μF)` "
         "(invalid character '\\xce'); numexpr takes any Python identifier. "
         "pandas 3 spells such names in ASCII"),
    ],
}

# The engine-mode renaming. Each pattern must match at least once in the
# files it is listed for, together, or the script stops (pandas changed its
# tests and the renaming needs a look).
RENAMES = [
    (r'\bengine == "numexpr"', 'engine in ("numexpr", "nejit")', RENAMED),
    (r'\bengine != "numexpr"', 'engine not in ("numexpr", "nejit")', ()),
    (r'\bengine="numexpr"', 'engine="nejit"', RENAMED),
    (r'\breturn "numexpr"', 'return "nejit"', ("frame/test_query_eval.py",)),
    (r'pytest\.param\("numexpr", marks=', 'pytest.param("nejit", marks=',
     ("frame/test_query_eval.py",)),
    (r'\["python", "numexpr"\]', '["python", "nejit"]',
     ("frame/test_query_eval.py",)),
]

PLUGIN = '''\
"""pytest plugin of run_pandas_suite.py: nejit in place of numexpr."""
import os
import re
import sys

import pytest

MODE = os.environ["NEJIT_PANDAS_SUITE_MODE"]
KNOWN = [(re.compile(p), why) for p, why in %(known)r]
DESELECT_ENGINES = {"python"} if MODE == "numexpr" else {"python", "numexpr"}

import nejit

if MODE == "numexpr":
    import types

    stand_in = types.ModuleType("numexpr", nejit.__doc__)
    for _name, _value in vars(nejit).items():
        if not _name.startswith("__"):
            setattr(stand_in, _name, _value)
    stand_in.__version__ = nejit.version.numexpr_compat_version
    stand_in.__file__ = nejit.__file__
    stand_in.__nejit__ = True
    assert "numexpr" not in sys.modules, "numexpr was imported too early"
    sys.modules["numexpr"] = stand_in
    import pandas.core.computation.expressions as _expressions
    import pandas.core.computation.check as _check
    assert _check.ne is stand_in and _expressions.ne is stand_in, \\
        "pandas did not take nejit as its numexpr"
    assert _check.NUMEXPR_INSTALLED
else:
    import numexpr
    import nejit.pandas
    import pandas.core.computation.expressions as _expressions
    from pandas.core.computation.engines import ENGINES

    assert not hasattr(numexpr, "__nejit__")
    nejit.pandas.accelerate()
    assert ENGINES["nejit"] is nejit.pandas.NejitEngine
    assert _expressions.ne is nejit


def pytest_report_header(config):
    return "nejit pandas-suite mode: %%s (nejit %%s at %%s)" %% (
        MODE, nejit.__version__, os.path.dirname(nejit.__file__))


def pytest_collection_modifyitems(session, config, items):
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("engine") in DESELECT_ENGINES:
            dropped.append(item)
            continue
        reason = next((why for p, why in KNOWN if p.search(item.nodeid)),
                      None)
        if reason:
            item.add_marker(pytest.mark.skip(reason="excepted: " + reason))
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
'''


def pandas_tests_dir():
    spec = importlib.util.find_spec("pandas")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("pandas is not installed: nothing to run")
    tests = Path(list(spec.submodule_search_locations)[0]) / "tests"
    if not (tests / "computation" / "test_eval.py").exists():
        sys.exit(f"{tests} has no computation/test_eval.py: this pandas was "
                 "installed without its tests")
    return tests


def rename_engine(sources):
    """The engine-mode copies: {rel: source} with RENAMES applied."""
    for pattern, replacement, required_in in RENAMES:
        matched = 0
        for rel in sources:
            sources[rel], n = re.subn(pattern, replacement, sources[rel])
            matched += n if rel in required_in else 0
        if required_in and matched == 0:
            sys.exit(f"pattern {pattern!r} matches nothing in {required_in}; "
                     "update RENAMES for this pandas version")
    return sources


def known_entries(version, libm):
    """KNOWN's entries for this pandas version (without SLEEF_ULP's under
    the libm backend)."""
    return [(p, why) for prefix, entries in KNOWN.items()
            if version.startswith(prefix) for p, why in entries
            if not (libm and why in SLEEF_ULP)]


def start_mode(mode, tests, args, extra):
    """Starts pytest on the copied suites of one mode; returns what
    finish_mode() needs."""
    tmp = Path(tempfile.mkdtemp(prefix=f"nejit-pandas-suite-{mode}-"))
    sources = {rel: (tests / SUITES[rel]).read_text()
               for rel in MODE_SUITES[mode]}
    if mode == "engine":
        sources.update(rename_engine({rel: sources[rel] for rel in RENAMED}))
    for rel, source in sources.items():
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(source)
    import pandas

    known = known_entries(pandas.__version__, args.libm)
    (tmp / "nejit_pandas_suite_plugin.py").write_text(
        PLUGIN % {"known": known})
    junit = tmp / "junit.xml"

    env = dict(os.environ, NEJIT_PANDAS_SUITE_MODE=mode)
    if args.libm:
        env["NEJIT_MATH_BACKEND"] = "libm"
    paths = [str(tmp)] + ([nejit_path()] if nejit_path() else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    # pandas' conftest files are loaded as plugins (their fixtures and hooks
    # apply to the copies); our plugin first, so numexpr is replaced before
    # anything imports pandas.
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "-p", "nejit_pandas_suite_plugin", "-p", "pandas.conftest",
           "-p", "pandas.tests.frame.conftest", "--import-mode=importlib",
           "--rootdir", str(tmp), "-c", os.devnull,
           f"--junitxml={junit}", "-o", "junit_family=xunit2",
           "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    cmd += extra + MODE_SUITES[mode]

    log = tmp / "pytest.log"
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    return tmp, cmd, proc, start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("engine", "numexpr", "both"),
                    default="both")
    ap.add_argument("--libm", action="store_true",
                    help="nejit's libm math backend (NEJIT_MATH_BACKEND=libm)")
    ap.add_argument("-k", dest="keyword", help="pytest -k expression")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--jobs", type=int, default=2,
                    help="modes run at once (default 2)")
    args, extra = ap.parse_known_args()

    tests = pandas_tests_dir()
    import pandas

    modes = ("numexpr", "engine") if args.mode == "both" else (args.mode,)
    total = [0, 0, 0]
    failures, bad_exit = [], False
    # The modes are independent processes: with --jobs 2 (the default) they
    # run side by side, one per core, and their logs are printed in turn.
    pending = list(modes)
    running = []
    while pending or running:
        while pending and len(running) < max(1, args.jobs):
            mode = pending.pop(0)
            running.append((mode, start_mode(mode, tests, args, extra)))
        mode, started = running.pop(0)
        (p, f, s, fails, x), rc, seconds = finish_mode(mode, started, args)
        print(f"---- mode {mode}: {p} passed, {f} failed, {s} skipped "
              f"({x} of them excepted) in {seconds:.0f} s")
        total = [total[0] + p, total[1] + f, total[2] + s]
        failures += [f"[{mode}] {name}" for name in fails]
        bad_exit |= rc not in (0, 1)
    excepted = {f"/{p}/": why
                for p, why in known_entries(pandas.__version__, args.libm)}

    backend = " (libm math backend)" if args.libm else ""
    print(f"\npandas {pandas.__version__}, tests from {tests}{backend}")
    if excepted:
        print("Excepted (reported as skipped):")
        for node, why in excepted.items():
            print(f"  {node}: {why}")
    if failures:
        print("Failed:")
        for name in failures:
            print(f"  {name}")
    print(f"pandas-suite: {total[0]} passed, {total[1]} failed, "
          f"{total[2]} skipped")
    return 1 if total[1] or bad_exit else 0


if __name__ == "__main__":
    sys.exit(main())
