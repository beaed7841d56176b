// Internal to src/server: a connection that is plain TCP or TLS, as one
// type for the code that reads and writes it (docs/ARCHITECTURE.md, "TLS").
//
// MaybeTlsStream<Next> is a Beast AsyncStream over `Next` (beast::tcp_stream
// for a client connection, whose expiry serves the read timeouts;
// tcp::socket for an upstream one, which withDeadline() times). Built with
// a TLS context it reads and writes through a Beast ssl_stream layered on
// that same `Next`; built without, it reads and writes `Next` directly. The
// choice is one branch per operation: no virtual call, no allocation (a TLS
// connection allocates its OpenSSL state once, at construction). So the
// request path (framing, endpoints, relay, tunnel) is written once and runs
// unchanged over either, and plain HTTP pays nothing for TLS.
//
// Not movable (the TLS layer refers to `Next` in place); not thread-safe
// (one strand, like the stream it wraps).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "server/asio_support.h"

namespace barrier::server_detail {

namespace ssl = boost::asio::ssl;

template <class Next>
class MaybeTlsStream {
 public:
  using executor_type = typename Next::executor_type;
  using TlsLayer = beast::ssl_stream<Next&>;

  // `Next` is made from `args`. Without `context`, plain: reads and writes
  // go straight to it. With it, TLS over it, the handshake still to be
  // done; `context` must outlive the stream.
  template <class... Args>
  explicit MaybeTlsStream(ssl::context* context, Args&&... args)
      : next_(std::forward<Args>(args)...) {
    if (context != nullptr) tls_.emplace(next_, *context);
  }
  MaybeTlsStream(const MaybeTlsStream&) = delete;
  MaybeTlsStream& operator=(const MaybeTlsStream&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next() { return next_; }
  tcp::socket& socket() {
    if constexpr (std::is_same_v<Next, tcp::socket>) {
      return next_;
    } else {
      return next_.socket();
    }
  }
  // The TLS layer, or null for a plain connection.
  TlsLayer* tls() { return tls_ ? &*tls_ : nullptr; }

  // beast::tcp_stream's timeouts, for a client connection.
  template <class Duration>
  void expires_after(Duration d) {
    next_.expires_after(d);
  }
  void expires_never() { next_.expires_never(); }
  // Ends the pending operations (withDeadline, shutdown of idle connections).
  void cancel(error_code& ec) {
    if constexpr (std::is_same_v<Next, tcp::socket>) {
      next_.cancel(ec);
    } else {
      next_.cancel();  // the socket's operations and the expiry timer
    }
  }
  void cancel() {
    error_code ignored;
    cancel(ignored);
  }
  // Half-close: no more bytes from us (TCP level; a TLS peer sees the end
  // of the stream without close_notify, as after a tunnel's half-close).
  void shutdownSend(error_code& ec) { socket().shutdown(tcp::socket::shutdown_send, ec); }
  void close(error_code& ec) { socket().close(ec); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(error_code, size_t)>(ReadSome{this}, token, buffers);
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(error_code, size_t)>(WriteSome{this}, token, buffers);
  }

 private:
  // The initiations hold a pointer only: trivially destructible, so the
  // double destruction asio_support.h describes cannot hurt them.
  struct ReadSome {
    MaybeTlsStream* self;
    template <class Handler, class Buffers>
    void operator()(Handler&& handler, const Buffers& buffers) const {
      if (self->tls_) {
        self->tls_->async_read_some(buffers, std::forward<Handler>(handler));
      } else {
        self->next_.async_read_some(buffers, std::forward<Handler>(handler));
      }
    }
  };
  struct WriteSome {
    MaybeTlsStream* self;
    template <class Handler, class Buffers>
    void operator()(Handler&& handler, const Buffers& buffers) const {
      if (self->tls_) {
        self->tls_->async_write_some(buffers, std::forward<Handler>(handler));
      } else {
        self->next_.async_write_some(buffers, std::forward<Handler>(handler));
      }
    }
  };

  Next next_;
  std::optional<TlsLayer> tls_;
};

// A visitor's connection and a connection to an upstream.
using ClientStream = MaybeTlsStream<beast::tcp_stream>;
using UpstreamStream = MaybeTlsStream<tcp::socket>;

}  // namespace barrier::server_detail
