// `barrier serve`'s reverse proxy against a scripted upstream on loopback:
// identity and X-Forwarded-* headers, hop-by-hop removal, pooled keep-alive
// connections, streaming, 502/504, and a graceful stop that lets an
// in-flight request finish.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "support/serve_fixture.h"
#include "support/serve_http.h"

namespace barrier::testing {
namespace {

// `threads`: the server's workers (0: one per core). Upstream connections
// are pooled per worker thread, so a test of their reuse runs one worker.
GatewaySetup proxyTo(const std::string& url, int64_t upstream_timeout_ms = 5000, int threads = 0) {
  GatewaySetup setup;
  setup.origins.push_back({"/", "", url, ""});
  setup.server.threads = threads;
  setup.server.upstream_timeout_ms = upstream_timeout_ms;
  setup.server.shutdown_grace_ms = 5000;
  return setup;
}

// The upstream sees the identity headers barrier set (never the client's
// forged ones, and not removed by a client's Connection header naming
// them), X-Forwarded-For/-Proto/-Host, and no hop-by-hop headers,
// including those the client named in Connection.
TEST(ServeProxyTest, RequestHeadersAreRewritten) {
  FakeUpstream upstream([](const SeenRequest&) { return FakeUpstream::ok("hi"); });
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string extra = "Cookie: " + gw.login("alice", {"admins", "staff"}) +
                      "\r\nX-Barrier-User: mallory\r\nX-Barrier-Groups: admins\r\n"
                      "Connection: keep-alive, X-Secret-Hop, X-Barrier-User, X-Barrier-Groups\r\n"
                      "X-Secret-Hop: 1\r\n"
                      "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\n"
                      "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\n"
                      "X-Forwarded-Proto: https\r\nX-Custom: kept\r\n";
  std::string app_cookie = "Cookie: theme=dark; barrier-login-abc=x; lang=en\r\n";
  HttpReply reply = httpGet(gw.port(), "/app/page?x=1&y=%20", extra + app_cookie);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hi");
  auto seen = upstream.seen();
  ASSERT_EQ(seen.size(), 1u);
  const Headers& h = seen[0].headers;
  EXPECT_EQ(seen[0].target, "/app/page?x=1&y=%20");
  EXPECT_EQ(h.get("X-Barrier-User"), "alice");
  EXPECT_EQ(h.getAll("X-Barrier-User").size(), 1u);
  EXPECT_EQ(h.get("X-Barrier-Groups"), "admins,staff");
  EXPECT_EQ(h.get("X-Barrier-Email"), "alice@example.com");
  EXPECT_FALSE(h.get("X-Barrier-Session-Id").empty());
  // No trusted proxy in front: the visitor's X-Forwarded-For is not passed on.
  EXPECT_EQ(h.get("X-Forwarded-For"), "127.0.0.1");
  // trust_forwarded_proto is off: the client's claim is replaced.
  EXPECT_EQ(h.get("X-Forwarded-Proto"), "http");
  EXPECT_EQ(h.get("X-Forwarded-Host"), "127.0.0.1");
  EXPECT_EQ(h.get("Host"), upstream.url().substr(7));
  EXPECT_EQ(h.get("X-Custom"), "kept");
  EXPECT_FALSE(h.has("X-Secret-Hop"));
  EXPECT_FALSE(h.has("Keep-Alive"));
  EXPECT_FALSE(h.has("TE"));
  EXPECT_FALSE(h.has("Upgrade"));
  EXPECT_FALSE(h.has("Proxy-Authorization"));
  EXPECT_FALSE(h.get("X-Request-Id").empty());
  // The session and flow cookies are bearer secrets: the upstream never
  // sees them, while the application's own cookies pass.
  EXPECT_EQ(h.getAll("Cookie").size(), 1u);
  EXPECT_EQ(h.get("Cookie"), "theme=dark; lang=en");
}

// With trust_forwarded_proto, the TLS proxy's X-Forwarded-Proto is passed on.
TEST(ServeProxyTest, TrustedForwardedProtoIsKept) {
  FakeUpstream upstream([](const SeenRequest&) { return FakeUpstream::ok("hi"); });
  GatewaySetup setup = proxyTo(upstream.url());
  setup.server.trust_forwarded_proto = true;
  InProcessGateway gw(std::move(setup));
  ASSERT_TRUE(gw.ok()) << gw.error();
  httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\nX-Forwarded-Proto: https\r\n");
  ASSERT_EQ(upstream.seen().size(), 1u);
  EXPECT_EQ(upstream.seen()[0].headers.get("X-Forwarded-Proto"), "https");
}

// Hop-by-hop headers of the upstream's response are dropped too; the rest
// (Set-Cookie of the application, custom headers) reach the client.
TEST(ServeProxyTest, ResponseHeadersAreCleaned) {
  FakeUpstream upstream([](const SeenRequest&) {
    return std::string(
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: X-Internal\r\n"
        "X-Internal: secret\r\nKeep-Alive: timeout=9\r\nProxy-Authenticate: Basic\r\n"
        "Set-Cookie: app=1\r\nX-App: yes\r\n\r\nok");
  });
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply reply = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.body, "ok");
  EXPECT_FALSE(reply.headers.has("X-Internal"));
  EXPECT_FALSE(reply.headers.has("Keep-Alive"));
  EXPECT_FALSE(reply.headers.has("Proxy-Authenticate"));
  EXPECT_EQ(reply.headers.get("Set-Cookie"), "app=1");
  EXPECT_EQ(reply.headers.get("X-App"), "yes");
}

// Interim answers (103 Early Hints, 102) before the final one are dropped:
// the client gets the final answer, and the pooled connection is clean for
// the next client (relaying the 103 as the answer left alice's page unread
// on it, and bob got it).
TEST(ServeProxyTest, InterimAnswersAreNotTheAnswer) {
  std::atomic<int> calls{0};
  FakeUpstream upstream([&](const SeenRequest& r) {
    if (calls++ == 0) {
      return "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
             "HTTP/1.1 102 Processing\r\n\r\n" +
             FakeUpstream::ok("page of " + r.headers.get("X-Barrier-User"));
    }
    return FakeUpstream::ok("page of " + r.headers.get("X-Barrier-User"));
  });
  InProcessGateway gw(proxyTo(upstream.url(), 5000, /*threads=*/1));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply alice = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_EQ(alice.status, 200);
  EXPECT_EQ(alice.body, "page of alice");
  HttpReply bob = httpGet(gw.port(), "/", "Cookie: " + gw.login("bob") + "\r\n");
  EXPECT_EQ(bob.status, 200);
  EXPECT_EQ(bob.body, "page of bob");
  EXPECT_EQ(upstream.connections(), 1);
}

// An unasked-for 101, or interim answers without end, are a 502.
TEST(ServeProxyTest, EndlessInterimAnswersAre502) {
  FakeUpstream upstream([](const SeenRequest& r) {
    if (r.target == "/switch") return std::string("HTTP/1.1 101 Switching Protocols\r\n\r\n");
    std::string out;
    for (int i = 0; i < 20; ++i) out += "HTTP/1.1 103 Early Hints\r\n\r\n";
    return out + FakeUpstream::ok("late");
  });
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  EXPECT_EQ(httpGet(gw.port(), "/switch", cookie).status, 502);
  EXPECT_EQ(httpGet(gw.port(), "/hints", cookie).status, 502);
}

// An upstream that fails in the middle of its body: the client's
// connection is cut (the header is out, no other signal is left), and the
// request counts as an upstream error, not as the 200 it began with.
TEST(ServeProxyTest, BodyCutShortCountsAsUpstreamError) {
  FakeUpstream upstream([](const SeenRequest&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly ten!!");
  });
  GatewaySetup setup = proxyTo(upstream.url());
  setup.server.metrics_listen = "127.0.0.1:0";
  InProcessGateway gw(std::move(setup));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply cut = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_NE(cut.body.size(), 100u);
  std::string metrics = httpGet(gw.metricsPort(), "/_identity/metrics").body;
  EXPECT_NE(metrics.find("barrier_requests_total{outcome=\"upstream_error\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("barrier_requests_total{outcome=\"pass\"} 0"), std::string::npos)
      << metrics;
}

// Upstream connections are pooled: many requests, from several client
// connections one after another, use one upstream connection (per worker
// thread: one here).
TEST(ServeProxyTest, UpstreamConnectionsAreReused) {
  FakeUpstream upstream([](const SeenRequest&) { return FakeUpstream::ok("pooled"); });
  InProcessGateway gw(proxyTo(upstream.url(), 5000, /*threads=*/1));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  for (int i = 0; i < 3; ++i) {
    HttpConnection client("127.0.0.1", gw.port());
    for (int j = 0; j < 3; ++j) {
      ASSERT_EQ(client.exchange(rawRequest("GET", "/", cookie)).body, "pooled");
    }
  }
  EXPECT_EQ(upstream.seen().size(), 9u);
  EXPECT_EQ(upstream.connections(), 1);
}

// A request body is forwarded; a large chunked response is streamed through
// whole, re-chunked for the client.
TEST(ServeProxyTest, BodiesInBothDirections) {
  std::string big(3 * 1024 * 1024 + 17, 'z');
  FakeUpstream upstream([&](const SeenRequest& request) {
    if (request.method == "POST") return FakeUpstream::ok("got " + request.body);
    std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < big.size(); i += 100000) {
      size_t n = std::min<size_t>(100000, big.size() - i);
      char size[16];
      std::snprintf(size, sizeof size, "%zx", n);
      out += std::string(size) + "\r\n" + big.substr(i, n) + "\r\n";
    }
    return out + "0\r\n\r\n";
  });
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  HttpConnection client("127.0.0.1", gw.port());
  HttpReply posted = client.exchange(rawRequest("POST", "/form", cookie, "a=1&b=2"));
  EXPECT_EQ(posted.body, "got a=1&b=2");
  HttpReply streamed = client.exchange(rawRequest("GET", "/big", cookie));
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.headers.get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(streamed.body.size(), big.size());
  EXPECT_TRUE(streamed.body == big);
}

// An upload is streamed upstream as it arrives: a client asking for
// "100 Continue" gets it once signed in, its body (larger than the relay's
// buffer, and than max_body_bytes would let barrier hold whole before)
// arrives intact with its length, and a chunked body stays chunked. The
// client connection carries on afterwards.
TEST(ServeProxyTest, UploadsAreStreamed) {
  FakeUpstream upstream([](const SeenRequest& request) {
    return FakeUpstream::ok(std::to_string(request.body.size()) + " " +
                            request.headers.get("Content-Length") + "|" +
                            request.headers.get("Transfer-Encoding"));
  });
  GatewaySetup setup = proxyTo(upstream.url());
  setup.server.max_body_bytes = 8 * 1024 * 1024;
  InProcessGateway gw(std::move(setup));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  std::string upload(5 * 1024 * 1024 + 3, 'u');
  for (size_t i = 0; i < upload.size(); i += 4093) upload[i] = static_cast<char>('a' + i % 26);

  HttpConnection client("127.0.0.1", gw.port());
  ASSERT_TRUE(client.sendRaw("PUT /files/a.bin HTTP/1.1\r\nHost: x\r\n" + cookie +
                             "Content-Length: " + std::to_string(upload.size()) +
                             "\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.read(false, /*interim=*/true).status, 100);
  ASSERT_TRUE(client.sendRaw(upload));
  HttpReply put = client.read();
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.body, std::to_string(upload.size()) + " " + std::to_string(upload.size()) + "|");
  ASSERT_EQ(upstream.seen().size(), 1u);
  EXPECT_TRUE(upstream.seen()[0].body == upload);
  EXPECT_FALSE(upstream.seen()[0].headers.has("Expect"));

  std::string chunked =
      "POST /files HTTP/1.1\r\nHost: x\r\n" + cookie + "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < upload.size(); i += 300000) {
    std::string piece = upload.substr(i, 300000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    chunked += std::string(size) + "\r\n" + piece + "\r\n";
  }
  HttpReply posted = client.exchange(chunked + "0\r\n\r\n");
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, std::to_string(upload.size()) + " |chunked");
  ASSERT_EQ(upstream.seen().size(), 2u);
  EXPECT_TRUE(upstream.seen()[1].body == upload);
  EXPECT_EQ(client.exchange(rawRequest("GET", "/after", cookie)).status, 200);
}

// Streaming, seen from the upstream: the first half of an upload reaches it
// while the client still holds the second half back.
TEST(ServeProxyTest, UploadReachesUpstreamBeforeItEnds) {
  constexpr size_t kHalf = 1024 * 1024;
  uint16_t port = 0;
  int listener = listenOnLoopback(port);
  ASSERT_GE(listener, 0);
  std::atomic<size_t> received{0};
  std::thread upstream([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    std::string seen;
    char chunk[65536];
    size_t header_end = std::string::npos;
    while (true) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      seen.append(chunk, static_cast<size_t>(n));
      if (header_end == std::string::npos) header_end = seen.find("\r\n\r\n");
      if (header_end != std::string::npos) received = seen.size() - header_end - 4;
      if (received >= 2 * kHalf) break;
    }
    std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  {
    InProcessGateway gw(proxyTo("http://127.0.0.1:" + std::to_string(port)));
    ASSERT_TRUE(gw.ok()) << gw.error();
    HttpConnection client("127.0.0.1", gw.port());
    ASSERT_TRUE(client.sendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nCookie: " + gw.login("alice") +
                               "\r\nContent-Length: " + std::to_string(2 * kHalf) + "\r\n\r\n" +
                               std::string(kHalf, 'a')));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (received < kHalf && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(received.load(), kHalf) << "the first half did not reach the upstream on its own";
    ASSERT_TRUE(client.sendRaw(std::string(kHalf, 'b')));
    HttpReply reply = client.read();
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "ok");
  }
  upstream.join();
  ::close(listener);
}

// A one-connection upstream that reads a request's header, then sends
// `pieces` of its answer, each after its delay.
class PacedUpstream {
 public:
  struct Piece {
    std::chrono::milliseconds delay;
    std::string bytes;
  };
  explicit PacedUpstream(std::vector<Piece> pieces) {
    listener_ = listenOnLoopback(port_);
    thread_ = std::thread([this, pieces = std::move(pieces)] {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string seen;
      char buffer[4096];
      while (seen.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        seen.append(buffer, static_cast<size_t>(n));
      }
      for (const Piece& piece : pieces) {
        std::this_thread::sleep_for(piece.delay);
        ::send(fd, piece.bytes.data(), piece.bytes.size(), MSG_NOSIGNAL);
      }
      ::close(fd);
    });
  }
  ~PacedUpstream() {
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// upstream_timeout bounds each read and write, not the whole answer: a body
// whose pieces each come in time passes, even when all of it takes longer.
TEST(ServeProxyTest, EachUpstreamReadHasItsOwnDeadline) {
  using std::chrono::milliseconds;
  PacedUpstream upstream({{milliseconds(0), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na"},
                          {milliseconds(300), "b"},
                          {milliseconds(300), "c"}});
  InProcessGateway gw(proxyTo(upstream.url(), 450));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply reply = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "abc");
}

// A chunked body whose chunk header is split across reads, the first part
// arriving with the response's header: the rest is read, and the client
// gets the body whole.
TEST(ServeProxyTest, ChunkHeaderSplitAcrossReads) {
  using std::chrono::milliseconds;
  PacedUpstream upstream(
      {{milliseconds(0), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r"},
       {milliseconds(100), "\nabc\r"},
       {milliseconds(100), "\n0\r\n\r\n"}});
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply reply = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "abc");
}

// An upstream that stops in the middle of its body: the client connection
// is cut once upstream_timeout has passed without a byte (not when the
// upstream finally closes), and the request counts as an upstream error.
TEST(ServeProxyTest, UpstreamStallingMidBodyIsCut) {
  using std::chrono::milliseconds;
  PacedUpstream upstream({{milliseconds(0), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na"},
                          {milliseconds(3000), "bc"}});
  GatewaySetup setup = proxyTo(upstream.url(), 400);
  setup.server.metrics_listen = "127.0.0.1:0";
  InProcessGateway gw(std::move(setup));
  ASSERT_TRUE(gw.ok()) << gw.error();
  auto start = std::chrono::steady_clock::now();
  HttpReply reply = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));
  EXPECT_NE(reply.body, "abc");
  std::string metrics = httpGet(gw.metricsPort(), "/_identity/metrics").body;
  EXPECT_NE(metrics.find("barrier_requests_total{outcome=\"upstream_error\"} 1"), std::string::npos)
      << metrics;
}

// Nothing listening upstream: 502 with a page, and the client connection lives on.
TEST(ServeProxyTest, RefusedUpstreamIs502) {
  uint16_t dead = freePort();
  InProcessGateway gw(proxyTo("http://127.0.0.1:" + std::to_string(dead)));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpConnection client("127.0.0.1", gw.port());
  HttpReply reply =
      client.exchange(rawRequest("GET", "/", "Cookie: " + gw.login("alice") + "\r\n"));
  EXPECT_EQ(reply.status, 502);
  EXPECT_NE(reply.body.find("502"), std::string::npos);
  EXPECT_EQ(reply.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(client.exchange(rawRequest("GET", "/_identity/health")).status, 200);
}

// An upstream slower than upstream_timeout: 504.
TEST(ServeProxyTest, SlowUpstreamIs504) {
  FakeUpstream upstream([](const SeenRequest&) { return FakeUpstream::ok("late"); });
  upstream.setDelay(std::chrono::milliseconds(2500));
  InProcessGateway gw(proxyTo(upstream.url(), 500));
  ASSERT_TRUE(gw.ok()) << gw.error();
  auto start = std::chrono::steady_clock::now();
  HttpReply reply = httpGet(gw.port(), "/", "Cookie: " + gw.login("alice") + "\r\n");
  EXPECT_EQ(reply.status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
}

// A stop() during a request lets it finish (Connection: close on the answer)
// and then run() returns.
TEST(ServeProxyTest, GracefulStopFinishesInFlightRequests) {
  FakeUpstream upstream([](const SeenRequest&) { return FakeUpstream::ok("finished"); });
  upstream.setDelay(std::chrono::milliseconds(800));
  InProcessGateway gw(proxyTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = "Cookie: " + gw.login("alice") + "\r\n";
  auto pending =
      std::async(std::launch::async, [&] { return httpGet(gw.port(), "/slow", cookie); });
  // Wait until the upstream has the request, i.e. it is in flight.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (upstream.seen().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(upstream.seen().empty());
  EXPECT_TRUE(gw.stop(5000));
  HttpReply reply = pending.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "finished");
  EXPECT_EQ(reply.headers.get("Connection"), "close");
}

}  // namespace
}  // namespace barrier::testing
