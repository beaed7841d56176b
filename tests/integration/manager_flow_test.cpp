// The session manager's flows end to end against a real OpenID provider
// (tests/idp/idp.mjs on oidc-provider), driven by a small HTTP browser that
// submits the provider's login form. barrier's handlers run in-process; the
// provider runs as a child process on a free loopback port.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "adapters/curl_http_client.h"
#include "adapters/memory_store.h"
#include "adapters/sqlite_store.h"
#include "adapters/system.h"
#include "core/encoding.h"
#include "core/handlers/identity.h"
#include "core/http/percent.h"
#include "core/http/query.h"
#include "core/http/return_path.h"
#include "core/oidc/authorize.h"
#include "tests/integration/support/idp_process.h"
#include "tests/integration/support/manager_browser.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

using testing::BrowserPage;
using testing::IdpProcess;
using testing::ManagerBrowser;

const std::string kSite = "http://127.0.0.2:8080";

// The system clock plus an offset a test can move (to expire a login flow).
class OffsetClock : public Clock {
 public:
  int64_t nowMillis() override { return inner_->nowMillis() + offset_ * 1000; }
  void advance(int64_t seconds) { offset_ += seconds; }

 private:
  std::unique_ptr<Clock> inner_ = makeSystemClock();
  std::atomic<int64_t> offset_{0};
};

// A loopback socket that accepts connections but never answers: a hung provider.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { close(fd_); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_;
  int port_;
};

// A loopback port with nothing listening: a provider that is down.
std::string closedUrl(const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + path;
}

class ManagerFlowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { idp_ = new IdpProcess(idpOptions(/*es256=*/false)); }
  // The stand-in for this site; with `es256` it signs ID tokens ES256.
  static testing::IdpOptions idpOptions(bool es256) {
    testing::IdpOptions options;
    options.client_id = "barrier";
    options.client_secret = "barrier-secret";
    options.redirect_uris = {kSite + "/_identity/auth"};
    options.logout_uris = {kSite + "/_identity/signed-out"};
    options.es256 = es256;
    return options;
  }
  static void TearDownTestSuite() {
    delete idp_;
    idp_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(idp_->ok()) << idp_->error();
    config.site_url = kSite;
    config.session.signing_keys = {std::string(32, 's')};
    // The Cognito preset, pointed at the stand-in. A hosted-UI domain is a
    // host name served over https, so the stand-in's http:// endpoints are
    // given explicitly, at the paths Cognito's domain would have; the issuer
    // is the IdP's URL. The pool id only has to be well formed: the issuer
    // override replaces what it would derive.
    const std::string& idp = idp_->issuer();
    config.provider.type = ProviderConfig::Type::kCognito;
    config.provider.region = "eu-west-1";
    config.provider.user_pool_id = "eu-west-1_StandIn";
    config.provider.domain = "auth.example.com";
    config.provider.authorization_endpoint = idp + "/oauth2/authorize";
    config.provider.token_endpoint = idp + "/oauth2/token";
    config.provider.userinfo_endpoint = idp + "/oauth2/userInfo";
    config.provider.logout_endpoint = idp + "/logout";
    config.provider.issuer = idp;
    config.provider.client_id = "barrier";
    config.provider.client_secret = "barrier-secret";
    config.provider.timeout_ms = 3000;
  }

  // Built on first use from `config` as the test left it, validated.
  IdentityHandlers& manager() {
    if (!manager_) {
      valid_config_.emplace(mustValidate(config));
      manager_ = std::make_unique<IdentityHandlers>(
          *valid_config_, IdentityPorts{clock, *random, *crypto, *store, *http, log});
    }
    return *manager_;
  }

  ManagerBrowser newBrowser() {
    return ManagerBrowser(*http, kSite, [this](const Request& r) { return manager().handle(r); });
  }

  static bool isCallback(const std::string& location) {
    return location.starts_with(kSite + "/_identity/auth");
  }

  // Starts a login for `path` (raw, encoded here) and signs in at the IdP
  // (when it asks); returns the provider's redirect to our callback, unfollowed.
  BrowserPage toCallback(ManagerBrowser& b, const std::string& path = "/",
                         const std::string& user = "alice",
                         const std::string& password = "alice-password") {
    BrowserPage page = b.get(kSite + "/_identity/login?path=" + percentEncode(path));
    EXPECT_EQ(page.status, 302) << page.body;
    page = b.follow(page, isCallback);
    if (page.status == 200) {  // the login form
      EXPECT_NE(page.body.find("name=\"password\""), std::string::npos) << page.body;
      page = b.follow(b.submitLogin(page, user, password), isCallback);
    }
    EXPECT_TRUE(isCallback(page.location())) << page.status << " " << page.location() << page.body;
    return page;
  }

  BrowserPage deliver(ManagerBrowser& b, const BrowserPage& redirect) {
    return b.get(ManagerBrowser::resolve(redirect.url, redirect.location()));
  }

  std::vector<SessionRecord> records(RecordKind kind) {
    std::vector<SessionRecord> out;
    auto all = store->list(1000);  // kept alive: the loop reads into it
    for (auto& r : all->records) {
      if (r.kind == kind) out.push_back(r);
    }
    return out;
  }

  void expectSignInPage(const BrowserPage& page, int status) {
    EXPECT_EQ(page.status, status) << page.body;
    EXPECT_NE(page.body.find("/_identity/login"), std::string::npos) << "no sign-in link";
    EXPECT_TRUE(page.location().empty()) << "error pages never redirect";
  }

  static IdpProcess* idp_;
  Config config;
  std::optional<ValidConfig> valid_config_;
  OffsetClock clock;
  std::unique_ptr<Random> random = makeOsRandom();
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> store = makeMemoryStore();
  std::unique_ptr<HttpClient> http = makeCurlHttpClient();
  NullLog log;
  std::unique_ptr<IdentityHandlers> manager_;
};

IdpProcess* ManagerFlowTest::idp_ = nullptr;

// The sign-in flows, once against a provider that signs its ID tokens
// RS256 and once against one that signs them ES256 only (a P-256 key next
// to its RSA key in the JWKS: a verifier without ES256 would answer the
// error page). One provider per algorithm for the suite.
class ManagerFlowSigningTest : public ManagerFlowTest,
                               public ::testing::WithParamInterface<const char*> {
 protected:
  static void SetUpTestSuite() {
    rs256_ = new IdpProcess(idpOptions(/*es256=*/false));
    es256_ = new IdpProcess(idpOptions(/*es256=*/true));
  }
  static void TearDownTestSuite() {
    idp_ = nullptr;
    delete rs256_;
    delete es256_;
    rs256_ = es256_ = nullptr;
  }
  void SetUp() override {
    idp_ = std::string(GetParam()) == "ES256" ? es256_ : rs256_;
    ManagerFlowTest::SetUp();
  }

  static IdpProcess* rs256_;
  static IdpProcess* es256_;
};

IdpProcess* ManagerFlowSigningTest::rs256_ = nullptr;
IdpProcess* ManagerFlowSigningTest::es256_ = nullptr;

INSTANTIATE_TEST_SUITE_P(IdTokens, ManagerFlowSigningTest, ::testing::Values("RS256", "ES256"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

// Happy path: login creates a session record of kind session with alice's
// identity; /me shows it; logout deletes it, goes to the provider's logout,
// which ends the provider session and returns to the signed-out page; the
// next login asks for the password again.
TEST_P(ManagerFlowSigningTest, LoginMeLogout) {
  ManagerBrowser b = newBrowser();
  BrowserPage done = deliver(b, toCallback(b, "/reports"));
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.location(), kSite + "/reports");
  auto sessions = records(RecordKind::kSession);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].sub, "alice-sub-0001");
  EXPECT_EQ(sessions[0].username, "alice");
  EXPECT_EQ(sessions[0].email, "alice@example.com");
  EXPECT_EQ(sessions[0].groups, std::vector<std::string>{"admins"});
  EXPECT_TRUE(records(RecordKind::kLogin).empty());
  EXPECT_FALSE(b.cookie(kSite, "barrier").empty());

  BrowserPage me = b.get(kSite + "/_identity/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(nlohmann::json::parse(me.body)["email"], "alice@example.com");

  BrowserPage out = b.get(kSite + "/_identity/logout");
  ASSERT_EQ(out.status, 302);
  EXPECT_EQ(out.location(), idp_->issuer() + "/logout?client_id=barrier&logout_uri=" +
                                percentEncode(kSite + "/_identity/signed-out"));
  EXPECT_TRUE(records(RecordKind::kSession).empty());
  EXPECT_TRUE(b.cookie(kSite, "barrier").empty());
  BrowserPage signed_out = b.follow(out, nullptr);
  EXPECT_EQ(signed_out.url, kSite + "/_identity/signed-out");
  EXPECT_EQ(signed_out.status, 200);
  EXPECT_EQ(b.get(kSite + "/_identity/me").status, 401);

  // The provider session is over: the next login shows the form again.
  BrowserPage again = b.follow(b.get(kSite + "/_identity/login"), isCallback);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("name=\"password\""), std::string::npos);
}

// Generic OIDC: endpoints from the discovery document; logout uses
// post_logout_redirect_uri.
TEST_F(ManagerFlowTest, GenericOidcDiscovery) {
  config.provider.type = ProviderConfig::Type::kOidc;
  config.provider.domain.clear();
  config.provider.authorization_endpoint.clear();
  config.provider.token_endpoint.clear();
  config.provider.userinfo_endpoint.clear();
  config.provider.logout_endpoint.clear();
  ManagerBrowser b = newBrowser();
  BrowserPage done = deliver(b, toCallback(b, "/x"));
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.location(), kSite + "/x");
  ASSERT_EQ(records(RecordKind::kSession).size(), 1u);
  BrowserPage out = b.get(kSite + "/_identity/logout");
  EXPECT_NE(out.location().find("post_logout_redirect_uri="), std::string::npos);
  EXPECT_EQ(b.follow(out, nullptr).url, kSite + "/_identity/signed-out");
}

// A wrong password keeps the visitor at the provider; no session appears.
TEST_F(ManagerFlowTest, WrongPasswordStaysAtProvider) {
  ManagerBrowser b = newBrowser();
  BrowserPage page = b.follow(b.get(kSite + "/_identity/login"), isCallback);
  ASSERT_EQ(page.status, 200);
  BrowserPage after = b.submitLogin(page, "alice", "wrong");
  EXPECT_EQ(after.status, 200);
  EXPECT_NE(after.body.find("Incorrect"), std::string::npos);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
}

// Two logins in two flows (two tabs of one browser) both complete, in either order.
TEST_F(ManagerFlowTest, ParallelFlowsBothSucceed) {
  ManagerBrowser b = newBrowser();
  BrowserPage a = b.get(kSite + "/_identity/login?path=%2Fa");
  BrowserPage c = b.get(kSite + "/_identity/login?path=%2Fc");
  ASSERT_EQ(a.status, 302);
  ASSERT_EQ(c.status, 302);
  BrowserPage form = b.follow(a, isCallback);
  ASSERT_EQ(form.status, 200);
  BrowserPage cb_a = b.follow(b.submitLogin(form, "alice", "alice-password"), isCallback);
  // The provider session now exists: the second flow needs no password.
  BrowserPage cb_c = b.follow(c, isCallback);
  ASSERT_TRUE(isCallback(cb_a.location()));
  ASSERT_TRUE(isCallback(cb_c.location()));
  BrowserPage done_c = deliver(b, cb_c);
  BrowserPage done_a = deliver(b, cb_a);
  EXPECT_EQ(done_c.status, 302) << done_c.body;
  EXPECT_EQ(done_c.location(), kSite + "/c");
  EXPECT_EQ(done_a.status, 302) << done_a.body;
  EXPECT_EQ(done_a.location(), kSite + "/a");
  EXPECT_EQ(b.get(kSite + "/_identity/me").status, 200);
  EXPECT_TRUE(records(RecordKind::kLogin).empty());
}

// A callback URL used twice: the second use is refused and adds no session.
TEST_F(ManagerFlowTest, ReplayedCallbackRefused) {
  ManagerBrowser b = newBrowser();
  BrowserPage cb = toCallback(b);
  auto before = b.cookies(kSite);
  ASSERT_EQ(deliver(b, cb).status, 302);
  // Replay with the flow cookie restored (an attacker who copied everything).
  for (auto& [name, value] : before) b.setCookie(kSite, name, value);
  expectSignInPage(deliver(b, cb), 400);
  EXPECT_EQ(records(RecordKind::kSession).size(), 1u);
}

// A state whose secret was altered is refused; the flow is spent.
TEST_F(ManagerFlowTest, StateSecretMismatchRefused) {
  ManagerBrowser b = newBrowser();
  BrowserPage cb = toCallback(b);
  std::string url = ManagerBrowser::resolve(cb.url, cb.location());
  auto params = parseQuery(url.substr(url.find('?') + 1));
  auto state = decodeState(*queryParam(params, "state"));
  ASSERT_TRUE(state);
  state->secret = base64UrlEncode(std::string(32, '\x01'));
  std::string forged = kSite +
                       "/_identity/auth?code=" + percentEncode(*queryParam(params, "code")) +
                       "&state=" + encodeState(*state);
  expectSignInPage(b.get(forged), 400);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
  EXPECT_TRUE(records(RecordKind::kLogin).empty());
}

// The callback in a browser without the flow cookie (login CSRF) is refused.
TEST_F(ManagerFlowTest, MissingFlowCookieRefused) {
  ManagerBrowser b = newBrowser();
  BrowserPage cb = toCallback(b);
  ManagerBrowser other = newBrowser();
  expectSignInPage(deliver(other, cb), 400);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
  // The rightful browser can still finish: nothing was consumed.
  EXPECT_EQ(deliver(b, cb).status, 302);
}

// A login record that expired (5 minutes) or vanished is refused.
TEST_F(ManagerFlowTest, ExpiredOrMissingLoginRecordRefused) {
  ManagerBrowser b = newBrowser();
  BrowserPage cb = toCallback(b);
  clock.advance(301);
  expectSignInPage(deliver(b, cb), 400);
  BrowserPage cb2 = toCallback(b);
  for (const auto& r : records(RecordKind::kLogin)) ASSERT_TRUE(store->remove(r.key));
  expectSignInPage(deliver(b, cb2), 400);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
}

// Cancelling at the provider (?error=access_denied) gives a 4xx page with a sign-in link.
TEST_F(ManagerFlowTest, AccessDeniedGivesSignInPage) {
  ManagerBrowser b = newBrowser();
  BrowserPage form = b.follow(b.get(kSite + "/_identity/login"), isCallback);
  ASSERT_EQ(form.status, 200);
  BrowserPage cb = b.follow(b.submitForm(form, "/abort"), isCallback);
  ASSERT_TRUE(isCallback(cb.location())) << cb.location();
  EXPECT_NE(cb.location().find("error=access_denied"), std::string::npos);
  BrowserPage page = deliver(b, cb);
  expectSignInPage(page, 400);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
  EXPECT_TRUE(records(RecordKind::kLogin).empty());
}

// Token endpoint down: a clear 503 page, no session, no crash.
TEST_F(ManagerFlowTest, TokenEndpointDownIs503) {
  config.provider.token_endpoint = closedUrl("/oauth2/token");
  ManagerBrowser b = newBrowser();
  BrowserPage page = deliver(b, toCallback(b));
  EXPECT_EQ(page.status, 503) << page.body;
  EXPECT_NE(page.body.find("cannot be reached"), std::string::npos);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
}

// Token endpoint hanging: answered within the timeout with a 503 page, no session.
TEST_F(ManagerFlowTest, TokenEndpointSlowIs503) {
  SilentServer silent;
  config.provider.token_endpoint = silent.url("/oauth2/token");
  config.provider.timeout_ms = 500;
  ManagerBrowser b = newBrowser();
  BrowserPage cb = toCallback(b);
  auto start = std::chrono::steady_clock::now();
  BrowserPage page = deliver(b, cb);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(page.status, 503) << page.body;
  EXPECT_NE(page.body.find("in time"), std::string::npos);
  EXPECT_TRUE(records(RecordKind::kSession).empty());
}

// The return path survives the round trip exactly (escaped '&', spaces,
// Unicode); unsafe ones become "/".
TEST_F(ManagerFlowTest, ReturnPathRoundTrip) {
  const std::string path = "/docs/a b?q=x%26y&name=Zo\xC3\xAB \xE6\x9D\xB1\xE4\xBA\xAC#frag";
  ManagerBrowser b = newBrowser();
  BrowserPage done = deliver(b, toCallback(b, path));
  ASSERT_EQ(done.status, 302);
  EXPECT_EQ(done.location(), kSite + encodeForLocation(path));
  EXPECT_EQ(done.location(), kSite + "/docs/a%20b?q=x%26y&name=Zo%C3%AB%20%E6%9D%B1%E4%BA%AC#frag");
  for (const std::string unsafe : {"//evil.example/x", "https://evil.example/", "/\\evil.example",
                                   "javascript:alert(1)", "/a\r\nSet-Cookie: x=y"}) {
    BrowserPage d = deliver(b, toCallback(b, unsafe));
    EXPECT_EQ(d.location(), kSite + "/") << unsafe;
  }
}

// Site-wide required groups: bob (no group) is refused with a 403 page, alice passes.
TEST_F(ManagerFlowTest, RequiredGroups) {
  config.provider.required_groups = {"admins"};
  ManagerBrowser bob = newBrowser();
  BrowserPage page = deliver(bob, toCallback(bob, "/", "bob", "bob-password"));
  EXPECT_EQ(page.status, 403) << page.body;
  EXPECT_TRUE(records(RecordKind::kSession).empty());
  ManagerBrowser alice = newBrowser();
  EXPECT_EQ(deliver(alice, toCallback(alice)).status, 302);
}

// Userinfo (optional) is called with the access token and its answer checked.
TEST_F(ManagerFlowTest, UserinfoCall) {
  config.provider.userinfo = true;
  ManagerBrowser b = newBrowser();
  ASSERT_EQ(deliver(b, toCallback(b)).status, 302);
  ASSERT_EQ(records(RecordKind::kSession).size(), 1u);
  EXPECT_EQ(records(RecordKind::kSession)[0].email, "alice@example.com");
}

// Runs `barrier <args>` and returns its exit status and stdout.
std::pair<int, std::string> runBarrier(const std::string& args) {
  std::string command = std::string(BARRIER_BINARY) + " " + args + " 2>&1";
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// With the SQLite store, `barrier sessions` (a second process on the same
// file) lists the session without secrets and revokes it; the manager sees
// the revocation at once. The file is named relative to the configuration
// (the command runs in another folder), and a database that does not exist
// is an error, never created empty.
TEST_F(ManagerFlowTest, SessionsCommandRevokesFromAnotherProcess) {
  char tmpl[] = "/tmp/barrier-manager-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string db = dir + "/sessions.db";
  auto sqlite = makeSqliteStore(db);
  ASSERT_TRUE(sqlite.isOk()) << sqlite.status().toString();
  store = std::move(*sqlite);
  std::ofstream(dir + "/barrier.yaml")
      << "site_url: http://localhost:8080\n"
      << "provider:\n  type: oidc\n  issuer: " << idp_->issuer() << "\n  client_id: barrier\n"
      << "session:\n  signing_keys: [\"" << base64Encode(std::string(32, 's')) << "\"]\n"
      << "store:\n  type: sqlite\n  path: sessions.db\n";
  ASSERT_NE(std::filesystem::current_path().string(), dir);

  ManagerBrowser b = newBrowser();
  ASSERT_EQ(deliver(b, toCallback(b)).status, 302);
  // A login flow in progress leaves a login record with secrets in the store.
  ASSERT_EQ(b.get(kSite + "/_identity/login").status, 302);
  ASSERT_EQ(b.get(kSite + "/_identity/me").status, 200);
  auto sessions = records(RecordKind::kSession);
  ASSERT_EQ(sessions.size(), 1u);

  std::ofstream(dir + "/elsewhere.yaml")
      << "site_url: http://localhost:8080\n"
      << "provider:\n  type: oidc\n  issuer: " << idp_->issuer() << "\n  client_id: barrier\n"
      << "session:\n  signing_keys: [\"" << base64Encode(std::string(32, 's')) << "\"]\n"
      << "store:\n  type: sqlite\n  path: no-such.db\n";
  auto [missing_rc, missing] = runBarrier("sessions list -c " + dir + "/elsewhere.yaml");
  EXPECT_EQ(missing_rc, 2) << missing;
  EXPECT_NE(missing.find("store.path " + dir + "/no-such.db does not exist"), std::string::npos)
      << missing;
  EXPECT_FALSE(std::filesystem::exists(dir + "/no-such.db"));

  auto [list_rc, listed] = runBarrier("sessions list --json -c " + dir + "/barrier.yaml");
  ASSERT_EQ(list_rc, 0) << listed;
  EXPECT_NE(listed.find(sessions[0].key), std::string::npos);
  EXPECT_NE(listed.find("alice-sub-0001"), std::string::npos);
  for (const auto& login : records(RecordKind::kLogin)) {
    EXPECT_EQ(listed.find(login.secret), std::string::npos) << "a flow secret was printed";
    EXPECT_EQ(listed.find(login.code_verifier), std::string::npos);
    EXPECT_EQ(listed.find(login.nonce), std::string::npos);
  }

  auto [rc, out] = runBarrier("sessions revoke --user alice-sub-0001 -c " + dir + "/barrier.yaml");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("revoked 1"), std::string::npos) << out;
  EXPECT_EQ(b.get(kSite + "/_identity/me").status, 401);
  EXPECT_TRUE(records(RecordKind::kSession).empty());

  // A row the store cannot read is listed by its key and can be revoked.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw,
                         "INSERT INTO sessions (session_id, kind, valid_until, created_at) "
                         "VALUES ('damaged-key', 'admin', 9999999999, 1)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  auto [damaged_rc, damaged] = runBarrier("sessions list -c " + dir + "/barrier.yaml");
  EXPECT_EQ(damaged_rc, 0) << damaged;
  EXPECT_NE(damaged.find("damaged-key"), std::string::npos) << damaged;
  EXPECT_NE(damaged.find("unreadable"), std::string::npos) << damaged;
  EXPECT_NE(damaged.find("1 unreadable"), std::string::npos) << damaged;
  auto [revoke_rc, revoked] = runBarrier("sessions revoke damaged-key -c " + dir + "/barrier.yaml");
  EXPECT_EQ(revoke_rc, 0) << revoked;
  auto [after_rc, after] = runBarrier("sessions list --json -c " + dir + "/barrier.yaml");
  EXPECT_EQ(after_rc, 0) << after;
  EXPECT_EQ(after.find("damaged-key"), std::string::npos) << after;

  // A session's provider sid (what a back-channel logout ends) is listed,
  // in the table and in the JSON.
  SessionRecord with_sid;
  with_sid.key = "key-with-sid";
  with_sid.kind = RecordKind::kSession;
  with_sid.sub = "bob-sub";
  with_sid.sid = "provider-sid-0042";
  with_sid.created_at = clock.now();
  with_sid.valid_until = clock.now() + 3600;
  ASSERT_TRUE(store->putNew(with_sid).isOk());
  auto [table_rc, table] = runBarrier("sessions list -c " + dir + "/barrier.yaml");
  EXPECT_EQ(table_rc, 0) << table;
  EXPECT_NE(table.find("PROVIDER SID"), std::string::npos) << table;
  EXPECT_NE(table.find("bob-sub               provider-sid-0042"), std::string::npos) << table;
  auto [json_rc, json] = runBarrier("sessions list --json -c " + dir + "/barrier.yaml");
  EXPECT_EQ(json_rc, 0) << json;
  EXPECT_NE(json.find("\"sid\": \"provider-sid-0042\""), std::string::npos) << json;
  ASSERT_TRUE(store->remove("key-with-sid").isOk());

  manager_.reset();
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace barrier
