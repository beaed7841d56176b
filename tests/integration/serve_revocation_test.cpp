// Two `barrier serve` processes on one redis-server, as behind a load
// balancer: a session ended through one instance (logout), or by
// `barrier sessions revoke`, stops working on the other within a second,
// although the other has it in its cache (cache.ttl 300 s); and while
// Redis is down and after it restarts (empty, no persistence), the other
// instance never accepts a session from its cache again.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "adapters/store_factory.h"
#include "support/serve_program.h"
#include "support/stored_session.h"
#include "tests/support/eventually.h"
#include "tests/support/redis_server.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

class ServeRevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
    dir_ = makeTempDir("barrier-serve-revocation-");
    ASSERT_FALSE(dir_.empty());
    fs::create_directories(fs::path(dir_) / "site");
    std::ofstream(fs::path(dir_) / "site" / "page") << "page\n";
    redis_ = std::make_unique<RedisServer>(freeLoopbackPort());
    ASSERT_TRUE(redis_->start()) << "redis-server did not start";
    metrics_port_ = freePort();
    writeConfig("a.yaml",
                "  metrics_listen: \"127.0.0.1:" + std::to_string(metrics_port_) + "\"\n");
    writeConfig("b.yaml", "");
    fs::create_directories(dir_ + "/a");
    fs::create_directories(dir_ + "/b");
    a_ = std::make_unique<ServeProgram>(dir_ + "/a.yaml", dir_ + "/a");
    ASSERT_TRUE(a_->ok()) << a_->error();
    b_ = std::make_unique<ServeProgram>(dir_ + "/b.yaml", dir_ + "/b");
    ASSERT_TRUE(b_->ok()) << b_->error();
    ASSERT_TRUE(eventually(10, [&] { return subscriptions(*a_) == 1; })) << a_->log();
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    redis_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void writeConfig(const std::string& name, const std::string& server_extra) {
    std::ofstream(dir_ + "/" + name) << serveConfigHead() +
                                            "cache:\n"
                                            "  ttl: 300\n"
                                            "store:\n"
                                            "  type: redis\n"
                                            "  url: " +
                                            redis_->url() +
                                            "\n"
                                            "server:\n"
                                            "  threads: 2\n" +
                                            server_extra +
                                            "  origins:\n"
                                            "    - prefix: /\n"
                                            "      static: site\n";
  }

  static size_t subscriptions(ServeProgram& serve) {
    return occurrences(serve.log(), "store.revocations_subscribed");
  }

  // A session in Redis, as a sign-in leaves it: its store key, and the
  // Cookie header line for it.
  std::pair<std::string, std::string> signIn() {
    StoreConfig config;
    config.type = StoreConfig::Type::kRedis;
    config.url = redis_->url();
    auto store = makeStore(config);
    EXPECT_TRUE(store.isOk()) << store.status().message();
    if (!store.isOk()) return {};
    StoredSession stored = storeSession(**store, kServeTestSigningKey);
    return {stored.store_key, stored.cookie};
  }

  static int status(ServeProgram& serve, const std::string& cookie) {
    return httpGet(serve.port(), "/page", cookie).status;
  }

  // The session passes on A, twice (the second from A's cache).
  void acceptedByA(const std::string& cookie) {
    ASSERT_EQ(status(*a_, cookie), 200);
    ASSERT_EQ(status(*a_, cookie), 200);
  }

  std::string dir_;
  std::unique_ptr<RedisServer> redis_;
  uint16_t metrics_port_ = 0;
  std::unique_ptr<ServeProgram> a_;
  std::unique_ptr<ServeProgram> b_;
};

// A logout through B ends the session on A at once, not after A's cache.ttl.
TEST_F(ServeRevocationTest, LogoutThroughOneInstanceReachesTheOther) {
  auto [key, cookie] = signIn();
  acceptedByA(cookie);
  EXPECT_EQ(status(*b_, cookie), 200);
  EXPECT_EQ(httpGet(b_->port(), "/_identity/logout", cookie).status, 302);
  EXPECT_TRUE(eventually(5, [&] { return status(*a_, cookie) != 200; }))
      << "A still accepts the session B ended";
  EXPECT_EQ(status(*a_, cookie), 401);
}

// `barrier sessions revoke` (by key, and --user) reaches a running instance.
TEST_F(ServeRevocationTest, CliRevokeReachesTheInstances) {
  auto [key, cookie] = signIn();
  acceptedByA(cookie);
  ChildProcess revoke({BARRIER_BINARY, "sessions", "revoke", "-c", dir_ + "/b.yaml", key},
                      dir_ + "/revoke.out", dir_ + "/revoke.err");
  ASSERT_EQ(revoke.waitExit(20000), 0) << readFile(dir_ + "/revoke.err");
  EXPECT_TRUE(eventually(5, [&] { return status(*a_, cookie) != 200; }));

  auto [key2, cookie2] = signIn();
  acceptedByA(cookie2);
  ChildProcess by_user(
      {BARRIER_BINARY, "sessions", "revoke", "-c", dir_ + "/b.yaml", "--user", "alice-sub"},
      dir_ + "/revoke-user.out", dir_ + "/revoke-user.err");
  ASSERT_EQ(by_user.waitExit(20000), 0) << readFile(dir_ + "/revoke-user.err");
  EXPECT_TRUE(eventually(5, [&] { return status(*a_, cookie2) != 200; }));
}

// Redis killed while A holds a session in its cache, then restarted empty:
// from the moment A notices, and after, A never accepts the session (its
// cache is bypassed, then emptied); the loss is logged and counted, and
// once A is subscribed again a revocation through B reaches it again.
TEST_F(ServeRevocationTest, RedisRestartLeavesNoStaleAcceptance) {
  auto [key, cookie] = signIn();
  acceptedByA(cookie);
  redis_->stop();
  ASSERT_TRUE(eventually(10, [&] { return occurrences(a_->log(), "store.revocations_lost") == 1; }))
      << a_->log();
  EXPECT_NE(status(*a_, cookie), 200) << "accepted from the cache with Redis gone";
  ASSERT_TRUE(redis_->start());
  for (int i = 0; i < 20; ++i) {
    EXPECT_NE(status(*a_, cookie), 200) << "stale acceptance after the restart, try " << i;
  }
  ASSERT_TRUE(eventually(10, [&] { return subscriptions(*a_) == 2; })) << a_->log();
  EXPECT_EQ(status(*a_, cookie), 401) << "the restarted Redis has no such session";
  EXPECT_NE(httpGet(metrics_port_, "/_identity/metrics")
                .body.find("barrier_revocation_subscription_lost_total 1"),
            std::string::npos);

  auto [key2, cookie2] = signIn();
  acceptedByA(cookie2);
  EXPECT_EQ(httpGet(b_->port(), "/_identity/logout", cookie2).status, 302);
  EXPECT_TRUE(eventually(5, [&] { return status(*a_, cookie2) != 200; }));
}

}  // namespace
}  // namespace barrier::testing
