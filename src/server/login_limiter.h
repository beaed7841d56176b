// A per-client limit on login starts for `barrier serve`
// (server.login_rate_limit). Every GET /_identity/login writes a login
// record to the store before anyone has signed in; without a limit one
// client could fill the store and keep the provider busy. A token bucket per
// client address: `per_minute` starts at once, refilled at per_minute / 60
// per second. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/http/message.h"
#include "core/mutex.h"

namespace barrier {

class LoginLimiter {
 public:
  // `per_minute` 0 turns the limit off. At most `max_clients` buckets are
  // kept: past that, idle (full) buckets are dropped, and if every bucket
  // is busy, all of them (an attacker spread over that many addresses is
  // then held back by the store's own capacity, not by this table).
  explicit LoginLimiter(int64_t per_minute, size_t max_clients = 65536);

  // True when `client` may start a login at `now` (seconds, any steady
  // clock); takes one token.
  bool allow(std::string_view client, double now);
  // Seconds after which a refused client has a token again.
  int64_t retryAfter() const;
  size_t clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    double updated = 0;
  };
  double level(const Bucket& b, double now) const;

  double capacity_;
  double per_second_;
  size_t max_clients_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
};

// The address a login start counts against: the peer, or, with a trusted
// proxy in front (`trust_proxy`: server.trust_forwarded_proto), the last
// X-Forwarded-For entry (the one that proxy added). IPv6 addresses count by
// their /64: one host usually holds a whole /64.
std::string loginClientKey(const Request& request, bool trust_proxy);

}  // namespace barrier
