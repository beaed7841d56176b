// Bearer tokens (api.bearer): the verifier against a fake provider, and the
// checker's answers to API clients.
#include "core/access/bearer.h"

#include <gtest/gtest.h>

#include <functional>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/encoding.h"
#include "core/handlers/check.h"
#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

using json = nlohmann::json;
using testing::TestRsaKey;

constexpr int64_t kNow = 1700000000;
const char* kIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test";

const TestRsaKey& providerKey() {
  static TestRsaKey key("api-good");
  return key;
}
const TestRsaKey& attackerKey() {
  static TestRsaKey key("api-good");  // the same kid, another key
  return key;
}

// A Cognito access token for client "machine" with the read scope.
json accessClaims() {
  return {{"iss", kIssuer},
          {"sub", "sub-svc"},
          {"client_id", "machine"},
          {"token_use", "access"},
          {"scope", "api/read api/write"},
          {"iat", kNow},
          {"exp", kNow + 3600},
          {"cognito:groups", {"robots"}}};
}

class BearerTest : public ::testing::Test {
 protected:
  BearerTest() {
    config_.api.bearer = true;
    config_.api.audiences = {"https://api.example.com"};
    config_.api.client_ids = {"machine"};
    AccessCondition read;
    read.claims = {{"scope", {"api/read"}}};
    AccessCondition admin;
    admin.claims = {{"scope", {"api/admin"}}};
    config_.rules = {{"/api/admin/*", {}, {}, {admin}}, {"/api/*", {}, {}, {read}}};
    config_.headers = {{"X-Barrier-Scope", "scope"}};
    build();
  }

  void build() {
    checker_.reset();
    valid_.emplace(mustValidate(config_));
    verifier_ = std::make_unique<BearerVerifier>(*valid_, http_, clock_, *crypto_);
    cache_ = makeLruSessionCache(clock_, valid_->cache);
    checker_ = std::make_unique<Checker>(*valid_, *crypto_, clock_, *cache_, log_, nullptr,
                                         verifier_.get());
  }

  CheckDecision request(const std::string& authorization, const std::string& path = "/api/x",
                        const std::string& cookie = "") {
    Request r;
    r.method = "GET";
    r.path = path;
    r.headers.add("Accept", "text/html");
    r.headers.add("Authorization", authorization);
    if (!cookie.empty()) r.headers.add("Cookie", cookie);
    return check(*checker_, r, *store_);
  }

  std::string jwks_ = testing::jwksOf({&providerKey()});
  FakeHttpClient http_{[this](const HttpClientRequest& r) -> Result<HttpClientResponse> {
    if (r.url == std::string(kIssuer) + "/.well-known/jwks.json") return httpResponse(200, jwks_);
    return Status::unavailable("no route to " + r.url);
  }};
  FixedClock clock_{kNow};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> store_ = makeMemoryStore();
  NullLog log_;
  Config config_ = testConfig();
  std::optional<ValidConfig> valid_;
  std::unique_ptr<BearerVerifier> verifier_;
  std::unique_ptr<SessionCache> cache_;
  std::unique_ptr<Checker> checker_;
};

// A good token passes with identity headers from its claims; the
// Authorization header reaches the origin unchanged.
TEST_F(BearerTest, ValidTokenPasses) {
  std::string header = "Bearer " + providerKey().signRs256(accessClaims());
  CheckDecision d = request(header);
  ASSERT_EQ(d.outcome, CheckOutcome::kPass) << d.response.body;
  EXPECT_EQ(d.request.headers.get("Authorization"), header);
  Headers identity = d.identityHeaders();
  EXPECT_EQ(identity.get(kHeaderUser), "sub-svc");
  EXPECT_EQ(identity.get(kHeaderGroups), "robots");
  EXPECT_EQ(identity.get("X-Barrier-Scope"), "api/read,api/write");
  // An aud naming the API passes too, without Cognito's client_id.
  json by_aud = accessClaims();
  by_aud.erase("client_id");
  by_aud.erase("token_use");
  by_aud["aud"] = {"https://api.example.com", "other"};
  EXPECT_EQ(request("bearer " + providerKey().signRs256(by_aud)).outcome, CheckOutcome::kPass);
}

// Rules apply to the token's scopes: a missing scope is 403
// insufficient_scope, never a redirect.
TEST_F(BearerTest, RulesApplyToScopes) {
  CheckDecision d = request("Bearer " + providerKey().signRs256(accessClaims()), "/api/admin/x");
  EXPECT_EQ(d.outcome, CheckOutcome::kForbidden);
  EXPECT_EQ(d.response.status, 403);
  EXPECT_EQ(d.response.headers.get("WWW-Authenticate"), "Bearer error=\"insufficient_scope\"");
  json read_only = accessClaims();
  read_only["scope"] = "api/readonly api/write";
  EXPECT_EQ(request("Bearer " + providerKey().signRs256(read_only)).outcome,
            CheckOutcome::kForbidden);
}

// Forged and misdirected tokens: 401 with WWW-Authenticate invalid_token,
// never a redirect to sign-in (the request is a browser navigation).
TEST_F(BearerTest, ForgedTokensRefused) {
  auto with = [](std::function<void(json&)> change) {
    json c = accessClaims();
    change(c);
    return providerKey().signRs256(c);
  };
  json good = accessClaims();
  const std::pair<const char*, std::string> cases[] = {
      {"wrong key", attackerKey().signRs256(good)},
      {"alg none", testing::unsignedToken(good)},
      {"alg HS256", providerKey().sign({{"alg", "HS256"}, {"kid", "api-good"}}, good)},
      {"other issuer", with([](json& c) { c["iss"] = "https://evil.example.com"; })},
      {"wrong aud", with([](json& c) {
         c.erase("client_id");
         c["aud"] = "https://other.example.com";
       })},
      {"other client", with([](json& c) { c["client_id"] = "web"; })},
      {"id token", with([](json& c) {
         c["token_use"] = "id";
         c["aud"] = "https://api.example.com";
       })},
      {"expired", with([](json& c) { c["exp"] = kNow - 61; })},
      {"no exp", with([](json& c) { c.erase("exp"); })},
      {"not yet valid", with([](json& c) { c["nbf"] = kNow + 120; })},
      {"issued in the future", with([](json& c) { c["iat"] = kNow + 120; })},
      {"not a jwt", "abc.def"},
  };
  for (const auto& [name, token] : cases) {
    CheckDecision d = request("Bearer " + token);
    EXPECT_EQ(d.response.status, 401) << name;
    // Metrics and logs tell a refused token from a forged cookie.
    EXPECT_EQ(d.outcome, CheckOutcome::kBadToken) << name;
    EXPECT_STREQ(checkOutcomeName(d.outcome), "bad_token") << name;
    EXPECT_EQ(d.response.headers.get("WWW-Authenticate"), "Bearer error=\"invalid_token\"") << name;
    EXPECT_FALSE(d.response.headers.has("Location")) << name;
    EXPECT_FALSE(d.forward) << name;
  }
  // Within the skew, the same claims pass: each refusal is the forgery's.
  EXPECT_EQ(request("Bearer " + with([](json& c) { c["exp"] = kNow - 59; })).outcome,
            CheckOutcome::kPass);
}

// ES256 tokens pass as RS256 ones do, from a key set holding both; an
// ES256 header on an RSA key's kid and an RS256 header on the EC key's are
// refused (401), and so is another P-256 key under the provider's kid.
TEST_F(BearerTest, Es256TokensAndAlgorithmConfusion) {
  static testing::TestEcKey ec("api-ec");
  static testing::TestEcKey attacker("api-ec");
  jwks_ = testing::jwksOfJwks({providerKey().jwk(), ec.jwk()});
  EXPECT_EQ(request("Bearer " + ec.signEs256(accessClaims())).outcome, CheckOutcome::kPass);
  const std::string forged[] = {
      attacker.signEs256(accessClaims()),
      ec.sign({{"alg", "ES256"}, {"kid", "api-good"}}, accessClaims()),
      providerKey().sign({{"alg", "RS256"}, {"kid", "api-ec"}}, accessClaims()),
  };
  for (const std::string& token : forged) {
    CheckDecision d = request("Bearer " + token);
    EXPECT_EQ(d.response.status, 401) << token;
    EXPECT_EQ(d.response.headers.get("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  }
}

// The provider's keys out of reach: 503, not "bad token".
TEST_F(BearerTest, KeysUnavailableIs503) {
  jwks_ = "not json";
  CheckDecision d = request("Bearer " + providerKey().signRs256(accessClaims()));
  EXPECT_EQ(d.response.status, 503);
  EXPECT_TRUE(d.response.headers.has("Retry-After"));
}

// A session cookie of ours takes the session path, token or not; without
// api.bearer a token is no credential at all.
TEST_F(BearerTest, CookieOrNoBearerConfigTakesTheSessionPath) {
  std::string token = "Bearer " + providerKey().signRs256(accessClaims());
  EXPECT_EQ(request(token, "/api/x", "barrier=forged").outcome, CheckOutcome::kBadCookie);
  EXPECT_EQ(request(token, "/api/x", "barrier=forged").response.status, 307);
  checker_ = std::make_unique<Checker>(*valid_, *crypto_, clock_, *cache_, log_);
  EXPECT_EQ(request(token).outcome, CheckOutcome::kNoSession);
}

// api: audiences or client_ids with bearer; neither without it.
TEST(BearerConfig, Checked) {
  auto parse = [](const char* api) {
    std::string doc = R"({"site_url":"https://www.example.com",
      "session":{"signing_keys":["a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="]},
      "provider":{"type":"oidc","issuer":"https://idp.example.com","client_id":"web"},
      "api":)" + std::string(api) +
                      "}";
    return parseConfigJson(doc, "barrier.yaml").status().message();
  };
  EXPECT_NE(parse(R"({"bearer":true})").find("api.bearer needs api.audiences"), std::string::npos);
  EXPECT_NE(parse(R"({"audiences":["x"]})").find("api.bearer must be true"), std::string::npos);
  EXPECT_NE(parse(R"({"bearer":true,"audiences":[]})").find("api.audiences must list"),
            std::string::npos);
  EXPECT_NE(parse(R"({"bearer":"yes"})").find("api.bearer must be true or false"),
            std::string::npos);
  EXPECT_EQ(parse(R"({"bearer":true,"audiences":["x"]})"), "");
}

}  // namespace
}  // namespace barrier
