// The revocation listener against a real redis-server: the cache is
// trusted only while subscribed, and every session the Redis store removes
// (remove, removeUser, removeProviderSession) leaves it; a lost connection closes the cache until
// the listener is back, which empties it first.
#include "adapters/redis_revocations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "adapters/locked_session_cache.h"
#include "adapters/redis_store.h"
#include "adapters/system.h"
#include "tests/support/eventually.h"
#include "tests/support/recording_log.h"
#include "tests/support/redis_server.h"
#include "tests/support/store_contract.h"

namespace barrier {
namespace {

class RevocationListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
    server_ = std::make_unique<RedisServer>(freeLoopbackPort());
    ASSERT_TRUE(server_->start());
    auto store = makeRedisStore(server_->url());
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(*store);
    CacheConfig config;
    config.ttl = 3600;
    // The listener's thread evicts while the test reads: the locked cache,
    // as barrier serve uses.
    cache_ = std::make_shared<GatedSessionCache>(makeLockedSessionCache(*clock_, config));
    listener_ = std::make_unique<RevocationListener>(server_->url(), StoreTlsConfig{}, cache_, log_,
                                                     [this] { ++lost_; });
  }
  void TearDown() override { listener_.reset(); }

  // A session in the store and in the cache.
  void cacheSession(const std::string& key, const std::string& sub) {
    ASSERT_TRUE(store_->putNew(liveSession(key, sub)).isOk());
    cache_->insertPresent(CachedSession::make(liveSession(key, sub)));
    ASSERT_EQ(cache_->lookup(key).hit, CacheHit::kPresent);
  }

  bool cached(const std::string& key) { return cache_->lookup(key).hit == CacheHit::kPresent; }

  std::unique_ptr<Clock> clock_ = makeSystemClock();
  RecordingLog log_;
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<SessionStore> store_;
  std::shared_ptr<GatedSessionCache> cache_;
  std::atomic<int> lost_{0};
  std::unique_ptr<RevocationListener> listener_;
};

// Removed by key or by user through any store on the server (here another
// store object, as another instance or the CLI would be): evicted.
TEST_F(RevocationListenerTest, EvictsWhatTheStoreRemoves) {
  ASSERT_TRUE(eventually(10, [&] { return cache_->isOpen(); })) << "never subscribed";
  cacheSession("k1", "alice");
  cacheSession("k2", "bob");
  cacheSession("k3", "bob");
  cacheSession("k4", "carol");
  ASSERT_TRUE(store_->remove("k1").isOk());
  EXPECT_TRUE(eventually(5, [&] { return !cached("k1"); }));
  auto removed = store_->removeUser("bob");
  ASSERT_TRUE(removed.isOk());
  EXPECT_EQ(*removed, 2u);
  EXPECT_TRUE(eventually(5, [&] { return !cached("k2") && !cached("k3"); }));
  SessionRecord by_sid = liveSession("k5", "carol");
  by_sid.sid = "p1";
  ASSERT_TRUE(store_->putNew(by_sid).isOk());
  cache_->insertPresent(CachedSession::make(by_sid));
  EXPECT_EQ(*store_->removeProviderSession("p1", "carol"), 1u);
  EXPECT_TRUE(eventually(5, [&] { return !cached("k5"); }));
  EXPECT_TRUE(cached("k4")) << "only what was removed";
  EXPECT_EQ(lost_.load(), 0);
}

// Redis gone: the cache is closed (its entries not trusted), the loss is
// counted and logged once; back: the cache opens again, emptied, and
// revocations are heard again.
TEST_F(RevocationListenerTest, LostSubscriptionClosesTheCacheUntilBack) {
  ASSERT_TRUE(eventually(10, [&] { return cache_->isOpen(); }));
  cacheSession("k1", "alice");
  server_->stop();
  ASSERT_TRUE(eventually(10, [&] { return !cache_->isOpen(); }));
  EXPECT_FALSE(cached("k1")) << "not trusted while unsubscribed";
  EXPECT_EQ(lost_.load(), 1);
  EXPECT_TRUE(log_.last("store.revocations_lost", "channel").has_value());
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(eventually(10, [&] { return cache_->isOpen(); })) << "never resubscribed";
  EXPECT_FALSE(cached("k1")) << "emptied on reopening";
  EXPECT_EQ(lost_.load(), 1);
  cacheSession("k2", "alice");
  ASSERT_TRUE(store_->remove("k2").isOk());
  EXPECT_TRUE(eventually(5, [&] { return !cached("k2"); }));
}

}  // namespace
}  // namespace barrier
