// examples/nginx/barrier.conf with a real nginx (Debian's, with
// auth_request): nginx asks barrier's /_identity/check about every request,
// redirects browsers to the login page, keeps 401 for fetches, and passes
// barrier's identity headers — never the visitor's — to the application.
// The example is used as shipped; only ports and the listen address change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/serve_fixture.h"
#include "support/serve_http.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const char kNginx[] = "/usr/sbin/nginx";

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class ServeNginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kNginx, X_OK) != 0) GTEST_SKIP() << "nginx not installed at " << kNginx;
    app_ = std::make_unique<FakeUpstream>(
        [](const SeenRequest& request) { return FakeUpstream::ok("app: " + request.target); });
    GatewaySetup setup;
    setup.rules.push_back({"/admin/*", {"admins"}});
    setup.server.shutdown_grace_ms = 2000;
    barrier_ = std::make_unique<InProcessGateway>(std::move(setup));
    ASSERT_TRUE(barrier_->ok()) << barrier_->error();

    prefix_ = makeTempDir("barrier-nginx-");
    ASSERT_FALSE(prefix_.empty());
    fs::create_directories(fs::path(prefix_) / "logs");
    port_ = freePort();
    std::string example =
        readFile(std::string(BARRIER_SOURCE_DIR) + "/examples/nginx/barrier.conf");
    ASSERT_NE(example.find("auth_request"), std::string::npos);
    example =
        replaceAll(example, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(barrier_->port()));
    example = replaceAll(example, "127.0.0.1:3000", "127.0.0.1:" + std::to_string(app_->port()));
    example = std::regex_replace(example, std::regex("listen 80;"),
                                 "listen 127.0.0.1:" + std::to_string(port_) + ";");
    std::string conf =
        "worker_processes 1;\n"
        "pid " +
        prefix_ +
        "/nginx.pid;\n"
        "error_log " +
        prefix_ +
        "/logs/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  access_log off;\n"
        "  client_body_temp_path " +
        prefix_ +
        "/body;\n"
        "  proxy_temp_path " +
        prefix_ +
        "/proxy;\n"
        "  fastcgi_temp_path " +
        prefix_ +
        "/fastcgi;\n"
        "  uwsgi_temp_path " +
        prefix_ +
        "/uwsgi;\n"
        "  scgi_temp_path " +
        prefix_ + "/scgi;\n" + example + "\n}\n";
    std::ofstream(fs::path(prefix_) / "nginx.conf") << conf;
    std::vector<std::string> argv = {kNginx,
                                     "-p",
                                     prefix_,
                                     "-c",
                                     prefix_ + "/nginx.conf",
                                     "-g",
                                     "daemon off; master_process on;"};
    if (::geteuid() == 0) argv.back() += " user root;";
    nginx_ = std::make_unique<ChildProcess>(argv, prefix_ + "/stdout.log", prefix_ + "/stderr.log");
    // Ready when the port answers (any status).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpConnection probe("127.0.0.1", port_, 1000);
      if (probe.connected()) return;
      ASSERT_TRUE(nginx_->running())
          << readFile(prefix_ + "/stderr.log") << readFile(prefix_ + "/logs/error.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "nginx did not start: " << readFile(prefix_ + "/logs/error.log");
  }

  void TearDown() override {
    nginx_.reset();  // SIGTERM to the whole process group, then SIGKILL
    barrier_.reset();
    app_.reset();
    std::error_code ec;
    if (!prefix_.empty()) fs::remove_all(prefix_, ec);
  }

  HttpReply get(const std::string& target, const std::string& extra = "") {
    return httpGet(port_, target, extra);
  }

  std::unique_ptr<FakeUpstream> app_;
  std::unique_ptr<InProcessGateway> barrier_;
  std::unique_ptr<ChildProcess> nginx_;
  std::string prefix_;
  uint16_t port_ = 0;
};

// A browser without a session is redirected to barrier's login page, with
// the original path and query carried in ?path=.
TEST_F(ServeNginxTest, NavigationWithoutSessionRedirectsToLogin) {
  HttpReply reply =
      get("/reports/q3?year=2024", "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n");
  EXPECT_EQ(reply.status, 302) << readFile(prefix_ + "/logs/error.log");
  std::string location = reply.headers.get("Location");
  EXPECT_EQ(location.rfind("/_identity/login?path=", 0), 0u) << location;
  EXPECT_NE(location.find("year%3D2024"), std::string::npos) << location;
  EXPECT_TRUE(app_->seen().empty());
}

// A fetch without a session gets 401, not a redirect.
TEST_F(ServeNginxTest, FetchWithoutSessionIs401) {
  HttpReply reply = get("/api/data", "Accept: application/json\r\nSec-Fetch-Mode: cors\r\n");
  EXPECT_EQ(reply.status, 401);
  EXPECT_FALSE(reply.headers.has("Location"));
  EXPECT_TRUE(app_->seen().empty());
}

// With a session the application answers and sees barrier's identity
// headers; the visitor's forged X-Barrier-User is replaced.
TEST_F(ServeNginxTest, SessionPassesWithIdentityHeaders) {
  std::string cookie = "Cookie: " + barrier_->login("alice", {"admins"}) + "\r\n";
  HttpReply reply = get("/page?x=1", cookie + "X-Barrier-User: mallory\r\n");
  ASSERT_EQ(reply.status, 200) << readFile(prefix_ + "/logs/error.log");
  EXPECT_EQ(reply.body, "app: /page?x=1");
  auto seen = app_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.get("X-Barrier-User"), "alice");
  EXPECT_EQ(seen[0].headers.getAll("X-Barrier-User").size(), 1u);
  EXPECT_EQ(seen[0].headers.get("X-Barrier-Groups"), "admins");
  EXPECT_EQ(seen[0].headers.get("X-Barrier-Email"), "alice@example.com");
  EXPECT_FALSE(seen[0].headers.get("X-Barrier-Session-Id").empty());
}

// Access rules apply through nginx too: bob is refused /admin/ with 403.
TEST_F(ServeNginxTest, RuleRefusalIs403) {
  EXPECT_EQ(get("/admin/", "Cookie: " + barrier_->login("bob") + "\r\n").status, 403);
  EXPECT_EQ(get("/admin/", "Cookie: " + barrier_->login("alice", {"admins"}) + "\r\n").status, 200);
}

// /_identity/* goes to barrier itself (here the fixture's manager stand-in).
TEST_F(ServeNginxTest, IdentityPathsAreProxiedToBarrier) {
  HttpReply reply = get("/_identity/login?path=/x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, std::string(kFakeIdentityBody) + "/_identity/login");
}

}  // namespace
}  // namespace barrier::testing
