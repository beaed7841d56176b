// The checker with access conditions (README, "Access rules"): rules'
// methods and allow lists, claim headers, and the edge's settings deciding
// the same.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/config/checker_settings.h"
#include "core/handlers/check.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;

AccessCondition domain(const char* d) {
  AccessCondition c;
  c.email_domains = {d};
  return c;
}

AccessCondition scope(const char* s) {
  AccessCondition c;
  c.claims = {{"scope", {s}}};
  return c;
}

class CheckAccessTest : public ::testing::Test {
 protected:
  CheckAccessTest() {
    // Writes need the write scope; reads any example.com address or the
    // read scope; /admin/ the admins group, in the old shorthand.
    config_.rules = {{"/api/*", {}, {"POST", "DELETE"}, {scope("write")}},
                     {"/api/*", {}, {"GET"}, {domain("example.com"), scope("read")}},
                     {"/admin/*", {"admins"}}};
    config_.headers = {{"X-Barrier-Department", "department"}};
    use(mustValidate(config_));
  }

  void use(ValidConfig valid) {
    checker_.reset();
    valid_.emplace(std::move(valid));
    cache_ = makeLruSessionCache(clock_, valid_->cache);
    checker_ = std::make_unique<Checker>(*valid_, *crypto_, clock_, *cache_, log_);
  }

  std::string addSession(std::string email, std::vector<RecordClaim> claims,
                         std::vector<std::string> groups = {}) {
    auto issued = checker_->codec().issue(random_);
    EXPECT_TRUE(issued.isOk());
    SessionRecord r;
    r.key = issued->store_key;
    r.valid_until = kNow + 3600;
    r.sub = "sub-1";
    r.email = std::move(email);
    r.groups = std::move(groups);
    r.claims = std::move(claims);
    EXPECT_TRUE(store_->putNew(r).isOk());
    return "barrier=" + issued->cookie_value;
  }

  CheckOutcome outcome(const std::string& method, const std::string& path,
                       const std::string& cookie) {
    Request r;
    r.method = method;
    r.path = path;
    r.headers.add("Cookie", cookie);
    return check(*checker_, r, *store_).outcome;
  }

  FixedClock clock_{kNow};
  SeededRandom random_{7};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> store_ = makeMemoryStore();
  NullLog log_;
  Config config_ = testConfig();
  std::optional<ValidConfig> valid_;
  std::unique_ptr<SessionCache> cache_;
  std::unique_ptr<Checker> checker_;
};

// A rule applies only to its methods; the first rule matching path and
// method decides; a method no rule lists needs only a session.
TEST_F(CheckAccessTest, MethodsSelectTheRule) {
  std::string reader = addSession("a@example.com", {});
  std::string writer = addSession("", {{"scope", {"write"}}});
  EXPECT_EQ(outcome("GET", "/api/x", reader), CheckOutcome::kPass);
  EXPECT_EQ(outcome("POST", "/api/x", reader), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("DELETE", "/api/x", reader), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("GET", "/api/x", writer), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("POST", "/api/x", writer), CheckOutcome::kPass);
  EXPECT_EQ(outcome("PUT", "/api/x", writer), CheckOutcome::kPass);
  // HEAD shows what GET would: a rule listing GET covers it.
  EXPECT_EQ(outcome("HEAD", "/api/x", writer), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("HEAD", "/api/x", reader), CheckOutcome::kPass);
  // A method in another case is the same method to many origins.
  EXPECT_EQ(outcome("delete", "/api/x", reader), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("Post", "/api/x", writer), CheckOutcome::kPass);
}

// Near misses of each condition kind are refused at the checker.
TEST_F(CheckAccessTest, NearMissesRefused) {
  for (const char* email :
       {"a@example.com.evil", "a@evil-example.com", "", "a@EXAMPLE.com.", "example.com"}) {
    EXPECT_EQ(outcome("GET", "/api/x", addSession(email, {})), CheckOutcome::kForbidden) << email;
  }
  EXPECT_EQ(outcome("GET", "/api/x", addSession("A@EXAMPLE.COM", {})), CheckOutcome::kPass);
  EXPECT_EQ(outcome("GET", "/api/x", addSession("", {{"scope", {"READ"}}})),
            CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("GET", "/api/x", addSession("", {{"scope", {}}})), CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("GET", "/api/x", addSession("", {{"scopes", {"read"}}})),
            CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("GET", "/admin/x", addSession("a@example.com", {}, {"Admins"})),
            CheckOutcome::kForbidden);
  EXPECT_EQ(outcome("GET", "/admin/x", addSession("", {}, {"admins"})), CheckOutcome::kPass);
}

// The ambiguity rule holds for allow lists too: each reading's own rule.
TEST_F(CheckAccessTest, AmbiguousPathMeetsEveryReading) {
  config_.rules = {{"/open/*", {}, {}, {domain("example.com")}},
                   {"/admin/*", {}, {}, {scope("admin")}}};
  use(mustValidate(config_));
  std::string user = addSession("a@example.com", {});
  EXPECT_EQ(outcome("GET", "/open/x", user), CheckOutcome::kPass);
  EXPECT_EQ(outcome("GET", "/open/..%2Fadmin/x", user), CheckOutcome::kForbidden);
  std::string admin = addSession("a@example.com", {{"scope", {"admin"}}});
  EXPECT_EQ(outcome("GET", "/open/..%2Fadmin/x", admin), CheckOutcome::kPass);
}

// Claim headers come from the record's kept claims, every one present
// (empty without the claim), values joined as groups are.
TEST_F(CheckAccessTest, ClaimHeaders) {
  Request r;
  r.method = "GET";
  r.path = "/page";
  r.headers.add("Cookie", addSession("a@example.com", {{"department", {"sales", "r,d"}}}));
  r.headers.add("X-Barrier-Department", "forged");
  CheckDecision d = check(*checker_, r, *store_);
  ASSERT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_FALSE(d.request.headers.has("X-Barrier-Department")) << "the client's copy is stripped";
  Headers identity = d.identityHeaders();
  EXPECT_EQ(identity.size(), 5u);
  EXPECT_EQ(identity.get("X-Barrier-Department"), "sales,r%2Cd");
  r.headers.set("Cookie", addSession("a@example.com", {}));
  Headers none = check(*checker_, r, *store_).identityHeaders();
  EXPECT_TRUE(none.has("X-Barrier-Department"));
  EXPECT_EQ(none.get("X-Barrier-Department"), "");
}

// cors_preflight: pass lets an OPTIONS with Origin and
// Access-Control-Request-Method and no credentials through without a
// session; anything short of that, or the default, is checked as usual.
TEST_F(CheckAccessTest, CorsPreflight) {
  auto preflight = [](std::vector<std::pair<const char*, const char*>> headers) {
    Request r;
    r.method = "OPTIONS";
    r.path = "/api/x";
    for (auto [name, value] : headers) r.headers.add(name, value);
    return r;
  };
  const std::pair<const char*, const char*> origin{"Origin", "https://app.example.net"};
  const std::pair<const char*, const char*> method{"Access-Control-Request-Method", "POST"};
  Request good = preflight({origin, method});
  EXPECT_EQ(check(*checker_, good, *store_).outcome, CheckOutcome::kNoSession) << "default refuse";

  config_.cors_preflight_pass = true;
  use(mustValidate(config_));
  CheckDecision d = check(*checker_, good, *store_);
  EXPECT_EQ(d.outcome, CheckOutcome::kPublic);
  EXPECT_TRUE(d.forward);
  EXPECT_EQ(d.identityHeaders().size(), 0u);
  for (const Request& r :
       {preflight({origin}), preflight({method}), preflight({origin, method, {"Cookie", "a=b"}}),
        preflight({origin, method, {"Authorization", "Bearer x"}})}) {
    EXPECT_EQ(check(*checker_, r, *store_).outcome, CheckOutcome::kNoSession);
  }
  Request get = good;
  get.method = "GET";
  EXPECT_EQ(check(*checker_, get, *store_).outcome, CheckOutcome::kNoSession);
  Result<ValidConfig> decoded = decodeCheckerSettings(encodeCheckerSettings(*valid_));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_TRUE(decoded->cors_preflight_pass);
}

// The edge's settings carry methods, conditions and headers: a checker from
// them decides every case as the one from the configuration.
TEST_F(CheckAccessTest, CheckerSettingsDecideTheSame) {
  std::vector<std::string> cookies = {
      addSession("a@example.com", {}), addSession("a@example.com.evil", {}),
      addSession("", {{"scope", {"write"}}}), addSession("", {{"scope", {"read"}}}),
      addSession("", {}, {"admins"})};
  std::vector<CheckOutcome> want;
  const char* methods[] = {"GET", "POST", "HEAD", "PUT"};
  const char* paths[] = {"/api/x", "/admin/x", "/other"};
  for (const auto& c : cookies)
    for (const char* m : methods)
      for (const char* p : paths) want.push_back(outcome(m, p, c));
  Result<ValidConfig> decoded = decodeCheckerSettings(encodeCheckerSettings(*valid_));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->rules[0].methods, (std::vector<std::string>{"POST", "DELETE"}));
  ASSERT_EQ(decoded->rules[1].allow.size(), 2u);
  EXPECT_EQ(decoded->rules[1].allow[0].email_domains, std::vector<std::string>{"example.com"});
  EXPECT_EQ(decoded->headers.size(), 1u);
  use(std::move(decoded.value()));
  size_t i = 0;
  for (const auto& c : cookies)
    for (const char* m : methods)
      for (const char* p : paths) EXPECT_EQ(outcome(m, p, c), want[i++]) << m << " " << p;
}

// A settings file whose condition has no line is refused (it would let
// every session in), as are condition lines without a rule.allow.
TEST_F(CheckAccessTest, CheckerSettingsRefuseOpenConditions) {
  std::string settings = encodeCheckerSettings(*valid_);
  std::string empty = settings;
  empty.insert(empty.rfind("end\n"), "rule %2Fx\nrule.allow\n");
  EXPECT_FALSE(decodeCheckerSettings(empty).isOk());
  std::string orphan = settings;
  orphan.insert(orphan.rfind("end\n"), "rule %2Fx\ncondition.groups a\n");
  EXPECT_FALSE(decodeCheckerSettings(orphan).isOk());
}

// The fuzz corpus's access seeds are what they say: one decodes in full,
// the broken ones are refused.
TEST(CheckerSettingsAccessCorpus, SeedsDecodeAsNamed) {
  auto read = [](const char* name) {
    std::ifstream in(std::string(BARRIER_SOURCE_DIR) + "/tests/fuzz/corpus/checker_settings/" +
                     name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  Result<ValidConfig> valid = decodeCheckerSettings(read("valid-access"));
  ASSERT_TRUE(valid.isOk()) << valid.status().toString();
  const AccessRule& rule = valid->rules.back();
  EXPECT_EQ(rule.methods, (std::vector<std::string>{"POST", "DELETE"}));
  ASSERT_EQ(rule.allow.size(), 2u);
  EXPECT_EQ(rule.allow[0].claims[0].values, std::vector<std::string>{"api/write"});
  EXPECT_EQ(rule.allow[1].emails, std::vector<std::string>{"a@example.com"});
  EXPECT_EQ(rule.allow[1].users, std::vector<std::string>{"sub-1"});
  EXPECT_TRUE(valid->cors_preflight_pass);
  EXPECT_FALSE(decodeCheckerSettings(read("broken-empty-condition")).isOk());
  EXPECT_FALSE(decodeCheckerSettings(read("broken-orphan-condition")).isOk());
}

}  // namespace
}  // namespace barrier
