#include "core/session/session_cache.h"

#include <gtest/gtest.h>

#include <list>
#include <map>
#include <string>

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
  cache_->insertPresent(CachedSession::make(session("k", kNow + 3600)));
  auto hit = cache_->lookup("k");
  ASSERT_EQ(hit.hit, CacheHit::kPresent);
  EXPECT_EQ(hit.record->username(), "alice");
  clock_.advance(299);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  clock_.advance(1);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
}

// A positive entry never outlives the record's valid_until, even with a longer ttl.
TEST_F(SessionCacheTest, NeverPastValidUntil) {
  cache_->insertPresent(CachedSession::make(session("k", kNow + 10)));
  clock_.advanceMillis(9999);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  clock_.advanceMillis(1);
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
}

// Expired and login records are never cached positively.
TEST_F(SessionCacheTest, RefusesNonLiveRecords) {
  cache_->insertPresent(CachedSession::make(session("expired", kNow)));
  SessionRecord login = session("login", kNow + 300);
  login.kind = RecordKind::kLogin;
  cache_->insertPresent(CachedSession::make(login));
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
  cache_->insertPresent(CachedSession::make(session("a", kNow + 3600)));
  cache_->insertPresent(CachedSession::make(session("b", kNow + 3600)));
  cache_->insertPresent(CachedSession::make(session("c", kNow + 3600)));
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
  cache_->insertPresent(CachedSession::make(session("k", kNow + 3600)));
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->size(), 1u);
  cache_->erase("k");
  EXPECT_EQ(cache_->lookup("k").hit, CacheHit::kMiss);
  cache_->insertAbsent("x");
  cache_->clear();
  EXPECT_EQ(cache_->size(), 0u);
}

// An entry is found by its exact key only: not by a prefix, not by a
// longer key.
TEST_F(SessionCacheTest, FoundByTheExactKeyOnly) {
  std::string key(kIdTextLength, 'k');
  cache_->insertPresent(CachedSession::make(session(key, kNow + 3600)));
  EXPECT_EQ(cache_->lookup(key).hit, CacheHit::kPresent);
  EXPECT_EQ(cache_->lookup(key).record->key(), key);
  EXPECT_EQ(cache_->lookup(key.substr(1)).hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->lookup(key + "k").hit, CacheHit::kMiss);
  EXPECT_EQ(cache_->size(), 1u);
}

// The index (open addressing, deletion by shifting entries back) agrees
// with a plain map through many inserts, lookups, erasures and evictions:
// every key the model holds is found with its own record, every other key
// misses. Keys are short and alike so that runs of cells collide.
TEST(SessionCacheIndexTest, AgreesWithAModelThroughChurn) {
  FixedClock clock(kNow);
  CacheConfig config;
  config.ttl = 300;
  config.negative_ttl = 300;
  config.max_entries = 200;
  auto cache = makeLruSessionCache(clock, config);
  std::map<std::string, bool> model;  // key -> present
  std::list<std::string> order;       // front = most recently used
  auto touch = [&](const std::string& key) {
    order.remove(key);
    order.push_front(key);
  };
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  for (int i = 0; i < 20000; ++i) {
    std::string key = "k" + std::to_string((next() >> 8) % 500);
    switch ((next() >> 8) % 4) {
      case 0:
        cache->insertPresent(CachedSession::make(session(key, kNow + 3600)));
        model[key] = true;
        touch(key);
        break;
      case 1:
        cache->insertAbsent(key);
        model[key] = false;
        touch(key);
        break;
      case 2:
        cache->erase(key);
        model.erase(key);
        order.remove(key);
        break;
      default: {
        CacheLookup hit = cache->lookup(key);
        auto it = model.find(key);
        if (it == model.end()) {
          ASSERT_EQ(hit.hit, CacheHit::kMiss) << key;
        } else {
          ASSERT_EQ(hit.hit, it->second ? CacheHit::kPresent : CacheHit::kAbsent) << key;
          if (it->second) {
            ASSERT_EQ(hit.record->key(), key);
          }
          touch(key);
        }
      }
    }
    while (order.size() > 200) {  // the least recently used go first
      model.erase(order.back());
      order.pop_back();
    }
    ASSERT_EQ(cache->size(), model.size());
  }
  for (int k = 0; k < 500; ++k) {
    std::string key = "k" + std::to_string(k);
    EXPECT_EQ(cache->lookup(key).hit == CacheHit::kMiss, model.count(key) == 0) << key;
  }
}

// ttl 0 / max_entries 0 turn caching off.
TEST_F(SessionCacheTest, CanBeDisabled) {
  CacheConfig off;
  off.ttl = 0;
  off.negative_ttl = 0;
  auto cache = makeLruSessionCache(clock_, off);
  cache->insertPresent(CachedSession::make(session("k", kNow + 3600)));
  cache->insertAbsent("n");
  EXPECT_EQ(cache->size(), 0u);
  CacheConfig none;
  none.max_entries = 0;
  auto cache2 = makeLruSessionCache(clock_, none);
  cache2->insertPresent(CachedSession::make(session("k", kNow + 3600)));
  EXPECT_EQ(cache2->size(), 0u);
}

}  // namespace
}  // namespace barrier
