#include "server/metered_store.h"

#include <chrono>

namespace barrier {

namespace {

// Times `call` and records it; returns what it returned.
template <class Call>
auto timed(Metrics& metrics, Call&& call) {
  auto start = std::chrono::steady_clock::now();
  auto result = call();
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  metrics.observeStoreLatency(elapsed.count(), result.isOk());
  return result;
}

}  // namespace

Result<std::optional<SessionRecord>> MeteredStore::get(std::string_view key) {
  return timed(metrics_, [&] { return ForwardingSessionStore::get(key); });
}

Status MeteredStore::putNew(const SessionRecord& record) {
  Status status = timed(metrics_, [&] { return ForwardingSessionStore::putNew(record); });
  if (status.isOk() && record.kind == RecordKind::kSession) metrics_.countLogin();
  return status;
}

Result<std::optional<SessionRecord>> MeteredStore::take(std::string_view key) {
  return timed(metrics_, [&] { return ForwardingSessionStore::take(key); });
}

Status MeteredStore::remove(std::string_view key) {
  Status status = timed(metrics_, [&] { return ForwardingSessionStore::remove(key); });
  if (status.isOk()) metrics_.countLogout();
  return status;
}

Status MeteredStore::ping() {
  return timed(metrics_, [&] { return ForwardingSessionStore::ping(); });
}

}  // namespace barrier
