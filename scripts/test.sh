#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, checks formatting
# and lock annotations (scripts/check-code.sh), builds the native
# release and the wasm32-wasi core, runs every CTest test (unit,
# integration, fuzz-corpus replay, Node.js and browser tests), then the unit
# and integration tests and the fuzz corpora again under AddressSanitizer +
# UndefinedBehaviorSanitizer (the integration tests run the sanitized
# `barrier` binary as a process), and under ThreadSanitizer (the gateway
# and its caches, pools and limiters run on many threads). Ends with a
# table of every skipped test and its reason (scripts/skip-report.py);
# with CI=true, a skip whose missing tool is in fact here fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/node-path.sh
jobs=$(nproc)

# The build directories whose CTest runs the closing table covers.
runs=()
closing_report() {
  local rc=$?
  if ((${#runs[@]})); then
    python3 scripts/skip-report.py "${runs[@]}" || [ "$rc" -ne 0 ] || rc=1
  fi
  exit "$rc"
}
trap closing_report EXIT

# ctest with a JUnit report in the build directory (for the table).
run_ctest() {
  local preset=$1
  shift
  rm -f "build/$preset/ctest-junit.xml"
  runs+=("build/$preset")
  ctest --preset "$preset" -j "$jobs" --output-junit "$PWD/build/$preset/ctest-junit.xml" "$@"
}

cmake --preset release >/dev/null
./scripts/check-code.sh
cmake --build --preset release -j "$jobs"
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$jobs"
rm -f build/release/node-junit/*.xml
run_ctest release "$@"

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target barrier_unit_tests barrier barrier_integration_tests \
  barrier_fuzz_replays
run_ctest asan -L 'unit|integration|fuzz'

# ThreadSanitizer writes its reports to build/tsan/tsan-report.<pid>
# (CMakePresets.json), so a race inside a `barrier` child process counts too.
# The preset builds with -Wno-tsan: GCC warns that TSan does not model the
# std::atomic_thread_fence in Boost.Asio's handler invocation; Asio's
# handler queues are mutex-protected, which TSan does model.
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target barrier_unit_tests barrier barrier_integration_tests
rm -f build/tsan/tsan-report.*
run_ctest tsan -L 'unit|integration'
if compgen -G 'build/tsan/tsan-report.*' >/dev/null; then
  cat build/tsan/tsan-report.* >&2
  echo "test.sh: ThreadSanitizer reported the races above" >&2
  exit 1
fi
