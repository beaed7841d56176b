// `barrier serve` with api.bearer against oidc-provider (tests/idp): real
// access tokens from the client-credentials grant pass and have the rules
// applied to their scopes, forged ones get 401 invalid_token, in the
// gateway and at forward-auth.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/curl_http_client.h"
#include "core/encoding.h"
#include "support/idp_serve_fixture.h"
#include "support/idp_test_keys.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

class ServeBearerTest : public IdpServeTest {
 protected:
  void SetUp() override {
    IdpOptions options;
    options.api_client = "machine:machine-secret";
    options.es256 = es256_;
    ASSERT_NO_FATAL_FAILURE(startIdp(options, "barrier-serve-bearer-"));
    if (IsSkipped()) return;
    fs::create_directories(fs::path(siteDir()) / "api" / "admin");
    std::ofstream(fs::path(siteDir()) / "api" / "x") << "api answer\n";
    std::ofstream(fs::path(siteDir()) / "api" / "admin" / "x") << "admin answer\n";
    startServe("",
               "api:\n  bearer: true\n  audiences: [https://api.example.com]\n"
               "rules:\n"
               "  - path: /api/admin/*\n    allow: [{claims: {scope: [api/write]}}]\n"
               "  - path: /api/*\n    allow: [{claims: {scope: [api/read]}}]\n"
               "headers:\n  X-Barrier-Scope: scope\n");
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

// A bearer token's first check fetches the provider's JWKS: that fetch
// runs on the manager's pool, never on an io thread. With one io thread and
// a provider that holds the JWKS answer back, a public page is still
// answered while the bearer request waits; once the provider answers, the
// token (the provider's kid, another key) is refused.
TEST(ServeBearerJwksTest, FetchDoesNotHoldUpTheIoThread) {
  std::mutex mu;
  std::condition_variable cv;
  bool jwks_asked = false;
  bool release = false;
  std::string issuer;
  TestRsaKey provider_key("provider-key");
  FakeUpstream provider([&](const SeenRequest& request) {
    if (request.target == "/.well-known/openid-configuration") {
      nlohmann::json doc = {{"issuer", issuer},
                            {"authorization_endpoint", issuer + "/auth"},
                            {"token_endpoint", issuer + "/token"},
                            {"jwks_uri", issuer + "/jwks"}};
      return FakeUpstream::ok(doc.dump(), "Content-Type: application/json\r\n");
    }
    std::unique_lock lock(mu);
    jwks_asked = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return FakeUpstream::ok(jwksOf({&provider_key}), "Content-Type: application/json\r\n");
  });
  issuer = provider.url();
  std::string dir = makeTempDir("barrier-serve-jwks-");
  fs::create_directories(fs::path(dir) / "site" / "public");
  std::ofstream(fs::path(dir) / "site" / "public" / "x") << "public answer\n";
  std::ofstream(fs::path(dir) / "barrier.yaml")
      << "site_url: http://127.0.0.1\n"
         "provider:\n  type: oidc\n  issuer: "
      << issuer
      << "\n  client_id: barrier\n  timeout_ms: 60000\n"
         "session:\n  signing_keys: [\""
      << std::string(44, 'A')
      << "\"]\n"
         "store:\n  type: memory\n"
         "api:\n  bearer: true\n  audiences: [https://api.example.com]\n"
         "public_paths: [/public/*]\n"
         "server:\n  threads: 1\n  origins:\n    - prefix: /\n      static: site\n";
  {
    ServeProgram serve(dir + "/barrier.yaml", dir);
    ASSERT_TRUE(serve.ok()) << serve.error();
    TestRsaKey attacker("provider-key");  // the provider's kid, another key
    std::string forged = attacker.signRs256({{"iss", issuer},
                                             {"aud", "https://api.example.com"},
                                             {"sub", "machine"},
                                             {"exp", 4102444800}});
    HttpReply bearer_reply;
    std::thread bearer([&] {
      bearer_reply = httpGet(serve.port(), "/api/x", "Authorization: Bearer " + forged + "\r\n");
    });
    {
      std::unique_lock lock(mu);
      bool asked = cv.wait_for(lock, std::chrono::seconds(20), [&] { return jwks_asked; });
      EXPECT_TRUE(asked) << "the bearer check never asked for the JWKS";
    }
    // The JWKS answer is held: an io thread blocked on it could not answer.
    HttpReply page = httpGet(serve.port(), "/public/x");
    EXPECT_EQ(page.status, 200) << page.error;
    EXPECT_EQ(page.body, "public answer\n");
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    bearer.join();
    EXPECT_EQ(bearer_reply.status, 401) << bearer_reply.error << bearer_reply.body;
    EXPECT_EQ(bearer_reply.headers.get("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
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
