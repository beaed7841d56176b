// Internal to src/server: what the code serving a request sees. The
// ServerContext holds what every connection of one server shares; an
// Exchange is one request on one connection, passed by reference to the
// reader, the router, each endpoint and origin, and the writers.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/ports/log.h"
#include "server/asio_support.h"
#include "server/connections.h"
#include "server/health.h"
#include "server/metrics.h"
#include "server/site.h"
#include "server/tls_stream.h"

namespace barrier::server_detail {

// One per server; outlives its connections. Thread-safe: the members lock
// themselves or are atomic.
struct ServerContext {
  ServerContext(Log& log_in, Metrics& metrics_in, std::shared_ptr<Site> first_site,
                const ServerOptions& startup);
  // Waits for the blocking pools' work to end.
  ~ServerContext();

  // "<random prefix>-<counter>": unique per process run, never secret.
  std::string nextRequestId();

  Log& log;
  Metrics& metrics;  // every Site's gateway counts into this one
  // Set once at shutdown: no new request starts, keep-alive ends.
  std::atomic<bool> stopping{false};
  // Manager handlers (sign-in callbacks wait on the identity provider, up
  // to its timeout) and store reads (checks, health) in pools of their
  // own: a slow or unreachable provider must not hold up the checks of
  // visitors already signed in.
  net::thread_pool blocking;
  net::thread_pool store_reads;
  HealthAnswers health;
  CurrentSite site;
  Connections connections;

 private:
  unsigned request_id_prefix_ = 0;
  std::atomic<uint64_t> request_counter_{0};
};

// Per-request facts the router, the endpoints, the writers and the access
// log share.
struct Exchange {
  Exchange(ServerContext& server_in, ClientStream& stream_in)
      : server(server_in), stream(stream_in) {}

  ServerContext& server;
  ClientStream& stream;  // the client's connection
  Site* site = nullptr;  // the configuration this request runs under (its connection holds it)
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  std::string request_id;
  int status = 0;
  Outcome outcome = Outcome::kBadRequest;
  bool counted = false;  // in barrier_requests_total already
  // The client may still be sending: a body that was not read (only a
  // request forwarded upstream has its body read), or a refused request.
  // The connection then ends after the answer, lingering.
  bool unread_body = false;
  // Came in on server.metrics_listen: only health and metrics are served.
  bool admin = false;
  // Came in on server.redirect_http: answered 308 to the https:// site.
  bool redirect_to_https = false;
  // The checked session's sub, for the access log; kept only with
  // server.log_user.
  std::string user;
  // The request moved into the check: its method and path for the access
  // log (kept only when the log writes it).
  bool request_moved = false;
  std::string logged_method;
  std::string logged_path;
};

}  // namespace barrier::server_detail
