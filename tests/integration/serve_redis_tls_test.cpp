// `barrier serve` on a Redis store over TLS, configured as an operator
// would (store.url rediss://, store.tls.ca_file): the store and the
// revocation listener both reach the server through verified TLS, so a
// session in Redis passes and, removed by another client, stops passing at
// once; trusting a CA that did not sign the server's certificate, the
// gateway fails closed (503) and never hears revocations.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapters/store_factory.h"
#include "support/serve_program.h"
#include "support/stored_session.h"
#include "tests/support/eventually.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_pki.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const std::string kKey(44, 'B');

class ServeRedisTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "needs openssl (apt-get install openssl)";
    if (!haveRedisServer()) GTEST_SKIP() << "needs redis-server (apt-get install redis-server)";
    dir_ = makeTempDir("barrier-serve-redis-tls-");
    ASSERT_FALSE(dir_.empty());
    pki_ = std::make_unique<TestPki>(dir_ + "/pki");
    ASSERT_TRUE(pki_->make()) << "openssl could not make the test CA";
    fs::create_directories(fs::path(dir_) / "site");
    std::ofstream(fs::path(dir_) / "site" / "page") << "page\n";
    tls_port_ = freeLoopbackPort();
    redis_ = std::make_unique<RedisServer>(
        freeLoopbackPort(),
        redisTlsArgs(tls_port_, pki_->pem("server"), pki_->key("server"), pki_->pem("ca"), false));
    if (!redis_->start()) {
      GTEST_SKIP() << "needs redis-server with TLS (Debian's is built with it): it does not "
                      "start with --tls-port";
    }
  }
  void TearDown() override {
    serve_.reset();
    redis_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  std::string url() const {
    return "rediss://barrier:s3cret-pw@127.0.0.1:" + std::to_string(tls_port_);
  }

  // barrier serve with the store at url(), trusting `ca`.
  void startServe(const std::string& ca) {
    std::ofstream(dir_ + "/barrier.yaml")
        << "site_url: http://127.0.0.1\n"
           "provider:\n  type: oidc\n  issuer: http://127.0.0.1:9\n  client_id: barrier\n"
           "session:\n  signing_keys: [\""
        << kKey
        << "\"]\n"
           "cache:\n  ttl: 300\n"
           "store:\n  type: redis\n  url: "
        << url() << "\n  tls:\n    ca_file: " << pki_->pem(ca)
        << "\n"
           "server:\n  threads: 2\n  origins:\n    - prefix: /\n      static: site\n";
    fs::create_directories(dir_ + "/serve");
    serve_ = std::make_unique<ServeProgram>(dir_ + "/barrier.yaml", dir_ + "/serve");
    ASSERT_TRUE(serve_->ok()) << serve_->error();
  }

  StoreConfig trustedStore() const {
    StoreConfig config;
    config.type = StoreConfig::Type::kRedis;
    config.url = url();
    config.tls.ca_file = pki_->pem("ca");
    return config;
  }

  int status(const std::string& cookie) { return httpGet(serve_->port(), "/page", cookie).status; }

  std::string dir_;
  std::unique_ptr<TestPki> pki_;
  int tls_port_ = 0;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServeProgram> serve_;
};

// Sessions read and revocations heard over TLS.
TEST_F(ServeRedisTlsTest, SessionsAndRevocationsOverTls) {
  startServe("ca");
  ASSERT_TRUE(eventually(10, [&] {
    return occurrences(serve_->log(), "store.revocations_subscribed") == 1;
  })) << serve_->log();
  auto store = makeStore(trustedStore());
  ASSERT_TRUE(store.isOk()) << store.status().message();
  auto [key, cookie] = storeSession(**store, kKey);
  EXPECT_EQ(status(cookie), 200);
  EXPECT_EQ(status(cookie), 200);  // from the cache
  ASSERT_TRUE((*store)->remove(key).isOk());
  EXPECT_TRUE(eventually(5, [&] { return status(cookie) != 200; }))
      << "the removal was not heard over TLS";
  EXPECT_EQ(status(cookie), 401);
}

// A server the configured CA did not vouch for: 503, never a pass.
TEST_F(ServeRedisTlsTest, UnknownCaFailsClosed) {
  startServe("other-ca");
  auto store = makeStore(trustedStore());
  ASSERT_TRUE(store.isOk()) << store.status().message();
  auto [key, cookie] = storeSession(**store, kKey);
  EXPECT_EQ(status(cookie), 503);
  EXPECT_EQ(occurrences(serve_->log(), "store.revocations_subscribed"), 0u) << serve_->log();
}

}  // namespace
}  // namespace barrier::testing
