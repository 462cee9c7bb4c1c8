"""Test setup: use the in-tree nejit (bindings/python) when it is built."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parents[1]
if list((_HERE / "nejit").glob("_nejit*")) and str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))
