#!/usr/bin/env bash
# Benchmark of `barrier serve` against nginx on this machine, in one go
# (not a test: it prints figures, it asserts nothing).
#
#   1. nginx serving a small static file directly            (the reference)
#   2. barrier serve serving the same file to a signed-in client
#   3. nginx serving the file behind barrier's forward-auth check (auth_request)
#   4. a 1 GiB upload (curl -T -, chunked) through barrier serve to a small
#      Node upstream, with barrier's peak RSS before and after it
#
# The signed-in client is real: the script signs in once through the local
# identity provider (tests/idp) with curl and reuses barrier's cookie.
# Prints requests/s, p50/p99 latency and the ratio to nginx, plus barrier's RSS.
#
# Environment: BARRIER_BINARY (default build/release/barrier), BENCH_DURATION
# (seconds, default 10), BENCH_CONNECTIONS (default 64), BENCH_THREADS (wrk
# threads, default 2), BENCH_SERVER_THREADS (nginx workers and barrier
# threads, default: cores), BENCH_UPLOAD_MIB (default 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BARRIER=${BARRIER_BINARY:-$ROOT/build/release/barrier}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
SERVER_THREADS=${BENCH_SERVER_THREADS:-$(nproc)}
NGINX=${NGINX:-/usr/sbin/nginx}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$BARRIER" ] || die "no barrier binary at $BARRIER (build the release preset or set BARRIER_BINARY)"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -x "$NGINX" ] || die "nginx is not installed at $NGINX"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/barrier-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,process.argv[1],()=>{console.log(s.address().port);s.close()})' "$1"
}
wait_for() {  # file pattern seconds
  local deadline=$((SECONDS + $3))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { cat "$1" >&2; die "timed out waiting for $2 in $1"; }
    sleep 0.1
  done
}
wait_port() {  # host port
  local deadline=$((SECONDS + 15))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    ((SECONDS < deadline)) || die "nothing listens on $1:$2"
    sleep 0.1
  done
}

# The small file: a typical little HTML page.
mkdir -p "$WORK/site"
head -c 600 /dev/zero | tr '\0' 'x' | sed 's/^/<!doctype html><title>bench<\/title><p>/' >"$WORK/site/index.html"
echo '</p>' >>"$WORK/site/index.html"

BARRIER_HOST=127.0.0.2
BARRIER_PORT=$(free_port $BARRIER_HOST)
NGINX_PORT=$(free_port 127.0.0.1)
NGINX_AUTH_PORT=$(free_port 127.0.0.1)
UPSTREAM_PORT=$(free_port 127.0.0.1)
SITE=http://$BARRIER_HOST:$BARRIER_PORT
SECRET=$(openssl rand -hex 16)

# The upload's upstream: counts the bytes it receives, keeps none.
node -e '
  require("http").createServer((req, res) => {
    let n = 0;
    req.on("data", (c) => { n += c.length; });
    req.on("end", () => res.end(String(n)));
  }).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("upstream ready"));' "$UPSTREAM_PORT" >"$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/upstream.log" 'upstream ready' 30

node tests/idp/idp.mjs --host 127.0.0.1 --port 0 --client-id barrier --client-secret "$SECRET" \
  --redirect-uri "$SITE/_identity/auth" --logout-uri "$SITE/_identity/signed-out" >"$WORK/idp.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/idp.log" '"issuer"' 30
ISSUER=$(sed -n 's/.*"issuer":"\([^"]*\)".*/\1/p' "$WORK/idp.log" | head -1)

cat >"$WORK/barrier.yaml" <<YAML
site_url: $SITE
provider: { type: oidc, issuer: "$ISSUER", client_id: barrier, client_secret: "$SECRET" }
session: { signing_keys: ["$("$BARRIER" keygen)"] }
store: { type: sqlite, path: "$WORK/sessions.db" }
server:
  listen: "$BARRIER_HOST:$BARRIER_PORT"
  threads: $SERVER_THREADS
  max_body_bytes: 2147483648
  origins:
    - { prefix: /, static: "$WORK/site" }
    - { prefix: /upload/, upstream: "http://127.0.0.1:$UPSTREAM_PORT" }
YAML
"$BARRIER" serve -c "$WORK/barrier.yaml" --log-level warn >"$WORK/barrier.out" 2>"$WORK/barrier.err" &
BARRIER_PID=$!
PIDS+=($BARRIER_PID)
wait_for "$WORK/barrier.out" 'listening on' 30

# Sign in once, like a browser: login -> provider form -> callback -> cookie.
JAR=$WORK/cookies.txt
FORM=$(curl -sS -L -c "$JAR" -b "$JAR" "$SITE/_identity/login?path=/")
ACTION=$(printf '%s' "$FORM" | sed -n 's/.*action="\(\/interaction\/[^"]*\/login\)".*/\1/p' | head -1)
[ -n "$ACTION" ] || die "no login form from the identity provider"
curl -sS -L -c "$JAR" -b "$JAR" -o /dev/null -d username=alice -d password=alice-password "$ISSUER$ACTION"
COOKIE=$(awk -v host=$BARRIER_HOST '$1 ~ host && $6 == "barrier" { print $6 "=" $7 }' "$JAR" | tail -1)
[ -n "$COOKIE" ] || die "sign-in did not give a barrier cookie"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$SITE/index.html")
[ "$STATUS" = 200 ] || die "the signed-in client got $STATUS, not 200"

# The upload, before the load runs so that the peak RSS it leaves is its own.
UPLOAD_MIB=${BENCH_UPLOAD_MIB:-1024}
HWM_BEFORE=$(awk '/^VmHWM/ { print $2 }' "/proc/$BARRIER_PID/status")
UPLOAD_START=$(date +%s.%N)
RECEIVED=$(head -c "$((UPLOAD_MIB * 1024 * 1024))" /dev/zero |
  curl -sS -H "Cookie: $COOKIE" -H 'Content-Type: application/octet-stream' -T - "$SITE/upload/blob")
UPLOAD_SECONDS=$(awk -v a="$UPLOAD_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
HWM_AFTER=$(awk '/^VmHWM/ { print $2 }' "/proc/$BARRIER_PID/status")
[ "$RECEIVED" = "$((UPLOAD_MIB * 1024 * 1024))" ] || die "the upstream received $RECEIVED bytes of the upload"

# nginx: the file directly on one port; behind auth_request on another.
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes $SERVER_THREADS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  default_type text/html;
  upstream barrier { server $BARRIER_HOST:$BARRIER_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/site;
  }
  server {
    listen 127.0.0.1:$NGINX_AUTH_PORT;
    root $WORK/site;
    location = /_barrier_check {
      internal;
      proxy_pass http://barrier/_identity/check;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
    }
    location / { auth_request /_barrier_check; }
  }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/stderr.log" &
PIDS+=($!)
wait_port 127.0.0.1 $NGINX_PORT
wait_port 127.0.0.1 $NGINX_AUTH_PORT
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$NGINX_AUTH_PORT/index.html")
[ "$STATUS" = 200 ] || die "nginx + forward-auth gave $STATUS, not 200"

# Runs wrk; prints "requests/s p50 p99" (latencies in ms).
run_wrk() {
  local url=$1; shift
  wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "$@" "$url" >"$WORK/wrk.txt" 2>&1
  grep -q 'Non-2xx' "$WORK/wrk.txt" && { cat "$WORK/wrk.txt" >&2; die "wrk saw non-2xx answers for $url"; }
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }' "$WORK/wrk.txt"
}

echo "bench: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on $(nproc) cores; nginx workers and barrier threads: $SERVER_THREADS" >&2
# Warm-up (page cache, connection pools, barrier's session cache).
wrk -t1 -c4 -d1s "http://127.0.0.1:$NGINX_PORT/index.html" >/dev/null
wrk -t1 -c4 -d1s -H "Cookie: $COOKIE" "$SITE/index.html" >/dev/null
read -r N_RPS N_P50 N_P99 < <(run_wrk "http://127.0.0.1:$NGINX_PORT/index.html")
read -r B_RPS B_P50 B_P99 < <(run_wrk "$SITE/index.html" -H "Cookie: $COOKIE")
read -r F_RPS F_P50 F_P99 < <(run_wrk "http://127.0.0.1:$NGINX_AUTH_PORT/index.html" -H "Cookie: $COOKIE")
RSS=$(awk '/^VmRSS/ { print $2 }' "/proc/$BARRIER_PID/status")
HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$BARRIER_PID/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
printf '\n%-44s %12s %10s %10s %9s\n' "scenario" "requests/s" "p50 ms" "p99 ms" "vs nginx"
printf '%-44s %12s %10s %10s %9s\n' "nginx, static file" "$N_RPS" "$N_P50" "$N_P99" "100%"
printf '%-44s %12s %10s %10s %9s\n' "barrier serve, static file, signed in" "$B_RPS" "$B_P50" "$B_P99" "$(ratio "$B_RPS" "$N_RPS")"
printf '%-44s %12s %10s %10s %9s\n' "nginx + barrier forward-auth, signed in" "$F_RPS" "$F_P50" "$F_P99" "$(ratio "$F_RPS" "$N_RPS")"
printf '\nbarrier RSS: %s KiB now, %s KiB peak\n' "$RSS" "$HWM"
printf 'upload of %s MiB through barrier serve: %s s (%s MiB/s); barrier peak RSS %s KiB before it, %s KiB after\n' \
  "$UPLOAD_MIB" "$UPLOAD_SECONDS" "$(awk -v m="$UPLOAD_MIB" -v s="$UPLOAD_SECONDS" 'BEGIN { printf "%.0f", m / s }')" \
  "$HWM_BEFORE" "$HWM_AFTER"
