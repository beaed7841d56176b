// Logout Tokens (OIDC Back-Channel Logout 1.0 §2.6): the signature checks
// they share with ID tokens, and each claim check, one refusal each.
#include "core/oidc/logout_token.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/encoding.h"
#include "core/oidc/jwks.h"
#include "core/oidc/jwt.h"
#include "tests/integration/support/idp_test_keys.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;

nlohmann::json validClaims() {
  return {{"iss", "https://idp.example.com"},
          {"aud", "barrier"},
          {"iat", kNow - 5},
          {"exp", kNow + 120},
          {"jti", "jti-1"},
          {"sub", "alice"},
          {"sid", "sid-1"},
          {"events", {{kBackChannelLogoutEvent, nlohmann::json::object()}}}};
}

LogoutTokenExpectations expectations() {
  LogoutTokenExpectations e;
  e.issuer = "https://idp.example.com";
  e.client_id = "barrier";
  e.now = kNow;
  return e;
}

// The refusal's message for `claims`, or "" when accepted.
std::string refusal(const nlohmann::json& claims) {
  Result<LogoutRequest> r = checkLogoutTokenClaims(claims, expectations());
  if (r.isOk()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

// A valid token names sub, sid and jti, and its jti is kept past exp.
TEST(LogoutToken, ValidClaims) {
  Result<LogoutRequest> r = checkLogoutTokenClaims(validClaims(), expectations());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->sid, "sid-1");
  EXPECT_EQ(r->jti, "jti-1");
  EXPECT_GE(r->expires_at, kNow + 120);
  nlohmann::json sid_only = validClaims();
  sid_only.erase("sub");
  sid_only.erase("exp");
  sid_only["aud"] = {"other", "barrier"};
  r = checkLogoutTokenClaims(sid_only, expectations());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->sub, "");
  EXPECT_EQ(r->expires_at, kNow + 300) << "no exp: kept default_lifetime";
}

// Each required property missing or wrong is refused, naming it.
TEST(LogoutToken, RefusesEachBadClaim) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
    const char* needle;
  } cases[] = {
      {"wrong iss", [](auto& c) { c["iss"] = "https://evil.example.com"; }, "iss"},
      {"wrong aud", [](auto& c) { c["aud"] = "other-client"; }, "aud"},
      {"no iat", [](auto& c) { c.erase("iat"); }, "no iat"},
      {"old iat", [](auto& c) { c["iat"] = kNow - 3600; }, "iat is not recent"},
      {"future iat", [](auto& c) { c["iat"] = kNow + 3600; }, "iat is not recent"},
      {"expired", [](auto& c) { c["exp"] = kNow - 120; }, "expired"},
      {"events missing", [](auto& c) { c.erase("events"); }, "no events"},
      {"other event",
       [](auto& c) {
         c["events"] = {{"http://example.com/other", nlohmann::json::object()}};
       },
       "back-channel logout event"},
      {"event not an object", [](auto& c) { c["events"][kBackChannelLogoutEvent] = "x"; },
       "back-channel logout event"},
      {"nonce present", [](auto& c) { c["nonce"] = "n"; }, "nonce present"},
      {"neither sub nor sid",
       [](auto& c) {
         c.erase("sub");
         c.erase("sid");
       },
       "neither sub nor sid"},
      {"empty sid", [](auto& c) { c["sid"] = ""; }, "not a string"},
      {"no jti", [](auto& c) { c.erase("jti"); }, "no jti"},
  };
  for (const auto& c : cases) {
    nlohmann::json claims = validClaims();
    c.edit(claims);
    std::string message = refusal(claims);
    EXPECT_NE(message.find(c.needle), std::string::npos) << c.what << ": \"" << message << "\"";
  }
}

// The signature: a token signed by the provider's key verifies; unsigned
// (alg none), HMAC-signed, or signed by another key with the same kid is
// refused before its claims are looked at.
TEST(LogoutToken, SignatureChecksAreTheIdTokens) {
  static testing::TestRsaKey provider("k1");
  static testing::TestRsaKey stranger("k1");
  auto crypto = makeOpenSslCrypto();
  auto jwks = parseJwks(testing::jwksOf({&provider}));
  ASSERT_TRUE(jwks.isOk());
  auto verify = [&](const std::string& token) {
    auto jwt = parseJwt(token);
    return jwt.isOk() ? verifyJwtSignature(*jwt, *jwks, *crypto) : jwt.status();
  };
  EXPECT_TRUE(verify(provider.signRs256(validClaims())).isOk());
  EXPECT_FALSE(verify(stranger.signRs256(validClaims())).isOk()) << "wrong key";
  std::string payload = base64UrlEncode(validClaims().dump());
  EXPECT_FALSE(verify(base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." + payload + ".").isOk())
      << "unsigned";
  std::string hs256 = provider.sign({{"alg", "HS256"}, {"kid", "k1"}}, validClaims());
  EXPECT_FALSE(verify(hs256).isOk()) << "HMAC";
}

}  // namespace
}  // namespace barrier
