#!/usr/bin/env bash
# Regenerates every benchmark chart of docs/performance.md and README.md into
# docs/img/ (or $1): builds nejit if needed (scripts/setup.sh), then runs
#   bench/bench_fresh.py          fresh_vs_out_1t.png, fresh_vs_out_2t.png
#   bench/bench_first_contact.py  first_contact.png
#   bench/bench_per_call.py       per_call.png
#   bench/accuracy_table.py       accuracy.png
#   bench/bench_bandwidth.py      (a table only: where memory-bound rows' time goes)
# with rounds reduced where a script's default would run long; about 16
# minutes on the project's 2-core machine. Each script's table goes to
# build/charts/<script>.txt (bench_fresh's raw rows to fresh.json, which
# `bench/bench_fresh.py --from-json build/charts/fresh.json --png DIR`
# re-charts without measuring). Timings are only comparable on an otherwise
# idle machine: the charts' footers state the load average.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-docs/img}"
LOGS=build/charts

bash scripts/setup.sh
PY="$ROOT/.venv/bin/python"
export PYTHONPATH="$ROOT/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT" "$LOGS"

run() {  # run LOG SCRIPT ARGS...: output to LOG; prints what it wrote
  local log="$LOGS/$1"; shift
  echo "[charts] $*" >&2
  if ! "$PY" "$@" >"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "[charts] failed: $*; see $log" >&2
    exit 1
  fi
  grep -E '^(wrote |- |### )' "$log" || true
  echo "[charts] table: $log" >&2
}

echo "[charts] load average: $(cat /proc/loadavg)" >&2
run bench_fresh.txt bench/bench_fresh.py --rounds 7 --numba --jax --blosc2 --json "$LOGS/fresh.json" --png "$OUT"
run bench_first_contact.txt bench/bench_first_contact.py --workloads curve --rounds 3 --png "$OUT"
run bench_per_call.txt bench/bench_per_call.py --repeat 5 --png "$OUT" \
  --sizes 10,32,100,316,1000,3162,10000,31623,100000,316228,1000000,3162278,10000000
NEJIT_CACHE=0 run accuracy_table.txt bench/accuracy_table.py --peers --png "$OUT"
PYTHONPATH="$ROOT/bench:$PYTHONPATH" run bench_bandwidth.txt bench/bench_bandwidth.py --rounds 9
echo "[charts] load average: $(cat /proc/loadavg)" >&2
