// Internal to src/server: the reverse proxy towards one upstream origin.
//
// A pool of idle keep-alive connections per upstream (bounded, each reused
// at most kUpstreamIdleMax after its last response, and only when the peer
// has not closed it), and relay(), which forwards one request and streams
// the answer back through a fixed 64 KiB buffer: a response body is never
// held in memory whole, whatever its size.
//
// Thread safety: the pool's idle list is guarded by a mutex; a connection
// taken from it belongs to one coroutine until it is given back.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "core/http/message.h"
#include "server/asio_support.h"
#include "server/origins.h"

namespace barrier::server_detail {

constexpr std::chrono::milliseconds kUpstreamIdleMax{4000};  // below Node's 5 s keep-alive
constexpr size_t kMaxIdlePerUpstream = 256;

struct UpstreamConnection {
  explicit UpstreamConnection(net::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

class UpstreamPool {
 public:
  UpstreamPool(net::io_context& ioc, UpstreamUrl url) : ioc_(ioc), url_(std::move(url)) {}

  const UpstreamUrl& url() const { return url_; }
  net::io_context& context() { return ioc_; }
  // An idle connection that still looks usable, or nullptr.
  std::unique_ptr<UpstreamConnection> takeIdle();
  void giveBack(std::unique_ptr<UpstreamConnection> connection);
  // Closes every idle connection (shutdown).
  void closeIdle();

 private:
  net::io_context& ioc_;
  UpstreamUrl url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

// What relay() did.
struct RelayResult {
  // 0 when a response went to the client; otherwise 502 or 504 and nothing
  // was sent yet, so the caller answers with that error page.
  int failure_status = 0;
  int status = 0;           // the status relayed to the client
  bool keep_alive = false;  // the client connection may carry another request
};

struct RelayOptions {
  std::chrono::milliseconds upstream_timeout{30000};  // connect, and each read/write
  std::chrono::milliseconds client_timeout{60000};    // each write to the client
  unsigned client_version = 11;                       // 10 or 11
  bool client_keep_alive = true;
  // When set and true by the time the response header is written, the
  // client is told the connection closes (graceful shutdown).
  const std::atomic<bool>* stopping = nullptr;
};

// Forwards `request` (its headers already prepared: identity, X-Forwarded-*,
// hop-by-hop removed) to the pool's upstream and streams the answer to
// `client`. `extra` headers (X-Request-Id) are added to the response.
net::awaitable<RelayResult> relay(beast::tcp_stream& client, const Request& request,
                                  UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra);

}  // namespace barrier::server_detail
