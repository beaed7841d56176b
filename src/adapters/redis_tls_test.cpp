// The Redis store and its revocation listener over TLS (rediss://)
// against a real redis-server with --tls-port, with a throw-away CA made
// by the openssl tool: a server the CA vouches for is used; an unknown CA,
// a wrong name, an expired certificate or a missing client certificate is
// refused with its reason, naming the server and never the password; the
// store.tls files are checked when the store is made.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "adapters/locked_session_cache.h"
#include "adapters/redis_revocations.h"
#include "adapters/redis_store.h"
#include "adapters/system.h"
#include "tests/support/eventually.h"
#include "tests/support/recording_log.h"
#include "tests/support/redis_server.h"
#include "tests/support/store_contract.h"
#include "tests/support/test_pki.h"

namespace barrier {
namespace {

class RedisTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!haveOpenssl() || !haveRedisServer()) return;
    pki_ = new TestPki(::testing::TempDir() + "barrier-redis-tls-" + std::to_string(::getpid()));
    if (!pki_->make()) {
      delete pki_;
      pki_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "needs openssl (apt-get install openssl)";
    if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
    ASSERT_NE(pki_, nullptr) << "openssl could not make the test CA";
    if (!serverHasTls()) {
      GTEST_SKIP() << "needs redis-server with TLS (Debian's is built with it): it does not "
                      "start with --tls-port";
    }
  }

  // Whether this redis-server starts with TLS at all (asked once).
  bool serverHasTls() {
    static const bool has_tls = [&] {
      RedisServer probe(freeLoopbackPort(),
                        redisTlsArgs(freeLoopbackPort(), pki_->pem("server"), pki_->key("server"),
                                     pki_->pem("ca"), false));
      return probe.start();
    }();
    return has_tls;
  }

  // A redis-server with TLS on tls_port_ (and plain on another port, for
  // its readiness check and for looking at what the store wrote).
  void startServer(const std::string& cert, bool require_client_cert = false) {
    tls_port_ = freeLoopbackPort();
    server_ = std::make_unique<RedisServer>(
        freeLoopbackPort(), redisTlsArgs(tls_port_, pki_->pem(cert), pki_->key(cert),
                                         pki_->pem("ca"), require_client_cert));
    ASSERT_TRUE(server_->start()) << "redis-server with --tls-port did not start";
  }

  std::string url(const std::string& host = "127.0.0.1") const {
    return "rediss://barrier:s3cret-pw@" + host + ":" + std::to_string(tls_port_);
  }

  StoreTlsConfig trusting(const std::string& ca) const {
    StoreTlsConfig tls;
    tls.ca_file = pki_->pem(ca);
    return tls;
  }

  // The store's answer to PING with these settings.
  Status ping(const StoreTlsConfig& tls, const std::string& host = "127.0.0.1") {
    RedisStoreOptions options;
    options.tls = tls;
    auto store = makeRedisStore(url(host), options);
    if (!store.isOk()) return store.status();
    return (*store)->ping();
  }

  // A refusal: kUnavailable, naming `reason` and the server, never the
  // password.
  void expectRefused(const Status& s, const std::string& reason,
                     const std::string& host = "127.0.0.1") {
    EXPECT_EQ(s.code(), Code::kUnavailable) << s.toString();
    EXPECT_NE(s.message().find(reason), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("rediss://" + host + ":" + std::to_string(tls_port_)),
              std::string::npos)
        << s.message();
    EXPECT_EQ(s.message().find("s3cret-pw"), std::string::npos) << s.message();
  }

  static TestPki* pki_;
  int tls_port_ = 0;
  std::unique_ptr<RedisServer> server_;
};

TestPki* RedisTlsTest::pki_ = nullptr;

// A server whose certificate the configured CA signed: records round-trip
// (and are on the server), by IP address and by name (SNI, DNS name check).
TEST_F(RedisTlsTest, TrustedServerRoundTrips) {
  startServer("server");
  RedisStoreOptions options;
  options.tls = trusting("ca");
  auto store = makeRedisStore(url(), options);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  ASSERT_TRUE((*store)->putNew(liveSession("k1", "alice")).isOk());
  auto got = (*store)->get("k1");
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->sub, "alice");
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:s:k1"), 1);
  // Again on the pooled connection, then by name.
  EXPECT_TRUE((*store)->remove("k1").isOk());
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:s:k1"), 0);
  EXPECT_TRUE(ping(trusting("ca"), "localhost").isOk());
}

// Revocations are heard over TLS as over plain TCP: the listener
// subscribes through a verified connection and evicts what is removed.
TEST_F(RedisTlsTest, RevocationListenerOverTls) {
  startServer("server");
  RedisStoreOptions options;
  options.tls = trusting("ca");
  auto store = makeRedisStore(url(), options);
  ASSERT_TRUE(store.isOk());
  std::unique_ptr<Clock> clock = makeSystemClock();
  CacheConfig config;
  config.ttl = 3600;
  auto cache = std::make_shared<GatedSessionCache>(makeLockedSessionCache(*clock, config));
  RecordingLog log;
  RevocationListener listener(url(), trusting("ca"), cache, log, [] {});
  ASSERT_TRUE(eventually(10, [&] { return cache->isOpen(); })) << "never subscribed";
  ASSERT_TRUE((*store)->putNew(liveSession("k1", "alice")).isOk());
  cache->insertPresent(CachedSession::make(liveSession("k1", "alice")));
  ASSERT_EQ(cache->lookup("k1").hit, CacheHit::kPresent);
  ASSERT_TRUE((*store)->remove("k1").isOk());
  EXPECT_TRUE(eventually(5, [&] { return cache->lookup("k1").hit != CacheHit::kPresent; }));
}

// A CA that did not sign the server's certificate, or the system's store
// (which knows nothing of the test CA): refused as an unknown CA. The
// listener never opens its cache on such a server.
TEST_F(RedisTlsTest, UnknownCaIsRefused) {
  startServer("server");
  expectRefused(ping(trusting("other-ca")), "unknown CA");
  expectRefused(ping(StoreTlsConfig{}), "unknown CA");
  std::unique_ptr<Clock> clock = makeSystemClock();
  auto cache = std::make_shared<GatedSessionCache>(makeLockedSessionCache(*clock, CacheConfig{}));
  RecordingLog log;
  RevocationListener listener(url(), trusting("other-ca"), cache, log, [] {});
  EXPECT_FALSE(eventually(2, [&] { return cache->isOpen(); }));
}

// A certificate for another name: refused for the IP address dialled and
// for the host name dialled.
TEST_F(RedisTlsTest, WrongNameIsRefused) {
  startServer("wrong-name");
  expectRefused(ping(trusting("ca")), "name mismatch");
  expectRefused(ping(trusting("ca"), "localhost"), "name mismatch", "localhost");
}

// An expired certificate is refused as expired.
TEST_F(RedisTlsTest, ExpiredCertificateIsRefused) {
  startServer("expired");
  expectRefused(ping(trusting("ca")), "expired");
}

// A server that requires client certificates: refused without one (or
// with one its CA did not sign), answered with store.tls.cert/key.
TEST_F(RedisTlsTest, ClientCertificate) {
  startServer("server", /*require_client_cert=*/true);
  // The server's alert ("certificate required"), or when a reset beat it
  // to us, the hint that names store.tls.cert.
  expectRefused(ping(trusting("ca")), "certificate");
  StoreTlsConfig tls = trusting("ca");
  tls.cert = pki_->pem("other-client");
  tls.key = pki_->key("other-client");
  // The server's alert ("unknown ca"), or the hint when a reset beat it.
  Status foreign = ping(tls);
  expectRefused(foreign, "rediss://");
  EXPECT_TRUE(foreign.message().find("unknown ca") != std::string::npos ||
              foreign.message().find("client certificate") != std::string::npos)
      << foreign.message();
  tls.cert = pki_->pem("client");
  tls.key = pki_->key("client");
  Status with = ping(tls);
  EXPECT_TRUE(with.isOk()) << with.toString();
}

// rediss-sentinel://: the sentinel and the master it names are both
// reached over verified TLS (the sentinel itself talks TLS to the master).
TEST_F(RedisTlsTest, SentinelOverTls) {
  startServer("server");
  int sentinel_tls_port = freeLoopbackPort();
  std::vector<std::string> args = redisTlsArgs(sentinel_tls_port, pki_->pem("server"),
                                               pki_->key("server"), pki_->pem("ca"), false);
  args.insert(args.end(), {"--tls-replication", "yes", "--sentinel"});
  RedisServer sentinel(freeLoopbackPort(), args,
                       "sentinel monitor main 127.0.0.1 " + std::to_string(tls_port_) + " 1\n");
  ASSERT_TRUE(sentinel.start());
  RedisStoreOptions options;
  options.tls = trusting("ca");
  auto store = makeRedisStore("rediss-sentinel://barrier:s3cret-pw@127.0.0.1:" +
                                  std::to_string(sentinel_tls_port) + "/main",
                              options);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  // The sentinel learns of the master within a moment of starting.
  Status written;
  EXPECT_TRUE(eventually(10, [&] {
    written = (*store)->putNew(liveSession("via-sentinel", "alice"));
    return written.isOk();
  })) << written.toString();
  EXPECT_EQ(server_->integerCommand("EXISTS barrier:s:via-sentinel"), 1);
}

// The store.tls files are read when the store is made: each problem is
// refused naming its field, the file and the fix.
TEST_F(RedisTlsTest, FilesAreCheckedUpFront) {
  auto made = [&](const StoreTlsConfig& tls) {
    RedisStoreOptions options;
    options.tls = tls;
    auto store = makeRedisStore("rediss://127.0.0.1:6379", options);
    return store.isOk() ? Status::ok() : store.status();
  };
  auto expectError = [&](const StoreTlsConfig& tls, const std::string& expected) {
    Status s = made(tls);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.toString();
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  };
  StoreTlsConfig tls;
  tls.ca_file = pki_->pem("ca") + ".missing";
  expectError(tls, "store.tls.ca_file: " + tls.ca_file + ": cannot open");
  tls.ca_file = pki_->key("ca");
  expectError(tls, "store.tls.ca_file: " + tls.ca_file + ": holds no PEM certificate");
  tls = trusting("ca");
  tls.cert = pki_->pem("client");
  tls.key = pki_->key("other-client");
  expectError(tls, "store.tls.key: " + tls.key + ": does not match the certificate");
  std::string loose = pki_->key("client") + ".loose";
  std::filesystem::copy_file(pki_->key("client"), loose,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  tls.key = loose;
  expectError(tls, "store.tls.key: " + loose + ": has mode 0644");
  expectError(tls, "chmod 600 " + loose);
  tls.key = pki_->key("client");
  EXPECT_TRUE(made(tls).isOk());
  EXPECT_TRUE(made(StoreTlsConfig{}).isOk()) << "the system's store";
}

}  // namespace
}  // namespace barrier
