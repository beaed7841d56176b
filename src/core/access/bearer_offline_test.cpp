// OfflineBearerVerifier, the edge module's: which URL it asks its host for
// and when (discovery, then the JWKS; an unknown kid at most once a minute),
// and its decisions once the answers are in: the same as BearerVerifier's.
#include "core/access/bearer_offline.h"

#include <gtest/gtest.h>

#include <map>

#include "adapters/system.h"
#include "core/config/checker_settings.h"
#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

using json = nlohmann::json;
using testing::TestEcKey;
using testing::TestRsaKey;

constexpr int64_t kNow = 1700000000;
const std::string kIssuer = "https://idp.example.com";
const std::string kDiscovery = kIssuer + "/.well-known/openid-configuration";
const std::string kJwksUri = kIssuer + "/keys";

const TestRsaKey& rsaKey() {
  static TestRsaKey key("rsa1");
  return key;
}
const TestEcKey& ecKey() {
  static TestEcKey key("ec1");
  return key;
}

json accessClaims() {
  return {{"iss", kIssuer},      {"sub", "svc"}, {"aud", "https://api.example.com"},
          {"scope", "api/read"}, {"iat", kNow},  {"exp", kNow + 300}};
}

std::string discoveryDocument() {
  return json{{"issuer", kIssuer},
              {"authorization_endpoint", kIssuer + "/authorize"},
              {"token_endpoint", kIssuer + "/token"},
              {"jwks_uri", kJwksUri}}
      .dump();
}

class OfflineBearerTest : public ::testing::Test {
 protected:
  OfflineBearerTest() {
    config_.provider.type = ProviderConfig::Type::kOidc;
    config_.provider.issuer = kIssuer;
    config_.api.bearer = true;
    config_.api.audiences = {"https://api.example.com"};
    valid_.emplace(mustValidate(config_));
    verifier_ = std::make_unique<OfflineBearerVerifier>(*valid_, clock_, *crypto_);
  }

  // Answers every URL the verifier asks for from `answers` (404 for any
  // other), as the host does; the URLs asked, in order.
  std::vector<std::string> serve(std::string_view token) {
    std::vector<std::string> asked;
    for (std::string url = verifier_->fetchFor(token); !url.empty() && asked.size() < 4;) {
      asked.push_back(url);
      auto it = answers_.find(url);
      url = it == answers_.end() ? verifier_->accept(404, "") : verifier_->accept(200, it->second);
    }
    return asked;
  }

  std::map<std::string, std::string> answers_ = {
      {kDiscovery, discoveryDocument()},
      {kJwksUri, testing::jwksOfJwks({rsaKey().jwk(), ecKey().jwk()})}};
  FixedClock clock_{kNow};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  Config config_ = testConfig();
  std::optional<ValidConfig> valid_;
  std::unique_ptr<OfflineBearerVerifier> verifier_;
};

// Cold start: discovery, then the JWKS it names; afterwards tokens of
// either algorithm are decided without asking for anything.
TEST_F(OfflineBearerTest, ColdStartFetchesDiscoveryThenKeys) {
  EXPECT_FALSE(verifier_->loaded());
  EXPECT_EQ(serve(""), (std::vector<std::string>{kDiscovery, kJwksUri}));
  EXPECT_TRUE(verifier_->loaded());
  for (const std::string& token :
       {rsaKey().signRs256(accessClaims()), ecKey().signEs256(accessClaims())}) {
    EXPECT_TRUE(serve(token).empty());
    Result<SessionRecord> record = verifier_->verify(token);
    ASSERT_TRUE(record.isOk()) << record.status().toString();
    EXPECT_EQ(record->sub, "svc");
  }
  EXPECT_TRUE(serve("").empty()) << "a loaded set is not fetched again at cold start";
}

// A configured jwks_uri (as the packager resolves Cognito's) is fetched
// directly, with no discovery.
TEST_F(OfflineBearerTest, ConfiguredJwksUriSkipsDiscovery) {
  config_.provider.jwks_uri = kJwksUri;
  valid_.emplace(mustValidate(config_));
  verifier_ = std::make_unique<OfflineBearerVerifier>(*valid_, clock_, *crypto_);
  EXPECT_EQ(serve(ecKey().signEs256(accessClaims())), std::vector<std::string>{kJwksUri});
  EXPECT_TRUE(verifier_->verify(ecKey().signEs256(accessClaims())).isOk());
}

// Keys not to be had: kUnavailable (503), and the next attempt waits
// kUnloadedRetrySeconds; a refused algorithm is refused (401) regardless.
TEST_F(OfflineBearerTest, NoKeysIsUnavailableAndRetriedLater) {
  answers_.erase(kJwksUri);
  std::string token = ecKey().signEs256(accessClaims());
  EXPECT_EQ(serve(token), (std::vector<std::string>{kDiscovery, kJwksUri}));
  Status s = verifier_->verify(token).status();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("jwks answered HTTP 404"), std::string::npos) << s.message();
  EXPECT_EQ(verifier_->verify(testing::unsignedToken(accessClaims())).status().code(),
            Code::kUnauthenticated);
  clock_.advance(JwksSchedule::kUnloadedRetrySeconds - 1);
  EXPECT_TRUE(serve(token).empty());
  clock_.advance(1);
  answers_[kJwksUri] = testing::jwksOfJwks({ecKey().jwk()});
  EXPECT_EQ(serve(token), std::vector<std::string>{kJwksUri}) << "discovery is kept";
  EXPECT_TRUE(verifier_->verify(token).isOk());
}

// An unknown kid (the provider rotated its keys) is fetched for at most
// once per kRefetchSeconds; until then such tokens are refused (401).
TEST_F(OfflineBearerTest, UnknownKidRefetchedAtMostOncePerMinute) {
  ASSERT_EQ(serve("").size(), 2u);
  TestEcKey rotated("ec2");
  std::string token = rotated.signEs256(accessClaims());
  clock_.advance(JwksSchedule::kRefetchSeconds);
  EXPECT_EQ(serve(token), std::vector<std::string>{kJwksUri});
  EXPECT_EQ(verifier_->verify(token).status().code(), Code::kUnauthenticated);
  clock_.advance(JwksSchedule::kRefetchSeconds - 1);
  EXPECT_TRUE(serve(token).empty()) << "made-up kids must not make us hammer the provider";
  clock_.advance(1);
  answers_[kJwksUri] = testing::jwksOfJwks({ecKey().jwk(), rotated.jwk()});
  EXPECT_EQ(serve(token), std::vector<std::string>{kJwksUri});
  EXPECT_TRUE(verifier_->verify(token).isOk());
}

// Forged tokens: wrong key, alg confusion both ways, wrong aud, expired,
// another issuer, none: each kUnauthenticated.
TEST_F(OfflineBearerTest, ForgedTokensRefused) {
  ASSERT_EQ(serve("").size(), 2u);
  TestEcKey attacker("ec1");
  auto with = [](const char* name, json value) {
    json c = accessClaims();
    c[name] = std::move(value);
    return ecKey().signEs256(c);
  };
  const std::pair<const char*, std::string> cases[] = {
      {"wrong key", attacker.signEs256(accessClaims())},
      {"ES256 on the RSA key", ecKey().sign({{"alg", "ES256"}, {"kid", "rsa1"}}, accessClaims())},
      {"RS256 on the EC key", rsaKey().sign({{"alg", "RS256"}, {"kid", "ec1"}}, accessClaims())},
      {"alg none", testing::unsignedToken(accessClaims())},
      {"wrong aud", with("aud", "https://other.example.com")},
      {"expired", with("exp", kNow - 61)},
      {"other issuer", with("iss", "https://evil.example.com")},
  };
  for (const auto& [name, token] : cases) {
    EXPECT_TRUE(serve(token).empty()) << name;
    EXPECT_EQ(verifier_->verify(token).status().code(), Code::kUnauthenticated) << name;
  }
}

// The checker settings carry api.*: a Cognito pool's issuer and JWKS are
// resolved by the encoder, and read back with the audiences, client ids
// and groups claim; without api.bearer nothing is written.
TEST(CheckerSettingsApi, RoundTrip) {
  Config c = testConfig();
  c.store.type = StoreConfig::Type::kDynamoDb;
  c.store.region = "eu-west-1";
  EXPECT_EQ(encodeCheckerSettings(c).find("api."), std::string::npos);
  c.provider.type = ProviderConfig::Type::kCognito;
  c.provider.region = "eu-west-1";
  c.provider.user_pool_id = "eu-west-1_Pool";
  c.api.bearer = true;
  c.api.audiences = {"https://api.example.com"};
  c.api.client_ids = {"machine", "other"};
  std::string text = encodeCheckerSettings(c);
  EXPECT_NE(text.find("api.jwks_uri https%3A%2F%2Fcognito-idp.eu-west-1.amazonaws.com%2F"
                      "eu-west-1_Pool%2F.well-known%2Fjwks.json\n"),
            std::string::npos)
      << text;
  Result<ValidConfig> decoded = decodeCheckerSettings(text);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_TRUE(decoded->api.bearer);
  EXPECT_EQ(decoded->api.audiences, c.api.audiences);
  EXPECT_EQ(decoded->api.client_ids, c.api.client_ids);
  EXPECT_EQ(decoded->provider.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool");
  EXPECT_EQ(decoded->provider.groups_claim, "cognito:groups");
  // An api line without api.bearer, or api.bearer without an issuer, is refused.
  std::string no_bearer = text;
  no_bearer.erase(no_bearer.find("api.bearer\n"), 11);
  EXPECT_NE(
      decodeCheckerSettings(no_bearer).status().message().find("comes before the api.bearer line"),
      std::string::npos);
  std::string no_issuer = text;
  size_t at = no_issuer.find("api.issuer ");
  no_issuer.erase(at, no_issuer.find('\n', at) + 1 - at);
  EXPECT_NE(decodeCheckerSettings(no_issuer).status().message().find("api.issuer: missing"),
            std::string::npos);
}

}  // namespace
}  // namespace barrier
