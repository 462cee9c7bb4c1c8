"""Non-contiguous operands: strided slices, transposes, Fortran order, broadcasting,
scalars; nejit vs numexpr vs numpy at 2 threads (numpy 1), median of 5, ms.

    .venv/bin/python bench/bench_layouts.py
"""
import numpy as np, numexpr as nx, nejit as ne, time
def med(f, k=5):
    f(); ts=[]
    for _ in range(k):
        t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
    return sorted(ts)[k//2]*1e3
rng=np.random.default_rng(0)
A=rng.random(20_000_000); B=rng.random(20_000_000)
m=rng.random((3000,3000)); mf=np.asfortranarray(m)
x=rng.random(3000); y=rng.random(3000)
cases=[("a[::2] style", "a*2+b", dict(a=A[::2], b=B[::2]), lambda: A[::2]*2+B[::2]),
       ("transposed", "m + n", dict(m=m, n=m.T), lambda: m+m.T),
       ("fortran", "m*2+n", dict(m=mf, n=mf), lambda: mf*2+mf),
       ("outer broadcast", "x+y", dict(x=x[:,None], y=y[None,:]), lambda: x[:,None]+y[None,:]),
       ("scalar", "a*s+1", dict(a=A[:10_000_000], s=2.5), lambda: A[:10_000_000]*2.5+1)]
ne.set_num_threads(2); nx.set_num_threads(2)
for name, e, env, npf in cases:
    r=ne.evaluate(e, local_dict=env); assert np.allclose(r, npf()), name
    print("%-16s nejit %7.2f  numexpr %7.2f  numpy %7.2f ms" % (name, med(lambda: ne.evaluate(e, local_dict=env)), med(lambda: nx.evaluate(e, local_dict=env)), med(npf)))
