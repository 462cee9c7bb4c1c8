#!/usr/bin/env bash
# Fuzzes nejit's front end and code generator (test/fuzz/FuzzFrontend.cpp:
# text -> parse -> Sema -> passes -> LLVM IR, verified) with libFuzzer under
# ASan + UBSan, in build-asan/ (shared with scripts/sanitizers.sh).
#   1. builds nejit-fuzz-frontend (clang-19, -fsanitize=fuzzer,address,undefined);
#   2. writes the seed corpus from the lit tests' expressions
#      (test/fuzz/extract_seeds.py) into build-asan/fuzz/seeds;
#   3. replays every committed reproducer in test/fuzz/regressions (each must
#      now pass);
#   4. fuzzes for SECONDS (default 60) with the dictionary test/fuzz/nejit.dict.
# Usage: scripts/fuzz.sh [-t SECONDS] [--keep] [-- LIBFUZZER_ARGS...]
#   --keep  grow the persistent corpus build-asan/fuzz/corpus (long runs);
#           without it each run starts from the seeds in a fresh corpus, so a
#           CI run costs the same every time.
# Crashes are written to build-asan/fuzz/artifacts/. The last line is one
# summary line beginning "fuzz:"; the exit status is non-zero on any finding.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_TO_RUN=60
KEEP=0
EXTRA=()
while (($#)); do
  case "$1" in
    -t) SECONDS_TO_RUN="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [-t SECONDS] [--keep] [-- LIBFUZZER_ARGS...]" >&2; exit 2 ;;
  esac
done
log() { printf '[fuzz] %s\n' "$*"; }

bash scripts/sanitizers.sh --build-only asan || { echo "fuzz: build FAILED"; exit 1; }
FUZZER=build-asan/bin/nejit-fuzz-frontend
[[ -x "$FUZZER" ]] || { echo "fuzz: $FUZZER missing"; exit 1; }

WORK=build-asan/fuzz
rm -rf "$WORK/seeds"
mkdir -p "$WORK/artifacts"
"$ROOT/.venv/bin/python" test/fuzz/extract_seeds.py test "$WORK/seeds" ||
  { echo "fuzz: seed extraction FAILED"; exit 1; }

# Leaks are checked per input; UBSan reports abort the input.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

mapfile -t REGRESSIONS < <(find test/fuzz/regressions -type f ! -name '*.md' | sort)
if ((${#REGRESSIONS[@]})); then
  log "replaying ${#REGRESSIONS[@]} reproducers from test/fuzz/regressions"
  if ! "$FUZZER" -runs=0 "${REGRESSIONS[@]}" >"$WORK/regressions.log" 2>&1; then
    tail -n 40 "$WORK/regressions.log"
    echo "fuzz: FAILED: a reproducer in test/fuzz/regressions crashes again"
    exit 1
  fi
fi

if ((KEEP)); then
  CORPUS="$WORK/corpus"
  LOG="$WORK/fuzz-keep.log"
  mkdir -p "$CORPUS"
else
  CORPUS="$WORK/run-corpus"
  LOG="$WORK/fuzz.log"
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS"
fi

before="$(ls "$WORK/artifacts" | wc -l)"
log "fuzzing for ${SECONDS_TO_RUN}s (corpus $CORPUS)"
start=$SECONDS
# -timeout: one input may take at most 10 s (a hang is a finding);
# -rss_limit_mb: so is a run of the process past 3 GiB.
"$FUZZER" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=3072 \
  -max_len=4096 -dict=test/fuzz/nejit.dict -print_final_stats=1 \
  -artifact_prefix="$WORK/artifacts/" "${EXTRA[@]}" \
  "$CORPUS" "$WORK/seeds" test/fuzz/regressions >"$LOG" 2>&1
rc=$?
elapsed=$((SECONDS - start))
grep -aE '^#[0-9]+:?\s+(INITED|DONE)|^stat::|==ERROR|^SUMMARY|nejit-fuzz:|runtime error' \
  "$LOG" | tail -n 30
after="$(ls "$WORK/artifacts" | wc -l)"
new=$((after - before))

execs="$(grep -aEo '^stat::number_of_executed_units: *[0-9]+' "$LOG" | grep -Eo '[0-9]+$')"
# The last status line (fork mode, -fork=N, prints "#N: cov: ..." and no
# stat:: lines; N is then the executions so far).
last="$(grep -aE '^#[0-9]+:?\s' "$LOG" | tail -n 1)"
[[ -n "$execs" ]] || execs="$(grep -Eo '^#[0-9]+' <<<"$last" | tr -d '#')"
cov="$(grep -Eo 'cov: [0-9]+' <<<"$last" | grep -Eo '[0-9]+')"
ft="$(grep -Eo 'ft: [0-9]+' <<<"$last" | grep -Eo '[0-9]+')"
corp="$(grep -Eo 'corp: [0-9]+' <<<"$last" | grep -Eo '[0-9]+')"
rss="$(grep -aEo '^stat::peak_rss_mb: *[0-9]+' "$LOG" | grep -Eo '[0-9]+$')"
line="${execs:-?} executions in ${elapsed}s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, peak RSS ${rss:-?} MB, $new new findings"
if ((rc != 0 || new > 0)); then
  ls -1t "$WORK/artifacts" | head -n "$((new > 0 ? new : 1))" | sed "s|^|  $WORK/artifacts/|"
  echo "fuzz: FAILED (exit $rc): $line"
  exit 1
fi
echo "fuzz: $line"
