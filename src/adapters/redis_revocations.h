// Revocation that reaches every `barrier serve` sharing one Redis store.
//
// The Redis store announces every session it removes on one channel
// (kRedisRevokedChannel in redis_store.h: logout, `barrier sessions
// revoke`, --user, idle expiry, back-channel logout). A RevocationListener
// subscribes to it on a thread of its own and evicts each announced key
// from this process's session cache, so a session ended on one instance
// (or by the CLI) stops working on the others within milliseconds instead
// of after cache.ttl.
//
// A message missed is a session kept alive, so the cache is trusted only
// while the subscription is known to be up: the cache is a
// GatedSessionCache, closed (every lookup a miss: the store decides) from
// start until subscribed, and again from the moment the connection is lost
// until it is back. Reopening empties it first: entries from before the
// gap may name sessions revoked during it. A loss is logged once
// (`store.revocations_lost`, warn) and reported to `on_lost` (a metric);
// the return is logged (`store.revocations_subscribed`). A connection
// silent for kPingAfterMs is pinged, and one that does not answer within
// kPingAfterMs more counts as lost.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/config/config.h"
#include "core/ports/log.h"
#include "core/session/session_cache.h"

namespace barrier {

// A SessionCache whose lookups miss (and inserts are dropped) while it is
// closed. Thread-safe when `inner` is (the gateway's LockedSessionCache);
// the gate itself is one atomic flag, read once per lookup.
class GatedSessionCache : public SessionCache {
 public:
  explicit GatedSessionCache(std::unique_ptr<SessionCache> inner) : inner_(std::move(inner)) {}

  CacheLookup lookup(std::string_view key) override {
    return open_.load(std::memory_order_acquire) ? inner_->lookup(key) : CacheLookup{};
  }
  void insertPresent(SessionPtr record) override {
    if (open_.load(std::memory_order_acquire)) inner_->insertPresent(std::move(record));
  }
  void refresh(SessionPtr record) override { inner_->refresh(std::move(record)); }
  void insertAbsent(std::string_view key) override {
    if (open_.load(std::memory_order_acquire)) inner_->insertAbsent(key);
  }
  void erase(std::string_view key) override { inner_->erase(key); }
  void clear() override { inner_->clear(); }
  size_t size() override { return inner_->size(); }

  // Empties the cache, then trusts it again.
  void open() {
    inner_->clear();
    open_.store(true, std::memory_order_release);
  }
  void close() { open_.store(false, std::memory_order_release); }
  bool isOpen() const { return open_.load(std::memory_order_acquire); }

 private:
  std::unique_ptr<SessionCache> inner_;
  std::atomic<bool> open_{false};
};

class RevocationListener {
 public:
  static constexpr int kPingAfterMs = 5000;

  // Starts listening on the store at `url` (a store.url, with store.tls
  // for rediss://) for `cache`, which stays closed until the first
  // subscription. `log` must outlive the listener; `on_lost` is called on
  // its thread.
  RevocationListener(std::string url, StoreTlsConfig tls, std::shared_ptr<GatedSessionCache> cache,
                     Log& log, std::function<void()> on_lost);
  // Stops the thread (within about 250 ms).
  ~RevocationListener();
  RevocationListener(const RevocationListener&) = delete;
  RevocationListener& operator=(const RevocationListener&) = delete;

 private:
  void run();
  // One connection's life: subscribe (then `subscribed` is set and the
  // cache opened), evict what is announced; returns when the connection is
  // lost or stop_ is set.
  void listenOnce(bool& subscribed);
  // Waits up to `ms`, or less when stopping.
  void pause(int ms);

  const std::string url_;
  const StoreTlsConfig tls_;
  const std::shared_ptr<GatedSessionCache> cache_;
  Log& log_;
  const std::function<void()> on_lost_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace barrier
