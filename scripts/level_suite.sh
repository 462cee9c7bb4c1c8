#!/usr/bin/env bash
# The numerics suites at one x86-64 level: `bash scripts/level_suite.sh
# x86-64-v2`. Generated code and the interpreter's block kernels differ per
# level (vector width, FMA, Sleef's per-ISA kernels), and a machine only runs
# its own unless told: NEJIT_CPU makes this one generate code for the level
# (refused if the CPU lacks its features). scripts/test.sh calls this for
# every level the machine can run; it assumes scripts/setup.sh has built.
#
# Runs numexpr's own suite, the random differential test in both tiers, the
# dtype and bit-identity pytest files, and the lifted-constant ctest; its last
# line sums them up: "level-x86-64-v2: 6100 passed, 0 failed, 0 skipped".
set -uo pipefail

LEVEL="${1:?usage: level_suite.sh LEVEL (x86-64-v2, x86-64-v3, x86-64-v4, ...)}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
export PYTHONPATH="$ROOT/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export NEJIT_CPU="$LEVEL"

if ! err="$("$PY" -c 'import nejit; print(nejit.get_cpu())' 2>&1)"; then
  echo "level $LEVEL: cannot run here: ${err##*$'\n'}"
  exit 1
fi

TESTS=bindings/python/tests
PASSED=0 FAILED=0 SKIPPED=0
STATUS=0

# count "N passed", "N failed", "N skipped" out of a runner's closing line.
count() {
  local line="$1" n
  for what in passed failed skipped; do
    n="$(grep -oE "[0-9]+ $what" <<<"$line" | head -n 1 | cut -d' ' -f1)"
    case $what in
      passed) PASSED=$((PASSED + ${n:-0})) ;;
      failed) FAILED=$((FAILED + ${n:-0})) ;;
      skipped) SKIPPED=$((SKIPPED + ${n:-0})) ;;
    esac
  done
  # pytest's "errors" count as failures.
  n="$(grep -oE "[0-9]+ errors?" <<<"$line" | head -n 1 | cut -d' ' -f1)"
  FAILED=$((FAILED + ${n:-0}))
}

step() {
  local name="$1"; shift
  local start=$SECONDS log
  log="$(mktemp)"
  "$@" </dev/null >"$log" 2>&1
  local rc=$?
  local last
  last="$(grep -E '(passed|failed|errors?)' "$log" | tail -n 1 | sed 's/^=* *//; s/ *=*$//')"
  printf '  %-22s %s (exit %d, %ds)\n' "$name" "${last:-no summary}" "$rc" "$((SECONDS - start))"
  if ((rc != 0)); then
    STATUS=1
    tail -n 40 "$log"
    [[ -n "$last" ]] || FAILED=$((FAILED + 1))
  fi
  count "$last"
  rm -f "$log"
}

"$PY" -c 'import nejit; c = nejit._nejit.target_cpu()
print("level %s: cpu %s, %d-bit vectors, features %s" % ("'"$LEVEL"'", c[0], c[2], c[1]))'
step numexpr-suite "$PY" "$TESTS/run_numexpr_suite.py"
step random-interp env NEJIT_TIER=interp "$PY" -m pytest -q -p no:cacheprovider "$TESTS/test_random_vs_numexpr.py"
step random-jit env NEJIT_TIER=jit "$PY" -m pytest -q -p no:cacheprovider "$TESTS/test_random_vs_numexpr.py"
BIT_TESTS=()
for f in test_dtypes.py test_dtypes_vs_numexpr.py test_tiers.py test_cache_key.py \
         test_extensions.py test_codegen_vs_numexpr.py test_accuracy.py \
         test_reproducible_reductions.py test_libm_backend.py; do
  [[ -f "$TESTS/$f" ]] && BIT_TESTS+=("$TESTS/$f")
done
step pytest "$PY" -m pytest -q -p no:cacheprovider "${BIT_TESTS[@]}"
# ctest's closing line: "100% tests passed, 0 tests failed out of 5".
start=$SECONDS
ctest_out="$(ctest --test-dir build -R 'LiftConstants|Interp' --output-on-failure </dev/null 2>&1)"
rc=$?
line="$(grep -E 'tests passed, [0-9]+ tests? failed out of' <<<"$ctest_out")"
total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
bad="$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")"
printf '  %-22s %s (exit %d, %ds)\n' ctest "${line:-no summary}" "$rc" "$((SECONDS - start))"
if ((rc != 0)) || [[ -z "$line" ]]; then
  STATUS=1
  tail -n 40 <<<"$ctest_out"
  FAILED=$((FAILED + ${bad:-1}))
else
  PASSED=$((PASSED + total - bad))
fi

echo "level-$LEVEL: $PASSED passed, $FAILED failed, $SKIPPED skipped"
exit "$STATUS"
