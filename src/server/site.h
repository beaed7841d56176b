// Internal to src/server: what one configuration gives the requests, and
// which configuration new requests start under.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
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
// A request runs under the Site it began with until it ends (its
// connection holds it: HeldSite), so a reload never changes a request
// half-way. Immutable once built (the limiter locks itself; each idle list of
// a pool is only touched by its io_context's thread).
struct Site {
  // `contexts`: the server's io_contexts (each upstream pool keeps an idle
  // list per context).
  Site(const ServerOptions& options_in, std::shared_ptr<Gateway> gateway_in,
       std::shared_ptr<LoginLimiter> limiter,
       const std::vector<const net::execution_context*>& contexts);

  std::chrono::milliseconds idleTimeout() const {
    return std::chrono::milliseconds(options.idle_timeout_ms);
  }

  const ServerOptions options;
  const std::shared_ptr<Gateway> gateway;
  std::vector<std::unique_ptr<UpstreamPool>> pools;  // by Origin::index; null for static ones
  // Shared by the Sites of one login_rate_limit: a reload keeps the counts.
  const std::shared_ptr<LoginLimiter> login_limiter;
};

// A connection's reference to the Site its requests run under: refreshed
// between requests only, so a request ends under the Site it began with,
// and an old Site goes once no connection holds it.
struct HeldSite {
  std::shared_ptr<Site> site;
  uint64_t version = 0;
};

// The Site requests start under from now on; reload() replaces it.
// Thread-safe. A connection refreshes its HeldSite at each request for the
// cost of one atomic load while the Site is unchanged: no lock, no
// reference count touched.
class CurrentSite {
 public:
  explicit CurrentSite(std::shared_ptr<Site> first) : site_(std::move(first)) {}
  std::shared_ptr<Site> get() const;
  void set(std::shared_ptr<Site> next);
  // Points `held` at the current Site.
  void refresh(HeldSite& held) const;

 private:
  mutable Mutex mu_;
  std::shared_ptr<Site> site_ GUARDED_BY(mu_);
  // Bumped under mu_ by set(); read without it by refresh().
  std::atomic<uint64_t> version_{1};
};

}  // namespace barrier::server_detail
