#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds the native
# release and the wasm32-wasi core, runs every CTest test (unit,
# integration, fuzz-corpus replay, Node.js and browser tests), then the unit
# and integration tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer (the integration tests run the sanitized
# `barrier` binary as a process).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/node-path.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$jobs"
ctest --preset release -j "$jobs" "$@"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target barrier_unit_tests barrier barrier_integration_tests
ctest --preset asan -L 'unit|integration' -j "$jobs"
