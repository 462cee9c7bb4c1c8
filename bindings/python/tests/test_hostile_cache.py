"""The on-disk kernel cache seen from Python when its directory is hostile:
an entry that is a FIFO, a symbolic link to /dev/zero, a directory squatting
on an entry's name, a cache directory others may write or another user owns.

Each case runs `evaluate` in a fresh interpreter (the engine reads
NEJIT_CACHE_DIR once per process) bounded in time and resident memory, so a
loader that hangs on a FIFO or reads /dev/zero without end fails the test
instead of hanging or exhausting the machine. Cached kernels are machine
code: docs/reliability.md describes the trust model these tests hold to.
"""

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

PKG_DIR = str(Path(__file__).resolve().parents[1])  # bindings/python

_ENV_VARS = ("NEJIT_CACHE", "NEJIT_CACHE_DIR", "NEJIT_CACHE_ENTRIES",
             "NEJIT_CACHE_MAX_BYTES", "XDG_CACHE_HOME")

#: One expression per child: its single cache file is the entry to attack.
CHILD = """
    import json, sys
    import numpy as np
    import nejit as ne
    a = np.linspace(-2, 3, 1001)
    b = np.linspace(4, -1, 1001)
    exprs = sys.argv[1:]
    results = [float(ne.evaluate(e, local_dict=dict(a=a, b=b)).sum())
               for e in exprs]
    print(json.dumps(dict(stats=ne.cache_stats(), results=results)))
"""


def _rss_bytes(pid):
    try:
        with open("/proc/%d/statm" % pid) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def run_bounded(exprs, cache_dir, timeout=60, max_rss=2 << 30):
    """Evaluates exprs in a child with NEJIT_CACHE_DIR=cache_dir; kills it
    if it runs past timeout seconds or past max_rss resident bytes. Returns
    (parsed JSON of its last line, its stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in _ENV_VARS}
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["NEJIT_CACHE_DIR"] = str(cache_dir)
    # The disk cache holds JIT code: the interpreter tier would answer
    # these one-off calls without touching it.
    env["NEJIT_TIER"] = "jit"
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), *exprs], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    why = None
    while proc.poll() is None:
        if time.monotonic() - start > timeout:
            why = "still running after %d s" % timeout
        elif _rss_bytes(proc.pid) > max_rss:
            why = "resident memory above %d MiB" % (max_rss >> 20)
        if why:
            proc.kill()
            proc.communicate()
            pytest.fail("the child did not finish: " + why)
        time.sleep(0.005)
    out, err = proc.communicate()
    assert proc.returncode == 0, (
        "child failed (%d)\nstdout:\n%s\nstderr:\n%s"
        % (proc.returncode, out, err))
    return json.loads(out.strip().splitlines()[-1]), err


def _entries(cache):
    return sorted(p for p in Path(cache).iterdir()
                  if p.name.endswith(".nejitobj"))


def _expected(exprs):
    a = np.linspace(-2, 3, 1001)
    b = np.linspace(4, -1, 1001)
    return [float(eval(e, {"sin": np.sin, "exp": np.exp},
                       dict(a=a, b=b)).sum()) for e in exprs]


def _one_entry(tmp_path, expr="2*a + 3*b"):
    """A cache directory holding the single entry of expr; returns both."""
    cache = tmp_path / "cache"
    first, _ = run_bounded([expr], cache)
    assert first["stats"]["compiles"] == 1, first
    (entry,) = _entries(cache)
    return cache, entry


@pytest.mark.parametrize("replace", ["fifo", "devzero", "directory"])
def test_non_regular_entry_is_a_miss(tmp_path, replace):
    expr = "2*a + 3*b"
    cache, entry = _one_entry(tmp_path, expr)
    entry.unlink()
    if replace == "fifo":
        os.mkfifo(entry)
    elif replace == "devzero":
        entry.symlink_to("/dev/zero")
    else:
        entry.mkdir()
    second, err = run_bounded([expr], cache)
    assert second["stats"]["disk_hits"] == 0, second
    assert second["stats"]["compiles"] == 1, second
    np.testing.assert_allclose(second["results"], _expected([expr]))
    assert "warning" not in err, err


def test_squatted_entry_name_keeps_the_cache_on(tmp_path):
    # A directory on one entry's name makes that one store fail; the other
    # kernels of the same process must still be written.
    exprs = ["2*a + 3*b", "sin(a) - b", "exp(b) * a", "a*a - b"]
    cache, entry = _one_entry(tmp_path, exprs[0])
    entry.unlink()
    entry.mkdir()
    second, _ = run_bounded(exprs, cache)
    assert second["stats"]["compiles"] == len(exprs), second
    written = [p for p in _entries(cache) if p.is_file()]
    assert len(written) == len(exprs) - 1, written
    third, _ = run_bounded(exprs[1:], cache)
    assert third["stats"]["compiles"] == 0, third
    assert third["stats"]["disk_hits"] == len(exprs) - 1, third
    np.testing.assert_allclose(third["results"], _expected(exprs[1:]))


def test_symlinked_entry_is_not_followed(tmp_path):
    # A correct entry, reached through a link: refused, recompiled.
    expr = "2*a + 3*b"
    cache, entry = _one_entry(tmp_path, expr)
    moved = tmp_path / "elsewhere.nejitobj"
    entry.rename(moved)
    entry.symlink_to(moved)
    second, _ = run_bounded([expr], cache)
    assert second["stats"]["disk_hits"] == 0, second
    assert second["stats"]["compiles"] == 1, second


def _warnings(err):
    return [line for line in err.splitlines() if "nejit: warning:" in line]


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_directory_writable_by_others_is_refused_once(tmp_path, mode):
    exprs = ["2*a + 3*b", "sin(a) - b", "a*a - b"]
    cache, entry = _one_entry(tmp_path, exprs[0])
    os.chmod(cache, mode)
    second, err = run_bounded(exprs, cache)
    warnings = _warnings(err)
    assert len(warnings) == 1, err
    assert str(cache) in warnings[0] and "writable by group or others" \
        in warnings[0], warnings
    # Not read (the valid entry is not loaded) and not written.
    assert second["stats"]["disk_hits"] == 0, second
    assert second["stats"]["compiles"] == len(exprs), second
    assert _entries(cache) == [entry]
    np.testing.assert_allclose(second["results"], _expected(exprs))


def test_directory_of_another_user_is_refused_once(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a directory to another user")
    exprs = ["2*a + 3*b", "a*a - b"]
    cache, entry = _one_entry(tmp_path, exprs[0])
    os.chown(cache, 65534, 65534)
    second, err = run_bounded(exprs, cache)
    warnings = _warnings(err)
    assert len(warnings) == 1 and "owned by another user" in warnings[0], err
    assert second["stats"]["disk_hits"] == 0, second
    assert _entries(cache) == [entry]


def test_created_cache_directory_is_private(tmp_path):
    cache = tmp_path / "a" / "b" / "cache"
    old = os.umask(0o002)  # a permissive umask must not leak into the cache
    try:
        first, _ = run_bounded(["2*a + 3*b"], cache)
    finally:
        os.umask(old)
    assert first["stats"]["compiles"] == 1
    for d in (tmp_path / "a", tmp_path / "a" / "b", cache):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    (entry,) = _entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
