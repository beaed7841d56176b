#include "server/login_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

namespace barrier {

LoginLimiter::LoginLimiter(int64_t per_minute, size_t max_clients)
    : capacity_(static_cast<double>(per_minute)),
      per_second_(static_cast<double>(per_minute) / 60.0),
      max_clients_(std::max<size_t>(max_clients, 1)) {}

double LoginLimiter::level(const Bucket& b, double now) const {
  return std::min(capacity_, b.tokens + std::max(0.0, now - b.updated) * per_second_);
}

bool LoginLimiter::allow(std::string_view client, double now) {
  if (capacity_ <= 0) return true;
  MutexLock lock(mu_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) {
      std::erase_if(buckets_, [&](const auto& kv) { return level(kv.second, now) >= capacity_; });
      if (buckets_.size() >= max_clients_) buckets_.clear();
    }
    it = buckets_.emplace(std::string(client), Bucket{capacity_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = level(b, now);
  b.updated = std::max(b.updated, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

int64_t LoginLimiter::retryAfter() const {
  if (per_second_ <= 0) return 1;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(1.0 / per_second_)));
}

size_t LoginLimiter::clients() const {
  MutexLock lock(mu_);
  return buckets_.size();
}

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "2001:db8:1:2:a:b:c:d" -> "2001:db8:1:2::/64"; anything else unchanged.
std::string withoutInterfaceId(std::string address) {
  if (address.find(':') == std::string::npos) return address;
  in6_addr a{};
  if (inet_pton(AF_INET6, address.c_str(), &a) != 1) return address;
  std::fill(std::begin(a.s6_addr) + 8, std::end(a.s6_addr), uint8_t{0});
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &a, text, sizeof text) == nullptr) return address;
  return std::string(text) + "/64";
}

}  // namespace

std::string loginClientKey(const Request& request, bool trust_proxy) {
  std::string address = request.remote_addr;
  if (trust_proxy) {
    std::vector<std::string> chains = request.headers.getAll("X-Forwarded-For");
    if (!chains.empty()) {
      std::string_view last = chains.back();
      size_t comma = last.rfind(',');
      std::string_view entry =
          trimmed(comma == std::string_view::npos ? last : last.substr(comma + 1));
      if (!entry.empty()) address.assign(entry);
    }
  }
  return withoutInterfaceId(std::move(address));
}

}  // namespace barrier
