#include "core/session/session_cache.h"

#include <gtest/gtest.h>

#include "core/session/session_id.h"
#include "tests/support/fixed_clock.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;

SessionRecord session(std::string key, int64_t valid_until) {
  SessionRecord r;
  r.key = std::move(key);
  r.kind = RecordKind::kSession;
  r.valid_until = valid_until;
  r.username = "alice";
  return r;
}

class SessionCacheTest : public ::testing::Test {
 protected:
  SessionCacheTest() {
    config_.ttl = 300;
    config_.negative_ttl = 5;
    config_.max_entries = 3;
    cache_ = makeLruSessionCache(clock_, config_);
  }
  FixedClock clock_{kNow};
  CacheConfig config_;
  std::unique_ptr<SessionCache> cache_;
};

// A live session is served from the cache until the cache ttl runs out.
TEST_F(SessionCacheTest, PositiveEntryLivesTtl) {
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("k", kNow + 3600)));
  auto hit = cache_->lookup("k");
  ASSERT_EQ(hit.hit, CacheHit::kPresent);
  EXPECT_EQ(hit.record->username, "alice");
  clock_.advance(299);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  clock_.advance(1);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
}

// A positive entry never outlives the record's valid_until, even with a longer ttl.
TEST_F(SessionCacheTest, NeverPastValidUntil) {
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("k", kNow + 10)));
  clock_.advanceMillis(9999);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  clock_.advanceMillis(1);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
}

// Expired and login records are never cached positively.
TEST_F(SessionCacheTest, RefusesNonLiveRecords) {
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("expired", kNow)));
  SessionRecord login = session("login", kNow + 300);
  login.kind = RecordKind::kLogin;
  cache_->insertPresent(std::make_shared<const SessionRecord>(login));
  EXPECT_EQ(cache_->lookup("expired").hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->lookup("login").hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->size(), 0u);
}

// Negative entries live negative_ttl seconds.
TEST_F(SessionCacheTest, NegativeEntriesAreShort) {
  cache_->insertAbsent("unknown");
  EXPECT_EQ(cache_->lookup("unknown").hit, CacheHit::kAbsent);
  clock_.advance(5);
  EXPECT_EQ(cache_->lookup("unknown").hit, CacheHit::kMiss);
}

// The bound holds and the least recently used entry goes first.
TEST_F(SessionCacheTest, EvictsLeastRecentlyUsed) {
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("a", kNow + 3600)));
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("b", kNow + 3600)));
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("c", kNow + 3600)));
  EXPECT_EQ(cache_->lookup("a").hit, CacheHit::kPresent);  // a is now the freshest
  cache_->insertAbsent("d");
  EXPECT_EQ(cache_->size(), 3u);
  EXPECT_EQ(cache_->lookup("b").hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->lookup("a").hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->lookup("c").hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->lookup("d").hit, CacheHit::kAbsent);
}

// Re-inserting replaces the entry; erase and clear remove entries.
TEST_F(SessionCacheTest, ReplaceEraseClear) {
  cache_->insertAbsent("k");
  cache_->insertPresent(std::make_shared<const SessionRecord>(session("k", kNow + 3600)));
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->size(), 1u);
  cache_->erase("k");
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
  cache_->insertAbsent("x");
  cache_->clear();
  EXPECT_EQ(cache_->size(), 0u);
}

// Entries hold their key inline: a full-length store key is cached and found
// by its exact text only; a longer key is never cached (it cannot be a
// store key), so it always misses.
TEST_F(SessionCacheTest, StoreKeysAreHeldWholeLongerKeysNotAtAll) {
  std::string key(kIdTextLength, 'k');
  cache_->insertPresent(std::make_shared<const SessionRecord>(session(key, kNow + 3600)));
  EXPECT_EQ(cache_->lookup(key).hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->lookup(key).record->key, key);
  EXPECT_EQ(cache_->lookup(key.substr(1)).hit, CacheHit::kMiss);
  std::string longer = key + "k";
  cache_->insertAbsent(longer);
  EXPECT_EQ(cache_->lookup(longer).hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->size(), 1u);
}

// ttl 0 / max_entries 0 turn caching off.
TEST_F(SessionCacheTest, CanBeDisabled) {
  CacheConfig off;
  off.ttl = 0;
  off.negative_ttl = 0;
  auto cache = makeLruSessionCache(clock_, off);
  cache->insertPresent(std::make_shared<const SessionRecord>(session("k", kNow + 3600)));
  cache->insertAbsent("n");
  EXPECT_EQ(cache->size(), 0u);
  CacheConfig none;
  none.max_entries = 0;
  auto cache2 = makeLruSessionCache(clock_, none);
  cache2->insertPresent(std::make_shared<const SessionRecord>(session("k", kNow + 3600)));
  EXPECT_EQ(cache2->size(), 0u);
}

}  // namespace
}  // namespace barrier
