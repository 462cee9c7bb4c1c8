#!/usr/bin/env bash
# Builds nejit (scripts/setup.sh) and runs the whole test suite:
#   ctest   GoogleTest unit tests (unittests/)
#   lit     FileCheck regression tests over nejit-dis output (test/)
#   pytest  the Python package's tests (bindings/python/tests and any other tests/)
#   numexpr numexpr's own test suite run against nejit, when its runner exists
#   tiers   numexpr's suite with NEJIT_TIER=jit, and the random differential
#           test with NEJIT_TIER=interp and =jit (the other runs use the
#           default tier, auto, where most runs are the interpreter's)
#   pandas  pandas' eval/query/expressions suites run against nejit, likewise
# Every runner runs even when an earlier one fails, so one broken layer does not
# hide the state of the others; the exit status is non-zero if any step failed.
# The output ends with the runners' own summary lines, repeated together.
set -uo pipefail  # no -e: a failing runner must not stop the ones after it

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="$ROOT/.venv/bin/python"
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere
# (CI) reuses the objects an earlier build of the same sources left.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
# The tests import this checkout's package, whatever the venv's .pth says.
export PYTHONPATH="$ROOT/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

FAILED=()           # "name (exit N)" for every step that failed
declare -A SUMMARY  # runner name -> its own summary lines

# run NAME CMD...: runs CMD with its output both shown and kept in
# $LOGS/NAME.log; records a failure if it exits non-zero.
run() {
  local name="$1"; shift
  printf '\n==== %s: %s\n' "$name" "$*"
  local start=$SECONDS
  "$@" </dev/null 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  printf '==== %s: exit %d after %ds\n' "$name" "$rc" "$((SECONDS - start))"
  ((rc == 0)) || FAILED+=("$name (exit $rc)")
  return "$rc"
}

# --- build -------------------------------------------------------------------
# If the build fails the runners still run: they then fail on what is missing,
# and report whatever parts still work.
run setup bash scripts/setup.sh

# --- ctest -------------------------------------------------------------------
# --no-tests=error: an empty unit-test suite is a broken build, not a pass.
run ctest ctest --test-dir build --output-on-failure --no-tests=error -j2
SUMMARY[ctest]="$(grep -E 'tests passed, [0-9]+ tests? failed out of|No tests were found' "$LOGS/ctest.log")"

# --- lit ---------------------------------------------------------------------
# build/test/lit.site.cfg.py exists once CMake has configured; without it,
# test/lit.cfg.py falls back to the in-tree build/ paths by itself.
LIT_DIR=build/test
[[ -f build/test/lit.site.cfg.py ]] || LIT_DIR=test
run lit "$ROOT/.venv/bin/lit" -sv "$LIT_DIR"
# lit's summary is its last block: "Total Discovered Tests: N" and the counts.
SUMMARY[lit]="$(sed -n '/^Total Discovered Tests:/,$p' "$LOGS/lit.log")"

# --- pytest ------------------------------------------------------------------
# Every folder named tests/ outside the venv and build trees (nested ones are
# covered by their parent), so new Python test folders are picked up without
# editing this script.
mapfile -t PYTEST_DIRS < <(
  find . \( -path ./.venv -o -path './build*' -o -path ./.git -o -path ./test \) -prune \
    -o -type d -name tests -prune -print | sed 's|^\./||' | sort)
if ((${#PYTEST_DIRS[@]} == 0)); then
  echo "error: no Python tests/ folder found (expected bindings/python/tests)" >&2
  FAILED+=("pytest (no test folders)")
else
  # Exit status 5 ("no tests collected") is non-zero, so it fails the run as
  # it should: the Python package has tests. The cache goes to build/.
  run pytest "$PY" -m pytest -q -o cache_dir=build/.pytest_cache "${PYTEST_DIRS[@]}"
  rc=$?
  ((rc == 5)) && echo "error: pytest collected no tests from ${PYTEST_DIRS[*]}" >&2
fi
# pytest's closing line: "12 passed in 0.34s", "1 failed, 11 passed in ...".
SUMMARY[pytest]="$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$LOGS/pytest.log" 2>/dev/null | tail -n 1 | sed 's/^=* *//; s/ *=*$//')"

# --- numexpr's own test suite ------------------------------------------------
NUMEXPR_SUITE=bindings/python/tests/run_numexpr_suite.py
if [[ -f "$NUMEXPR_SUITE" ]]; then
  run numexpr-suite "$PY" "$NUMEXPR_SUITE"
  SUMMARY[numexpr-suite]="$(grep -v '^[[:space:]]*$' "$LOGS/numexpr-suite.log" | grep -v '^==== ' | tail -n 1)"
fi

# --- each tier on its own ------------------------------------------------------
# Under auto a kernel runs in the interpreter until it is hot, so the suites
# above exercise mostly the interpreter: the JIT gets numexpr's suite to
# itself, and the differential test runs in each tier (results must not
# depend on the tier).
if [[ -f "$NUMEXPR_SUITE" ]]; then
  run numexpr-suite-jit env NEJIT_TIER=jit "$PY" "$NUMEXPR_SUITE"
  SUMMARY[numexpr-suite-jit]="$(grep -v '^[[:space:]]*$' "$LOGS/numexpr-suite-jit.log" | grep -v '^==== ' | tail -n 1 | sed 's/^numexpr-suite:/numexpr-suite (NEJIT_TIER=jit):/')"
fi
RANDOM_TEST=bindings/python/tests/test_random_vs_numexpr.py
if [[ -f "$RANDOM_TEST" ]]; then
  for tier in interp jit; do
    run "random-$tier" env NEJIT_TIER=$tier "$PY" -m pytest -q -o cache_dir=build/.pytest_cache "$RANDOM_TEST"
    SUMMARY[random-$tier]="$(grep -E '(passed|failed|errors?).* in [0-9.]+s' "$LOGS/random-$tier.log" | tail -n 1 | sed 's/^=* *//; s/ *=*$//; s/^/random differential (NEJIT_TIER='$tier'): /')"
  done
fi

# --- the x86-64 level matrix -------------------------------------------------
# The runs above use this machine's own CPU. Generated code and the block
# kernels differ per level (width, FMA, Sleef's per-ISA kernels), so the
# numerics suites run again at every level this machine can execute
# (NEJIT_CPU; scripts/level_suite.sh): v2 and v3 on every machine CI has had,
# v4 where there is AVX-512. A level the CPU lacks is reported as skipped.
LEVELS_RUN=()
for level in x86-64-v2 x86-64-v3 x86-64-v4; do
  if NEJIT_CPU=$level "$PY" -c 'import nejit; nejit.get_cpu()' >/dev/null 2>&1; then
    run "level-$level" bash scripts/level_suite.sh "$level"
    SUMMARY[level-$level]="$(grep -E "^level-$level: " "$LOGS/level-$level.log" | tail -n 1)"
    LEVELS_RUN+=("level-$level")
  else
    SUMMARY[level-$level]="level-$level: skipped (this CPU lacks its features)"
    LEVELS_RUN+=("level-$level")
  fi
done

# --- sanitizers and fuzzing --------------------------------------------------
# ASan+UBSan (ctest, lit, a pytest subset) and TSan builds in build-asan/ and
# build-tsan/, then a bounded libFuzzer run (docs/reliability.md).
# NEJIT_SKIP_SANITIZERS=1 skips both (a quick local run; CI runs them).
if [[ "${NEJIT_SKIP_SANITIZERS:-0}" == 1 ]]; then
  SUMMARY[sanitizers]="sanitizers: skipped (NEJIT_SKIP_SANITIZERS=1)"
  SUMMARY[fuzz]="fuzz: skipped (NEJIT_SKIP_SANITIZERS=1)"
else
  run sanitizers bash scripts/sanitizers.sh
  SUMMARY[sanitizers]="$(grep -E '^sanitizers:' "$LOGS/sanitizers.log" | tail -n 1)"
  run fuzz bash scripts/fuzz.sh -t 60
  SUMMARY[fuzz]="$(grep -E '^fuzz:' "$LOGS/fuzz.log" | tail -n 1)"
fi

# --- pandas' own eval/query/expressions suites --------------------------------
# nejit as pandas' "nejit" engine and standing in for numexpr (see the
# runner's docstring); its last line is "pandas-suite: P passed, F failed,
# S skipped".
PANDAS_SUITE=bindings/python/tests/run_pandas_suite.py
if [[ -f "$PANDAS_SUITE" ]]; then
  run pandas-suite "$PY" "$PANDAS_SUITE"
  SUMMARY[pandas-suite]="$(grep -v '^[[:space:]]*$' "$LOGS/pandas-suite.log" | grep -v '^==== ' | tail -n 1)"
  # Again with the libm backend (NEJIT_MATH_BACKEND=libm), whose results are
  # numexpr's bits: here even the default mode's 1-ULP exceptions must pass.
  run pandas-suite-libm "$PY" "$PANDAS_SUITE" --libm
  SUMMARY[pandas-suite-libm]="$(grep -v '^[[:space:]]*$' "$LOGS/pandas-suite-libm.log" | grep -v '^==== ' | tail -n 1 | sed 's/^pandas-suite:/pandas-suite (libm):/')"
fi

# --- PyTables' own query/expression suites -----------------------------------
# PyTables' test_queries.py and test_expression.py (the light selection its
# own runner makes) with numexpr and with nejit.patch_numexpr(); its last
# line is "pytables-suite: P passed, F failed, S skipped (numexpr: ...)".
# The heavy selection: run_pytables_suite.py --heavy (not a CI step).
PYTABLES_SUITE=bindings/python/tests/run_pytables_suite.py
if [[ -f "$PYTABLES_SUITE" ]]; then
  run pytables-suite "$PY" "$PYTABLES_SUITE"
  SUMMARY[pytables-suite]="$(grep -v '^[[:space:]]*$' "$LOGS/pytables-suite.log" | grep -v '^==== ' | tail -n 1)"
fi

# --- wheels --------------------------------------------------------------------
# A manylinux wheel per CPython 3.11-3.13 (scripts/wheel.sh: static LLVM,
# auditwheel) and each proven where nothing of the build is installed
# (scripts/test_wheel.sh: cp311 in a clean Debian 12 root, the others in
# venvs of the host's Pythons); docs/install.md. NEJIT_SKIP_WHEELS=1 skips it.
if [[ "${NEJIT_SKIP_WHEELS:-0}" == 1 ]]; then
  SUMMARY[wheels]="wheels: skipped (NEJIT_SKIP_WHEELS=1)"
else
  run wheels bash -c 'bash scripts/wheel.sh && bash scripts/test_wheel.sh'
  built="$(sed -nE 's/^wheels: ([0-9]+) built$/\1/p' "$LOGS/wheels.log" | tail -n 1)"
  tested="$(sed -nE 's/^test_wheel: [0-9]+ wheels, ([0-9]+ passed, [0-9]+ failed)$/\1/p' "$LOGS/wheels.log" | tail -n 1)"
  SUMMARY[wheels]="wheels: ${built:-0} built, ${tested:-0 passed, 0 failed (not tested: the build failed)}"
fi

# --- summary -----------------------------------------------------------------
printf '\n==== summary\n'
if ((${#FAILED[@]})); then
  printf 'FAILED: %s\n' "${FAILED[@]}"
else
  echo "all steps passed"
fi
# The runners' own summary lines come last, pytest's at the very end, so the
# output closes on a line a CI log reader knows ("N passed in Xs").
for name in ctest lit numexpr-suite numexpr-suite-jit random-interp random-jit "${LEVELS_RUN[@]}" pandas-suite pandas-suite-libm pytables-suite sanitizers fuzz wheels pytest; do
  [[ -v "SUMMARY[$name]" ]] || continue
  if [[ -n "${SUMMARY[$name]}" ]]; then
    printf '%s\n' "${SUMMARY[$name]}"
  else
    printf '%s: no summary line (see its output above)\n' "$name"
  fi
done

((${#FAILED[@]} == 0))
