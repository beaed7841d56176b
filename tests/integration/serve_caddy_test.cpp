// examples/caddy/Caddyfile with a real Caddy (Debian's, 2.6): Caddy asks
// barrier's /_identity/check?redirect=1 about every request, relays the
// login redirect and refusals to the browser, and passes barrier's identity
// headers — never the visitor's, nor a placeholder's text — to the
// application. The example is used as shipped; only the site address and
// the ports change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/proxy_example.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const char kCaddy[] = "/usr/bin/caddy";

class ServeCaddyTest : public ProxyExampleTest {
 protected:
  void SetUp() override {
    if (::access(kCaddy, X_OK) != 0)
      GTEST_SKIP() << "needs " << kCaddy << " (apt-get install caddy)";
    std::string example = startBackends("examples/caddy/Caddyfile", "barrier-caddy-");
    ASSERT_NE(example.find("forward_auth"), std::string::npos);
    // Caddy 2.6 replaces every copied header itself; newer ones skip a header
    // that is empty in the answer, and keep the visitor's. The example
    // removes them first, in a route (written order), which this Caddy
    // cannot show: the order is checked here.
    size_t route = example.find("route {");
    size_t strip = example.find("request_header -X-Barrier-*");
    size_t check = example.find("\tforward_auth ");
    ASSERT_TRUE(route < strip && strip < check) << example;
    example = replaceAll(example, "www.example.com {",
                         "http://127.0.0.1:" + std::to_string(port_) + " {");
    // No admin endpoint (a fixed port) and no certificates; Caddy's own
    // files go to the test's directory, not the user's home.
    std::ofstream(fs::path(dir_) / "Caddyfile") << "{\n\tadmin off\n\tauto_https off\n}\n"
                                                << example;
    startProxy({"env", "HOME=" + dir_, "XDG_CONFIG_HOME=" + dir_, "XDG_DATA_HOME=" + dir_, kCaddy,
                "run", "--adapter", "caddyfile", "--config", dir_ + "/Caddyfile"});
  }
};

// Forged identity headers, also as CGI, WSGI and Rack read them
// (X_Barrier_User is their X-Barrier-User).
const char kForged[] =
    "X-Barrier-User: mallory\r\nX-Barrier-Email: mallory@example.com\r\n"
    "X-Barrier-Groups: admins\r\nX-Barrier-Session-Id: forged\r\n"
    "X_Barrier_User: mallory\r\nx_barrier-groups: mallory\r\nX-Barrier_Email: mallory\r\n";

// No header the application could read as an identity header but
// barrier's own four, once each at most.
void expectOnlyBarriersIdentity(const Headers& headers) {
  for (const Header& h : headers) {
    if (!isIdentityHeaderName(h.name)) continue;
    bool ours = false;
    for (const char* name : kIdentityHeaders) ours = ours || h.name == name;
    EXPECT_TRUE(ours) << h.name << ": " << h.value;
    EXPECT_NE(h.value, "mallory") << h.name;
  }
}

// A browser without a session gets barrier's own 307 to the login page,
// with the original path and query carried in ?path=.
TEST_F(ServeCaddyTest, NavigationWithoutSessionRedirectsToLogin) {
  HttpReply reply =
      get("/reports/q3?year=2024", "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n");
  EXPECT_EQ(reply.status, 307) << proxyLog();
  std::string location = reply.headers.get("Location");
  EXPECT_EQ(location.rfind("/_identity/login?path=", 0), 0u) << location;
  EXPECT_NE(location.find("year%3D2024"), std::string::npos) << location;
  EXPECT_TRUE(app_->seen().empty());
}

// A fetch without a session gets 401, not a redirect, even with forged
// identity headers.
TEST_F(ServeCaddyTest, FetchWithoutSessionIs401) {
  HttpReply reply = get(
      "/api/data", std::string("Accept: application/json\r\nSec-Fetch-Mode: cors\r\n") + kForged);
  EXPECT_EQ(reply.status, 401);
  EXPECT_FALSE(reply.headers.has("Location"));
  EXPECT_TRUE(app_->seen().empty());
}

// With a session the application answers and sees barrier's identity
// headers, once each; every forged one is replaced.
TEST_F(ServeCaddyTest, SessionPassesWithIdentityHeaders) {
  std::string cookie = "Cookie: " + barrier_->login("alice", {"admins"}) + "\r\n";
  HttpReply reply = get("/page?x=1", cookie + kForged);
  ASSERT_EQ(reply.status, 200) << proxyLog();
  EXPECT_EQ(reply.body, "app: /page?x=1");
  auto seen = app_->seen();
  ASSERT_EQ(seen.size(), 1u);
  for (const char* name : kIdentityHeaders) {
    EXPECT_EQ(seen[0].headers.getAll(name).size(), 1u) << name;
  }
  expectOnlyBarriersIdentity(seen[0].headers);
  EXPECT_EQ(seen[0].headers.get("X-Barrier-User"), "alice");
  EXPECT_EQ(seen[0].headers.get("X-Barrier-Groups"), "admins");
  EXPECT_EQ(seen[0].headers.get("X-Barrier-Email"), "alice@example.com");
  std::string session_id = seen[0].headers.get("X-Barrier-Session-Id");
  EXPECT_FALSE(session_id.empty());
  EXPECT_NE(session_id, "forged");
}

// A public path reaches the application without a session, and without any
// identity: not the visitor's forged headers, and not the text of Caddy's
// placeholders (Caddy 2.6 forwards "{http.reverse_proxy.header.…}" for a
// header missing from the answer; barrier's answer has them all, empty).
TEST_F(ServeCaddyTest, PublicPathCarriesNoIdentity) {
  HttpReply reply = get("/public/logo.png", kForged);
  ASSERT_EQ(reply.status, 200) << proxyLog();
  EXPECT_EQ(reply.body, "app: /public/logo.png");
  auto seen = app_->seen();
  ASSERT_EQ(seen.size(), 1u);
  for (const char* name : kIdentityHeaders) {
    for (const std::string& value : seen[0].headers.getAll(name)) {
      EXPECT_EQ(value, "") << name;
    }
  }
  expectOnlyBarriersIdentity(seen[0].headers);
}

// Caddy passes every visitor header to the check and sets X-Forwarded-Uri
// itself: a visitor's X-Original-URI naming a public path must not stand
// for the real one (it did: 200 from the application without a session,
// and bob reached /admin/).
TEST_F(ServeCaddyTest, VisitorCannotNameAnotherPath) {
  HttpReply anonymous = get("/api/data",
                            "Accept: application/json\r\n"
                            "X-Original-URI: /public/x\r\nX-Original-Method: GET\r\n");
  EXPECT_NE(anonymous.status, 200) << anonymous.body;
  std::string bob = "Cookie: " + barrier_->login("bob") + "\r\n";
  EXPECT_NE(get("/admin/", bob + "X-Original-URI: /public/x\r\n").status, 200);
  EXPECT_NE(get("/admin/", bob + "X-Original-URI: /page\r\n").status, 200);
  EXPECT_TRUE(app_->seen().empty());
}

// Access rules apply through Caddy too: bob is refused /admin/ with 403.
TEST_F(ServeCaddyTest, RuleRefusalIs403) {
  EXPECT_EQ(get("/admin/", "Cookie: " + barrier_->login("bob") + "\r\n").status, 403);
  EXPECT_EQ(get("/admin/", "Cookie: " + barrier_->login("alice", {"admins"}) + "\r\n").status, 200);
}

// /_identity/* goes to barrier itself (here the fixture's manager stand-in).
TEST_F(ServeCaddyTest, IdentityPathsAreProxiedToBarrier) {
  HttpReply reply = get("/_identity/login?path=/x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, std::string(kFakeIdentityBody) + "/_identity/login");
}

}  // namespace
}  // namespace barrier::testing
