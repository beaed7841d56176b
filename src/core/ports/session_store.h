// SessionStore: the one narrow interface every backend implements
// (memory, SQLite, Redis, DynamoDB). Keys are already hashed by the caller
// (IdCodec::storeKey in core/session/session_id.h): a backend never sees a
// live bearer id. See docs/ARCHITECTURE.md, "Records".
//
// Contract shared by all backends:
//  - absent is not an error: get/take of an unknown key return an ok Result
//    holding std::nullopt;
//  - a failure to reach or use the backend is a non-ok Status (kUnavailable,
//    kTimeout, kInternal), which the checker turns into 503;
//  - expiry is NOT filtered by the store: callers check valid_until;
//  - implementations are safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/session/record.h"
#include "core/status.h"

namespace barrier {

// What `list` found. A record that does not decode (damaged, or written by
// something else) does not hide the others: its key is listed on its own,
// so an operator can see it and revoke it.
struct RecordList {
  std::vector<SessionRecord> records;
  std::vector<std::string> unreadable;  // store keys
  size_t size() const { return records.size() + unreadable.size(); }
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // The record under `key`, if any (strongly consistent read).
  virtual Result<std::optional<SessionRecord>> get(std::string_view key) = 0;
  // Writes a new record; kAlreadyExists if `record.key` is taken.
  virtual Status putNew(const SessionRecord& record) = 0;
  // Reads and deletes atomically: of two concurrent takes, one gets the record.
  virtual Result<std::optional<SessionRecord>> take(std::string_view key) = 0;
  // Deletes `key`; deleting an absent key is ok.
  virtual Status remove(std::string_view key) = 0;
  // Deletes every session of `sub`; returns how many were deleted.
  virtual Result<size_t> removeUser(std::string_view sub) = 0;
  // Deletes every session signed in during the provider's session `sid`
  // (SessionRecord::sid), and when `sub` is not empty only those of `sub`
  // (a back-channel logout naming both); returns how many were deleted.
  virtual Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) = 0;
  // Sets last_seen of the session record under `key` (session.idle_timeout)
  // when there is one; an absent key or a login record is left alone and is
  // ok. Never creates a record, never changes another field.
  virtual Status touch(std::string_view key, int64_t last_seen) = 0;
  // Up to `limit` records, readable or not (any order), for `barrier
  // sessions list`.
  virtual Result<RecordList> list(size_t limit) = 0;
  // Cheap liveness probe for /_identity/health.
  virtual Status ping() = 0;
};

// Forwards every call; override one to inject a fault in a test.
class ForwardingSessionStore : public SessionStore {
 public:
  explicit ForwardingSessionStore(SessionStore& inner) : inner_(inner) {}
  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    return inner_.get(key);
  }
  Status putNew(const SessionRecord& record) override { return inner_.putNew(record); }
  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    return inner_.take(key);
  }
  Status remove(std::string_view key) override { return inner_.remove(key); }
  Result<size_t> removeUser(std::string_view sub) override { return inner_.removeUser(sub); }
  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    return inner_.removeProviderSession(sid, sub);
  }
  Status touch(std::string_view key, int64_t last_seen) override {
    return inner_.touch(key, last_seen);
  }
  Result<RecordList> list(size_t limit) override { return inner_.list(limit); }
  Status ping() override { return inner_.ping(); }

 private:
  SessionStore& inner_;
};

}  // namespace barrier
