// Internal to src/server: what the router (router.cpp) hands a request to.
// One file each:
//   forward_auth.cpp       /_identity/check, for a proxy in front
//   health.cpp             /_identity/health and /_identity/metrics
//   identity_endpoint.cpp  the manager's /_identity/* (sign-in and out, me)
//   protected_route.cpp    everything else: the check, then an origin
//   static_response.cpp    the static-folder origin's answers
//   proxy_origin.cpp       the upstream origin (through relay, upstream.h)
//   check_runner.cpp       the check both forward-auth and protected run
#pragma once

#include "core/handlers/check.h"
#include "core/http/message.h"
#include "server/asio_support.h"
#include "server/exchange.h"
#include "server/static_files.h"
#include "server/upstream.h"

namespace barrier::server_detail {

// The answer to a forward-auth request (see forward_auth.h).
net::awaitable<Response> serveForwardAuth(Exchange& ex, const Request& request);

// The store's health, cached (HealthAnswers); pings on the store-read pool.
net::awaitable<Response> serveHealth(Exchange& ex);
Response serveMetrics(Exchange& ex);

// The manager handlers on the blocking pool; GET /_identity/login first
// passes the login rate limit (429 otherwise).
net::awaitable<Response> serveIdentity(Exchange& ex, const Request& request);
// Reads the body of a request to /_identity/* into request.body (at most
// 64 KiB): 0, or the status to refuse it with (413, 400).
net::awaitable<int> readIdentityBody(Exchange& ex, Request& request, ClientBody& body);

// Checks the request, then answers from its origin (or with the checker's
// refusal). Returns whether the connection may carry another request.
net::awaitable<bool> serveProtected(Exchange& ex, Request& request, ClientBody& body);

// Writes a static origin's reply (in memory or streamed from its file).
net::awaitable<bool> sendStatic(Exchange& ex, StaticReply& reply);

// Forwards a checked request (identity headers in) to `pool`'s upstream and
// relays the answer; with `body`, the client's body is streamed up.
net::awaitable<bool> serveProxied(Exchange& ex, Request& forwarded, ClientBody* body,
                                  UpstreamPool& pool);

// An Upgrade (`protocol`, from upgradeProtocol()) of a checked request to
// `pool`'s upstream (`client_buffer`: what the client sent past its
// header): on its 101 a tunnel (tunnel.h) that runs the check of
// `opened_with` again while it is open.
net::awaitable<bool> serveUpgrade(Exchange& ex, Request& forwarded, const Request& opened_with,
                                  const std::string& protocol, beast::flat_buffer& client_buffer,
                                  UpstreamPool& pool);

// The checker's decision for `request` under ex.site: cache hits inline,
// store reads inline or, for network stores, on the store-read pool.
// `request` is moved from (into the decision's forwarded request); an
// lvalue reference, never a by-value coroutine argument (asio_support.h).
// SessionSource::kStore reads the store past the cache (a tunnel's recheck).
net::awaitable<CheckDecision> runCheck(Exchange& ex, Request& request,
                                       SessionSource source = SessionSource::kCacheFirst);
// Keeps the request line for the access log (when it is written) before
// `request` moves into the check.
void keepForAccessLog(Exchange& ex, const Request& request);
// Keeps the session's sub for the access log, when server.log_user asks.
void noteUser(const CheckDecision& decision, Exchange& ex);

}  // namespace barrier::server_detail
