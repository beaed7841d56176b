// Internal to src/server: the answers to /_identity/health, cached.
#pragma once

#include <chrono>
#include <optional>

#include "core/http/message.h"
#include "core/mutex.h"

namespace barrier::server_detail {

// The last /_identity/health answer, reused while younger than max_age
// and while a ping is under way: however often the public route is
// asked, at most one store ping runs at a time, about once per max_age.
// Thread-safe.
class HealthAnswers {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HealthAnswers(Clock::duration max_age) : max_age_(max_age) {}

  // The answer to give, or nullopt: the caller pings, then remember()s.
  std::optional<Response> answer(Clock::time_point now);
  void remember(const Response& response, Clock::time_point asked);

 private:
  static constexpr std::chrono::seconds kPingOverdue{30};
  const Clock::duration max_age_;
  Mutex mu_;
  std::optional<Response> last_ GUARDED_BY(mu_);
  Clock::time_point at_ GUARDED_BY(mu_);
  bool pinging_ GUARDED_BY(mu_) = false;
  Clock::time_point ping_started_ GUARDED_BY(mu_);
};

}  // namespace barrier::server_detail
