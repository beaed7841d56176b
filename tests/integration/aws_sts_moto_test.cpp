// The credential chain's roles against a real STS stand-in (moto_server):
// a web identity token and an assume-role profile chain are exchanged for
// role credentials, and a call signed with those credentials is answered as
// that role (moto's GetCallerIdentity names the assumed role the access key
// was issued for).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "adapters/aws_client.h"
#include "adapters/aws_credentials.h"
#include "adapters/curl_http_client.h"
#include "adapters/xml.h"
#include "tests/integration/support/dynamodb_emulator.h"

namespace barrier {
namespace {

namespace fs = std::filesystem;
using testing::DynamoDbEmulator;
using testing::EmulatorKind;

class StsMotoTest : public ::testing::Test {
 protected:
  static DynamoDbEmulator& moto() {
    static DynamoDbEmulator server(EmulatorKind::kMoto);
    return server;
  }

  void SetUp() override {
    if (std::string why = moto().unavailableReason(); !why.empty())
      GTEST_SKIP() << "skipped: " << why;
    ASSERT_TRUE(moto().start()) << "moto_server did not start";
    dir_ = fs::temp_directory_path() / ("barrier-sts-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / ".aws");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  CredentialChainOptions options(std::map<std::string, std::string> env) {
    env["HOME"] = dir_.string();
    env["AWS_ENDPOINT_URL"] = moto().endpoint();
    env["AWS_EC2_METADATA_DISABLED"] = "true";
    CredentialChainOptions o;
    o.env = mapEnvironment(env);
    o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
    return o;
  }

  // Who STS says the chain's credentials belong to (GetCallerIdentity,
  // signed with them).
  std::string callerArn(const CredentialChainOptions& o) {
    AwsClientOptions client_options;
    client_options.region = "us-east-1";
    client_options.env = o.env;
    AwsClientDeps deps;
    deps.http = o.http;
    deps.credentials = std::shared_ptr<CredentialsProvider>(makeDefaultCredentialChain(o));
    AwsClient client(client_options, deps);
    AwsRequest call;
    call.service = "sts";
    call.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    call.body = "Action=GetCallerIdentity&Version=2011-06-15";
    Result<AwsResponse> answer = client.sendOk(call, "sts GetCallerIdentity");
    if (!answer) return "error: " + answer.status().toString();
    Result<XmlElement> doc = parseXml(answer->body);
    const XmlElement* arn = doc ? doc->find({"GetCallerIdentityResult", "Arn"}) : nullptr;
    return arn ? arn->text : "no Arn in " + answer->body;
  }

  fs::path dir_;
};

// EKS-style: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN give the role.
TEST_F(StsMotoTest, WebIdentityBecomesTheRole) {
  write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln\n");
  CredentialChainOptions o =
      options({{"AWS_WEB_IDENTITY_TOKEN_FILE", (dir_ / "token").string()},
               {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/barrier-web"},
               {"AWS_ROLE_SESSION_NAME", "pod-7"},
               {"AWS_REGION", "eu-west-1"}});
  auto c = makeDefaultCredentialChain(o)->credentials();
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_FALSE(c->session_token.empty());
  EXPECT_GT(c->expires_at, 0);
  EXPECT_EQ(callerArn(o), "arn:aws:sts::123456789012:assumed-role/barrier-web/pod-7");
}

// A role profile whose source is another role profile whose source has
// keys: two AssumeRole calls, the second signed with the first role.
TEST_F(StsMotoTest, ProfileRoleChain) {
  write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  write(".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
        "source_profile = base\nrole_session_name = first\n"
        "[profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deploy\n"
        "source_profile = admin\nrole_session_name = second\nexternal_id = ext-42\n"
        "region = eu-central-1\n");
  CredentialChainOptions o = options({{"AWS_PROFILE", "deploy"}});
  EXPECT_EQ(callerArn(o), "arn:aws:sts::210987654321:assumed-role/deploy/second");
  o = options({{"AWS_PROFILE", "admin"}});
  EXPECT_EQ(callerArn(o), "arn:aws:sts::123456789012:assumed-role/admin/first");
}

}  // namespace
}  // namespace barrier
