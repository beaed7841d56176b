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

#include "support/proxy_example.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const char kNginx[] = "/usr/sbin/nginx";

class ServeNginxTest : public ProxyExampleTest {
 protected:
  void SetUp() override {
    if (::access(kNginx, X_OK) != 0)
      GTEST_SKIP() << "needs " << kNginx << " (apt-get install nginx-light)";
    std::string example = startBackends("examples/nginx/barrier.conf", "barrier-nginx-");
    ASSERT_NE(example.find("auth_request"), std::string::npos);
    example = std::regex_replace(example, std::regex("listen 80;"),
                                 "listen 127.0.0.1:" + std::to_string(port_) + ";");
    fs::create_directories(fs::path(dir_) / "logs");
    std::string conf = "worker_processes 1;\n";
    conf += "pid " + dir_ + "/nginx.pid;\n";
    conf += "error_log " + dir_ + "/logs/error.log warn;\n";
    conf += "events { worker_connections 256; }\nhttp {\n  access_log off;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf += std::string("  ") + temp + "_temp_path " + dir_ + "/" + temp + ";\n";
    }
    conf += example + "\n}\n";
    std::ofstream(fs::path(dir_) / "nginx.conf") << conf;
    std::vector<std::string> argv = {
        kNginx, "-p", dir_, "-c", dir_ + "/nginx.conf", "-g", "daemon off; master_process on;"};
    if (::geteuid() == 0) argv.back() += " user root;";
    startProxy(argv);
  }

  std::string errorLog() const { return readFile(dir_ + "/logs/error.log"); }
};

// A browser without a session is redirected to barrier's login page, with
// the original path and query carried in ?path=.
TEST_F(ServeNginxTest, NavigationWithoutSessionRedirectsToLogin) {
  HttpReply reply =
      get("/reports/q3?year=2024", "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n");
  EXPECT_EQ(reply.status, 302) << errorLog();
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
  ASSERT_EQ(reply.status, 200) << errorLog();
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
