#!/usr/bin/env bash
# Installs what the build and the tests need and is not there yet: Debian packages (emscripten,
# nlohmann-json, Catch2, Chromium, clang for the fuzzers) and the npm dev dependencies. Safe to run
# again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v emcc >/dev/null 2>&1 || missing+=(emscripten)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -f /usr/include/catch2/catch.hpp ] || missing+=(catch2)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
# The libFuzzer targets (scripts/fuzz.sh): clang and its fuzzer / sanitizer runtimes.
command -v clang++ >/dev/null 2>&1 || missing+=(clang)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || missing+=(libclang-rt-14-dev)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)  # npm run bench: callgrind view
# The Django back end (server/django, tests/django): Debian's Python packages and redis-server.
/usr/bin/python3 -c 'import django, channels, daphne, channels_redis, rest_framework, pytest_django, psycopg2' 2>/dev/null ||
  missing+=(python3-django python3-django-channels python3-daphne python3-channels-redis python3-djangorestframework python3-pytest-django python3-psycopg2)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)  # tests/support/postgres.js

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1
    fi
  fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is absent or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
