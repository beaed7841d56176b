#include <gtest/gtest.h>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// Container credentials: the full URI is called with the token from the
// token file (which wins over the plain variable); expiry is parsed.
TEST(AwsCredentials, ContainerCredentialsWithTokenFile) {
  FakeHttpServer server([](const FakeHttpRequest& r) {
    if (r.headers.get("Authorization") != "Bearer from-file") return FakeHttpResponse{401, {}, ""};
    return FakeHttpResponse{200, {}, credentialsJson("AKIDCONTAINER", "2030-01-01T00:00:00Z")};
  });
  AwsFiles files;
  files.write("token", "Bearer from-file\n");
  auto env = mapEnvironment({{"HOME", "/nonexistent"},
                             {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer plain"},
                             {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", files.path("token")}});
  CredentialChainOptions o;
  o.env = env;
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->access_key_id, "AKIDCONTAINER");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->expires_at, 1893456000);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/creds");
}

// Plain-http container URIs are refused unless they are loopback or the
// link-local agent: credentials must not cross a network in clear text.
TEST(AwsCredentials, ContainerUriMustBeLocalOrHttps) {
  auto http = makeCurlHttpClient();
  auto env = mapEnvironment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}});
  EXPECT_EQ(credentialsFromContainer(env, *http, 500).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace barrier
