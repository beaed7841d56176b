#include "adapters/locked_session_cache.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "core/mutex.h"

namespace barrier {

namespace {

class LockedSessionCache : public SessionCache {
 public:
  LockedSessionCache(Clock& clock, const CacheConfig& config, size_t shards) {
    if (shards == 0) shards = 1;
    CacheConfig per_shard = config;
    if (config.max_entries > 0) {
      per_shard.max_entries =
          std::max<int64_t>(1, config.max_entries / static_cast<int64_t>(shards));
    }
    shards_.reserve(shards);
    for (size_t i = 0; i < shards; ++i) {
      shards_.push_back(std::make_unique<Shard>());
      shards_.back()->cache = makeLruSessionCache(clock, per_shard);
    }
  }

  CacheLookup lookup(std::string_view key) override {
    Shard& s = shardFor(key);
    MutexLock lock(s.mutex);
    return s.cache->lookup(key);
  }
  void insertPresent(SessionPtr record) override {
    Shard& s = shardFor(record->key());
    MutexLock lock(s.mutex);
    s.cache->insertPresent(std::move(record));
  }
  void refresh(SessionPtr record) override {
    Shard& s = shardFor(record->key());
    MutexLock lock(s.mutex);
    s.cache->refresh(std::move(record));
  }
  void insertAbsent(std::string_view key) override {
    Shard& s = shardFor(key);
    MutexLock lock(s.mutex);
    s.cache->insertAbsent(key);
  }
  void erase(std::string_view key) override {
    Shard& s = shardFor(key);
    MutexLock lock(s.mutex);
    s.cache->erase(key);
  }
  void clear() override {
    for (auto& s : shards_) {
      MutexLock lock(s->mutex);
      s->cache->clear();
    }
  }
  size_t size() override {
    size_t total = 0;
    for (auto& s : shards_) {
      MutexLock lock(s->mutex);
      total += s->cache->size();
    }
    return total;
  }

 private:
  struct Shard {
    Mutex mutex;
    // Set once by the constructor; the cache itself is used under `mutex`.
    std::unique_ptr<SessionCache> cache PT_GUARDED_BY(mutex);
  };

  // By a hash of the key's text, its high half: each shard's own index
  // places entries by another hash (PackedKey's), and a lookup, the hot
  // path, decodes the key only there. A record's text key is made again
  // (one string) only to insert or refresh it: after a store read or a
  // touch.
  Shard& shardFor(std::string_view key) {
    uint64_t hash = std::hash<std::string_view>{}(key);
    return *shards_[(hash >> 32) % shards_.size()];
  }

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace

std::unique_ptr<SessionCache> makeLockedSessionCache(Clock& clock, const CacheConfig& config,
                                                     size_t shards) {
  return std::make_unique<LockedSessionCache>(clock, config, shards);
}

}  // namespace barrier
