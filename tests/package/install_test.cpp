// The Debian package, installed: its files unpacked into a throwaway root
// (dpkg-deb -x, as dpkg would lay them out), the shipped
// /etc/barrier/barrier.yaml filled in for the local test provider, and the
// installed binary started with it. A visitor signs in over HTTP (the
// provider's login form posted, redirects followed), and the access log
// names them, as server.log_user asks.
//
// BARRIER_DEB names the package; the ctest fixture `deb` builds it first.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "adapters/curl_http_client.h"
#include "core/http/percent.h"
#include "tests/integration/support/idp_process.h"
#include "tests/integration/support/manager_browser.h"
#include "tests/integration/support/serve_http.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const char* kSiteHost = "127.0.0.2";

// Runs `argv` to completion: its exit status and stdout + stderr.
std::pair<int, std::string> runProgram(const std::vector<std::string>& argv,
                                       const std::string& dir) {
  std::string out_path = dir + "/run.out", err_path = dir + "/run.err";
  ChildProcess child(argv, out_path, err_path);
  int status = child.waitExit(60000);
  return {status, readFile(out_path) + readFile(err_path)};
}

// `text` with the one occurrence of `from` replaced; fails the test when
// the shipped file no longer has it.
void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "the shipped barrier.yaml has no \"" << from << "\"";
  ASSERT_EQ(text.find(from, at + 1), std::string::npos) << "twice: " << from;
  text.replace(at, from.size(), to);
}

class PackageInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* deb = std::getenv("BARRIER_DEB");
    ASSERT_TRUE(deb != nullptr && fs::exists(deb))
        << "BARRIER_DEB names no package: build it with --target package";
    root_ = makeTempDir("barrier-deb-root-");
    auto [status, out] = runProgram({"dpkg-deb", "-x", deb, root_}, root_);
    ASSERT_EQ(status, 0) << out;
    binary_ = root_ + "/usr/bin/barrier";
    config_path_ = root_ + "/etc/barrier/barrier.yaml";
    ASSERT_TRUE(fs::exists(binary_));
    ASSERT_TRUE(fs::exists(config_path_));
  }
  void TearDown() override {
    serve_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::pair<int, std::string> barrier(std::vector<std::string> args) {
    args.insert(args.begin(), binary_);
    return runProgram(args, root_);
  }

  // The shipped file with what an operator fills in: site, a key from the
  // installed `barrier keygen`, the provider; and, to run outside systemd,
  // the listener and the store inside the throwaway root.
  std::string filledConfig(const std::string& issuer, uint16_t port) {
    auto [status, key] = barrier({"keygen"});
    EXPECT_EQ(status, 0) << key;
    key = key.substr(0, key.find('\n'));
    std::string site = std::string("http://") + kSiteHost + ":" + std::to_string(port);
    std::string text = readFile(config_path_);
    replaceOnce(text, "site_url: https://www.example.com", "site_url: " + site);
    replaceOnce(text, "    # - \"paste the output of barrier keygen here\"",
                "    - \"" + key + "\"");
    replaceOnce(text, "\nprovider:\n",
                "\nprovider:\n  type: oidc\n  issuer: " + issuer +
                    "\n  client_id: barrier\n  client_secret: barrier-secret\n");
    replaceOnce(text, "listen: 127.0.0.1:8080", "listen: " + site.substr(7));
    replaceOnce(text, "path: /var/lib/barrier/sessions.db",
                "path: " + root_ + "/var/lib/barrier/sessions.db");
    replaceOnce(text, "log_user: false", "log_user: true");
    fs::create_directories(root_ + "/var/lib/barrier");
    return text;
  }

  // Starts the installed binary with the installed configuration, its log
  // on `log_path`; true once it listens.
  bool startServe(const std::string& log_path) {
    serve_.reset();
    std::string out_path = log_path + ".out";
    serve_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary_, "serve", "-c", config_path_}, out_path, log_path);
    return waitForFile(
        out_path,
        [](const std::string& text) { return text.find("listening on") != std::string::npos; },
        20000);
  }

  // The access-log line of the request for `path` (null when none came).
  static nlohmann::json accessLine(const std::string& log_path, const std::string& path) {
    std::string needle = "\"path\":\"" + path + "\"";
    waitForFile(
        log_path, [&](const std::string& text) { return text.find(needle) != std::string::npos; },
        5000);
    std::istringstream lines(readFile(log_path));
    for (std::string line; std::getline(lines, line);) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded() && json.value("path", "") == path) return json;
    }
    return nullptr;
  }

  std::string root_, binary_, config_path_;
  std::unique_ptr<ChildProcess> serve_;
};

// As shipped, the configuration is refused, naming what to fill in.
TEST_F(PackageInstallTest, ShippedConfigurationAsksToBeFilledIn) {
  auto [status, out] = barrier({"check-config", "-c", config_path_});
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find("barrier keygen"), std::string::npos) << out;
}

// Filled in for the local provider, check-config --connect reaches store,
// discovery and JWKS; the installed binary serves with that file, a
// visitor signs in, /_identity/me knows them, and the access log carries
// their sub (server.log_user) but never the cookie; without log_user, no sub.
TEST_F(PackageInstallTest, InstalledBinarySignsAVisitorIn) {
  uint16_t port = freePort(kSiteHost);
  std::string site = std::string("http://") + kSiteHost + ":" + std::to_string(port);
  IdpOptions options;
  options.client_secret = "barrier-secret";
  options.redirect_uris = {site + "/_identity/auth"};
  options.logout_uris = {site + "/_identity/signed-out"};
  IdpProcess idp(options);
  ASSERT_TRUE(idp.ok()) << idp.error();
  std::string filled = filledConfig(idp.issuer(), port);
  std::ofstream(config_path_) << filled;

  auto [checked, check_out] = barrier({"check-config", "-c", config_path_, "--connect"});
  ASSERT_EQ(checked, 0) << check_out;
  for (const char* line : {"store:", "discovery:", "jwks:"}) {
    EXPECT_NE(check_out.find(std::string(line) + " ok"), std::string::npos) << check_out;
  }

  std::string log_path = root_ + "/serve.log";
  ASSERT_TRUE(startServe(log_path)) << readFile(log_path);

  std::unique_ptr<HttpClient> http = makeCurlHttpClient();
  // Every request goes over HTTP: the site is the installed binary.
  ManagerBrowser browser(*http, "in-process://none", [](const Request&) { return Response{}; });
  auto isCallback = [&](const std::string& url) {
    return url.starts_with(site + "/_identity/auth");
  };
  BrowserPage page =
      browser.follow(browser.get(site + "/_identity/login?path=%2Fdocs"), isCallback);
  ASSERT_EQ(page.status, 200) << page.url << "\n" << page.body;
  page = browser.follow(browser.submitLogin(page, "alice", "alice-password"), isCallback);
  ASSERT_TRUE(isCallback(ManagerBrowser::resolve(page.url, page.location())))
      << page.status << " " << page.location() << "\n"
      << page.body;
  BrowserPage signed_in = browser.get(ManagerBrowser::resolve(page.url, page.location()));
  EXPECT_EQ(signed_in.status, 302) << signed_in.body;
  EXPECT_EQ(signed_in.location(), site + "/docs");
  std::string cookie = browser.cookie(site, "barrier");
  ASSERT_FALSE(cookie.empty()) << "no session cookie";

  BrowserPage me = browser.get(site + "/_identity/me");
  ASSERT_EQ(me.status, 200) << me.body;
  auto identity = nlohmann::json::parse(me.body, nullptr, false);
  ASSERT_FALSE(identity.is_discarded()) << me.body;
  EXPECT_EQ(identity.value("sub", ""), "alice-sub-0001") << me.body;

  // A protected path (no origin configured: 404 after the check passed).
  EXPECT_EQ(browser.get(site + "/docs").status, 404);
  nlohmann::json line = accessLine(log_path, "/docs");
  ASSERT_TRUE(line.is_object()) << readFile(log_path);
  EXPECT_EQ(line.value("outcome", ""), "pass") << line;
  EXPECT_EQ(line.value("user", ""), "alice-sub-0001") << line;
  EXPECT_EQ(readFile(log_path).find(cookie.substr(0, cookie.find('.'))), std::string::npos)
      << "cookie logged";
  EXPECT_EQ(serve_->terminate(), 0);

  // Restarted with log_user off, the session (in the SQLite store) still
  // passes, and its line names no user.
  replaceOnce(filled, "log_user: true", "log_user: false");
  std::ofstream(config_path_) << filled;
  std::string quiet_log = root_ + "/serve-quiet.log";
  ASSERT_TRUE(startServe(quiet_log)) << readFile(quiet_log);
  EXPECT_EQ(browser.get(site + "/docs").status, 404);
  line = accessLine(quiet_log, "/docs");
  ASSERT_TRUE(line.is_object()) << readFile(quiet_log);
  EXPECT_EQ(line.value("outcome", ""), "pass") << line;
  EXPECT_FALSE(line.contains("user")) << line;
  EXPECT_EQ(serve_->terminate(), 0);
}

}  // namespace
}  // namespace barrier::testing
