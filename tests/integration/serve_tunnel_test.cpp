// WebSocket tunnels through the in-process `barrier serve` (tunnel.h): the
// upgrade checked like any request, the 101 and the bytes after it relayed,
// and the tunnel closed when the store stops answering (the session check
// is run again while it is open), when it idles, when the server stops; an
// open tunnel counts against server.max_connections. The upstream is a raw
// socket server that answers 101 and echoes (the WebSocket framing itself
// is the Node tests' business: tests/node/serve_websocket.test.mjs).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>

#include "support/serve_fixture.h"
#include "support/serve_http.h"
#include "tests/support/fixed_clock.h"

namespace barrier::testing {
namespace {

// A blocking loopback client with a deadline on every read.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  explicit RawClient(int fd) : fd_(fd) {}
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // True when a byte (or the end) is there to read within `timeout_ms`.
  bool readable(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }
  // Reads until `until` has arrived (returns all read so far, up to its end).
  std::string readUntil(const std::string& until, int timeout_ms = 10000) {
    while (buffer_.find(until) == std::string::npos) {
      if (!fill(timeout_ms)) return "";
    }
    size_t end = buffer_.find(until) + until.size();
    std::string out = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return out;
  }
  // True when the peer ends the stream (or cuts it) within `timeout_ms`.
  bool closedByPeer(int timeout_ms = 10000) {
    char scratch[4096];
    for (;;) {
      if (!readable(timeout_ms)) return false;
      ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n <= 0) return true;
    }
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  // What was read past the last readUntil().
  std::string takeBuffered() { return std::exchange(buffer_, ""); }

 private:
  bool fill(int timeout_ms) {
    if (!readable(timeout_ms)) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buffer_;
};

// Answers every request with 101 and then echoes what it reads until the
// peer ends; records each request header.
class EchoUpgradeUpstream {
 public:
  EchoUpgradeUpstream() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t size = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~EchoUpgradeUpstream() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    for (std::thread& t : connections_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void acceptLoop() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    RawClient peer(fd);
    std::string header = peer.readUntil("\r\n\r\n");
    if (header.empty()) return;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(header);
    }
    peer.send(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nhello from upstream;");
    if (!peer.send(peer.takeBuffered())) return;
    char chunk[4096];
    for (;;) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      if (!peer.send(std::string(chunk, static_cast<size_t>(n)))) break;
    }
  }
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // the acceptor's alone until it is joined
  std::mutex mu_;
  std::vector<std::string> seen_;
};

GatewaySetup tunnelTo(const std::string& url) {
  GatewaySetup setup;
  setup.origins.push_back({"/ws/", "", url, ""});
  setup.server.shutdown_grace_ms = 30000;
  return setup;
}

std::string upgradeRequest(const std::string& path, const std::string& cookie) {
  std::string extra =
      "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!cookie.empty()) extra += "Cookie: " + cookie + "\r\n";
  return rawRequest("GET", path, extra);
}

// Opens a tunnel on `client` and reads through the upstream's greeting.
void openTunnel(RawClient& client, const std::string& cookie) {
  ASSERT_TRUE(client.send(upgradeRequest("/ws/chat", cookie) + "early;"));
  std::string header = client.readUntil("\r\n\r\n");
  ASSERT_EQ(header.rfind("HTTP/1.1 101 ", 0), 0u) << header;
  EXPECT_NE(header.find("Upgrade: websocket\r\n"), std::string::npos) << header;
  EXPECT_NE(header.find("Connection: Upgrade\r\n"), std::string::npos) << header;
  EXPECT_NE(header.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  EXPECT_NE(header.find("X-Request-Id: "), std::string::npos);
  EXPECT_EQ(client.readUntil("hello from upstream;"), "hello from upstream;");
  // What the client sent right after its header reaches the upstream first.
  EXPECT_EQ(client.readUntil("early;"), "early;");
}

// The upgrade goes upstream with its Upgrade, the identity headers and no
// session cookie; after the 101 bytes go both ways as they come.
TEST(ServeTunnelTest, RelaysTheUpgradeAndTheBytesAfterIt) {
  EchoUpgradeUpstream upstream;
  InProcessGateway gw(tunnelTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  RawClient client(gw.port());
  openTunnel(client, gw.login("alice"));
  ASSERT_TRUE(client.send("ping;"));
  EXPECT_EQ(client.readUntil("ping;"), "ping;");
  auto seen = upstream.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("\r\nUpgrade: websocket\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("\r\nConnection: Upgrade\r\n"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("\r\nX-Barrier-User: alice\r\n"), std::string::npos) << seen[0];
  EXPECT_EQ(seen[0].find("barrier="), std::string::npos) << seen[0];
  client.close();
}

// Without a session: 401 (never a redirect, even for a client claiming to
// accept HTML), and nothing reaches the upstream.
TEST(ServeTunnelTest, NoSessionNoTunnel) {
  EchoUpgradeUpstream upstream;
  InProcessGateway gw(tunnelTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply reply = httpGet(gw.port(), "/ws/chat",
                            "Connection: Upgrade\r\nUpgrade: websocket\r\nAccept: text/html\r\n");
  EXPECT_EQ(reply.status, 401);
  EXPECT_TRUE(upstream.seen().empty());
}

// A static origin never switches protocols: the file is served.
TEST(ServeTunnelTest, StaticOriginIgnoresTheUpgrade) {
  std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("barrier-tunnel-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "files");
  std::ofstream(root / "files" / "a.txt") << "static";
  GatewaySetup setup;
  setup.origins.push_back({"/files/", root.string(), "", ""});
  InProcessGateway gw(setup);
  ASSERT_TRUE(gw.ok()) << gw.error();
  HttpReply reply =
      httpGet(gw.port(), "/files/a.txt",
              "Cookie: " + gw.login("alice") + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "static");
  std::filesystem::remove_all(root);
}

// While a tunnel is open its session is checked again (every second with
// the fixture's one-second cache): once the check fails (here the store
// stops answering: fail closed), the tunnel is cut.
TEST(ServeTunnelTest, ClosedWhenTheCheckNoLongerPasses) {
  EchoUpgradeUpstream upstream;
  InProcessGateway gw(tunnelTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  RawClient client(gw.port());
  openTunnel(client, gw.login("alice"));
  gw.store().down = true;
  EXPECT_TRUE(client.closedByPeer());
}

// A session revoked where this instance's cache does not hear of it (its
// record removed from the store by another process, as `barrier sessions
// revoke` does) closes its open tunnel within one recheck period, cache.ttl:
// the recheck reads the store past the cache. The cache's clock stands
// still here, so its entry never expires and every other request still
// passes: a recheck that read the cache would keep the tunnel open.
TEST(ServeTunnelTest, ClosedOnceRevokedInTheStoreWhileStillCached) {
  EchoUpgradeUpstream upstream;
  FixedClock frozen(std::time(nullptr));
  GatewaySetup setup = tunnelTo(upstream.url());
  setup.cache_clock = &frozen;
  InProcessGateway gw(setup);
  ASSERT_TRUE(gw.ok()) << gw.error();
  std::string cookie = gw.login("alice");
  RawClient client(gw.port());
  openTunnel(client, cookie);
  ASSERT_TRUE(gw.store().removeUser("alice-sub").isOk());
  HttpReply cached = httpGet(gw.port(), "/_identity/check",
                             "Cookie: " + cookie + "\r\nX-Original-URI: /ws/chat\r\n");
  EXPECT_EQ(cached.status, 200) << "the cache no longer held the session: the test proves nothing";
  EXPECT_TRUE(client.closedByPeer());
}

// No byte either way for server.upgrade_idle_timeout: closed.
TEST(ServeTunnelTest, IdleTunnelIsClosed) {
  EchoUpgradeUpstream upstream;
  GatewaySetup setup = tunnelTo(upstream.url());
  setup.server.upgrade_idle_timeout_ms = 300;
  InProcessGateway gw(setup);
  ASSERT_TRUE(gw.ok()) << gw.error();
  RawClient client(gw.port());
  openTunnel(client, gw.login("alice"));
  EXPECT_TRUE(client.closedByPeer());
}

// An open tunnel is a connection: at max_connections 1, the next client
// waits in the listen queue until the tunnel ends.
TEST(ServeTunnelTest, CountsAgainstMaxConnections) {
  EchoUpgradeUpstream upstream;
  GatewaySetup setup = tunnelTo(upstream.url());
  setup.server.max_connections = 1;
  InProcessGateway gw(setup);
  ASSERT_TRUE(gw.ok()) << gw.error();
  auto tunnel = std::make_unique<RawClient>(gw.port());
  openTunnel(*tunnel, gw.login("alice"));
  RawClient next(gw.port());
  ASSERT_TRUE(next.send(rawRequest("GET", "/_identity/health")));
  EXPECT_FALSE(next.readable(500)) << "answered while the tunnel held the only connection";
  tunnel.reset();
  EXPECT_NE(next.readUntil("\r\n\r\n").find("HTTP/1.1 200"), std::string::npos);
}

// A stopping server closes its tunnels instead of waiting out its grace
// period (30 s here) for them.
TEST(ServeTunnelTest, StopClosesTunnels) {
  EchoUpgradeUpstream upstream;
  InProcessGateway gw(tunnelTo(upstream.url()));
  ASSERT_TRUE(gw.ok()) << gw.error();
  RawClient client(gw.port());
  openTunnel(client, gw.login("alice"));
  EXPECT_TRUE(gw.stop(10000));
  EXPECT_TRUE(client.closedByPeer());
}

}  // namespace
}  // namespace barrier::testing
