// The gateway's request logic, free of sockets: which route a path takes,
// the checker driven against the (metered) store, health and metrics, and
// the origins. The connection code (src/server/connection.cpp and the route
// files it dispatches to) owns the I/O and calls in here, so everything below
// is unit-testable with plain Request values.
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

  // The checker in two halves (see check.h): begin() needs no store;
  // finishCheck() does the store reads the step still needs and then the
  // writes the decision asks for, synchronously (it may block). Cache hits
  // and misses are counted here.
  CheckStep beginCheck(Request request, SessionSource source = SessionSource::kCacheFirst);
  CheckDecision finishCheck(CheckStep step);
  // The touch and removals a decision asks for (applyStoreWrites, check.h)
  // on the gateway's store, synchronously (it may block); failures are
  // logged only. CheckDecision::hasStoreWrites() is the cheap test first.
  void writeToStore(const CheckDecision& decision);

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
