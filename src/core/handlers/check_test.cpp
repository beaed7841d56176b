#include "core/handlers/check.h"

#include <gtest/gtest.h>

#include <optional>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/config/checker_settings.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;

// Counts reads and can be told to fail them.
class CountingStore : public ForwardingSessionStore {
 public:
  using ForwardingSessionStore::ForwardingSessionStore;
  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    ++gets;
    if (fail) return Status::unavailable("connection refused");
    return ForwardingSessionStore::get(key);
  }
  int gets = 0;
  bool fail = false;
};

class CheckTest : public ::testing::Test {
 protected:
  CheckTest() {
    config_.public_paths = {"/public/*", "/favicon.ico"};
    config_.rules = {{"/admin/*", {"admins"}}};
    config_.retry_after = 7;
    rebuild();
  }

  // A checker (and an empty cache) for `config_` as the test left it.
  void rebuild() { use(mustValidate(config_)); }

  void use(ValidConfig valid) {
    checker_.reset();
    valid_.emplace(std::move(valid));
    cache_ = makeLruSessionCache(clock_, valid_->cache);
    checker_ = std::make_unique<Checker>(*valid_, *crypto_, clock_, *cache_, log_);
  }

  // Stores a record and returns the cookie value that names it.
  std::string addRecord(RecordKind kind = RecordKind::kSession, int64_t valid_until = kNow + 3600,
                        std::vector<std::string> groups = {"users"}) {
    auto issued = checker_->codec().issue(random_);
    EXPECT_TRUE(issued.isOk());
    SessionRecord r;
    r.key = issued->store_key;
    r.kind = kind;
    r.valid_until = valid_until;
    r.created_at = kNow;
    r.sub = "sub-1";
    r.username = "alice";
    r.email = "alice@example.com";
    r.groups = std::move(groups);
    EXPECT_TRUE(memory_->putNew(r).isOk());
    return issued->cookie_value;
  }

  static Request navigation(std::string path, std::string cookie_header = "") {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers.add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    r.headers.add("Sec-Fetch-Mode", "navigate");
    if (!cookie_header.empty()) r.headers.add("Cookie", std::move(cookie_header));
    return r;
  }

  CheckDecision run(const Request& request) { return check(*checker_, request, store_); }

  FixedClock clock_{kNow};
  SeededRandom random_{1};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> memory_ = makeMemoryStore();
  CountingStore store_{*memory_};
  NullLog log_;
  // https://www.example.com, signing key 32 'k' bytes.
  Config config_ = testConfig();
  std::optional<ValidConfig> valid_;
  std::unique_ptr<SessionCache> cache_;
  std::unique_ptr<Checker> checker_;
};

// A valid session passes with the identity headers of its record.
TEST_F(CheckTest, ValidSessionPasses) {
  std::string cookie = addRecord(RecordKind::kSession, kNow + 3600, {"users", "a,b"});
  auto d = run(navigation("/page", "barrier=" + cookie));
  ASSERT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_TRUE(d.forward);
  Headers identity = d.identityHeaders();
  EXPECT_EQ(identity.size(), 4u);
  EXPECT_EQ(identity.get(kHeaderSessionId),
            checker_->codec().storeKey(cookie.substr(0, kIdTextLength)));
  EXPECT_EQ(identity.get(kHeaderUser), "alice");
  EXPECT_EQ(identity.get(kHeaderEmail), "alice@example.com");
  EXPECT_EQ(identity.get(kHeaderGroups), "users,a%2Cb");
  ASSERT_NE(d.session, nullptr);
  EXPECT_EQ(d.session->key(), identity.get(kHeaderSessionId));
  EXPECT_EQ(d.request.path, "/page");
  // The request itself carries no identity: the caller adds identityHeaders().
  EXPECT_FALSE(d.request.headers.has(kHeaderUser));

  // The next requests are answered from the cache, with the very record
  // the store's answer became: one shared object for the session.
  auto again = run(navigation("/other", "barrier=" + cookie));
  ASSERT_EQ(again.outcome, CheckOutcome::kPass);
  EXPECT_EQ(again.session, d.session);
  EXPECT_EQ(again.identityHeaders().get(kHeaderUser), "alice");
}

// A `login` record presented as a session cookie is refused: anyone can get a
// well-signed login id (docs/ARCHITECTURE.md, "Only live sessions pass").
TEST_F(CheckTest, LoginRecordIsNotASession) {
  std::string cookie = addRecord(RecordKind::kLogin, kNow + 300);
  auto d = run(navigation("/page", "barrier=" + cookie));
  EXPECT_EQ(d.outcome, CheckOutcome::kInvalidSession);
  EXPECT_FALSE(d.forward);
  EXPECT_EQ(d.response.status, 307);
  // And it stays refused when the (negative) cache answers.
  EXPECT_EQ(run(navigation("/page", "barrier=" + cookie)).response.status, 307);
}

// An expired session is refused.
TEST_F(CheckTest, ExpiredSessionRefused) {
  std::string cookie = addRecord(RecordKind::kSession, kNow);
  auto d = run(navigation("/page", "barrier=" + cookie));
  EXPECT_EQ(d.outcome, CheckOutcome::kInvalidSession);
  EXPECT_EQ(d.response.status, 307);
}

// Revocation latency by design: a deleted record is still served from the
// cache until its entry expires (cache.ttl), then refused.
TEST_F(CheckTest, DeletedSessionRefusedOnceCacheExpires) {
  std::string cookie = addRecord();
  Request req = navigation("/page", "barrier=" + cookie);
  ASSERT_EQ(run(req).outcome, CheckOutcome::kPass);
  ASSERT_TRUE(memory_->remove(checker_->codec().storeKey(cookie.substr(0, kIdTextLength))).isOk());
  clock_.advance(config_.cache.ttl - 1);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kPass);  // cached: the designed latency
  EXPECT_EQ(store_.gets, 1);
  clock_.advance(1);
  auto d = run(req);
  EXPECT_EQ(d.outcome, CheckOutcome::kUnknownSession);
  EXPECT_EQ(d.response.status, 307);
  EXPECT_EQ(store_.gets, 2);
}

// The cache never lets a session pass after its valid_until.
TEST_F(CheckTest, CacheNeverOutlivesValidUntil) {
  std::string cookie = addRecord(RecordKind::kSession, kNow + 10);
  Request req = navigation("/page", "barrier=" + cookie);
  ASSERT_EQ(run(req).outcome, CheckOutcome::kPass);
  clock_.advance(9);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kPass);
  EXPECT_EQ(store_.gets, 1);
  clock_.advance(1);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kInvalidSession);
}

// Unknown ids are cached negatively for negative_ttl, then asked again.
TEST_F(CheckTest, UnknownIdsCachedBriefly) {
  auto issued = checker_->codec().issue(random_);
  Request req = navigation("/page", "barrier=" + issued->cookie_value);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kUnknownSession);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kUnknownSession);
  EXPECT_EQ(store_.gets, 1);
  clock_.advance(config_.cache.negative_ttl);
  EXPECT_EQ(run(req).outcome, CheckOutcome::kUnknownSession);
  EXPECT_EQ(store_.gets, 2);
}

// A malformed neighbour cookie does not hide a valid session
// (docs/ARCHITECTURE.md, "Checker flow", step 3).
TEST_F(CheckTest, MalformedNeighbourDoesNotHideSession) {
  std::string cookie = addRecord();
  auto d = run(navigation("/page", "a=\"x; barrier=" + cookie));
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
}

// Duplicate cookies are each tried in order: a stale one before a valid one
// (and across Cookie headers) does not lock the visitor out.
TEST_F(CheckTest, DuplicateCookiesEachTried) {
  std::string valid = addRecord();
  auto stale = checker_->codec().issue(random_);
  Request req = navigation("/page", "barrier=garbage; barrier=" + stale->cookie_value);
  req.headers.add("Cookie", "barrier=" + valid);
  auto d = run(req);
  EXPECT_EQ(d.outcome, CheckOutcome::kPass);
  EXPECT_EQ(store_.gets, 2);  // the garbage one cost nothing
}

// Forged MACs (and wrong shapes) are refused without any store read.
TEST_F(CheckTest, ForgedMacNoStoreCall) {
  std::string cookie = addRecord();
  std::string forged = cookie;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  IdCodec other(*crypto_, {std::string(32, 'z')});
  auto foreign = other.issue(random_);
  for (const std::string& value : {forged, foreign->cookie_value, std::string("x"),
                                   cookie.substr(0, kIdTextLength), cookie + "A"}) {
    auto d = run(navigation("/page", "barrier=" + value));
    EXPECT_EQ(d.outcome, CheckOutcome::kBadCookie) << value;
    EXPECT_EQ(d.response.status, 307);
  }
  EXPECT_EQ(store_.gets, 0);
}

// Counts the digests the checker asks for.
class CountingCrypto : public ForwardingCrypto {
 public:
  using ForwardingCrypto::ForwardingCrypto;
  Digest sha256(std::string_view data) override {
    ++digests;
    return ForwardingCrypto::sha256(data);
  }
  Digest hmacSha256(std::string_view key, std::string_view data) override {
    ++digests;
    return ForwardingCrypto::hmacSha256(key, data);
  }
  int digests = 0;
};

// With a VerifiedIdMemo, a cookie value is MACed and hashed once: later
// requests decide the same without a digest. Forged values are never
// remembered, so they are refused every time, each at the cost of a MAC.
TEST_F(CheckTest, VerifiedIdMemoSkipsDigestsForKnownValues) {
  std::string cookie = addRecord();
  CountingCrypto crypto(*crypto_);
  VerifiedIdMemo memo;
  Checker checker(*valid_, crypto, clock_, *cache_, log_, &memo);
  CheckDecision first = check(checker, navigation("/page", "barrier=" + cookie), store_);
  ASSERT_EQ(first.outcome, CheckOutcome::kPass);
  EXPECT_EQ(crypto.digests, 2);  // the MAC and the store key
  ASSERT_NE(memo.find(cookie), nullptr);
  EXPECT_EQ(*memo.find(cookie), first.session->key());
  CheckDecision again = check(checker, navigation("/other", "barrier=" + cookie), store_);
  EXPECT_EQ(again.outcome, CheckOutcome::kPass);
  EXPECT_EQ(again.session, first.session);
  EXPECT_EQ(crypto.digests, 2);

  std::string forged = cookie;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(check(checker, navigation("/page", "barrier=" + forged), store_).outcome,
              CheckOutcome::kBadCookie);
  }
  EXPECT_EQ(crypto.digests, 4);  // one MAC per forged request
  EXPECT_EQ(memo.find(forged), nullptr);
}

// Store errors give 503 with Retry-After — never a pass — and are not cached.
TEST_F(CheckTest, StoreErrorIs503) {
  std::string cookie = addRecord();
  store_.fail = true;
  for (Request req :
       {navigation("/page", "barrier=" + cookie), navigation("/api", "barrier=" + cookie)}) {
    req.headers.set("Accept", req.path == "/api" ? "application/json" : "text/html");
    auto d = run(req);
    EXPECT_EQ(d.outcome, CheckOutcome::kStoreError);
    EXPECT_FALSE(d.forward);
    EXPECT_EQ(d.response.status, 503);
    EXPECT_EQ(d.response.headers.get("Retry-After"), "7");
  }
  store_.fail = false;
  EXPECT_EQ(run(navigation("/page", "barrier=" + cookie)).outcome, CheckOutcome::kPass);
}

// A client-sent X-Barrier-User never reaches the origin, in any case or
// with '_' for '-': on a pass it is replaced, on a public path removed.
TEST_F(CheckTest, SpoofedIdentityHeadersStripped) {
  std::string cookie = addRecord();
  Request req = navigation("/page", "barrier=" + cookie);
  req.headers.add("X-Barrier-User", "admin");
  req.headers.add("x-barrier-groups", "admins");
  req.headers.add("X-BARRIER-Anything", "1");
  // CGI, WSGI and Rack read these as X-Barrier-User and X-Barrier-Email.
  req.headers.add("X_Barrier_User", "admin");
  req.headers.add("x-barrier_email", "boss@example.com");
  req.headers.add("X-Barrierless", "kept");
  auto d = run(req);
  ASSERT_TRUE(d.forward);
  EXPECT_FALSE(d.request.headers.has("X-Barrier-User"));
  EXPECT_FALSE(d.request.headers.has("X-Barrier-Groups"));
  EXPECT_FALSE(d.request.headers.has("X-Barrier-Anything"));
  EXPECT_FALSE(d.request.headers.has("X_Barrier_User"));
  EXPECT_FALSE(d.request.headers.has("x-barrier_email"));
  EXPECT_EQ(d.request.headers.get("X-Barrierless"), "kept");
  Headers identity = d.identityHeaders();
  EXPECT_EQ(identity.getAll("X-Barrier-User"), std::vector<std::string>{"alice"});
  EXPECT_EQ(identity.getAll("X-Barrier-Groups"), std::vector<std::string>{"users"});

  Request pub = navigation("/public/logo.png");
  pub.headers.add("X-Barrier-User", "admin");
  pub.headers.add("X_BARRIER_USER", "admin");
  auto p = run(pub);
  EXPECT_EQ(p.outcome, CheckOutcome::kPublic);
  EXPECT_FALSE(p.request.headers.has("X-Barrier-User"));
  EXPECT_FALSE(p.request.headers.has("X_BARRIER_USER"));
  EXPECT_EQ(p.identityHeaders().size(), 0u);
}

// Public paths pass without a cookie and without a store read.
TEST_F(CheckTest, PublicPathsPass) {
  EXPECT_EQ(run(navigation("/favicon.ico")).outcome, CheckOutcome::kPublic);
  EXPECT_EQ(run(navigation("/public/a/b.css")).outcome, CheckOutcome::kPublic);
  EXPECT_EQ(run(navigation("/public/../secret")).outcome, CheckOutcome::kNoSession);
  // /secret to an origin that ends the path at '#', /favicon.ico otherwise.
  EXPECT_EQ(run(navigation("/secret#/../favicon.ico")).outcome, CheckOutcome::kNoSession);
  EXPECT_EQ(store_.gets, 0);
}

// Browser navigations without a session get 307 to login with the original
// path and query encoded once, and the cookie cleared.
TEST_F(CheckTest, NavigationRedirectsToLogin) {
  Request req = navigation("/a b/c");
  req.query = "x=1&y=%2F";
  auto d = run(req);
  EXPECT_EQ(d.outcome, CheckOutcome::kNoSession);
  EXPECT_EQ(d.response.status, 307);
  EXPECT_EQ(d.response.headers.get("Location"),
            "/_identity/login?path=%2Fa%20b%2Fc%3Fx%3D1%26y%3D%252F");
  std::string set_cookie = d.response.headers.get("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("barrier=;", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(d.response.headers.get("Cache-Control"), "no-store");
  // Without Sec-Fetch-Mode (older browsers) it is still a navigation.
  Request old = navigation("/x");
  old.headers.remove("Sec-Fetch-Mode");
  EXPECT_EQ(run(old).response.status, 307);
  // Upgrade-Insecure-Requests, which browsers send on navigations, is no Upgrade.
  old.headers.add("Upgrade-Insecure-Requests", "1");
  EXPECT_EQ(run(old).response.status, 307);
}

// With allowed_hosts, a navigation to another listed host signs in on
// site_url's host and returns to the host it came to (absolute return URL);
// an unlisted Host signs in as before. The cleared cookie names the
// cookie domain, as the session cookie does.
TEST_F(CheckTest, NavigationOnAnotherListedHostSignsInOnTheSite) {
  config_.site_url = "https://app.example.com";
  config_.session.cookie_domain = "example.com";
  config_.allowed_hosts = {"docs.example.com"};
  rebuild();
  Request req = navigation("/guide");
  req.query = "a=1";
  req.headers.add("Host", "DOCS.example.com");
  auto d = run(req);
  ASSERT_EQ(d.response.status, 307);
  EXPECT_EQ(d.response.headers.get("Location"),
            "https://app.example.com/_identity/"
            "login?path=https%3A%2F%2Fdocs.example.com%2Fguide%3Fa%3D1");
  EXPECT_NE(d.response.headers.get("Set-Cookie").find("; Domain=example.com;"), std::string::npos)
      << d.response.headers.get("Set-Cookie");
  for (const char* host :
       {"app.example.com", "evil.example", "docs.example.com.evil", "docs.example.com:8443"}) {
    Request other = navigation("/guide");
    other.headers.add("Host", host);
    EXPECT_EQ(run(other).response.headers.get("Location"), "/_identity/login?path=%2Fguide")
        << host;
  }
}

// XHR, non-GET, non-navigate fetches and Accept without HTML get 401 JSON.
TEST_F(CheckTest, NonNavigationsGet401) {
  Request xhr = navigation("/api");
  xhr.headers.add("X-Requested-With", "XMLHttpRequest");
  Request post = navigation("/form");
  post.method = "POST";
  Request fetch = navigation("/api");
  fetch.headers.set("Sec-Fetch-Mode", "cors");
  Request json = navigation("/api");
  json.headers.set("Accept", "application/json");
  Request none = navigation("/api");
  none.headers.remove("Accept");
  // A WebSocket opened by a client that claims to accept HTML (browsers
  // send Sec-Fetch-Mode: websocket; other clients send what they like).
  Request socket = navigation("/ws");
  socket.headers.remove("Sec-Fetch-Mode");
  socket.headers.add("Connection", "Upgrade");
  socket.headers.add("Upgrade", "websocket");
  for (const Request& req : {xhr, post, fetch, json, none, socket}) {
    auto d = run(req);
    EXPECT_EQ(d.response.status, 401) << req.method << " " << req.path;
    EXPECT_EQ(d.response.headers.get("Content-Type"), "application/json");
    EXPECT_FALSE(d.response.headers.has("Location"));
  }
}

// A valid session without a group the path's rule needs gets the 403 page;
// with the group it passes.
TEST_F(CheckTest, AccessRules) {
  std::string user = addRecord(RecordKind::kSession, kNow + 3600, {"users"});
  std::string admin = addRecord(RecordKind::kSession, kNow + 3600, {"admins"});
  auto d = run(navigation("/admin/panel", "barrier=" + user));
  EXPECT_EQ(d.outcome, CheckOutcome::kForbidden);
  EXPECT_EQ(d.response.status, 403);
  EXPECT_NE(d.response.body.find("Access denied"), std::string::npos);
  EXPECT_EQ(run(navigation("/%61dmin/panel", "barrier=" + user)).response.status, 403);
  EXPECT_EQ(run(navigation("/x/../ADMIN//panel", "barrier=" + user)).response.status, 403);
  EXPECT_EQ(run(navigation("/admin/panel", "barrier=" + admin)).outcome, CheckOutcome::kPass);
}

// A rule without groups needs only a session. validate() refuses one in a
// configuration, but checker.settings may carry one (a rule line without
// groups), and the edge checker reads it so.
TEST_F(CheckTest, RuleWithoutGroupsNeedsOnlyASession) {
  std::string settings = encodeCheckerSettings(*valid_);
  settings.insert(settings.rfind("end\n"), "rule %2Fstaff%2F%2A\n");
  Result<ValidConfig> decoded = decodeCheckerSettings(settings);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  use(std::move(decoded.value()));
  std::string user = addRecord(RecordKind::kSession, kNow + 3600, {"users"});
  EXPECT_EQ(run(navigation("/staff/x", "barrier=" + user)).outcome, CheckOutcome::kPass);
  EXPECT_EQ(run(navigation("/staff/x")).outcome, CheckOutcome::kNoSession);
}

// An ambiguous path is a page under each of its readings, and each reading's
// first rule must be met: /reports/..%2Fadmin/x is /reports/..%2Fadmin/x to
// one origin and /admin/x to another (nginx serves the latter), so the
// /reports/ rule matching first must not hide /admin/'s. In either order.
TEST_F(CheckTest, AmbiguousPathMeetsTheRuleOfEveryReading) {
  for (bool reports_first : {true, false}) {
    AccessRule reports{"/reports/*", {"staff", "admins"}};
    AccessRule admin{"/admin/*", {"admins"}};
    config_.rules = reports_first ? std::vector<AccessRule>{reports, admin}
                                  : std::vector<AccessRule>{admin, reports};
    rebuild();
    std::string staff = addRecord(RecordKind::kSession, kNow + 3600, {"staff"});
    std::string boss = addRecord(RecordKind::kSession, kNow + 3600, {"admins"});
    EXPECT_EQ(run(navigation("/reports/x", "barrier=" + staff)).outcome, CheckOutcome::kPass);
    EXPECT_EQ(run(navigation("/admin/x", "barrier=" + staff)).outcome, CheckOutcome::kForbidden);
    for (const char* path :
         {"/reports/..%2Fadmin/x", "/reports/..%5Cadmin/x", "/reports/..\\admin/x",
          "/reports/..%2fadmin/x", "/admin/x#/../../reports/x"}) {
      EXPECT_EQ(run(navigation(path, "barrier=" + staff)).outcome, CheckOutcome::kForbidden)
          << path << (reports_first ? " (reports first)" : " (admin first)");
      EXPECT_EQ(run(navigation(path, "barrier=" + boss)).outcome, CheckOutcome::kPass) << path;
    }
  }
}

// Key rotation: a cookie signed with the old key still passes once a new key
// is first in the list.
TEST_F(CheckTest, KeyRotation) {
  std::string old_cookie = addRecord();
  config_.session.signing_keys = {std::string(32, 'n'), std::string(32, 'k')};
  rebuild();
  EXPECT_EQ(run(navigation("/page", "barrier=" + old_cookie)).outcome, CheckOutcome::kPass);
  auto fresh = checker_->codec().issue(random_);
  IdCodec new_only(*crypto_, {std::string(32, 'n')});
  EXPECT_TRUE(new_only.verify(fresh->cookie_value).has_value());
}

// The sans-IO steps: begin asks for the key, resume with the answer decides;
// a cache hit needs no lookup at all.
TEST_F(CheckTest, SansIoSteps) {
  std::string cookie = addRecord();
  std::string key = checker_->codec().storeKey(cookie.substr(0, kIdTextLength));
  CheckStep step = checker_->begin(navigation("/page", "barrier=" + cookie));
  ASSERT_TRUE(step.needsLookup());
  EXPECT_EQ(step.lookupKey(), key);
  auto record = memory_->get(key);
  ASSERT_TRUE(record.isOk());
  step = checker_->resume(std::move(step), std::move(record));
  ASSERT_FALSE(step.needsLookup());
  EXPECT_EQ(step.decision().outcome, CheckOutcome::kPass);

  CheckStep cached = checker_->begin(navigation("/page", "barrier=" + cookie));
  EXPECT_FALSE(cached.needsLookup());
  EXPECT_EQ(cached.decision().outcome, CheckOutcome::kPass);
}

// At most kMaxSessionCandidates well-signed values cost a store read.
TEST_F(CheckTest, CandidatesAreBounded) {
  std::string header;
  for (int i = 0; i < 20; ++i) {
    header += "barrier=" + checker_->codec().issue(random_)->cookie_value + "; ";
  }
  EXPECT_EQ(run(navigation("/page", header)).outcome, CheckOutcome::kUnknownSession);
  EXPECT_EQ(store_.gets, static_cast<int>(kMaxSessionCandidates));
}

// Only the first kMaxCookieValuesExamined values are looked at: a valid
// session hidden behind many forged values is not found (and costs no read).
TEST_F(CheckTest, ExaminedValuesAreBounded) {
  std::string valid = addRecord();
  std::string forged = valid;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  std::string header;
  for (size_t i = 0; i < kMaxCookieValuesExamined; ++i) header += "barrier=" + forged + "; ";
  EXPECT_EQ(run(navigation("/page", header + "barrier=" + valid)).outcome,
            CheckOutcome::kBadCookie);
  EXPECT_EQ(store_.gets, 0);
  EXPECT_EQ(run(navigation("/page", "barrier=" + forged + "; barrier=" + valid)).outcome,
            CheckOutcome::kPass);
}

// Header values from the store cannot inject header lines.
TEST_F(CheckTest, IdentityHeadersSanitised) {
  auto issued = checker_->codec().issue(random_);
  SessionRecord r;
  r.key = issued->store_key;
  r.valid_until = kNow + 60;
  r.username = "eve\r\nX-Barrier-Groups: admins";
  ASSERT_TRUE(memory_->putNew(r).isOk());
  auto d = run(navigation("/page", "barrier=" + issued->cookie_value));
  ASSERT_EQ(d.outcome, CheckOutcome::kPass);
  Headers identity = d.identityHeaders();
  EXPECT_EQ(identity.get(kHeaderUser), "eveX-Barrier-Groups: admins");
  EXPECT_EQ(identity.get(kHeaderGroups), "");
}

}  // namespace
}  // namespace barrier
