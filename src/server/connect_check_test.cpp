#include "server/connect_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"

namespace barrier {
namespace {

namespace fs = std::filesystem;

const char* kIssuer = "https://idp.example.com";
const char* kDiscoveryUrl = "https://idp.example.com/.well-known/openid-configuration";
const char* kJwksUri = "https://idp.example.com/jwks";

// A provider whose answers the test sets per URL; an unknown URL gets no
// answer at all (as a refused connection).
struct ScriptedProvider {
  std::map<std::string, HttpClientResponse> answers;
  FakeHttpClient http{[this](const HttpClientRequest& request) -> Result<HttpClientResponse> {
    auto it = answers.find(request.url);
    if (it == answers.end()) return Status::unavailable("connection refused");
    return it->second;
  }};
  std::vector<std::string> asked() const {
    std::vector<std::string> urls;
    for (const HttpClientRequest& request : http.requests) urls.push_back(request.url);
    return urls;
  }
};

std::string discoveryDocument() {
  return std::string(R"({"issuer":")") + kIssuer +
         R"(","authorization_endpoint":"https://idp.example.com/auth",)"
         R"("token_endpoint":"https://idp.example.com/token","jwks_uri":")" +
         kJwksUri + "\"}";
}

const std::string& keySet() {
  static testing::TestRsaKey key("k1");  // slow to make: once
  static std::string jwks = testing::jwksOf({&key});
  return jwks;
}

ProviderConfig oidc() {
  ProviderConfig p;
  p.type = ProviderConfig::Type::kOidc;
  p.issuer = kIssuer;
  p.client_id = "barrier";
  return p;
}

class ConnectCheckTest : public ::testing::Test {
 protected:
  std::vector<ConnectCheck> check(const ProviderConfig& config) {
    return checkProvider(config, provider.http, clock);
  }
  ScriptedProvider provider;
  FixedClock clock{1700000000};
};

// Discovery and key set both answer: two ok lines naming what was reached.
TEST_F(ConnectCheckTest, OidcDiscoveryAndJwksOk) {
  provider.answers[kDiscoveryUrl] = {200, {}, discoveryDocument()};
  provider.answers[kJwksUri] = {200, {}, keySet()};
  auto checks = check(oidc());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].name, "discovery");
  EXPECT_TRUE(checks[0].ok) << checks[0].detail;
  EXPECT_EQ(checks[0].detail, kDiscoveryUrl);
  EXPECT_EQ(checks[1].name, "jwks");
  EXPECT_TRUE(checks[1].ok) << checks[1].detail;
  EXPECT_NE(checks[1].detail.find("1 key(s)"), std::string::npos) << checks[1].detail;
}

// provider.backchannel_logout on, the provider not announcing it: a third,
// ok line warning so; announced, no warning.
TEST_F(ConnectCheckTest, WarnsWhenBackchannelLogoutIsNotAnnounced) {
  provider.answers[kDiscoveryUrl] = {200, {}, discoveryDocument()};
  provider.answers[kJwksUri] = {200, {}, keySet()};
  ProviderConfig config = oidc();
  config.backchannel_logout = true;
  auto checks = check(config);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[2].name, "backchannel_logout");
  EXPECT_TRUE(checks[2].ok);
  EXPECT_NE(checks[2].detail.find("does not announce"), std::string::npos) << checks[2].detail;
  std::string announced = discoveryDocument();
  announced.insert(1, R"("backchannel_logout_supported":true,)");
  provider.answers[kDiscoveryUrl] = {200, {}, announced};
  ScriptedProvider fresh;
  fresh.answers = provider.answers;
  EXPECT_EQ(checkProvider(config, fresh.http, clock).size(), 2u);
}

// A discovery document that cannot be fetched fails with the reason, and
// the key set, whose address it would have given, is not tried.
TEST_F(ConnectCheckTest, DiscoveryDownSkipsJwks) {
  provider.answers[kDiscoveryUrl] = {500, {}, "oops"};
  auto checks = check(oidc());
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_FALSE(checks[0].ok);
  EXPECT_NE(checks[0].detail.find("HTTP 500"), std::string::npos) << checks[0].detail;
  EXPECT_FALSE(checks[1].ok);
  EXPECT_NE(checks[1].detail.find("not tried"), std::string::npos) << checks[1].detail;
  EXPECT_EQ(provider.asked(), std::vector<std::string>{kDiscoveryUrl});
}

// A key set that is missing, not JSON, or holds no RS256 key fails, naming
// its URL and the reason.
TEST_F(ConnectCheckTest, BadJwksFails) {
  provider.answers[kDiscoveryUrl] = {200, {}, discoveryDocument()};
  for (auto [status, body, reason] :
       {std::tuple{404, std::string("{}"), std::string("HTTP 404")},
        std::tuple{200, std::string("not json"), std::string("")},
        std::tuple{200, std::string(R"({"keys":[]})"), std::string("no RS256 signing key")}}) {
    provider.answers[kJwksUri] = {status, {}, body};
    auto checks = check(oidc());
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_TRUE(checks[0].ok);
    EXPECT_FALSE(checks[1].ok) << body;
    EXPECT_NE(checks[1].detail.find(kJwksUri), std::string::npos) << checks[1].detail;
    EXPECT_NE(checks[1].detail.find(reason), std::string::npos) << checks[1].detail;
  }
}

// Cognito needs no discovery (barrier serve derives the endpoints); its
// key set is fetched from the pool's derived address.
TEST_F(ConnectCheckTest, CognitoFetchesDerivedJwks) {
  ProviderConfig p;
  p.type = ProviderConfig::Type::kCognito;
  p.region = "eu-west-1";
  p.user_pool_id = "eu-west-1_AbC";
  p.domain = "auth.example.com";
  p.client_id = "cid";
  const std::string jwks =
      "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json";
  provider.answers[jwks] = {200, {}, keySet()};
  auto checks = check(p);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].ok);
  EXPECT_NE(checks[0].detail.find("not used"), std::string::npos);
  EXPECT_TRUE(checks[1].ok) << checks[1].detail;
  EXPECT_EQ(provider.asked(), std::vector<std::string>{jwks});
}

// The memory store answers; an unreachable Redis fails with the reason.
TEST(ConnectCheckStore, PingsTheStore) {
  StoreConfig memory;
  memory.type = StoreConfig::Type::kMemory;
  EXPECT_TRUE(checkStore(memory).ok);
  StoreConfig redis;
  redis.type = StoreConfig::Type::kRedis;
  redis.url = "redis://127.0.0.1:1";
  ConnectCheck down = checkStore(redis);
  EXPECT_EQ(down.name, "store");
  EXPECT_FALSE(down.ok);
  EXPECT_FALSE(down.detail.empty());
}

// An SQLite file that does not exist yet is not created (barrier serve
// must create it with its own owner); a missing folder is an error.
TEST(ConnectCheckStore, SqliteFileIsLeftToServe) {
  fs::path dir = fs::temp_directory_path() / ("barrier-connect-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  StoreConfig sqlite;
  sqlite.type = StoreConfig::Type::kSqlite;
  sqlite.path = (dir / "sessions.db").string();
  ConnectCheck fresh = checkStore(sqlite);
  EXPECT_TRUE(fresh.ok) << fresh.detail;
  EXPECT_NE(fresh.detail.find("does not exist yet"), std::string::npos) << fresh.detail;
  EXPECT_FALSE(fs::exists(sqlite.path));
  sqlite.path = (dir / "missing" / "sessions.db").string();
  ConnectCheck missing = checkStore(sqlite);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.detail.find((dir / "missing").string()), std::string::npos) << missing.detail;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace barrier
