#include "adapters/aws_sts.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

constexpr char kAnswer[] =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:web:barrier</SubjectFromWebIdentityToken>
    <Credentials>
      <SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
      <Expiration>2026-12-02T07:00:00Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

// Both actions' answers give the credentials, their expiry and the source.
TEST(AwsSts, ParsesCredentials) {
  auto c = parseStsCredentials(kAnswer, "role r");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c->secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(c->session_token, "FwoGZXIvYXdzEXAMPLE");
  EXPECT_EQ(c->expires_at, 1796194800);
  EXPECT_EQ(c->source, "role r");
  std::string assume_role = kAnswer;
  for (size_t at; (at = assume_role.find("WithWebIdentity")) != std::string::npos;) {
    assume_role.erase(at, 15);
  }
  auto plain = parseStsCredentials(assume_role, "x");
  ASSERT_TRUE(plain.isOk()) << plain.status().toString();
  EXPECT_EQ(plain->access_key_id, "ASIAIOSFODNN7EXAMPLE");
}

// Anything else is kUnavailable, and no message repeats a secret.
TEST(AwsSts, RefusesIncompleteAnswers) {
  auto refused = [](std::string text) {
    auto c = parseStsCredentials(text, "role r");
    EXPECT_EQ(c.status().code(), Code::kUnavailable) << text;
    EXPECT_EQ(c.status().message().find("wJalr"), std::string::npos) << c.status().message();
  };
  refused("");
  refused("not xml");
  refused("<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>");
  auto replaced = [](std::string from, std::string to) {
    std::string text = kAnswer;
    for (size_t at; (at = text.find(from)) != std::string::npos;) text.replace(at, from.size(), to);
    return text;
  };
  refused(replaced("<SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>", ""));
  refused(replaced("2026-12-02T07:00:00Z", "tomorrow"));
  refused(replaced("AssumeRoleWithWebIdentityResult>", "OtherResult>"));
}

}  // namespace
}  // namespace barrier
