#include "deploy/assembly.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace barrier {
namespace {

std::string exampleText() {
  std::ifstream in(std::string(BARRIER_SOURCE_DIR) + "/examples/assembly.yaml");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The minimal reference-format file (no barrier keys).
constexpr const char* kReference = R"(
StacksPrefix: Demo
CookieName: demo-session
Environment:
  AWSProfile: dev
  Region: eu-west-1
Packaging:
  S3Buckets:
    eu-west-1: bucket-eu
    us-east-1: bucket-us
  S3Prefix: /barrier/
Cloudfront:
  DomainName: www.example.com
CognitoUserPool:
  UserPoolId: eu-west-1_AbC123
  DomainName: login.example.com
  UserPoolClientProperties:
    ReadAttributes: [email]
    WriteAttributes: [email]
    SupportedIdentityProviders: [COGNITO]
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string errorOf(const std::string& text) {
  auto a = parseAssembly(text, "assembly.yaml");
  EXPECT_FALSE(a.isOk());
  return a.isOk() ? "" : a.status().message();
}

// The example shipped in examples/ parses, with every optional key read.
TEST(AssemblyTest, ExampleParses) {
  auto a = parseAssembly(exampleText(), "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->managerStackName(), "MySiteBarrierSessionManager");
  EXPECT_EQ(a->checkerStackName(), "MySiteBarrierSessionChecker");
  EXPECT_EQ(a->s3_prefix, "barrier/");
  EXPECT_EQ(a->session_lifetime, 8 * 3600);
  EXPECT_EQ(a->cache_ttl, 300);
  ASSERT_EQ(a->rules.size(), 1u);
  EXPECT_EQ(a->rules[0].groups, std::vector<std::string>{"admins"});
}

// A reference-format file is accepted unchanged, with barrier's defaults.
TEST(AssemblyTest, ReferenceFormatIsAccepted) {
  auto a = parseAssembly(kReference, "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->aws_profile, "dev");
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->bucketFor("us-east-1"), "bucket-us");
  EXPECT_EQ(a->s3_prefix, "barrier/");
  EXPECT_EQ(a->userPoolRegion(), "eu-west-1");
  EXPECT_EQ(a->session_lifetime, 8 * 3600);
  EXPECT_TRUE(a->distribution_id.empty());
}

// A missing required key is named, with how to fix it.
TEST(AssemblyTest, MissingKeysAreNamed) {
  EXPECT_NE(errorOf(replaced(kReference, "  Region: eu-west-1\n", ""))
                .find("assembly.yaml: Environment.Region is missing; set it"),
            std::string::npos);
  EXPECT_NE(
      errorOf(replaced(kReference, "StacksPrefix: Demo\n", "")).find("StacksPrefix is missing"),
      std::string::npos);
  EXPECT_NE(errorOf(replaced(kReference, "    us-east-1: bucket-us\n", ""))
                .find("Packaging.S3Buckets.us-east-1 is missing"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(kReference, "  UserPoolId: eu-west-1_AbC123\n", ""))
                .find("CognitoUserPool.UserPoolId is missing"),
            std::string::npos);
}

// A user pool in another region than the stack is refused before any call
// (the stack would create its app client where the pool does not exist),
// saying how to fix it.
TEST(AssemblyTest, UserPoolInAnotherRegionIsRefused) {
  std::string error =
      errorOf(replaced(kReference, "UserPoolId: eu-west-1_AbC123", "UserPoolId: us-west-2_AbC123"));
  EXPECT_NE(error.find("CognitoUserPool.UserPoolId is a pool in us-west-2 but Environment.Region "
                       "is eu-west-1"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("set Environment.Region to us-west-2"), std::string::npos) << error;
}

// Wrong values are named with what was found.
TEST(AssemblyTest, WrongValuesAreNamed) {
  EXPECT_NE(errorOf(replaced(kReference, "Region: eu-west-1", "Region: Ireland"))
                .find("Environment.Region must be an AWS region"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(kReference, "DomainName: www.example.com",
                             "DomainName: https://www.example.com"))
                .find("Cloudfront.DomainName must be a host name without scheme"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(kReference, "UserPoolId: eu-west-1_AbC123", "UserPoolId: abc"))
                .find("CognitoUserPool.UserPoolId must look like"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(kReference, "CookieName: demo-session", "CookieName: a;b"))
                .find("CookieName may hold"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Session: {Lifetime: 5}\n")
                .find("Session.Lifetime must be"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "LogLevel: loud\n").find("LogLevel must be one of"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Rules: [{Path: /admin/*}]\n")
                .find("Rules[0].Groups is missing"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Throttling: {RateLimit: 0}\n")
                .find("Throttling.RateLimit must be a whole number of requests per second from 1 "
                      "to 10000, got '0'"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Throttling: {BurstLimit: 10001}\n")
                .find("Throttling.BurstLimit must be"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Throttling: {RateLimit: 2.5}\n")
                .find("Throttling.RateLimit must be"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Throttling: {RateLimt: 5}\n")
                .find("Throttling.RateLimt is not a known key; did you mean Throttling.RateLimit?"),
            std::string::npos);
}

// The session manager's API is throttled by default; Throttling sets the limits.
TEST(AssemblyTest, ThrottlingDefaultsAndOverrides) {
  auto defaults = parseAssembly(kReference, "assembly.yaml");
  ASSERT_TRUE(defaults.isOk()) << defaults.status().toString();
  EXPECT_EQ(defaults->rate_limit, 100);
  EXPECT_EQ(defaults->burst_limit, 200);
  auto set =
      parseAssembly(std::string(kReference) + "Throttling: {RateLimit: 20, BurstLimit: 10000}\n",
                    "assembly.yaml");
  ASSERT_TRUE(set.isOk()) << set.status().toString();
  EXPECT_EQ(set->rate_limit, 20);
  EXPECT_EQ(set->burst_limit, 10000);
}

// A misspelt key is refused with the likely intended key.
TEST(AssemblyTest, UnknownKeysSuggestTheClosest) {
  EXPECT_NE(errorOf(replaced(kReference, "S3Prefix:", "S3Prefx:"))
                .find("Packaging.S3Prefx is not a known key; did you mean Packaging.S3Prefix?"),
            std::string::npos);
  EXPECT_NE(errorOf(std::string(kReference) + "Whatever: 1\n").find("Whatever is not a known key"),
            std::string::npos);
}

// Broken YAML is reported with its line, not thrown.
TEST(AssemblyTest, BrokenYamlIsAStatus) {
  EXPECT_NE(errorOf("StacksPrefix: [unclosed\n").find("not valid YAML"), std::string::npos);
  EXPECT_NE(errorOf("- a list\n").find("must be a YAML mapping"), std::string::npos);
}

// A bare hosted-UI prefix expands to the Cognito domain of the pool's region.
TEST(AssemblyTest, DomainPrefixExpands) {
  auto a =
      parseAssembly(replaced(kReference, "DomainName: login.example.com", "DomainName: myprefix"),
                    "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->user_pool_domain, "myprefix.auth.eu-west-1.amazoncognito.com");
}

// Protecting behaviours needs a distribution to wire.
TEST(AssemblyTest, ProtectedBehaviorsNeedADistribution) {
  std::string text = replaced(kReference, "  DomainName: www.example.com\n",
                              "  DomainName: www.example.com\n  ProtectedBehaviors: ['*']\n");
  EXPECT_NE(errorOf(text).find("needs Cloudfront.DistributionId"), std::string::npos);
}

}  // namespace
}  // namespace barrier
