// Internal to src/server: what one configuration gives the requests, and
// which configuration new requests start under.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "server/asio_support.h"
#include "server/gateway.h"
#include "server/login_limiter.h"
#include "server/server.h"
#include "server/upstream.h"

namespace barrier::server_detail {

// The gateway (and through it the checker, manager and origins), the
// limits, a pool of upstream connections per origin and the login limiter.
// A request holds the Site it began with until it ends, so a reload never
// changes a request half-way, and the old Site goes when its last request
// does. Immutable once built (the pools and the limiter lock themselves).
struct Site {
  Site(const ServerOptions& options_in, std::shared_ptr<Gateway> gateway_in, net::io_context& ioc,
       std::shared_ptr<LoginLimiter> limiter);

  std::chrono::milliseconds idleTimeout() const {
    return std::chrono::milliseconds(options.idle_timeout_ms);
  }

  const ServerOptions options;
  const std::shared_ptr<Gateway> gateway;
  std::vector<std::unique_ptr<UpstreamPool>> pools;  // by Origin::index; null for static ones
  // Shared by the Sites of one login_rate_limit: a reload keeps the counts.
  const std::shared_ptr<LoginLimiter> login_limiter;
};

// The Site requests start under from now on; reload() replaces it.
// Thread-safe.
class CurrentSite {
 public:
  explicit CurrentSite(std::shared_ptr<Site> first) : site_(std::move(first)) {}
  std::shared_ptr<Site> get() const;
  void set(std::shared_ptr<Site> next);

 private:
  mutable Mutex mu_;
  std::shared_ptr<Site> site_ GUARDED_BY(mu_);
};

}  // namespace barrier::server_detail
