#include <gtest/gtest.h>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// IMDSv2: a token PUT, then the role name, then the role's credentials,
// each carrying the token.
TEST(AwsCredentials, InstanceMetadataV2) {
  FakeHttpServer server([](const FakeHttpRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.headers.get("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        return FakeHttpResponse{400, {}, ""};
      }
      return FakeHttpResponse{200, {}, "imds-token"};
    }
    if (r.headers.get("X-aws-ec2-metadata-token") != "imds-token") {
      return FakeHttpResponse{401, {}, ""};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeHttpResponse{200, {}, "my-role\n"};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      return FakeHttpResponse{
          200,
          {},
          R"({"Code":"Success",)" + credentialsJson("AKIDIMDS", "2030-01-01T00:00:00Z").substr(1)};
    }
    return FakeHttpResponse{404, {}, ""};
  });
  auto http = makeCurlHttpClient();
  auto env = mapEnvironment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}});
  auto c = credentialsFromInstanceMetadata(env, *http, 1000);
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDIMDS");
  EXPECT_EQ(server.requests().size(), 3u);
}

// Off EC2 the metadata source gives up fast and the chain reports that no
// source had credentials (kNotFound), without naming any secret.
TEST(AwsCredentials, NothingFoundFailsFast) {
  FakeHttpServer closed([](const FakeHttpRequest&) { return FakeHttpResponse{404, {}, ""}; });
  CredentialChainOptions o;
  o.env = mapEnvironment(
      {{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", closed.url()}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  auto start = std::chrono::steady_clock::now();
  auto c = makeDefaultCredentialChain(o)->credentials();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("no AWS credentials found"), std::string::npos);
  auto disabled = mapEnvironment({{"AWS_EC2_METADATA_DISABLED", "true"}});
  EXPECT_EQ(credentialsFromInstanceMetadata(disabled, *o.http, 1000).status().code(),
            Code::kNotFound);
}

// The INI reader handles comments, spacing and nested blocks.
TEST(AwsCredentials, ParsesIni) {
  IniSections s = parseIni(kConfigFile);
  EXPECT_EQ(s["default"]["region"], "eu-west-1");
  EXPECT_EQ(s["profile ops"]["aws_access_key_id"], "AKIDOPS");
  EXPECT_EQ(s["profile ops"].count("max_concurrent_requests"), 0u);
}

}  // namespace
}  // namespace barrier
