// A SessionStore decorator that feeds /_identity/metrics: the latency of
// every call (histogram), failures, and logins/logouts (a new `session`
// record is a completed login; a removal through the gateway is a logout).
// Keys and records are never logged or kept. Thread-safe when the inner store is.
#pragma once

#include "core/ports/session_store.h"
#include "server/metrics.h"

namespace barrier {

class MeteredStore : public ForwardingSessionStore {
 public:
  MeteredStore(SessionStore& inner, Metrics& metrics)
      : ForwardingSessionStore(inner), metrics_(metrics) {}

  Result<std::optional<SessionRecord>> get(std::string_view key) override;
  Status putNew(const SessionRecord& record) override;
  Result<std::optional<SessionRecord>> take(std::string_view key) override;
  Status remove(std::string_view key) override;
  Status ping() override;

 private:
  Metrics& metrics_;
};

}  // namespace barrier
