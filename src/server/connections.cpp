#include "server/connections.h"

namespace barrier::server_detail {

void Connections::setOnDrained(std::function<void()> on_drained) {
  MutexLock lock(mu_);
  on_drained_ = std::move(on_drained);
}

void Connections::add(const std::shared_ptr<ConnectionState>& state,
                      net::any_io_executor executor) {
  MutexLock lock(mu_);
  open_.emplace(state, std::move(executor));
}

void Connections::remove(const std::shared_ptr<ConnectionState>& state) {
  MutexLock lock(mu_);
  open_.erase(state);
  if (open_.empty() && draining_ && on_drained_) on_drained_();
}

bool Connections::closeIdle() {
  MutexLock lock(mu_);
  draining_ = true;
  for (const auto& [state, executor] : open_) {
    net::post(executor, [state = state] {
      if (state->stream != nullptr && state->idle) state->stream->cancel();
    });
  }
  return open_.empty();
}

}  // namespace barrier::server_detail
