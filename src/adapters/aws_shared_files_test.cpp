#include <gtest/gtest.h>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// Profiles come from ~/.aws/credentials ([name]) and ~/.aws/config
// ([profile name]); AWS_PROFILE picks one; the credentials file wins.
TEST(AwsCredentials, SharedFilesAndProfiles) {
  AwsFiles files;
  files.write(".aws/credentials", kCredentialsFile);
  files.write(".aws/config", kConfigFile);
  auto base = std::map<std::string, std::string>{{"HOME", files.home()}};
  auto c = chainFor(mapEnvironment(base))->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDDEFAULT");

  auto dev = base;
  dev["AWS_PROFILE"] = "dev";
  c = chainFor(mapEnvironment(dev))->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_EQ(c->session_token, "tokendev");

  c = chainFor(mapEnvironment(base), "ops")->credentials();
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->access_key_id, "AKIDOPS");
}

// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files.
TEST(AwsCredentials, FileLocationsFromEnvironment) {
  AwsFiles files;
  files.write("creds", "[default]\naws_access_key_id=A1\naws_secret_access_key=S1\n");
  files.write("conf", "[profile x]\nregion = ap-south-1\n");
  auto env = mapEnvironment({{"HOME", "/nonexistent"},
                             {"AWS_SHARED_CREDENTIALS_FILE", files.path("creds")},
                             {"AWS_CONFIG_FILE", files.path("conf")},
                             {"AWS_PROFILE", "x"}});
  CredentialChainOptions options;
  options.env = env;
  EXPECT_EQ(credentialsFromProfile("default", options)->access_key_id, "A1");
  EXPECT_EQ(resolveRegion("", env), "ap-south-1");
}

}  // namespace
}  // namespace barrier
