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
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  work="build/fuzz/corpus/$t"
  crashes="build/fuzz/crashes/$t"
  mkdir -p "$work" "$crashes"
  echo "== fuzz $t: ${seconds} s over $seeds"
  log="build/fuzz/$t.log"
  status=0
  build/fuzz/fuzz_$t "$work" "$seeds" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz $t: FAILED with status $status (input in $crashes, log $log)" >&2
    exit 1
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    build/fuzz/fuzz_$t -merge=1 "$seeds" "$work" 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || true
  fi
done
