#!/usr/bin/env bash
# Builds the native core with its Catch2 tests, and the wasm module (release, plus the debug
# build with assertions) into dist/. Incremental: re-running rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"  # emcc's JS optimizer needs Debian's node modules
JOBS="${JOBS:-$(nproc)}"
what="${1:-all}"

# The JS/TS mirror of the C++ vocabulary (js/generated/), checked for drift by the tests.
node scripts/gen_vocabulary.mjs >/dev/null

if [ "$what" = all ] || [ "$what" = native ]; then
  [ -f build/native/CMakeCache.txt ] || cmake -S . -B build/native -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/native -j "$JOBS"
fi

if [ "$what" = all ] || [ "$what" = wasm ]; then
  [ -f build/wasm/CMakeCache.txt ] || emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/wasm -j "$JOBS"
  [ -f build/wasm-debug/CMakeCache.txt ] || emcmake cmake -S . -B build/wasm-debug -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build build/wasm-debug -j "$JOBS"
  mkdir -p dist
  cp build/wasm/syncore.mjs build/wasm/syncore.wasm dist/
  cp build/wasm-debug/syncore-debug.mjs build/wasm-debug/syncore-debug.wasm dist/
  node scripts/embed_wasm.mjs  # dist/syncore-embedded.mjs: the wasm in a JS module (esbuild, Rollup)
fi
