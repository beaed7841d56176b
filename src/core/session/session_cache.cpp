#include "core/session/session_cache.h"

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <list>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "core/session/session_id.h"

namespace barrier {

namespace {

// One cache entry, and one heap block with the list's links (~96 bytes):
// the key is held inline, since a store key is always kIdTextLength
// characters (no second block per key, and none in the index).
struct Entry {
  std::array<char, kIdTextLength> key;
  uint8_t key_size = 0;
  int64_t expires_ms = 0;
  std::shared_ptr<const SessionRecord> record;  // null for a negative entry

  std::string_view keyView() const { return {key.data(), key_size}; }
};
using Order = std::list<Entry>;

// The index holds list positions (one 16-byte node each, its hash not
// stored) and is looked up by the key they point at, or by a string_view
// without building a std::string per request.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key);
  }
  size_t operator()(Order::iterator it) const noexcept { return (*this)(it->keyView()); }
};
struct KeyEqual {
  using is_transparent = void;
  static std::string_view view(std::string_view key) { return key; }
  static std::string_view view(Order::iterator it) { return it->keyView(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return view(a) == view(b);
  }
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
    Order::iterator entry = *it;
    if (clock_.nowMillis() >= entry->expires_ms) {
      index_.erase(it);
      order_.erase(entry);
      return {};
    }
    order_.splice(order_.begin(), order_, entry);  // most recently used
    if (!entry->record) return {CacheHit::kAbsent, nullptr};
    return {CacheHit::kPresent, entry->record};
  }

  void insertPresent(std::shared_ptr<const SessionRecord> record) override {
    int64_t now_ms = clock_.nowMillis();
    if (!record->isLiveSession(now_ms / 1000)) return;
    // Never past the record's own expiry: the cache must not lengthen a
    // session, and valid_until is in whole seconds.
    int64_t expires = std::min(now_ms + ttl_ms_, record->valid_until * 1000);
    if (ttl_ms_ <= 0 || expires <= now_ms) return;
    std::string_view key = record->key;
    put(key, std::move(record), expires);
  }

  void refresh(std::shared_ptr<const SessionRecord> record) override {
    auto it = index_.find(std::string_view(record->key));
    if (it != index_.end() && (*it)->record) (*it)->record = std::move(record);
  }

  void insertAbsent(std::string_view key) override {
    if (negative_ttl_ms_ <= 0) return;
    put(key, nullptr, clock_.nowMillis() + negative_ttl_ms_);
  }

  void erase(std::string_view key) override {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    Order::iterator entry = *it;
    index_.erase(it);
    order_.erase(entry);
  }

  void clear() override {
    index_.clear();
    order_.clear();
  }

  size_t size() override { return index_.size(); }

 private:
  // A key longer than a store key is not cached (it cannot come from the
  // checker, and a cache may always miss).
  void put(std::string_view key, std::shared_ptr<const SessionRecord> record, int64_t expires_ms) {
    if (max_entries_ == 0 || key.size() > kIdTextLength) return;
    erase(key);
    Entry& entry = order_.emplace_front();
    std::copy(key.begin(), key.end(), entry.key.begin());
    entry.key_size = static_cast<uint8_t>(key.size());
    entry.expires_ms = expires_ms;
    entry.record = std::move(record);
    index_.insert(order_.begin());
    while (index_.size() > max_entries_) {
      index_.erase(std::prev(order_.end()));
      order_.pop_back();
    }
  }

  Clock& clock_;
  const int64_t ttl_ms_;
  const int64_t negative_ttl_ms_;
  const size_t max_entries_;
  Order order_;  // front = most recently used
  std::unordered_set<Order::iterator, KeyHash, KeyEqual> index_;
};

}  // namespace

std::unique_ptr<SessionCache> makeLruSessionCache(Clock& clock, const CacheConfig& config) {
  return std::make_unique<LruSessionCache>(clock, config);
}

}  // namespace barrier
