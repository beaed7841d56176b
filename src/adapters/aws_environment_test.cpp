#include <gtest/gtest.h>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// Environment keys win over every other source.
TEST(AwsCredentials, EnvironmentFirst) {
  AwsFiles files;
  files.write(".aws/credentials", kCredentialsFile);
  auto env = mapEnvironment({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                             {"AWS_SECRET_ACCESS_KEY", "secretenv"},
                             {"AWS_SESSION_TOKEN", "tokenenv"},
                             {"HOME", files.home()}});
  CredentialChainOptions o;
  o.env = env;
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "tokenenv");
  EXPECT_EQ(c->source, "environment");
  // Half a key pair in the environment does not count.
  auto half = credentialsFromEnvironment(mapEnvironment({{"AWS_ACCESS_KEY_ID", "x"}}));
  EXPECT_EQ(half.status().code(), Code::kNotFound);
}

// Region: configuration, then AWS_REGION, AWS_DEFAULT_REGION, the profile.
TEST(AwsCredentials, RegionOrder) {
  AwsFiles files;
  files.write(".aws/config", kConfigFile);
  std::map<std::string, std::string> vars{{"HOME", files.home()}};
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "eu-west-1");
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars), "ops"), "eu-central-1");
  vars["AWS_DEFAULT_REGION"] = "us-west-1";
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "us-west-1");
  vars["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(resolveRegion("", mapEnvironment(vars)), "us-west-2");
  EXPECT_EQ(resolveRegion("sa-east-1", mapEnvironment(vars)), "sa-east-1");
  EXPECT_EQ(resolveRegion("", mapEnvironment({{"HOME", "/nonexistent"}})), "");
}

// Endpoints: configuration, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL.
TEST(AwsCredentials, EndpointOverrides) {
  std::map<std::string, std::string> vars{{"AWS_ENDPOINT_URL", "http://all:1"}};
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment(vars)), "http://all:1");
  vars["AWS_ENDPOINT_URL_DYNAMODB"] = "http://ddb:2";
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment(vars)), "http://ddb:2");
  EXPECT_EQ(resolveEndpointOverride("s3", "", mapEnvironment(vars)), "http://all:1");
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "http://cfg:3", mapEnvironment(vars)),
            "http://cfg:3");
  EXPECT_EQ(resolveEndpointOverride("dynamodb", "", mapEnvironment({})), "");
}

}  // namespace
}  // namespace barrier
