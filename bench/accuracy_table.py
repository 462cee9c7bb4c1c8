#!/usr/bin/env python3
"""Prints the measured max-ULP table of docs/accuracy.md.

    NEJIT_CACHE=0 PYTHONPATH=bindings/python .venv/bin/python bench/accuracy_table.py [-n POINTS]

Uses the measurement functions of bindings/python/tests/test_accuracy.py:
real functions against mpmath (float64) or numpy's float64 (float32), in
ULPs; complex functions normwise, in units of 2^-53 (pow relative to
max(1, |w log z|)).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "tests"))
import test_accuracy as T  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=4000, help="points per function")
    args = ap.parse_args()
    modes = ["high", "low"]
    print("| function | f8 high | f8 low | f4 high | f4 low | c16 high | c16 low |")
    print("|---|---|---|---|---|---|---|")
    names = list(T.UNARY) + list(T.BINARY) + ["abs"]
    for name in names:
        row = [name]
        for dt in ("f8", "f4"):
            for m in modes:
                if name == "abs":
                    row.append("exact")
                    continue
                n = args.n if dt == "f4" else max(500, args.n // 4)
                row.append(f"{T.measure(name, dt, m, n=n):.2f}")
        for m in modes:
            if name in T.COMPLEX:
                row.append(f"{T.measure_complex(name, m, n=max(300, args.n // 8)):.2f}")
            else:
                row.append("helper" if name in ("arcsin", "arccos", "arctan", "arcsinh",
                                                 "arccosh", "arctanh") else "-")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
