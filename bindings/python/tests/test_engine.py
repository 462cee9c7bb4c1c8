"""The JIT engine seen from Python: the on-disk cache across processes,
fork(), thread-count settings from the environment, and compiling from many
threads at once.

Most tests run a fresh interpreter, because the engine reads its environment
(NEJIT_CACHE, NEJIT_CACHE_DIR, thread variables) once per process. Nothing
here asserts a timing.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import nejit as ne

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python

#: Variables that would change what a child process does.
_ENV_VARS = ("NEJIT_CACHE", "NEJIT_CACHE_DIR", "NEJIT_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS", "NUMEXPR_MAX_THREADS",
             "NEJIT_CACHE_ENTRIES", "NEJIT_CACHE_MAX_BYTES", "NEJIT_TIER")


def run_python(code, env=None, timeout=120):
    """Runs code in a fresh interpreter with a clean nejit environment plus
    env; returns the JSON object the code prints on its last line."""
    full_env = {k: v for k, v in os.environ.items() if k not in _ENV_VARS}
    full_env["PYTHONPATH"] = PKG_DIR + os.pathsep + full_env.get(
        "PYTHONPATH", "")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (
        "child failed (%d)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: About ten varied expressions: dtypes, functions, reductions, layouts.
#: Each result is saved to an .npz file named by argv[1].
EVALUATE_SET = """
    import json, sys
    import numpy as np
    import nejit as ne

    n = 1000
    a = np.linspace(-3, 5, n)
    b = np.linspace(2, -1, n)
    x = a.astype(np.float32)
    y = b.astype(np.float32)
    i = np.arange(-500, 500, dtype=np.int32)
    j = np.arange(n, dtype=np.int32) % 13 - 6
    k = np.arange(n, dtype=np.int64) * 3
    z = a + 1j * b
    m = a.reshape(20, 50)
    ms = m[:, ::2]  # a strided view
    local = dict(a=a, b=b, x=x, y=y, i=i, j=j, k=k, z=z, m=m, ms=ms)
    exprs = [
        "2*a + 3*b",
        "a*b - 4.1*a > 2.5*b",
        "sin(a)**2 + cos(a)**2",
        "where(a > 0, log(a), b)",
        "sum(a*b)",
        "sum(m**2, axis=1)",
        "max(a - b)",
        "i*3 + j // 2 - i % 7",
        "k * 2 + 1",
        "exp(x) * y - sqrt(abs(y))",
        "abs(z) + real(z*z)",
        "(a > 0) & (b < 1)",
        "arctan2(a, b)",
        "2*ms + 1",
    ]
    out = {}
    for idx, e in enumerate(exprs):
        out["r%d" % idx] = ne.evaluate(e, local_dict=local)
    np.savez(sys.argv[1] if len(sys.argv) > 1 else OUT, **out)
    print(json.dumps(ne.cache_stats()))
"""


def _evaluate_set(tmp_path, env, name):
    npz = tmp_path / (name + ".npz")
    code = EVALUATE_SET.replace("sys.argv[1] if len(sys.argv) > 1 else OUT",
                                repr(str(npz)))
    stats = run_python(code, env=env)
    with np.load(npz) as f:
        results = {k: f[k] for k in f.files}
    return stats, results


def _assert_same(r1, r2):
    assert r1.keys() == r2.keys()
    for key in r1:
        assert r1[key].dtype == r2[key].dtype, key
        np.testing.assert_array_equal(r1[key], r2[key], err_msg=key)


def _cache_files(d):
    return sorted(p for p in Path(d).iterdir() if p.name.endswith(".nejitobj"))


def test_disk_cache_second_process_compiles_nothing(tmp_path):
    cache = tmp_path / "cache"
    # The JIT tier: these count compiles and files of the disk cache.
    env = {"NEJIT_CACHE_DIR": str(cache), "NEJIT_TIER": "jit"}
    s1, r1 = _evaluate_set(tmp_path, env, "first")
    assert s1["compiles"] > 0 and s1["disk_hits"] == 0, s1
    assert len(_cache_files(cache)) == s1["compiles"]
    s2, r2 = _evaluate_set(tmp_path, env, "second")
    assert s2["compiles"] == 0, s2
    assert s2["disk_hits"] == s1["compiles"], (s1, s2)
    _assert_same(r1, r2)


def test_disk_cache_off_writes_nothing(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"NEJIT_CACHE_DIR": str(cache), "NEJIT_CACHE": "0",
           "NEJIT_TIER": "jit"}
    s1, r1 = _evaluate_set(tmp_path, env, "first")
    s2, r2 = _evaluate_set(tmp_path, env, "second")
    assert list(cache.iterdir()) == []
    assert s1["disk_hits"] == s2["disk_hits"] == 0
    assert s2["compiles"] == s1["compiles"] > 0
    _assert_same(r1, r2)


def test_corrupt_cache_files_are_survived(tmp_path):
    cache = tmp_path / "cache"
    # The JIT tier: these count compiles and files of the disk cache.
    env = {"NEJIT_CACHE_DIR": str(cache), "NEJIT_TIER": "jit"}
    s1, r1 = _evaluate_set(tmp_path, env, "first")
    files = _cache_files(cache)
    assert len(files) >= 4
    # Four kinds of damage: truncated, a flipped payload byte, garbage of
    # the same size, empty. The rest stay intact.
    data = files[0].read_bytes()
    files[0].write_bytes(data[: len(data) // 2])
    data = bytearray(files[1].read_bytes())
    data[-100] ^= 0xFF
    files[1].write_bytes(bytes(data))
    files[2].write_bytes(os.urandom(len(files[2].read_bytes())))
    files[3].write_bytes(b"")
    # Stray files in the directory are not ours to read.
    (cache / "not-a-kernel.nejitobj").write_bytes(b"NEJITOBJ" + b"\0" * 40)
    (cache / "README").write_text("hello")
    s2, r2 = _evaluate_set(tmp_path, env, "second")
    assert s2["compiles"] == 4, s2
    assert s2["disk_hits"] == s1["compiles"] - 4, s2
    _assert_same(r1, r2)
    # The damaged files were rewritten: a third process compiles nothing.
    s3, r3 = _evaluate_set(tmp_path, env, "third")
    assert s3["compiles"] == 0, s3
    _assert_same(r1, r3)


#: Prints the thread settings as nejit and as numexpr see them, after a
#: fixed sequence of set_num_threads calls.
THREADS_PROBE = """
    import contextlib, io, json, sys
    mod = __import__(sys.argv[1] if len(sys.argv) > 1 else MODULE)
    report = {"initial": mod.get_num_threads(),
              "nthreads": mod.nthreads,
              "max": mod.MAX_THREADS if hasattr(mod, "MAX_THREADS")
                     else mod.utils.MAX_THREADS}
    if hasattr(mod, "_nejit"):
        report["core"] = mod._nejit.get_num_threads()
    seq = []
    for n in (3, 0, -1, 10**6, 2, 1):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                r = mod.set_num_threads(n)
            except Exception as e:
                r = type(e).__name__
        seq.append([n, r, mod.get_num_threads()])
    report["seq"] = seq
    print(json.dumps(report))
"""


def _threads(module, env):
    code = THREADS_PROBE.replace(
        "sys.argv[1] if len(sys.argv) > 1 else MODULE", repr(module))
    return run_python(code, env=env)


@pytest.mark.parametrize("env,expected", [
    ({"NUMEXPR_NUM_THREADS": "3", "OMP_NUM_THREADS": "1"}, 3),
    ({"OMP_NUM_THREADS": "3"}, 3),
    ({"NUMEXPR_NUM_THREADS": "1"}, 1),
    ({}, None),  # min(cores, 16)
])
def test_thread_environment_like_numexpr(env, expected):
    got = _threads("nejit", env)
    if expected is None:
        expected = min(os.cpu_count() or 1, 16)
    assert got["initial"] == got["nthreads"] == expected, got
    assert got["core"] == expected, got
    # set_num_threads returns the previous value; bad values (0, negative,
    # above NUMEXPR_MAX_THREADS) return -1 and change nothing: numexpr's
    # behaviour, checked against numexpr itself.
    assert got["seq"][0] == [3, expected, 3]
    assert got["seq"][1:4] == [[0, -1, 3], [-1, -1, 3], [10**6, -1, 3]]
    assert got["seq"][4:] == [[2, 3, 2], [1, 2, 1]]
    pytest.importorskip("numexpr")
    ref = _threads("numexpr", env)
    assert got["seq"] == ref["seq"]
    assert (got["initial"], got["nthreads"], got["max"]) == (
        ref["initial"], ref["nthreads"], ref["max"])


def test_nejit_num_threads_comes_first():
    got = _threads("nejit", {"NEJIT_NUM_THREADS": "3",
                             "NUMEXPR_NUM_THREADS": "2",
                             "OMP_NUM_THREADS": "1"})
    assert got["initial"] == got["core"] == 3, got


def test_numexpr_max_threads_caps():
    env = {"NUMEXPR_MAX_THREADS": "4"}
    got = _threads("nejit", env)
    assert got["max"] == 4
    assert got["initial"] == got["core"] == min(4, 16) == 4
    # numexpr refuses 10**6 > NUMEXPR_MAX_THREADS with -1
    assert got["seq"][3] == [10**6, -1, 3]
    # A request above the cap from the environment: numexpr refuses it at
    # import (its get_num_threads then reports 1); nejit's runtime never
    # runs more than the cap.
    env = {"NUMEXPR_MAX_THREADS": "2", "NUMEXPR_NUM_THREADS": "8"}
    got = _threads("nejit", env)
    assert got["core"] <= 2, got
    pytest.importorskip("numexpr")
    ref = _threads("numexpr", env)
    assert (got["initial"], got["nthreads"], got["max"]) == (
        ref["initial"], ref["nthreads"], ref["max"])
    assert got["seq"] == ref["seq"]


def test_set_num_threads_in_process():
    old = ne.set_num_threads(2)
    try:
        assert ne.get_num_threads() == 2
        assert ne.set_num_threads(1) == 2
        assert ne.get_num_threads() == 1
        assert ne.set_num_threads(0) == -1
        assert ne.get_num_threads() == 1
    finally:
        ne.set_num_threads(old)


#: Large enough that the runtime splits the work over its threads.
N_THREADED = 200_000


def _fork_and_wait(child, timeout=60):
    """Runs child() in a forked process; returns its exit status. A child
    that does not finish within timeout is killed and the test fails."""
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            code = 0 if child() else 2
        except BaseException:  # noqa: BLE001
            import traceback
            traceback.print_exc()
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("forked child hung for %ds" % timeout)
        time.sleep(0.01)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_after_threaded_evaluate():
    a = np.linspace(0, 10, N_THREADED)
    b = np.linspace(5, -5, N_THREADED)
    old = ne.set_num_threads(2)
    try:
        # The JIT, its caches and the OpenMP pool exist before the fork.
        np.testing.assert_allclose(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)
        np.testing.assert_allclose(ne.evaluate("sum(a*b)"), np.sum(a * b))
        salt = os.getpid()  # a never-seen expression in the child

        def child():
            ok = np.allclose(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)
            ok &= np.allclose(ne.evaluate("sum(a*b)"), np.sum(a * b))
            got = ne.evaluate("sin(a)*%d.5 - b" % salt)
            ok &= np.allclose(got, np.sin(a) * (salt + 0.5) - b)
            ne.set_num_threads(1)
            ok &= np.allclose(ne.evaluate("a - %d*b" % salt), a - salt * b)
            return ok

        assert _fork_and_wait(child) == 0
        # The parent is unaffected.
        np.testing.assert_allclose(ne.evaluate("2*a + 3*b"), 2 * a + 3 * b)
    finally:
        ne.set_num_threads(old)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_while_other_threads_compile():
    # Another Python thread keeps compiling new expressions while the main
    # thread forks: whatever locks it holds at that moment, the child must
    # still be able to compile and run.
    a = np.linspace(1, 2, N_THREADED)
    stop = threading.Event()
    errors = []

    def compiler():
        c = 0
        while not stop.is_set():
            c += 1
            try:
                r = ne.evaluate("a*%d.25 + 1" % (c + 10 * os.getpid()),
                                local_dict={"a": a[:100]})
                assert r[0] == a[0] * (c + 10 * os.getpid() + 0.25) + 1
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                return

    t = threading.Thread(target=compiler)
    t.start()
    try:
        for f in range(4):
            time.sleep(0.02)

            def child(f=f):
                r = ne.evaluate("a*%d.75 - 2" % (f + 100 * os.getpid()))
                return np.allclose(r, a * (f + 100 * os.getpid() + 0.75) - 2)

            assert _fork_and_wait(child) == 0
    finally:
        stop.set()
        t.join()
    assert not errors, errors


def test_threads_compiling_distinct_new_expressions():
    # Eight threads each compile six expressions nobody compiled before,
    # all at once; each result must equal the serial one.
    nthreads, per_thread = 8, 6
    salt = int(time.time() * 1000) % 100000
    a = np.linspace(-2, 2, 5000)
    b = np.linspace(3, 1, 5000)
    # Literals are run-time parameters of a kernel, so the constant alone
    # would not make a new kernel: each thread also expands its own power
    # of b (into a tree of multiplies).
    forms = ["a*{c} + b**{n}", "where(a > {c}, a, b**{n}*{c})",
             "sin(a)*{c} - b**{n}", "sum(a*{c} + b**{n})",
             "(a + {c})**2 - b**{n}", "exp(a/{c}) * b**{n}"]

    def expr(t, j):
        c = "%d.%03d" % (salt, t * per_thread + j + 1)
        return forms[j].format(c=c, n=t + 2)

    barrier = threading.Barrier(nthreads)
    results = [[None] * per_thread for _ in range(nthreads)]
    errors = []

    def work(t):
        try:
            barrier.wait()
            for j in range(per_thread):
                results[t][j] = ne.evaluate(expr(t, j),
                                            local_dict={"a": a, "b": b})
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    before = ne.cache_stats()
    ts = [threading.Thread(target=work, args=(t,)) for t in range(nthreads)]
    tier = ne.set_tier("jit")  # compiles, not the interpreter
    try:
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    finally:
        ne.set_tier(tier)
    assert not errors, errors
    after = ne.cache_stats()
    assert after["misses"] - before["misses"] >= nthreads * per_thread
    # The serial answer, from kernels compiled afresh one at a time.
    ne.clear_cache()
    for t in range(nthreads):
        for j in range(per_thread):
            serial = ne.evaluate(expr(t, j), local_dict={"a": a, "b": b})
            np.testing.assert_array_equal(results[t][j], serial)
