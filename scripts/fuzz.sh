#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build/fuzz and runs each for a bounded
# time over its corpus in tests/fuzz/corpus/<target>/. New interesting inputs are written to
# build/fuzz/corpus/<target>/ (so a short run in npm test leaves the committed corpus alone);
# crashes go to build/fuzz/crashes/. Usage: scripts/fuzz.sh [seconds per target] [target...]
#   FUZZ_MERGE=1 merges the new inputs back into tests/fuzz/corpus/ (minimised) afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(server_batch restore merge_patch json_parse)

[ -f build/fuzz/CMakeCache.txt ] ||
  CXX=clang++ cmake -S . -B build/fuzz -DSYNCORE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# One target's bounded run; its status is the fuzzer's (non-zero: a crash, kept in $crashes).
fuzz_one() {
  local t="$1" seeds="tests/fuzz/corpus/$1" work="build/fuzz/corpus/$1" crashes="build/fuzz/crashes/$1"
  local log="build/fuzz/$1.log" status=0
  mkdir -p "$work" "$crashes"
  build/fuzz/fuzz_$t "$work" "$seeds" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  echo "== fuzz $t: ${seconds} s over $seeds"
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz $t: FAILED with status $status (input in $crashes, log $log)" >&2
    return 1
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    build/fuzz/fuzz_$t -merge=1 "$seeds" "$work" 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || true
  fi
}

# The targets run side by side, as many at once as there are cores (each fuzzer is one process):
# the same seconds of fuzzing per target in a fraction of the wall time.
parallel="${FUZZ_JOBS:-$(nproc)}"
failed=0
pids=()
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || exit 1
