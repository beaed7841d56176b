#include "adapters/memory_store.h"

#include <map>
#include <mutex>
#include <string>

namespace barrier {

namespace {

class MemoryStore : public SessionStore {
 public:
  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(std::string(key));
    if (it == records_.end()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(it->second);
  }

  Status putNew(const SessionRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!records_.emplace(record.key, record).second) {
      return Status::alreadyExists("record exists");
    }
    return Status::ok();
  }

  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(std::string(key));
    if (it == records_.end()) return std::optional<SessionRecord>();
    std::optional<SessionRecord> out(std::move(it->second));
    records_.erase(it);
    return out;
  }

  Status remove(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.erase(std::string(key));
    return Status::ok();
  }

  Result<size_t> removeUser(std::string_view sub) override {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<size_t>(std::erase_if(records_, [&](const auto& kv) {
      return kv.second.kind == RecordKind::kSession && kv.second.sub == sub;
    }));
  }

  Result<std::vector<SessionRecord>> list(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<SessionRecord> out;
    for (const auto& [key, record] : records_) {
      if (out.size() >= limit) break;
      out.push_back(record);
    }
    return out;
  }

  Status ping() override { return Status::ok(); }

 private:
  std::mutex mu_;
  std::map<std::string, SessionRecord, std::less<>> records_;
};

}  // namespace

std::unique_ptr<SessionStore> makeMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace barrier
