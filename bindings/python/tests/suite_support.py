"""What the runners of peers' suites (run_pandas_suite.py,
run_pytables_suite.py) share: where the in-place build is, and the counts of
a pytest JUnit report. run_numexpr_suite.py keeps its own copy of
nejit_path(): scripts/test_wheel.sh runs it alone, in a clean root."""

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
