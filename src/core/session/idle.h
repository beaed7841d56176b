// The idle timeout (session.idle_timeout): a session not used for that long
// ends, whatever its valid_until. Use is recorded in the record's
// last_seen, but never by a write per request: a session is "touched" at
// most once per session.touch_interval, and only by a request it let
// through (docs/ARCHITECTURE.md, "Idle timeout").
//
// A record's last activity is the later of last_seen and created_at (a
// new session has never been touched). It idles out at activity +
// idle_timeout; the checker refuses it then, whether it came from the
// cache or the store, and has the record removed.
#pragma once

#include <cstdint>

#include "core/config/config.h"
#include "core/session/cached_session.h"
#include "core/session/record.h"
#include "core/status.h"

namespace barrier {

// Plain values, copied by whoever decides (the checker, /_identity/me).
class IdlePolicy {
 public:
  IdlePolicy() = default;  // off
  explicit IdlePolicy(const SessionConfig& session);

  bool enabled() const { return idle_timeout_ > 0; }
  int64_t touchInterval() const { return touch_interval_; }
  // When the record idles out, capped at its valid_until (valid_until when
  // the policy is off).
  int64_t idleUntil(const SessionRecord& record) const;
  // True when the session (a SessionRecord or a CachedSession) has gone
  // unused for idle_timeout at `now`.
  template <class Session>
  bool idledOut(const Session& session, int64_t now) const {
    return enabled() && now >= lastActive(session) + idle_timeout_;
  }
  // True when a request let through at `now` should write last_seen.
  template <class Session>
  bool touchDue(const Session& session, int64_t now) const {
    return enabled() && now - lastActive(session) >= touch_interval_;
  }

  static int64_t lastActive(const SessionRecord& record) {
    return record.last_seen > record.created_at ? record.last_seen : record.created_at;
  }
  static int64_t lastActive(const CachedSession& session) {
    return session.lastSeen() > session.createdAt() ? session.lastSeen() : session.createdAt();
  }

 private:
  int64_t idle_timeout_ = 0;
  int64_t touch_interval_ = 0;
};

// session.idle_timeout and touch_interval: idle_timeout 0 (off) or 5 s –
// 30 d and at most session.lifetime; touch_interval needs idle_timeout, and
// is 0 (its default, idle_timeout / 10) or at least 1 s and below
// idle_timeout. Messages name the field.
Status validateIdleTimeout(const SessionConfig& session);

}  // namespace barrier
