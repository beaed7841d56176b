#include "deploy/permissions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace barrier {
namespace {

// The AWS actions the deploy code calls, read from its source: JSON
// protocol targets (SSM, DynamoDB), CloudFormation's query actions, and the
// "<service> <Operation>" context every S3 and CloudFront call names.
// HeadObject is authorized as s3:GetObject (there is no s3:HeadObject).
std::set<std::string> actionsTheCodeCalls() {
  const std::pair<std::regex, std::string> patterns[] = {
      {std::regex(R"re("AmazonSSM\.(\w+)")re"), "ssm:"},
      {std::regex(R"re("DynamoDB_20120810\.(\w+)")re"), "dynamodb:"},
      {std::regex(R"re("AWSCognitoIdentityProviderService\.(\w+)")re"), "cognito-idp:"},
      {std::regex(R"re(call\("(\w+)")re"), "cloudformation:"},
      {std::regex(R"re("s3 ([A-Z]\w+))re"), "s3:"},
      {std::regex(R"re("cloudfront ([A-Z]\w+))re"), "cloudfront:"}};
  std::set<std::string> actions;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(BARRIER_SOURCE_DIR) + "/src/deploy")) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".cpp" || name.find("_test") != std::string::npos) continue;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [pattern, prefix] : patterns) {
      for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
        std::string operation = (*it)[1];
        actions.insert(prefix + (operation == "HeadObject" ? "GetObject" : operation));
      }
    }
  }
  return actions;
}

// Every action the deploy code calls is in the table --print-policy prints
// (the scan itself finds the calls of each service).
TEST(DeployPermissions, CoverEveryCallTheCodeMakes) {
  std::set<std::string> granted;
  for (const auto& p : deployPermissions()) granted.emplace(p.action);
  std::set<std::string> called = actionsTheCodeCalls();
  for (const char* known :
       {"cloudformation:CreateStack", "cloudformation:DescribeStackEvents", "s3:PutObject",
        "s3:GetObject", "ssm:GetParameter", "ssm:DeleteParameter", "dynamodb:DeleteTable",
        "cognito-idp:DescribeUserPoolDomain", "cloudfront:GetDistribution",
        "cloudfront:UpdateDistribution"}) {
    EXPECT_TRUE(called.count(known)) << "the source scan missed " << known;
  }
  for (const auto& action : called) EXPECT_TRUE(granted.count(action)) << action;
}

// The policy document: valid JSON, the tagging actions stack tags need and
// CloudFront's GetDistribution, S3 and SSM scoped to the assembly's buckets
// and parameters.
TEST(DeployPermissions, PolicyDocumentIsScoped) {
  Assembly a;
  a.stacks_prefix = "Demo";
  a.region = "eu-west-1";
  a.s3_buckets = {{"eu-west-1", "b-eu"}, {"us-east-1", "b-us"}};
  auto policy = nlohmann::json::parse(deployPolicyJson(a), nullptr, false);
  ASSERT_TRUE(policy.is_object());
  EXPECT_EQ(policy["Version"], "2012-10-17");
  std::map<std::string, nlohmann::json> resources;  // action -> its statement's resources
  for (const auto& statement : policy["Statement"]) {
    EXPECT_EQ(statement["Effect"], "Allow");
    for (const auto& action : statement["Action"]) resources[action] = statement["Resource"];
  }
  for (const char* needed :
       {"cloudfront:GetDistribution", "lambda:TagResource", "dynamodb:TagResource", "iam:TagRole",
        "logs:TagResource", "apigateway:PUT", "iam:PassRole", "cognito-idp:CreateUserPoolClient"}) {
    EXPECT_TRUE(resources.count(needed)) << needed;
  }
  EXPECT_EQ(resources["s3:PutObject"],
            nlohmann::json({"arn:aws:s3:::b-eu/*", "arn:aws:s3:::b-us/*"}));
  EXPECT_EQ(resources["s3:ListBucket"], nlohmann::json({"arn:aws:s3:::b-eu", "arn:aws:s3:::b-us"}));
  EXPECT_EQ(resources["ssm:PutParameter"],
            nlohmann::json({"arn:aws:ssm:eu-west-1:*:parameter/barrier/Demo/*"}));
}

}  // namespace
}  // namespace barrier
