#include "core/oidc/provider.h"

#include <gtest/gtest.h>

#include "core/oidc/authorize.h"
#include "core/oidc/jwt.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"

namespace barrier {
namespace {

ProviderConfig cognito() {
  ProviderConfig p;
  p.type = ProviderConfig::Type::kCognito;
  p.region = "eu-west-1";
  p.user_pool_id = "eu-west-1_AbC";
  p.domain = "auth.example.com";
  p.client_id = "cid";
  return p;
}

// The Cognito preset derives issuer, JWKS and hosted-UI endpoints from region, pool id
// and domain (docs/ARCHITECTURE.md, "Platform constraints").
TEST(ProviderEndpoints, CognitoPreset) {
  ProviderEndpoints e = cognitoEndpoints(cognito());
  EXPECT_TRUE(e.cognito);
  EXPECT_EQ(e.issuer, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC");
  EXPECT_EQ(e.jwks_uri,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json");
  EXPECT_EQ(e.authorization_endpoint, "https://auth.example.com/oauth2/authorize");
  EXPECT_EQ(e.token_endpoint, "https://auth.example.com/oauth2/token");
  EXPECT_EQ(e.userinfo_endpoint, "https://auth.example.com/oauth2/userInfo");
  EXPECT_EQ(e.logout_endpoint, "https://auth.example.com/logout");
}

// Explicitly configured endpoints win over derived ones.
TEST(ProviderEndpoints, OverridesWin) {
  ProviderConfig p = cognito();
  p.token_endpoint = "https://proxy.example.com/token";
  FakeHttpClient http;
  FixedClock clock(1700000000);
  ProviderDirectory dir(p, http, clock);
  auto e = dir.endpoints();
  ASSERT_TRUE(e.isOk());
  EXPECT_EQ(e->token_endpoint, "https://proxy.example.com/token");
  EXPECT_TRUE(http.requests.empty());
}

// Discovery: the document's issuer must be the configured one.
TEST(ProviderEndpoints, DiscoveryParsesAndChecksIssuer) {
  std::string doc =
      R"({"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a",
    "token_endpoint":"https://id.example.com/t","jwks_uri":"https://id.example.com/k",
    "end_session_endpoint":"https://id.example.com/bye"})";
  auto e = parseDiscoveryDocument(doc, "https://id.example.com");
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  EXPECT_EQ(e->logout_endpoint, "https://id.example.com/bye");
  EXPECT_FALSE(e->cognito);
  EXPECT_FALSE(e->backchannel_logout_supported);
  std::string announced = doc;
  announced.insert(1, R"("backchannel_logout_supported":true,)");
  auto with = parseDiscoveryDocument(announced, "https://id.example.com");
  ASSERT_TRUE(with.isOk());
  EXPECT_TRUE(with->backchannel_logout_supported);
  EXPECT_FALSE(parseDiscoveryDocument(doc, "https://evil.example.com").isOk());
  EXPECT_FALSE(
      parseDiscoveryDocument(R"({"issuer":"https://id.example.com"})", "https://id.example.com")
          .isOk());
  EXPECT_FALSE(parseDiscoveryDocument("[1,2", "https://id.example.com").isOk());
  EXPECT_FALSE(parseDiscoveryDocument(R"({"issuer":5})", "https://id.example.com").isOk());
}

// Discovery is fetched once and cached; a failure is retried only after a pause.
TEST(ProviderEndpoints, DiscoveryCachedAndRetryLimited) {
  ProviderConfig p;
  p.type = ProviderConfig::Type::kOidc;
  p.issuer = "https://id.example.com/";
  // Discovery answers nothing, then the document.
  FakeHttpClient http;
  http.queue(Status::unavailable("down"));
  http.queue(httpResponse(
      200,
      R"({"issuer":"https://id.example.com/","authorization_endpoint":"https://id.example.com/a",
    "token_endpoint":"https://id.example.com/t","jwks_uri":"https://id.example.com/k"})"));
  FixedClock clock(1700000000);
  ProviderDirectory dir(p, http, clock);
  EXPECT_EQ(dir.endpoints().status().code(), Code::kUnavailable);
  EXPECT_EQ(dir.endpoints().status().code(), Code::kUnavailable);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].url, "https://id.example.com/.well-known/openid-configuration");
  clock.advance(ProviderDirectory::kRetrySeconds);
  auto e = dir.endpoints();
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  EXPECT_EQ(e->issuer, "https://id.example.com/");
  EXPECT_TRUE(dir.endpoints().isOk());
  EXPECT_EQ(http.requests.size(), 2u);
}

// OIDC with authorization, token and JWKS endpoints configured needs no discovery.
TEST(ProviderEndpoints, ExplicitOidcEndpointsSkipDiscovery) {
  ProviderConfig p;
  p.type = ProviderConfig::Type::kOidc;
  p.issuer = "https://id.example.com";
  p.authorization_endpoint = "https://id.example.com/a";
  p.token_endpoint = "https://id.example.com/t";
  p.jwks_uri = "https://id.example.com/k";
  FakeHttpClient http;
  FixedClock clock(1700000000);
  ProviderDirectory dir(p, http, clock);
  ASSERT_TRUE(dir.endpoints().isOk());
  EXPECT_TRUE(http.requests.empty());
}

// state round-trips; anything else (wrong length, not base64url) is refused.
TEST(FlowStateCodec, RoundTripAndRefusals) {
  SeededRandom random(7);
  FlowState s = makeFlowState(random);
  std::string encoded = encodeState(s);
  auto back = decodeState(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->flow, s.flow);
  EXPECT_EQ(back->secret, s.secret);
  EXPECT_FALSE(decodeState(""));
  EXPECT_FALSE(decodeState(encoded + "AA"));
  EXPECT_FALSE(decodeState(encoded.substr(4)));
  EXPECT_FALSE(decodeState("{\"json\":1}"));
  EXPECT_FALSE(decodeState(std::string(10000, 'A')));
}

// Logout URLs follow Cognito's or the OIDC convention; none without an endpoint.
TEST(LogoutUrl, CognitoAndOidc) {
  ProviderEndpoints e = cognitoEndpoints(cognito());
  EXPECT_EQ(buildLogoutUrl(e, "cid", "https://s/x"),
            "https://auth.example.com/logout?client_id=cid&logout_uri=https%3A%2F%2Fs%2Fx");
  e.cognito = false;
  EXPECT_EQ(
      buildLogoutUrl(e, "cid", "https://s/x"),
      "https://auth.example.com/logout?client_id=cid&post_logout_redirect_uri=https%3A%2F%2Fs%2Fx");
  e.logout_endpoint.clear();
  EXPECT_EQ(buildLogoutUrl(e, "cid", "https://s/x"), "");
}

// Malformed JWTs are refused without crashing.
TEST(JwtParse, MalformedRefused) {
  for (const char* t : {"", "a", "a.b", "a.b.c.d", "!!.e30.", "e30.!!.", "e30.e30.!!", "W10.e30.",
                        "e30.W10.", "bnVsbA.e30."}) {
    EXPECT_FALSE(parseJwt(t).isOk()) << t;
  }
  auto ok = parseJwt("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.e30.");
  ASSERT_TRUE(ok.isOk());
  EXPECT_EQ(ok->alg, "RS256");
  EXPECT_EQ(ok->kid, "k");
}

}  // namespace
}  // namespace barrier
