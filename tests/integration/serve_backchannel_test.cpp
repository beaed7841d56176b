// `barrier serve` reads the form of POST /_identity/backchannel-logout (the
// server reads no other request body of the manager's paths) and hands it to
// the handler; the token checks themselves are logout_token_test's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/idp_process.h"
#include "support/idp_test_keys.h"
#include "support/serve_http.h"
#include "support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

class ServeBackchannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_ = std::make_unique<IdpProcess>(IdpOptions{});
    if (!idp_->ok()) GTEST_SKIP() << "needs node and oidc-provider: " << idp_->error();
    dir_ = makeTempDir("barrier-serve-backchannel-");
    fs::create_directories(fs::path(dir_) / "site");
    std::ofstream(fs::path(dir_) / "barrier.yaml")
        << "site_url: http://127.0.0.1\n"
           "provider:\n  type: oidc\n  issuer: "
        << idp_->issuer()
        << "\n  client_id: barrier\n  backchannel_logout: true\n"
           "session:\n  signing_keys: [\""
        << std::string(44, 'A')
        << "\"]\n"
           "store:\n  type: memory\n"
           "server:\n  origins:\n    - prefix: /\n      static: site\n";
    serve_ = std::make_unique<ServeProgram>(dir_ + "/barrier.yaml", dir_);
    ASSERT_TRUE(serve_->ok()) << serve_->error();
  }
  void TearDown() override {
    serve_.reset();
    idp_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  HttpReply post(const std::string& body) {
    HttpConnection connection("127.0.0.1", serve_->port());
    return connection.exchange(rawRequest("POST", "/_identity/backchannel-logout",
                                          "Content-Type: application/x-www-form-urlencoded\r\n",
                                          body));
  }

  static std::string description(const HttpReply& reply) {
    auto doc = nlohmann::json::parse(reply.body, nullptr, false);
    return doc.is_object() && doc["error_description"].is_string()
               ? doc["error_description"].get<std::string>()
               : "";
  }

  std::unique_ptr<IdpProcess> idp_;
  std::string dir_;
  std::unique_ptr<ServeProgram> serve_;
};

TEST_F(ServeBackchannelTest, TheFormReachesTheHandler) {
  HttpReply empty = post("");
  ASSERT_EQ(empty.status, 400) << empty.error;
  EXPECT_EQ(description(empty), "one logout_token form field is required");
  EXPECT_EQ(empty.headers.get("Cache-Control"), "no-store");

  // A token signed by a key the provider never published: read from the
  // body, then refused by the signature check (not as a missing field).
  TestRsaKey stranger("stranger");
  nlohmann::json claims = {
      {"iss", idp_->issuer()},
      {"aud", "barrier"},
      {"sub", "alice"},
      {"iat", 1},
      {"jti", "j1"},
      {"events",
       {{"http://schemas.openid.net/event/backchannel-logout", nlohmann::json::object()}}}};
  HttpReply forged = post("logout_token=" + stranger.signRs256(claims));
  ASSERT_EQ(forged.status, 400) << forged.error;
  EXPECT_NE(description(forged), "");
  EXPECT_NE(description(forged), "one logout_token form field is required");

  // A form larger than the manager's paths accept is refused before the
  // handler sees it.
  HttpReply huge = post("logout_token=" + std::string(70 * 1024, 'a'));
  EXPECT_EQ(huge.status, 413) << huge.error;
}

}  // namespace
}  // namespace barrier::testing
