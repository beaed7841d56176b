// The checker and session.idle_timeout (core/session/idle.h): when a pass
// touches its session, when an idle session is refused and removed, and
// that a cached entry honours the idle deadline.
#include <gtest/gtest.h>

#include <optional>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/handlers/check.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/recording_log.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;
constexpr int64_t kIdle = 600;  // touch_interval defaults to 60

// Counts reads and touches; touches can be told to fail.
class TouchCountingStore : public ForwardingSessionStore {
 public:
  using ForwardingSessionStore::ForwardingSessionStore;
  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    ++gets;
    return ForwardingSessionStore::get(key);
  }
  Status touch(std::string_view key, int64_t last_seen) override {
    ++touches;
    if (fail_touch) return Status::unavailable("connection refused");
    return ForwardingSessionStore::touch(key, last_seen);
  }
  int gets = 0;
  int touches = 0;
  bool fail_touch = false;
};

class CheckIdleTest : public ::testing::Test {
 protected:
  CheckIdleTest() {
    config_.session.idle_timeout = kIdle;
    config_.rules = {{"/admin/*", {"admins"}}};
    rebuild();
  }

  void rebuild() {
    checker_.reset();
    valid_.emplace(mustValidate(config_));
    cache_ = makeLruSessionCache(clock_, valid_->cache);
    checker_ = std::make_unique<Checker>(*valid_, *crypto_, clock_, *cache_, log_);
  }

  // A session created at kNow; the cookie value naming it.
  std::string addSession() {
    auto issued = checker_->codec().issue(random_);
    EXPECT_TRUE(issued.isOk());
    SessionRecord r;
    r.key = key_ = issued->store_key;
    r.valid_until = kNow + 8 * 3600;
    r.created_at = kNow;
    r.sub = "sub-1";
    EXPECT_TRUE(memory_->putNew(r).isOk());
    return issued->cookie_value;
  }

  CheckDecision run(const std::string& cookie, std::string path = "/page") {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers.add("Cookie", "barrier=" + cookie);
    return check(*checker_, r, store_);
  }

  std::optional<SessionRecord> stored() {
    auto r = memory_->get(key_);
    EXPECT_TRUE(r.isOk());
    return r.isOk() ? *r : std::nullopt;
  }

  FixedClock clock_{kNow};
  SeededRandom random_{7};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> memory_ = makeMemoryStore();
  TouchCountingStore store_{*memory_};
  RecordingLog log_;
  Config config_ = testConfig();
  std::optional<ValidConfig> valid_;
  std::unique_ptr<SessionCache> cache_;
  std::unique_ptr<Checker> checker_;
  std::string key_;
};

// Within touch_interval of the last activity a pass writes nothing; at it,
// one touch, and the following requests (from the cache) none until the
// next interval: never a write per request.
TEST_F(CheckIdleTest, TouchesAtMostOncePerInterval) {
  std::string cookie = addSession();
  EXPECT_EQ(run(cookie).outcome, CheckOutcome::kPass);
  clock_.advance(59);
  EXPECT_EQ(run(cookie).touch_at, 0);
  EXPECT_EQ(store_.touches, 0);
  clock_.advance(1);
  CheckDecision d = run(cookie);
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_EQ(d.touch_at, kNow + 60);
  EXPECT_EQ(d.session->lastSeen(), kNow + 60);
  EXPECT_EQ(store_.touches, 1);
  EXPECT_EQ(stored()->last_seen, kNow + 60);
  for (int i = 0; i < 5; ++i) {
    clock_.advance(10);
    EXPECT_EQ(run(cookie).touch_at, 0);
  }
  EXPECT_EQ(store_.touches, 1);
  EXPECT_EQ(store_.gets, 1);  // every request after the first from the cache
  clock_.advance(10);         // kNow + 120: the next interval
  EXPECT_EQ(run(cookie).touch_at, kNow + 120);
  EXPECT_EQ(store_.touches, 2);
}

// A session kept in use outlives idle_timeout; one left alone for it is
// refused (kInvalidSession) and its record removed from the store.
TEST_F(CheckIdleTest, IdleSessionIsRefusedAndRemoved) {
  std::string cookie = addSession();
  for (int i = 0; i < 20; ++i) {
    clock_.advance(100);
    ASSERT_EQ(run(cookie).outcome, CheckOutcome::kPass) << i;
  }
  clock_.advance(kIdle - 1);
  ASSERT_EQ(run(cookie).outcome, CheckOutcome::kPass);
  clock_.advance(kIdle);
  CheckDecision d = run(cookie);
  EXPECT_EQ(d.outcome, CheckOutcome::kInvalidSession);
  EXPECT_FALSE(d.forward);
  ASSERT_EQ(d.idled_out.size(), 1u);
  EXPECT_EQ(d.idled_out[0], key_);
  EXPECT_FALSE(stored().has_value());
}

// The cache's copy of a record may be older than the store's (another
// instance touched it): at the cached idle deadline the store is read, and
// its last_seen decides. Past the store's deadline too, the answer is no.
TEST_F(CheckIdleTest, CachedEntryHonoursTheIdleDeadline) {
  config_.cache.ttl = 86400;  // so only the idle deadline ends the entry
  rebuild();
  std::string cookie = addSession();
  ASSERT_EQ(run(cookie).outcome, CheckOutcome::kPass);
  ASSERT_EQ(store_.gets, 1);
  ASSERT_TRUE(memory_->touch(key_, kNow + 300).isOk());  // elsewhere
  clock_.advance(kIdle);
  CheckDecision d = run(cookie);
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_EQ(store_.gets, 2);
  clock_.advance(300);  // kNow + 900: the store's deadline
  EXPECT_EQ(run(cookie).outcome, CheckOutcome::kPass) << "touched at kNow + 600";
  clock_.advance(kIdle);
  EXPECT_EQ(run(cookie).outcome, CheckOutcome::kInvalidSession);
  EXPECT_FALSE(stored().has_value());
}

// A touch refreshes the cached entry's last_seen without extending how
// long the entry is trusted: a revoked record ends within cache.ttl.
TEST_F(CheckIdleTest, TouchDoesNotLengthenTheCacheEntry) {
  config_.cache.ttl = 100;
  rebuild();
  std::string cookie = addSession();
  ASSERT_EQ(run(cookie).outcome, CheckOutcome::kPass);
  clock_.advance(60);
  ASSERT_EQ(run(cookie).touch_at, kNow + 60);
  ASSERT_TRUE(memory_->remove(key_).isOk());  // revoked elsewhere
  clock_.advance(39);
  EXPECT_EQ(run(cookie).outcome, CheckOutcome::kPass) << "still trusted from the cache";
  clock_.advance(1);
  EXPECT_EQ(run(cookie).outcome, CheckOutcome::kUnknownSession);
}

// Only an allowed request touches: a 403 does not keep a session alive.
TEST_F(CheckIdleTest, ForbiddenRequestDoesNotTouch) {
  std::string cookie = addSession();
  clock_.advance(120);
  CheckDecision d = run(cookie, "/admin/x");
  EXPECT_EQ(d.outcome, CheckOutcome::kForbidden);
  EXPECT_EQ(d.touch_at, 0);
  EXPECT_EQ(store_.touches, 0);
}

// A failed touch is logged and the request still passes.
TEST_F(CheckIdleTest, FailedTouchNeverRefuses) {
  std::string cookie = addSession();
  store_.fail_touch = true;
  clock_.advance(60);
  CheckDecision d = run(cookie);
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_EQ(store_.touches, 1);
  EXPECT_TRUE(log_.last("check.touch_failed", "status").has_value());
}

// With the timeout off (the default) nothing is ever touched or idled out.
TEST_F(CheckIdleTest, OffByDefault) {
  config_.session.idle_timeout = 0;
  rebuild();
  std::string cookie = addSession();
  clock_.advance(7 * 3600);
  CheckDecision d = run(cookie);
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_EQ(d.touch_at, 0);
  EXPECT_EQ(store_.touches, 0);
}

}  // namespace
}  // namespace barrier
