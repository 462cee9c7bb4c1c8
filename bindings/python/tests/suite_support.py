"""What the runners of peers' suites (run_pandas_suite.py,
run_pytables_suite.py) share: where the in-place build is, and waiting for
one mode's pytest and counting its JUnit report. run_numexpr_suite.py keeps its own copy of
nejit_path(): scripts/test_wheel.sh runs it alone, in a clean root."""

import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path


def nejit_path():
    """bindings/python when it holds a built extension (an in-place build)."""
    here = Path(__file__).resolve().parents[1]
    if list((here / "nejit").glob("_nejit*.so")):
        return str(here)
    return None


def count(junit):
    """(passed, failed, skipped, failed names, excepted count) of a run."""
    passed = failed = skipped = excepted = 0
    failures = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        skip = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append(f"{case.get('classname')}::{case.get('name')}")
        elif skip is not None:
            skipped += 1
            excepted += "excepted: " in (skip.get("message") or "")
        else:
            passed += 1
    return passed, failed, skipped, failures, excepted


def finish_mode(mode, started, args):
    """Waits for a mode start_mode() started (args.timeout, args.keep),
    prints its report without pytest's progress dots, and returns
    (count() of its JUnit report, exit status, seconds)."""
    tmp, cmd, proc, start = started
    try:
        rc = proc.wait(timeout=max(1.0, args.timeout -
                                   (time.monotonic() - start)))
        note = ""
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
        note = f"pytest did not finish within {args.timeout:.0f} s\n"
    seconds = time.monotonic() - start
    print(f"\n---- mode {mode}: {' '.join(cmd[3:])}")
    text = (tmp / "pytest.log").read_text(errors="replace")
    # pytest -q prints a dot per test: keep the report, not the dots.
    lines = [l for l in text.splitlines() if not re.fullmatch(r"[.sxXFE]+( *\[ *\d+%\])?", l)]
    print("\n".join(lines) + "\n" + note, end="", flush=True)
    junit = tmp / "junit.xml"
    if junit.exists():
        result = count(junit)
    else:
        result = (0, 1, 0, [f"{mode}: pytest could not run (exit {rc})"], 0)
    if args.keep:
        print(f"(kept {tmp})")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return result, rc, seconds
