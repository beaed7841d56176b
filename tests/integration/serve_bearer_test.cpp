// `barrier serve` with api.bearer against oidc-provider (tests/idp): real
// access tokens from the client-credentials grant pass and have the rules
// applied to their scopes, forged ones get 401 invalid_token, in the
// gateway and at forward-auth.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "adapters/curl_http_client.h"
#include "core/encoding.h"
#include "support/idp_process.h"
#include "support/idp_test_keys.h"
#include "support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

class ServeBearerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IdpOptions options;
    options.api_client = "machine:machine-secret";
    options.es256 = es256_;
    idp_ = std::make_unique<IdpProcess>(options);
    if (!idp_->ok()) GTEST_SKIP() << "needs node and oidc-provider: " << idp_->error();
    dir_ = makeTempDir("barrier-serve-bearer-");
    fs::create_directories(fs::path(dir_) / "site" / "api" / "admin");
    std::ofstream(fs::path(dir_) / "site" / "api" / "x") << "api answer\n";
    std::ofstream(fs::path(dir_) / "site" / "api" / "admin" / "x") << "admin answer\n";
    std::ofstream(fs::path(dir_) / "barrier.yaml")
        << "site_url: http://127.0.0.1\n"
           "provider:\n  type: oidc\n  issuer: "
        << idp_->issuer()
        << "\n  client_id: barrier\n"
           "session:\n  signing_keys: [\""
        << std::string(44, 'A')
        << "\"]\n"
           "store:\n  type: memory\n"
           "api:\n  bearer: true\n  audiences: [https://api.example.com]\n"
           "rules:\n"
           "  - path: /api/admin/*\n    allow: [{claims: {scope: [api/write]}}]\n"
           "  - path: /api/*\n    allow: [{claims: {scope: [api/read]}}]\n"
           "headers:\n  X-Barrier-Scope: scope\n"
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

  // An access token from the client-credentials grant, for `scope`.
  std::string token(const std::string& scope) {
    auto http = makeCurlHttpClient();
    HttpClientRequest request;
    request.method = "POST";
    request.url = idp_->issuer() + "/oauth2/token";
    request.headers.add("Authorization", "Basic " + base64Encode("machine:machine-secret"));
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.body = "grant_type=client_credentials&scope=" + scope;
    auto answer = http->send(request);
    if (!answer.isOk() || answer->status != 200) return "";
    auto doc = nlohmann::json::parse(answer->body, nullptr, false);
    return doc.is_object() && doc["access_token"].is_string()
               ? doc["access_token"].get<std::string>()
               : "";
  }

  HttpReply get(const std::string& path, const std::string& token_value,
                const std::string& extra = "") {
    return httpGet(serve_->port(), path,
                   "Accept: text/html\r\nAuthorization: Bearer " + token_value + "\r\n" + extra);
  }

  bool es256_ = false;  // the provider signs ES256 (ServeBearerEs256Test)
  std::unique_ptr<IdpProcess> idp_;
  std::string dir_;
  std::unique_ptr<ServeProgram> serve_;
};

// A real token passes where its scopes allow, 403 insufficient_scope where
// they do not.
TEST_F(ServeBearerTest, ClientCredentialsTokensFollowTheRules) {
  std::string read = token("api/read");
  ASSERT_FALSE(read.empty()) << "the provider issued no access token";
  HttpReply ok = get("/api/x", read);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "api answer\n");
  HttpReply admin = get("/api/admin/x", read);
  EXPECT_EQ(admin.status, 403);
  EXPECT_EQ(admin.headers.get("WWW-Authenticate"), "Bearer error=\"insufficient_scope\"");
  EXPECT_EQ(get("/api/admin/x", token("api/read api/write")).status, 200);

  // Forward-auth: the same decision, identity headers in the answer.
  HttpReply check = get("/_identity/check", read, "X-Original-URI: /api/x\r\n");
  EXPECT_EQ(check.status, 200);
  EXPECT_EQ(check.headers.get("X-Barrier-User"), "machine");
  EXPECT_EQ(check.headers.get("X-Barrier-Scope"), "api/read");
}

// Forged tokens: 401 with WWW-Authenticate, never a redirect to sign-in.
TEST_F(ServeBearerTest, ForgedTokensRefused) {
  std::string real = token("api/read");
  ASSERT_FALSE(real.empty());
  std::string payload;
  ASSERT_TRUE(base64UrlDecode(real.substr(real.find('.') + 1, real.rfind('.') - real.find('.') - 1),
                              payload));
  nlohmann::json claims = nlohmann::json::parse(payload);
  // The provider's kid, another key; no signature; a tampered signature.
  // (Wrong aud, expiry and other issuers need the provider's key to sign:
  // the unit tests, src/core/access/bearer_test.cpp, cover them.)
  TestRsaKey attacker("idp-key-1");
  for (const std::string& forged : {attacker.signRs256(claims), unsignedToken(claims),
                                    real.substr(0, real.size() - 4) + "AAAA"}) {
    HttpReply r = get("/api/x", forged);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.get("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    EXPECT_FALSE(r.headers.has("Location"));
    HttpReply check = get("/_identity/check", forged, "X-Original-URI: /api/x\r\n");
    EXPECT_EQ(check.status, 401);
  }
}

class ServeBearerEs256Test : public ServeBearerTest {
 protected:
  ServeBearerEs256Test() { es256_ = true; }
};

// The provider signing ES256: its real tokens pass; another P-256 key under
// its kid, and its kids under the other algorithm (ES256 on its RSA key,
// RS256 on its EC key), are 401 invalid_token.
TEST_F(ServeBearerEs256Test, Es256TokensPassAndConfusionIsRefused) {
  std::string read = token("api/read");
  ASSERT_FALSE(read.empty()) << "the provider issued no access token";
  std::string header;
  ASSERT_TRUE(base64UrlDecode(read.substr(0, read.find('.')), header));
  EXPECT_EQ(nlohmann::json::parse(header)["alg"], "ES256");
  HttpReply ok = get("/api/x", read);
  EXPECT_EQ(ok.status, 200) << ok.body;
  std::string payload;
  ASSERT_TRUE(base64UrlDecode(read.substr(read.find('.') + 1, read.rfind('.') - read.find('.') - 1),
                              payload));
  nlohmann::json claims = nlohmann::json::parse(payload);
  TestEcKey attacker("idp-ec-1");
  TestRsaKey rsa("x");
  for (const std::string& forged :
       {attacker.signEs256(claims), attacker.sign({{"alg", "ES256"}, {"kid", "idp-key-1"}}, claims),
        rsa.sign({{"alg", "RS256"}, {"kid", "idp-ec-1"}}, claims)}) {
    HttpReply r = get("/api/x", forged);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.headers.get("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  }
}

}  // namespace
}  // namespace barrier::testing
