// A thread-safe SessionCache for the multi-threaded gateway.
//
// The core's LRU cache is single-threaded (src/core builds for wasm32-wasi,
// which has no threads). This wraps several of them, each behind its own
// mutex, and picks the shard by a hash of the store key, so concurrent
// requests for different sessions rarely contend. The entry bound is split
// evenly across shards (each shard holds at least one entry).
#pragma once

#include <memory>

#include "core/config/config.h"
#include "core/ports/clock.h"
#include "core/session/session_cache.h"

namespace barrier {

// `clock` must be thread-safe and outlive the cache. `shards` >= 1.
std::unique_ptr<SessionCache> makeLockedSessionCache(Clock& clock, const CacheConfig& config,
                                                     size_t shards = 16);

}  // namespace barrier
