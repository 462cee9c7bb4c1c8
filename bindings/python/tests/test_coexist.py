"""nejit in one process with numba's LLVM and with other OpenMP runtimes.

Each case runs in a fresh interpreter (what is loaded, and in which order,
is the point), checks every result against numpy, and fails on an
`OMP: Error` (e.g. #15, two KMP-family runtimes initialized), a crash or a
wrong answer. They run against the dev build (shared libLLVM, Debian's
libomp) in scripts/test.sh and against each installed wheel (static LLVM,
vendored libomp) in scripts/test_wheel.sh.

Thread budget: nejit's parallel region on N threads (set_num_threads) adds
N - 1 workers to the process, whatever other runtimes' pools exist.
"""

import ctypes.util
import glob
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nejit

# Run in the child: the same interpreter, importing the same nejit.
_NEJIT_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nejit.__file__)))

_PRELUDE = """
import os, sys, ctypes
import numpy as np

def tasks():
    return len(os.listdir("/proc/self/task"))

def check(got, want, what):
    if not np.allclose(got, want, rtol=1e-12, atol=1e-9):
        sys.exit("wrong result: %s" % what)

RNG = np.random.default_rng(1)
A = RNG.uniform(-2, 2, 2_000_003)
B = RNG.uniform(0.5, 2, 2_000_003)

def run_nejit(expr="2*a + 3*sin(b)", threads=2):
    import nejit
    nejit.set_num_threads(threads)
    want = {"2*a + 3*sin(b)": 2 * A + 3 * np.sin(B),
            "exp(-a*a) / b": np.exp(-A * A) / B}[expr]
    for tier in ("interp", "jit"):
        nejit.set_tier(tier)
        before = tasks()
        check(nejit.evaluate(expr, local_dict={"a": A, "b": B}), want,
              "nejit %s (%s)" % (expr, tier))
        check(nejit.evaluate("sum(a*b)", local_dict={"a": A, "b": B}),
              np.sum(A * B), "nejit sum (%s)" % tier)
        grown = tasks() - before
        if grown > threads - 1:
            sys.exit("nejit on %d threads added %d threads" % (threads, grown))
    nejit.set_tier("auto")
"""


def _run(body, env=None, timeout=600):
    code = _PRELUDE + textwrap.dedent(body)
    e = dict(os.environ)
    e["PYTHONPATH"] = _NEJIT_PATH + os.pathsep + e.get("PYTHONPATH", "")
    # Other libraries' pools at 2 threads too, as the issue's machines have.
    e.setdefault("NUMBA_NUM_THREADS", "2")
    e.update(env or {})
    p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, env=e, timeout=timeout)
    out = p.stdout + p.stderr
    assert "OMP: Error" not in out, out
    if p.returncode == 0 and p.stdout.startswith("SKIP: "):
        pytest.skip(p.stdout[6:].strip())
    assert p.returncode == 0, f"exit {p.returncode}:\n{out}"
    return p.stdout


# --- numba (llvmlite's own, statically linked LLVM) ---------------------------

_NUMBA = """
import numba
from numba import njit, prange

@njit(parallel=True)
def numba_kernel(a, b):
    s = 0.0
    for i in prange(a.size):
        s += 2 * a[i] + 3 * np.sin(b[i])
    return s

def run_numba(dtype=np.float64):
    a, b = A.astype(dtype), B.astype(dtype)
    got = numba_kernel(a, b)
    want = np.sum(2 * a.astype(np.float64) + 3 * np.sin(b.astype(np.float64)))
    if not np.isclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-9):
        sys.exit("wrong result: numba %s: %r != %r" % (dtype, got, want))
"""


def _numba_or_skip():
    pytest.importorskip("numba")


def test_numba_then_nejit():
    _numba_or_skip()
    _run(_NUMBA + """
run_numba()
run_nejit()
# Both JITs compile again once both LLVMs are loaded.
run_numba(np.float32)
run_nejit("exp(-a*a) / b")
print("numba layer:", numba.threading_layer())
""")


def test_nejit_then_numba():
    _numba_or_skip()
    _run("""
run_nejit()
""" + _NUMBA + """
run_numba()
run_nejit("exp(-a*a) / b")
run_numba(np.float32)
print("numba layer:", numba.threading_layer())
""")


# --- libgomp (GNU OpenMP), through numba's "omp" threading layer -------------

def test_with_libgomp_via_numba_omp_layer():
    _numba_or_skip()
    out = _run(_NUMBA + """
try:
    run_numba()
except ValueError as e:  # "No threading layer could be loaded" (no libgomp)
    print("SKIP: numba's omp threading layer cannot load here:", e)
    sys.exit(0)
if numba.threading_layer() != "omp":
    print("SKIP: numba chose", numba.threading_layer())
    sys.exit(0)
gomp = [l for l in open("/proc/self/maps") if "libgomp" in l]
assert gomp, "numba's omp layer without libgomp mapped?"
for i in range(3):  # interleaved: both pools alive at once
    run_nejit()
    run_numba()
run_nejit("exp(-a*a) / b")
print("ok: libgomp and nejit's libomp")
""", env={"NUMBA_THREADING_LAYER": "omp"})
    assert "ok: libgomp" in out


# --- a second KMP-family runtime (intel-openmp's libiomp5, or another libomp) --
# Two of these in one process abort with OMP: Error #15 unless
# KMP_DUPLICATE_LIB_OK is set, whichever initializes second; nejit sets it
# (docs/design.md, "OpenMP runtimes in one process").

def _nejit_libomp():
    """The OpenMP runtime file nejit is using in this process."""
    nejit.set_num_threads(2)
    nejit.evaluate("sum(a)", local_dict={"a": np.ones(1_000_000)})
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libomp"):
                return os.path.realpath(path)
    return None


def _other_kmp_runtime():
    mine = _nejit_libomp()
    candidates = glob.glob(os.path.join(sys.prefix, "lib", "libiomp5.so*"))
    for name in ("iomp5", "omp"):
        found = ctypes.util.find_library(name)
        if found:
            candidates.append(found)
    candidates += glob.glob("/usr/lib/llvm-*/lib/libomp.so.5")
    for c in candidates:
        try:
            handle = ctypes.CDLL(c)  # resolves a bare soname to its path
        except OSError:
            continue
        del handle
        with open("/proc/self/maps") as f:
            paths = {os.path.realpath(l.split()[-1]) for l in f
                     if os.path.basename(l.split()[-1]).startswith(
                         os.path.basename(c).split(".so")[0])}
        for p in paths:
            if p != mine:
                return p
    return None


_KMP = """
OTHER = ctypes.CDLL(os.environ["NEJIT_TEST_OTHER_OMP"])
REGION = ctypes.CFUNCTYPE(None, ctypes.c_void_p)

def run_other():
    # A parallel region of the other runtime (GOMP_parallel, which
    # libiomp5 and libomp both implement), on 2 threads.
    seen = []
    def body(_):
        seen.append((OTHER.omp_get_thread_num(), OTHER.omp_get_num_threads()))
    cb = REGION(body)
    OTHER.GOMP_parallel(cb, None, 2, 0)
    if sorted(seen) != [(0, 2), (1, 2)]:
        sys.exit("wrong result: the other runtime's region ran as %r" % seen)
"""


@pytest.mark.parametrize("order", ["other-first", "nejit-first"])
def test_with_second_kmp_runtime(order):
    other = _other_kmp_runtime()
    if other is None:
        pytest.skip("no second KMP-family OpenMP runtime here (intel-openmp's "
                    "libiomp5, or a libomp other than nejit's)")
    steps = ("run_other()\nrun_nejit()\n" if order == "other-first"
             else "run_nejit()\nrun_other()\n")
    out = _run(_KMP + steps + """
for i in range(3):
    run_other()
    run_nejit("exp(-a*a) / b")
maps = {os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps")
        if "omp" in os.path.basename(l.split()[-1])}
print("ok:", sorted(maps))
""", env={"NEJIT_TEST_OTHER_OMP": other})
    assert "ok:" in out
    # Both runtimes really were in the process.
    assert os.path.realpath(other) in out


def test_set_num_threads_bounds_nejit_workers():
    """No oversubscription from nejit: N threads means N - 1 new workers."""
    _run("""
import nejit
for n in (1, 2):
    run_nejit(threads=n)
print("ok")
""")
