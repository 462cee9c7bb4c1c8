#!/usr/bin/env python3
"""Run numexpr's own test suite against nejit.

Copies the installed numexpr's tests/test_numexpr.py into a temporary
directory, rewrites its imports so that ``numexpr`` means ``nejit`` (also in
the small scripts it runs in subprocesses), runs it with pytest in a
subprocess and prints a one-line summary. Tests that inspect numexpr's
internals (its virtual machine's bytecode, opcode names, constant table)
are excepted, each with its reason, listed in EXCEPTED below.

Usage: run_numexpr_suite.py [-k EXPR] [--keep] [extra pytest args...]

The last line of output is exactly
    numexpr-suite: P passed, F failed, S skipped, X excepted
and the exit status is non-zero when F > 0 (or pytest could not run).
"""

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

MODULE = "test_numexpr_on_nejit"

# node id (relative to the copied module) -> why it is excepted.
_VM_DIS = ("asserts numexpr's virtual-machine disassembly (opcodes such as "
           "b'mul_ddd' and register names); nejit has no VM, its "
           "disassemble() lists its own IR")
EXCEPTED = {
    "test_numexpr::test_reductions": _VM_DIS + " (the reductions themselves "
        "are covered by bindings/python/tests/test_reductions.py)",
    "test_numexpr2::test_reductions": _VM_DIS + " (2-thread variant)",
    "test_numexpr::test_r0_reuse": "asserts numexpr's VM register reuse "
        "(r0 as temporary) in its disassembly",
    "test_numexpr2::test_r0_reuse": "asserts numexpr's VM register reuse "
        "(2-thread variant)",
    "test_evaluate::test_disassemble": _VM_DIS,
    "test_evaluate::test_constant_deduplication": "asserts the contents of "
        "numexpr's VM constant table (NumExpr.constants); nejit spells "
        "constants as literals of the compiled expression",
}


def find_numexpr_tests():
    spec = importlib.util.find_spec("numexpr")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("numexpr is not installed: nothing to run")
    path = Path(list(spec.submodule_search_locations)[0]) / "tests" / "test_numexpr.py"
    if not path.exists():
        sys.exit(f"{path} not found")
    return path


def rewrite(source):
    """numexpr -> nejit in imports, including in subprocess scripts."""
    # `import numexpr as X` -> `import nejit as X`
    source = re.sub(r"\bimport numexpr as\b", "import nejit as", source)
    # bare `import numexpr` (not followed by '.' or ' as') -> alias
    source = re.sub(r"\bimport numexpr\b(?![.\w]| as)", "import nejit as numexpr", source)
    # from numexpr[.sub] import ...
    source = re.sub(r"\bfrom numexpr\b", "from nejit", source)
    return source


def nejit_path():
    """bindings/python when it holds a built extension (an in-place build)."""
    here = Path(__file__).resolve().parents[1]
    if list((here / "nejit").glob("_nejit*.so")) or list((here / "nejit").glob("_nejit*.pyd")):
        return str(here)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", dest="keyword", help="pytest -k expression")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--timeout", type=float, default=1800)
    args, extra = ap.parse_known_args()

    src = find_numexpr_tests()
    tmp = Path(tempfile.mkdtemp(prefix="nejit-numexpr-suite-"))
    test_file = tmp / f"{MODULE}.py"
    test_file.write_text(rewrite(src.read_text()))
    junit = tmp / "junit.xml"

    env = dict(os.environ)
    p = nejit_path()
    if p:
        env["PYTHONPATH"] = p + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "pytest", str(test_file), "-q", "-p",
           "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning",
           f"--junitxml={junit}", "-o", "junit_family=xunit2",
           "--rootdir", str(tmp)]
    for node in EXCEPTED:
        cmd += ["--deselect", f"{MODULE}.py::{node}"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    cmd += extra

    try:
        proc = subprocess.run(cmd, cwd=tmp, env=env, timeout=args.timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        print(f"pytest did not finish within {args.timeout:.0f} s")
        rc = -1

    passed = failed = skipped = 0
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    elif rc != 0:
        failed = 1  # pytest could not run at all

    print()
    print("Excepted (they test numexpr's internals, not its behaviour):")
    for node, reason in EXCEPTED.items():
        print(f"  {node}: {reason}")
    if args.keep:
        print(f"(kept {tmp})")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"numexpr-suite: {passed} passed, {failed} failed, {skipped} skipped, "
          f"{len(EXCEPTED)} excepted")
    return 1 if failed or (rc not in (0, 1)) else 0


if __name__ == "__main__":
    sys.exit(main())
