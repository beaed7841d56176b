// `barrier serve` with allowed_hosts and session.cookie_domain against
// oidc-provider (tests/idp): the Host header selects one of the listed
// hosts (421 for any other), a sign-in that starts on a second host runs on
// site_url's host (one registered callback) and returns the visitor to the
// host it started on, with a session cookie for the parent domain.
//
// The server listens on 127.0.0.1; the hosts (app.localhost,
// docs.localhost) are only Host header values, so the test sends each
// request itself and carries the cookies a browser would.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapters/curl_http_client.h"
#include "support/idp_process.h"
#include "support/manager_browser.h"
#include "support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSite = "http://app.localhost";
const std::string kDocs = "http://docs.localhost";
constexpr char kNavigation[] = "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n";

class ServeHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IdpOptions idp;
    idp.redirect_uris = {kSite + "/_identity/auth"};
    idp.logout_uris = {kSite + "/_identity/signed-out"};
    idp_ = std::make_unique<IdpProcess>(idp);
    if (!idp_->ok()) GTEST_SKIP() << "needs node and oidc-provider: " << idp_->error();
    dir_ = makeTempDir("barrier-serve-hosts-");
    fs::create_directories(fs::path(dir_) / "site");
    std::ofstream(fs::path(dir_) / "site" / "guide") << "the guide\n";
    std::ofstream(fs::path(dir_) / "barrier.yaml")
        << "site_url: " << kSite << "\n"
        << "allowed_hosts: [docs.localhost]\n"
           "provider:\n  type: oidc\n  issuer: "
        << idp_->issuer()
        << "\n  client_id: barrier\n"
           "session:\n  cookie_domain: localhost\n  signing_keys: [\""
        << std::string(44, 'A')
        << "\"]\n"
           "store:\n  type: memory\n"
           "server:\n  origins:\n    - prefix: /\n      static: site\n";
    serve_ = std::make_unique<ServeProgram>(dir_ + "/barrier.yaml", dir_);
    ASSERT_TRUE(serve_->ok()) << serve_->error();
    http_ = makeCurlHttpClient();
  }
  void TearDown() override {
    serve_.reset();
    idp_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // GET `target` with Host `host` on barrier serve (at 127.0.0.1).
  HttpReply get(const std::string& host, const std::string& target,
                const std::string& extra = kNavigation) {
    HttpConnection connection("127.0.0.1", serve_->port());
    return connection.exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra +
                               "\r\n");
  }

  // "http://app.localhost/x?y" -> {"app.localhost", "/x?y"}.
  static std::pair<std::string, std::string> split(const std::string& url) {
    std::string rest = url.substr(url.find("://") + 3);
    size_t slash = rest.find('/');
    return {rest.substr(0, slash), slash == std::string::npos ? "/" : rest.substr(slash)};
  }

  // The "name=value" of the Set-Cookie for `name` in `reply`, and the whole
  // header through `set_cookie`.
  static std::string cookieOf(const HttpReply& reply, const std::string& name,
                              std::string* set_cookie = nullptr) {
    for (const std::string& header : reply.headers.getAll("Set-Cookie")) {
      if (!header.starts_with(name + "=")) continue;
      if (set_cookie != nullptr) *set_cookie = header;
      return header.substr(0, header.find(';'));
    }
    return "";
  }

  std::unique_ptr<IdpProcess> idp_;
  std::string dir_;
  std::unique_ptr<ServeProgram> serve_;
  std::unique_ptr<HttpClient> http_;
};

// Only site_url's host and allowed_hosts are served: any other Host gets
// 421, protected and /_identity/ paths alike; health stays reachable.
TEST_F(ServeHostsTest, UnlistedHostIsMisdirected) {
  for (const char* host : {"127.0.0.1", "evil.localhost", "docs.localhost.evil", "app.localhost:1",
                           "xdocs.localhost"}) {
    EXPECT_EQ(get(host, "/guide").status, 421) << host;
    EXPECT_EQ(get(host, "/_identity/login?path=%2F").status, 421) << host;
  }
  EXPECT_EQ(get("127.0.0.1", "/_identity/health", "").status, 200);
  EXPECT_EQ(get("DOCS.localhost", "/guide").status, 307) << "hosts compare ignoring case";
  EXPECT_EQ(get("app.localhost", "/guide").status, 307);
}

// A sign-in that starts on docs.localhost: the checker sends it to
// app.localhost's login with an absolute return URL, the provider returns
// to app.localhost's callback, and the callback sends the visitor back to
// docs.localhost with a session cookie for localhost, which docs accepts.
TEST_F(ServeHostsTest, SignInOnSecondHostReturnsThere) {
  HttpReply refused = get("docs.localhost", "/guide?x=1");
  ASSERT_EQ(refused.status, 307) << refused.body;
  std::string login = refused.headers.get("Location");
  EXPECT_EQ(login, kSite + "/_identity/login?path=http%3A%2F%2Fdocs.localhost%2Fguide%3Fx%3D1");

  auto [login_host, login_target] = split(login);
  ASSERT_EQ(login_host, "app.localhost");
  HttpReply started = get(login_host, login_target, "");
  ASSERT_EQ(started.status, 302) << started.body;
  std::string flow_set_cookie;
  std::string flow_cookie;
  for (const std::string& header : started.headers.getAll("Set-Cookie")) {
    if (header.starts_with("barrier-login-")) {
      flow_set_cookie = header;
      flow_cookie = header.substr(0, header.find(';'));
    }
  }
  ASSERT_FALSE(flow_cookie.empty());
  EXPECT_EQ(flow_set_cookie.find("Domain="), std::string::npos)
      << "the flow cookie stays on site_url's host: " << flow_set_cookie;
  std::string authorize = started.headers.get("Location");
  EXPECT_NE(authorize.find("redirect_uri=http%3A%2F%2Fapp.localhost%2F_identity%2Fauth"),
            std::string::npos)
      << authorize;

  // The provider's part, as a browser does it.
  ManagerBrowser browser(*http_, "in-process:none", [](const Request&) { return Response{}; });
  auto isCallback = [](const std::string& l) { return l.starts_with(kSite + "/_identity/auth"); };
  BrowserPage page = browser.follow(browser.get(authorize), isCallback);
  if (page.status == 200) {
    page = browser.follow(browser.submitLogin(page, "alice", "alice-password"), isCallback);
  }
  std::string callback = ManagerBrowser::resolve(page.url, page.location());
  ASSERT_TRUE(isCallback(callback)) << page.status << " " << page.location() << page.body;

  auto [callback_host, callback_target] = split(callback);
  HttpReply done = get(callback_host, callback_target, "Cookie: " + flow_cookie + "\r\n");
  ASSERT_EQ(done.status, 302) << done.body << serve_->log();
  EXPECT_EQ(done.headers.get("Location"), kDocs + "/guide?x=1");
  std::string session_set_cookie;
  std::string session = cookieOf(done, "barrier", &session_set_cookie);
  ASSERT_FALSE(session.empty());
  EXPECT_NE(session_set_cookie.find("; Domain=localhost;"), std::string::npos)
      << session_set_cookie;

  // A browser sends a Domain=localhost cookie to both hosts.
  for (const char* host : {"docs.localhost", "app.localhost"}) {
    HttpReply page_reply = get(host, "/guide?x=1", "Cookie: " + session + "\r\n");
    EXPECT_EQ(page_reply.status, 200) << host << page_reply.body;
    EXPECT_EQ(page_reply.body, "the guide\n") << host;
  }

  // Sign-out on the second host clears the cookie for the same domain.
  HttpReply out = get("docs.localhost", "/_identity/logout", "Cookie: " + session + "\r\n");
  ASSERT_EQ(out.status, 302);
  std::string cleared;
  cookieOf(out, "barrier", &cleared);
  EXPECT_NE(cleared.find("; Domain=localhost;"), std::string::npos) << cleared;
  EXPECT_EQ(get("docs.localhost", "/guide", "Cookie: " + session + "\r\n").status, 401);
}

// A link to /_identity/login on the second host moves to site_url's host
// before any flow starts (no flow cookie, no record).
TEST_F(ServeHostsTest, LoginLinkOnSecondHostMovesToTheSite) {
  HttpReply moved = get("docs.localhost", "/_identity/login?path=%2Fguide", "");
  ASSERT_EQ(moved.status, 302);
  EXPECT_EQ(moved.headers.get("Location"),
            kSite + "/_identity/login?path=http%3A%2F%2Fdocs.localhost%2Fguide");
  EXPECT_FALSE(moved.headers.has("Set-Cookie"));
}

}  // namespace
}  // namespace barrier::testing
