"""The result-buffer pool (bindings/python/src/ResultPool.cpp): arrays
evaluate() returns are allocated through nejit's numpy memory handler and
their large buffers are reused; they must be indistinguishable from arrays
numpy allocates, and the pool must stay within its bounds."""
import gc
import os
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest

import nejit
from nejit import _nejit

PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(nejit.__file__)))
BIG = (1 << 20) // 8 + 1000  # float64 elements just above the 1 MiB threshold


def stats():
    return _nejit._pool_stats()


def run_child(code, **env):
    full = dict(os.environ, PYTHONPATH=PKG_DIR, NEJIT_POOL="1")
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(autouse=True)
def empty_pool():
    gc.collect()
    _nejit.release_memory()
    yield
    gc.collect()
    _nejit.release_memory()


def test_large_results_come_from_the_pool_and_are_reused():
    if not stats()["enabled"]:
        pytest.skip("NEJIT_POOL=0 in this environment")
    a = np.arange(BIG, dtype=np.float64)
    before = stats()
    r = nejit.evaluate("2*a + 1")
    assert r.flags.owndata and r.flags.c_contiguous and r.flags.writeable
    assert stats()["mapped"] == before["mapped"] + 1
    ptr = r.ctypes.data
    del r
    assert stats()["pooled_entries"] == 1
    r2 = nejit.evaluate("3*a")
    assert r2.ctypes.data == ptr, "a freed buffer of the same size is reused"
    assert stats()["reused"] == before["reused"] + 1
    np.testing.assert_array_equal(r2, 3 * a)


def test_small_results_bypass_the_pool():
    a = np.arange(1000.0)
    before = stats()
    r = nejit.evaluate("a + 1")
    del r
    after = stats()
    assert after["mapped"] == before["mapped"]
    assert after["pooled_entries"] == 0


def test_pooled_arrays_behave_like_numpy_arrays():
    a = np.linspace(0, 1, BIG)
    r = nejit.evaluate("a * 2")
    expect = a * 2
    # pickling copies the data out
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(r)), expect)
    # a view outlives its base's name
    v = r[10:20]
    del r
    gc.collect()
    np.testing.assert_array_equal(v, expect[10:20])
    del v
    # resize (the handler's realloc), growing and shrinking
    r = nejit.evaluate("a * 2")
    r.resize(2 * BIG, refcheck=False)
    np.testing.assert_array_equal(r[:BIG], expect)
    assert np.all(r[BIG:] == 0), "numpy zero-fills the grown part"
    r.resize(100, refcheck=False)
    np.testing.assert_array_equal(r, expect[:100])
    r.resize(BIG, refcheck=False)
    np.testing.assert_array_equal(r[:100], expect[:100])
    del r
    # numpy's own operations on pooled arrays
    r = nejit.evaluate("a * 2")
    np.testing.assert_array_equal(np.sort(r)[::-1][:5], np.sort(expect)[::-1][:5])
    c = r.copy()
    assert c.flags.owndata
    del r
    np.testing.assert_array_equal(c, expect)


def test_reused_buffers_carry_no_stale_data_into_results():
    a = np.full(BIG, 7.0)
    r = nejit.evaluate("a + 0")
    del r
    b = np.zeros(BIG)
    r = nejit.evaluate("b * 1")
    assert not r.any()


def test_bound_holds_under_eight_threads():
    limit = 6 * BIG * 8
    out = run_child(f"""
import threading, numpy as np, nejit
from nejit import _nejit
errors = []
a = np.ones({BIG} * 2)
def work(seed):
    rng = np.random.default_rng(seed)
    keep = []
    for i in range(60):
        n = int(rng.integers({BIG}, {BIG} * 2))
        r = nejit.evaluate('x * 2', local_dict={{'x': a[:n]}})
        if r[0] != 2 or r.shape != (n,):
            errors.append((seed, i))
        keep.append(r)
        if len(keep) > 2:
            keep.pop(0)
        s = _nejit._pool_stats()
        if s['pooled_bytes'] > s['max_bytes'] or s['pooled_entries'] > s['max_entries']:
            errors.append(('bound', s))
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
s = _nejit._pool_stats()
print(len(errors), s['pooled_bytes'] <= s['max_bytes'], s['reused'] > 0)
""", NEJIT_POOL_MAX_BYTES=str(limit), NEJIT_POOL_MAX_ENTRIES="4")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "True", "True"]


def test_arrays_outliving_the_module_and_the_interpreter():
    # Results kept in module globals and in a reference cycle are freed
    # during interpreter shutdown, after nejit's own teardown.
    out = run_child(f"""
import numpy as np, nejit, sys
a = np.ones({BIG})
keep = [nejit.evaluate('a + 1') for _ in range(3)]
class Cycle: pass
c = Cycle(); c.me = c; c.arr = nejit.evaluate('a * 3')
sys.modules['nejit_keep'] = keep
del sys.modules['nejit']
print('ok')
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_pool_off_gives_numpy_allocations():
    out = run_child(f"""
import numpy as np, nejit
from nejit import _nejit
a = np.ones({BIG})
r = nejit.evaluate('a + 1')
s = _nejit._pool_stats()
print(s['enabled'], s['mapped'], r.flags.owndata, float(r[0]))
""", NEJIT_POOL="0")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "0", "True", "2.0"]


def test_release_memory_empties_the_pool():
    a = np.ones(BIG)
    rs = [nejit.evaluate("a + %d" % k, local_dict={"a": a}) for k in range(3)]
    del rs
    gc.collect()
    pooled = stats()["pooled_bytes"]
    released = nejit.release_memory()
    assert released == pooled
    assert stats()["pooled_entries"] == 0


def _vm_flags(address):
    """The VmFlags of the mapping of /proc/self/smaps that holds address."""
    with open("/proc/self/smaps") as f:
        inside = False
        for line in f:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= address < hi
            elif inside and head == "VmFlags:":
                return line.split()[1:]
    raise AssertionError(f"no mapping holds {address:#x}")


@pytest.mark.skipif(
    not os.path.exists("/proc/self/smaps")
    or not os.path.exists("/sys/kernel/mm/transparent_hugepage"),
    reason="needs Linux's /proc/self/smaps and transparent huge pages")
def test_large_results_are_huge_page_aligned_and_advised():
    # As numpy does for its own arrays of 4 MiB or more: 2 MiB-aligned and
    # MADV_HUGEPAGE ("hg"), so that a memory-bound kernel writing a pooled
    # result is not slowed by TLB misses.
    a = np.ones((8 << 20) // 8)
    r = nejit.evaluate("a + 1")
    address = r.ctypes.data
    assert address % (2 << 20) == 0
    assert "hg" in _vm_flags(address)
    small = nejit.evaluate("a + 1", local_dict={"a": a[: (2 << 20) // 8]})
    assert "hg" not in _vm_flags(small.ctypes.data)
    assert np.array_equal(r, a + 1)
