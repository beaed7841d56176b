#include "adapters/redis_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/store_factory.h"
#include "tests/support/redis_server.h"
#include "tests/support/store_contract.h"

extern char** environ;

namespace barrier {
namespace {

using namespace std::chrono_literals;

// A string (or array of strings, joined by ' ') reply of a raw command.
std::string stringCommand(int port, const std::vector<std::string>& args) {
  redisContext* c = redisConnect("127.0.0.1", port);
  std::string out;
  if (c && !c->err) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
              r->type == REDIS_REPLY_ERROR)) {
      out.assign(r->str, r->len);
    } else if (r && r->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < r->elements; ++i) {
        if (r->element[i]->type == REDIS_REPLY_STRING) {
          out += (i ? " " : "") + std::string(r->element[i]->str, r->element[i]->len);
        }
      }
    }
    if (r) freeReplyObject(r);
  }
  if (c) redisFree(c);
  return out;
}

SessionRecord session(const std::string& key, const std::string& sub) {
  SessionRecord r;
  r.key = key;
  r.kind = RecordKind::kSession;
  r.valid_until = std::time(nullptr) + 3600;
  r.created_at = std::time(nullptr);
  r.sub = sub;
  r.username = sub + "-name";
  r.email = sub + "@example.com";
  r.groups = {"admin", "with space", "quote\"d", "caf\xC3\xA9"};
  r.claims = {{"department", {"sales", "a,b"}}};
  return r;
}

SessionRecord login(const std::string& key) {
  SessionRecord r;
  r.key = key;
  r.kind = RecordKind::kLogin;
  r.valid_until = std::time(nullptr) + 300;
  r.created_at = std::time(nullptr);
  r.secret = "s3cr3t";
  r.code_verifier = "verifier";
  r.nonce = "nonce";
  r.path = "/a b?x=%26&y=\xE2\x9C\x93";
  return r;
}

class RedisStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
    port_ = freeLoopbackPort();
    server_ = std::make_unique<RedisServer>(port_);
    ASSERT_TRUE(server_->start()) << "redis-server did not start on port " << port_;
    RedisStoreOptions options;
    options.connect_timeout_ms = 500;
    options.command_timeout_ms = 500;
    auto store = makeRedisStore(server_->url(), options);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(*store);
  }

  int port_ = 0;
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<SessionStore> store_;
};

// A record written by putNew reads back field for field, both kinds.
TEST_F(RedisStoreTest, PutNewThenGetRoundTrips) {
  SessionRecord s = session("k1", "alice");
  ASSERT_TRUE(store_->putNew(s).isOk());
  auto got = store_->get("k1");
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_TRUE(got->has_value());
  const SessionRecord& r = **got;
  EXPECT_EQ(r.key, "k1");
  EXPECT_EQ(r.kind, RecordKind::kSession);
  EXPECT_EQ(r.valid_until, s.valid_until);
  EXPECT_EQ(r.created_at, s.created_at);
  EXPECT_EQ(r.sub, "alice");
  EXPECT_EQ(r.username, "alice-name");
  EXPECT_EQ(r.email, "alice@example.com");
  EXPECT_EQ(r.groups, s.groups);
  EXPECT_EQ(r.claims, s.claims);

  SessionRecord l = login("k2");
  ASSERT_TRUE(store_->putNew(l).isOk());
  got = store_->get("k2");
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_EQ((*got)->kind, RecordKind::kLogin);
  EXPECT_EQ((*got)->secret, "s3cr3t");
  EXPECT_EQ((*got)->code_verifier, "verifier");
  EXPECT_EQ((*got)->nonce, "nonce");
  EXPECT_EQ((*got)->path, l.path);
  EXPECT_TRUE((*got)->groups.empty());
}

// touch() per the SessionStore contract (a Lua script on the server).
TEST_F(RedisStoreTest, Touch) { expectTouchContract(*store_); }

// removeProviderSession() per the SessionStore contract; the sid set
// expires with its sessions, and is gone once they are removed.
TEST_F(RedisStoreTest, RemoveProviderSession) {
  expectRemoveProviderSessionContract(*store_);
  SessionRecord r = session("k", "alice");
  r.sid = "p9";
  ASSERT_TRUE(store_->putNew(r).isOk());
  EXPECT_GT(server_->integerCommand("TTL barrier:p:p9"), 3500);
  EXPECT_EQ(*store_->removeProviderSession("p9", "alice"), 1u);
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:p:p9"), 0);
}

// Absent is an ok Result holding nothing, not an error.
TEST_F(RedisStoreTest, AbsentIsNotAnError) {
  auto got = store_->get("missing");
  ASSERT_TRUE(got.isOk());
  EXPECT_FALSE(got->has_value());
  auto taken = store_->take("missing");
  ASSERT_TRUE(taken.isOk());
  EXPECT_FALSE(taken->has_value());
  EXPECT_TRUE(store_->remove("missing").isOk());
  auto removed = store_->removeUser("nobody");
  ASSERT_TRUE(removed.isOk());
  EXPECT_EQ(*removed, 0u);
}

// putNew never overwrites: the second write of a key is kAlreadyExists.
TEST_F(RedisStoreTest, PutNewRefusesExistingKey) {
  ASSERT_TRUE(store_->putNew(session("k", "alice")).isOk());
  Status again = store_->putNew(session("k", "mallory"));
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  EXPECT_EQ((*store_->get("k"))->sub, "alice");
}

// The hash expires at valid_until (housekeeping), and the user set too.
TEST_F(RedisStoreTest, SetsHousekeepingExpiry) {
  ASSERT_TRUE(store_->putNew(session("k", "alice")).isOk());
  long long ttl = server_->integerCommand("TTL barrier:s:k");
  EXPECT_GT(ttl, 3500);
  EXPECT_LE(ttl, 3601);
  EXPECT_GT(server_->integerCommand("TTL barrier:u:alice"), 3500);
}

// take returns the record once and deletes it.
TEST_F(RedisStoreTest, TakeReadsAndDeletes) {
  ASSERT_TRUE(store_->putNew(login("flow")).isOk());
  auto first = store_->take("flow");
  ASSERT_TRUE(first.isOk());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->secret, "s3cr3t");
  auto second = store_->take("flow");
  ASSERT_TRUE(second.isOk());
  EXPECT_FALSE(second->has_value());
  EXPECT_FALSE(store_->get("flow")->has_value());
}

// Of many concurrent takes of one key, exactly one gets the record.
TEST_F(RedisStoreTest, ConcurrentTakeHasOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    std::string key = "race" + std::to_string(round);
    ASSERT_TRUE(store_->putNew(login(key)).isOk());
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        auto r = store_->take(key);
        if (!r.isOk())
          ++errors;
        else if (r->has_value())
          ++winners;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1) << "round " << round;
  }
}

// Concurrent putNew of one key: exactly one succeeds.
TEST_F(RedisStoreTest, ConcurrentPutNewHasOneWinner) {
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      if (store_->putNew(session("same", "u" + std::to_string(t))).isOk()) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
}

// remove deletes one record and its user-set entry.
TEST_F(RedisStoreTest, RemoveDeletes) {
  ASSERT_TRUE(store_->putNew(session("k", "alice")).isOk());
  ASSERT_TRUE(store_->remove("k").isOk());
  EXPECT_FALSE(store_->get("k")->has_value());
  EXPECT_EQ(server_->integerCommand("SCARD barrier:u:alice"), 0);
}

// removeUser deletes exactly that user's sessions and counts them.
TEST_F(RedisStoreTest, RemoveUserDeletesOnlyThatUser) {
  ASSERT_TRUE(store_->putNew(session("a1", "alice")).isOk());
  ASSERT_TRUE(store_->putNew(session("a2", "alice")).isOk());
  ASSERT_TRUE(store_->putNew(session("b1", "bob")).isOk());
  ASSERT_TRUE(store_->putNew(login("l1")).isOk());
  auto removed = store_->removeUser("alice");
  ASSERT_TRUE(removed.isOk());
  EXPECT_EQ(*removed, 2u);
  EXPECT_FALSE(store_->get("a1")->has_value());
  EXPECT_FALSE(store_->get("a2")->has_value());
  EXPECT_TRUE(store_->get("b1")->has_value());
  EXPECT_TRUE(store_->get("l1")->has_value());
  EXPECT_EQ(*store_->removeUser("alice"), 0u);
}

// list returns up to `limit` records of any kind.
TEST_F(RedisStoreTest, ListIsBounded) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(store_->putNew(session("s" + std::to_string(i), "u")).isOk());
  }
  auto all = store_->list(100);
  ASSERT_TRUE(all.isOk());
  EXPECT_EQ(all->size(), 25u);
  auto some = store_->list(10);
  ASSERT_TRUE(some.isOk());
  EXPECT_EQ(some->size(), 10u);
}

// A record that does not parse is an error (503), never a pass.
TEST_F(RedisStoreTest, MalformedRecordIsAnError) {
  server_->integerCommand("HSET barrier:s:bad kind admin valid_until 9999999999 created_at 1");
  auto got = store_->get("bad");
  EXPECT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), Code::kInternal);
  // It can still be removed (sessions revoke <key>).
  EXPECT_TRUE(store_->remove("bad").isOk());
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:s:bad"), 0);
  server_->integerCommand("RPUSH barrier:s:list x");  // not even a hash
  auto list = store_->get("list");
  ASSERT_FALSE(list.isOk());
  EXPECT_EQ(list.status().code(), Code::kInternal);
  EXPECT_TRUE(list.status().hasReason("WRONGTYPE")) << list.status().toString();
  EXPECT_TRUE(store_->remove("list").isOk());
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:s:list"), 0);
  // 19 digits would overflow: refused, like any malformed time.
  server_->integerCommand(
      "HSET barrier:s:big kind session valid_until 9999999999999999999 created_at 1");
  EXPECT_FALSE(store_->get("big").isOk());
}

// Records that do not decode do not hide the others from a listing: each
// is listed by its key, to be revoked.
TEST_F(RedisStoreTest, ListNamesUnreadableRecords) {
  ASSERT_TRUE(store_->putNew(session("good", "alice")).isOk());
  server_->integerCommand("HSET barrier:s:bad kind admin valid_until 9999999999 created_at 1");
  server_->integerCommand("RPUSH barrier:s:list x");
  auto listed = store_->list(10);
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  ASSERT_EQ(listed->records.size(), 1u);
  EXPECT_EQ(listed->records[0].key, "good");
  std::vector<std::string> unreadable = listed->unreadable;
  std::sort(unreadable.begin(), unreadable.end());
  EXPECT_EQ(unreadable, (std::vector<std::string>{"bad", "list"}));
}

// A killed server gives non-ok Statuses (never a crash or a pass); after a
// restart on the same port the same store object works again.
TEST_F(RedisStoreTest, SurvivesServerDeathAndRecovers) {
  ASSERT_TRUE(store_->putNew(session("k", "alice")).isOk());
  ASSERT_TRUE(store_->ping().isOk());
  server_->stop();

  auto got = store_->get("k");
  EXPECT_FALSE(got.isOk());
  EXPECT_TRUE(got.status().code() == Code::kUnavailable || got.status().code() == Code::kTimeout)
      << got.status().toString();
  EXPECT_FALSE(store_->putNew(session("k2", "bob")).isOk());
  EXPECT_FALSE(store_->take("k").isOk());
  EXPECT_FALSE(store_->remove("k").isOk());
  EXPECT_FALSE(store_->removeUser("alice").isOk());
  EXPECT_FALSE(store_->list(10).isOk());
  EXPECT_FALSE(store_->ping().isOk());

  ASSERT_TRUE(server_->start());
  EXPECT_TRUE(store_->ping().isOk());
  auto after = store_->get("k");  // the new server has no data, but answers
  ASSERT_TRUE(after.isOk()) << after.status().toString();
  EXPECT_FALSE(after->has_value());
  EXPECT_TRUE(store_->putNew(session("k", "alice")).isOk());
}

// A hung server (SIGSTOP) turns into kTimeout within the command timeout.
TEST_F(RedisStoreTest, HungServerTimesOut) {
  ASSERT_TRUE(store_->ping().isOk());
  server_->pause();
  auto start = std::chrono::steady_clock::now();
  auto got = store_->get("k");
  auto elapsed = std::chrono::steady_clock::now() - start;
  server_->resume();
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), Code::kTimeout) << got.status().toString();
  EXPECT_LT(elapsed, 5s);
  // The timed-out connection was dropped; the next call is answered normally.
  EXPECT_TRUE(store_->ping().isOk());
}

// The factory builds a redis store from the config.
TEST_F(RedisStoreTest, FactoryBuildsRedisStore) {
  StoreConfig config;
  config.type = StoreConfig::Type::kRedis;
  config.url = server_->url() + "/1";
  auto store = makeStore(config);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  ASSERT_TRUE((*store)->putNew(session("f", "alice")).isOk());
  EXPECT_TRUE((*store)->get("f")->has_value());
  EXPECT_FALSE(store_->get("f")->has_value());  // db 1, not db 0
}

// An IPv6 address in brackets, with or without a port, reaches the server;
// one without brackets, or with a bracket missing, is refused by name.
TEST(RedisUrl, Ipv6InBrackets) {
  for (const char* bad : {"redis://::1:6379", "redis://[::1", "redis://[::1]x", "redis://[::1]:"}) {
    auto refused = makeRedisStore(bad);
    EXPECT_FALSE(refused.isOk()) << bad;
  }
  if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
  int port = freeLoopbackPort();
  RedisServer server(port, {"--bind", "127.0.0.1", "::1"});
  if (!server.start()) GTEST_SKIP() << "redis-server cannot listen on ::1 here";
  auto store = makeRedisStore("redis://[::1]:" + std::to_string(port) + "/2");
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  auto session_record = session("v6", "alice");
  ASSERT_TRUE((*store)->putNew(session_record).isOk());
  EXPECT_TRUE((*store)->get("v6")->has_value());
}

// Redis Sentinel: the store finds the master through a sentinel, and after
// a failover writes go to the new master (the sentinel closes the old
// master's client connections; the store drops them before use and asks the
// sentinels again), with the records written before it still there.
TEST(RedisSentinel, FollowsTheMasterThroughAFailover) {
  if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
  int master_port = freeLoopbackPort();
  RedisServer first(master_port);
  ASSERT_TRUE(first.start());
  int replica_port = freeLoopbackPort();
  RedisServer second(replica_port, {"--replicaof", "127.0.0.1", std::to_string(master_port)});
  ASSERT_TRUE(second.start());
  int sentinel_port = freeLoopbackPort();
  RedisServer sentinel(sentinel_port, {"--sentinel"},
                       "sentinel monitor main 127.0.0.1 " + std::to_string(master_port) +
                           " 1\nsentinel down-after-milliseconds main 1000\n"
                           "sentinel failover-timeout main 10000\n");
  ASSERT_TRUE(sentinel.start());
  auto master = [&] {
    return stringCommand(sentinel_port, {"SENTINEL", "get-master-addr-by-name", "main"});
  };
  EXPECT_EQ(master(), "127.0.0.1 " + std::to_string(master_port));

  // The first address names nothing listening: the next sentinel is asked.
  auto store = makeRedisStore("redis-sentinel://127.0.0.1:" + std::to_string(freeLoopbackPort()) +
                              ",127.0.0.1:" + std::to_string(sentinel_port) + "/main");
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  Status first_write = (*store)->putNew(session("before", "alice"));
  ASSERT_TRUE(first_write.isOk()) << first_write.toString();
  EXPECT_EQ(first.integerCommand("EXISTS barrier:s:before"), 1);

  // Wait for the replica to be in sync, then fail over to it.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (second.integerCommand("EXISTS barrier:s:before") != 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  std::string failover;
  while (failover != "OK" && std::chrono::steady_clock::now() < deadline) {
    failover = stringCommand(sentinel_port, {"SENTINEL", "FAILOVER", "main"});
    if (failover != "OK") std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(failover, "OK");
  while (master() != "127.0.0.1 " + std::to_string(replica_port) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(master(), "127.0.0.1 " + std::to_string(replica_port));
  // The old master turns replica once the sentinel reconfigures it.
  while (stringCommand(master_port, {"ROLE"}).rfind("slave", 0) != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }

  Status written = (*store)->putNew(session("after", "bob"));
  EXPECT_TRUE(written.isOk()) << written.toString();
  EXPECT_EQ(second.integerCommand("EXISTS barrier:s:after"), 1);
  auto before = (*store)->get("before");
  ASSERT_TRUE(before.isOk()) << before.status().toString();
  EXPECT_TRUE(before->has_value());
}

// A server demoted under an open connection (no sentinel to disconnect
// clients) answers writes with READONLY: the store reports it (kUnavailable:
// a 503, never a lost write taken for a success) and writes again once the
// server is a master.
TEST(RedisSentinel, ReadOnlyAnswerIsUnavailable) {
  if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
  int port = freeLoopbackPort();
  RedisServer server(port);
  ASSERT_TRUE(server.start());
  int other_port = freeLoopbackPort();
  RedisServer other(other_port);
  ASSERT_TRUE(other.start());
  auto store = makeRedisStore(server.url());
  ASSERT_TRUE(store.isOk());
  ASSERT_TRUE((*store)->putNew(session("one", "alice")).isOk());  // a pooled connection
  ASSERT_EQ(stringCommand(port, {"REPLICAOF", "127.0.0.1", std::to_string(other_port)}), "OK");
  Status refused = (*store)->putNew(session("two", "alice"));
  EXPECT_EQ(refused.code(), Code::kUnavailable);
  EXPECT_TRUE(refused.hasReason("READONLY")) << refused.message();
  ASSERT_EQ(stringCommand(port, {"REPLICAOF", "NO", "ONE"}), "OK");
  Status written = (*store)->putNew(session("three", "alice"));
  EXPECT_TRUE(written.isOk()) << written.toString();
}

// A sentinel that knows no such master: a clean kUnavailable naming it.
TEST(RedisSentinel, UnknownMasterIsUnavailable) {
  if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
  int sentinel_port = freeLoopbackPort();
  RedisServer sentinel(sentinel_port, {"--sentinel"}, "\n");
  ASSERT_TRUE(sentinel.start());
  auto store =
      makeRedisStore("redis-sentinel://127.0.0.1:" + std::to_string(sentinel_port) + "/nosuch");
  ASSERT_TRUE(store.isOk());
  Status s = (*store)->ping();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("knows no master nosuch"), std::string::npos) << s.message();
}

// Malformed URLs are refused up front, naming store.url.
TEST(RedisStoreUrl, RefusesMalformedUrls) {
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h/x",
                          "unix://relative", "redis://:%zz@h"}) {
    auto store = makeRedisStore(bad);
    ASSERT_FALSE(store.isOk()) << bad;
    EXPECT_NE(store.status().message().find("store.url"), std::string::npos);
  }
  EXPECT_TRUE(makeRedisStore("redis://:pw@127.0.0.1:6390/3").isOk());
  EXPECT_TRUE(makeRedisStore("unix:///run/redis.sock").isOk());
  for (const char* bad : {"redis-sentinel://h", "redis-sentinel://h/", "redis-sentinel://h,/m",
                          "redis-sentinel://h:0/m", "redis-sentinel://h/m/x"}) {
    auto store = makeRedisStore(bad);
    ASSERT_FALSE(store.isOk()) << bad;
    EXPECT_NE(store.status().message().find("store.url"), std::string::npos);
  }
  EXPECT_TRUE(makeRedisStore("redis-sentinel://:pw@10.0.0.1,10.0.0.2:26380/main/2").isOk());
}

// Nothing listening: a clean kUnavailable, no hang.
TEST(RedisStoreUrl, NothingListeningIsUnavailable) {
  auto store = makeRedisStore("redis://127.0.0.1:" + std::to_string(freeLoopbackPort()));
  ASSERT_TRUE(store.isOk());
  Status s = (*store)->ping();
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.toString();
}

}  // namespace
}  // namespace barrier
