// Internal to src/server: the reverse proxy towards one upstream origin
// (the pool in upstream_pool.cpp, relay() in relay.cpp).
//
// A pool of idle keep-alive connections per upstream (bounded, each reused
// at most kUpstreamIdleMax after its last response, and only when the peer
// has not closed it), and relay(), which forwards one request and streams
// the answer back through a fixed 64 KiB buffer: a response body is never
// held in memory whole, whatever its size.
//
// Thread safety: a connection is bound to the io_context of the client
// connection that opened it and is only reused from that context, so its
// completions never hop to another thread. The pool has one idle list per
// io_context, fixed when it is built, and each list is only touched by the
// one thread that runs its context: no lock (docs/ARCHITECTURE.md,
// "Threads"). A connection taken from a list belongs to one coroutine until
// it is given back.
#pragma once

#include <atomic>
#include <vector>

#include "core/http/message.h"
#include "server/asio_support.h"
#include "server/origins.h"
#include "server/tls_stream.h"

namespace barrier::server_detail {

constexpr std::chrono::milliseconds kUpstreamIdleMax{4000};  // below Node's 5 s keep-alive
constexpr size_t kMaxIdlePerUpstream = 256;

// What one read from an upstream asks for: a small page's header and body
// in one read (Beast reads 512 bytes into an empty buffer).
constexpr size_t kUpstreamReadBytes = 16 * 1024;

// A connection to the upstream: plain, or TLS (https:// upstream) once
// connectFresh() has verified the upstream's certificate.
struct UpstreamConnection {
  UpstreamConnection(const net::any_io_executor& executor, ssl::context* tls)
      : stream(tls, executor) {
    buffer.reserve(kUpstreamReadBytes);
  }
  UpstreamStream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

class UpstreamPool {
 public:
  // `tls`: the client context of an https:// upstream (Origin::tls), null
  // for http://. `contexts`: the server's io_contexts, one idle list each.
  UpstreamPool(UpstreamUrl url, const std::shared_ptr<SSL_CTX>& tls,
               const std::vector<const net::execution_context*>& contexts);

  const UpstreamUrl& url() const { return url_; }
  // A new connection on `executor`'s io_context, not yet connected.
  std::unique_ptr<UpstreamConnection> newConnection(const net::any_io_executor& executor) {
    return std::make_unique<UpstreamConnection>(executor, tls_ ? &*tls_ : nullptr);
  }
  // An idle connection of `executor`'s io_context that still looks usable,
  // or nullptr. Called on that context's thread only, as is giveBack().
  std::unique_ptr<UpstreamConnection> takeIdle(const net::any_io_executor& executor);
  void giveBack(std::unique_ptr<UpstreamConnection> connection);
  // Closes every idle connection; only once no context runs (shutdown).
  void closeIdle();

 private:
  // The idle connections of one io_context, most recently used last.
  struct IdleList {
    const net::execution_context* context;
    std::vector<std::unique_ptr<UpstreamConnection>> connections;
  };
  // The list of `context`, or null for a context the pool was not built
  // with (its connections are not pooled).
  std::vector<std::unique_ptr<UpstreamConnection>>* listFor(const net::execution_context* context);

  UpstreamUrl url_;
  std::optional<ssl::context> tls_;
  std::vector<IdleList> idle_;  // one per io_context; the vector itself never changes
};

// What relay() did.
struct RelayResult {
  // 0 when a response went to the client; otherwise the error page the
  // caller answers with, nothing having been sent yet: 502 or 504 (the
  // upstream), or 413 or 400 (the client's body; client_fault).
  int failure_status = 0;
  int status = 0;           // the status relayed to the client
  bool keep_alive = false;  // the client connection may carry another request
  // The client's body could not be read: over the limit, malformed, or the
  // client went away (then failure_status is 0 and nothing is answered).
  bool client_fault = false;
  // False when the client may still be sending a body that was not read.
  bool body_read = true;
  // Why the upstream failed, for the log: the error's text (connection
  // refused, timeout, a malformed response, ...), with failure_status or
  // `truncated`; never request data.
  std::string upstream_error;
  // The response's header had gone to the client when the upstream failed
  // in its body: the client connection was cut (no other signal is left).
  bool truncated = false;
  // With RelayOptions::upgrade, the upstream answered 101: nothing was sent
  // to the client; the connection (with any bytes read past the header) and
  // the answer's headers are the tunnel's (tunnel.h).
  std::unique_ptr<UpstreamConnection> switched;
  Headers switched_headers;
};

// The body of the client's request, still to be read: its header was read
// with `parser` (body_limit set), the rest waits in `buffer` and on the
// socket. relay() streams it upstream chunk by chunk.
struct ClientBody {
  beast::flat_buffer& buffer;
  http::request_parser<http::empty_body>& parser;
  std::uint64_t limit;  // bytes (max_body_bytes)
};

struct RelayOptions {
  std::chrono::milliseconds upstream_timeout{30000};  // connect, and each read/write
  std::chrono::milliseconds client_timeout{60000};    // each write to the client
  unsigned client_version = 11;                       // 10 or 11
  bool client_keep_alive = true;
  // When set and true by the time the response header is written, the
  // client is told the connection closes (graceful shutdown).
  const std::atomic<bool>* stopping = nullptr;
  // The request asks for an Upgrade (tunnel.h): a 101 answer ends relay()
  // with RelayResult::switched. Otherwise a 101 is a 502.
  bool upgrade = false;
};

// Forwards `request` (its headers already prepared: identity, X-Forwarded-*,
// hop-by-hop removed) to the pool's upstream and streams the answer to
// `client`. `extra` headers (X-Request-Id) are added to the response. With
// `body`, the client's body is streamed upstream (after a "100 Continue"
// when the client asked for one) through a 64 KiB buffer, never held whole;
// otherwise request.body is sent.
net::awaitable<RelayResult> relay(ClientStream& client, const Request& request, ClientBody* body,
                                  UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra);

}  // namespace barrier::server_detail
