// CachedSession: a live session as the checker keeps it (docs/ARCHITECTURE.md,
// "Session cache"): the fields a check reads, packed in one heap block.
//
// Why: the session cache holds one per signed-in visitor, and `barrier
// serve` holds up to cache.max_entries of them. A SessionRecord is ~310
// bytes inline (twelve std::strings, the login flow's among them) plus a
// heap block per long string and per list; a CachedSession is a 48-byte
// header and its strings, each after a 4-byte length, in one block.
//
// What it keeps: key, valid_until, created_at, last_seen, sub, username,
// email, groups and claims. Nothing else of the record: the login flow's
// fields and any field added to SessionRecord later are dropped here
// unless make() is taught to copy them (cached_session.cpp).
//
// Sharing: a SessionPtr counts its references in the block (atomically, so
// threads may share one). The block is immutable once made; a touch makes a
// new one (withLastSeen). The cache hands out the same block for every hit,
// so a caller may key per-session work on its address while holding it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "core/session/record.h"

namespace barrier {

class CachedSession;

// A shared, counted reference to a CachedSession (like std::shared_ptr,
// with the count in the block itself: no second allocation).
class SessionPtr {
 public:
  SessionPtr() = default;
  SessionPtr(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): as shared_ptr
  SessionPtr(const SessionPtr& other);
  SessionPtr(SessionPtr&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
  SessionPtr& operator=(SessionPtr other) noexcept {
    std::swap(session_, other.session_);
    return *this;
  }
  ~SessionPtr();

  const CachedSession* get() const { return session_; }
  const CachedSession& operator*() const { return *session_; }
  const CachedSession* operator->() const { return session_; }
  explicit operator bool() const { return session_ != nullptr; }
  friend bool operator==(const SessionPtr& a, const SessionPtr& b) {
    return a.session_ == b.session_;
  }
  friend bool operator==(const SessionPtr& a, std::nullptr_t) { return a.session_ == nullptr; }

 private:
  friend class CachedSession;
  explicit SessionPtr(CachedSession* adopted) : session_(adopted) {}
  CachedSession* session_ = nullptr;
};

// A run of packed strings (groups, a claim's values): iterable as
// std::string_view, valid while the CachedSession holding it is.
class PackedStrings {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    std::string_view operator*() const;
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return left_ == other.left_; }

   private:
    friend class PackedStrings;
    Iterator(const char* at, uint32_t left) : at_(at), left_(left) {}
    const char* at_;
    uint32_t left_;
  };

  PackedStrings() = default;
  PackedStrings(const char* at, uint32_t count) : at_(at), count_(count) {}
  Iterator begin() const { return {at_, count_}; }
  Iterator end() const { return {nullptr, 0}; }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool contains(std::string_view value) const;

 private:
  const char* at_ = nullptr;
  uint32_t count_ = 0;
};

class CachedSession {
 public:
  // A copy of `record`'s session fields (see above). The kind is not kept:
  // a record of another kind than session makes a block that is never live
  // (valid_until 0).
  static SessionPtr make(const SessionRecord& record);
  // A block holding only `key` (valid_until 0, never live): what a negative
  // cache entry keeps.
  static SessionPtr keyOnly(std::string_view key);
  // The same session with last_seen set to `last_seen` (a touch).
  SessionPtr withLastSeen(int64_t last_seen) const;

  std::string_view key() const { return stringAt(0); }
  std::string_view sub() const { return stringAt(1); }
  std::string_view username() const { return stringAt(2); }
  std::string_view email() const { return stringAt(3); }
  PackedStrings groups() const { return {text() + groups_at_, group_count_}; }
  // The values kept for claim `name`, or nullopt when the record keeps none.
  std::optional<PackedStrings> claim(std::string_view name) const;

  int64_t validUntil() const { return valid_until_; }
  int64_t createdAt() const { return created_at_; }
  int64_t lastSeen() const { return last_seen_; }
  bool isLiveSession(int64_t now) const { return valid_until_ > now; }

  // The block's size in bytes (header and strings).
  size_t blockSize() const { return sizeof(CachedSession) + text_size_; }

  CachedSession(const CachedSession&) = delete;
  CachedSession& operator=(const CachedSession&) = delete;

 private:
  friend class SessionPtr;
  CachedSession() = default;
  static SessionPtr allocate(size_t text_size);
  void release() const;

  const char* text() const { return reinterpret_cast<const char*>(this + 1); }
  char* text() { return reinterpret_cast<char*>(this + 1); }
  // The n-th of key, sub, username, email (each a length, then its bytes).
  std::string_view stringAt(int n) const;

  mutable std::atomic<uint32_t> refs_{1};
  uint32_t text_size_ = 0;
  uint32_t group_count_ = 0;
  uint32_t groups_at_ = 0;  // offset in text() of the first group
  uint32_t claim_count_ = 0;
  uint32_t claims_at_ = 0;  // each claim: its name, its value count, its values
  int64_t valid_until_ = 0;
  int64_t created_at_ = 0;
  int64_t last_seen_ = 0;
};

// Reads the 4-byte length at `at` (any alignment).
inline uint32_t packedLength(const char* at) {
  uint32_t n;
  std::memcpy(&n, at, sizeof n);
  return n;
}

inline std::string_view PackedStrings::Iterator::operator*() const {
  return {at_ + sizeof(uint32_t), packedLength(at_)};
}

inline PackedStrings::Iterator& PackedStrings::Iterator::operator++() {
  at_ += sizeof(uint32_t) + packedLength(at_);
  --left_;
  return *this;
}

inline SessionPtr::SessionPtr(const SessionPtr& other) : session_(other.session_) {
  if (session_ != nullptr) session_->refs_.fetch_add(1, std::memory_order_relaxed);
}

inline SessionPtr::~SessionPtr() {
  if (session_ != nullptr) session_->release();
}

}  // namespace barrier
