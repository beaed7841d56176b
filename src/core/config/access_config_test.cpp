#include "core/config/access_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace barrier {
namespace {

using Json = nlohmann::json;

Json minimal() {
  return Json{{"site_url", "https://www.example.com"},
              {"session", {{"signing_keys", {"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="}}}},
              {"provider",
               {{"region", "eu-west-1"},
                {"user_pool_id", "eu-west-1_AbCdEf123"},
                {"domain", "auth.example.com"},
                {"client_id", "client123"}}}};
}

// Every message names the file and the field, and says how to fix it.
void expectError(const Json& j, const std::string& needle) {
  auto result = parseConfigJson(j.dump(), "barrier.yaml");
  ASSERT_FALSE(result.isOk()) << "expected an error containing: " << needle;
  const std::string& m = result.status().message();
  EXPECT_TRUE(m.starts_with("barrier.yaml: ")) << m;
  EXPECT_NE(m.find(needle), std::string::npos) << "message: " << m << "\nexpected: " << needle;
}

Json withAllow(Json condition) {
  Json j = minimal();
  j["allow"] = Json::array({std::move(condition)});
  return j;
}

// A full access configuration reads into the model.
TEST(AccessConfig, Reads) {
  Json j = minimal();
  j["allow"] = {{{"email_domains", {"example.com"}}}, {{"users", {"sub-1"}}}};
  j["rules"] = {{{"path", "/api/*"},
                 {"methods", {"get", "POST"}},
                 {"allow", {{{"claims", {{"scope", {"read"}}}}, {"groups", "ops"}}}}},
                {{"path", "/admin/*"}, {"groups", {"admins"}}}};
  j["headers"] = {{"X-Barrier-Department", "department"}};
  auto c = parseConfigJson(j.dump(), "barrier.yaml");
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  ASSERT_EQ(c->allow.size(), 2u);
  EXPECT_EQ(c->allow[0].email_domains, std::vector<std::string>{"example.com"});
  EXPECT_EQ(c->rules[0].methods, (std::vector<std::string>{"GET", "POST"}));
  ASSERT_EQ(c->rules[0].allow.size(), 1u);
  EXPECT_EQ(c->rules[0].allow[0].claims[0].name, "scope");
  EXPECT_EQ(c->rules[0].allow[0].groups, std::vector<std::string>{"ops"});
  EXPECT_EQ(c->rules[1].groups, std::vector<std::string>{"admins"});
  ASSERT_EQ(c->headers.size(), 1u);
  EXPECT_EQ(c->headers[0].header, "X-Barrier-Department");
}

// Empty lists and empty conditions are refused: they would match nobody,
// or everybody.
TEST(AccessConfig, EmptyListsAndConditionsRefused) {
  Json j = minimal();
  j["allow"] = Json::array();
  expectError(j, "allow must list at least one condition (an empty list lets nobody in)");
  expectError(withAllow(Json::object()), "allow[0] must be a mapping with at least one of groups");
  expectError(withAllow("admins"), "allow[0] must be a mapping");
  expectError(withAllow({{"groups", Json::array()}}),
              "allow[0].groups must list at least one value (an empty list matches nobody)");
  expectError(withAllow({{"claims", Json::object()}}), "allow[0].claims must name at least one");
  expectError(withAllow({{"claims", {{"department", Json::array()}}}}),
              "allow[0].claims.department must list at least one value");
  expectError(withAllow({{"claims", {{"address", {{"country", "FR"}}}}}}),
              "allow[0].claims.address must be a list of strings, got an object");
  expectError(withAllow({{"group", {"a"}}}),
              "allow[0].group is not a known field; did you mean "
              "allow[0].groups?");
}

// E-mails and domains are checked for shape; `email` as a plain claim is
// refused (it would skip email_verified).
TEST(AccessConfig, EmailsAndDomainsChecked) {
  expectError(withAllow({{"emails", {"alice"}}}),
              "allow[0].emails[0] must be an e-mail address like alice@example.com");
  expectError(withAllow({{"email_domains", {"@example.com"}}}),
              "allow[0].email_domains[0] must be a domain alone, like example.com");
  expectError(withAllow({{"email_domains", {"*.example.com"}}}),
              "allow[0].email_domains[0] must be a domain alone");
  expectError(withAllow({{"claims", {{"email", {"a@example.com"}}}}}),
              "allow[0].claims.email is not allowed: use emails");
}

// A rule's methods, and groups beside allow.
TEST(AccessConfig, RuleFieldsChecked) {
  Json j = minimal();
  j["rules"] = {{{"path", "/a"}, {"methods", {"GE T"}}, {"groups", {"a"}}}};
  expectError(j, "rules[0].methods[0] must be an HTTP method like GET or POST, got \"GE T\"");
  j["rules"] = {{{"path", "/a"}, {"methods", Json::array()}, {"groups", {"a"}}}};
  expectError(j, "rules[0].methods must list at least one value");
  j["rules"] = {{{"path", "/a"}, {"groups", {"a"}}, {"allow", {{{"users", {"u"}}}}}}};
  expectError(j, "rules[0] gives both groups and allow; use one");
  j["rules"] = {{{"path", "/a"}, {"methods", {"GET"}}}};
  expectError(j, "rules[0].groups must list at least one group, or give allow instead");
  j["rules"] = {{{"path", "/a"}, {"allow", {{{"emails", {"x"}}}}}}};
  expectError(j, "rules[0].allow[0].emails[0] must be an e-mail address");
}

// Header names start with X-Barrier-, are not barrier's own, and name a claim.
TEST(AccessConfig, HeadersChecked) {
  Json j = minimal();
  j["headers"] = {{"X-Department", "department"}};
  expectError(j, "headers.X-Department must be a header name starting with X-Barrier-");
  j["headers"] = {{"X_Barrier_Dept", "department"}};
  expectError(j, "headers.X_Barrier_Dept must be a header name starting with X-Barrier-");
  j["headers"] = {{"x-barrier-user", "department"}};
  expectError(j, "headers.x-barrier-user is set by barrier itself");
  j["headers"] = {{"X-Barrier-Dept", ""}};
  expectError(j, "headers.X-Barrier-Dept must name a claim");
  j["headers"] = {{"X-Barrier-Mail", "email"}};
  expectError(j, "headers.X-Barrier-Mail may not carry the email claim");
  j["headers"] = {{"X-Barrier-Dept", Json::array()}};
  expectError(j, "headers.X-Barrier-Dept must be a string");
}

// cors_preflight is refuse (the default) or pass.
TEST(AccessConfig, CorsPreflight) {
  Json j = minimal();
  auto c = parseConfigJson(j.dump(), "barrier.yaml");
  ASSERT_TRUE(c.isOk());
  EXPECT_FALSE(c->cors_preflight_pass);
  j["cors_preflight"] = "pass";
  EXPECT_TRUE(parseConfigJson(j.dump(), "barrier.yaml")->cors_preflight_pass);
  j["cors_preflight"] = "allow";
  expectError(j, "cors_preflight must be one of refuse, pass, got \"allow\"");
  j["cors_preflight"] = true;
  expectError(j, "cors_preflight must be one of refuse, pass, got true");
}

}  // namespace
}  // namespace barrier
