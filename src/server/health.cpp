// The gateway's own endpoints for operators: /_identity/health (public,
// cached) and /_identity/metrics (metrics listener only; router.cpp says
// which listener serves what).
#include "server/health.h"

#include "server/endpoints.h"

namespace barrier::server_detail {

std::optional<Response> HealthAnswers::answer(Clock::time_point now) {
  MutexLock lock(mu_);
  bool fresh = now - at_ < max_age_;
  // A ping whose answer never came (its connection torn down at stop)
  // does not hold the answer back for ever.
  bool pinging = pinging_ && now - ping_started_ < kPingOverdue;
  if (last_ && (fresh || pinging)) return last_;
  pinging_ = true;
  ping_started_ = now;
  return std::nullopt;
}

void HealthAnswers::remember(const Response& response, Clock::time_point asked) {
  MutexLock lock(mu_);
  last_ = response;
  at_ = asked;
  pinging_ = false;
}

net::awaitable<Response> serveHealth(Exchange& ex) {
  ex.outcome = Outcome::kInternal;
  auto now = std::chrono::steady_clock::now();
  std::optional<Response> response = ex.server.health.answer(now);
  if (!response) {
    // A store ping may block (DescribeTable for DynamoDB): on the pool.
    response = co_await runBlocking(ex.server.store_reads,
                                    [&gateway = *ex.site->gateway] { return gateway.health(); });
    ex.server.health.remember(*response, now);
  }
  co_return std::move(*response);
}

Response serveMetrics(Exchange& ex) {
  ex.outcome = Outcome::kInternal;
  return ex.site->gateway->metricsPage();
}

}  // namespace barrier::server_detail
