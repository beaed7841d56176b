#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

constexpr char kSsoConfig[] = R"(
[profile legacy]
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 123456789012
sso_role_name = Deployer

[profile modern]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = ReadOnly

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-2
sso_registration_scopes = sso:account:access

[profile half]
sso_session = corp
sso_account_id = 210987654321

[profile orphan]
sso_session = gone
sso_account_id = 1
sso_role_name = R
)";

// The stand-in SSO portal's GetRoleCredentials: role credentials for the
// token "aoa-good", 401 for any other.
FakeHttpResponse ssoPortalAnswer(const FakeHttpRequest& r) {
  if (r.headers.get("x-amz-sso_bearer_token") != "aoa-good") {
    return FakeHttpResponse{401, {}, R"({"message":"Session token not found or invalid"})"};
  }
  return FakeHttpResponse{
      200,
      {},
      R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":2000000000000}})"};
}

// SSO profiles, legacy and [sso-session]: the token `aws sso login` cached
// goes to the portal, which answers with the role's credentials. An
// expired or refused login says to log in again; incomplete settings are
// named.
TEST(AwsCredentials, SsoProfiles) {
  FakeHttpServer portal(ssoPortalAnswer);
  AwsFiles files;
  files.write(".aws/config", kSsoConfig);
  fs::create_directories(files.home() + "/.aws/sso/cache");
  auto cache = [&](const std::string& key_sha1, const std::string& token,
                   const std::string& expires) {
    files.write(".aws/sso/cache/" + key_sha1 + ".json",
                R"({"accessToken":")" + token + R"(","expiresAt":")" + expires + R"("})");
  };
  cache("c7aaaf71fcc8777ae2475525ed049d39fe16c484", "aoa-good",
        "2026-12-02T07:00:00Z");  // start URL
  cache("ee0bfd2552fbd840c02cc48b6e823320543c450f", "aoa-stale", "2026-12-02T07:00:00Z");  // "corp"
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_SSO", portal.url()}});
  o.profile = "legacy";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(c->expires_at, 2000000000);
  ASSERT_EQ(portal.requests().size(), 1u);
  EXPECT_EQ(portal.requests()[0].method, "GET");
  EXPECT_EQ(portal.requests()[0].target,
            "/federation/credentials?account_id=123456789012&role_name=Deployer");

  auto refused = credentialsFromProfile("modern", o);
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated) << refused.status().toString();
  EXPECT_NE(refused.status().message().find("aws sso login --profile modern"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("aoa-stale"), std::string::npos);
  EXPECT_NE(portal.requests().back().target.find("account_id=210987654321&role_name=ReadOnly"),
            std::string::npos);

  std::static_pointer_cast<FixedClock>(o.clock)->set(1796194800);  // the token's expiry
  auto expired = credentialsFromProfile("legacy", o);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);

  auto half = credentialsFromProfile("half", o);
  EXPECT_EQ(half.status().code(), Code::kInvalidArgument);
  EXPECT_NE(half.status().message().find("sso_role_name"), std::string::npos);
  auto orphan = credentialsFromProfile("orphan", o);
  EXPECT_NE(orphan.status().message().find("[sso-session gone]"), std::string::npos);
}

// An [sso-session] login near its expiry is refreshed with its refresh
// token, as the AWS CLI does, and the new token is written back to the
// cache file (other fields kept, owner-only); a refused refresh of an
// expired login says to log in again, and a legacy login is never refreshed.
TEST(AwsCredentials, SsoRefresh) {
  std::atomic<int> refreshes{0};
  std::atomic<bool> refuse{false};
  FakeHttpServer sso([&](const FakeHttpRequest& r) {
    if (r.target == "/token") {
      ++refreshes;
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (refuse || r.method != "POST" || body.value("grantType", "") != "refresh_token" ||
          body.value("refreshToken", "") != "refresh-1" || body.value("clientId", "") != "cid" ||
          body.value("clientSecret", "") != "csecret") {
        return FakeHttpResponse{400, {}, R"({"error":"invalid_grant"})"};
      }
      return FakeHttpResponse{
          200, {}, R"({"accessToken":"aoa-good","expiresIn":28800,"refreshToken":"refresh-2"})"};
    }
    return ssoPortalAnswer(r);
  });
  AwsFiles files;
  files.write(".aws/config", kSsoConfig);
  fs::create_directories(files.home() + "/.aws/sso/cache");
  const std::string corp = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
  // The clock stands at 2023-11-14T22:13:20Z (1700000000).
  auto login = [&](const std::string& file, const std::string& expires) {
    files.write(file,
                R"({"startUrl":"https://corp.awsapps.com/start","region":"us-east-2",)"
                R"("accessToken":"aoa-old","expiresAt":")" +
                    expires +
                    R"(","refreshToken":"refresh-1","clientId":"cid",)"
                    R"("clientSecret":"csecret","registrationExpiresAt":"2024-02-01T00:00:00Z"})");
  };
  CredentialChainOptions o = stsOptions({{"HOME", files.home()},
                                         {"AWS_ENDPOINT_URL_SSO", sso.url()},
                                         {"AWS_ENDPOINT_URL_SSO_OIDC", sso.url()}});
  login(corp, "2023-11-14T22:23:20Z");  // ten minutes left: refreshed
  auto c = credentialsFromProfile("modern", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(refreshes.load(), 1);
  std::ifstream in(files.path(corp));
  auto saved = nlohmann::json::parse(in, nullptr, false);
  EXPECT_EQ(saved.value("accessToken", ""), "aoa-good");
  EXPECT_EQ(saved.value("refreshToken", ""), "refresh-2");
  EXPECT_EQ(saved.value("expiresAt", ""), "2023-11-15T06:13:20Z");  // + 8 hours
  EXPECT_EQ(saved.value("startUrl", ""), "https://corp.awsapps.com/start");
  EXPECT_EQ(saved.value("clientSecret", ""), "csecret");
  EXPECT_EQ(fs::status(files.path(corp)).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // The saved token is fresh: no second refresh.
  ASSERT_TRUE(credentialsFromProfile("modern", o).isOk());
  EXPECT_EQ(refreshes.load(), 1);

  // Expired, and the service refuses the refresh: log in again.
  login(corp, "2023-11-14T22:00:00Z");
  refuse = true;
  auto expired = credentialsFromProfile("modern", o);
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated) << expired.status().toString();
  EXPECT_NE(expired.status().message().find("could not be refreshed"), std::string::npos)
      << expired.status().message();
  EXPECT_NE(expired.status().message().find("aws sso login --profile modern"), std::string::npos);
  EXPECT_EQ(expired.status().message().find("refresh-1"), std::string::npos);
  EXPECT_EQ(expired.status().message().find("csecret"), std::string::npos);
  // A refused refresh before the expiry keeps the current token in use.
  files.write(corp, R"({"accessToken":"aoa-good","expiresAt":"2023-11-14T22:23:20Z",)"
                    R"("refreshToken":"refresh-1","clientId":"cid","clientSecret":"csecret",)"
                    R"("registrationExpiresAt":"2024-02-01T00:00:00Z"})");
  EXPECT_TRUE(credentialsFromProfile("modern", o).isOk());
  EXPECT_EQ(refreshes.load(), 3);
  // An expired client registration: no refresh is tried.
  refuse = false;
  files.write(corp, R"({"accessToken":"aoa-old","expiresAt":"2023-11-14T22:00:00Z",)"
                    R"("refreshToken":"refresh-1","clientId":"cid","clientSecret":"csecret",)"
                    R"("registrationExpiresAt":"2023-11-01T00:00:00Z"})");
  EXPECT_EQ(credentialsFromProfile("modern", o).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(refreshes.load(), 3);
  // A legacy profile's token is never refreshed.
  login(".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json", "2023-11-14T22:00:00Z");
  EXPECT_EQ(credentialsFromProfile("legacy", o).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(refreshes.load(), 3);
}

// credential_process in a profile: the command's credentials, quoting as a
// shell would read it.
TEST(AwsCredentials, CredentialProcessProfile) {
  AwsFiles files;
  files.write(
      "get creds",
      "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n");
  fs::permissions(files.path("get creds"), fs::perms::owner_all);
  files.write(".aws/config", "[profile tool]\ncredential_process = \"" + files.path("get creds") +
                                 "\" --account 1\n");
  CredentialChainOptions o = stsOptions({{"HOME", files.home()}});
  o.profile = "tool";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->source, "credential_process of profile tool");
}

}  // namespace
}  // namespace barrier
