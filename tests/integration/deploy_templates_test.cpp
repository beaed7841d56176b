// The CloudFormation templates under deploy/ are plain CloudFormation (no
// transform) and pass cfn-lint with no errors — the proof of the parts moto
// cannot run (Cognito user-pool client, the version ARN output, ...).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string readTemplate(const std::string& name) {
  std::ifstream in(std::string(BARRIER_SOURCE_DIR) + "/deploy/" + name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// cfn-lint reports no errors (exit codes 2 and 6 carry errors; 4 and 8 are
// warnings and informational notes), and no I3011: every stateful resource
// says what becomes of it when the stack goes (bit 8: the one note asked for).
TEST(DeployTemplatesTest, PassCfnLint) {
  if (std::system("command -v cfn-lint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs cfn-lint (not on PATH; pip install cfn-lint)";
  std::string command = std::string("cfn-lint --include-checks I3011 -- ") + BARRIER_SOURCE_DIR +
                        "/deploy/session-manager.yaml " + BARRIER_SOURCE_DIR +
                        "/deploy/session-checker.yaml 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = ::pclose(pipe);
  int code = WEXITSTATUS(status);
  EXPECT_EQ(code & 2, 0) << out;
  EXPECT_EQ(code & 8, 0) << out;
}

// No transform: the templates deploy as they are, without SAM or macros.
TEST(DeployTemplatesTest, UseNoTransform) {
  for (const char* name : {"session-manager.yaml", "session-checker.yaml"}) {
    std::string text = readTemplate(name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(text.find("Transform"), std::string::npos) << name;
  }
}

// The security-relevant settings are present: a retained, recoverable table with
// TTL and the sub-index (docs/ARCHITECTURE.md, "DynamoDB table"), the code flow
// only, the manager's callback paths, secret parameters hidden.
TEST(DeployTemplatesTest, KeepTheDesignedSettings) {
  std::string manager = readTemplate("session-manager.yaml");
  for (const char* needle :
       {"DeletionPolicy: Retain", "AttributeName: valid_until", "IndexName: sub-index",
        "IndexName: sid-index", "PointInTimeRecoveryEnabled: true", "Runtime: provided.al2023",
        "PathPart: \"{proxy+}\"", "PathPart: _identity", "StageName: live", "Value: /live",
        "Type: AWS::ApiGateway::Stage", "AllowedOAuthFlows: [code]",
        "AllowedOAuthScopes: [openid, email, profile]", "/_identity/auth", "/_identity/signed-out",
        "NoEcho: true", "ProjectionType: KEYS_ONLY"}) {
    EXPECT_NE(manager.find(needle), std::string::npos) << needle;
  }
  // Cognito's default branding style for the app client, only when the
  // pool's domain serves managed login.
  for (const char* needle :
       {"Type: AWS::Cognito::ManagedLoginBranding\n    Condition: UsesManagedLogin\n",
        "ClientId: !Ref UserPoolClient\n      UseCognitoProvidedValues: true\n",
        "UsesManagedLogin: !Equals [!Ref ManagedLogin, \"true\"]"}) {
    EXPECT_NE(manager.find(needle), std::string::npos) << needle;
  }
  // The throttle lives in a Stage resource's MethodSettings, where an update
  // changes it: a deployment's StageDescription cannot be changed once its
  // stage exists.
  EXPECT_EQ(manager.find("StageDescription"), std::string::npos);
  EXPECT_NE(manager.find("MethodSettings:"), std::string::npos);
  EXPECT_NE(manager.find("ThrottlingRateLimit: !Ref ThrottlingRateLimit"), std::string::npos);
  // The index holds keys only, as `sessions create-table` makes it: no copy
  // of the records (and the secrets of login records) in it.
  EXPECT_EQ(manager.find("ProjectionType: ALL"), std::string::npos);
  // Least privilege: the manager's table actions and nothing broader.
  EXPECT_EQ(manager.find("dynamodb:*"), std::string::npos);
  EXPECT_EQ(manager.find("dynamodb:Scan"), std::string::npos);
  // A back-channel logout queries the sub and sid indexes and deletes in
  // batches (dynamodb_store.cpp).
  for (const char* needle :
       {"Action: dynamodb:Query", "Resource: !Sub \"${SessionTable.Arn}/index/*\"",
        "Action: dynamodb:BatchWriteItem"}) {
    EXPECT_NE(manager.find(needle), std::string::npos) << needle;
  }
  std::string checker = readTemplate("session-checker.yaml");
  for (const char* needle : {"edgelambda.amazonaws.com", "lambda.amazonaws.com",
                             "- dynamodb:GetItem", "- dynamodb:UpdateItem", "Runtime: nodejs22.x",
                             "Type: AWS::Lambda::Version", "Value: !Ref CheckerVersion"}) {
    EXPECT_NE(checker.find(needle), std::string::npos) << needle;
  }
  // Lambda@Edge accepts no environment variables.
  EXPECT_EQ(checker.find("Environment:"), std::string::npos);
}

// The checker may write only its own log groups (/aws/lambda/us-east-1.<its
// name>, in any region, as Lambda@Edge logs where it ran), not those of every
// Lambda@Edge function in the account.
TEST(DeployTemplatesTest, CheckerLogsOnlyToItsOwnGroups) {
  std::string checker = readTemplate("session-checker.yaml");
  const std::string group = "log-group:/aws/lambda/us-east-1.${CheckerFunction}";
  EXPECT_NE(checker.find("logs:*:${AWS::AccountId}:" + group + "\"\n"), std::string::npos)
      << checker;
  EXPECT_NE(checker.find("logs:*:${AWS::AccountId}:" + group + ":*\"\n"), std::string::npos)
      << checker;
  EXPECT_EQ(checker.find("us-east-1.*"), std::string::npos) << checker;
  // Every log-group ARN names the function.
  for (size_t at = checker.find("log-group:"); at != std::string::npos;
       at = checker.find("log-group:", at + 1)) {
    EXPECT_EQ(checker.compare(at, group.size(), group), 0) << checker.substr(at, 80);
  }
}

}  // namespace
