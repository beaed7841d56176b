// The session manager as AWS Lambda runs it: `barrier package manager`
// builds the zip, the test unzips it and starts the PACKAGED bootstrap with a
// cleared environment (`env -i` plus the Lambda variables) against a local
// Runtime API, then drives API Gateway REST (1.0) and HTTP API (2.0) events
// through it — against the local IdP (tests/idp) and dynalite.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/curl_http_client.h"
#include "adapters/dynamodb_store.h"
#include "core/http/percent.h"
#include "tests/integration/support/dynamodb_emulator.h"
#include "tests/integration/support/idp_process.h"
#include "tests/integration/support/lambda_harness.h"
#include "tests/integration/support/lambda_runtime_api.h"
#include "tests/integration/support/manager_browser.h"
#include "tests/integration/support/serve_http.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSite = "http://127.0.0.2:8080";
constexpr const char* kClientId = "barrier-lambda-test";
constexpr const char* kClientSecret = "lambda-test-secret";
// 32 bytes, base64: the cookie MAC key.
constexpr const char* kSigningKey = "bGFtYmRhLXRlc3Qtc2lnbmluZy1rZXktMDEyMzQ1Njc=";

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The package is built and unzipped once for the whole suite.
class LambdaManagerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new LambdaTempDir();
    auto [rc, out] = lambdaRunShell(std::string(BARRIER_BINARY) + " package manager --out " +
                                    dir_->path() + "/out 2>&1");
    package_output_ = out;
    if (rc != 0) return;
    task_root_ = dir_->path() + "/task";
    auto [unzip_rc, unzip_out] =
        lambdaRunShell("unzip -q " + zipPath() + " -d " + task_root_ + " 2>&1");
    if (unzip_rc != 0) {
      package_output_ += "\nunzip: " + unzip_out;
      task_root_.clear();
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string zipPath() { return dir_->path() + "/out/barrier-manager.zip"; }

  void SetUp() override {
    ASSERT_FALSE(task_root_.empty()) << "packaging failed:\n" << package_output_;
  }

  // The environment Lambda gives a provided.al2023 function, plus ours.
  std::vector<std::string> lambdaEnvironment(const LambdaRuntimeApi& api,
                                             const std::vector<std::string>& extra) const {
    std::vector<std::string> env = {
        "AWS_LAMBDA_RUNTIME_API=" + api.address(),
        "LAMBDA_TASK_ROOT=" + task_root_,
        "AWS_REGION=us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME=barrier-manager",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "BARRIER_SITE_URL=" + std::string(kSite),
        "BARRIER_CLIENT_ID=" + std::string(kClientId),
        "BARRIER_CLIENT_SECRET=" + std::string(kClientSecret),
        "BARRIER_SIGNING_KEYS=" + std::string(kSigningKey),
        "BARRIER_LOG_LEVEL=debug",
    };
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  // `env -i VARS... <task>/bootstrap`: nothing of the test's environment leaks in.
  std::unique_ptr<LambdaChild> startBootstrap(const std::vector<std::string>& env,
                                              const std::string& log_name) const {
    std::vector<std::string> argv = {"env", "-i"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(task_root_ + "/bootstrap");
    return std::make_unique<LambdaChild>(argv, std::nullopt, dir_->path() + "/" + log_name);
  }

  static LambdaTempDir* dir_;
  static std::string task_root_;
  static std::string package_output_;
};

LambdaTempDir* LambdaManagerTest::dir_ = nullptr;
std::string LambdaManagerTest::task_root_;
std::string LambdaManagerTest::package_output_;

// The zip holds an executable bootstrap, the binary, every library ldd names,
// the loader, and the NSS modules glibc loads by dlopen for DNS.
TEST_F(LambdaManagerTest, PackageHoldsBootstrapBinaryLibrariesAndLoader) {
  EXPECT_NE(package_output_.find("barrier-manager.zip"), std::string::npos) << package_output_;
  EXPECT_NE(package_output_.find("bytes"), std::string::npos) << package_output_;
  struct stat st {};
  ASSERT_EQ(stat((task_root_ + "/bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(stat((task_root_ + "/bin/barrier").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
  for (const char* lib :
       {"ld-linux-x86-64.so.2", "libc.so.6", "libstdc++.so.6", "libcurl.so.4", "libssl.so.3",
        "libcrypto.so.3", "libnss_dns.so.2", "libnss_files.so.2", "libresolv.so.2"}) {
    EXPECT_TRUE(fs::exists(task_root_ + "/lib/" + lib)) << lib;
  }
  std::string bootstrap = readAll(task_root_ + "/bootstrap");
  EXPECT_NE(bootstrap.find("\"$LAMBDA_TASK_ROOT/lib/ld-linux-x86-64.so.2\" --library-path "
                           "\"$LAMBDA_TASK_ROOT/lib\""),
            std::string::npos);
  EXPECT_NE(bootstrap.find("/etc/pki/tls/certs/ca-bundle.crt"), std::string::npos);
  // Every library the packaged binary needs resolves inside lib/.
  auto [rc, out] = lambdaRunShell(task_root_ + "/lib/ld-linux-x86-64.so.2 --library-path " +
                                  task_root_ + "/lib --list " + task_root_ + "/bin/barrier");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("not found"), std::string::npos) << out;
  EXPECT_EQ(out.find("=> /lib"), std::string::npos) << out;
  EXPECT_EQ(out.find("=> /usr"), std::string::npos) << out;
}

// Packaging twice gives the same bytes (content-addressed S3 keys rely on it).
TEST_F(LambdaManagerTest, PackagingIsDeterministic) {
  LambdaTempDir again;
  auto [rc, out] = lambdaRunShell(std::string(BARRIER_BINARY) + " package manager --out " +
                                  again.path() + " 2>&1");
  ASSERT_EQ(rc, 0) << out;
  std::string first = readAll(zipPath());
  std::string second = readAll(again.path() + "/barrier-manager.zip");
  EXPECT_FALSE(first.empty());
  EXPECT_TRUE(first == second) << "the two zips differ";
}

// Cold start makes no network call (the provider's endpoints point at a
// closed port and the loop still comes up); malformed events are reported
// through /error and the loop carries on serving good ones in both formats.
TEST_F(LambdaManagerTest, ColdStartIsOfflineAndBadEventsDoNotStopTheLoop) {
  LambdaRuntimeApi api;
  auto env =
      lambdaEnvironment(api, {"BARRIER_STORE=memory", "BARRIER_OIDC_ISSUER=http://127.0.0.1:9",
                              "BARRIER_AUTHORIZATION_ENDPOINT=http://127.0.0.1:9/authorize",
                              "BARRIER_TOKEN_ENDPOINT=http://127.0.0.1:9/token",
                              "BARRIER_JWKS_URI=http://127.0.0.1:9/jwks"});
  auto bootstrap = startBootstrap(env, "offline.log");
  ASSERT_TRUE(api.waitUntilPolling(20s)) << bootstrap->log();

  for (const char* bad : {"not json", R"({"source":"aws.events","detail-type":"Scheduled"})",
                          R"({"httpMethod":5,"path":"/"})", "[]"}) {
    auto outcome = api.invoke(bad, 10s);
    ASSERT_TRUE(outcome) << "no answer to " << bad << "\n" << bootstrap->log();
    EXPECT_TRUE(outcome->error) << bad;
    Json error = Json::parse(outcome->body, nullptr, false);
    EXPECT_EQ(error.value("errorType", ""), "InvalidArgument") << outcome->body;
    EXPECT_FALSE(error.value("errorMessage", "").empty());
  }

  for (auto format : {LambdaEventFormat::kRestV1, LambdaEventFormat::kHttpV2}) {
    Request me_request;
    me_request.path = "/_identity/me";
    auto me = api.invoke(lambdaEvent(format, me_request), 10s);
    ASSERT_TRUE(me && !me->error) << bootstrap->log();
    EXPECT_EQ(parseLambdaAnswer(format, me->body).response.status, 401) << me->body;

    Request login_request;
    login_request.path = "/_identity/login";
    login_request.query = "path=" + percentEncode("/docs?a=1&b=2");
    auto login = api.invoke(lambdaEvent(format, login_request), 10s);
    ASSERT_TRUE(login && !login->error) << bootstrap->log();
    const Response& answer = parseLambdaAnswer(format, login->body).response;
    EXPECT_EQ(answer.status, 302) << login->body;
    EXPECT_EQ(answer.headers.get("Location").rfind("http://127.0.0.1:9/authorize?", 0), 0u)
        << login->body;
    EXPECT_EQ(answer.headers.getAll("Set-Cookie").size(), 1u) << login->body;
    EXPECT_EQ(answer.headers.get("Cache-Control"), "no-store") << login->body;
  }
  EXPECT_TRUE(bootstrap->running());
}

// A configuration error at start-up goes to /runtime/init/error, naming the
// field and the variable, and the process exits.
TEST_F(LambdaManagerTest, ConfigurationErrorIsAnInitError) {
  LambdaRuntimeApi api;
  auto env = lambdaEnvironment(api, {"BARRIER_STORE=memory", "BARRIER_SESSION_LIFETIME=5",
                                     "BARRIER_OIDC_ISSUER=http://127.0.0.1:9"});
  auto bootstrap = startBootstrap(env, "init-error.log");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!api.initError() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(api.initError()) << bootstrap->log();
  Json error = Json::parse(*api.initError());
  std::string message = error.value("errorMessage", "");
  EXPECT_NE(message.find("session.lifetime"), std::string::npos) << message;
  EXPECT_NE(message.find("BARRIER_SESSION_LIFETIME"), std::string::npos) << message;
  EXPECT_EQ(message.find(kClientSecret), std::string::npos);
  while (bootstrap->running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_FALSE(bootstrap->running());
  EXPECT_EQ(api.nextCalls(), 0);
}

// The session table as the deploy creates it (key, sub-index), through the
// DynamoDB adapter.
Status createTable(const std::string& endpoint, const std::string& table) {
  StoreConfig store;
  store.type = StoreConfig::Type::kDynamoDb;
  store.table = table;
  store.region = "us-east-1";
  store.endpoint = endpoint;
  auto client = makeDynamoDbClient(store, [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;  // loopback endpoint: the adapter uses dummy credentials
  });
  if (!client) return client.status();
  auto created = createSessionTable(**client, table, 30);
  return created ? Status::ok() : created.status();
}

// The site as ManagerBrowser sees it: each request becomes an API Gateway
// event for the packaged manager, and its answer the response.
ManagerBrowser::SiteHandler throughLambda(LambdaRuntimeApi& api, LambdaChild& bootstrap,
                                          LambdaEventFormat format) {
  return [&api, &bootstrap, format](const Request& request) {
    auto outcome = api.invoke(lambdaEvent(format, request), 30s);
    EXPECT_TRUE(outcome && !outcome->error)
        << request.path << ": " << (outcome ? outcome->body : "no answer") << "\n"
        << bootstrap.log();
    if (!outcome || outcome->error) return Response{502, {}, "lambda failed"};
    return parseLambdaAnswer(format, outcome->body).response;
  };
}

// One visitor's whole visit in one payload format: login -> IdP form ->
// callback -> session (/me) -> logout through the IdP back to signed-out,
// after which the old cookie is dead because the record left the table.
void fullVisit(LambdaRuntimeApi& api, LambdaChild& bootstrap, HttpClient& http,
               LambdaEventFormat format) {
  SCOPED_TRACE(format == LambdaEventFormat::kRestV1 ? "REST API 1.0" : "HTTP API 2.0");
  const std::string site = kSite;
  ManagerBrowser b(http, site, throughLambda(api, bootstrap, format));
  auto isCallback = [&](const std::string& location) {
    return location.rfind(site + "/_identity/auth", 0) == 0;
  };

  BrowserPage page = b.follow(
      b.get(site + "/_identity/login?path=" + percentEncode("/docs/page?x=1&y=a b")), isCallback);
  if (page.status == 200) {  // the IdP's login form
    page = b.follow(b.submitLogin(page, "alice", "alice-password"), isCallback);
  }
  ASSERT_TRUE(isCallback(page.location())) << page.status << " " << page.url << "\n" << page.body;

  BrowserPage landed = b.get(page.location());
  ASSERT_EQ(landed.status, 302) << landed.body << "\n" << bootstrap.log();
  EXPECT_EQ(landed.location(), site + "/docs/page?x=1&y=a%20b");
  std::string session = b.cookie(site, "barrier");
  ASSERT_FALSE(session.empty());
  for (const auto& [name, value] : b.cookies(site)) {
    EXPECT_EQ(name.rfind("barrier-login-", 0), std::string::npos) << "flow cookie left: " << name;
  }

  BrowserPage me = b.get(site + "/_identity/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_NE(me.body.find("alice@example.com"), std::string::npos) << me.body;
  EXPECT_NE(me.body.find("admins"), std::string::npos) << me.body;

  BrowserPage out = b.get(site + "/_identity/logout");
  EXPECT_EQ(out.status, 302) << out.body;
  EXPECT_TRUE(b.cookie(site, "barrier").empty());
  BrowserPage signed_out = b.follow(out, nullptr);
  EXPECT_EQ(signed_out.url, site + "/_identity/signed-out");
  EXPECT_EQ(signed_out.status, 200);

  // The old cookie still has a valid MAC, but its record is gone.
  b.setCookie(site, "barrier", session);
  EXPECT_EQ(b.get(site + "/_identity/me").status, 401);
}

// The whole flow through the packaged manager with DynamoDB (dynalite) and
// the local IdP, once per payload format, in one warm container.
TEST_F(LambdaManagerTest, FullLoginThroughRestAndHttpApiEvents) {
  IdpOptions options;
  options.client_id = kClientId;
  options.client_secret = kClientSecret;
  options.redirect_uris = {std::string(kSite) + "/_identity/auth"};
  options.logout_uris = {std::string(kSite) + "/_identity/signed-out"};
  IdpProcess idp(options);
  ASSERT_TRUE(idp.ok()) << "the local IdP did not start: " << idp.error();
  DynamoDbEmulator dynalite(EmulatorKind::kDynalite);
  if (!dynalite.unavailableReason().empty()) GTEST_SKIP() << dynalite.unavailableReason();
  ASSERT_TRUE(dynalite.start());
  Status table = createTable(dynalite.endpoint(), "barrier-lambda-test");
  ASSERT_TRUE(table.isOk()) << table.toString();
  auto http = makeCurlHttpClient();

  LambdaRuntimeApi api;
  auto env = lambdaEnvironment(
      api, {"BARRIER_OIDC_ISSUER=" + idp.issuer(), "BARRIER_TABLE=barrier-lambda-test",
            "BARRIER_DYNAMODB_ENDPOINT=" + dynalite.endpoint(), "AWS_ACCESS_KEY_ID=AKIDLAMBDATEST",
            "AWS_SECRET_ACCESS_KEY=lambda-test-secret-key",
            "AWS_SESSION_TOKEN=lambda-test-session-token"});
  auto bootstrap = startBootstrap(env, "full.log");
  ASSERT_TRUE(api.waitUntilPolling(20s)) << bootstrap->log();

  fullVisit(api, *bootstrap, *http, LambdaEventFormat::kRestV1);
  fullVisit(api, *bootstrap, *http, LambdaEventFormat::kHttpV2);
  EXPECT_TRUE(bootstrap->running());
}

// An API Gateway stand-in for the provider's back-channel call: a loopback
// server whose every request becomes a REST API event for the packaged
// manager, its answer the HTTP response.
std::string throughLambdaRaw(LambdaRuntimeApi& api, const SeenRequest& seen) {
  Request request;
  request.method = seen.method;
  request.path = seen.target.substr(0, seen.target.find('?'));
  request.headers = seen.headers;
  request.body = seen.body;
  auto outcome = api.invoke(lambdaEvent(LambdaEventFormat::kRestV1, request), 30s);
  if (!outcome || outcome->error) return "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
  Response r = parseLambdaAnswer(LambdaEventFormat::kRestV1, outcome->body).response;
  return "HTTP/1.1 " + std::to_string(r.status) +
         " X\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
}

// OpenID Connect Back-Channel Logout through the packaged manager, with
// DynamoDB (dynalite, the sid-index) and the local IdP: alice signs in
// through the manager, ends her session at the provider, whose logout
// token (sub and sid) reaches POST /_identity/backchannel-logout; her
// barrier cookie is dead after.
TEST_F(LambdaManagerTest, BackchannelLogoutEndsTheSession) {
  DynamoDbEmulator dynalite(EmulatorKind::kDynalite);
  if (!dynalite.unavailableReason().empty()) GTEST_SKIP() << dynalite.unavailableReason();
  ASSERT_TRUE(dynalite.start());
  Status table = createTable(dynalite.endpoint(), "barrier-lambda-bcl");
  ASSERT_TRUE(table.isOk()) << table.toString();
  LambdaRuntimeApi api;
  FakeUpstream gateway([&api](const SeenRequest& seen) { return throughLambdaRaw(api, seen); });
  IdpOptions options;
  options.client_id = kClientId;
  options.client_secret = kClientSecret;
  options.redirect_uris = {std::string(kSite) + "/_identity/auth"};
  options.backchannel_logout_uri = gateway.url() + "/_identity/backchannel-logout";
  IdpProcess idp(options);
  ASSERT_TRUE(idp.ok()) << "the local IdP did not start: " << idp.error();
  auto env = lambdaEnvironment(
      api, {"BARRIER_OIDC_ISSUER=" + idp.issuer(), "BARRIER_TABLE=barrier-lambda-bcl",
            "BARRIER_DYNAMODB_ENDPOINT=" + dynalite.endpoint(), "BARRIER_BACKCHANNEL_LOGOUT=true",
            "AWS_ACCESS_KEY_ID=AKIDLAMBDATEST", "AWS_SECRET_ACCESS_KEY=lambda-test-secret-key"});
  auto bootstrap = startBootstrap(env, "backchannel.log");
  ASSERT_TRUE(api.waitUntilPolling(20s)) << bootstrap->log();
  auto http = makeCurlHttpClient();
  ManagerBrowser b(*http, kSite, throughLambda(api, *bootstrap, LambdaEventFormat::kHttpV2));
  auto isCallback = [](const std::string& l) {
    return l.rfind(std::string(kSite) + "/_identity/auth", 0) == 0;
  };
  BrowserPage page = b.follow(b.get(std::string(kSite) + "/_identity/login?path=/"), isCallback);
  if (page.status == 200)
    page = b.follow(b.submitLogin(page, "alice", "alice-password"), isCallback);
  ASSERT_TRUE(isCallback(page.location())) << page.status << " " << page.body;
  ASSERT_EQ(b.get(page.location()).status, 302) << bootstrap->log();
  ASSERT_EQ(b.get(std::string(kSite) + "/_identity/me").status, 200);

  BrowserPage out = b.endProviderSession(idp.issuer());
  ASSERT_TRUE(out.status > 0 && out.status < 400) << out.status << " " << out.body;
  ASSERT_EQ(gateway.seen().size(), 1u) << "the provider sent no logout token";
  EXPECT_EQ(b.get(std::string(kSite) + "/_identity/me").status, 401) << bootstrap->log();
  EXPECT_TRUE(bootstrap->running());
}

}  // namespace
}  // namespace barrier::testing
