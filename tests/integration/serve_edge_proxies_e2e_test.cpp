// The whole forward-auth shape for real: the `barrier serve` program with a
// SQLite store behind nginx (auth_request, examples/nginx/barrier.conf) and
// Caddy (forward_auth, examples/caddy/Caddyfile), users signing in at the
// local identity provider (tests/idp on oidc-provider) by submitting its
// login form, and an application that records every header it receives.
// The examples are used as shipped; only addresses and ports change. The
// in-process suites (serve_nginx_test, serve_caddy_test) cover the same
// proxies faster, with sessions written straight into a memory store.
//
// Users: alice (group admins) and bob (no group); /admin/* needs admins.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "adapters/curl_http_client.h"
#include "adapters/sqlite_store.h"
#include "core/http/percent.h"
#include "tests/integration/support/idp_process.h"
#include "tests/integration/support/manager_browser.h"
#include "tests/integration/support/proxy_example.h"
#include "tests/integration/support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

// Sign-in starts per client address and minute: enough for every test's own
// sign-ins, few enough for the forwarding test to run out.
constexpr int kLoginRateLimit = 10;

const char kNavigation[] = "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n";
const char kXhr[] =
    "Accept: application/json\r\nSec-Fetch-Mode: cors\r\nX-Requested-With: XMLHttpRequest\r\n";

// Forwarding headers a visitor sends to make barrier or the application
// believe in another host, scheme, client or path.
const char kForgedForwarding[] =
    "X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n"
    "X-Forwarded-For: 203.0.113.7\r\nX-Real-IP: 203.0.113.7\r\n"
    "Forwarded: for=203.0.113.7;host=evil.example;proto=https\r\n";

class EdgeProxyE2eTest : public ::testing::TestWithParam<ProxyKind> {
 protected:
  void SetUp() override {
    if (std::string why = proxyUnavailableReason(GetParam()); !why.empty()) {
      GTEST_SKIP() << why;
    }
    dir_ = makeTempDir(std::string("barrier-e2e-") + proxyName(GetParam()) + "-");
    ASSERT_FALSE(dir_.empty());
    app_ = std::make_unique<FakeUpstream>(
        [](const SeenRequest& request) { return FakeUpstream::ok("app: " + request.target); });
    proxy_port_ = freePort();
    site_ = "http://127.0.0.1:" + std::to_string(proxy_port_);
    IdpOptions idp;
    idp.client_secret = "barrier-secret";
    idp.redirect_uris = {site_ + "/_identity/auth"};
    idp.logout_uris = {site_ + "/_identity/signed-out"};
    idp_ = std::make_unique<IdpProcess>(idp);
    ASSERT_TRUE(idp_->ok()) << idp_->error();
    ASSERT_NO_FATAL_FAILURE(startBarrier());
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  void TearDown() override {
    proxy_.reset();  // SIGTERM to each process group, then SIGKILL
    serve_.reset();
    idp_.reset();
    app_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // barrier.yaml for the forward-auth shape (no origins: the proxy serves
  // the site) with the proxy's address as site_url, as the examples say.
  void startBarrier() {
    fs::create_directories(fs::path(dir_) / "barrier");
    std::string config = "site_url: " + site_ +
                         "\n"
                         "session:\n"
                         "  signing_keys: [\"" +
                         std::string(44, 'k') +
                         "\"]\n"
                         "provider:\n"
                         "  type: oidc\n"
                         "  issuer: " +
                         idp_->issuer() +
                         "\n"
                         "  client_id: barrier\n"
                         "  client_secret: barrier-secret\n"
                         "store:\n"
                         "  type: sqlite\n"
                         "  path: sessions.db\n"
                         "server:\n"
                         "  threads: 2\n"
                         "  trust_forwarded_proto: true\n"
                         "  login_rate_limit: " +
                         std::to_string(kLoginRateLimit) +
                         "\n"
                         "public_paths: [\"/public/*\"]\n"
                         "rules:\n"
                         "  - path: /admin/*\n"
                         "    groups: [admins]\n";
    std::string path = dir_ + "/barrier/barrier.yaml";
    std::ofstream(path) << config;
    serve_ = std::make_unique<ServeProgram>(path, dir_ + "/barrier");
    ASSERT_TRUE(serve_->ok()) << serve_->error();
  }

  void startProxy() {
    std::string example = exampleWithPorts(GetParam(), serve_->port(), app_->port());
    ASSERT_FALSE(example.empty());
    std::string proxy_dir = dir_ + "/proxy";
    fs::create_directories(proxy_dir);
    std::string failure;
    proxy_ = startProxyProcess(writeProxyConfig(GetParam(), example, proxy_dir, proxy_port_),
                               proxy_dir, proxy_port_, failure);
    ASSERT_NE(proxy_, nullptr) << failure;
  }

  // One request to the proxy, as a client sends it.
  HttpReply get(const std::string& target, const std::string& extra = "") const {
    return httpGet(proxy_port_, target, extra);
  }

  // A browser whose every request goes over HTTP: the site's through the
  // proxy, the provider's to it.
  ManagerBrowser newBrowser() {
    return ManagerBrowser(*http_, "in-process:none", [](const Request&) { return Response{}; });
  }

  bool isCallback(const std::string& location) const {
    return location.starts_with(site_ + "/_identity/auth");
  }

  // The status with which the proxy sends a browser to the login page:
  // nginx's own 302 (the example's @barrier_login), or barrier's 307
  // relayed by Caddy (the check is asked with ?redirect=1).
  int loginRedirectStatus() const { return GetParam() == ProxyKind::kNginx ? 302 : 307; }

  // Signs `user` in as a browser does: a navigation to `path` is sent to
  // the login page, which goes to the provider; its form is submitted, and
  // the provider's redirect comes back through the proxy to barrier's
  // callback. Returns the "Cookie: barrier=..." line ("" on failure, with
  // the failure recorded).
  std::string signIn(ManagerBrowser& b, const std::string& user, const std::string& path = "/") {
    HttpReply refused = get(path, kNavigation);
    EXPECT_EQ(refused.status, loginRedirectStatus()) << refused.body;
    std::string login = refused.headers.get("Location");
    EXPECT_TRUE(login.starts_with("/_identity/login?path=")) << login;
    BrowserPage page = b.follow(b.get(ManagerBrowser::resolve(site_, login)),
                                [this](const std::string& l) { return isCallback(l); });
    if (page.status == 200) {  // the provider's login form
      page = b.follow(b.submitLogin(page, user, user + "-password"),
                      [this](const std::string& l) { return isCallback(l); });
    }
    if (!isCallback(ManagerBrowser::resolve(page.url, page.location()))) {
      ADD_FAILURE() << "no redirect to the callback: " << page.status << " " << page.location()
                    << page.body;
      return "";
    }
    BrowserPage done = b.get(ManagerBrowser::resolve(page.url, page.location()));
    EXPECT_EQ(done.status, 302) << done.body << serve_->log();
    EXPECT_EQ(done.location(), site_ + path);
    std::string cookie = b.cookie(site_, "barrier");
    EXPECT_FALSE(cookie.empty()) << "no session cookie";
    return cookie.empty() ? "" : "Cookie: barrier=" + cookie + "\r\n";
  }

  // The session records in barrier's SQLite file.
  std::vector<SessionRecord> sessions() {
    std::vector<SessionRecord> out;
    auto store = makeSqliteStore(dir_ + "/barrier/sessions.db");
    EXPECT_TRUE(store.isOk()) << store.status().toString();
    if (!store.isOk()) return out;
    auto all = (*store)->list(1000);
    EXPECT_TRUE(all.isOk()) << all.status().toString();
    if (!all.isOk()) return out;
    for (const SessionRecord& r : all->records) {
      if (r.kind == RecordKind::kSession) out.push_back(r);
    }
    return out;
  }

  std::string dir_;
  std::string site_;
  uint16_t proxy_port_ = 0;
  std::unique_ptr<FakeUpstream> app_;
  std::unique_ptr<IdpProcess> idp_;
  std::unique_ptr<ServeProgram> serve_;
  std::unique_ptr<ChildProcess> proxy_;
  std::unique_ptr<HttpClient> http_ = makeCurlHttpClient();
};

// A real sign-in through the proxy lands on the page asked for with a
// session in SQLite; the application then sees barrier's identity — once
// each, the session id being the SQLite record's key — and none of the
// identity or forwarding headers the visitor forged.
TEST_P(EdgeProxyE2eTest, SignInPassesOnlyBarriersIdentity) {
  ManagerBrowser alice = newBrowser();
  std::string cookie = signIn(alice, "alice", "/page?x=1");
  ASSERT_FALSE(cookie.empty());
  std::vector<SessionRecord> stored = sessions();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].username, "alice");

  HttpReply reply = get("/page?x=1", cookie + kForgedIdentity + kForgedForwarding);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "app: /page?x=1");
  auto seen = app_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(expectIdentity(seen[0].headers, "alice", "admins", "alice@example.com"), stored[0].key);
  // The application reads host and client from the proxy, never the visitor.
  EXPECT_TRUE(seen[0].headers.get("X-Forwarded-Host").starts_with("127.0.0.1"))
      << seen[0].headers.get("X-Forwarded-Host");
  EXPECT_TRUE(seen[0].headers.getAll("Forwarded").empty());
  EXPECT_EQ(seen[0].headers.get("X-Real-IP").find("203.0.113.7"), std::string::npos);
}

// A visitor's X-Original-URI / X-Forwarded-Uri naming a public path never
// stands for the path asked for: the proxy sets one of them itself, the
// visitor's copy of the other disagrees, and barrier answers 400 (which
// nginx's auth_request turns into a 500). Neither reaches the application.
TEST_P(EdgeProxyE2eTest, ForgedOriginalUriNamesNoOtherPath) {
  ManagerBrowser bob = newBrowser();
  std::string cookie = signIn(bob, "bob");
  ASSERT_FALSE(cookie.empty());
  const std::string forged =
      "X-Original-URI: /public/x\r\nX-Original-Method: GET\r\n"
      "X-Forwarded-Uri: /public/x\r\nX-Forwarded-Method: GET\r\n";
  int refused = GetParam() == ProxyKind::kNginx ? 500 : 400;
  EXPECT_EQ(get("/admin/", cookie + forged).status, refused);
  EXPECT_EQ(get("/admin/", forged + kXhr).status, refused);
  EXPECT_EQ(get("/page", forged).status, refused);
  EXPECT_TRUE(app_->seen().empty());
}

// Redirects and cookies come from site_url, whatever Host and forwarding
// headers the visitor sends: the login page's redirect to the provider
// names this site's callback, and the flow cookie no other domain. (nginx's
// only server block answers any Host; Caddy serves the site's own address
// alone, and gives another Host an empty answer, never the application.)
TEST_P(EdgeProxyE2eTest, ForgedHostNeverReachesRedirects) {
  std::string site_host = "127.0.0.1:" + std::to_string(proxy_port_);
  for (const std::string& host : {site_host, std::string("evil.example")}) {
    SCOPED_TRACE(host);
    HttpConnection connection("127.0.0.1", proxy_port_);
    HttpReply refused = connection.exchange("GET /page HTTP/1.1\r\nHost: " + host + "\r\n" +
                                            kNavigation + kForgedForwarding + "\r\n");
    if (GetParam() == ProxyKind::kCaddy && host != site_host) {
      EXPECT_EQ(refused.status, 200);
      EXPECT_EQ(refused.body, "");
      EXPECT_FALSE(refused.headers.has("Location"));
      continue;
    }
    ASSERT_EQ(refused.status, loginRedirectStatus()) << refused.body;
    std::string login = refused.headers.get("Location");
    EXPECT_EQ(login, "/_identity/login?path=%2Fpage");
    HttpReply start = get(login, kForgedForwarding);
    ASSERT_EQ(start.status, 302) << start.body;
    std::string authorize = start.headers.get("Location");
    EXPECT_TRUE(authorize.starts_with(idp_->issuer() + "/")) << authorize;
    EXPECT_NE(authorize.find("redirect_uri=" + percentEncode(site_ + "/_identity/auth")),
              std::string::npos)
        << authorize;
    EXPECT_EQ(authorize.find("evil"), std::string::npos) << authorize;
    std::string flow_cookie = start.headers.get("Set-Cookie");
    EXPECT_TRUE(flow_cookie.starts_with("barrier-login-")) << flow_cookie;
    EXPECT_EQ(flow_cookie.find("Domain"), std::string::npos) << flow_cookie;
    EXPECT_EQ(flow_cookie.find("Secure"), std::string::npos) << "site_url is plain http";
  }
  EXPECT_TRUE(app_->seen().empty());
}

// A visitor cannot escape the sign-in rate limit with a forged
// X-Forwarded-For: the example's proxy appends the real client address
// (nginx) or replaces the header (Caddy), and barrier counts the last entry.
TEST_P(EdgeProxyE2eTest, ForgedForwardedForSharesTheLoginLimit) {
  int started = 0, limited = 0;
  for (int i = 0; i < 2 * kLoginRateLimit; ++i) {
    std::string forged = "X-Forwarded-For: 198.51.100." + std::to_string(i) + "\r\n";
    int status = get("/_identity/login?path=%2F", forged).status;
    started += status == 302;
    limited += status == 429;
  }
  EXPECT_GT(limited, 0) << "every forged address got its own allowance";
  EXPECT_EQ(started + limited, 2 * kLoginRateLimit);
}

// Spellings of /admin/ that a proxy or an application may read as /admin/
// all meet the rule: bob is refused each with 403 (and the application never
// sees the request), alice, in admins, passes with each.
TEST_P(EdgeProxyE2eTest, EncodedAdminPathsMeetTheGroupRule) {
  ManagerBrowser alice_browser = newBrowser(), bob_browser = newBrowser();
  std::string alice = signIn(alice_browser, "alice");
  std::string bob = signIn(bob_browser, "bob");
  ASSERT_FALSE(alice.empty());
  ASSERT_FALSE(bob.empty());
  for (const char* path : {"/admin/", "/%61dmin/", "/x/..%2fadmin/", "//admin/", "/ADMIN/",
                           "/%2561dmin/x/..%2F..%2Fadmin/"}) {
    SCOPED_TRACE(path);
    size_t before = app_->seen().size();
    HttpReply refused = get(path, bob);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(app_->seen().size(), before) << "bob's request reached the application";
    HttpReply allowed = get(path, alice);
    EXPECT_EQ(allowed.status, 200) << allowed.body;
    auto seen = app_->seen();
    EXPECT_EQ(seen.size(), before + 1);
    if (!seen.empty()) {
      EXPECT_EQ(seen.back().headers.get("X-Barrier-User"), "alice");
    }
  }
}

// Without a session, a fetch or XHR gets barrier's 401 as it is (no
// redirect a script could not follow), a navigation the login page, and a
// public path passes without any identity.
TEST_P(EdgeProxyE2eTest, FetchWithoutSessionGets401) {
  for (const std::string& cookie : {std::string(), std::string("Cookie: barrier=forged.mac\r\n")}) {
    SCOPED_TRACE(cookie);
    HttpReply xhr = get("/api/data", cookie + kXhr + kForgedIdentity);
    EXPECT_EQ(xhr.status, 401);
    EXPECT_FALSE(xhr.headers.has("Location"));
    HttpReply navigation = get("/api/data", cookie + kNavigation);
    EXPECT_EQ(navigation.status, loginRedirectStatus());
    EXPECT_TRUE(navigation.headers.get("Location").starts_with("/_identity/login?path="));
  }
  EXPECT_TRUE(app_->seen().empty());
  HttpReply open = get("/public/logo.png", kForgedIdentity);
  ASSERT_EQ(open.status, 200);
  auto seen = app_->seen();
  ASSERT_EQ(seen.size(), 1u);
  for (const char* name : kIdentityHeaders) {
    for (const std::string& value : seen[0].headers.getAll(name)) EXPECT_EQ(value, "") << name;
  }
  expectOnlyBarriersIdentity(seen[0].headers);
}

// Logout through the proxy deletes the session from SQLite, clears the
// cookie and ends the provider's session: the old cookie is refused at
// once (the checker's cache forgets it too), the provider sends the browser
// back to the signed-out page, and the next sign-in asks for the password.
TEST_P(EdgeProxyE2eTest, LogoutEndsTheSession) {
  ManagerBrowser b = newBrowser();
  std::string cookie = signIn(b, "alice", "/page");
  ASSERT_FALSE(cookie.empty());
  ASSERT_EQ(get("/page", cookie).status, 200);  // now in the checker's cache
  ASSERT_EQ(sessions().size(), 1u);

  BrowserPage out = b.get(site_ + "/_identity/logout");
  ASSERT_EQ(out.status, 302) << out.body;
  EXPECT_TRUE(out.location().starts_with(idp_->issuer() + "/logout?")) << out.location();
  EXPECT_NE(out.location().find(percentEncode(site_ + "/_identity/signed-out")), std::string::npos)
      << out.location();
  EXPECT_EQ(b.cookie(site_, "barrier"), "");
  EXPECT_TRUE(sessions().empty());
  EXPECT_EQ(get("/page", cookie + kXhr).status, 401);
  EXPECT_EQ(get("/page", cookie + kNavigation).status, loginRedirectStatus());

  BrowserPage signed_out = b.follow(out, nullptr);
  EXPECT_EQ(signed_out.url, site_ + "/_identity/signed-out");
  EXPECT_EQ(signed_out.status, 200);
  EXPECT_NE(signed_out.body.find("/_identity/login"), std::string::npos) << signed_out.body;

  BrowserPage again = b.follow(b.get(site_ + "/_identity/login?path=%2F"),
                               [this](const std::string& l) { return isCallback(l); });
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("name=\"password\""), std::string::npos) << again.body;
  EXPECT_EQ(app_->seen().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Proxies, EdgeProxyE2eTest,
                         ::testing::Values(ProxyKind::kNginx, ProxyKind::kCaddy),
                         [](const auto& info) { return std::string(proxyName(info.param)); });

}  // namespace
}  // namespace barrier::testing
