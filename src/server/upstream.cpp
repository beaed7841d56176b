#include "server/upstream.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <cerrno>
#include <limits>
#include <optional>

#include "server/forward_headers.h"

namespace barrier::server_detail {

namespace {

constexpr size_t kRelayChunk = 64 * 1024;

using UpstreamParser = http::response_parser<http::buffer_body>;

// A pooled socket is reusable only if the upstream has neither closed it nor
// sent anything unasked (a late byte would be read as the next response).
bool peerStillOpen(tcp::socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool isIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

// Errors that mean a pooled connection had gone stale before we used it.
bool isStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

int failureStatusFor(const error_code& ec) { return ec == net::error::timed_out ? 504 : 502; }

http::request<http::string_body> buildUpstreamRequest(const Request& request,
                                                      const UpstreamUrl& url) {
  http::request<http::string_body> out;
  out.method_string(request.method);
  out.target(url.base_path + request.target());
  out.version(11);
  for (const Header& header : request.headers) {
    // Host names the upstream; the body is re-framed below; Expect was
    // already answered by us.
    if (equalsIgnoreCase(header.name, "Host") || equalsIgnoreCase(header.name, "Content-Length") ||
        equalsIgnoreCase(header.name, "Expect") || !isSafeHeader(header.name, header.value)) {
      continue;
    }
    out.insert(header.name, header.value);
  }
  out.set(http::field::host, url.authority);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    out.body() = request.body;
    out.prepare_payload();
  }
  out.keep_alive(true);
  return out;
}

net::awaitable<error_code> connectOp(tcp::socket& socket, tcp::resolver::results_type endpoints) {
  error_code ec;
  co_await net::async_connect(socket, endpoints, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> writeOp(tcp::socket& socket, http::request<http::string_body>& request) {
  error_code ec;
  co_await http::async_write(socket, request, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> readHeaderOp(tcp::socket& socket, beast::flat_buffer& buffer,
                                        UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read_header(socket, buffer, parser, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> readBodyOp(tcp::socket& socket, beast::flat_buffer& buffer,
                                      UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read(socket, buffer, parser, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> connectFresh(UpstreamConnection& connection, const UpstreamUrl& url,
                                        std::chrono::milliseconds timeout) {
  error_code ec;
  tcp::resolver resolver(co_await net::this_coro::executor);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, awaitInto(ec));
  if (ec) co_return ec;
  ec = co_await withDeadline(connection.socket, timeout,
                             connectOp(connection.socket, std::move(endpoints)));
  if (!ec) connection.socket.set_option(tcp::no_delay(true), ec);
  co_return ec;
}

// The upstream's response header, cleaned for the client.
http::response<http::buffer_body> clientHeader(const UpstreamParser& parser,
                                               const RelayOptions& options, const Headers& extra) {
  const auto& upstream = parser.get();
  Headers headers;
  for (const auto& field : upstream) {
    headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  removeHopByHopHeaders(headers);
  headers.remove("Content-Length");
  for (const Header& header : extra) headers.set(header.name, header.value);
  http::response<http::buffer_body> response;
  response.version(options.client_version);
  response.result(upstream.result_int());
  response.reason(upstream.reason());
  for (const Header& header : headers) {
    if (isSafeHeader(header.name, header.value)) response.insert(header.name, header.value);
  }
  return response;
}

}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPool::takeIdle() {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  while (!idle_.empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    if (now - connection->idle_since < kUpstreamIdleMax && connection->buffer.size() == 0 &&
        peerStillOpen(connection->socket)) {
      return connection;
    }
  }
  return nullptr;
}

void UpstreamPool::giveBack(std::unique_ptr<UpstreamConnection> connection) {
  connection->idle_since = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdlePerUpstream) idle_.push_back(std::move(connection));
}

void UpstreamPool::closeIdle() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

net::awaitable<RelayResult> relay(beast::tcp_stream& client, const Request& request,
                                  UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra) {
  RelayResult result;
  http::request<http::string_body> upstream_request = buildUpstreamRequest(request, pool.url());
  bool head = request.method == "HEAD";
  std::unique_ptr<UpstreamConnection> connection;
  std::optional<UpstreamParser> parser;
  error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    connection = attempt == 0 ? pool.takeIdle() : nullptr;
    bool reused = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<UpstreamConnection>(pool.context());
      ec = co_await connectFresh(*connection, pool.url(), options.upstream_timeout);
      if (ec) break;
    }
    ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                               writeOp(connection->socket, upstream_request));
    if (!ec) {
      parser.emplace();
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      if (head) parser->skip(true);
      ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                                 readHeaderOp(connection->socket, connection->buffer, *parser));
    }
    // A pooled connection the upstream closed meanwhile is retried once on
    // a fresh one, for methods that are safe to send twice.
    if (!ec || !(reused && isStaleConnectionError(ec) && isIdempotent(request.method))) break;
  }
  if (ec) {
    result.failure_status = failureStatusFor(ec);
    co_return result;
  }

  http::response<http::buffer_body> response = clientHeader(*parser, options, extra);
  unsigned status = parser->get().result_int();
  bool has_body = !head && status != 204 && status != 304 && status >= 200;
  bool keep_alive =
      options.client_keep_alive && !(options.stopping != nullptr && options.stopping->load());
  if (auto length = parser->content_length(); length && (has_body || head)) {
    response.content_length(*length);
  } else if (has_body) {
    // Unknown length: chunked for HTTP/1.1, end-of-connection for 1.0.
    if (options.client_version >= 11) {
      response.chunked(true);
    } else {
      keep_alive = false;
    }
  }
  response.keep_alive(keep_alive);
  result.status = static_cast<int>(status);

  // The upstream connection goes back to the pool as soon as its response
  // is fully read — before the last bytes reach the client, so the client's
  // next request finds it idle.
  bool released = false;
  auto releaseIfDone = [&] {
    if (!released && parser->is_done() && parser->keep_alive()) {
      released = true;
      pool.giveBack(std::move(connection));
    }
  };
  releaseIfDone();

  http::response_serializer<http::buffer_body> serializer(response);
  client.expires_after(options.client_timeout);
  co_await http::async_write_header(client, serializer, awaitInto(ec));
  if (ec) co_return result;  // client gone: keep_alive stays false

  auto chunk = std::make_unique<char[]>(kRelayChunk);
  bool upstream_ok = true;
  while (!serializer.is_done()) {
    if (!parser->is_done()) {
      parser->get().body().data = chunk.get();
      parser->get().body().size = kRelayChunk;
      ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                                 readBodyOp(connection->socket, connection->buffer, *parser));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        // Mid-body failure: the header is out, so the only honest signal
        // left is to cut the client connection (no final chunk).
        upstream_ok = false;
        break;
      }
      response.body().data = chunk.get();
      response.body().size = kRelayChunk - parser->get().body().size;
      response.body().more = !parser->is_done();
      releaseIfDone();
    } else {
      response.body().data = nullptr;
      response.body().size = 0;
      response.body().more = false;
    }
    client.expires_after(options.client_timeout);
    co_await http::async_write(client, serializer, awaitInto(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return result;
  }
  result.keep_alive = keep_alive && upstream_ok;
  co_return result;
}

}  // namespace barrier::server_detail
