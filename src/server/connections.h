// Internal to src/server: the client connections being served, as the
// shutdown sees them.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "core/mutex.h"
#include "server/asio_support.h"
#include "server/tls_stream.h"

namespace barrier::server_detail {

// What a connection exposes to the shutdown logic. Touched only on the
// connection's io_context, one thread (shutdown posts there), so no locking
// is needed.
struct ConnectionState {
  ClientStream* stream = nullptr;  // null once the connection is done
  bool idle = false;               // waiting for the first byte of a request
};

// Every open connection with its executor. Thread-safe.
class Connections {
 public:
  // `on_drained` runs (from the thread removing it) when the last
  // connection goes after closeIdle() was called.
  void setOnDrained(std::function<void()> on_drained);
  void add(const std::shared_ptr<ConnectionState>& state, net::any_io_executor executor);
  void remove(const std::shared_ptr<ConnectionState>& state);
  // Shutdown: cancels the idle connections (on their own executors); busy
  // ones finish their request and then close. From then on, the last
  // removal calls on_drained. Returns whether none were open.
  bool closeIdle();

 private:
  Mutex mu_;
  std::function<void()> on_drained_ GUARDED_BY(mu_);
  bool draining_ GUARDED_BY(mu_) = false;
  std::unordered_map<std::shared_ptr<ConnectionState>, net::any_io_executor> open_ GUARDED_BY(mu_);
};

}  // namespace barrier::server_detail
