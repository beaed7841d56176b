#include "server/tls_server.h"

#include <boost/asio/write.hpp>

#include "adapters/tls_context.h"
#include "server/responses.h"

namespace barrier::server_detail {

namespace {

constexpr size_t kFirstReadBytes = 4096;

// A TLS connection opens with a handshake record (0x16); a plain HTTP
// request with a method in capitals.
bool looksLikePlainHttp(const beast::flat_buffer& buffer) {
  if (buffer.size() == 0) return false;
  unsigned char first = *static_cast<const unsigned char*>(buffer.data().data());
  return first >= 'A' && first <= 'Z';
}

// In plain HTTP, as nginx does: the client could read nothing else.
net::awaitable<void> answerPlainHttp(beast::tcp_stream& tcp) {
  static constexpr std::string_view kBody = "This port speaks HTTPS: use an https:// address.\n";
  std::string answer =
      "HTTP/1.1 400 Bad Request\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Connection: close\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  error_code ec;
  co_await net::async_write(tcp, net::buffer(answer), awaitInto(ec));
}

void noteFailure(ServerContext& server, TlsFailure failure, const error_code& ec) {
  server.metrics.countTlsFailure(failure);
  server.log.write(LogLevel::kDebug, "tls.handshake_failed",
                   {{"reason", tlsFailureName(failure)}, {"error", ec.message()}});
}

}  // namespace

Status ServerCertificates::load(const ServerOptions& options) {
  if (options.tls_cert.empty()) {
    MutexLock lock(mu_);
    current_.reset();
    return Status::ok();
  }
  Result<SslContextPtr> built = makeTlsServerContext(
      {options.tls_cert, options.tls_key, tlsMinVersion(options.tls_min_version), "server.tls"});
  if (!built.isOk()) return built.status();
  // asio's context owns the SSL_CTX from here on.
  auto context = std::make_shared<ssl::context>(built->release());
  MutexLock lock(mu_);
  current_ = std::move(context);
  return Status::ok();
}

std::shared_ptr<ssl::context> ServerCertificates::current() const {
  MutexLock lock(mu_);
  return current_;
}

// The first bytes are read before OpenSSL sees them, to tell plain HTTP
// from a ClientHello; the handshake then starts from them.
net::awaitable<bool> acceptTls(ServerContext& server, ClientStream& stream,
                               const ServerOptions& options) {
  error_code ec;
  stream.expires_after(std::chrono::milliseconds(options.tls_handshake_timeout_ms));
  beast::flat_buffer first;
  size_t n = co_await stream.next().async_read_some(first.prepare(kFirstReadBytes), awaitInto(ec));
  first.commit(n);
  if (!ec && looksLikePlainHttp(first)) {
    noteFailure(server, TlsFailure::kPlainHttp, ec);
    co_await answerPlainHttp(stream.next());
    co_return false;
  }
  if (!ec) {
    co_await stream.tls()->async_handshake(ssl::stream_base::server, first.data(), awaitInto(ec));
  }
  if (ec) {
    // A client that connects and says nothing is a slow handshake too.
    bool timed_out = ec == beast::error::timeout;
    noteFailure(server, timed_out ? TlsFailure::kTimeout : TlsFailure::kHandshake, ec);
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> redirectToHttps(Exchange& ex, const Request& request) {
  ex.outcome = Outcome::kInternal;
  ex.keep_alive = false;
  ex.unread_body = true;  // a body is not read: the connection ends after the answer
  Response redirect;
  redirect.status = 308;
  redirect.headers.set("Location", ex.site->gateway->config().site_url + request.target());
  redirect.headers.set("Cache-Control", "no-store");
  co_return co_await sendResponse(ex, redirect);
}

}  // namespace barrier::server_detail
