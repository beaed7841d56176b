#include "server/exchange.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace barrier::server_detail {

ServerContext::ServerContext(Log& log_in, Metrics& metrics_in, std::shared_ptr<Site> first_site,
                             const ServerOptions& startup)
    : log(log_in),
      metrics(metrics_in),
      blocking(static_cast<size_t>(std::max(1, startup.blocking_threads))),
      store_reads(static_cast<size_t>(std::max(1, startup.blocking_threads))),
      health(std::chrono::milliseconds(startup.health_max_age_ms)),
      site(std::move(first_site)) {
  std::random_device device;
  request_id_prefix_ = device();
}

ServerContext::~ServerContext() {
  blocking.join();
  store_reads.join();
}

std::string ServerContext::nextRequestId() {
  uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%llx", request_id_prefix_, static_cast<unsigned long long>(n));
  return id;
}

}  // namespace barrier::server_detail
