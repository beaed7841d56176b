#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds the native
# release and the wasm32-wasi core, then runs every CTest test (unit,
# integration, fuzz-corpus replay, Node.js and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$jobs"
ctest --preset release -j "$jobs" "$@"
