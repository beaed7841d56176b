// A SessionStore that also forgets what it removes from a SessionCache in
// the same process: in `barrier serve` the manager and the checker share
// one process, so a logout (or the one-session-per-browser removal at
// login) ends the session at once instead of after the cache's TTL. At the
// edge the cache lives in other containers and the TTL is the bound.
#pragma once

#include "core/ports/session_store.h"
#include "core/session/session_cache.h"

namespace barrier {

class CacheEvictingStore : public ForwardingSessionStore {
 public:
  CacheEvictingStore(SessionStore& inner, SessionCache& cache)
      : ForwardingSessionStore(inner), cache_(cache) {}

  Status remove(std::string_view key) override {
    Status s = ForwardingSessionStore::remove(key);
    cache_.erase(key);
    return s;
  }
  // The cache is keyed by record, not by user: it is emptied.
  Result<size_t> removeUser(std::string_view sub) override {
    Result<size_t> n = ForwardingSessionStore::removeUser(sub);
    cache_.clear();
    return n;
  }
  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    Result<size_t> n = ForwardingSessionStore::removeProviderSession(sid, sub);
    cache_.clear();
    return n;
  }

 private:
  SessionCache& cache_;
};

}  // namespace barrier
