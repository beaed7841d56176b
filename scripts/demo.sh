#!/usr/bin/env bash
# The local demo (README command 1). For now: build and show barrier's help.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
./build/release/barrier --help
