#!/usr/bin/env bash
# Installs every apt and npm dependency of barrier that is missing.
# Idempotent and quiet when there is nothing to do. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev libcurl4-openssl-dev libboost-dev libboost-system-dev nlohmann-json3-dev
  libyaml-cpp-dev libsqlite3-dev sqlite3 libhiredis-dev libcli11-dev libzip-dev zip unzip
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 clang-format-14 lld-14 libclang-rt-14-dev wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
  libclang-rt-14-dev-wasm32
  nodejs npm redis-server nginx-light caddy chromium wrk curl ca-certificates
  dpkg-dev lintian systemd man-db file
  python3 python3-boto3
)
# moto_server and cfn-lint (DynamoDB/STS/CloudFormation stand-ins and the
# template linter) have no Debian package: the tests that need them skip
# and say so, and scripts/skip-report.py lists them at the end of a run.

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere (the machine's own Node 20); accept the commands.
  case "$pkg" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js 20.16+ (process.getBuiltinModule, which the edge handler needs;
# package.json's engines). Debian 12's own nodejs is 18: when the node on
# PATH is older, Node 22 from the npm registry (the node-linux-<arch>
# package, the official binary) is unpacked into .tools/node, which
# test.sh and demo.sh put first on PATH (scripts/node-path.sh).
node_ok() {
  node -e 'process.exit(typeof process.getBuiltinModule === "function" ? 0 : 1)' 2>/dev/null
}
source scripts/node-path.sh
if ! node_ok; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64) node_arch=arm64 ;;
    *) echo "setup: no Node.js 20.16+ here and no npm-registry build for $(uname -m); install one" >&2; exit 1 ;;
  esac
  echo "setup: $(node --version 2>/dev/null || echo 'no node') is older than 20.16: installing Node 22 into .tools/node" >&2
  rm -rf .tools/node .tools/node-download && mkdir -p .tools/node-download
  (cd .tools/node-download && npm pack --silent "node-linux-${node_arch}@22" >/dev/null)
  tar -xzf .tools/node-download/node-linux-*.tgz -C .tools/node-download
  mv .tools/node-download/package .tools/node && rm -rf .tools/node-download
  source scripts/node-path.sh
  node_ok || { echo "setup: .tools/node/bin/node does not run" >&2; exit 1; }
fi

# npm packages (oidc-provider, dynalite, playwright-core, ...), pinned by package-lock.json.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
