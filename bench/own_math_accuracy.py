"""Max error in ULPs against mpmath (120 bits) of nejit's own functions and
of Sleef's u10 ones (backend='sleef'), on the grids of
bindings/python/tests/test_own_math.py (uniform over the function's finite
range, uniform on [-1, 1], log-uniform tiny arguments, and the hard cases):

    PYTHONPATH=bindings/python .venv/bin/python bench/own_math_accuracy.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bindings",
                                "python", "tests"))
import nejit  # noqa: E402
import test_own_math as T  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    print("NEJIT_CPU=%s, %d-point grids" % (nejit.get_cpu(), n))
    print("| function | f8 own | f8 Sleef u10 | f4 own | f4 Sleef u10 |")
    print("|---|---|---|---|---|")
    for name, fn, r64, r32 in T.FUNCTIONS:
        cells = []
        for dtype, (lo, hi) in ((np.float64, r64), (np.float32, r32)):
            xs = T._grid(dtype, lo, hi, n=n)
            sig = [("x", np.dtype(dtype).str[1:])]
            for backend in ("auto", "sleef"):
                k = nejit.compile("%s(x)" % name, sig, backend=backend)
                with np.errstate(all="ignore"):
                    got = k(xs)
                cells.append("%.3f" % T._ulp_errors(got, xs, fn, dtype).max())
        print("| %s | %s |" % (name, " | ".join(cells)), flush=True)


if __name__ == "__main__":
    main()
