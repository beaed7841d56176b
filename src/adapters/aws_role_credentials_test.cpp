#include <gtest/gtest.h>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// An STS answer for `action` carrying `key`, expiring at `expires`.
std::string stsAnswer(const std::string& action, const std::string& key, int64_t expires) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + key + "</AccessKeyId><SecretAccessKey>secret-" +
         key + "</SecretAccessKey><SessionToken>token-" + key + "</SessionToken><Expiration>" +
         iso8601(expires) + "</Expiration></Credentials></" + action + "Result></" + action +
         "Response>";
}

// A form field of an STS request body ("" when absent).
std::string formValue(const std::string& body, const std::string& name) {
  size_t at = ("&" + body).find("&" + name + "=");
  if (at == std::string::npos) return "";
  size_t start = at + name.size() + 1;
  return body.substr(start, body.find('&', start) - start);
}

// A stand-in STS: answers AssumeRole and AssumeRoleWithWebIdentity with
// credentials named after the call's number, and keeps the requests.
class FakeSts {
 public:
  FakeSts()
      : server_([this](const FakeHttpRequest& r) {
          std::string action = formValue(r.body, "Action");
          if (fail_) {
            return FakeHttpResponse{403,
                                    {{"Content-Type", "text/xml"}},
                                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                                    "</Code><Message>Not authorized</Message></Error>"
                                    "</ErrorResponse>"};
          }
          return FakeHttpResponse{200,
                                  {{"Content-Type", "text/xml"}},
                                  stsAnswer(action, "ASIA" + std::to_string(++calls_), 2000000000)};
        }) {}
  std::string url() { return server_.url(); }
  std::vector<FakeHttpRequest> requests() { return server_.requests(); }
  void fail() { fail_ = true; }

 private:
  std::atomic<int> calls_{0};
  std::atomic<bool> fail_{false};
  FakeHttpServer server_;
};

// EKS-style web identity: the token file's JWT goes to STS unsigned, the
// role's credentials come back with their expiry; the file is read again
// when they are refreshed (the kubelet rotates it).
TEST(AwsCredentials, WebIdentityFromEnvironment) {
  FakeSts sts;
  AwsFiles files;
  files.write("token", "eyJ.first.jwt\n");
  CredentialChainOptions o = stsOptions({{"HOME", "/nonexistent"},
                                         {"AWS_WEB_IDENTITY_TOKEN_FILE", files.path("token")},
                                         {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
                                         {"AWS_ROLE_SESSION_NAME", "pod-1"},
                                         {"AWS_REGION", "eu-west-1"},
                                         {"AWS_ENDPOINT_URL_STS", sts.url()}});
  auto clock = std::static_pointer_cast<FixedClock>(o.clock);
  auto chain = makeDefaultCredentialChain(o);
  auto c = chain->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->session_token, "token-ASIA1");
  EXPECT_EQ(c->expires_at, 2000000000);
  EXPECT_NE(c->source.find("web identity"), std::string::npos) << c->source;
  ASSERT_EQ(sts.requests().size(), 1u);
  FakeHttpRequest first = sts.requests()[0];
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(formValue(first.body, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(formValue(first.body, "RoleArn"), "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb");
  EXPECT_EQ(formValue(first.body, "RoleSessionName"), "pod-1");
  EXPECT_EQ(formValue(first.body, "WebIdentityToken"), "eyJ.first.jwt");
  EXPECT_FALSE(first.headers.has("Authorization"));  // anonymous

  files.write("token", "eyJ.second.jwt\n");
  clock->set(2000000000 - 60);  // inside the refresh window
  EXPECT_EQ(chain->credentials()->access_key_id, "ASIA2");
  ASSERT_EQ(sts.requests().size(), 2u);
  EXPECT_EQ(formValue(sts.requests()[1].body, "WebIdentityToken"), "eyJ.second.jwt");
}

constexpr char kRoleConfig[] = R"(
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
external_id = ext-42
duration_seconds = 1800
role_session_name = deployer
region = eu-central-1

[profile chained]
role_arn = arn:aws:iam::210987654321:role/next
source_profile = admin

[profile itself]
role_arn = arn:aws:iam::123456789012:role/self
source_profile = itself
aws_access_key_id = AKIDSELF
aws_secret_access_key = secretself

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/env
credential_source = Environment

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/mfa
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile both]
role_arn = arn:aws:iam::123456789012:role/both
source_profile = base
credential_source = Environment

[profile nowhere]
role_arn = arn:aws:iam::123456789012:role/nowhere

[profile odd-source]
role_arn = arn:aws:iam::123456789012:role/odd
credential_source = Ec2Metadata

[profile long]
role_arn = arn:aws:iam::123456789012:role/long
source_profile = base
duration_seconds = 86400
)";

// A role profile: AssumeRole signed with source_profile's keys, with the
// profile's external id, duration and session name, at the profile's
// region; a role of a role signs with the first role's credentials.
TEST(AwsCredentials, RoleProfiles) {
  FakeSts sts;
  AwsFiles files;
  files.write(".aws/config", kRoleConfig);
  files.write(".aws/credentials",
              "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_STS", sts.url()}});
  o.profile = "admin";
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->expires_at, 2000000000);
  EXPECT_NE(c->source.find("profile admin"), std::string::npos) << c->source;
  ASSERT_EQ(sts.requests().size(), 1u);
  FakeHttpRequest call = sts.requests()[0];
  EXPECT_EQ(formValue(call.body, "Action"), "AssumeRole");
  EXPECT_EQ(formValue(call.body, "ExternalId"), "ext-42");
  EXPECT_EQ(formValue(call.body, "DurationSeconds"), "1800");
  EXPECT_EQ(formValue(call.body, "RoleSessionName"), "deployer");
  std::string auth = call.headers.get("Authorization");
  EXPECT_NE(auth.find("Credential=AKIDBASE/20231114/eu-central-1/sts/aws4_request"),
            std::string::npos)
      << auth;

  c = credentialsFromProfile("chained", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "ASIA3");
  ASSERT_EQ(sts.requests().size(), 3u);
  EXPECT_NE(sts.requests()[2].headers.get("Authorization").find("Credential=ASIA2/"),
            std::string::npos);
  EXPECT_EQ(sts.requests()[2].headers.get("X-Amz-Security-Token"), "token-ASIA2");
  // No session name given: one is made up.
  EXPECT_EQ(formValue(sts.requests()[2].body, "RoleSessionName"), "barrier-1700000000");

  // A profile may be its own role's source: its keys sign.
  c = credentialsFromProfile("itself", o);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_NE(sts.requests().back().headers.get("Authorization").find("Credential=AKIDSELF/"),
            std::string::npos);

  // credential_source = Environment signs with the environment's keys.
  CredentialChainOptions with_env = stsOptions({{"HOME", files.home()},
                                                {"AWS_ENDPOINT_URL_STS", sts.url()},
                                                {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                                {"AWS_SECRET_ACCESS_KEY", "secretenv"}});
  c = credentialsFromProfile("from-env", with_env);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_NE(sts.requests().back().headers.get("Authorization").find("Credential=AKIDENV/"),
            std::string::npos);
}

// Role profiles that cannot work are refused with the profile and the
// reason, before any call; STS's own refusal keeps its words.
TEST(AwsCredentials, RoleProfileErrors) {
  FakeSts sts;
  AwsFiles files;
  files.write(".aws/config", kRoleConfig);
  files.write(".aws/credentials",
              "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  CredentialChainOptions o =
      stsOptions({{"HOME", files.home()}, {"AWS_ENDPOINT_URL_STS", sts.url()}});
  auto refused = [&](const std::string& profile, const std::string& words) {
    auto c = credentialsFromProfile(profile, o);
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument)
        << profile << ": " << c.status().toString();
    EXPECT_NE(c.status().message().find("profile " + profile), std::string::npos)
        << c.status().message();
    EXPECT_NE(c.status().message().find(words), std::string::npos) << c.status().message();
  };
  refused("loop-a", "loops back");
  refused("mfa", "mfa_serial");
  refused("both", "not both");
  refused("nowhere", "needs source_profile");
  refused("odd-source", "Ec2Metadata");
  refused("long", "duration_seconds");
  EXPECT_TRUE(sts.requests().empty());
  // No environment keys for credential_source = Environment.
  EXPECT_EQ(credentialsFromProfile("from-env", o).status().code(), Code::kUnavailable);

  sts.fail();
  auto denied = credentialsFromProfile("admin", o);
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied) << denied.status().toString();
  EXPECT_NE(denied.status().message().find("AccessDenied"), std::string::npos)
      << denied.status().message();
  EXPECT_EQ(denied.status().message().find("AKIDBASE"), std::string::npos);

  // A web identity token file that cannot be read names the file.
  CredentialChainOptions web = stsOptions({{"HOME", "/nonexistent"},
                                           {"AWS_WEB_IDENTITY_TOKEN_FILE", files.path("absent")},
                                           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}});
  auto missing = credentialsFromWebIdentity(web);
  EXPECT_EQ(missing.status().code(), Code::kUnavailable);
  EXPECT_NE(missing.status().message().find(files.path("absent")), std::string::npos);
}

}  // namespace
}  // namespace barrier
