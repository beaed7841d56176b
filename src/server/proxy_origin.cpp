// The upstream origin: a checked request gets the forwarding headers and
// goes up through relay() (upstream.h); what relay() reports becomes the
// answer, the log line and the request's outcome.
#include "server/endpoints.h"
#include "server/error_pages.h"
#include "server/forward_headers.h"
#include "server/responses.h"
#include "server/tunnel.h"

namespace barrier::server_detail {

namespace {

// Session cookies stay here; X-Forwarded-* and X-Request-Id go up.
void prepareForwarded(Exchange& ex, Request& forwarded) {
  const Site& site = *ex.site;
  ForwardedFrom from{forwarded.remote_addr, std::string(site.gateway->config().siteHost()),
                     site.options.trust_forwarded_proto};
  removeSessionCookies(forwarded.headers, site.gateway->config().session.cookie_name);
  setForwardedHeaders(forwarded.headers, from);
  forwarded.headers.set("X-Request-Id", ex.request_id);
}

RelayOptions relayOptionsFor(const Exchange& ex) {
  RelayOptions options;
  options.upstream_timeout = std::chrono::milliseconds(ex.site->options.upstream_timeout_ms);
  options.client_timeout = ex.site->idleTimeout();
  options.client_version = ex.version;
  options.client_keep_alive = ex.keep_alive;
  options.stopping = &ex.server.stopping;
  return options;
}

void logUpstreamFailure(Exchange& ex, const char* event, int status, const RelayResult& result,
                        const UpstreamPool& pool) {
  ex.server.log.write(LogLevel::kWarn, event,
                      {{"status", std::to_string(status)},
                       {"error", result.upstream_error},
                       {"upstream", pool.url().authority},
                       {"request_id", ex.request_id}});
}

// What relay() or relayUpgrade() reported: the answer, the log line and the
// request's outcome.
net::awaitable<bool> answerRelayed(Exchange& ex, RelayResult& result, UpstreamPool& pool) {
  ex.unread_body = !result.body_read;
  if (result.client_fault) {
    if (result.failure_status == 0) co_return false;  // the client went away
    co_return co_await refuse(ex, result.failure_status);
  }
  if (result.failure_status != 0) {
    ex.outcome = Outcome::kUpstreamError;
    logUpstreamFailure(ex, "upstream.error", result.failure_status, result, pool);
    Response page = errorPage(result.failure_status);
    co_return co_await sendResponse(ex, page);
  }
  ex.status = result.status;
  if (result.truncated) {
    // The header was out: the client got a cut connection, counted and
    // logged as the upstream's failure, not as the status it began with.
    ex.outcome = Outcome::kUpstreamError;
    logUpstreamFailure(ex, "upstream.truncated", result.status, result, pool);
  }
  co_return result.keep_alive;
}

}  // namespace

net::awaitable<bool> serveProxied(Exchange& ex, Request& forwarded, ClientBody* body,
                                  UpstreamPool& pool) {
  prepareForwarded(ex, forwarded);
  Headers extra{{"X-Request-Id", ex.request_id}};
  RelayOptions options = relayOptionsFor(ex);
  RelayResult result = co_await relay(ex.stream, forwarded, body, pool, options, extra);
  co_return co_await answerRelayed(ex, result, pool);
}

net::awaitable<bool> serveUpgrade(Exchange& ex, Request& forwarded, const Request& opened_with,
                                  const std::string& protocol, beast::flat_buffer& client_buffer,
                                  UpstreamPool& pool) {
  prepareForwarded(ex, forwarded);
  Headers extra{{"X-Request-Id", ex.request_id}};
  RelayOptions options = relayOptionsFor(ex);
  const Site& site = *ex.site;
  // Each check takes its request: a copy of the one that opened the tunnel.
  // It reads the store, past the cache, so that a session revoked on
  // another instance ends the tunnel within one recheck period (tunnel.h).
  SessionCheck recheck = [&ex, &opened_with]() -> net::awaitable<CheckDecision> {
    Request again = opened_with;
    co_return co_await runCheck(ex, again, SessionSource::kStore);
  };
  TunnelOptions tunnel{std::chrono::milliseconds(site.options.upgrade_idle_timeout_ms),
                       recheckPeriod(site.gateway->config().cache.ttl), &ex.server.stopping};
  UpgradeRequest upgrade{protocol, client_buffer, tunnel, recheck, ex.server.log, ex.request_id};
  RelayResult result = co_await relayUpgrade(ex.stream, forwarded, upgrade, pool, options, extra);
  co_return co_await answerRelayed(ex, result, pool);
}

}  // namespace barrier::server_detail
