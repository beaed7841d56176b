// The gateway's request logic, free of sockets: which route a path takes,
// the checker driven against the (metered) store, forward-auth mapping,
// health and metrics. src/server/server.cpp owns the I/O and calls in here,
// so everything below is unit-testable with plain Request values.
//
// Metrics: the gateway counts cache hits and misses; requests are counted
// once each by the server, which knows the final status.
//
// Thread safety: every method may be called from several threads at once
// (the Checker, its LockedSessionCache, the store and Metrics are thread-safe).
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/handlers/check.h"
#include "core/http/message.h"
#include "core/ports/session_store.h"
#include "server/metrics.h"
#include "server/origins.h"

namespace barrier {

// The manager endpoints (/_identity/login, /auth, /logout, /signed-out,
// /me): Request -> Response, may block on the identity provider.
using IdentityHandler = std::function<Response(const Request&)>;

// Header carrying the login URL on a forward-auth 401 (nginx reads it with
// auth_request_set and redirects there).
inline constexpr const char* kHeaderLogin = "X-Barrier-Login";

class Gateway {
 public:
  enum class Route { kCheck, kHealth, kMetrics, kIdentity, kProtected };

  // All references must outlive the gateway. `store` should be the
  // MeteredStore, so lookups show up in the latency histogram.
  Gateway(const ValidConfig& config, const Checker& checker, SessionStore& store, Metrics& metrics,
          IdentityHandler identity, std::vector<Origin> origins);

  // /_identity/check, /_identity/health, /_identity/metrics are the
  // gateway's own; every other /_identity/... path is the manager's.
  static Route route(std::string_view path);

  // The checker in two halves (see check.h): begin() needs no store; while
  // the step needs a lookup, lookup() does one synchronous store read.
  // Cache hits and misses are counted here.
  CheckStep beginCheck(const Request& request);
  CheckStep lookup(CheckStep step);
  // The touch and removals a decision asks for (check.h), synchronously;
  // failures are logged only. hasStoreWrites is the cheap test first.
  static bool hasStoreWrites(const CheckDecision& d) {
    return d.touch_at > 0 || !d.idled_out.empty();
  }
  void applyStoreWrites(const CheckDecision& decision);
  // begin + every lookup + the store writes, synchronously.
  CheckDecision check(const Request& request);

  // Forward-auth: the request the proxy asks about, rebuilt from
  // X-Original-URI / X-Forwarded-Uri (+ X-Original-Method /
  // X-Forwarded-Method); kInvalidArgument when neither URI header holds an
  // absolute path.
  static Result<Request> forwardAuthSubject(const Request& check_request);
  // 200 + every identity header on pass (each empty on a public path);
  // otherwise 401 (+ X-Barrier-Login for a browser navigation), 403 or 503.
  // With `redirect` (…/check?redirect=1, for Traefik and Caddy, which relay
  // the answer to the browser) the checker's own answer (307 to the login
  // page, 401, 403, 503) is returned.
  static Response forwardAuthResponse(const CheckDecision& decision, bool redirect);
  // True for .../check?redirect=1 (or =true).
  static bool wantsRedirect(const Request& check_request);
  // The whole forward-auth endpoint, synchronously.
  Response forwardAuth(const Request& check_request);

  // 200 "ok" when the store answers a ping, else 503. May block.
  Response health();
  Response metricsPage() const;
  // Calls the manager handlers; 404 page when none are configured. May block.
  Response identity(const Request& request);

  const Origin* originFor(std::string_view path) const { return selectOrigin(origins_, path); }
  const std::vector<Origin>& origins() const { return origins_; }
  const ValidConfig& config() const { return config_; }
  Metrics& metrics() { return metrics_; }

  static Outcome outcomeOf(CheckOutcome outcome);

 private:
  const ValidConfig& config_;
  const Checker& checker_;
  SessionStore& store_;
  Metrics& metrics_;
  IdentityHandler identity_;
  std::vector<Origin> origins_;
};

}  // namespace barrier
