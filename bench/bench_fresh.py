"""Fresh results vs out=: nejit vs numexpr vs numpy on 13 expressions over
1e7-element float64 arrays, at 1 and 2 threads, in one run, against the
streaming-store bandwidth of this machine measured in the same run.

    .venv/bin/python bench/bench_fresh.py [--n 10000000] [--rounds 9]
        [--threads 1,2] [--numba] [--jax] [--blosc2] [--png docs/img]
        [--json FILE]
        [--from-json FILE]

"fresh" is `r = evaluate(ex)` (a new result each call, the way almost every
user calls it); "out=" writes into a preallocated array. numpy has no out=
for a whole expression, so its column is always fresh. The rounds are
interleaved (every engine and mode once per round) and medians reported,
so drift on a shared machine hits all columns alike. --numba adds
bench/bench_vs_numba.py's hand-written parallel numba kernels (numba's best
case) on the five expressions it has them for, fresh (np.empty + kernel)
and out=; the "best peer" of the summary stays numexpr or numpy, numba gets
its own geomean line. --jax adds jax.jit (XLA on the CPU, float64, arrays
already on the device, timed to block_until_ready) and --blosc2
blosc2.evaluate (fresh and out=). Each thread count is measured in its
own child process started on the first N cores (sched_setaffinity before
any engine is imported: XLA sizes its thread pool from the cores it may
use, once, at start-up), and every engine is told the count. In every
round each engine gets a turn: a 20 ms pause, one untimed call, then 3
timed calls back to back, whose median is the round's figure. The pause
lets the previous engine's idle workers stop spinning (numba's libgomp and
XLA's pool spin after a call, and a spinning thread on one of 2 cores
slowed the next engine's call by up to 50%); the untimed call puts the
engine back into its own steady state, as in a loop of calls. The
"best peer" columns take the fastest peer of the row, in any mode for out=.

The bandwidth probe is a small C program built by this script: an add
c = a + b with non-temporal (streaming) stores, the floor a memory-bound
kernel can reach, and the same program's read-only pass (a sum over a
and b), run once per round of every memory-bound row (the machine's memory
bandwidth drifts: its host is shared). A memory-bound row's floor is the
slower of (bytes read + bytes written) / add bandwidth and bytes read /
read-only bandwidth (a core reads slower than the add streams, so rows
that mostly read, comparisons into bools, are bound by the second), and its
fraction (the "roofline" columns) is floor / time, with the medians of the
row's own probes;
bench/bench_bandwidth.py breaks it down (pool, page faults, spinners).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
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
    "a*b + c",
    "(a < b) & (b < c)",
    "where(a > 0.5, a, b)",
    "exp(-a**2)",
    "arctan2(a, b)",
    "tanh(a) * b",
    "a**3 + 2*a**2 - a + 1",
    "2*a + b**10",
]
# Timed calls per engine per round, back to back (their median is the
# round's figure): one call alone swung with the machine's bandwidth.
CALLS_PER_TURN = 3

# Pause before each engine's calls, for the previous engine's idle workers
# to stop spinning (see the docstring).
SETTLE_SECONDS = 0.02

# Rows whose speed is set by memory traffic, not arithmetic: no
# transcendental call in them.
TRANSCENDENTAL = ("sin", "cos", "log", "exp", "tanh", "arctan2")

NUMPY_NAMESPACE = {
    "sin": np.sin, "cos": np.cos, "log": np.log, "exp": np.exp,
    "sqrt": np.sqrt, "tanh": np.tanh, "arctan2": np.arctan2,
    "where": np.where,
}

PROBE_C = r"""
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(int argc, char **argv) {
  long n = atol(argv[1]); int threads = atoi(argv[2]); int reps = atoi(argv[3]);
  int read_only = argc > 4 && argv[4][0] == 'r';  /* "read": sum a + b */
  double sink = 0;
  double *a = aligned_alloc(64, n * 8), *b = aligned_alloc(64, n * 8),
         *c = aligned_alloc(64, n * 8);
  omp_set_num_threads(threads);
  #pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) { a[i] = i; b[i] = 2 * i; c[i] = 0; }
  double best = 1e30, times[64];
  for (int r = 0; r < reps && r < 64; ++r) {
    double t0 = now();
    if (read_only) {
      double total = 0;
      #pragma omp parallel reduction(+ : total)
      {
        /* Four independent vector sums: a sum carried through one register
           would be bound by the add latency, not by memory. */
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        #pragma omp for schedule(static)
        for (long i = 0; i < n; i += 8) {
          s0 = _mm256_add_pd(s0, _mm256_load_pd(a + i));
          s1 = _mm256_add_pd(s1, _mm256_load_pd(b + i));
          s2 = _mm256_add_pd(s2, _mm256_load_pd(a + i + 4));
          s3 = _mm256_add_pd(s3, _mm256_load_pd(b + i + 4));
        }
        double l[4];
        _mm256_storeu_pd(l, _mm256_add_pd(_mm256_add_pd(s0, s1),
                                          _mm256_add_pd(s2, s3)));
        total += l[0] + l[1] + l[2] + l[3];
      }
      sink += total;
      times[r] = now() - t0;
      continue;
    }
    #pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i += 8) {
#ifdef __AVX512F__
      _mm512_stream_pd(c + i, _mm512_add_pd(_mm512_load_pd(a + i),
                                            _mm512_load_pd(b + i)));
#else
      _mm256_stream_pd(c + i, _mm256_add_pd(_mm256_load_pd(a + i),
                                            _mm256_load_pd(b + i)));
      _mm256_stream_pd(c + i + 4, _mm256_add_pd(_mm256_load_pd(a + i + 4),
                                                _mm256_load_pd(b + i + 4)));
#endif
    }
    _mm_sfence();
    times[r] = now() - t0;
  }
  /* median */
  for (int i = 0; i < reps; ++i)
    for (int j = i + 1; j < reps; ++j)
      if (times[j] < times[i]) { double t = times[i]; times[i] = times[j]; times[j] = t; }
  printf("%.6f %.1f\n", times[reps / 2], c[n - 1] + sink);
  return 0;
}
"""


class Probe:
    """The bandwidth probe, compiled once per process: run() starts it on
    the cores this process may use."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory()
        src = os.path.join(self._tmp.name, "probe.c")
        self.exe = os.path.join(self._tmp.name, "probe")
        with open(src, "w") as f:
            f.write(PROBE_C)
        # The machine's own widest stores (AVX-512 where it has them, else
        # AVX2): -mavx512f on an AVX2-only CPU would die of SIGILL.
        subprocess.run(["cc", "-O2", "-march=native", "-fopenmp", src, "-o",
                        self.exe], check=True)

    def run(self, n, threads, reps=15, read_only=False):
        """Bytes per second of the streaming-store add on n doubles (3
        arrays), or with read_only of a sum over two of them (2 arrays
        read, nothing written): the median of reps passes."""
        n8 = n - n % 8
        out = subprocess.run([self.exe, str(n8), str(threads), str(reps)]
                             + (["read"] if read_only else []),
                             check=True, capture_output=True, text=True)
        seconds = float(out.stdout.split()[0])
        return (2 if read_only else 3) * 8 * n8 / seconds


def numpy_eval(ex, arrays):
    return eval(ex, dict(NUMPY_NAMESPACE), dict(arrays))  # our own fixed text


def bytes_read(ex, arrays):
    names = [k for k in arrays if k in ex.replace("arctan2", "")]
    return sum(arrays[k].nbytes for k in names)


def bytes_moved(ex, arrays, result):
    return bytes_read(ex, arrays) + result.nbytes


def floor_seconds(moved, read, add_bw, read_bw):
    """The memory floor of a row that moves `moved` bytes of which `read`
    are read: the slower of the two probes' ceilings. On this kind of
    machine a core reads slower than it streams (the add probe's stores
    bypass the read path), so a row that mostly reads, a comparison into
    bools, is bound by the read-only probe, not by the add."""
    return max(moved / add_bw, read / read_bw)


def jax_runner(ex, arrays):
    """jax.jit of the expression (XLA on the CPU, float64), arrays already on
    the device; a call returns when the result is ready."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    names = {k: getattr(jnp, k) for k in NUMPY_NAMESPACE}
    fn = jax.jit(lambda a, b, c: eval(ex, dict(names),  # our own fixed text
                                      {"a": a, "b": b, "c": c}))
    on_device = [jax.device_put(arrays[k]) for k in "abc"]
    return lambda: fn(*on_device).block_until_ready()


def peer_versions(args):
    """'name version' of each peer the run includes."""
    import numexpr
    out = ["numexpr %s" % numexpr.__version__, "numpy %s" % np.__version__]
    if args.jax:
        import jax
        import jaxlib
        out.append("jax %s (jaxlib %s)" % (jax.__version__, jaxlib.__version__))
    if args.blosc2:
        import blosc2
        out.append("blosc2 %s" % blosc2.__version__)
    if args.numba:
        import numba
        out.append("numba %s" % numba.__version__)
    return out


def numba_kernels():
    """expression -> the hand-written parallel numba kernel(a, b, out) of
    bench/bench_vs_numba.py, for the expressions it has one for."""
    import bench_vs_numba
    return {ex: kernel for ex, _, kernel, _, _ in bench_vs_numba.CASES}


def measure(args):
    import nejit
    import numexpr

    kernels = numba_kernels() if args.numba else {}

    rng = np.random.default_rng(0)
    arrays = {k: rng.random(args.n) for k in "abc"}
    rows = []
    probes = {}
    for threads in args.threads:
        # main() started this process on `threads` cores.
        nejit.set_num_threads(threads)
        numexpr.set_num_threads(threads)
        if args.blosc2:
            import blosc2
            blosc2.set_nthreads(threads)
        if kernels:
            import numba
            numba.set_num_threads(threads)
        probe = Probe()
        row_probes = []
        for ex in EXPRESSIONS:
            ref = numpy_eval(ex, arrays)
            out_nejit = np.empty_like(ref)
            out_numexpr = np.empty_like(ref)
            got = nejit.evaluate(ex, local_dict=arrays)  # compile + check
            if got.dtype != ref.dtype or not np.allclose(got, ref,
                                                         equal_nan=True):
                sys.exit(f"nejit's result for {ex!r} differs from numpy's")
            numexpr.evaluate(ex, local_dict=arrays)
            unsupported = {}  # peer -> why it could not run this row
            runs = {
                "nejit fresh": lambda: nejit.evaluate(ex, local_dict=arrays),
                "nejit out=": lambda: nejit.evaluate(ex, local_dict=arrays,
                                                     out=out_nejit),
                "numexpr fresh": lambda: numexpr.evaluate(ex,
                                                          local_dict=arrays),
                "numexpr out=": lambda: numexpr.evaluate(
                    ex, local_dict=arrays, out=out_numexpr),
                "numpy": lambda: numpy_eval(ex, arrays),
            }
            if args.jax:
                runs["jax.jit"] = jax_runner(ex, arrays)
                got = np.asarray(runs["jax.jit"]())
                if not np.allclose(got, ref, equal_nan=True):
                    sys.exit(f"jax's result for {ex!r} differs from numpy's")
            if args.blosc2:
                import blosc2
                out_blosc2 = np.empty_like(ref)
                runs["blosc2 fresh"] = lambda: blosc2.evaluate(
                    ex, local_dict=arrays)
                runs["blosc2 out="] = lambda: blosc2.evaluate(
                    ex, local_dict=arrays, out=out_blosc2)
                try:
                    got = np.asarray(runs["blosc2 fresh"]())
                except Exception as e:  # noqa: BLE001 - a peer's own bug
                    # blosc2 4.14 fails on where() over numpy operands
                    # (AttributeError inside blosc2.where): the row is
                    # reported without blosc2, and why.
                    print(f"blosc2 cannot evaluate {ex!r}: "
                          f"{type(e).__name__}: {e}", flush=True)
                    unsupported["blosc2"] = f"{type(e).__name__}: {e}"
                    del runs["blosc2 fresh"], runs["blosc2 out="]
                else:
                    if not np.allclose(got, ref, equal_nan=True):
                        sys.exit(f"blosc2's result for {ex!r} differs from"
                                 " numpy's")
            if ex in kernels:
                kernel, a, b = kernels[ex], arrays["a"], arrays["b"]
                out_numba = np.empty_like(ref)
                kernel(a, b, out_numba)  # compile + check
                if not np.allclose(out_numba, ref, equal_nan=True):
                    sys.exit(f"numba's result for {ex!r} differs from numpy's")

                def numba_fresh():
                    r = np.empty(ref.shape, ref.dtype)
                    kernel(a, b, r)
                    return r
                runs["numba fresh"] = numba_fresh
                runs["numba out="] = lambda: kernel(a, b, out_numba)
            times = {k: [] for k in runs}
            memory_bound = not any(f in ex for f in TRANSCENDENTAL)
            bandwidth, read_bandwidth = [], []
            keep = {}
            for _ in range(args.rounds):
                # The machine's memory bandwidth drifts (its host is
                # shared): a memory-bound row is compared with the probe
                # run in the same rounds, not once per thread count.
                if memory_bound:
                    bandwidth.append(probe.run(args.n, threads, reps=5))
                    read_bandwidth.append(probe.run(args.n, threads, reps=5,
                                                    read_only=True))
                for name, fn in runs.items():
                    time.sleep(SETTLE_SECONDS)
                    keep[name] = fn()
                    turn = []
                    for _ in range(CALLS_PER_TURN):
                        t0 = time.perf_counter()
                        r = fn()
                        turn.append(time.perf_counter() - t0)
                        # Keep the last fresh result alive until the next
                        # call, as `r = evaluate(...)` in a loop does.
                        keep[name] = r
                    times[name].append(statistics.median(turn))
            del keep
            med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
            moved = bytes_moved(ex, arrays, ref)
            row = {"threads": threads, "expression": ex, "ms": med,
                   "bytes": moved, "memory_bound": memory_bound,
                   "unsupported": unsupported}
            if memory_bound:
                row["probe"] = statistics.median(bandwidth)
                row["read_probe"] = statistics.median(read_bandwidth)
                row_probes.append(row["probe"])
                floors = [floor_seconds(moved, bytes_read(ex, arrays), add,
                                        read)
                          for add, read in zip(bandwidth, read_bandwidth)]
                row["floor_ms"] = statistics.median(floors) * 1e3
                # Each round's time against the probes run just before it:
                # the bandwidth swings by 1.5x within seconds here.
                for mode in ("fresh", "out="):
                    row["fraction_" + mode.strip("=")] = statistics.median(
                        f / t for f, t in zip(floors, times["nejit " + mode]))
            rows.append(row)
            print(f"{threads}T {ex:26s} " + "  ".join(
                f"{k} {v:7.2f}" for k, v in med.items()), flush=True)
        # The thread count's figure for the header and the charts' floor:
        # the median of the rows' probes.
        probes[threads] = statistics.median(row_probes)
    return rows, probes


def measure_in_children(args):
    """measure() once per thread count, each in a child process started on
    that many cores (the first ones this process may use), so that every
    engine, XLA's start-up-sized pool included, sees exactly those cores."""
    cores = sorted(os.sched_getaffinity(0))
    if max(args.threads) > len(cores):
        sys.exit(f"--threads {max(args.threads)} needs that many cores;"
                 f" this process may use {len(cores)}")
    rows, probes = [], {}
    for threads in args.threads:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "rows.json")
            cmd = [sys.executable, os.path.abspath(__file__), "--child",
                   "--threads", str(threads), "--n", str(args.n),
                   "--rounds", str(args.rounds), "--json", out]
            cmd += [f"--{peer}" for peer in ("numba", "jax", "blosc2")
                    if getattr(args, peer)]
            subprocess.run(
                cmd, check=True,
                preexec_fn=lambda: os.sched_setaffinity(
                    0, set(cores[:threads])))
            with open(out) as f:
                saved = json.load(f)
        rows += saved["rows"]
        probes.update({int(k): v for k, v in saved["probes"].items()})
    return rows, probes


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


# Every column a run may have, in table order; "fresh" columns allocate
# their result per call (numpy and jax.jit always do).
SERIES = ["nejit fresh", "nejit out=", "numexpr fresh", "numexpr out=",
          "numpy", "jax.jit", "blosc2 fresh", "blosc2 out=", "numba fresh",
          "numba out="]
PEER_FRESH = ["numexpr fresh", "numpy", "jax.jit", "blosc2 fresh",
              "numba fresh"]
PEER_OUT = ["numexpr out=", "blosc2 out=", "numba out="]


def best_peers(m):
    """(best peer's fresh time, its name, best peer's time in any mode, its
    name) for one row's medians m: nejit fresh is compared with the peers'
    fresh results, nejit out= with the fastest peer whatever its mode."""
    fresh = min((m[k], k) for k in PEER_FRESH if k in m)
    best = min((m[k], k) for k in PEER_FRESH + PEER_OUT if k in m)
    return fresh[0], fresh[1], best[0], best[1]


def summarize(rows, probes):
    lines = []
    for threads in sorted(probes):
        sel = [r for r in rows if r["threads"] == threads]
        cols = [k for k in SERIES if any(k in r["ms"] for r in sel)]
        lines.append(f"\n### {threads} thread{'s' if threads > 1 else ''}"
                     f" (streaming-store add: {probes[threads] / 1e9:.1f}"
                     " GB/s, the median of the probes run in the memory-bound"
                     " rows' rounds)\n")
        lines.append("| expression | " + " | ".join(cols)
                     + " | fresh vs best peer | out= vs best peer"
                     " | roofline fresh | roofline out= |")
        lines.append("|---" * (len(cols) + 5) + "|")
        for r in sel:
            m = r["ms"]
            fresh, fresh_name, best, best_name = best_peers(m)
            cells = " | ".join(f"{m[k]:.2f}" if k in m else "-" for k in cols)
            lines.append(
                f"| `{r['expression']}` | {cells} |"
                f" {fresh / m['nejit fresh']:.2f}x ({fresh_name}) |"
                f" {best / m['nejit out=']:.2f}x ({best_name}) |"
                + (f" {r['fraction_fresh']:.2f} | {r['fraction_out']:.2f} |"
                   if r["memory_bound"] else " - | - |"))
        lines.append("")
        for r in sel:
            for peer, why in r.get("unsupported", {}).items():
                lines.append(f"- {peer} cannot evaluate `{r['expression']}`"
                             f" ({why}); the row has no {peer} column")
        for peer in ("numexpr", "numpy", "jax.jit", "blosc2", "numba"):
            key = peer if peer in ("numpy", "jax.jit") else peer + " fresh"
            have = [r for r in sel if key in r["ms"]]
            if have:
                g = geomean([r["ms"][key] / r["ms"]["nejit fresh"]
                             for r in have])
                lines.append(f"- geomean speed-up vs {peer} (fresh,"
                             f" {len(have)} rows): {g:.2f}x")
        mb = [r for r in sel if r["memory_bound"]]
        frac_fresh = statistics.median(r["fraction_fresh"] for r in mb)
        frac_out = statistics.median(r["fraction_out"] for r in mb)
        lines.append(f"- memory-bound rows, median fraction of the memory"
                     f" floor: fresh {frac_fresh:.2f}, out= {frac_out:.2f}"
                     f" (lowest fresh:"
                     f" {min(r['fraction_fresh'] for r in mb):.2f})")
        worst_fresh = min(sel, key=lambda r: best_peers(r["ms"])[0]
                          / r["ms"]["nejit fresh"])
        worst_out = min(sel, key=lambda r: best_peers(r["ms"])[2]
                        / r["ms"]["nejit out="])
        f, fn, _, _ = best_peers(worst_fresh["ms"])
        _, _, b, bn = best_peers(worst_out["ms"])
        lines.append(f"- worst fresh row vs the best peer: "
                     f"`{worst_fresh['expression']}` "
                     f"{f / worst_fresh['ms']['nejit fresh']:.2f}x ({fn})")
        lines.append(f"- worst out= row vs the best peer: "
                     f"`{worst_out['expression']}` "
                     f"{b / worst_out['ms']['nejit out=']:.2f}x ({bn})")
    return "\n".join(lines)


def chart(rows, probes, directory, n, rounds):
    """One grouped-bar chart per thread count: ms per call of every engine
    and mode per expression, log scale, with the memory floor (from the
    row's own probes, floor_seconds) marked on the memory-bound rows."""
    import _charts
    plt = _charts.pyplot()
    series = [k for k in SERIES if any(k in r["ms"] for r in rows)]
    paths = []
    for threads in sorted(probes):
        sel = [r for r in rows if r["threads"] == threads]
        fig, ax = plt.subplots(figsize=(11, 5.2))
        width = 0.8 / len(series)
        xs = _charts.grouped_bars(
            ax, [r["expression"] for r in sel],
            {s: [r["ms"].get(s, math.nan) for r in sel] for s in series},
            width=width, hatches={k: "//" for k in series
                                  if k.endswith("out=")})
        floor_label = "memory floor (probes)"
        for x, r in zip(xs, sel):
            if r["memory_bound"]:
                floor = r.get("floor_ms",
                              r["bytes"] / probes[threads] * 1e3)
                ax.hlines(floor, x - 0.45, x + 0.45, colors="black",
                          linewidth=1.2, label=floor_label)
                floor_label = None
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.set_ylim(low, high * 6)  # room for the legend above the bars
        ax.set_ylabel("ms per call (log scale, lower is better)")
        ax.set_xticklabels([r["expression"] for r in sel], rotation=30,
                           ha="right")
        g = geomean([r["ms"]["numexpr fresh"] / r["ms"]["nejit fresh"]
                     for r in sel])
        plural = "s" if threads > 1 else ""
        ax.set_title(
            f"fresh results vs out=: {n:,} float64, {threads} thread{plural}"
            f" (numpy: 1), median of {rounds} rounds;"
            f" nejit fresh geomean {g:.2f}x numexpr fresh")
        ax.legend(ncol=min(6, len(series) + 1), loc="upper center")
        paths.append(_charts.save(
            fig, directory, f"fresh_vs_out_{threads}t.png",
            f"floor: probes run in every round (streaming add, median"
            f" {probes[threads] / 1e9:.1f} GB/s; read-only pass);"
            " bench/bench_fresh.py"))
    return paths


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--png", default=None,
                   help="directory for the charts (e.g. docs/img)")
    p.add_argument("--json", default=None, help="write the raw rows here")
    p.add_argument("--numba", action="store_true",
                   help="also time bench_vs_numba.py's numba kernels, fresh"
                   " (np.empty + kernel) and out=, on the rows it has them for")
    p.add_argument("--jax", action="store_true",
                   help="also time jax.jit (XLA on the CPU, float64, arrays"
                   " on the device)")
    p.add_argument("--blosc2", action="store_true",
                   help="also time blosc2.evaluate, fresh and out=")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--from-json", default=None, metavar="FILE",
                   help="do not measure: summarize and chart the rows a"
                   " previous --json run wrote")
    args = p.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        rows = saved["rows"]
        probes = {int(k): v for k, v in saved["probes"].items()}
        args.n = saved.get("n", args.n)
        args.rounds = saved.get("rounds", args.rounds)
    elif args.child:
        rows, probes = measure(args)
    else:
        print("peers: " + ", ".join(peer_versions(args)), flush=True)
        rows, probes = measure_in_children(args)
    if not args.child:
        print(summarize(rows, probes))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "probes": probes, "n": args.n,
                       "rounds": args.rounds}, f, indent=1)
    if args.png:
        for path in chart(rows, probes, args.png, args.n, args.rounds):
            print("wrote", path)


if __name__ == "__main__":
    main()
