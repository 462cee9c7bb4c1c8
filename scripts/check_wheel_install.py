#!/usr/bin/env python3
"""Checks an installed nejit wheel from inside the environment it went into.

Run by scripts/test_wheel.sh with the test venv's python (in the clean Debian
root, or a host venv of another Python), never against the dev build:

  1. nejit is the installed wheel, not a checkout's bindings/python;
  2. it gives numpy's answers through both tiers (the JIT compiles with the
     statically linked LLVM, Sleef functions resolve from the vendored
     libsleef) on 2 threads;
  3. pandas' eval/query run on the "nejit" engine;
  4. every shared object the process maps came from the wheel or the venv,
     or is glibc, libstdc++, libgcc or one the interpreter had loaded before
     nejit was imported (the interpreter's own: libz for zlib, libffi for
     ctypes, ...): no libLLVM, libsleef or libomp from the system.

The last line is `wheel-check: ok (...)`, or the script exits non-zero.
"""

import os
import re
import sys


def mapped_files():
    """Paths of the files mapped into this process (shared objects)."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                path = parts[5].strip()
                if ".so" in os.path.basename(path):
                    paths.add(os.path.realpath(path))
    return paths


# glibc's libraries, the loader, libstdc++ and libgcc_s: what a manylinux
# wheel may take from the system.
SYSTEM_OK = re.compile(r"^(libc|libm|libdl|librt|libpthread|libutil|libresolv|"
                       r"ld-linux-x86-64|libstdc\+\+|libgcc_s)[-.]")


def main():
    import numpy as np
    # pandas too: its stdlib imports (bz2, lzma, hashlib) map libbz2,
    # liblzma and libcrypto, which belong to the interpreter, not to nejit.
    import pandas as pd

    # Loaded by the interpreter, numpy, pandas and this script before nejit:
    # they are not the wheel's business.
    before = mapped_files()

    import nejit
    venv = os.path.realpath(sys.prefix)
    pkg = os.path.realpath(os.path.dirname(nejit.__file__))
    if not pkg.startswith(venv + os.sep):
        sys.exit(f"wheel-check: nejit imported from {pkg}, not from the venv {venv}")
    ext = os.path.realpath(nejit._nejit.__file__)

    # Both tiers, 2 threads, on arrays large enough to be split: the
    # interpreter's block kernels and the JIT (static LLVM + vendored Sleef).
    nejit.set_num_threads(2)
    rng = np.random.default_rng(0)
    a = rng.uniform(-3, 3, 1_000_003)
    b = rng.uniform(0.5, 2, 1_000_003)
    checks = 0
    for tier in ("interp", "jit"):
        nejit.set_tier(tier)
        for expr, want in (("2*a + 3*b", 2 * a + 3 * b),
                           ("sin(a) * exp(-b)", np.sin(a) * np.exp(-b)),
                           ("where(a > 0, log(b), a**2)",
                            np.where(a > 0, np.log(b), a ** 2)),
                           ("sum(a*b)", np.sum(a * b))):
            got = nejit.evaluate(expr, local_dict={"a": a, "b": b})
            if not np.allclose(got, want, rtol=1e-13, atol=1e-12):
                sys.exit(f"wheel-check: tier {tier}: {expr} differs from numpy")
            checks += 1
    nejit.set_tier("auto")

    # pandas' engine.
    import nejit.pandas  # noqa: F401  registers engine="nejit"
    df = pd.DataFrame({"a": a[:1000], "b": b[:1000]})
    got = df.eval("2*a + 3*b", engine="nejit")
    if not np.allclose(got.to_numpy(), 2 * df.a.to_numpy() + 3 * df.b.to_numpy()):
        sys.exit("wheel-check: pandas eval(engine='nejit') differs")
    q = df.query("a > 0 and b < 1.5", engine="nejit")
    if len(q) != int(((df.a > 0) & (df.b < 1.5)).sum()):
        sys.exit("wheel-check: pandas query(engine='nejit') differs")
    checks += 2

    after = mapped_files()
    libs = os.path.join(os.path.dirname(pkg), "nejit.libs")
    bad, vendored = [], []
    for path in sorted(after - before):
        name = os.path.basename(path)
        if path.startswith(os.path.realpath(libs) + os.sep):
            vendored.append(name)
        elif path.startswith(venv + os.sep):
            pass  # the wheel's extension, numpy's and pandas' own
        elif SYSTEM_OK.match(name):
            pass
        else:
            bad.append(path)
    print(f"extension: {ext}")
    print("mapped since `import nejit`:")
    for path in sorted(after - before):
        print(f"  {path}")
    print(f"({len(before)} shared objects were mapped before, by the "
          f"interpreter, numpy and pandas)")
    # No LLVM, Sleef or OpenMP runtime from outside the wheel, whenever
    # it was loaded.
    for path in sorted(after):
        name = os.path.basename(path)
        if (re.match(r"^lib(LLVM|sleef|omp|iomp5|gomp)", name)
                and not path.startswith(os.path.realpath(libs) + os.sep)
                and path not in before):
            bad.append(path)
    if bad:
        print("not from the wheel, the venv or glibc/libstdc++/libgcc:")
        for path in sorted(set(bad)):
            print(f"  {path}")
        sys.exit("wheel-check: FAILED (libraries from outside the wheel)")
    if not any(n.startswith("libsleef") for n in vendored) or \
       not any(n.startswith("libomp") for n in vendored):
        sys.exit(f"wheel-check: FAILED: libsleef and libomp should come from "
                 f"{libs}, mapped from there: {vendored}")
    print(f"wheel-check: ok ({checks} results checked, vendored: "
          f"{', '.join(sorted(vendored))})")


if __name__ == "__main__":
    main()
