#include "adapters/aws_sso.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// The cache file is named by the SHA-1 of the session name, or of the
// start URL for a legacy profile (what `aws sso login` writes).
TEST(AwsSso, CachePath) {
  SsoSettings legacy;
  legacy.start_url = "https://my-sso-portal.awsapps.com/start";
  EXPECT_EQ(ssoCachePath("/home/a", legacy),
            "/home/a/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json");
  SsoSettings session = legacy;
  session.session_name = "my-sso";
  EXPECT_EQ(ssoCachePath("/home/a", session),
            "/home/a/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json");
}

TEST(AwsSso, ParsesTokenCache) {
  auto token = parseSsoToken(R"({"startUrl":"https://x","region":"eu-west-1",)"
                             R"("accessToken":"aoa-token","expiresAt":"2026-12-02T07:00:00Z"})",
                             "f");
  ASSERT_TRUE(token.isOk()) << token.status().toString();
  EXPECT_EQ(token->access_token, "aoa-token");
  EXPECT_EQ(token->expires_at, 1796194800);
  // The AWS CLI v1's spelling of UTC.
  EXPECT_EQ(
      parseSsoToken(R"({"accessToken":"t","expiresAt":"2026-12-02T07:00:00UTC"})", "f")->expires_at,
      1796194800);
  for (const char* bad : {"", "{}", R"({"accessToken":"t"})",
                          R"({"accessToken":"","expiresAt":"2026-12-02T07:00:00Z"})",
                          R"({"accessToken":"t","expiresAt":"later"})"}) {
    auto refused = parseSsoToken(bad, "/cache/f.json");
    EXPECT_EQ(refused.status().code(), Code::kUnavailable) << bad;
    EXPECT_NE(refused.status().message().find("/cache/f.json"), std::string::npos);
  }
}

// What a refresh needs comes from an [sso-session] login's cache file; a
// login without it, or with an expired client registration, is not
// refreshable.
TEST(AwsSso, RefreshFields) {
  auto token = parseSsoToken(
      R"({"accessToken":"t","expiresAt":"2026-12-02T07:00:00Z","refreshToken":"r",)"
      R"("clientId":"c","clientSecret":"s","registrationExpiresAt":"2027-01-01T00:00:00Z"})",
      "f");
  ASSERT_TRUE(token.isOk()) << token.status().toString();
  EXPECT_EQ(token->refresh_token, "r");
  EXPECT_EQ(token->client_id, "c");
  EXPECT_EQ(token->client_secret, "s");
  EXPECT_TRUE(token->refreshable(1796194800));
  EXPECT_FALSE(token->refreshable(1798761600));  // the registration's expiry
  EXPECT_FALSE(parseSsoToken(R"({"accessToken":"t","expiresAt":"2026-12-02T07:00:00Z"})", "f")
                   ->refreshable(0));

  ASSERT_TRUE(applySsoRefresh(R"({"accessToken":"t2","expiresIn":3600})", 100, *token).isOk());
  EXPECT_EQ(token->access_token, "t2");
  EXPECT_EQ(token->expires_at, 3700);
  EXPECT_EQ(token->refresh_token, "r");  // kept when the answer has none
  ASSERT_TRUE(
      applySsoRefresh(R"({"accessToken":"t3","expiresIn":60,"refreshToken":"r2"})", 0, *token)
          .isOk());
  EXPECT_EQ(token->refresh_token, "r2");
  for (const char* bad :
       {"", "[]", R"({"expiresIn":60})", R"({"accessToken":"x"})",
        R"({"accessToken":"x","expiresIn":"60"})", R"({"accessToken":"x","expiresIn":-1})",
        R"({"accessToken":"x","expiresIn":1e30})"}) {
    SsoToken kept = *token;
    EXPECT_EQ(applySsoRefresh(bad, 0, kept).code(), Code::kUnavailable) << bad;
    EXPECT_EQ(kept.access_token, "t3") << bad;
  }
}

TEST(AwsSso, ParsesRoleCredentials) {
  auto c = parseSsoRoleCredentials(
      R"({"roleCredentials":{"accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":1796194800000}})",
      "sso");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(c->expires_at, 1796194800);
  for (const char* bad :
       {"", "[]", R"({"roleCredentials":[]})",
        R"({"roleCredentials":{"accessKeyId":"A","secretAccessKey":"s"}})",
        R"({"roleCredentials":{"accessKeyId":"A","secretAccessKey":"s","expiration":"x"}})"}) {
    EXPECT_EQ(parseSsoRoleCredentials(bad, "sso").status().code(), Code::kUnavailable) << bad;
  }
}

}  // namespace
}  // namespace barrier
