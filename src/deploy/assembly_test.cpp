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

// The access fields barrier.yaml accepts are accepted here under
// assembly.yaml's names (Allow, Rules[i].Methods/Allow, Headers,
// CorsPreflight) and kept as barrier.yaml names them.
TEST(AssemblyTest, AccessFieldsAsBarrierYamlReadsThem) {
  std::string text = std::string(kReference) + R"(
Allow:
  - {email_domains: [example.com]}
  - {groups: [partners], claims: {department: [sales]}}
Rules:
  - {Path: /admin/*, Groups: [admins]}
  - {Path: /api/*, Methods: [post, DELETE], Allow: [{users: [sub-1]}, {emails: [a@example.com]}]}
Headers: {X-Barrier-Department: department}
CorsPreflight: pass
)";
  auto a = parseAssembly(text, "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  const nlohmann::json& access = a->access;
  EXPECT_EQ(access["allow"].size(), 2u);
  EXPECT_EQ(access["allow"][0]["email_domains"][0], "example.com");
  ASSERT_EQ(a->rules.size(), 2u);
  EXPECT_EQ(a->rules[0].access, nlohmann::json::object());
  EXPECT_EQ(a->rules[1].access["methods"], (nlohmann::json{"post", "DELETE"}));
  EXPECT_EQ(a->rules[1].access["allow"][1]["emails"][0], "a@example.com");
  EXPECT_FALSE(access.contains("rules"));
  EXPECT_EQ(access["headers"]["X-Barrier-Department"], "department");
  EXPECT_EQ(access["cors_preflight"], "pass");
  EXPECT_TRUE(a->rules[1].groups.empty());
}

// barrier.yaml's reader checks them, and the message names the key as
// assembly.yaml spells it.
TEST(AssemblyTest, AccessFieldErrorsNameTheAssemblyKey) {
  auto withAccess = [](const std::string& yaml) { return std::string(kReference) + yaml; };
  EXPECT_NE(errorOf(withAccess("Allow: [{emails: [not-an-address]}]\n"))
                .find("assembly.yaml: Allow[0].emails[0] must be an e-mail address"),
            std::string::npos);
  EXPECT_NE(errorOf(withAccess("Allow: []\n")).find("assembly.yaml: Allow must list at least one"),
            std::string::npos);
  EXPECT_NE(
      errorOf(withAccess("Allow: [{}]\n")).find("Allow[0] must be a mapping with at least one"),
      std::string::npos);
  EXPECT_NE(errorOf(withAccess("Rules: [{Path: /a, Methods: [G-T], Groups: [x]}]\n"))
                .find("assembly.yaml: Rules[0].Methods[0] must be an HTTP method"),
            std::string::npos);
  EXPECT_NE(errorOf(withAccess("Rules: [{Path: /a, Groups: [x], Allow: [{groups: [y]}]}]\n"))
                .find("assembly.yaml: Rules[0] gives both groups and allow"),
            std::string::npos);
  EXPECT_NE(errorOf(withAccess("Rules: [{Path: /a, Allow: [{claims: {allowed: []}}]}]\n"))
                .find("assembly.yaml: Rules[0].Allow[0].claims.allowed must list at least one"),
            std::string::npos);
  EXPECT_NE(errorOf(withAccess("Rules: [{Path: /a}]\n")).find("Rules[0].Groups is missing"),
            std::string::npos);
  EXPECT_NE(
      errorOf(withAccess("Headers: {X-Other: department}\n"))
          .find("assembly.yaml: Headers.X-Other must be a header name starting with X-Barrier-"),
      std::string::npos);
  EXPECT_NE(errorOf(withAccess("CorsPreflight: maybe\n"))
                .find("assembly.yaml: CorsPreflight must be one of refuse, pass"),
            std::string::npos);
}

// Api is barrier.yaml's api (bearer tokens) under assembly.yaml's names,
// read and checked by barrier.yaml's reader; its messages name Api's keys.
TEST(AssemblyTest, ApiAsBarrierYamlReadsIt) {
  auto a = parseAssembly(
      std::string(kReference) + "Api: {Bearer: true, ClientIds: [app-1], Audiences: [orders]}\n",
      "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(
      a->access["api"],
      (nlohmann::json{{"bearer", true}, {"client_ids", {"app-1"}}, {"audiences", {"orders"}}}));
  auto withApi = [](const std::string& yaml) { return std::string(kReference) + yaml; };
  EXPECT_NE(errorOf(withApi("Api: {Bearer: true}\n"))
                .find("assembly.yaml: Api.Bearer needs Api.Audiences (the aud your API's access "
                      "tokens carry) or, for Cognito access tokens, Api.ClientIds"),
            std::string::npos)
      << errorOf(withApi("Api: {Bearer: true}\n"));
  EXPECT_NE(errorOf(withApi("Api: {ClientIds: [app-1]}\n"))
                .find("assembly.yaml: Api.Bearer must be true for Api.Audiences or Api.ClientIds"),
            std::string::npos);
  EXPECT_NE(errorOf(withApi("Api: {Bearer: true, ClientIds: []}\n")).find("Api.ClientIds"),
            std::string::npos);
  EXPECT_NE(errorOf(withApi("Api: {Bearer: true, Scopes: [x]}\n")).find("Api.Scopes"),
            std::string::npos)
      << errorOf(withApi("Api: {Bearer: true, Scopes: [x]}\n"));
  EXPECT_NE(errorOf(withApi("Api: [x]\n")).find("assembly.yaml: Api"), std::string::npos);
}

// Session.CookieDomain and Cloudfront.AllowedHosts follow barrier.yaml's
// rules for session.cookie_domain and allowed_hosts, site_url being
// https://<Cloudfront.DomainName>; the hosts need a distribution to alias.
TEST(AssemblyTest, CookieDomainAndAllowedHosts) {
  std::string text = replaced(kReference, "  DomainName: www.example.com\n",
                              "  DomainName: www.example.com\n  DistributionId: E1ABC\n"
                              "  AllowedHosts: [docs.example.com]\n") +
                     "Session: {CookieDomain: example.com}\n";
  auto a = parseAssembly(text, "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->allowed_hosts, std::vector<std::string>{"docs.example.com"});
  EXPECT_EQ(a->cookie_domain, "example.com");

  EXPECT_NE(errorOf(replaced(text, "CookieDomain: example.com", "CookieDomain: other.com"))
                .find("assembly.yaml: Session.CookieDomain \"other.com\" must be a parent domain "
                      "of Cloudfront.DomainName www.example.com"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(text, "Session: {CookieDomain: example.com}\n", ""))
                .find("Cloudfront.AllowedHosts[0] \"docs.example.com\" is not "
                      "Cloudfront.DomainName: set Session.CookieDomain"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(text, "[docs.example.com]", "[docs.example.org]"))
                .find("is not within Session.CookieDomain"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(text, "[docs.example.com]", "[https://docs.example.com]"))
                .find("Cloudfront.AllowedHosts[0] must be a lowercase host name"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(text, "  DistributionId: E1ABC\n", ""))
                .find("Cloudfront.AllowedHosts needs Cloudfront.DistributionId"),
            std::string::npos);
  EXPECT_NE(errorOf(replaced(text, "CookieName: demo-session", "CookieName: __Host-s"))
                .find("browsers refuse a __Host- cookie that has a Domain"),
            std::string::npos);
}

}  // namespace
}  // namespace barrier
