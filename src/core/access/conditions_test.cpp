#include "core/access/conditions.h"

#include <gtest/gtest.h>

#include "core/access/claims.h"

namespace barrier {
namespace {

SessionRecord alice() {
  SessionRecord r;
  r.sub = "sub-alice";
  r.email = "Alice@Example.com";  // as the provider wrote it: case kept
  r.groups = {"staff"};
  r.claims = {{"department", {"sales", "support"}}, {"scope", {"read", "write"}}};
  return r;
}

AccessCondition domains(std::vector<std::string> list) {
  AccessCondition c;
  c.email_domains = std::move(list);
  return c;
}

// email_domains is the whole domain after the last '@', ignoring case.
TEST(ConditionsTest, EmailDomainMatchesExactlyTheDomain) {
  SessionRecord r = alice();
  EXPECT_TRUE(meetsCondition(domains({"example.com"}), r));
  EXPECT_TRUE(meetsCondition(domains({"EXAMPLE.COM"}), r));
  for (const char* email :
       {"a@evil-example.com", "a@example.com.evil", "a@sub.example.com", "a@example.com@evil.com",
        "example.com", "@example.com", "a@example.com."}) {
    r.email = email;
    EXPECT_FALSE(meetsCondition(domains({"example.com"}), r)) << email;
  }
}

// emails ignore case, but an unverified address (the record keeps none)
// never matches.
TEST(ConditionsTest, EmailsIgnoreCaseAndNeedAVerifiedAddress) {
  AccessCondition c;
  c.emails = {"alice@example.com"};
  SessionRecord r = alice();
  EXPECT_TRUE(meetsCondition(c, r));
  r.email = "ALICE@EXAMPLE.COM";
  EXPECT_TRUE(meetsCondition(c, r));
  r.email = "alice@example.co";
  EXPECT_FALSE(meetsCondition(c, r));
  r.email = "alice@example.com.evil";
  EXPECT_FALSE(meetsCondition(c, r));
  r.email.clear();  // email_verified missing or false
  EXPECT_FALSE(meetsCondition(c, r));
  EXPECT_FALSE(meetsCondition(domains({"example.com"}), r));
}

// Groups and claim values are compared exactly: case is significant.
TEST(ConditionsTest, GroupsUsersAndClaimsCompareExactly) {
  SessionRecord r = alice();
  AccessCondition c;
  c.groups = {"Staff"};
  EXPECT_FALSE(meetsCondition(c, r));
  c.groups = {"ops", "staff"};
  EXPECT_TRUE(meetsCondition(c, r));

  AccessCondition u;
  u.users = {"SUB-ALICE"};
  EXPECT_FALSE(meetsCondition(u, r));
  u.users = {"sub-alice"};
  EXPECT_TRUE(meetsCondition(u, r));

  AccessCondition k;
  k.claims = {{"department", {"Sales"}}};
  EXPECT_FALSE(meetsCondition(k, r));
  k.claims = {{"department", {"hr", "support"}}};
  EXPECT_TRUE(meetsCondition(k, r));
  k.claims = {{"team", {"sales"}}};  // a claim the record does not keep
  EXPECT_FALSE(meetsCondition(k, r));
}

// Keys inside a condition are ANDed; conditions in a list are ORed; an
// empty list asks nothing.
TEST(ConditionsTest, AndInsideOrAcross) {
  SessionRecord r = alice();
  AccessCondition both = domains({"example.com"});
  both.groups = {"admins"};
  EXPECT_FALSE(meetsCondition(both, r));
  AccessCondition scope;
  scope.claims = {{"scope", {"write"}}};
  EXPECT_FALSE(meetsAny({both}, r));
  EXPECT_TRUE(meetsAny({both, scope}, r));
  EXPECT_TRUE(meetsAny({}, r));
}

// A sub that is empty never matches, even an (invalid) empty user entry.
TEST(ConditionsTest, EmptySubNeverMatches) {
  SessionRecord r = alice();
  r.sub.clear();
  AccessCondition u;
  u.users = {""};
  EXPECT_FALSE(meetsCondition(u, r));
}

// Only string and string-array claims are kept; `scope` is split on spaces;
// an object, a number or a mixed array never matches.
TEST(ClaimsTest, KeepsOnlyNamedStringClaims) {
  nlohmann::json payload = {{"department", "sales"},
                            {"roles", {"a", "b"}},
                            {"scope", "read  write"},
                            {"address", {{"country", "FR"}}},
                            {"level", 3},
                            {"mixed", {"a", 1}},
                            {"empty", nlohmann::json::array()},
                            {"other", "x"}};
  auto kept = keepClaims(
      payload, {"department", "roles", "scope", "address", "level", "mixed", "empty", "absent"});
  std::vector<RecordClaim> want = {{"department", {"sales"}},
                                   {"roles", {"a", "b"}},
                                   {"scope", {"read", "write"}},
                                   {"empty", {}}};
  EXPECT_EQ(kept, want);

  SessionRecord r;
  r.claims = kept;
  AccessCondition object_claim;
  object_claim.claims = {{"address", {"FR", "{\"country\":\"FR\"}"}}};
  EXPECT_FALSE(meetsCondition(object_claim, r));
  AccessCondition empty_claim;
  empty_claim.claims = {{"empty", {""}}};
  EXPECT_FALSE(meetsCondition(empty_claim, r));
  AccessCondition number;
  number.claims = {{"level", {"3"}}};
  EXPECT_FALSE(meetsCondition(number, r));
}

// namedClaims: every claim a condition or header names, once.
TEST(ClaimsTest, NamedClaimsFromAllowRulesAndHeaders) {
  Config c;
  AccessCondition a;
  a.claims = {{"department", {"x"}}};
  c.allow = {a};
  AccessRule rule{"/api/*", {}, {}, {a}};
  rule.allow[0].claims.push_back({"scope", {"read"}});
  c.rules = {rule};
  c.headers = {{"X-Barrier-Team", "team"}, {"X-Barrier-Dept", "department"}};
  EXPECT_EQ(namedClaims(c), (std::vector<std::string>{"department", "scope", "team"}));
}

}  // namespace
}  // namespace barrier
