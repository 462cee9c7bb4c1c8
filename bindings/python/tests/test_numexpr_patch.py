"""nejit.patch_numexpr() / unpatch_numexpr(), ``python -m nejit.patch`` and
NEJIT_PATCH_NUMEXPR.

The patch is process-wide, so every case runs in a fresh interpreter (this
test process's numexpr is never patched). Each child prints "ok" as its
last line after its own asserts.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("numexpr")

BINDINGS = Path(__file__).resolve().parents[1]


def run_python(code, *args, env=None, cwd=None, flags=()):
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(BINDINGS), os.environ.get("PYTHONPATH", "")]))
    environ.pop("NEJIT_PATCH_NUMEXPR", None)
    environ.update(env or {})
    return subprocess.run([sys.executable, *flags, *args] if code is None
                          else [sys.executable, *flags, "-c",
                                textwrap.dedent(code), *args],
                          capture_output=True, text=True, env=environ,
                          cwd=cwd, timeout=300)


def check(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "ok", proc.stdout
    return proc.stdout


# Snapshot of numexpr's modules (every name and the identity of its value),
# and a check that they are back to it.
SNAPSHOT = """
import sys
MODULES = ("numexpr", "numexpr.necompiler", "numexpr.expressions",
           "numexpr.interpreter", "numexpr.utils")
def snapshot():
    return {m: dict(vars(sys.modules[m])) for m in MODULES}
def assert_same(before):
    after = snapshot()
    for m in MODULES:
        assert after[m].keys() == before[m].keys(), (m, after[m].keys() ^ before[m].keys())
        changed = [k for k in before[m] if after[m][k] is not before[m][k]]
        assert not changed, (m, changed)
"""


def test_patch_before_import():
    check(run_python(SNAPSHOT + textwrap.dedent("""
        import numpy as np, nejit
        nejit.patch_numexpr()
        assert "numexpr" not in sys.modules   # nothing imported yet
        assert nejit.numexpr_patched()
        import numexpr
        # numexpr's own module, from its own files, patched in place
        assert numexpr.__file__.endswith("numexpr/__init__.py")
        assert numexpr.__version__ == "2.14.2"
        assert numexpr.evaluate is nejit.evaluate
        assert numexpr.necompiler.NumExpr is nejit.necompiler.NumExpr
        assert numexpr.interpreter.NumExpr is nejit.necompiler.NumExpr
        assert numexpr.expressions.functions is nejit.expressions.functions
        assert isinstance(numexpr.expressions.functions, dict)
        assert "sin" in numexpr.expressions.functions
        a = np.arange(10.0)
        before = nejit.cache_stats()["evaluate_expressions"]
        np.testing.assert_array_equal(numexpr.evaluate("2*a + 1"), 2*a + 1)
        assert nejit.cache_stats()["evaluate_expressions"] == before + 1
        nejit.unpatch_numexpr()
        assert not nejit.numexpr_patched()
        assert numexpr.evaluate is not nejit.evaluate
        assert type(numexpr.necompiler.NumExpr).__name__ == "function"
        np.testing.assert_array_equal(numexpr.evaluate("2*a + 1"), 2*a + 1)
        print("ok")
    """)))


def test_patch_after_import_and_unpatch_restores_exactly():
    check(run_python(SNAPSHOT + textwrap.dedent("""
        import numpy as np
        import numexpr
        import pandas.core.computation.expressions as pandas_expressions
        before = snapshot()
        import nejit
        nejit.patch_numexpr()
        nejit.patch_numexpr()                      # idempotent
        assert numexpr.evaluate is nejit.evaluate
        assert numexpr.necompiler.stringToExpression is \\
            nejit.necompiler.stringToExpression
        assert numexpr.set_num_threads is nejit.set_num_threads
        # a library that imported numexpr before the patch uses nejit now
        assert pandas_expressions.ne is numexpr
        # names nejit does not have stay numexpr's
        assert numexpr.necompiler.precompile is before[
            "numexpr.necompiler"]["precompile"]
        assert numexpr.__version__ == before["numexpr"]["__version__"]
        a = np.arange(6, dtype=np.int32)
        r = numexpr.evaluate("a * 3")
        assert r.dtype == np.int32 and list(r) == [0, 3, 6, 9, 12, 15]
        nejit.unpatch_numexpr()
        nejit.unpatch_numexpr()                    # idempotent
        assert_same(before)
        nejit.patch_numexpr()                      # and again
        assert numexpr.evaluate is nejit.evaluate
        nejit.unpatch_numexpr()
        assert_same(before)
        print("ok")
    """)))


def test_patch_while_other_threads_evaluate():
    # Calls in flight see numexpr's function or nejit's, never a missing
    # one, and always the right answer.
    check(run_python("""
        import threading
        import numpy as np, numexpr, nejit
        a = np.arange(1000.0)
        want = 3 * a + 1
        errors, stop = [], threading.Event()
        def work():
            while not stop.is_set():
                try:
                    np.testing.assert_array_equal(
                        numexpr.evaluate("3*a + 1", local_dict={"a": a}), want)
                    numexpr.necompiler.getExprNames("3*a + 1", {})
                except Exception as e:
                    errors.append(e)
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads: t.start()
        for _ in range(200):
            nejit.patch_numexpr(); nejit.unpatch_numexpr()
        stop.set()
        for t in threads: t.join()
        assert not errors, errors[:3]
        print("ok")
    """))


def test_patch_without_numexpr_installed(tmp_path):
    # A site-packages without numexpr: every entry of this venv's except
    # numexpr (and the .pth files), linked into a folder, with site off.
    import numpy
    site = Path(numpy.__file__).resolve().parents[1]
    fake = tmp_path / "site"
    fake.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith("numexpr") or entry.suffix == ".pth":
            continue
        (fake / entry.name).symlink_to(entry)
    proc = run_python("""
        import sys, importlib.util
        assert importlib.util.find_spec("numexpr") is None
        import numpy as np, nejit
        nejit.patch_numexpr()
        import numexpr, numexpr.necompiler
        from numexpr.expressions import ConstantNode
        assert numexpr.__nejit__ and numexpr.__version__ == "2.14.2"
        assert numexpr.evaluate is nejit.evaluate
        assert numexpr.necompiler is nejit.necompiler
        a = np.arange(4.0)
        assert list(numexpr.evaluate("a**2")) == [0.0, 1.0, 4.0, 9.0]
        nejit.unpatch_numexpr()
        assert "numexpr" not in sys.modules
        assert "numexpr.necompiler" not in sys.modules
        try:
            import numexpr
        except ImportError:
            print("ok")
    """, flags=("-S",), env={"PYTHONPATH": os.pathsep.join(
        [str(BINDINGS), str(fake)])})
    check(proc)


def test_python_m_nejit_patch_runs_a_script(tmp_path):
    script = tmp_path / "uses_numexpr.py"
    script.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import numexpr, nejit
        a = np.arange(5.0)
        assert numexpr.evaluate is nejit.evaluate, "numexpr is not nejit"
        assert __name__ == "__main__"
        print("argv", sys.argv[1:])
        print("result", numexpr.evaluate("a * 2").tolist())
        sys.exit(int(sys.argv[1]))
    """))
    proc = run_python(None, "-m", "nejit.patch", str(script), "3", "x")
    assert proc.returncode == 3, proc.stderr
    assert "argv ['3', 'x']" in proc.stdout
    assert "result [0.0, 2.0, 4.0, 6.0, 8.0]" in proc.stdout
    # -m module, and the script's own folder on sys.path
    (tmp_path / "helper_mod.py").write_text("VALUE = 7\n")
    (tmp_path / "main_mod.py").write_text(textwrap.dedent("""
        import numexpr, nejit, helper_mod
        assert numexpr.evaluate is nejit.evaluate
        print("ok", helper_mod.VALUE)
    """))
    proc = run_python(None, "-m", "nejit.patch", "-m", "main_mod",
                      cwd=tmp_path)
    assert proc.returncode == 0 and "ok 7" in proc.stdout, proc.stderr
    proc = run_python(None, "-m", "nejit.patch", str(tmp_path / "main_mod.py"))
    assert proc.returncode == 0 and "ok 7" in proc.stdout, proc.stderr
    proc = run_python(None, "-m", "nejit.patch")
    assert proc.returncode == 2 and "usage" in proc.stderr


@pytest.mark.parametrize("value, patched", [("1", True), ("0", False),
                                            (None, False)])
def test_environment_variable_through_the_pth_file(tmp_path, value, patched):
    # The line nejit-patch.pth holds, processed as site processes it at
    # start-up (site.addsitedir runs a .pth file's import lines).
    shutil_pth = (BINDINGS / "nejit-patch.pth").read_text()
    (tmp_path / "nejit-patch.pth").write_text(shutil_pth)
    env = {} if value is None else {"NEJIT_PATCH_NUMEXPR": value}
    check(run_python("""
        import site, sys
        site.addsitedir(sys.argv[1])
        # cheap at start-up: nejit and numpy are not imported by the hook
        assert "nejit" not in sys.modules and "numpy" not in sys.modules
        assert ("_nejit_startup" in sys.modules) == %s
        import numexpr
        import nejit
        assert (numexpr.evaluate is nejit.evaluate) == %s
        assert nejit.numexpr_patched() == %s
        nejit.unpatch_numexpr()
        assert numexpr.evaluate is not nejit.evaluate
        print("ok")
    """ % (patched, patched, patched), str(tmp_path), env=env))
