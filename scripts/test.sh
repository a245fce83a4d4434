#!/usr/bin/env bash
# npm test: set up, build, then every suite: Catch2 under ctest, node:test on the wasm build, and
# the headless-Chromium tests. Each "== " line starts with the seconds elapsed since the start, so
# a log shows where the time goes (the bound is 20 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
phase() { echo "== [$(( $(date +%s) - start )) s] $*"; }
phase "setup (Debian packages, npm ci)"
bash scripts/setup.sh
phase "build (native core + tests, release and debug wasm)"
bash scripts/build.sh
phase "ctest (native core)"
(cd build/native && ctest --output-on-failure -j "$(nproc)")
phase "fuzz (libFuzzer, 10 s per target over tests/fuzz/corpus)" && bash scripts/fuzz.sh 10
phase "node:test (wasm build, JS API)"
# Two files at a time: each is one Node process with its own servers on free ports.
node --test --test-concurrency=2 tests/node/*.test.js
phase "node:test (headless Chromium end-to-end, the packed tarball in four bundlers)"
# One at a time: each drives a Chromium of its own.
node --test --test-concurrency=1 tests/browser/*.test.js tests/package/*.test.js
phase "the Django back end: pytest (Debian's python3), then the conformance suite and the two-Daphne fan-out"
/usr/bin/python3 -m pytest -q -c tests/django/pytest.ini tests/django
node --test --test-concurrency=1 tests/django/*.test.js
phase "all suites passed in $(( $(date +%s) - start )) s"
