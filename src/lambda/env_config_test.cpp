#include "lambda/env_config.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace barrier {
namespace {

using Json = nlohmann::json;
using Vars = std::map<std::string, std::string>;

EnvLookup fromMap(Vars vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The variables a Cognito deployment sets.
Vars cognitoVars() {
  return {
      {"AWS_REGION", "eu-central-1"},
      {"BARRIER_TABLE", "site-sessions"},
      {"BARRIER_DOMAIN", "www.example.com"},
      {"BARRIER_COOKIE_NAME", "sess"},
      {"BARRIER_COGNITO_USER_POOL_ID", "eu-west-1_AbCdEf123"},
      {"BARRIER_COGNITO_DOMAIN", "auth.example.com"},
      {"BARRIER_CLIENT_ID", "client123"},
      {"BARRIER_CLIENT_SECRET", "very-secret-value"},
      {"BARRIER_SIGNING_KEYS",
       "c2lnbmluZy1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM=, "
       "b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3ODlhYmNkZWY="},
      {"BARRIER_SESSION_LIFETIME", "12h"},
      {"BARRIER_REQUIRED_GROUPS", "staff, admins"},
      {"BARRIER_RULES", R"([{"path":"/admin/*","groups":["admins"]}])"},
      {"BARRIER_LOG_LEVEL", "debug"},
  };
}

// Every variable lands in its field; the store is DynamoDB in the
// function's region, the pool's region comes from its id.
TEST(EnvConfigTest, CognitoVariablesBuildTheDocument) {
  auto text = configJsonFromEnvironment(fromMap(cognitoVars()));
  ASSERT_TRUE(text.isOk()) << text.status().toString();
  Json doc = Json::parse(*text);
  EXPECT_EQ(doc["site_url"], "https://www.example.com");
  EXPECT_EQ(doc["session"]["cookie_name"], "sess");
  EXPECT_EQ(doc["session"]["lifetime"], "12h");
  EXPECT_EQ(doc["session"]["signing_keys"].size(), 2u);
  EXPECT_EQ(doc["provider"]["type"], "cognito");
  EXPECT_EQ(doc["provider"]["region"], "eu-west-1");
  EXPECT_EQ(doc["provider"]["required_groups"], Json({"staff", "admins"}));
  EXPECT_EQ(doc["store"]["type"], "dynamodb");
  EXPECT_EQ(doc["store"]["table"], "site-sessions");
  EXPECT_EQ(doc["store"]["region"], "eu-central-1");
  EXPECT_EQ(doc["rules"][0]["path"], "/admin/*");
  EXPECT_EQ(doc["server"]["log_level"], "debug");
}

// The document goes through the one config parser and validates.
TEST(EnvConfigTest, CognitoVariablesGiveAValidConfig) {
  auto config = configFromEnvironment(fromMap(cognitoVars()));
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->site_url, "https://www.example.com");
  EXPECT_EQ(config->session.lifetime, 12 * 3600);
  EXPECT_EQ(config->provider.type, ProviderConfig::Type::kCognito);
  EXPECT_EQ(config->provider.client_secret, "very-secret-value");
  EXPECT_EQ(config->store.type, StoreConfig::Type::kDynamoDb);
  ASSERT_EQ(config->rules.size(), 1u);
  EXPECT_EQ(config->rules[0].groups, std::vector<std::string>{"admins"});
}

// A generic OIDC issuer switches the provider type; BARRIER_REGION beats
// AWS_REGION; an endpoint override reaches the store; numbers are numbers.
TEST(EnvConfigTest, OidcAndOverrides) {
  auto text = configJsonFromEnvironment(fromMap({
      {"AWS_REGION", "us-east-1"},
      {"BARRIER_REGION", "eu-west-2"},
      {"BARRIER_OIDC_ISSUER", "http://127.0.0.1:9000"},
      {"BARRIER_DYNAMODB_ENDPOINT", "http://127.0.0.1:4567"},
      {"BARRIER_SESSION_LIFETIME", "3600"},
      {"BARRIER_USERINFO", "true"},
      {"BARRIER_BACKCHANNEL_LOGOUT", "true"},
      {"BARRIER_SCOPES", "openid email"},
  }));
  ASSERT_TRUE(text.isOk());
  Json doc = Json::parse(*text);
  EXPECT_EQ(doc["provider"]["type"], "oidc");
  EXPECT_EQ(doc["store"]["region"], "eu-west-2");
  EXPECT_EQ(doc["store"]["endpoint"], "http://127.0.0.1:4567");
  EXPECT_EQ(doc["session"]["lifetime"], 3600);
  EXPECT_EQ(doc["provider"]["userinfo"], true);
  EXPECT_EQ(doc["provider"]["backchannel_logout"], true);
  EXPECT_EQ(doc["provider"]["scopes"], Json({"openid", "email"}));
}

// The runtime's AWS_REGION is only the default: a store.region in
// BARRIER_CONFIG_JSON stays (BARRIER_REGION still overrides it).
TEST(EnvConfigTest, ConfigJsonRegionBeatsTheRuntimesRegion) {
  auto region = [](std::map<std::string, std::string> env) {
    auto text = configJsonFromEnvironment(fromMap(std::move(env)));
    EXPECT_TRUE(text.isOk());
    return text.isOk() ? Json::parse(*text)["store"].value("region", "") : "";
  };
  const std::string json = R"({"store":{"type":"dynamodb","region":"us-west-2"}})";
  EXPECT_EQ(region({{"AWS_REGION", "eu-west-1"}, {"BARRIER_CONFIG_JSON", json}}), "us-west-2");
  EXPECT_EQ(region({{"AWS_REGION", "eu-west-1"},
                    {"BARRIER_CONFIG_JSON", json},
                    {"BARRIER_REGION", "ap-south-1"}}),
            "ap-south-1");
  EXPECT_EQ(region({{"AWS_REGION", "eu-west-1"}}), "eu-west-1");
  EXPECT_EQ(
      region({{"AWS_REGION", "eu-west-1"}, {"BARRIER_CONFIG_JSON", R"({"store":{"region":""}})"}}),
      "eu-west-1");
}

// BARRIER_CONFIG_JSON is the base; single variables override its fields;
// empty variables count as unset.
TEST(EnvConfigTest, ConfigJsonIsTheBase) {
  auto text = configJsonFromEnvironment(fromMap({
      {"BARRIER_CONFIG_JSON", R"({"site_url":"https://a.example","store":{"type":"memory"},
                                  "session":{"cookie_name":"x","lifetime":100}})"},
      {"BARRIER_COOKIE_NAME", "y"},
      {"BARRIER_TABLE", ""},
  }));
  ASSERT_TRUE(text.isOk());
  Json doc = Json::parse(*text);
  EXPECT_EQ(doc["site_url"], "https://a.example");
  EXPECT_EQ(doc["store"]["type"], "memory");
  EXPECT_FALSE(doc["store"].contains("table"));
  EXPECT_EQ(doc["session"]["cookie_name"], "y");
  EXPECT_EQ(doc["session"]["lifetime"], 100);
}

// Untranslatable variables are refused by name, without echoing the value.
TEST(EnvConfigTest, BadVariablesAreNamed) {
  auto rules = configJsonFromEnvironment(fromMap({{"BARRIER_RULES", "[{"}}));
  ASSERT_FALSE(rules.isOk());
  EXPECT_EQ(rules.status().message(), "BARRIER_RULES is not valid JSON");
  auto flag = configJsonFromEnvironment(fromMap({{"BARRIER_USERINFO", "maybe"}}));
  ASSERT_FALSE(flag.isOk());
  EXPECT_EQ(flag.status().message(), "BARRIER_USERINFO must be true or false");
  auto base = configJsonFromEnvironment(fromMap({{"BARRIER_CONFIG_JSON", "[]"}}));
  EXPECT_FALSE(base.isOk());
}

// A validation error names the config field and the variable that set it.
TEST(EnvConfigTest, ValidationErrorNamesTheVariable) {
  Vars vars = cognitoVars();
  vars["BARRIER_SESSION_LIFETIME"] = "5";
  auto config = configFromEnvironment(fromMap(vars));
  ASSERT_FALSE(config.isOk());
  const std::string& message = config.status().message();
  EXPECT_NE(message.find("session.lifetime"), std::string::npos) << message;
  EXPECT_NE(message.find("(BARRIER_SESSION_LIFETIME)"), std::string::npos) << message;
}

// Fields set by one of several variables name the one that was used.
TEST(EnvConfigTest, DerivedFieldErrorsNameTheVariable) {
  Vars vars = cognitoVars();
  vars.erase("BARRIER_SITE_URL");
  vars["BARRIER_DOMAIN"] = "www.example.com/path";
  auto config = configFromEnvironment(fromMap(vars));
  ASSERT_FALSE(config.isOk());
  EXPECT_NE(config.status().message().find("(BARRIER_DOMAIN)"), std::string::npos)
      << config.status().message();
  vars = cognitoVars();
  vars["BARRIER_PROVIDER"] = "saml";
  config = configFromEnvironment(fromMap(vars));
  ASSERT_FALSE(config.isOk());
  EXPECT_NE(config.status().message().find("(BARRIER_PROVIDER)"), std::string::npos)
      << config.status().message();
}

// Secrets never appear in an error message.
TEST(EnvConfigTest, SecretsAreNotEchoed) {
  Vars vars = cognitoVars();
  vars["BARRIER_SIGNING_KEYS"] = "not base64 !!!";
  auto config = configFromEnvironment(fromMap(vars));
  ASSERT_FALSE(config.isOk());
  EXPECT_EQ(config.status().message().find("not base64 !!!"), std::string::npos);
  EXPECT_EQ(config.status().message().find("very-secret-value"), std::string::npos);
}

// The BARRIER_* variables configFromEnvironment asks for are exactly the
// ones kEnvVariables documents: the lookup records every name asked, once
// with nothing set (every fallback is read) and once with a Cognito set-up.
TEST(EnvConfigTest, EveryVariableReadIsDocumentedAndNoOther) {
  std::set<std::string> read;
  for (const Vars& vars : {Vars{}, cognitoVars()}) {
    EnvLookup recording = [&read, lookup = fromMap(vars)](std::string_view name) {
      if (name.starts_with("BARRIER_")) read.insert(std::string(name));
      return lookup(name);
    };
    (void)configFromEnvironment(recording);
  }
  std::set<std::string> documented;
  for (size_t i = 0; i < kEnvVariableCount; ++i) documented.insert(kEnvVariables[i].name);
  EXPECT_EQ(read, documented);
}

}  // namespace
}  // namespace barrier
