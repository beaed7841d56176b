#include "server/login_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace barrier {
namespace {

// A client gets `per_minute` starts at once, then one per 60/per_minute
// seconds; other clients are counted apart.
TEST(LoginLimiterTest, BurstThenRefill) {
  LoginLimiter limiter(3);
  EXPECT_TRUE(limiter.allow("198.51.100.1", 100.0));
  EXPECT_TRUE(limiter.allow("198.51.100.1", 100.0));
  EXPECT_TRUE(limiter.allow("198.51.100.1", 100.0));
  EXPECT_FALSE(limiter.allow("198.51.100.1", 100.0));
  EXPECT_TRUE(limiter.allow("198.51.100.2", 100.0));   // another client
  EXPECT_FALSE(limiter.allow("198.51.100.1", 119.0));  // 19 s: not yet one token
  EXPECT_TRUE(limiter.allow("198.51.100.1", 120.5));   // 20 s per token
  EXPECT_FALSE(limiter.allow("198.51.100.1", 120.5));
  EXPECT_EQ(limiter.retryAfter(), 20);
  // A clock that steps back takes nothing away and gives nothing.
  EXPECT_FALSE(limiter.allow("198.51.100.1", 50.0));
}

// 0 is no limit.
TEST(LoginLimiterTest, ZeroIsOff) {
  LoginLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.allow("198.51.100.1", 1.0));
  EXPECT_EQ(limiter.clients(), 0u);
}

// The server's threads share one limiter: under contention a client still
// gets exactly its burst, and the table sees every client (the tsan preset
// runs this for races).
TEST(LoginLimiterTest, ThreadsShareTheBuckets) {
  LoginLimiter limiter(50, 1000);
  std::atomic<int> shared_allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&limiter, &shared_allowed, t] {
      for (int i = 0; i < 100; ++i) {
        if (limiter.allow("198.51.100.1", 10.0)) ++shared_allowed;
        limiter.allow("203.0.113." + std::to_string(t * 100 + i % 50), 10.0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared_allowed.load(), 50);
  EXPECT_EQ(limiter.clients(), 1u + 4 * 50);
}

// The table is bounded: idle clients are dropped first; when every client
// is busy, the table starts over rather than grow.
TEST(LoginLimiterTest, TableIsBounded) {
  LoginLimiter limiter(2, 3);
  EXPECT_TRUE(limiter.allow("a", 0.0));
  EXPECT_TRUE(limiter.allow("b", 0.0));
  EXPECT_TRUE(limiter.allow("c", 0.0));
  EXPECT_EQ(limiter.clients(), 3u);
  // At 60 s a and b are full again (idle); c has spent both its tokens.
  EXPECT_TRUE(limiter.allow("c", 59.0));
  EXPECT_TRUE(limiter.allow("c", 59.0));
  EXPECT_FALSE(limiter.allow("c", 59.0));
  EXPECT_TRUE(limiter.allow("d", 60.0));
  EXPECT_EQ(limiter.clients(), 2u);  // c and d
  EXPECT_FALSE(limiter.allow("c", 60.0));
  EXPECT_TRUE(limiter.allow("e", 60.0));
  EXPECT_TRUE(limiter.allow("e", 60.0));
  EXPECT_TRUE(limiter.allow("f", 60.0));  // c, d, e all busy: starts over
  EXPECT_EQ(limiter.clients(), 1u);
}

// The key: the peer; with a trusted proxy the last X-Forwarded-For entry;
// IPv6 by /64.
TEST(LoginLimiterTest, ClientKey) {
  Request r;
  r.remote_addr = "192.0.2.7";
  EXPECT_EQ(loginClientKey(r, false), "192.0.2.7");
  r.headers.add("X-Forwarded-For", "203.0.113.1, 198.51.100.9");
  EXPECT_EQ(loginClientKey(r, false), "192.0.2.7");  // the visitor's own header
  EXPECT_EQ(loginClientKey(r, true), "198.51.100.9");
  r.headers.add("X-Forwarded-For", " 198.51.100.10 ");
  EXPECT_EQ(loginClientKey(r, true), "198.51.100.10");
  r.headers.remove("X-Forwarded-For");
  r.headers.add("X-Forwarded-For", "203.0.113.1,");
  EXPECT_EQ(loginClientKey(r, true), "192.0.2.7");  // an empty last entry: the peer
  r.headers.remove("X-Forwarded-For");
  EXPECT_EQ(loginClientKey(r, true), "192.0.2.7");
  r.remote_addr = "2001:db8:1:2:a:b:c:d";
  EXPECT_EQ(loginClientKey(r, false), "2001:db8:1:2::/64");
  r.remote_addr = "2001:db8:1:2::ffff";
  EXPECT_EQ(loginClientKey(r, false), "2001:db8:1:2::/64");
  r.remote_addr = "not-an-address";
  EXPECT_EQ(loginClientKey(r, false), "not-an-address");
}

}  // namespace
}  // namespace barrier
