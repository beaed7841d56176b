// The checker's session cache (docs/ARCHITECTURE.md, "Checker flow", step 4).
//
// Two kinds of entries, keyed by store key:
//  - positive: a live `session` record. It lives at most `ttl` seconds and
//    never past the record's own valid_until, so a cached entry can never
//    extend a session;
//  - negative: "the store has no usable record under this key" (unknown id,
//    expired record, `login` record). It lives `negative_ttl` seconds, which
//    bounds how often a replayed id costs a store read.
//
// A positive entry holds a CachedSession (core/session/cached_session.h):
// the record's session fields packed in one block. The cache's own cost per
// entry is a 24-byte slot and a 4-byte index cell or two (session_cache.cpp).
//
// Revocation latency: deleting a record ends the session everywhere once the
// positive entries for it expire, i.e. within `ttl` seconds. That is the
// design's trade of a store read per request for a bounded delay.
//
// SessionCache is the interface the checker uses. The core implementation
// (makeLruSessionCache) is single-threaded: src/core builds for wasm32-wasi,
// whose libc++ has no threads, and the edge module handles one event at a
// time. The multi-threaded gateway wraps it: src/adapters/locked_session_cache.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/ports/clock.h"
#include "core/session/cached_session.h"

namespace barrier {

enum class CacheHit { kMiss, kPresent, kAbsent };

struct CacheLookup {
  CacheHit hit = CacheHit::kMiss;
  SessionPtr record;  // set when hit == kPresent
};

class SessionCache {
 public:
  virtual ~SessionCache() = default;
  // Expired entries are reported as kMiss (and dropped).
  virtual CacheLookup lookup(std::string_view key) = 0;
  // Caches a live session under record->key() (never null). A record past
  // its valid_until at the clock's now is not cached. Lookups hand out this
  // same object: callers may key per-session work on its address while
  // they hold it.
  virtual void insertPresent(SessionPtr record) = 0;
  // Replaces the record of the positive entry under record->key() (never
  // null), keeping the entry's expiry: a session's touch (core/session/
  // idle.h) updates last_seen without lengthening how long the entry is
  // trusted. Does nothing when no positive entry is there.
  virtual void refresh(SessionPtr record) = 0;
  // Caches "nothing usable under `key`" for negative_ttl.
  virtual void insertAbsent(std::string_view key) = 0;
  virtual void erase(std::string_view key) = 0;
  virtual void clear() = 0;
  virtual size_t size() = 0;
};

// Bounded LRU with TTL, timed by `clock` (milliseconds). `config.max_entries`
// <= 0 or `config.ttl` <= 0 disables positive caching; negative_ttl <= 0
// disables negative caching. Not thread-safe. `clock` must outlive the
// cache.
std::unique_ptr<SessionCache> makeLruSessionCache(Clock& clock, const CacheConfig& config);

}  // namespace barrier
