"""What a nejit call costs the code that runs next.

After a parallel region, libomp's idle workers spin before sleeping (200 ms
by default), taking a core from whatever the program does next. nejit sets
that wait to 1 ms unless KMP_BLOCKTIME or OMP_WAIT_POLICY is set. This times
numexpr (2 threads) on `2*a + 3*b`, 1e7 float64, right after a nejit call,
in three fresh processes per setting: numexpr's median of 9 calls alone, then
right after a batch of 9 nejit calls.

    .venv/bin/python bench/bench_after_call.py
"""
import os
import subprocess
import sys

CHILD = r"""
import time, statistics, numpy as np, numexpr, nejit
a = np.random.rand(10_000_000); b = np.random.rand(10_000_000)
out = np.empty_like(a)
nejit.set_num_threads(2); numexpr.set_num_threads(2)
def median_ms(f):
    ts = []
    for _ in range(9):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3
numexpr.evaluate("2*a + 3*b", out=out)
alone = median_ms(lambda: numexpr.evaluate("2*a + 3*b", out=out))
median_ms(lambda: nejit.evaluate("2*a + 3*b", out=out))  # a batch of nejit calls
after = median_ms(lambda: numexpr.evaluate("2*a + 3*b", out=out))
print("%.1f %.1f" % (alone, after))
"""

# The other side of the trade: back-to-back calls just above the parallel
# threshold, which a zero wait would make pay a thread wake-up each time.
SMALL = r"""
import time, numpy as np, nejit
a = np.random.rand(40_000); b = np.random.rand(40_000); out = np.empty_like(a)
nejit.set_num_threads(2); nejit.evaluate("2*a + 3*b", out=out)
ts = []
for _ in range(2001):
    t = time.perf_counter(); nejit.evaluate("2*a + 3*b", out=out)
    ts.append(time.perf_counter() - t)
print("%.1f" % (sorted(ts)[1000] * 1e6))
"""


def main():
    print("numexpr 2*a+3*b (1e7 f8, 2 threads), ms: alone | right after nejit calls")
    for label, extra in (("nejit's default (1 ms)", {}),
                         ("libomp's default (KMP_BLOCKTIME=200)",
                          {"KMP_BLOCKTIME": "200"})):
        env = dict(os.environ, **extra)
        env.pop("OMP_WAIT_POLICY", None)
        if not extra:
            env.pop("KMP_BLOCKTIME", None)
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", CHILD], env=env,
                                 check=True, capture_output=True,
                                 text=True).stdout.split()
            print(f"{label:38} {out[0]:>6} | {out[1]:>6}")
    print("\nnejit 2*a+3*b on 40,000 f8 (2 threads), back-to-back, median us")
    for blocktime in ("0", None, "200"):
        env = dict(os.environ)
        env.pop("OMP_WAIT_POLICY", None)
        env.pop("KMP_BLOCKTIME", None)
        if blocktime is not None:
            env["KMP_BLOCKTIME"] = blocktime
        label = ("KMP_BLOCKTIME=" + blocktime if blocktime is not None
                 else "nejit's default (1 ms)")
        out = subprocess.run([sys.executable, "-c", SMALL], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        print(f"{label:38} {out:>6}")


if __name__ == "__main__":
    main()
