#include "core/session/session_cache.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace barrier {

namespace {

constexpr uint32_t kNone = UINT32_MAX;

// One entry: 24 bytes, in a vector of slots (no heap block per entry). A
// negative entry's record is a key-only block (CachedSession::keyOnly),
// told apart by its valid_until of 0: a positive entry's is in the future.
struct Slot {
  SessionPtr record;  // null while the slot is free
  int64_t expires_ms = 0;
  uint32_t newer = kNone;  // LRU links (slot numbers); `older` links free slots too
  uint32_t older = kNone;
};

bool isNegative(const Slot& slot) { return slot.record->validUntil() == 0; }

// Bounded LRU with TTL. Entries live in `slots_`, linked from most to least
// recently used; the index is an open-addressing table of slot numbers
// (linear probing, at most half full, deletion by shifting back), looked
// up by the key each slot's record holds (compared and hashed as a
// PackedKey, without a copy): 4 bytes a cell instead of a node per entry.
class LruSessionCache : public SessionCache {
 public:
  LruSessionCache(Clock& clock, const CacheConfig& config)
      : clock_(clock),
        ttl_ms_(config.ttl * 1000),
        negative_ttl_ms_(config.negative_ttl * 1000),
        max_entries_(config.max_entries > 0 ? static_cast<size_t>(config.max_entries) : 0) {}

  CacheLookup lookup(std::string_view key) override {
    size_t cell = find(PackedKey(key));
    if (cell == kNotFound) return {};
    uint32_t n = index_[cell];
    Slot& slot = slots_[n];
    if (clock_.nowMillis() >= slot.expires_ms) {
      remove(cell);
      return {};
    }
    unlink(n);
    linkNewest(n);
    if (isNegative(slot)) return {CacheHit::kAbsent, nullptr};
    return {CacheHit::kPresent, slot.record};
  }

  void insertPresent(SessionPtr record) override {
    int64_t now_ms = clock_.nowMillis();
    if (!record->isLiveSession(now_ms / 1000)) return;
    // Never past the record's own expiry: the cache must not lengthen a
    // session, and valid_until is in whole seconds.
    int64_t expires = std::min(now_ms + ttl_ms_, record->validUntil() * 1000);
    if (ttl_ms_ <= 0 || expires <= now_ms) return;
    put(std::move(record), expires);
  }

  void refresh(SessionPtr record) override {
    size_t cell = find(*record);
    if (cell == kNotFound) return;
    Slot& slot = slots_[index_[cell]];
    if (!isNegative(slot)) slot.record = std::move(record);
  }

  void insertAbsent(std::string_view key) override {
    if (negative_ttl_ms_ <= 0) return;
    put(CachedSession::keyOnly(key), clock_.nowMillis() + negative_ttl_ms_);
  }

  void erase(std::string_view key) override { eraseCell(find(PackedKey(key))); }

  void clear() override {
    slots_ = {};
    index_ = {};
    count_ = 0;
    newest_ = oldest_ = free_ = kNone;
  }

  size_t size() override { return count_; }

 private:
  static constexpr size_t kNotFound = SIZE_MAX;

  size_t mask() const { return index_.size() - 1; }
  size_t homeOf(uint32_t n) const { return slots_[n].record->keyHash() & mask(); }

  // The index cell naming `key`'s slot, or kNotFound.
  size_t find(const PackedKey& key) const {
    if (count_ == 0) return kNotFound;
    for (size_t cell = key.hash() & mask();; cell = (cell + 1) & mask()) {
      if (index_[cell] == kNone) return kNotFound;
      if (slots_[index_[cell]].record->hasKey(key)) return cell;
    }
  }
  // The cell of the slot holding `record`'s key.
  size_t find(const CachedSession& record) const {
    if (count_ == 0) return kNotFound;
    for (size_t cell = record.keyHash() & mask();; cell = (cell + 1) & mask()) {
      if (index_[cell] == kNone) return kNotFound;
      if (slots_[index_[cell]].record->sameKey(record)) return cell;
    }
  }

  void eraseCell(size_t cell) {
    if (cell != kNotFound) remove(cell);
  }

  void put(SessionPtr record, int64_t expires_ms) {
    if (max_entries_ == 0) return;
    eraseCell(find(*record));
    if (2 * (count_ + 1) > index_.size()) grow();
    uint32_t n = takeFreeSlot();
    slots_[n].record = std::move(record);
    slots_[n].expires_ms = expires_ms;
    linkNewest(n);
    size_t cell = homeOf(n);
    while (index_[cell] != kNone) cell = (cell + 1) & mask();
    index_[cell] = n;
    ++count_;
    while (count_ > max_entries_) remove(find(*slots_[oldest_].record));
  }

  // Frees the slot index_[cell] names and closes the gap in the index:
  // each later cell of the same run moves back unless that would put it
  // before its home cell.
  void remove(size_t cell) {
    uint32_t n = index_[cell];
    unlink(n);
    slots_[n] = Slot{};
    slots_[n].older = free_;
    free_ = n;
    --count_;
    size_t gap = cell;
    for (size_t next = (gap + 1) & mask(); index_[next] != kNone; next = (next + 1) & mask()) {
      size_t home = homeOf(index_[next]);
      // `next` may fill the gap when its home is not cyclically in (gap, next].
      bool stays = gap <= next ? (gap < home && home <= next) : (gap < home || home <= next);
      if (stays) continue;
      index_[gap] = index_[next];
      gap = next;
    }
    index_[gap] = kNone;
  }

  uint32_t takeFreeSlot() {
    if (free_ == kNone) {
      slots_.emplace_back();
      return static_cast<uint32_t>(slots_.size() - 1);
    }
    uint32_t n = free_;
    free_ = slots_[n].older;
    slots_[n].older = kNone;
    return n;
  }

  // Doubles the index (16 cells at first) and places every entry again.
  void grow() {
    std::vector<uint32_t> cells(std::max<size_t>(16, 2 * index_.size()), kNone);
    index_.swap(cells);
    for (uint32_t n : cells) {
      if (n == kNone) continue;
      size_t cell = homeOf(n);
      while (index_[cell] != kNone) cell = (cell + 1) & mask();
      index_[cell] = n;
    }
  }

  void linkNewest(uint32_t n) {
    slots_[n].older = newest_;
    slots_[n].newer = kNone;
    if (newest_ != kNone) slots_[newest_].newer = n;
    newest_ = n;
    if (oldest_ == kNone) oldest_ = n;
  }

  void unlink(uint32_t n) {
    Slot& slot = slots_[n];
    (slot.newer == kNone ? newest_ : slots_[slot.newer].older) = slot.older;
    (slot.older == kNone ? oldest_ : slots_[slot.older].newer) = slot.newer;
  }

  Clock& clock_;
  const int64_t ttl_ms_;
  const int64_t negative_ttl_ms_;
  const size_t max_entries_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> index_;  // slot numbers; kNone: an empty cell
  size_t count_ = 0;
  uint32_t newest_ = kNone;
  uint32_t oldest_ = kNone;
  uint32_t free_ = kNone;  // free slots, chained through `older`
};

}  // namespace

std::unique_ptr<SessionCache> makeLruSessionCache(Clock& clock, const CacheConfig& config) {
  return std::make_unique<LruSessionCache>(clock, config);
}

}  // namespace barrier
