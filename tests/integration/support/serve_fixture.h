// An in-process `barrier serve` for the C++ integration suites: a real
// Server, Gateway and Checker over an in-memory store, on 127.0.0.1 and a
// free port, running on its own thread. Sessions are made directly in the
// store (no identity provider needed) with login().
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/config/config.h"
#include "core/handlers/check.h"
#include "core/ports/session_store.h"
#include "server/gateway.h"
#include "server/metered_store.h"
#include "server/metrics.h"
#include "server/server.h"

namespace barrier::testing {

// The memory store with a switch that makes every call fail (store down).
class SwitchableStore : public ForwardingSessionStore {
 public:
  explicit SwitchableStore(std::unique_ptr<SessionStore> inner)
      : ForwardingSessionStore(*inner), owned_(std::move(inner)) {}
  std::atomic<bool> down{false};
  std::atomic<int> pings{0};
  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    if (down) return Status::unavailable("store switched off by the test");
    return ForwardingSessionStore::get(key);
  }
  Status ping() override {
    ++pings;
    if (down) return Status::unavailable("store switched off by the test");
    return ForwardingSessionStore::ping();
  }

 private:
  std::unique_ptr<SessionStore> owned_;
};

struct GatewaySetup {
  std::vector<OriginConfig> origins;
  std::vector<AccessRule> rules;
  std::vector<std::string> public_paths;
  ServerOptions server;  // listen is forced to 127.0.0.1:0
  // Runs in the fake identity handler before it answers (a slow provider).
  std::function<void()> identity_hook;
  // The session cache's clock (the system clock when null); it must
  // outlive the gateway. A clock that stands still keeps every entry.
  Clock* cache_clock = nullptr;
};

class InProcessGateway {
 public:
  explicit InProcessGateway(GatewaySetup setup);
  ~InProcessGateway();

  bool ok() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  // The metrics listener's port (setup.server.metrics_listen), else 0.
  uint16_t metricsPort() const { return server_ ? server_->metricsPort() : 0; }
  // A live session for `user`; returns the Cookie header value "barrier=<id>.<mac>".
  std::string login(const std::string& user, const std::vector<std::string>& groups = {});
  SwitchableStore& store() { return *store_; }
  Metrics& metrics() { return metrics_; }
  // Graceful stop; returns once run() has returned (false after `timeout_ms`).
  bool stop(int timeout_ms = 10000);

 private:
  const ValidConfig config_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<Crypto> crypto_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<SwitchableStore> store_;
  Metrics metrics_;
  std::unique_ptr<MeteredStore> metered_;
  std::unique_ptr<SessionCache> cache_;
  std::unique_ptr<Checker> checker_;
  std::shared_ptr<Gateway> gateway_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
  uint16_t port_ = 0;
  std::string error_;
};

// The identity handler the fixture installs: echoes the path so tests can
// see /_identity/* reached it.
inline constexpr const char* kFakeIdentityBody = "identity handler: ";

}  // namespace barrier::testing
