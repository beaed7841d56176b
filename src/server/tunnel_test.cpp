// The tunnel of an upgraded connection (WebSocket) on real loopback
// sockets: bytes both ways (what was read past the HTTP headers first),
// half-close passed on, and each reason to end it (idle, session no longer
// passing, server stopping, a failed side). The io_context runs on two
// threads, as in `barrier serve`, so ThreadSanitizer sees any race between
// the two pumps and the watchdog (`cmake --preset tsan`).
#include "server/tunnel.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <future>
#include <thread>

namespace barrier::server_detail {
namespace {

using std::chrono::milliseconds;

// A connected pair of loopback sockets: `near` on `near_executor`, `far`
// blocking (the test's peer).
struct SocketPair {
  SocketPair(const net::any_io_executor& near_executor, net::io_context& far_context)
      : near(near_executor), far(far_context) {
    tcp::acceptor acceptor(far_context, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    far.connect(acceptor.local_endpoint());
    acceptor.accept(near);
  }
  tcp::socket near;
  tcp::socket far;
};

// Reads from `socket` until its peer ends the stream (or cuts it).
std::string readToEnd(tcp::socket& socket) {
  std::string out;
  error_code ec;
  char buffer[4096];
  for (;;) {
    size_t n = socket.read_some(net::buffer(buffer), ec);
    if (ec) break;
    out.append(buffer, n);
  }
  return out;
}

std::string readExactly(tcp::socket& socket, size_t size) {
  std::string out(size, '\0');
  net::read(socket, net::buffer(out));
  return out;
}

net::awaitable<CheckDecision> decided(bool forward) {
  CheckDecision decision;
  decision.forward = forward;
  co_return decision;
}

class TunnelTest : public ::testing::Test {
 protected:
  TunnelTest()
      : strand_(net::make_strand(ioc_)),
        client_(strand_, peers_),
        upstream_(ioc_.get_executor(), peers_) {}

  ~TunnelTest() override {
    work_.reset();
    for (std::thread& thread : threads_) thread.join();
  }

  // Starts the tunnel between the two near sockets (as plain streams); the
  // future holds why it ended.
  std::future<TunnelEnd> start() {
    auto promise = std::make_shared<std::promise<TunnelEnd>>();
    std::future<TunnelEnd> ended = promise->get_future();
    client_stream_.emplace(nullptr, std::move(client_.near));
    upstream_stream_.emplace(nullptr, std::move(upstream_.near));
    net::co_spawn(strand_,
                  runTunnel(*client_stream_, client_pending_, *upstream_stream_, upstream_pending_,
                            options_, recheck_),
                  [promise](const std::exception_ptr&, TunnelEnd end) { promise->set_value(end); });
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return ended;
  }

  static void put(beast::flat_buffer& buffer, std::string_view text) {
    auto space = buffer.prepare(text.size());
    std::memcpy(space.data(), text.data(), text.size());
    buffer.commit(text.size());
  }

  net::io_context ioc_;
  net::io_context peers_;  // never run: the peers use blocking calls
  net::any_io_executor strand_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      ioc_.get_executor()};
  SocketPair client_;
  SocketPair upstream_;
  std::optional<ClientStream> client_stream_;
  std::optional<UpstreamStream> upstream_stream_;
  beast::flat_buffer client_pending_;
  beast::flat_buffer upstream_pending_;
  TunnelOptions options_;
  std::atomic<int> rechecks_{0};
  SessionCheck recheck_ = [this] {
    ++rechecks_;
    return decided(true);
  };
  std::vector<std::thread> threads_;
};

// Bytes read past the HTTP headers go first; then each side's bytes reach
// the other, large writes whole; a side that ends its stream has the other
// told (half-close), and the tunnel ends once both have.
TEST_F(TunnelTest, RelaysBothWaysAndPassesTheCloseOn) {
  put(client_pending_, "early frame;");
  put(upstream_pending_, "first answer;");
  std::future<TunnelEnd> ended = start();
  EXPECT_EQ(readExactly(client_.far, 13), "first answer;");
  EXPECT_EQ(readExactly(upstream_.far, 12), "early frame;");
  net::write(client_.far, net::buffer(std::string_view("ping")));
  EXPECT_EQ(readExactly(upstream_.far, 4), "ping");
  // 1 MiB the other way, written while it is read.
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] { net::write(upstream_.far, net::buffer(big)); });
  EXPECT_EQ(readExactly(client_.far, big.size()), big);
  writer.join();
  client_.far.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(readToEnd(upstream_.far), "");  // the client's end, passed on
  net::write(upstream_.far, net::buffer(std::string_view("goodbye")));
  upstream_.far.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(readToEnd(client_.far), "goodbye");
  EXPECT_EQ(ended.get(), TunnelEnd::kClosed);
}

// No byte either way for idle_timeout: both sides are closed.
TEST_F(TunnelTest, IdleTunnelIsClosed) {
  options_.idle_timeout = milliseconds(200);
  std::future<TunnelEnd> ended = start();
  net::write(client_.far, net::buffer(std::string_view("one")));
  EXPECT_EQ(readExactly(upstream_.far, 3), "one");
  EXPECT_EQ(ended.get(), TunnelEnd::kIdle);
  EXPECT_EQ(readToEnd(client_.far), "");
  EXPECT_EQ(readToEnd(upstream_.far), "");
}

// The session is checked again every recheck_period; the first time it no
// longer passes, the tunnel is closed (and not checked again).
TEST_F(TunnelTest, ClosedWhenTheSessionNoLongerPasses) {
  options_.recheck_period = milliseconds(20);
  recheck_ = [this] { return decided(++rechecks_ < 3); };
  std::future<TunnelEnd> ended = start();
  EXPECT_EQ(ended.get(), TunnelEnd::kSessionEnded);
  EXPECT_EQ(rechecks_.load(), 3);
  EXPECT_EQ(readToEnd(client_.far), "");
  EXPECT_EQ(readToEnd(upstream_.far), "");
}

// A server that stops closes its tunnels.
TEST_F(TunnelTest, ClosedWhenTheServerStops) {
  std::atomic<bool> stopping{false};
  options_.stopping = &stopping;
  std::future<TunnelEnd> ended = start();
  net::write(upstream_.far, net::buffer(std::string_view("hi")));
  EXPECT_EQ(readExactly(client_.far, 2), "hi");
  stopping = true;
  EXPECT_EQ(ended.get(), TunnelEnd::kStopping);
  EXPECT_EQ(readToEnd(client_.far), "");
  EXPECT_EQ(rechecks_.load(), 0);  // the default period (300 s) never came
}

// An upstream that resets its connection ends the tunnel: the client's
// side is closed too.
TEST_F(TunnelTest, ResetSideEndsTheTunnel) {
  std::future<TunnelEnd> ended = start();
  upstream_.far.set_option(net::socket_base::linger(true, 0));
  upstream_.far.close();  // RST
  EXPECT_EQ(ended.get(), TunnelEnd::kFailed);
  EXPECT_EQ(readToEnd(client_.far), "");
}

// Only an HTTP/1.1 GET without a body, with "upgrade" among its Connection
// tokens and an Upgrade header, asks for a tunnel.
TEST(UpgradeProtocol, OnlyAProperUpgradeRequest) {
  Request request;
  request.headers = {{"Connection", "keep-alive, Upgrade"}, {"Upgrade", "websocket"}};
  EXPECT_EQ(upgradeProtocol(request, 11, false), "websocket");
  EXPECT_EQ(upgradeProtocol(request, 10, false), "");
  EXPECT_EQ(upgradeProtocol(request, 11, true), "");
  Request post = request;
  post.method = "POST";
  EXPECT_EQ(upgradeProtocol(post, 11, false), "");
  Request unnamed = request;
  unnamed.headers.set("Connection", "keep-alive");
  EXPECT_EQ(upgradeProtocol(unnamed, 11, false), "");
  Request bare = request;
  bare.headers.remove("Upgrade");
  EXPECT_EQ(upgradeProtocol(bare, 11, false), "");
  Request split = request;
  split.headers.set("Upgrade", std::string("websocket\r\nX-Evil: 1"));
  EXPECT_EQ(upgradeProtocol(split, 11, false), "");
}

// The cache TTL (each recheck reads the store, so a revocation is seen
// within it), never more often than once a second.
TEST(RecheckPeriod, TheCacheTtl) {
  EXPECT_EQ(recheckPeriod(300), milliseconds(300'000));
  EXPECT_EQ(recheckPeriod(3), milliseconds(3000));
  EXPECT_EQ(recheckPeriod(1), milliseconds(1000));
  EXPECT_EQ(recheckPeriod(0), milliseconds(1000));
}

}  // namespace
}  // namespace barrier::server_detail
