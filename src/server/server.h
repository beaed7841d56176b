// `barrier serve`'s HTTP/1.1 server: Boost.Beast on Asio, C++20 coroutines,
// one io_context per worker thread, each connection on one of them from
// accept to close (docs/ARCHITECTURE.md, "Threads").
//
// Every request goes through the Gateway (routing, checker, forward-auth,
// health, metrics) and then to an origin: a static folder or the reverse
// proxy. Manager endpoints and (optionally) store lookups run on a separate
// pool of blocking threads, so a slow identity provider never stalls the
// io threads.
//
// Limits: request header bytes (431), body bytes (413), idle keep-alive and
// header-read time (the connection is closed), upstream time (504).
// Shutdown (stop(), or SIGTERM/SIGINT with handle_signals): stop accepting,
// close idle connections, let in-flight requests finish (their responses say
// Connection: close), then run() returns; after shutdown_grace it returns
// regardless.
// Reload (reload(), which SIGHUP asks for through on_reload): a new gateway
// and limits for the requests that start afterwards; requests in flight
// finish with those they began with. With server.tls, SIGHUP re-reads the
// certificate and key (even when the configuration could not be reloaded):
// new connections get the new pair, open ones keep theirs.
//
// This header is free of Boost on purpose: Beast stays inside src/server/*.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/ports/log.h"
#include "core/status.h"
#include "server/gateway.h"

namespace barrier {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port, [v6]:port; port 0 picks a free one
  int threads = 0;                        // io threads; 0 = number of cores
  // Threads for manager handlers, and as many again for store reads
  // (offloaded checks, health): neither waits behind the other.
  int blocking_threads = 8;
  int64_t max_header_bytes = 16 * 1024;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  int64_t idle_timeout_ms = 60'000;
  int64_t upstream_timeout_ms = 30'000;
  // An upgraded connection (WebSocket tunnel) through which no byte has
  // passed for this long is closed.
  int64_t upgrade_idle_timeout_ms = 3'600'000;
  int64_t shutdown_grace_ms = 30'000;
  // Client connections served at once; further ones wait in the listen
  // queue until one ends (file descriptors are finite; so is the upstream).
  int64_t max_connections = 4096;
  // When set, a second listener serving /_identity/metrics and
  // /_identity/health only. Metrics are served nowhere else: the main
  // listener answers them with 404.
  std::string metrics_listen;
  // server.tls: with a certificate, `listen` speaks HTTPS only (the pair is
  // read at start, and again on each reload; see tls_server.h).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_min_version = "1.2";  // or "1.3"
  // A TLS handshake not done within this time ends the connection.
  int64_t tls_handshake_timeout_ms = 10'000;
  // server.redirect_http: a plain-HTTP listener answering 308 to https://.
  std::string redirect_http;
  // /_identity/health answers from a store ping at most this old (one
  // ping at a time): the route is public, and each ping takes a thread of
  // the blocking pool (DescribeTable for DynamoDB). 0 pings every time.
  int64_t health_max_age_ms = 1000;
  // GET /_identity/login per client address and minute (LoginLimiter); 0 = off.
  int64_t login_rate_limit = 0;
  bool trust_forwarded_proto = false;
  bool handle_signals = false;  // stop on SIGTERM / SIGINT
  // With handle_signals: called on SIGHUP, on a thread of the blocking
  // pool (so it may read files and connect to a store), typically to build
  // a new gateway and pass it to reload(). Unset, SIGHUP is not handled.
  std::function<void()> on_reload;
  // Run store reads on the blocking pool (network stores: Redis, DynamoDB);
  // local stores (memory, SQLite) answer fast enough to read inline.
  bool offload_store = false;

  static ServerOptions fromConfig(const ValidConfig& config);
};

class Server {
 public:
  virtual ~Server() = default;

  // Binds and listens (so "address already in use" is reported here, before
  // any thread starts). Each request holds the gateway it started with (and,
  // through it, what the gateway references) until it ends. `log` and
  // `gateway->metrics()` must outlive the server.
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options,
                                                std::shared_ptr<Gateway> gateway, Log& log);

  // The bound address, e.g. "127.0.0.2:8080" (the real port when 0 was asked).
  virtual std::string localAddress() const = 0;
  virtual uint16_t port() const = 0;
  // The metrics listener's port (0 without server.metrics_listen).
  virtual uint16_t metricsPort() const = 0;
  // The plain-HTTP redirect listener's port (0 without server.redirect_http).
  virtual uint16_t redirectPort() const = 0;
  // Serves until stopped; returns once every connection has finished.
  virtual void run() = 0;
  // Starts a graceful shutdown. Thread-safe, idempotent, returns at once.
  virtual void stop() = 0;
  // Serves the requests that start from now on with `gateway` and the
  // limits, timeouts and login rate of `options`. A changed listen or
  // metrics_listen address is bound before the old one is closed; when it
  // cannot be bound, nothing changes and the error is returned. threads,
  // blocking_threads, shutdown_grace_ms, health_max_age_ms and the signal
  // handling keep their start-up values (a change is logged). `gateway`
  // must count into the same Metrics as the first one. Thread-safe.
  virtual Status reload(const ServerOptions& options, std::shared_ptr<Gateway> gateway) = 0;
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:8080", "[::1]:8080", ":8080" (all interfaces), "localhost:0".
Result<ListenAddress> parseListenAddress(std::string_view text);

}  // namespace barrier
