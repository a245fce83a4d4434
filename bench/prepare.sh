#!/usr/bin/env bash
# Builds what npm run bench needs: the release wasm in dist/ (only when a source is newer).
# The native benchmark for callgrind is built by bench/native/callgrind.mjs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/syncore.wasm ] || [ -n "$(find src wasm CMakeLists.txt -newer dist/syncore.wasm -print -quit)" ]; then
  bash scripts/build.sh wasm
fi
