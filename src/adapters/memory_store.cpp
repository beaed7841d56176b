#include "adapters/memory_store.h"

#include <ctime>
#include <map>
#include <string>

#include "core/mutex.h"

namespace barrier {

namespace {

class MemoryStore : public SessionStore {
 public:
  explicit MemoryStore(bool purge_expired) : purge_expired_(purge_expired) {}

  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    MutexLock lock(mu_);
    auto it = records_.find(std::string(key));
    if (it == records_.end()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(it->second);
  }

  Status putNew(const SessionRecord& record) override {
    MutexLock lock(mu_);
    if (!records_.emplace(record.key, record).second) {
      return Status::alreadyExists("record exists");
    }
    maybePurge();
    return Status::ok();
  }

  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    MutexLock lock(mu_);
    auto it = records_.find(std::string(key));
    if (it == records_.end()) return std::optional<SessionRecord>();
    std::optional<SessionRecord> out(std::move(it->second));
    records_.erase(it);
    return out;
  }

  Status remove(std::string_view key) override {
    MutexLock lock(mu_);
    records_.erase(std::string(key));
    return Status::ok();
  }

  Result<size_t> removeUser(std::string_view sub) override {
    MutexLock lock(mu_);
    return static_cast<size_t>(std::erase_if(records_, [&](const auto& kv) {
      return kv.second.kind == RecordKind::kSession && kv.second.sub == sub;
    }));
  }

  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    MutexLock lock(mu_);
    return static_cast<size_t>(std::erase_if(records_, [&](const auto& kv) {
      const SessionRecord& r = kv.second;
      return r.kind == RecordKind::kSession && !sid.empty() && r.sid == sid &&
             (sub.empty() || r.sub == sub);
    }));
  }

  Status touch(std::string_view key, int64_t last_seen) override {
    MutexLock lock(mu_);
    auto it = records_.find(key);
    if (it != records_.end() && it->second.kind == RecordKind::kSession) {
      it->second.last_seen = last_seen;
    }
    return Status::ok();
  }

  Result<RecordList> list(size_t limit) override {
    MutexLock lock(mu_);
    RecordList out;
    for (const auto& [key, record] : records_) {
      if (out.size() >= limit) break;
      out.records.push_back(record);
    }
    return out;
  }

  Status ping() override { return Status::ok(); }

 private:
  // Housekeeping, as the SQLite store does it (expiry is always checked in
  // code): every 64th write drops up to 256 records that expired over an
  // hour ago, so abandoned logins do not pile up for the process's life.
  void maybePurge() REQUIRES(mu_) {
    if (!purge_expired_ || ++writes_ % 64 != 0) return;
    const int64_t before = static_cast<int64_t>(std::time(nullptr)) - 3600;
    size_t dropped = 0;
    for (auto it = records_.begin(); it != records_.end() && dropped < 256;) {
      if (it->second.valid_until < before) {
        it = records_.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
  }

  const bool purge_expired_;
  Mutex mu_;
  uint64_t writes_ GUARDED_BY(mu_) = 0;
  std::map<std::string, SessionRecord, std::less<>> records_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<SessionStore> makeMemoryStore(bool purge_expired) {
  return std::make_unique<MemoryStore>(purge_expired);
}

}  // namespace barrier
