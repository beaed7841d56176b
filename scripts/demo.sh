#!/usr/bin/env bash
# The local demo (README command 1): installs what is missing, builds the
# release preset, then runs on this machine
#   - the local identity provider (tests/idp, a Cognito stand-in) on 127.0.0.1,
#   - a tiny upstream application that shows identity headers (examples/upstream),
#   - `barrier serve` on 127.0.0.2 in front of examples/site (SQLite store,
#     random signing key, /admin/ for group admins only),
# prints the URL and the demo logins, and stops everything on Ctrl-C.
# The barrier and the provider use different loopback addresses because
# browser cookies ignore ports.
#
# Ports (override through the environment):
#   DEMO_PORT=8080          barrier  (http://127.0.0.2:8080)
#   DEMO_IDP_PORT=9000      identity provider (http://127.0.0.1:9000)
#   DEMO_UPSTREAM_PORT=9001 upstream application (http://127.0.0.1:9001)
#   DEMO_METRICS_PORT=9090  barrier's metrics listener (http://127.0.0.2:9090)
# DEMO_SKIP_BUILD=1 skips setup and build (uses build/release as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PORT=${DEMO_PORT:-8080}
IDP_PORT=${DEMO_IDP_PORT:-9000}
UPSTREAM_PORT=${DEMO_UPSTREAM_PORT:-9001}
METRICS_PORT=${DEMO_METRICS_PORT:-9090}
HOST=127.0.0.2
IDP_HOST=127.0.0.1

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [ "${DEMO_SKIP_BUILD:-}" != 1 ]; then
  ./scripts/setup.sh
  say "building the release preset (first time takes a few minutes)"
  cmake --preset release >/dev/null
  # Only the program: the test suite is scripts/test.sh's business.
  cmake --build --preset release -j "$(nproc)" --target barrier
fi
source scripts/node-path.sh
BARRIER=${DEMO_BARRIER:-$ROOT/build/release/barrier}
[ -x "$BARRIER" ] || die "$BARRIER is missing: run without DEMO_SKIP_BUILD"

# A port is usable when we can bind it ourselves right now.
port_free() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));
           s.listen(Number(process.argv[2]),process.argv[1],()=>s.close(()=>process.exit(0)))' "$1" "$2"
}
for spec in "$HOST:$PORT:DEMO_PORT" "$IDP_HOST:$IDP_PORT:DEMO_IDP_PORT" "$IDP_HOST:$UPSTREAM_PORT:DEMO_UPSTREAM_PORT" \
  "$HOST:$METRICS_PORT:DEMO_METRICS_PORT"; do
  IFS=: read -r host port var <<<"$spec"
  port_free "$host" "$port" || die "port $port on $host is taken; choose another with $var=<port> $0"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/barrier-demo.XXXXXX")
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  if ((${#PIDS[@]})); then
    say "stopping"
    kill -TERM "${PIDS[@]}" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits until `file` contains `pattern` (extended regex) or `seconds` pass.
wait_for() {
  local file=$1 pattern=$2 seconds=$3 pid=$4 name=$5
  local deadline=$((SECONDS + seconds))
  until grep -Eq "$pattern" "$file" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "$name exited during start-up"; }
    ((SECONDS < deadline)) || { cat "$file" >&2; die "$name did not start within $seconds s"; }
    sleep 0.1
  done
}

SITE=http://$HOST:$PORT
SECRET=$(openssl rand -hex 16)

node tests/idp/idp.mjs --host "$IDP_HOST" --port "$IDP_PORT" \
  --client-id barrier --client-secret "$SECRET" \
  --redirect-uri "$SITE/_identity/auth" --logout-uri "$SITE/_identity/signed-out" \
  >"$WORK/idp.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/idp.log" '"issuer"' 30 "${PIDS[-1]}" "the identity provider"
ISSUER=http://$IDP_HOST:$IDP_PORT

node examples/upstream/echo.mjs --host "$IDP_HOST" --port "$UPSTREAM_PORT" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/upstream.log" '"url"' 30 "${PIDS[-1]}" "the upstream application"

cat >"$WORK/barrier.yaml" <<YAML
# Written by scripts/demo.sh; deleted when the demo stops.
site_url: $SITE
provider:
  # The local provider serves Cognito's paths; barrier finds them through
  # its discovery document, as for any OpenID Connect provider.
  type: oidc
  issuer: "$ISSUER"
  client_id: barrier
  client_secret: "$SECRET"
session:
  signing_keys: ["$("$BARRIER" keygen)"]
cache:
  ttl: 10s
store:
  type: sqlite
  path: "$WORK/sessions.db"
server:
  listen: "$HOST:$PORT"
  metrics_listen: "$HOST:$METRICS_PORT"
  origins:
    - prefix: /
      static: "$ROOT/examples/site"
    - prefix: /whoami
      upstream: "http://$IDP_HOST:$UPSTREAM_PORT"
rules:
  - path: /admin/*
    groups: [admins]
YAML

"$BARRIER" serve -c "$WORK/barrier.yaml" >"$WORK/barrier.out" 2> >(tee "$WORK/barrier.log" >&2) &
PIDS+=($!)
wait_for "$WORK/barrier.out" 'listening on' 30 "${PIDS[-1]}" "barrier serve"

cat >&2 <<TEXT

  barrier demo is running:  $SITE/

  Sign in at the provider with
    alice / alice-password   (group admins: may open /admin/)
    bob   / bob-password     (no group: /admin/ answers 403)

  Pages: $SITE/whoami (identity headers via the upstream), $SITE/admin/,
         $SITE/_identity/me, $SITE/_identity/logout
  Also:  $SITE/_identity/health, http://$HOST:$METRICS_PORT/_identity/metrics
  Revoke alice everywhere:
         $BARRIER sessions revoke -c $WORK/barrier.yaml --user alice-sub-0001

  barrier's JSON request log follows. Press Ctrl-C to stop everything.

TEXT

# Runs until Ctrl-C (or until barrier stops on its own).
wait "${PIDS[-1]}"
