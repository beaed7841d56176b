#include "server/gateway.h"

#include <gtest/gtest.h>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/session/session_cache.h"
#include "server/forward_auth.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

// /_identity/check, /health and /metrics are the gateway's; other
// /_identity/ paths are the manager's; everything else is protected.
TEST(GatewayTest, Routes) {
  EXPECT_EQ(Gateway::route("/_identity/check"), Gateway::Route::kCheck);
  EXPECT_EQ(Gateway::route("/_identity/health"), Gateway::Route::kHealth);
  EXPECT_EQ(Gateway::route("/_identity/metrics"), Gateway::Route::kMetrics);
  EXPECT_EQ(Gateway::route("/_identity/login"), Gateway::Route::kIdentity);
  EXPECT_EQ(Gateway::route("/_identity/checkx"), Gateway::Route::kIdentity);
  EXPECT_EQ(Gateway::route("/_identity"), Gateway::Route::kIdentity);
  EXPECT_EQ(Gateway::route("/_identityx"), Gateway::Route::kProtected);
  EXPECT_EQ(Gateway::route("/"), Gateway::Route::kProtected);
}

// The subject of a forward-auth check comes from X-Original-URI (nginx) or
// X-Forwarded-Uri (Traefik, Caddy), with the method alongside.
TEST(GatewayTest, ForwardAuthSubject) {
  Request check;
  check.path = "/_identity/check";
  check.headers = {
      {"X-Original-URI", "/a/b?x=1"}, {"X-Original-Method", "POST"}, {"Cookie", "barrier=v"}};
  auto subject = forwardAuthSubject(check);
  ASSERT_TRUE(subject.isOk());
  EXPECT_EQ(subject->path, "/a/b");
  EXPECT_EQ(subject->query, "x=1");
  EXPECT_EQ(subject->method, "POST");
  EXPECT_EQ(subject->headers.get("Cookie"), "barrier=v");
  check.headers = {{"X-Forwarded-Uri", "/t"}, {"X-Forwarded-Method", "DELETE"}};
  EXPECT_EQ(forwardAuthSubject(check)->method, "DELETE");
  check.headers = {{"X-Forwarded-Uri", "/t"}};
  EXPECT_EQ(forwardAuthSubject(check)->method, "GET");
  for (const char* uri : {"", "t", "http://evil/"}) {
    check.headers = {{"X-Original-URI", uri}};
    EXPECT_FALSE(forwardAuthSubject(check).isOk()) << uri;
  }
}

// A proxy sets one of the headers and passes the visitor's others on (Caddy
// and Traefik send every request header to the check): values that
// disagree are refused, so a visitor cannot name a public path for a
// protected one. Equal values, as a proxy setting both sends, pass.
TEST(GatewayTest, ForwardAuthSubjectRefusesConflictingHeaders) {
  Request check;
  check.headers = {{"X-Original-URI", "/public/x"}, {"X-Forwarded-Uri", "/admin/"}};
  auto refused = forwardAuthSubject(check);
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("conflicting X-Original-URI and X-Forwarded-Uri"),
            std::string::npos)
      << refused.status().message();
  check.headers = {{"X-Original-URI", "/admin/"}, {"X-Original-URI", "/public/x"}};
  EXPECT_FALSE(forwardAuthSubject(check).isOk());
  check.headers = {
      {"X-Forwarded-Uri", "/a"}, {"X-Original-Method", "GET"}, {"X-Forwarded-Method", "POST"}};
  EXPECT_FALSE(forwardAuthSubject(check).isOk());
  check.headers = {
      {"X-Original-URI", "/a?b"}, {"X-Forwarded-Uri", "/a?b"}, {"X-Forwarded-Method", "PUT"}};
  auto same = forwardAuthSubject(check);
  ASSERT_TRUE(same.isOk()) << same.status().toString();
  EXPECT_EQ(same->path, "/a");
  EXPECT_EQ(same->method, "PUT");
}

// The visitor's host comes from X-Forwarded-Host (or X-Original-Host) and
// becomes the subject's Host (allowed_hosts); values that disagree are
// refused as for the URI; without either, the check request's Host stays.
TEST(GatewayTest, ForwardAuthSubjectTakesTheForwardedHost) {
  Request check;
  check.headers = {{"Host", "barrier:8080"},
                   {"X-Forwarded-Uri", "/a"},
                   {"X-Forwarded-Host", "docs.example.com"}};
  EXPECT_EQ(forwardAuthSubject(check)->headers.get("Host"), "docs.example.com");
  check.headers = {
      {"Host", "barrier:8080"}, {"X-Original-URI", "/a"}, {"X-Original-Host", "docs.example.com"}};
  EXPECT_EQ(forwardAuthSubject(check)->headers.get("Host"), "docs.example.com");
  check.headers = {{"X-Forwarded-Uri", "/a"},
                   {"X-Forwarded-Host", "docs.example.com"},
                   {"X-Original-Host", "app.example.com"}};
  EXPECT_FALSE(forwardAuthSubject(check).isOk());
  check.headers = {{"Host", "barrier:8080"}, {"X-Forwarded-Uri", "/a"}};
  EXPECT_EQ(forwardAuthSubject(check)->headers.get("Host"), "barrier:8080");
}

// Pass: 200 with only the identity headers, all of them. Login redirect: 401 with the
// login URL in X-Barrier-Login (or the 307 itself with redirect). Others
// keep their status.
TEST(GatewayTest, ForwardAuthResponse) {
  CheckDecision pass;
  pass.outcome = CheckOutcome::kPass;
  pass.forward = true;
  pass.request.headers = {{"Cookie", "c"}, {"Accept", "*/*"}};
  SessionRecord alice;
  alice.key = "k1";
  alice.username = "alice";
  pass.session = CachedSession::make(alice);
  Response allowed = forwardAuthResponse(pass, false);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.headers.get("X-Barrier-User"), "alice");
  EXPECT_EQ(allowed.headers.get("X-Barrier-Session-Id"), "k1");
  EXPECT_FALSE(allowed.headers.has("Cookie"));
  EXPECT_FALSE(allowed.headers.has("Accept"));
  EXPECT_EQ(allowed.headers.getAll("X-Barrier-Email"), std::vector<std::string>{""});

  // A public path: every identity header, each empty, so that a proxy
  // copying them replaces whatever the visitor sent.
  CheckDecision open;
  open.outcome = CheckOutcome::kPublic;
  open.forward = true;
  Response anonymous = forwardAuthResponse(open, false);
  EXPECT_EQ(anonymous.status, 200);
  for (const char* name : kIdentityHeaders) {
    EXPECT_EQ(anonymous.headers.getAll(name), std::vector<std::string>{""}) << name;
  }
  // Configured claim headers too, present and empty, and filled on a pass.
  std::vector<HeaderClaim> claim_headers = {{"X-Barrier-Department", "department"}};
  open.claim_headers = &claim_headers;
  EXPECT_EQ(forwardAuthResponse(open, false).headers.getAll("X-Barrier-Department"),
            std::vector<std::string>{""});
  CheckDecision member = open;
  member.outcome = CheckOutcome::kPass;
  SessionRecord record;
  record.claims = {{"department", {"sales"}}};
  member.session = CachedSession::make(record);
  EXPECT_EQ(forwardAuthResponse(member, false).headers.getAll("X-Barrier-Department"),
            std::vector<std::string>{"sales"});

  CheckDecision login;
  login.response.status = 307;
  login.response.headers = {{"Location", "/_identity/login?path=%2Fa"},
                            {"Set-Cookie", "x=; Max-Age=0"}};
  Response denied = forwardAuthResponse(login, false);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.headers.get(kHeaderLogin), "/_identity/login?path=%2Fa");
  EXPECT_FALSE(denied.headers.has("Location"));
  EXPECT_EQ(forwardAuthResponse(login, true).status, 307);

  CheckDecision forbidden;
  forbidden.response.status = 403;
  EXPECT_EQ(forwardAuthResponse(forbidden, false).status, 403);
  CheckDecision down;
  down.response.status = 503;
  EXPECT_EQ(forwardAuthResponse(down, false).status, 503);
}

// ?redirect=1 or =true asks for the redirecting variant.
TEST(GatewayTest, WantsRedirect) {
  Request r;
  r.query = "redirect=1";
  EXPECT_TRUE(wantsRedirect(r));
  r.query = "a=b&redirect=true";
  EXPECT_TRUE(wantsRedirect(r));
  r.query = "redirect=0";
  EXPECT_FALSE(wantsRedirect(r));
  r.query = "noredirect=1";
  EXPECT_FALSE(wantsRedirect(r));
}

// Health mirrors the store's ping; a failing store gives 503 + Retry-After
// without its error text.
TEST(GatewayTest, Health) {
  class DownStore : public ForwardingSessionStore {
   public:
    using ForwardingSessionStore::ForwardingSessionStore;
    Status ping() override { return Status::unavailable("/secret/path.db locked"); }
  };
  const ValidConfig config = mustValidate(testConfig());
  FixedClock clock(1700000000);
  auto crypto = makeOpenSslCrypto();
  auto cache = makeLruSessionCache(clock, config.cache);
  NullLog log;
  Checker checker(config, *crypto, clock, *cache, log);
  auto store = makeMemoryStore();
  Metrics metrics;
  Gateway up(config, checker, *store, metrics, nullptr, {});
  EXPECT_EQ(up.health().status, 200);
  DownStore down_store(*store);
  Gateway down(config, checker, down_store, metrics, nullptr, {});
  Response response = down.health();
  EXPECT_EQ(response.status, 503);
  EXPECT_TRUE(response.headers.has("Retry-After"));
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
  // Without manager handlers, /_identity/* is a 404 page.
  Request request;
  request.path = "/_identity/login";
  EXPECT_EQ(up.identity(request).status, 404);
}

// The cache-hit counter counts lookups the cache answered, and nothing
// else: a bearer token's pass or 403 looks nothing up; a session's first
// check reads the store (a miss), its next ones (pass or 403) are hits.
TEST(GatewayTest, CountsOnlyCacheLookupsThatHit) {
  class FixedBearer : public BearerTokenCheck {
   public:
    Result<SessionRecord> verify(std::string_view) override {
      SessionRecord r;
      r.sub = "api-client";
      r.valid_until = 1700000000 + 3600;
      return r;
    }
  };
  Config c = testConfig();
  c.api.bearer = true;
  c.api.audiences = {"api"};
  c.rules = {AccessRule{"/admin/*", {"admin"}}};
  const ValidConfig config = mustValidate(c);
  FixedClock clock(1700000000);
  auto crypto = makeOpenSslCrypto();
  auto cache = makeLruSessionCache(clock, config.cache);
  NullLog log;
  FixedBearer bearer;
  Checker checker(config, *crypto, clock, *cache, log, nullptr, &bearer);
  auto store = makeMemoryStore();
  Metrics metrics;
  Gateway gateway(config, checker, *store, metrics, nullptr, {});
  auto check = [&](Request request) {
    CheckStep step = gateway.beginCheck(std::move(request));
    return step.needsLookup() ? gateway.finishCheck(std::move(step)) : std::move(step).decision();
  };
  auto get = [](std::string path, const char* header, std::string value) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers.add(header, std::move(value));
    return r;
  };

  EXPECT_EQ(check(get("/data", "Authorization", "Bearer t")).outcome, CheckOutcome::kPass);
  EXPECT_EQ(check(get("/admin/x", "Authorization", "Bearer t")).outcome, CheckOutcome::kForbidden);
  EXPECT_EQ(metrics.cacheHits(), 0u) << "a bearer token is not a cache lookup";
  EXPECT_EQ(metrics.cacheMisses(), 0u);

  SeededRandom random(7);
  auto issued = checker.codec().issue(random);
  ASSERT_TRUE(issued.isOk());
  SessionRecord record;
  record.key = issued->store_key;
  record.kind = RecordKind::kSession;
  record.valid_until = 1700000000 + 3600;
  record.sub = "alice";
  ASSERT_TRUE(store->putNew(record).isOk());
  std::string cookie = config.session.cookie_name + "=" + issued->cookie_value;
  EXPECT_EQ(check(get("/data", "Cookie", cookie)).outcome, CheckOutcome::kPass);
  EXPECT_EQ(metrics.cacheHits(), 0u);
  EXPECT_EQ(metrics.cacheMisses(), 1u);
  EXPECT_EQ(check(get("/data", "Cookie", cookie)).outcome, CheckOutcome::kPass);
  EXPECT_EQ(check(get("/admin/x", "Cookie", cookie)).outcome, CheckOutcome::kForbidden);
  EXPECT_EQ(metrics.cacheHits(), 2u);
  EXPECT_EQ(metrics.cacheMisses(), 1u);
}

}  // namespace
}  // namespace barrier
