#include "deploy/plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/config/checker_settings.h"
#include "core/config/config.h"
#include "deploy/templates.h"
#include "tests/support/seeded_random.h"

namespace barrier {
namespace {

Assembly sample() {
  auto a = parseAssembly(R"(
StacksPrefix: Demo
CookieName: demo
Environment: {Region: eu-west-1}
Packaging: {S3Buckets: {eu-west-1: b-eu, us-east-1: b-us}, S3Prefix: p}
Cloudfront: {DomainName: www.example.com}
CognitoUserPool: {UserPoolId: eu-west-1_Pool1, DomainName: login.example.com}
Session: {Lifetime: 2h}
PublicPaths: [/favicon.ico]
Rules: [{Path: /admin/*, Groups: [admins]}]
)",
                         "assembly.yaml");
  EXPECT_TRUE(a.isOk()) << a.status().toString();
  return std::move(a).value();
}

ManagerOutputs outputs() {
  return {"abc.execute-api.eu-west-1.amazonaws.com",
          "/prod",
          "Demo-SessionTable-X",
          "arn:aws:dynamodb:eu-west-1:1:table/Demo-SessionTable-X",
          "eu-west-1",
          "client123"};
}

// Keys carry the content hash under the configured prefix.
TEST(PlanTest, ContentAddressedKeys) {
  EXPECT_EQ(contentKey(sample(), "manager", "ab12"), "p/barrier-manager-ab12.zip");
  EXPECT_EQ(signingKeyParameter(sample()), "/barrier/Demo/signing-keys");
}

// A rotation is two steps: a pending key is added last (verified, not
// signing), then moved first; the earlier keys stay, at most three in all.
TEST(PlanTest, RotationAddsThenPromotes) {
  SeededRandom random(7);
  SigningKeySet first{{newSigningKey(random)}, false};
  EXPECT_EQ(first.keys[0].size(), 44u);  // 32 bytes, base64
  SigningKeySet added = addPendingSigningKey(first, random);
  ASSERT_EQ(added.keys.size(), 2u);
  EXPECT_TRUE(added.pending);
  EXPECT_EQ(added.keys[0], first.keys[0]);  // the old key still signs
  SigningKeySet promoted = promotePendingSigningKey(added);
  EXPECT_FALSE(promoted.pending);
  EXPECT_EQ(promoted.keys, (std::vector<std::string>{added.keys[1], first.keys[0]}));
  SigningKeySet third = promotePendingSigningKey(addPendingSigningKey(promoted, random));
  SigningKeySet fourth = promotePendingSigningKey(addPendingSigningKey(third, random));
  ASSERT_EQ(fourth.keys.size(), kMaxSigningKeys);
  EXPECT_EQ(fourth.keys[1], third.keys[0]);
  EXPECT_EQ(fourth.keys[2], promoted.keys[0]);
  // Promoting with nothing pending changes nothing.
  EXPECT_EQ(promotePendingSigningKey(fourth).keys, fourth.keys);
}

// The parameter's text marks the pending key; it reads back the same, and
// a marker anywhere but last, or no key at all, is refused.
TEST(PlanTest, SigningKeysEncoding) {
  SigningKeySet set{{"a2V5MQ==", "a2V5Mg==", "a2V5Mw=="}, true};
  EXPECT_EQ(encodeSigningKeys(set), "a2V5MQ==,a2V5Mg==,pending:a2V5Mw==");
  auto back = decodeSigningKeys(encodeSigningKeys(set));
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->keys, set.keys);
  EXPECT_TRUE(back->pending);
  auto plain = decodeSigningKeys("a2V5MQ==,a2V5Mg==");  // written before rotations were staged
  ASSERT_TRUE(plain.isOk());
  EXPECT_FALSE(plain->pending);
  EXPECT_EQ(plain->keys.size(), 2u);
  EXPECT_FALSE(decodeSigningKeys("pending:a2V5MQ==,a2V5Mg==").isOk());
  EXPECT_FALSE(decodeSigningKeys("").isOk());
  EXPECT_FALSE(decodeSigningKeys(",,").isOk());
  EXPECT_FALSE(decodeSigningKeys("a2V5MQ==,pending:").isOk());
}

// The checker's config.json is a valid barrier configuration with the
// regional outputs baked in, and holds no client secret.
TEST(PlanTest, CheckerConfigValidates) {
  SeededRandom random(1);
  std::string json = checkerConfigJson(sample(), outputs(), {newSigningKey(random)});
  auto config = parseConfigJson(json, "config.json");
  ASSERT_TRUE(config.isOk()) << config.status().toString() << "\n" << json;
  EXPECT_EQ(config->site_url, "https://www.example.com");
  EXPECT_EQ(config->store.table, "Demo-SessionTable-X");
  EXPECT_EQ(config->store.region, "eu-west-1");
  EXPECT_EQ(config->provider.client_id, "client123");
  EXPECT_EQ(config->session.lifetime, 7200);
  EXPECT_EQ(config->session.signing_keys.size(), 1u);
  ASSERT_EQ(config->rules.size(), 1u);
  EXPECT_EQ(json.find("client_secret"), std::string::npos);
}

// The assembly's LogLevel reaches the checker by both roads: the config.json
// the handler reads (as the zip holds it) and the checker.settings the wasm
// module reads, both derived from the baked config.
TEST(PlanTest, CheckerConfigCarriesTheLogLevel) {
  SeededRandom random(1);
  Assembly a = sample();
  a.log_level = "debug";  // not the default, so a dropped level shows
  std::string json = checkerConfigJson(a, outputs(), {newSigningKey(random)});
  auto config = parseConfigJson(json, "config.json");
  ASSERT_TRUE(config.isOk()) << config.status().toString() << "\n" << json;
  EXPECT_EQ(config->server.log_level, "debug");
  auto zipped = checkerConfigForZip(json);
  ASSERT_TRUE(zipped.isOk()) << zipped.status().toString();
  EXPECT_EQ(nlohmann::json::parse(*zipped)["server"]["log_level"], "debug") << *zipped;
  auto settings = checkerSettingsFromConfigJson(json);
  ASSERT_TRUE(settings.isOk()) << settings.status().toString();
  EXPECT_NE(settings->find("server.log_level debug\n"), std::string::npos) << *settings;
}

// Api reaches the checker (config.json and checker.settings), not the
// manager, whose endpoints take no bearer token.
TEST(PlanTest, ApiReachesTheCheckerOnly) {
  auto a = parseAssembly(R"(
StacksPrefix: Demo
CookieName: demo
Environment: {Region: eu-west-1}
Packaging: {S3Buckets: {eu-west-1: b-eu, us-east-1: b-us}}
Cloudfront: {DomainName: www.example.com}
CognitoUserPool: {UserPoolId: eu-west-1_Pool1, DomainName: login.example.com}
Api: {Bearer: true, ClientIds: [app-1]}
)",
                         "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  SeededRandom random(1);
  std::string json = checkerConfigJson(*a, outputs(), {newSigningKey(random)});
  auto checker = parseConfigJson(json, "config.json");
  ASSERT_TRUE(checker.isOk()) << checker.status().toString() << "\n" << json;
  EXPECT_TRUE(checker->api.bearer);
  EXPECT_EQ(checker->api.client_ids, std::vector<std::string>{"app-1"});
  auto settings = checkerSettingsFromConfigJson(json);
  ASSERT_TRUE(settings.isOk()) << settings.status().toString();
  EXPECT_NE(settings->find("api.bearer"), std::string::npos) << *settings;
  EXPECT_NE(settings->find("api.client_id app-1\n"), std::string::npos) << *settings;
  EXPECT_FALSE(nlohmann::json::parse(managerConfigJson(*a)).contains("api"));
}

// The access fields and the site's other hosts reach both functions: the
// checker's config.json and checker.settings, and the manager's config.
TEST(PlanTest, AccessFieldsAndHostsReachBothFunctions) {
  auto a = parseAssembly(R"(
StacksPrefix: Demo
CookieName: demo
Environment: {Region: eu-west-1}
Packaging: {S3Buckets: {eu-west-1: b-eu, us-east-1: b-us}}
Cloudfront: {DomainName: www.example.com, DistributionId: E1ABC, AllowedHosts: [docs.example.com]}
CognitoUserPool: {UserPoolId: eu-west-1_Pool1, DomainName: login.example.com}
Session: {CookieDomain: example.com}
Allow: [{email_domains: [example.com]}]
Rules: [{Path: /api/*, Methods: [POST], Allow: [{claims: {department: [sales]}}]}]
Headers: {X-Barrier-Department: department}
CorsPreflight: pass
)",
                         "assembly.yaml");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  SeededRandom random(1);
  std::string json = checkerConfigJson(*a, outputs(), {newSigningKey(random)});
  auto checker = parseConfigJson(json, "config.json");
  ASSERT_TRUE(checker.isOk()) << checker.status().toString() << "\n" << json;
  auto manager = parseConfigJson(
      [&] {
        nlohmann::json doc = nlohmann::json::parse(managerConfigJson(*a));
        nlohmann::json full = nlohmann::json::parse(json);
        full.merge_patch(doc);
        return full.dump();
      }(),
      "manager");
  ASSERT_TRUE(manager.isOk()) << manager.status().toString();
  for (const ValidConfig* c : {&*checker, &*manager}) {
    ASSERT_EQ(c->allow.size(), 1u);
    EXPECT_EQ(c->allow[0].email_domains, std::vector<std::string>{"example.com"});
    ASSERT_EQ(c->rules.size(), 1u);
    EXPECT_EQ(c->rules[0].methods, std::vector<std::string>{"POST"});
    ASSERT_EQ(c->rules[0].allow.size(), 1u);
    ASSERT_EQ(c->headers.size(), 1u);
    EXPECT_TRUE(c->cors_preflight_pass);
    EXPECT_EQ(c->allowed_hosts, std::vector<std::string>{"docs.example.com"});
    EXPECT_EQ(c->session.cookie_domain, "example.com");
  }
  auto settings = checkerSettingsFromConfigJson(json);
  ASSERT_TRUE(settings.isOk()) << settings.status().toString();
  for (const char* line :
       {"rule.methods POST\n", "condition.claim department sales\n",
        "header X-Barrier-Department department\n", "cors_preflight pass\n",
        "session.cookie_domain example.com\n", "allowed_host docs.example.com\n"}) {
    EXPECT_NE(settings->find(line), std::string::npos) << line << *settings;
  }
}

// Dry-run parameter listings mask the signing keys.
TEST(PlanTest, DescribeParametersMasksSecrets) {
  auto params = managerParameters(sample(), "b-eu", "p/k.zip", {"c2VjcmV0c2VjcmV0"}, false);
  std::string text = describeParameters(params);
  EXPECT_NE(text.find("SigningKeys = ****"), std::string::npos);
  EXPECT_EQ(text.find("c2VjcmV0c2VjcmV0"), std::string::npos);
  EXPECT_NE(text.find("CodeKey = p/k.zip"), std::string::npos);
}

// The assembly's throttling reaches the manager stack's parameters.
TEST(PlanTest, ThrottlingParameters) {
  Assembly a = sample();
  a.rate_limit = 20;
  a.burst_limit = 40;
  std::string text =
      describeParameters(managerParameters(a, "b-eu", "p/k.zip", {"c2VjcmV0c2VjcmV0"}, false));
  EXPECT_NE(text.find("ThrottlingRateLimit = 20"), std::string::npos) << text;
  EXPECT_NE(text.find("ThrottlingBurstLimit = 40"), std::string::npos) << text;
}

// The domain's managed-login finding reaches the stack as ManagedLogin, the
// condition of the app client's branding style.
TEST(PlanTest, ManagedLoginParameter) {
  EXPECT_NE(describeParameters(managerParameters(sample(), "b", "k", {"a2V5"}, true))
                .find("ManagedLogin = true"),
            std::string::npos);
  EXPECT_NE(describeParameters(managerParameters(sample(), "b", "k", {"a2V5"}, false))
                .find("ManagedLogin = false"),
            std::string::npos);
}

// DescribeUserPoolDomain takes a Cognito domain's prefix alone and a custom
// domain whole.
TEST(PlanTest, UserPoolDomainKey) {
  Assembly a = sample();
  EXPECT_EQ(userPoolDomainKey(a), "login.example.com");
  a.user_pool_domain = "my-site.auth.eu-west-1.amazoncognito.com";
  EXPECT_EQ(userPoolDomainKey(a), "my-site");
  a.user_pool_domain = "my-site.auth.us-east-1.amazoncognito.com";  // another region's: whole
  EXPECT_EQ(userPoolDomainKey(a), "my-site.auth.us-east-1.amazoncognito.com");
}

// The reference table has the reference rows, aligned.
TEST(PlanTest, InfoTableAndJson) {
  BarrierInfo info{"abc.execute-api.eu-west-1.amazonaws.com", "/prod",
                   "arn:aws:lambda:us-east-1:1:function:f:3"};
  std::string table = formatInfoTable(info);
  EXPECT_NE(
      table.find("| Session Manager Origin Host  | abc.execute-api.eu-west-1.amazonaws.com |"),
      std::string::npos)
      << table;
  EXPECT_NE(table.find("| Session Checker Function Arn | arn:aws:lambda:us-east-1:1:function:f:3"),
            std::string::npos);
  EXPECT_EQ(
      formatInfoJson(info),
      R"({"SessionManagerOriginHost":"abc.execute-api.eu-west-1.amazonaws.com","SessionManagerOriginPath":"/prod","SessionCheckerFunctionArn":"arn:aws:lambda:us-east-1:1:function:f:3"})");
}

// A missing regional output is named.
TEST(PlanTest, MissingOutputIsNamed) {
  StackInfo s;
  s.name = "DemoSessionManager";
  s.outputs = {{"ApiDomainName", "x"}};
  auto o = managerOutputs(s);
  ASSERT_FALSE(o.isOk());
  EXPECT_NE(o.status().message().find("has no output ApiPath"), std::string::npos);
}

// The checker template gets a version id derived from the code hash; the
// embedded templates are the files under deploy/.
TEST(PlanTest, CheckerTemplateVersionIdFollowsTheHash) {
  std::string text(embeddedTemplate(kCheckerTemplate));
  ASSERT_FALSE(text.empty());
  auto rendered = renderCheckerTemplate(text, "0123456789abcdef0123");
  ASSERT_TRUE(rendered.isOk()) << rendered.status().toString();
  EXPECT_NE(rendered->find("  CheckerVersion0123456789abcdef:\n"), std::string::npos);
  EXPECT_NE(rendered->find("!Ref CheckerVersion0123456789abcdef\n"), std::string::npos);
  EXPECT_EQ(rendered->find("CheckerVersion:"), std::string::npos);
  EXPECT_NE(rendered->find("SessionCheckerFunctionVersionArn"), std::string::npos);  // untouched
  EXPECT_FALSE(renderCheckerTemplate("Resources: {}", "0123456789abcdef").isOk());
}

// A usual assembly fits; one with a path per page overflows Lambda's 4 KB
// of environment first (before the 4,096-byte parameter), and the message
// names the keys to shorten with what each takes.
TEST(PlanTest, ManagerSizesAreCheckedAgainstAwsLimits) {
  Assembly a = sample();
  EXPECT_TRUE(checkManagerSizes(a).isOk());
  EXPECT_LT(managerEnvironmentBytes(a), 1000u);
  for (int i = 0; i < 220; ++i) a.public_paths.push_back("/docs/page-" + std::to_string(i));
  ASSERT_LE(managerConfigJson(a).size(), kMaxParameterBytes);
  Status environment = checkManagerSizes(a);
  EXPECT_EQ(environment.code(), Code::kInvalidArgument);
  EXPECT_NE(environment.message().find("environment variables come to about"), std::string::npos)
      << environment.message();
  EXPECT_NE(environment.message().find("PublicPaths (3"), std::string::npos)
      << environment.message();
  for (int i = 0; i < 100; ++i) a.rules.push_back({"/team-" + std::to_string(i) + "/*", {"team"}});
  Status parameter = checkManagerSizes(a);
  EXPECT_NE(parameter.message().find("(stack parameter ManagerConfigJson) come to"),
            std::string::npos)
      << parameter.message();
  EXPECT_NE(parameter.message().find("shorten Rules ("), std::string::npos) << parameter.message();
}

// The table record keeps every table deploy made, once each, in order.
TEST(PlanTest, SessionTableRecordKeepsEveryTable) {
  EXPECT_EQ(addRecordedName("", "T-1"), "T-1");
  EXPECT_EQ(addRecordedName("T-1", "T-1"), "T-1");
  EXPECT_EQ(addRecordedName("T-1", "T-2"), "T-1,T-2");
  EXPECT_EQ(recordedNames("T-1,T-2"), (std::vector<std::string>{"T-1", "T-2"}));
  EXPECT_TRUE(recordedNames("").empty());
}

}  // namespace
}  // namespace barrier
