// The TLS contexts' file checks, without a peer: each problem with a CA
// file, a certificate or a key is refused naming the field, the file and
// the fix, for the Redis store's store.tls and an origin's ca_file alike.
// The handshakes themselves (verdicts, SNI, name checks) are exercised
// against real servers: redis_tls_test.cpp, serve_redis_tls_test.cpp and
// tests/node/serve_tls.test.mjs.
#include "adapters/tls_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/test_pki.h"

namespace barrier {
namespace {

class TlsContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ =
        TestPki::makeIn(::testing::TempDir() + "barrier-tls-context-" + std::to_string(::getpid()));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "needs openssl (apt-get install openssl)";
    ASSERT_NE(pki_, nullptr) << "openssl could not make the test CA";
  }

  // A copy of `file` with `mode`, beside it.
  static std::string copyWithMode(const std::string& file, const std::string& suffix, mode_t mode) {
    std::string copy = file + suffix;
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
    EXPECT_EQ(::chmod(copy.c_str(), mode), 0);
    return copy;
  }

  static Status client(const TlsClientSettings& settings) {
    Result<SslContextPtr> made = makeTlsClientContext(settings);
    return made.isOk() ? Status::ok() : made.status();
  }

  static void expectRefused(const Status& s, const std::string& expected) {
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.toString();
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  }

  static TestPki* pki_;
};

TestPki* TlsContextTest::pki_ = nullptr;

// A client context: the CA file (or the system's store) and the client
// pair load; each broken file is named with its field under the block.
TEST_F(TlsContextTest, ClientFilesAreNamedWithTheirField) {
  TlsClientSettings settings{pki_->pem("ca"), pki_->pem("client"), pki_->key("client"),
                             TlsMinVersion::kTls13, "store.tls"};
  EXPECT_TRUE(client(settings).isOk());
  EXPECT_TRUE(client({"", "", "", TlsMinVersion::kTls12, "store.tls"}).isOk()) << "system CAs";

  TlsClientSettings broken = settings;
  broken.ca_file = pki_->pem("ca") + ".missing";
  expectRefused(client(broken), "store.tls.ca_file: " + broken.ca_file + ": cannot open");
  broken.ca_file = pki_->key("ca");
  expectRefused(client(broken), "store.tls.ca_file: " + broken.ca_file + ": holds no PEM");

  broken = settings;
  broken.cert_file = pki_->key("client");
  expectRefused(client(broken), "store.tls.cert: " + broken.cert_file + ": not a PEM certificate");
  broken = settings;
  broken.key_file = pki_->key("other-client");
  expectRefused(client(broken), "store.tls.key: " + broken.key_file +
                                    ": does not match the certificate in store.tls.cert");
  broken.key_file = "";
  expectRefused(client(broken), "needs both store.tls.cert and store.tls.key");

  // An origin has a ca_file only: its messages name that field.
  expectRefused(
      client({pki_->pem("ca") + ".missing", "", "", TlsMinVersion::kTls12, "server.origins[2]"}),
      "server.origins[2].ca_file: ");
}

// A CA bundle reached through a symbolic link (as /etc/ssl/certs has them)
// is read; a private key must be the file itself, and neither its group
// nor other users may read it.
TEST_F(TlsContextTest, KeyMustBePrivateCaMayBeALink) {
  std::string link = pki_->pem("ca") + ".link";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(pki_->pem("ca"), link);
  TlsClientSettings settings{link, pki_->pem("client"), pki_->key("client"), TlsMinVersion::kTls12,
                             "store.tls"};
  EXPECT_TRUE(client(settings).isOk());
  for (mode_t mode : {0640, 0604}) {
    settings.key_file = copyWithMode(pki_->key("client"), ".loose", mode);
    Status s = client(settings);
    expectRefused(s, "store.tls.key: " + settings.key_file + ": has mode 0");
    expectRefused(s, "run chmod 600 " + settings.key_file);
  }
  std::string key_link = pki_->key("client") + ".link";
  std::filesystem::remove(key_link);
  std::filesystem::create_symlink(pki_->key("client"), key_link);
  settings.key_file = key_link;
  expectRefused(client(settings), "is a symbolic link");
}

// The server's pair: the same rules and messages under server.tls.
TEST_F(TlsContextTest, ServerPairIsCheckedTheSameWay) {
  TlsServerFiles files{pki_->pem("server"), pki_->key("server"), TlsMinVersion::kTls12,
                       "server.tls"};
  EXPECT_TRUE(makeTlsServerContext(files).isOk());
  files.key_file = copyWithMode(pki_->key("server"), ".loose", 0644);
  Result<SslContextPtr> loose = makeTlsServerContext(files);
  ASSERT_FALSE(loose.isOk());
  EXPECT_NE(loose.status().message().find("server.tls.key: " + files.key_file + ": has mode 0644"),
            std::string::npos)
      << loose.status().message();
  files.key_file = pki_->key("wrong-name");
  Result<SslContextPtr> mismatch = makeTlsServerContext(files);
  ASSERT_FALSE(mismatch.isOk());
  EXPECT_NE(mismatch.status().message().find("does not match the certificate in server.tls.cert"),
            std::string::npos)
      << mismatch.status().message();
}

// The test certificates live a day: the summary says so (check-config's
// expiry warning reads it), and an expired one has a negative count.
TEST_F(TlsContextTest, SummaryCountsTheDaysLeft) {
  Result<CertificateSummary> client = summarizeCertificate(pki_->pem("client"), "store.tls.cert");
  ASSERT_TRUE(client.isOk()) << client.status().toString();
  EXPECT_NE(client->subject.find("CN=client"), std::string::npos) << client->subject;
  EXPECT_GE(client->days_left, 0);
  EXPECT_LE(client->days_left, 1);
  Result<CertificateSummary> expired = summarizeCertificate(pki_->pem("expired"), "x");
  ASSERT_TRUE(expired.isOk());
  EXPECT_LT(expired->days_left, 0);
}

}  // namespace
}  // namespace barrier
