#include "core/session/session_cache.h"

#include <algorithm>
#include <functional>
#include <list>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace barrier {

namespace {

struct Entry {
  std::string key;
  std::shared_ptr<const SessionRecord> record;  // null for a negative entry
  int64_t expires_ms = 0;
};

class LruSessionCache : public SessionCache {
 public:
  LruSessionCache(Clock& clock, const CacheConfig& config)
      : clock_(clock),
        ttl_ms_(config.ttl * 1000),
        negative_ttl_ms_(config.negative_ttl * 1000),
        max_entries_(config.max_entries > 0 ? static_cast<size_t>(config.max_entries) : 0) {}

  CacheLookup lookup(std::string_view key) override {
    auto it = index_.find(key);
    if (it == index_.end()) return {};
    if (clock_.nowMillis() >= it->second->expires_ms) {
      order_.erase(it->second);
      index_.erase(it);
      return {};
    }
    order_.splice(order_.begin(), order_, it->second);  // most recently used
    const Entry& entry = *it->second;
    if (!entry.record) return {CacheHit::kAbsent, nullptr};
    return {CacheHit::kPresent, entry.record};
  }

  void insertPresent(std::shared_ptr<const SessionRecord> record) override {
    int64_t now_ms = clock_.nowMillis();
    if (!record->isLiveSession(now_ms / 1000)) return;
    // Never past the record's own expiry: the cache must not lengthen a
    // session, and valid_until is in whole seconds.
    int64_t expires = std::min(now_ms + ttl_ms_, record->valid_until * 1000);
    if (ttl_ms_ <= 0 || expires <= now_ms) return;
    std::string key = record->key;
    put(std::move(key), std::move(record), expires);
  }

  void refresh(std::shared_ptr<const SessionRecord> record) override {
    auto it = index_.find(std::string_view(record->key));
    if (it != index_.end() && it->second->record) it->second->record = std::move(record);
  }

  void insertAbsent(std::string_view key) override {
    if (negative_ttl_ms_ <= 0) return;
    put(std::string(key), nullptr, clock_.nowMillis() + negative_ttl_ms_);
  }

  void erase(std::string_view key) override {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  void clear() override {
    index_.clear();
    order_.clear();
  }

  size_t size() override { return index_.size(); }

 private:
  void put(std::string key, std::shared_ptr<const SessionRecord> record, int64_t expires_ms) {
    if (max_entries_ == 0) return;
    erase(key);
    order_.push_front(Entry{key, std::move(record), expires_ms});
    index_.emplace(std::move(key), order_.begin());
    while (index_.size() > max_entries_) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
  }

  Clock& clock_;
  const int64_t ttl_ms_;
  const int64_t negative_ttl_ms_;
  const size_t max_entries_;
  std::list<Entry> order_;  // front = most recently used
  // Looked up by string_view without building a std::string per request.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  std::unordered_map<std::string, std::list<Entry>::iterator, KeyHash, std::equal_to<>> index_;
};

}  // namespace

std::unique_ptr<SessionCache> makeLruSessionCache(Clock& clock, const CacheConfig& config) {
  return std::make_unique<LruSessionCache>(clock, config);
}

}  // namespace barrier
