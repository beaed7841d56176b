#include "adapters/memory_store.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "tests/support/store_contract.h"

namespace barrier {
namespace {

SessionRecord record(const std::string& key, int64_t valid_until) {
  SessionRecord r;
  r.key = key;
  r.kind = RecordKind::kLogin;
  r.valid_until = valid_until;
  return r;
}

// touch() per the SessionStore contract.
TEST(MemoryStore, Touch) {
  auto store = makeMemoryStore();
  expectTouchContract(*store);
}

// removeProviderSession() per the SessionStore contract.
TEST(MemoryStore, RemoveProviderSession) {
  auto store = makeMemoryStore();
  expectRemoveProviderSessionContract(*store);
}

// A running server's memory store drops records that expired over an hour
// ago as it writes (abandoned logins grew it without bound); the live ones
// stay, and a store made for tests keeps everything.
TEST(MemoryStore, PurgesLongExpiredRecordsAsItWrites) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (bool purge : {true, false}) {
    auto store = makeMemoryStore(purge);
    ASSERT_TRUE(store->putNew(record("live", now + 300)).isOk());
    ASSERT_TRUE(store->putNew(record("recent", now - 60)).isOk());  // within the hour
    for (int i = 0; i < 62; ++i) {
      ASSERT_TRUE(store->putNew(record("old-" + std::to_string(i), now - 7200)).isOk());
    }
    auto left = store->list(1000);
    ASSERT_TRUE(left.isOk());
    EXPECT_EQ(left->size(), purge ? 2u : 64u) << (purge ? "purging" : "not purging");
    EXPECT_TRUE(store->get("live")->has_value());
    EXPECT_TRUE(store->get("recent")->has_value());
  }
}

}  // namespace
}  // namespace barrier
