// CachedSession: a live session as the checker keeps it (docs/ARCHITECTURE.md,
// "Session cache"): the fields a check reads, packed in one heap block.
//
// Why: the session cache holds one per signed-in visitor, and `barrier
// serve` holds up to cache.max_entries of them. A SessionRecord is ~310
// bytes inline (twelve std::strings, the login flow's among them) plus a
// heap block per long string and per list; a CachedSession is a 40-byte
// header, its key (the 32 bytes of a store key IdCodec made, see
// PackedKey) and its strings, each after a varint length (one byte below
// 128), in one block (natively from BlockPool::sessions(), block_pool.h).
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

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/session/record.h"

namespace barrier {

class CachedSession;

// A store key as a CachedSession keeps it: a canonical key, the 43
// base64url characters of 32 bytes that IdCodec::storeKey makes, as those
// 32 bytes; any other key (a test's, a negative entry's garbage) as its
// text. Two keys are the same key exactly when their PackedKeys are equal.
// Holds a view of the text it was made from: it must not outlive it.
class PackedKey {
 public:
  static constexpr size_t kRawBytes = 32;
  explicit PackedKey(std::string_view key);

  bool raw() const { return raw_; }
  // The 32 bytes, or the text.
  std::string_view bytes() const {
    return raw_ ? std::string_view(bytes_.data(), bytes_.size()) : text_;
  }
  // A hash of the key, the same as CachedSession::keyHash() of a block made
  // with it. A canonical key's is its first 8 bytes: a SHA-256 output is
  // already uniform.
  size_t hash() const { return hashOf(raw_, bytes()); }
  static size_t hashOf(bool raw, std::string_view bytes);

 private:
  bool raw_ = false;
  std::array<char, kRawBytes> bytes_{};
  std::string_view text_;
};

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

  // The store key's text (re-encoded when kept as 32 bytes: a copy).
  std::string key() const;
  // Whether this block is the session under `key` (no copy).
  bool hasKey(const PackedKey& key) const;
  // PackedKey(key()).hash(), without the copy.
  size_t keyHash() const;
  // Whether `other` is under the same key.
  bool sameKey(const CachedSession& other) const {
    return rawKey() == other.rawKey() && keyBytes() == other.keyBytes();
  }
  std::string_view sub() const { return stringAt(0); }
  std::string_view username() const { return stringAt(1); }
  std::string_view email() const { return stringAt(2); }
  PackedStrings groups() const { return {stringsAt(3), group_count_}; }
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

  // text(): the key's form (kRawKey, then its 32 bytes; or kTextKey, then
  // a length and its text), then sub, username, email, the groups and the
  // claims (each: its name, its value count, its values), each string a
  // varint length and its bytes.
  static constexpr char kTextKey = 0;
  static constexpr char kRawKey = 1;
  const char* text() const { return reinterpret_cast<const char*>(this + 1); }
  char* text() { return reinterpret_cast<char*>(this + 1); }
  bool rawKey() const { return text()[0] == kRawKey; }
  // The key's bytes as PackedKey::bytes() holds them.
  std::string_view keyBytes() const;
  // Where the n-th string after the key starts (its length).
  const char* stringsAt(int n) const;
  // The n-th of sub, username, email.
  std::string_view stringAt(int n) const;

  mutable std::atomic<uint32_t> refs_{1};
  uint32_t text_size_ = 0;
  uint32_t group_count_ = 0;
  uint32_t claim_count_ = 0;
  int64_t valid_until_ = 0;
  int64_t created_at_ = 0;
  int64_t last_seen_ = 0;
};

// Reads the varint length at `at` (7 bits a byte, low first; the high
// bit set on every byte but the last) and moves `at` past it.
inline uint32_t readLength(const char*& at) {
  uint32_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(*at++);
    n |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return n;
  }
}

// The packed string at `at`; moves `at` past it.
inline std::string_view readString(const char*& at) {
  uint32_t n = readLength(at);
  std::string_view s(at, n);
  at += n;
  return s;
}

inline std::string_view PackedStrings::Iterator::operator*() const {
  const char* at = at_;
  return readString(at);
}

inline PackedStrings::Iterator& PackedStrings::Iterator::operator++() {
  readString(at_);
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
