#include "server/site.h"

namespace barrier::server_detail {

Site::Site(const ServerOptions& options_in, std::shared_ptr<Gateway> gateway_in,
           std::shared_ptr<LoginLimiter> limiter,
           const std::vector<const net::execution_context*>& contexts)
    : options(options_in), gateway(std::move(gateway_in)), login_limiter(std::move(limiter)) {
  for (const Origin& origin : gateway->origins()) {
    pools.push_back(origin.upstream
                        ? std::make_unique<UpstreamPool>(*origin.upstream, origin.tls, contexts)
                        : nullptr);
  }
}

std::shared_ptr<Site> CurrentSite::get() const {
  MutexLock lock(mu_);
  return site_;
}

void CurrentSite::set(std::shared_ptr<Site> next) {
  MutexLock lock(mu_);
  site_.swap(next);
  version_.fetch_add(1, std::memory_order_release);
}

void CurrentSite::refresh(HeldSite& held) const {
  if (held.site && held.version == version_.load(std::memory_order_acquire)) return;
  MutexLock lock(mu_);
  held.site = site_;
  held.version = version_.load(std::memory_order_relaxed);
}

}  // namespace barrier::server_detail
