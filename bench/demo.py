"""nejit vs numexpr vs numpy on a few expressions over 10-million-element arrays.

Checks every nejit result against numpy (same dtype, np.allclose / exact for
booleans) and exits non-zero if any is wrong, so the demo doubles as a check.

    .venv/bin/python bench/demo.py [--n 10000000] [--threads N] [--repeat 7]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

EXPRESSIONS = [
    "2*a + 3*b",
    "a*b - 4.1*a > 2.5*b",
    "sin(a)**2 + cos(a)**2",
    "where(a > 0.5, log(a), b)",
    "sqrt(a**2 + b**2)",
    "exp(-a) * cos(b)",
]

# numexpr's function names as numpy functions, so the reference result comes
# from the very same expression text (Python's operators already match).
NUMPY_NAMESPACE = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "where": np.where, "arctan2": np.arctan2,
}


def numpy_eval(ex, arrays):
    return eval(ex, {"__builtins__": {}}, {**NUMPY_NAMESPACE, **arrays})


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def background_compile_ms(nejit, before, timeout=5.0):
    """The JIT compile time spent on one expression since `before` (a
    cache_stats() snapshot), waiting for the background compiler to finish
    it; None if nothing was compiled (a kernel that stays interpreted)."""
    deadline = time.perf_counter() + timeout
    while True:
        now = nejit.cache_stats()
        if now["compiles"] > before["compiles"] and (
                now["background_compiles"] > before["background_compiles"]
                or now["tier1_runs"] == before["tier1_runs"]):
            return 1e3 * (now["compile_seconds"] - before["compile_seconds"])
        if time.perf_counter() > deadline:
            return None
        time.sleep(0.001)


def check(result, expected):
    """Returns '' when result matches expected, else what is wrong."""
    result = np.asarray(result)
    if result.dtype != expected.dtype:
        return f"dtype {result.dtype}, numpy gives {expected.dtype}"
    if result.shape != expected.shape:
        return f"shape {result.shape}, numpy gives {expected.shape}"
    if expected.dtype == np.bool_:
        bad = np.count_nonzero(result != expected)
        return f"{bad} elements differ" if bad else ""
    if not np.allclose(result, expected, equal_nan=True):
        bad = np.count_nonzero(~np.isclose(result, expected, equal_nan=True))
        return f"{bad} elements not close"
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="array length")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for nejit and numexpr (default: all cores)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (median)")
    args = parser.parse_args()

    # A private, empty on-disk cache, so that the compile column shows real
    # compiles rather than loads of kernels an earlier run left in the cache.
    os.environ["NEJIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="nejit-demo-")
    import numexpr
    import nejit

    rng = np.random.default_rng(0)
    arrays = {"a": rng.random(args.n), "b": rng.random(args.n)}

    # Same thread count for both JITs, or the comparison means nothing.
    nejit.set_num_threads(args.threads)
    numexpr.set_num_threads(args.threads)
    threads = nejit.get_num_threads()
    print(f"nejit {getattr(nejit, '__version__', '?')}, numexpr {numexpr.__version__}, "
          f"numpy {np.__version__}")
    print(f"{args.n:,} float64 elements per array; threads: nejit {threads}, "
          f"numexpr {numexpr.get_num_threads()}, numpy 1; median of {args.repeat} runs\n")

    # The first large allocations of a process are slow on some machines
    # (the kernel preparing huge pages); pay that before anything is timed.
    numpy_eval(EXPRESSIONS[0], arrays)
    tiny = {k: np.ascontiguousarray(v[:10]) for k, v in arrays.items()}
    # Start the JIT (LLVM's one-time set-up, ~10 ms) outside the table.
    nejit.evaluate("a * 1.5", local_dict=tiny)

    rows, failures = [], []
    for ex in EXPRESSIONS:
        expected = numpy_eval(ex, arrays)
        try:
            # The first call of a new expression: under the default tier
            # (auto) the interpreter answers it at once, and the JIT
            # compiles the machine code in the background once the kernel
            # is hot (the 1e7-element call makes it so). Both are shown.
            before = nejit.cache_stats()
            t0 = time.perf_counter()
            nejit.evaluate(ex, local_dict=tiny)
            first_ms = 1e3 * (time.perf_counter() - t0)
            after = nejit.cache_stats()
            tier = ("interp" if after["tier1_runs"] > before["tier1_runs"]
                    else "jit")
            result = nejit.evaluate(ex, local_dict=arrays)
        except Exception as e:  # report every expression, then fail
            failures.append(f"{ex}: nejit raised {type(e).__name__}: {e}")
            rows.append((ex, None, None, None, None, None, None, "ERROR"))
            continue
        problem = check(result, expected)
        if problem:
            failures.append(f"{ex}: {problem}")

        nejit_ms = median_ms(lambda: nejit.evaluate(ex, local_dict=arrays), args.repeat)
        numexpr_ms = median_ms(lambda: numexpr.evaluate(ex, local_dict=arrays), args.repeat)
        numpy_ms = median_ms(lambda: numpy_eval(ex, arrays), args.repeat)
        # By now the kernel is hot, and its machine code compiled (or being
        # compiled) in the background.
        compile_ms = background_compile_ms(nejit, before)
        rows.append((ex, f"{first_ms:.2f} {tier}", compile_ms, nejit_ms,
                     numexpr_ms, numpy_ms, "ok" if not problem else "WRONG"))

    header = ("expression", "1st call ms", "JIT compile ms", "nejit ms",
              "numexpr ms", "numpy ms", "vs numexpr", "vs numpy", "check")
    width = max(len(ex) for ex in EXPRESSIONS)
    fmt = (f"{{:<{width}}} | {{:>12}} | {{:>14}} | {{:>8}} | {{:>10}} | {{:>8}} |"
           " {:>10} | {:>8} | {}")
    print(fmt.format(*header))
    print("-" * len(fmt.format(*header)))
    for ex, first, compile_ms, nejit_ms, numexpr_ms, numpy_ms, status in rows:
        if nejit_ms is None:
            print(fmt.format(ex, "-", "-", "-", "-", "-", "-", "-", status))
            continue
        shown = "-" if compile_ms is None else f"{compile_ms:.1f}"
        print(fmt.format(ex, first, shown, f"{nejit_ms:.2f}",
                         f"{numexpr_ms:.2f}", f"{numpy_ms:.2f}",
                         f"{numexpr_ms / nejit_ms:.2f}x",
                         f"{numpy_ms / nejit_ms:.2f}x", status))
    print("\n1st call ms: the first nejit call of the expression, on 10-element"
          " arrays (parse, type, and run: 'interp' = answered by the\n"
          "  interpreter tier, 'jit' = by compiled code)\n"
          "JIT compile ms: the compile of its machine code (LLVM IR, ORC JIT), which"
          " ran in the background once the kernel was hot\n"
          "nejit ms: 1e7 elements, the result allocated per call as numexpr and "
          "numpy do; speedups > 1 mean nejit is faster")

    if failures:
        print("\nFAILED: nejit disagrees with numpy:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print(f"\nall {len(EXPRESSIONS)} results match numpy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
