// `barrier serve` in-process over loopback: the static origin, the checker in
// front of it, forward-auth, health and metrics, limits and keep-alive.
// Requests are written byte for byte on raw sockets so that malformed and
// hostile ones reach the server unchanged.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "support/serve_fixture.h"
#include "support/serve_http.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

const char kNavigation[] = "Accept: text/html\r\nSec-Fetch-Mode: navigate\r\n";

void writeFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class ServeGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("barrier-serve-");
    ASSERT_FALSE(dir_.empty());
    root_ = fs::path(dir_) / "site";
    writeFile(root_ / "index.html", "<h1>home</h1>");
    writeFile(root_ / "hello.txt", "hello world\n");
    writeFile(root_ / "docs" / "index.html", "<h1>docs</h1>");
    writeFile(root_ / "public" / "logo.svg", "<svg/>");
    writeFile(root_ / "admin" / "index.html", "<h1>admin</h1>");
    writeFile(root_ / "big.bin", std::string(1 << 20, 'b'));
    writeFile(fs::path(dir_) / "secret.txt", "TOP SECRET");
    writeFile(fs::path(dir_) / "outside" / "secret.txt", "TOP SECRET");
    fs::create_directory_symlink(fs::path(dir_) / "outside", root_ / "escape");
  }
  void TearDown() override {
    gateway_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  InProcessGateway& start(GatewaySetup setup = {}) {
    if (setup.origins.empty()) setup.origins.push_back({"/", root_.string(), "", ""});
    setup.public_paths.push_back("/public/*");
    setup.rules.push_back({"/admin/*", {"admins"}});
    setup.server.shutdown_grace_ms = 3000;
    gateway_ = std::make_unique<InProcessGateway>(std::move(setup));
    EXPECT_TRUE(gateway_->ok()) << gateway_->error();
    return *gateway_;
  }

  std::string dir_;
  fs::path root_;
  std::unique_ptr<InProcessGateway> gateway_;
};

// A signed-in visitor gets the file, with its content type, an ETag and
// Last-Modified; the same ETag in If-None-Match gives 304 without a body.
TEST_F(ServeGatewayTest, StaticFileWithEtagAnd304) {
  auto& gw = start();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpReply first = httpGet(gw.port(), "/hello.txt", cookie);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "hello world\n");
  EXPECT_EQ(first.headers.get("Content-Type"), "text/plain; charset=utf-8");
  std::string etag = first.headers.get("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_FALSE(first.headers.get("Last-Modified").empty());
  HttpReply second = httpGet(gw.port(), "/hello.txt", cookie + "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  EXPECT_EQ(second.headers.get("ETag"), etag);
  HttpReply other = httpGet(gw.port(), "/hello.txt", cookie + "If-None-Match: \"nope\"\r\n");
  EXPECT_EQ(other.status, 200);
}

// HEAD reports the length of the body it does not send.
TEST_F(ServeGatewayTest, StaticHeadHasLengthButNoBody) {
  auto& gw = start();
  HttpConnection connection("127.0.0.1", gw.port());
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpReply head = connection.exchange(rawRequest("HEAD", "/hello.txt", cookie), true);
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.headers.get("Content-Length"), "12");
  EXPECT_TRUE(head.body.empty());
  // The connection is still in sync: a GET on it gets the body.
  HttpReply get = connection.exchange(rawRequest("GET", "/hello.txt", cookie));
  EXPECT_EQ(get.body, "hello world\n");
}

// Directories: a missing '/' is added by a 301 (query kept; leading
// slashes collapsed, so the Location is never "//host/"), and the
// directory's index.html is served; large files stream from disk whole.
TEST_F(ServeGatewayTest, DirectoryIndexRedirectAndLargeFile) {
  auto& gw = start();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpReply redirect = httpGet(gw.port(), "/docs?x=1", cookie);
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.headers.get("Location"), "/docs/?x=1");
  // Never "//docs/", which a browser reads as the host "docs".
  EXPECT_EQ(httpGet(gw.port(), "//docs", cookie).headers.get("Location"), "/docs/");
  EXPECT_EQ(httpGet(gw.port(), "///docs", cookie).headers.get("Location"), "/docs/");
  HttpReply index = httpGet(gw.port(), "/docs/", cookie);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<h1>docs</h1>");
  EXPECT_EQ(httpGet(gw.port(), "/", cookie).body, "<h1>home</h1>");
  HttpReply big = httpGet(gw.port(), "/big.bin", cookie);
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), size_t{1} << 20);
  EXPECT_EQ(httpGet(gw.port(), "/missing.html", cookie).status, 404);
}

// Every traversal trick — plain, percent-encoded, double-encoded, encoded
// slash, backslash, NUL, or a symlink pointing out — stays inside the root.
TEST_F(ServeGatewayTest, TraversalAttemptsNeverLeaveTheRoot) {
  auto& gw = start();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  const char* attempts[] = {
      "/../secret.txt",
      "/docs/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/docs/%2e%2e/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/docs/..\\..\\secret.txt",
      "/%252e%252e/secret.txt",
      "/.%2e/secret.txt",
      "//../secret.txt",
      "/./../secret.txt",
      "/docs/%2e%2e%5c%2e%2e%5csecret.txt",
      "/%00/../secret.txt",
      "/escape/secret.txt",
      "/escape/",
      "/%c0%ae%c0%ae/secret.txt",
  };
  for (const char* target : attempts) {
    HttpReply reply = httpGet(gw.port(), target, cookie);
    EXPECT_NE(reply.status, 200) << target;
    EXPECT_EQ(reply.body.find("TOP SECRET"), std::string::npos) << target;
  }
}

// Without a session: a browser navigation is sent to the login page with
// its path and query; a fetch gets 401 JSON, not a redirect.
TEST_F(ServeGatewayTest, NoSessionRedirectsNavigationsAndRefusesFetches) {
  auto& gw = start();
  HttpReply navigation = httpGet(gw.port(), "/docs/?a=1&b=2", kNavigation);
  EXPECT_EQ(navigation.status, 307);
  std::string location = navigation.headers.get("Location");
  EXPECT_EQ(location.rfind("/_identity/login?path=", 0), 0u) << location;
  EXPECT_NE(location.find("a%3D1"), std::string::npos) << location;
  HttpReply fetch =
      httpGet(gw.port(), "/docs/", "Accept: application/json\r\nSec-Fetch-Mode: cors\r\n");
  EXPECT_EQ(fetch.status, 401);
  EXPECT_FALSE(fetch.headers.has("Location"));
  // Public paths pass without a session.
  EXPECT_EQ(httpGet(gw.port(), "/public/logo.svg").status, 200);
}

// Access rules: /admin/* needs group admins; a member passes, others get 403.
TEST_F(ServeGatewayTest, AccessRuleGivesForbiddenToNonMembers) {
  auto& gw = start();
  EXPECT_EQ(
      httpGet(gw.port(), "/admin/", "Cookie: " + gw.login("alice", {"admins"}) + "\r\n").status,
      200);
  EXPECT_EQ(httpGet(gw.port(), "/admin/",
                    std::string("Cookie: ") + gw.login("bob") + "\r\n" + kNavigation)
                .status,
            403);
}

// /_identity/* paths reach the manager handlers, except the gateway's own.
TEST_F(ServeGatewayTest, IdentityPathsReachTheManager) {
  auto& gw = start();
  HttpReply reply = httpGet(gw.port(), "/_identity/login?path=/x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, std::string(kFakeIdentityBody) + "/_identity/login");
  EXPECT_EQ(reply.headers.get("Cache-Control"), "no-store");
}

// Forward-auth: the original URI comes from X-Original-URI; no session is a
// 401 carrying the login URL (navigation) or none (fetch); a session is a
// 200 with identity headers; ?redirect=1 gives the 307 itself.
TEST_F(ServeGatewayTest, ForwardAuthCheck) {
  auto& gw = start();
  HttpReply denied = httpGet(gw.port(), "/_identity/check",
                             std::string("X-Original-URI: /app/page?q=1\r\n") + kNavigation);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.headers.get("X-Barrier-Login").rfind("/_identity/login?path=%2Fapp%2Fpage", 0),
            0u)
      << denied.headers.get("X-Barrier-Login");
  HttpReply fetch = httpGet(gw.port(), "/_identity/check",
                            "X-Forwarded-Uri: /api/data\r\nAccept: application/json\r\n");
  EXPECT_EQ(fetch.status, 401);
  EXPECT_FALSE(fetch.headers.has("X-Barrier-Login"));
  HttpReply redirect = httpGet(gw.port(), "/_identity/check?redirect=1",
                               std::string("X-Forwarded-Uri: /app\r\n") + kNavigation);
  EXPECT_EQ(redirect.status, 307);
  std::string cookie = "Cookie: " + gw.login("alice", {"admins"}) + "\r\n";
  HttpReply allowed = httpGet(gw.port(), "/_identity/check",
                              "X-Original-URI: /admin/\r\nX-Barrier-User: mallory\r\n" + cookie);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.headers.get("X-Barrier-User"), "alice");
  EXPECT_EQ(allowed.headers.get("X-Barrier-Groups"), "admins");
  HttpReply forbidden = httpGet(gw.port(), "/_identity/check",
                                "X-Original-URI: /admin/\r\nCookie: " + gw.login("bob") + "\r\n");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(httpGet(gw.port(), "/_identity/check").status, 400);
  // nginx's $request_uri keeps a literal '#', and nginx serves the path up
  // to it: /admin/x to the upstream, however the dot segments after it go.
  HttpReply hash_public =
      httpGet(gw.port(), "/_identity/check", "X-Original-URI: /admin/x#/../../public/logo.svg\r\n");
  EXPECT_EQ(hash_public.status, 401);
  HttpReply hash_rule =
      httpGet(gw.port(), "/_identity/check",
              "X-Original-URI: /admin/x#/../../app\r\nCookie: " + gw.login("bob") + "\r\n");
  EXPECT_EQ(hash_rule.status, 403);
}

// Health follows the store: 200 while it answers, 503 when it does not;
// the checker then fails closed with 503 too, never a pass.
TEST_F(ServeGatewayTest, HealthAndFailClosed) {
  GatewaySetup setup;
  setup.server.health_max_age_ms = 0;  // a ping per request
  auto& gw = start(std::move(setup));
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 200);
  gw.store().down = true;
  EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 503);
  // A fresh session is not cached yet, so the store is asked and fails.
  std::string fresh = "Cookie: " + gw.login("carol") + "\r\n";
  HttpReply reply = httpGet(gw.port(), "/hello.txt", fresh);
  EXPECT_EQ(reply.status, 503);
  EXPECT_TRUE(reply.headers.has("Retry-After"));
  gw.store().down = false;
  EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 200);
}

// A sign-in waiting on a slow identity provider holds a manager thread,
// never the checks of visitors already signed in: store reads (network
// stores read off the I/O threads) have a pool of their own.
TEST_F(ServeGatewayTest, SlowSignInDoesNotHoldUpChecks) {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  GatewaySetup setup;
  setup.server.blocking_threads = 1;
  setup.server.offload_store = true;
  setup.identity_hook = [&] {
    entered = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  auto& gw = start(std::move(setup));
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  std::thread slow([&] { httpGet(gw.port(), "/_identity/auth?code=x&state=y"); });
  for (int i = 0; i < 500 && !entered; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(entered);
  // Not cached yet: this check reads the store.
  HttpReply reply = httpGet(gw.port(), "/hello.txt", cookie);
  release = true;
  slow.join();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello world\n");
}

// /_identity/health is public: its answer is reused for
// server.health_max_age_ms, so however often it is asked, the store is
// pinged about once per that time (each ping takes a thread of the pool the
// store reads share).
TEST_F(ServeGatewayTest, HealthAnswerIsReusedForItsMaxAge) {
  GatewaySetup setup;
  setup.server.health_max_age_ms = 60'000;
  auto& gw = start(std::move(setup));
  EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 200);
  gw.store().down = true;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 200);
  EXPECT_EQ(gw.store().pings.load(), 1);
}

// Metrics: Prometheus text with outcomes, cache counters and the store
// histogram, on the metrics listener.
TEST_F(ServeGatewayTest, MetricsExposition) {
  GatewaySetup setup;
  setup.server.metrics_listen = "127.0.0.1:0";
  auto& gw = start(std::move(setup));
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  httpGet(gw.port(), "/hello.txt", cookie);
  httpGet(gw.port(), "/hello.txt", cookie);
  httpGet(gw.port(), "/hello.txt", kNavigation);
  HttpReply metrics = httpGet(gw.metricsPort(), "/_identity/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("barrier_requests_total{outcome=\"pass\"} 2"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("barrier_requests_total{outcome=\"no_session\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("barrier_cache_hits_total 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("barrier_cache_misses_total 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("barrier_store_latency_seconds_bucket{le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("barrier_logins_total"), std::string::npos);
}

// Metrics are never on the public listener: without server.metrics_listen
// there are none (404); with it, they are on that listener alone, which
// serves health too and nothing else.
TEST_F(ServeGatewayTest, MetricsOnlyOnTheirOwnListener) {
  {
    auto& plain = start();
    EXPECT_EQ(plain.metricsPort(), 0);
    EXPECT_EQ(httpGet(plain.port(), "/_identity/metrics").status, 404);
    EXPECT_EQ(httpGet(plain.port(), "/_identity/health").status, 200);
  }
  GatewaySetup setup;
  setup.server.metrics_listen = "127.0.0.1:0";
  auto& gw = start(std::move(setup));
  ASSERT_NE(gw.metricsPort(), 0);
  ASSERT_NE(gw.metricsPort(), gw.port());
  EXPECT_EQ(httpGet(gw.port(), "/_identity/metrics").status, 404);
  EXPECT_EQ(httpGet(gw.port(), "/_identity/health").status, 200);
  HttpReply metrics = httpGet(gw.metricsPort(), "/_identity/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("barrier_requests_total"), std::string::npos) << metrics.body;
  EXPECT_EQ(httpGet(gw.metricsPort(), "/_identity/health").status, 200);
  for (const char* other : {"/public/logo.svg", "/_identity/login", "/_identity/check", "/"}) {
    EXPECT_EQ(httpGet(gw.metricsPort(), other).status, 404) << other;
  }
}

// server.login_rate_limit: past it, /_identity/login answers 429 with
// Retry-After, per client (behind a trusted proxy, per its X-Forwarded-For
// entry); other paths are not limited.
TEST_F(ServeGatewayTest, LoginStartsAreLimitedPerClient) {
  GatewaySetup setup;
  setup.server.login_rate_limit = 2;
  setup.server.trust_forwarded_proto = true;
  auto& gw = start(std::move(setup));
  const std::string first = "X-Forwarded-For: 203.0.113.1\r\n";
  EXPECT_NE(httpGet(gw.port(), "/_identity/login", first).status, 429);
  EXPECT_NE(httpGet(gw.port(), "/_identity/login?path=/a", first).status, 429);
  HttpReply refused = httpGet(gw.port(), "/_identity/login", first);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers.get("Retry-After"), "30");
  EXPECT_EQ(refused.headers.get("Cache-Control"), "no-store");
  EXPECT_NE(refused.body.find("Too many sign-in attempts"), std::string::npos) << refused.body;
  EXPECT_NE(httpGet(gw.port(), "/_identity/login", "X-Forwarded-For: 203.0.113.2\r\n").status, 429);
  EXPECT_NE(httpGet(gw.port(), "/_identity/me", first).status, 429);
  EXPECT_EQ(
      httpGet(gw.port(), "/hello.txt", first + "Cookie: " + gw.login("alice") + "\r\n").status,
      200);
}

// Limits: an oversized header is a 431; a body over max_body_bytes is a
// 413 — up front when Content-Length says so, else when it is read, which
// only happens for a signed-in request forwarded upstream.
TEST_F(ServeGatewayTest, HeaderAndBodyLimits) {
  FakeUpstream api([](const SeenRequest& r) { return FakeUpstream::ok("got " + r.body); });
  GatewaySetup setup;
  setup.server.max_header_bytes = 4096;
  setup.server.max_body_bytes = 1000;
  setup.origins.push_back({"/api/", "", "http://127.0.0.1:" + std::to_string(api.port()), ""});
  auto& gw = start(std::move(setup));
  std::string big_header = "X-Filler: " + std::string(8000, 'x') + "\r\n";
  EXPECT_EQ(httpGet(gw.port(), "/hello.txt", big_header).status, 431);
  HttpConnection post("127.0.0.1", gw.port());
  EXPECT_EQ(post.exchange(rawRequest("POST", "/hello.txt", "", std::string(5000, 'p'))).status,
            413);
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  auto chunked = [&](size_t chunks) {
    std::string raw =
        "POST /api/upload HTTP/1.1\r\nHost: x\r\n" + cookie + "Transfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < chunks; ++i) raw += "320\r\n" + std::string(800, 'c') + "\r\n";
    return raw + "0\r\n\r\n";
  };
  HttpConnection too_long("127.0.0.1", gw.port());
  EXPECT_EQ(too_long.exchange(chunked(3)).status, 413);
  HttpConnection fits("127.0.0.1", gw.port());
  HttpReply reply = fits.exchange(chunked(1));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "got " + std::string(800, 'c'));
  ASSERT_EQ(api.seen().size(), 1u);
  // Expect: 100-continue with a too-large Content-Length is refused up front.
  HttpConnection expect("127.0.0.1", gw.port());
  EXPECT_EQ(expect
                .exchange("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                          "Expect: 100-continue\r\n\r\n")
                .status,
            413);
  // Garbage is a 400, not a crash.
  HttpConnection garbage("127.0.0.1", gw.port());
  EXPECT_EQ(garbage.exchange("NOT HTTP AT ALL\r\n\r\n").status, 400);
}

// Framing a proxy in front could read differently is refused with 400 and a
// closed connection (RFC 9112): a Transfer-Encoding not ending in chunked
// (its body was taken as the next request), one in HTTP/1.0, a target with
// a '#', and an HTTP/1.1 request without exactly one Host.
TEST_F(ServeGatewayTest, AmbiguousFramingIsRefused) {
  FakeUpstream api([](const SeenRequest& r) { return FakeUpstream::ok("got " + r.body); });
  GatewaySetup setup;
  setup.origins.push_back({"/api/", "", "http://127.0.0.1:" + std::to_string(api.port()), ""});
  auto& gw = start(std::move(setup));
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  std::string smuggled = "GET /api/smuggled HTTP/1.1\r\nHost: x\r\n" + cookie + "\r\n";
  for (const char* coding : {"gzip", "chunked, identity", "xchunked"}) {
    HttpConnection c("127.0.0.1", gw.port());
    HttpReply reply = c.exchange("POST /api/x HTTP/1.1\r\nHost: x\r\n" + cookie +
                                 "Transfer-Encoding: " + coding + "\r\n\r\n" + smuggled);
    EXPECT_EQ(reply.status, 400) << coding;
    EXPECT_EQ(reply.headers.get("Connection"), "close") << coding;
  }
  HttpConnection old_http("127.0.0.1", gw.port());
  EXPECT_EQ(old_http
                .exchange("POST /api/x HTTP/1.0\r\nHost: x\r\n" + cookie +
                          "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .status,
            400);
  // A request target never holds a '#' (RFC 9112 §3.2): where the
  // upstream's parser would end the path is not where the check read it.
  HttpConnection fragment("127.0.0.1", gw.port());
  EXPECT_EQ(
      fragment.exchange("GET /api/x#/../../public/logo.svg HTTP/1.1\r\nHost: x\r\n\r\n").status,
      400);
  HttpConnection no_host("127.0.0.1", gw.port());
  EXPECT_EQ(no_host.exchange("GET /api/x HTTP/1.1\r\n" + cookie + "\r\n").status, 400);
  HttpConnection two_hosts("127.0.0.1", gw.port());
  EXPECT_EQ(
      two_hosts.exchange("GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + cookie + "\r\n").status,
      400);
  EXPECT_TRUE(api.seen().empty());
  // HTTP/1.0 needs no Host.
  HttpConnection plain_old("127.0.0.1", gw.port());
  EXPECT_EQ(plain_old.exchange("GET /api/x HTTP/1.0\r\n" + cookie + "\r\n").status, 200);
}

// Without a session a body is never read: the refusal comes at once (no
// "100 Continue" first), the connection closes after it, and nothing
// reaches the upstream. A client that sent its body anyway still gets the
// answer (barrier drains before closing instead of resetting).
TEST_F(ServeGatewayTest, NoBodyIsReadWithoutASession) {
  FakeUpstream api([](const SeenRequest&) { return FakeUpstream::ok("api"); });
  GatewaySetup setup;
  setup.server.max_body_bytes = 64 * 1024 * 1024;
  setup.origins.push_back({"/api/", "", "http://127.0.0.1:" + std::to_string(api.port()), ""});
  auto& gw = start(std::move(setup));
  HttpConnection expect("127.0.0.1", gw.port());
  HttpReply refused = expect.exchange(
      "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
      "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers.get("Connection"), "close");
  EXPECT_TRUE(expect.closedByPeer());
  // A client that does not wait for "100 Continue" has its body on the way
  // when the answer comes: barrier reads and drops what follows before it
  // closes, so the client's sends keep succeeding and it sees a clean close
  // (closing with unread data would reset the connection, and could take
  // the answer with it).
  HttpConnection eager("127.0.0.1", gw.port());
  HttpReply sent =
      eager.exchange("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 600000\r\n\r\n" +
                     std::string(100000, 'b'));
  EXPECT_EQ(sent.status, 401);
  EXPECT_EQ(sent.headers.get("Connection"), "close");
  bool sends_ok = true;
  for (int i = 0; i < 50 && sends_ok; ++i) {
    sends_ok = eager.sendRaw(std::string(10000, 'b'));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(sends_ok);
  EXPECT_TRUE(eager.closedByPeer());
  HttpConnection check("127.0.0.1", gw.port());
  EXPECT_EQ(check
                .exchange(rawRequest("POST", "/_identity/check", "X-Original-URI: /api/upload\r\n",
                                     std::string(5000, 'b')))
                .status,
            401);
  EXPECT_TRUE(api.seen().empty());
}

// Keep-alive: several requests share one connection; an idle connection is
// closed after idle_timeout.
TEST_F(ServeGatewayTest, KeepAliveAndIdleTimeout) {
  GatewaySetup setup;
  setup.server.idle_timeout_ms = 500;
  auto& gw = start(std::move(setup));
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpConnection connection("127.0.0.1", gw.port());
  for (int i = 0; i < 5; ++i) {
    HttpReply reply = connection.exchange(rawRequest("GET", "/hello.txt", cookie));
    ASSERT_EQ(reply.status, 200) << i;
    EXPECT_NE(reply.headers.get("Connection"), "close");
  }
  EXPECT_TRUE(connection.closedByPeer(5000));
  // Pipelined requests are answered in order.
  HttpConnection pipelined("127.0.0.1", gw.port());
  ASSERT_TRUE(
      pipelined.sendRaw(rawRequest("GET", "/hello.txt", cookie) + rawRequest("GET", "/", cookie)));
  EXPECT_EQ(pipelined.read().body, "hello world\n");
  EXPECT_EQ(pipelined.read().body, "<h1>home</h1>");
}

// At server.max_connections, further connections wait in the listen queue
// (nothing is read from them) until one ends, then are served: file
// descriptors stay bounded and nobody is dropped. The metrics listener is
// not capped: it answers while the public one is full.
TEST_F(ServeGatewayTest, ConnectionsOverTheCapWait) {
  GatewaySetup setup;
  setup.server.max_connections = 2;
  setup.server.metrics_listen = "127.0.0.1:0";
  auto& gw = start(std::move(setup));
  auto first = std::make_unique<HttpConnection>("127.0.0.1", gw.port());
  HttpConnection second("127.0.0.1", gw.port());
  ASSERT_EQ(first->exchange(rawRequest("GET", "/public/logo.svg")).status, 200);
  ASSERT_EQ(second.exchange(rawRequest("GET", "/public/logo.svg")).status, 200);
  HttpConnection third("127.0.0.1", gw.port());
  ASSERT_TRUE(third.connected());  // the kernel's listen queue took it
  auto answer = std::async(std::launch::async, [&] {
    return third.exchange(rawRequest("GET", "/public/logo.svg")).status;
  });
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
      << "served over the cap";
  // The cap is the public listener's: metrics still answer.
  EXPECT_EQ(httpGet(gw.metricsPort(), "/_identity/metrics").status, 200);
  first.reset();  // one ends: the third is accepted and served
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(answer.get(), 200);
}

// Graceful shutdown closes idle keep-alive connections and returns from run().
TEST_F(ServeGatewayTest, StopClosesIdleConnections) {
  auto& gw = start();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpConnection idle("127.0.0.1", gw.port());
  ASSERT_EQ(idle.exchange(rawRequest("GET", "/hello.txt", cookie)).status, 200);
  EXPECT_TRUE(gw.stop(5000));
  EXPECT_TRUE(idle.closedByPeer(2000));
  HttpConnection late("127.0.0.1", gw.port());
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace barrier::testing
