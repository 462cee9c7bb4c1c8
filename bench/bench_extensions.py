"""nejit beyond numexpr: reductions inside expressions and multi-output
programs, against numpy and against numexpr written with the temporaries it
needs (its reductions must be outermost and single-threaded, so each one is
its own evaluate() call and the values go back in as constants).

    .venv/bin/python bench/bench_extensions.py [--n 10000000] [--rounds 9]
        [--threads 1,2] [--json FILE]

Cases (float64 arrays of n elements):
  standardize   (a - mean(a)) / std(a)
  cosine        sum(a*b) / sqrt(sum(a*a) * sum(b*b))
  count         sum(a > x)
  two outputs   x = a + b; y = a * b   (one pass: two outputs)

Rounds are interleaved (every engine once per round) and medians reported,
so drift on a shared machine hits all columns alike. Each nejit row also
reports its passes over memory (Kernel.passes).
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np


def cases(a, b):
    import nejit
    import numexpr as ne

    x = 0.3

    def ne_standardize():
        m = ne.evaluate("sum(a)") / a.size
        s = np.sqrt(ne.evaluate("sum((a - m)**2)") / a.size)
        return ne.evaluate("(a - m) / s")

    def ne_cosine():
        ab = ne.evaluate("sum(a*b)")
        aa = ne.evaluate("sum(a*a)")
        bb = ne.evaluate("sum(b*b)")
        return ab / np.sqrt(aa * bb)

    def ne_count():
        # numexpr has no sum of booleans: a cast through where().
        return ne.evaluate("sum(where(a > x, 1, 0))")

    def ne_two():
        return ne.evaluate("a + b"), ne.evaluate("a * b")

    out = [
        ("standardize", "(a - mean(a)) / std(a)",
         lambda: (a - a.mean()) / a.std(), ne_standardize),
        ("cosine", "sum(a*b) / sqrt(sum(a*a) * sum(b*b))",
         lambda: a @ b / np.sqrt((a @ a) * (b @ b)), ne_cosine),
        ("count", "sum(a > x)", lambda: np.count_nonzero(a > x), ne_count),
        ("two outputs", "x2 = a + b; y2 = a * b",
         lambda: (a + b, a * b), ne_two),
    ]
    rows = []
    for name, text, np_fn, ne_fn in out:
        if ";" in text:
            def nj_fn(text=text):
                return nejit.evaluate_program(text)
        else:
            def nj_fn(text=text):
                return nejit.evaluate(text)
        sig = [("a", "f8"), ("b", "f8")] if "b" in text else [("a", "f8")]
        if "x" in text.replace("x2", ""):
            sig.append(("x", "f8"))
        passes = nejit.compile(text, sig).passes
        rows.append((name, text, passes, nj_fn, np_fn, ne_fn))
    return rows


def _parts(r):
    """The results of a case as a tuple of arrays (one per output)."""
    if isinstance(r, dict):
        r = tuple(r.values())
    if not isinstance(r, tuple):
        r = (r,)
    return tuple(np.asarray(x) for x in r)


def check(rows):
    """The three engines agree before anything is timed."""
    for name, _, _, nj, npf, nef in rows:
        got, want, alt = _parts(nj()), _parts(npf()), _parts(nef())
        assert len(got) == len(want) == len(alt), name
        for g, w, e in zip(got, want, alt):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9,
                                       err_msg=name)
            np.testing.assert_allclose(e, w, rtol=1e-9, atol=1e-9,
                                       err_msg=name)


def timeit(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--json")
    args = ap.parse_args()

    import nejit
    import numexpr

    rng = np.random.default_rng(0)
    global a, b
    a = rng.random(args.n)
    b = rng.random(args.n)
    # The cases read a, b (and x) from this module's globals.
    sys.modules["__main__"].__dict__.update(a=a, b=b, x=0.3)
    rows = cases(a, b)
    check(rows)
    results = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        nejit.set_num_threads(threads)
        numexpr.set_num_threads(threads)
        times = {(r[0], e): [] for r in rows for e in ("nejit", "numpy",
                                                       "numexpr")}
        for _ in range(args.rounds):
            for name, _, _, nj, npf, nef in rows:
                times[(name, "nejit")].append(timeit(nj))
                times[(name, "numpy")].append(timeit(npf))
                times[(name, "numexpr")].append(timeit(nef))
        print("\nn = %d, %d thread%s (median of %d, ms)"
              % (args.n, threads, "s" if threads > 1 else "", args.rounds))
        print("%-12s %-40s %6s %9s %9s %9s %8s %8s" % (
            "case", "nejit text", "passes", "nejit", "numpy", "numexpr",
            "vs np", "vs ne"))
        for name, text, passes, *_ in rows:
            med = {e: statistics.median(times[(name, e)]) * 1e3
                   for e in ("nejit", "numpy", "numexpr")}
            print("%-12s %-40s %6d %9.2f %9.2f %9.2f %7.2fx %7.2fx" % (
                name, text, passes, med["nejit"], med["numpy"],
                med["numexpr"], med["numpy"] / med["nejit"],
                med["numexpr"] / med["nejit"]))
            results["%s/%d" % (name, threads)] = dict(passes=passes, **med)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(n=args.n, rounds=args.rounds, results=results), f,
                      indent=1)


if __name__ == "__main__":
    main()
