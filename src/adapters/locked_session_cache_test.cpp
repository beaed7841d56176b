#include "adapters/locked_session_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fixed_clock.h"

namespace barrier {
namespace {

// The sharded cache behaves like the core cache (hits, negatives, expiry).
TEST(LockedSessionCache, BehavesLikeTheCoreCache) {
  FixedClock clock(1700000000);
  CacheConfig config;
  auto cache = makeLockedSessionCache(clock, config, 4);
  SessionRecord r;
  r.key = "k";
  r.valid_until = 1700000000 + 60;
  cache->insertPresent(CachedSession::make(r));
  cache->insertAbsent("n");
  EXPECT_EQ(cache->lookup("k").hit, CacheHit::kPresent);
  EXPECT_EQ(cache->lookup("n").hit, CacheHit::kAbsent);
  EXPECT_EQ(cache->size(), 2u);
  clock.advance(60);
  EXPECT_EQ(cache->lookup("k").hit, CacheHit::kMiss);
  cache->clear();
  EXPECT_EQ(cache->size(), 0u);
}

// Many threads inserting and looking up at once keep the bound and do not race
// (run under the asan/tsan presets to catch data races).
TEST(LockedSessionCache, ConcurrentUseKeepsBound) {
  FixedClock clock(1700000000);  // only read by the threads
  CacheConfig config;
  config.max_entries = 64;
  auto cache = makeLockedSessionCache(clock, config, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        SessionRecord r;
        r.key = "k" + std::to_string(t) + "-" + std::to_string(i % 100);
        r.valid_until = 1700000000 + 600;
        cache->insertPresent(CachedSession::make(r));
        (void)cache->lookup(r.key);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache->size(), 64u);
}

// A record handed out by a lookup stays whole while other threads replace
// and evict its entry: the threads share keys, read each hit's fields
// after the lock is released, and drop their reference last (the count in
// the block is what ThreadSanitizer and ASan check here).
TEST(LockedSessionCache, HitsOutliveTheirEntries) {
  FixedClock clock(1700000000);  // only read by the threads
  CacheConfig config;
  config.max_entries = 8;
  auto cache = makeLockedSessionCache(clock, config, 2);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3000; ++i) {
        SessionRecord r;
        r.key = "k" + std::to_string(i % 16);
        r.username = "user-of-" + r.key;
        r.valid_until = 1700000000 + 600;
        cache->insertPresent(CachedSession::make(r));
        CacheLookup hit = cache->lookup("k" + std::to_string((i + 5) % 16));
        if (hit.hit == CacheHit::kPresent &&
            hit.record->username() != "user-of-" + std::string(hit.record->key())) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace barrier
