#!/usr/bin/env bash
# Benchmark of `barrier serve` against nginx on this machine, in one go
# (not a test: it prints figures, it asserts nothing).
#
#   bench/run.sh [--sessions N]
#
#   1. nginx serving a small static file directly            (the reference)
#   2. barrier serve serving the same file to a signed-in client
#   3. nginx auth_request to a second nginx that only answers 204
#      (the ceiling of any forward-auth service)
#   4. nginx serving the file behind barrier's forward-auth check (auth_request)
#   5. nginx proxy_pass to an upstream (the second nginx, the same small file)
#   6. barrier serve, signed in, proxying to that same upstream
#   7. nginx over TLS serving the file (keep-alive; a certificate made here
#      with openssl, TLS 1.3, the same for both)
#   8. a second barrier serve with server.tls (same store, key and file)
#      serving it over TLS to the signed-in client; the closing note gives
#      its ratio to (7) against the plain ratio of (2) to (1)
#   9. a 1 GiB upload (curl -T -, chunked) through barrier serve to a small
#      Node upstream, with barrier's peak RSS before and after it
#  10. with --sessions N: N sessions written straight into barrier's store
#      (bench/seed_sessions.cpp, the project's own store and codec), each
#      requested once with its signed cookie so that barrier's session cache
#      holds them all, then barrier's RSS with N cached sessions
#
# The signed-in client is real: the script signs in once through the local
# identity provider (tests/idp) with curl and reuses barrier's cookie.
# Prints the load average first (and marks the table when it is above 1:
# figures taken on a loaded machine are not comparable), then requests/s,
# p50/p99 latency and each barrier row's ratio to its nginx reference, plus
# barrier's RSS. Everything it starts listens on 127.0.0.x, on ports picked
# at run time, and is stopped on exit.
#
# Environment: BARRIER_BINARY (default build/release/barrier),
# BENCH_SEED_BINARY (default: barrier_bench_seed_sessions beside it; built
# with `cmake --build --preset release --target barrier_bench_seed_sessions`),
# BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (default 64),
# BENCH_THREADS (wrk threads, default 2), BENCH_SERVER_THREADS (workers of
# each nginx and barrier threads, default: cores), BENCH_UPLOAD_MIB
# (default 1024), BENCH_SMAPS (with --sessions: a file to copy barrier's
# /proc/<pid>/smaps to once the N sessions are cached).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BARRIER=${BARRIER_BINARY:-$ROOT/build/release/barrier}
SEED=${BENCH_SEED_BINARY:-$(dirname "$BARRIER")/barrier_bench_seed_sessions}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
SERVER_THREADS=${BENCH_SERVER_THREADS:-$(nproc)}
NGINX=${NGINX:-/usr/sbin/nginx}

die() { echo "bench: $*" >&2; exit 1; }
SESSIONS=0
while (($#)); do
  case $1 in
    --sessions) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--sessions needs a count"; SESSIONS=$2; shift 2 ;;
    *) die "unknown argument $1 (usage: bench/run.sh [--sessions N])" ;;
  esac
done
((SESSIONS == 0)) || [ -x "$SEED" ] ||
  die "no seeding program at $SEED (cmake --build --preset release --target barrier_bench_seed_sessions, or set BENCH_SEED_BINARY)"

# Figures are only comparable on a quiet machine: say how busy this one is.
echo "bench: before the run: $(uptime)" >&2
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
LOADED=$(awk -v l="$LOAD1" 'BEGIN { print (l > 1) ? 1 : 0 }')
((LOADED == 0)) ||
  echo "bench: WARNING: 1-minute load average $LOAD1 > 1: other work shares this machine, these figures are not comparable" >&2
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
# The same page under the prefix barrier proxies (paths are not rewritten).
mkdir -p "$WORK/site/proxied"
cp "$WORK/site/index.html" "$WORK/site/proxied/index.html"

BARRIER_HOST=127.0.0.2
BARRIER_PORT=$(free_port $BARRIER_HOST)
NGINX_PORT=$(free_port 127.0.0.1)
NGINX_AUTH_PORT=$(free_port 127.0.0.1)
NGINX_CEILING_PORT=$(free_port 127.0.0.1)
NGINX_PROXY_PORT=$(free_port 127.0.0.1)
BACKEND_PORT=$(free_port 127.0.0.1)
METRICS_PORT=$(free_port $BARRIER_HOST)
BARRIER_TLS_PORT=$(free_port $BARRIER_HOST)
NGINX_TLS_PORT=$(free_port 127.0.0.1)
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

# The top of an nginx configuration whose files live in $WORK/$1.
nginx_head() {
  cat <<NGINX
worker_processes $SERVER_THREADS;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
NGINX
}
nginx_http_head() {
  cat <<NGINX
  access_log off;
  client_body_temp_path $WORK/$1/body;
  proxy_temp_path $WORK/$1/proxy;
  fastcgi_temp_path $WORK/$1/fastcgi;
  uwsgi_temp_path $WORK/$1/uwsgi;
  scgi_temp_path $WORK/$1/scgi;
  default_type text/html;
NGINX
}
start_nginx() {  # name
  "$NGINX" -p "$WORK/$1" -c "$WORK/$1/nginx.conf" -g 'daemon off;' 2>"$WORK/$1/stderr.log" &
  PIDS+=($!)
}

# The second nginx: the forward-auth ceiling (a location that only answers
# 204) and the upstream of the proxied rows (the same small page). Its own
# process and workers, as barrier has its own.
mkdir -p "$WORK/backend/logs"
cat >"$WORK/backend/nginx.conf" <<NGINX
$(nginx_head backend)
http {
$(nginx_http_head backend)
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    root $WORK/site;
    location = /_allow { return 204; }
  }
}
NGINX
start_nginx backend
wait_port 127.0.0.1 "$BACKEND_PORT"

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
    - { prefix: /proxied/, upstream: "http://127.0.0.1:$BACKEND_PORT" }
  metrics_listen: "$BARRIER_HOST:$METRICS_PORT"
YAML
# Rows (7) and (8): one self-signed certificate for nginx and barrier over
# TLS; barrier's TLS twin shares the store, key and file of the plain one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
  -addext "subjectAltName=IP:127.0.0.1,IP:$BARRIER_HOST" \
  -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2>/dev/null
chmod 600 "$WORK/tls.key"
TLS_SITE=https://$BARRIER_HOST:$BARRIER_TLS_PORT
sed -e "s|^site_url: .*|site_url: $TLS_SITE|" -e "s|$BARRIER_HOST:$BARRIER_PORT|$BARRIER_HOST:$BARRIER_TLS_PORT|" \
  -e '/metrics_listen/d' "$WORK/barrier.yaml" >"$WORK/barrier-tls.yaml"
printf '  tls: { cert: "%s", key: "%s" }\n' "$WORK/tls.pem" "$WORK/tls.key" >>"$WORK/barrier-tls.yaml"
# cache.max_entries (default 10000, README "cache") bounds the session cache;
# its 16 shards split the bound evenly and the keys unevenly, so N sessions
# need some headroom to all stay cached.
if ((SESSIONS > 0)); then
  CACHE_ENTRIES=$((SESSIONS + SESSIONS / 8 + 1024))
  ((SESSIONS + 1 <= 10000)) ||
    echo "bench: the default cache.max_entries (10000) holds fewer than $SESSIONS sessions: this run sets it to $CACHE_ENTRIES" >&2
  echo "cache: { max_entries: $CACHE_ENTRIES }" >>"$WORK/barrier.yaml"
  "$SEED" -c "$WORK/barrier.yaml" --sessions "$SESSIONS" --cookies "$WORK/seeded-cookies.txt" >&2
fi
"$BARRIER" serve -c "$WORK/barrier.yaml" --log-level warn >"$WORK/barrier.out" 2>"$WORK/barrier.err" &
BARRIER_PID=$!
PIDS+=("$BARRIER_PID")
wait_for "$WORK/barrier.out" 'listening on' 30
"$BARRIER" serve -c "$WORK/barrier-tls.yaml" --log-level warn >"$WORK/barrier-tls.out" 2>"$WORK/barrier-tls.err" &
PIDS+=($!)
wait_for "$WORK/barrier-tls.out" 'listening on' 30

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

# nginx in front: the file directly; behind auth_request to barrier; behind
# auth_request to the second nginx's 204 (the ceiling); proxy_pass to the
# second nginx. The two auth_request servers send the same subrequest.
auth_location() {  # upstream uri
  cat <<NGINX
    location = /_auth {
      internal;
      proxy_pass http://$1$2;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
    }
    location / { auth_request /_auth; }
NGINX
}
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<NGINX
$(nginx_head nginx)
http {
$(nginx_http_head nginx)
  upstream barrier { server $BARRIER_HOST:$BARRIER_PORT; keepalive 64; }
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/site;
  }
  server {
    listen 127.0.0.1:$NGINX_AUTH_PORT;
    root $WORK/site;
$(auth_location barrier /_identity/check)
  }
  server {
    listen 127.0.0.1:$NGINX_CEILING_PORT;
    root $WORK/site;
$(auth_location backend /_allow)
  }
  server {
    listen 127.0.0.1:$NGINX_TLS_PORT ssl;
    ssl_certificate $WORK/tls.pem;
    ssl_certificate_key $WORK/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $WORK/site;
  }
  server {
    listen 127.0.0.1:$NGINX_PROXY_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
start_nginx nginx
for port in $NGINX_PORT $NGINX_AUTH_PORT $NGINX_CEILING_PORT $NGINX_PROXY_PORT $NGINX_TLS_PORT; do
  wait_port 127.0.0.1 "$port"
done
expect_200() {  # what url [curl args]
  local what=$1 url=$2; shift 2
  STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")
  [ "$STATUS" = 200 ] || die "$what gave $STATUS, not 200"
}
expect_200 "nginx + forward-auth" "http://127.0.0.1:$NGINX_AUTH_PORT/index.html" -H "Cookie: $COOKIE"
expect_200 "nginx + the 204 ceiling" "http://127.0.0.1:$NGINX_CEILING_PORT/index.html"
expect_200 "nginx proxy_pass" "http://127.0.0.1:$NGINX_PROXY_PORT/proxied/index.html"
expect_200 "barrier serve to the upstream" "$SITE/proxied/index.html" -H "Cookie: $COOKIE"
expect_200 "nginx over TLS" "https://127.0.0.1:$NGINX_TLS_PORT/index.html" --cacert "$WORK/tls.pem"
expect_200 "barrier serve over TLS" "$TLS_SITE/index.html" --cacert "$WORK/tls.pem" -H "Cookie: $COOKIE"

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

# --sessions N: every seeded session requested once with its cookie, so that
# barrier's session cache holds them all; then a second request for a
# sample of them must read nothing from the store (cache misses unchanged).
metric() { curl -s "http://$BARRIER_HOST:$METRICS_PORT/_identity/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
fill_cache() {  # cookie-file
  local lines threads connections
  lines=$(wc -l <"$1")
  threads=$((WRK_THREADS < lines ? WRK_THREADS : lines))
  connections=$((CONNECTIONS < lines ? CONNECTIONS : lines))
  ((connections >= threads)) || connections=$threads
  rm -f "$WORK"/fill-done.*
  wrk -t "$threads" -c "$connections" -d 3600s -s "$ROOT/bench/fill_cache.lua" "$SITE/index.html" \
    -- "$1" barrier "$threads" "$connections" "$WORK/fill-done" >"$WORK/fill.txt" 2>&1 &
  local wrk_pid=$!
  PIDS+=("$wrk_pid")
  until (($(find "$WORK" -maxdepth 1 -name 'fill-done.*' | wc -l) == threads)); do
    kill -0 "$wrk_pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || true
  grep -q '^fill: .*, 0 not 200$' "$WORK/fill.txt" || { cat "$WORK/fill.txt" >&2; die "filling the cache failed"; }
}
if ((SESSIONS > 0)); then
  RSS_BEFORE_FILL=$(awk '/^VmRSS/ { print $2 }' "/proc/$BARRIER_PID/status")
  [ -z "${BENCH_SMAPS:-}" ] || cp "/proc/$BARRIER_PID/smaps" "$BENCH_SMAPS.before"
  MISSES_BEFORE=$(metric barrier_cache_misses_total)
  FILL_START=$(date +%s.%N)
  fill_cache "$WORK/seeded-cookies.txt"
  FILL_SECONDS=$(awk -v a="$FILL_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  MISSES_FILLED=$(metric barrier_cache_misses_total)
  ((MISSES_FILLED - MISSES_BEFORE >= SESSIONS)) ||
    die "barrier read $((MISSES_FILLED - MISSES_BEFORE)) sessions from its store, not $SESSIONS"
  RSS_CACHED=$(awk '/^VmRSS/ { print $2 }' "/proc/$BARRIER_PID/status")
  RSS_ANON_CACHED=$(awk '/^RssAnon/ { print $2 }' "/proc/$BARRIER_PID/status")
  [ -z "${BENCH_SMAPS:-}" ] || cp "/proc/$BARRIER_PID/smaps" "$BENCH_SMAPS"
  tail -n 1000 "$WORK/seeded-cookies.txt" >"$WORK/sample-cookies.txt"
  fill_cache "$WORK/sample-cookies.txt"
  UNCACHED=$(($(metric barrier_cache_misses_total) - MISSES_FILLED))
fi

echo "bench: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on $(nproc) cores; nginx workers and barrier threads: $SERVER_THREADS" >&2
# Warm-up (page cache, connection pools, barrier's session cache).
wrk -t1 -c4 -d1s "http://127.0.0.1:$NGINX_PORT/index.html" >/dev/null
wrk -t1 -c4 -d1s -H "Cookie: $COOKIE" "$SITE/index.html" >/dev/null
wrk -t1 -c4 -d1s "http://127.0.0.1:$NGINX_PROXY_PORT/proxied/index.html" >/dev/null
wrk -t1 -c4 -d1s -H "Cookie: $COOKIE" "$SITE/proxied/index.html" >/dev/null
wrk -t1 -c4 -d1s "https://127.0.0.1:$NGINX_TLS_PORT/index.html" >/dev/null
wrk -t1 -c4 -d1s -H "Cookie: $COOKIE" "$TLS_SITE/index.html" >/dev/null
read -r N_RPS N_P50 N_P99 < <(run_wrk "http://127.0.0.1:$NGINX_PORT/index.html")
read -r B_RPS B_P50 B_P99 < <(run_wrk "$SITE/index.html" -H "Cookie: $COOKIE")
read -r C_RPS C_P50 C_P99 < <(run_wrk "http://127.0.0.1:$NGINX_CEILING_PORT/index.html")
read -r F_RPS F_P50 F_P99 < <(run_wrk "http://127.0.0.1:$NGINX_AUTH_PORT/index.html" -H "Cookie: $COOKIE")
read -r P_RPS P_P50 P_P99 < <(run_wrk "http://127.0.0.1:$NGINX_PROXY_PORT/proxied/index.html")
read -r U_RPS U_P50 U_P99 < <(run_wrk "$SITE/proxied/index.html" -H "Cookie: $COOKIE")
read -r NT_RPS NT_P50 NT_P99 < <(run_wrk "https://127.0.0.1:$NGINX_TLS_PORT/index.html")
read -r BT_RPS BT_P50 BT_P99 < <(run_wrk "$TLS_SITE/index.html" -H "Cookie: $COOKIE")
RSS=$(awk '/^VmRSS/ { print $2 }' "/proc/$BARRIER_PID/status")
HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$BARRIER_PID/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
row() {  # scenario rps p50 p99 ratio
  printf '%-48s %10s %9s %9s  %s\n' "$@"
}
echo
echo "load average before the run: $LOADAVG"
((LOADED == 0)) || echo "LOADED MACHINE (1-minute load average $LOAD1 before the run): figures not comparable"
row "scenario" "requests/s" "p50 ms" "p99 ms" "ratio"
row "(1) nginx, static file" "$N_RPS" "$N_P50" "$N_P99" "reference"
row "(2) barrier serve, static file, signed in" "$B_RPS" "$B_P50" "$B_P99" "$(ratio "$B_RPS" "$N_RPS") of (1)"
row "(3) nginx auth_request to nginx 204 (ceiling)" "$C_RPS" "$C_P50" "$C_P99" "reference"
row "(4) nginx + barrier forward-auth, signed in" "$F_RPS" "$F_P50" "$F_P99" "$(ratio "$F_RPS" "$C_RPS") of (3)"
row "(5) nginx proxy_pass to upstream" "$P_RPS" "$P_P50" "$P_P99" "reference"
row "(6) barrier serve to upstream, signed in" "$U_RPS" "$U_P50" "$U_P99" "$(ratio "$U_RPS" "$P_RPS") of (5)"
row "(7) nginx over TLS, static file" "$NT_RPS" "$NT_P50" "$NT_P99" "reference"
row "(8) barrier serve over TLS, static file, signed in" "$BT_RPS" "$BT_P50" "$BT_P99" "$(ratio "$BT_RPS" "$NT_RPS") of (7)"
printf '\nover TLS, barrier serve does %s of nginx, against %s in plain HTTP ((8)/(7) against (2)/(1): %s points apart)\n' \
  "$(ratio "$BT_RPS" "$NT_RPS")" "$(ratio "$B_RPS" "$N_RPS")" \
  "$(awk -v a="$BT_RPS" -v b="$NT_RPS" -v c="$B_RPS" -v d="$N_RPS" 'BEGIN { printf "%.0f", 100 * a / b - 100 * c / d }')"
printf '\nbarrier RSS: %s KiB now, %s KiB peak\n' "$RSS" "$HWM"
printf 'upload of %s MiB through barrier serve: %s s (%s MiB/s); barrier peak RSS %s KiB before it, %s KiB after\n' \
  "$UPLOAD_MIB" "$UPLOAD_SECONDS" "$(awk -v m="$UPLOAD_MIB" -v s="$UPLOAD_SECONDS" 'BEGIN { printf "%.0f", m / s }')" \
  "$HWM_BEFORE" "$HWM_AFTER"
if ((SESSIONS > 0)); then
  printf 'barrier RSS with %s cached sessions: %s KiB, %s KiB of it anonymous (%s KiB before they were requested; %s s to request them)\n' \
    "$SESSIONS" "$RSS_CACHED" "$RSS_ANON_CACHED" "$RSS_BEFORE_FILL" "$FILL_SECONDS"
  printf '  %s of the last %s of them were no longer cached when requested again (cache.max_entries %s)\n' \
    "$UNCACHED" "$(wc -l <"$WORK/sample-cookies.txt")" "$CACHE_ENTRIES"
fi
