#include "core/session/idle.h"

#include <string>

namespace barrier {

namespace {

// The default: a tenth of the idle timeout, so a session in use is never
// more than 10 % closer to its end than its store record says; at least 1 s.
int64_t defaultTouchInterval(int64_t idle_timeout) {
  return idle_timeout / 10 > 1 ? idle_timeout / 10 : 1;
}

}  // namespace

IdlePolicy::IdlePolicy(const SessionConfig& session)
    : idle_timeout_(session.idle_timeout),
      touch_interval_(session.touch_interval > 0 ? session.touch_interval
                                                 : defaultTouchInterval(session.idle_timeout)) {}

int64_t IdlePolicy::idleUntil(const SessionRecord& record) const {
  if (!enabled()) return record.valid_until;
  int64_t idle_until = lastActive(record) + idle_timeout_;
  return idle_until < record.valid_until ? idle_until : record.valid_until;
}

Status validateIdleTimeout(const SessionConfig& s) {
  if (s.idle_timeout == 0) {
    if (s.touch_interval != 0) {
      return Status::invalid("session.touch_interval needs session.idle_timeout");
    }
    return Status::ok();
  }
  if (s.idle_timeout < kMinIdleTimeout || s.idle_timeout > kMaxIdleTimeout) {
    return Status::invalid("session.idle_timeout must be 0 (off) or from 5 s to 30 d, got " +
                           std::to_string(s.idle_timeout));
  }
  if (s.idle_timeout > s.lifetime) {
    return Status::invalid("session.idle_timeout must not exceed session.lifetime, got " +
                           std::to_string(s.idle_timeout) + " > " + std::to_string(s.lifetime));
  }
  if (s.touch_interval >= s.idle_timeout) {
    return Status::invalid(
        "session.touch_interval must be shorter than session.idle_timeout, got " +
        std::to_string(s.touch_interval) + " >= " + std::to_string(s.idle_timeout));
  }
  return Status::ok();
}

}  // namespace barrier
