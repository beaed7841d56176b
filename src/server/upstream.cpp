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

// More interim answers before the final one than anyone sends: a 502.
constexpr int kMaxInterimAnswers = 8;

int failureStatusFor(const error_code& ec) { return ec == net::error::timed_out ? 504 : 502; }

// The upstream request's header; its body is framed by Content-Length when
// its length is known (`body_length`), chunked otherwise.
http::request<http::buffer_body> buildUpstreamRequest(const Request& request,
                                                      const UpstreamUrl& url,
                                                      std::optional<std::uint64_t> body_length,
                                                      bool streamed) {
  http::request<http::buffer_body> out;
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
  if (body_length) {
    out.content_length(*body_length);
  } else if (streamed) {
    out.chunked(true);
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    out.content_length(0);
  }
  out.keep_alive(true);
  return out;
}

net::awaitable<error_code> connectOp(tcp::socket& socket, tcp::resolver::results_type endpoints) {
  error_code ec;
  co_await net::async_connect(socket, endpoints, awaitInto(ec));
  co_return ec;
}

using RequestSerializer = http::request_serializer<http::buffer_body>;

net::awaitable<error_code> writeHeaderOp(tcp::socket& socket, RequestSerializer& serializer) {
  error_code ec;
  co_await http::async_write_header(socket, serializer, awaitInto(ec));
  co_return ec;
}

// Writes what the request's body buffer holds; "need buffer" (more to come)
// is not an error.
net::awaitable<error_code> writeBodyOp(tcp::socket& socket, RequestSerializer& serializer) {
  error_code ec;
  co_await http::async_write(socket, serializer, awaitInto(ec));
  if (ec == http::error::need_buffer) ec = {};
  co_return ec;
}

net::awaitable<error_code> readHeaderOp(tcp::socket& socket, beast::flat_buffer& buffer,
                                        UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read_header(socket, buffer, parser, awaitInto(ec));
  co_return ec;
}

// Some of the body, as it comes: an event stream's event goes on at once,
// not when 64 KiB have gathered.
net::awaitable<error_code> readBodyOp(tcp::socket& socket, beast::flat_buffer& buffer,
                                      UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read_some(socket, buffer, parser, awaitInto(ec));
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
  MutexLock lock(mu_);
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
  MutexLock lock(mu_);
  if (idle_.size() < kMaxIdlePerUpstream) idle_.push_back(std::move(connection));
}

void UpstreamPool::closeIdle() {
  MutexLock lock(mu_);
  idle_.clear();
}

// Client errors while reading its body that mean it went away.
bool isClientGone(const error_code& ec) {
  return ec == beast::error::timeout || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted ||
         ec == http::error::end_of_stream || ec == http::error::partial_message;
}

net::awaitable<RelayResult> relay(beast::tcp_stream& client, const Request& request,
                                  ClientBody* body, UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra) {
  RelayResult result;
  result.body_read = body == nullptr;
  std::optional<std::uint64_t> length;
  if (body != nullptr) {
    if (auto declared = body->parser.content_length()) length = *declared;
  } else if (!request.body.empty()) {
    length = request.body.size();
  }
  http::request<http::buffer_body> upstream_request =
      buildUpstreamRequest(request, pool.url(), length, body != nullptr);
  bool head = request.method == "HEAD";
  std::unique_ptr<UpstreamConnection> connection;
  std::optional<UpstreamParser> parser;
  std::optional<http::request_parser<http::buffer_body>> client_body;
  auto chunk = std::make_unique<char[]>(kRelayChunk);
  bool body_started = false;  // a byte of the client's body was consumed
  error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    connection = attempt == 0 ? pool.takeIdle() : nullptr;
    bool reused = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<UpstreamConnection>(pool.context());
      ec = co_await connectFresh(*connection, pool.url(), options.upstream_timeout);
      if (ec) break;
    }
    RequestSerializer serializer(upstream_request);
    ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                               writeHeaderOp(connection->socket, serializer));
    if (!ec && body == nullptr) {
      upstream_request.body().data =
          request.body.empty() ? nullptr : const_cast<char*>(request.body.data());
      upstream_request.body().size = request.body.size();
      upstream_request.body().more = false;
      ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                                 writeBodyOp(connection->socket, serializer));
    } else if (!ec) {
      if (!client_body) {
        auto expect = body->parser.get()[http::field::expect];
        if (equalsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
          http::response<http::empty_body> proceed{http::status::continue_, 11};
          error_code client_ec;
          // Its own deadline: the one running is the header read's, which a
          // slow check may have used up.
          client.expires_after(options.client_timeout);
          co_await http::async_write(client, proceed, awaitInto(client_ec));
          if (client_ec) {
            result.client_fault = true;
            co_return result;
          }
        }
        client_body.emplace(std::move(body->parser));
        client_body->body_limit(body->limit);
      }
      while (!ec && !serializer.is_done()) {
        if (!client_body->is_done()) {
          client_body->get().body().data = chunk.get();
          client_body->get().body().size = kRelayChunk;
          error_code client_ec;
          client.expires_after(options.client_timeout);
          // Some of the body, as it comes: an upload moves on while the
          // client is still sending it.
          co_await http::async_read_some(client, body->buffer, *client_body, awaitInto(client_ec));
          if (client_ec == http::error::need_buffer) client_ec = {};
          if (client_ec) {
            // Nothing has gone to the client yet: it gets 413 or 400, or
            // nothing when it went away. The upstream connection, holding
            // half a request, is dropped.
            result.client_fault = true;
            if (client_ec == http::error::body_limit) {
              result.failure_status = 413;
            } else if (!isClientGone(client_ec)) {
              result.failure_status = 400;
            }
            co_return result;
          }
          body_started = true;
          size_t size = kRelayChunk - client_body->get().body().size;
          if (size == 0 && !client_body->is_done()) continue;  // a chunk header only
          // An empty last piece goes as null data, which ends the message
          // once (empty data at an address left the serializer unfinished,
          // and the message was ended twice).
          upstream_request.body().data = size == 0 ? nullptr : chunk.get();
          upstream_request.body().size = size;
          upstream_request.body().more = !client_body->is_done();
        } else {
          upstream_request.body().data = nullptr;
          upstream_request.body().size = 0;
          upstream_request.body().more = false;
        }
        ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                                   writeBodyOp(connection->socket, serializer));
      }
      if (!ec) result.body_read = true;
    }
    // Interim answers (102 Processing, 103 Early Hints, a 100 Continue)
    // come before the final one: each is read and dropped. Relayed as the
    // answer, the final one would stay unread on a pooled connection and
    // reach the next client.
    for (int interim = 0; !ec; ++interim) {
      parser.emplace();
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      if (head) parser->skip(true);
      ec = co_await withDeadline(connection->socket, options.upstream_timeout,
                                 readHeaderOp(connection->socket, connection->buffer, *parser));
      unsigned status = ec ? 0 : parser->get().result_int();
      if (status < 100 || status > 199 || (status == 101 && options.upgrade)) break;
      // A 101 Switching Protocols nobody asked for (only tunnel.h passes an Upgrade).
      if (status == 101 || interim == kMaxInterimAnswers) ec = http::error::bad_status;
    }
    // A pooled connection the upstream closed meanwhile is retried once on
    // a fresh one, for methods that are safe to send twice, as long as none
    // of the client's body is spent.
    if (!ec || body_started ||
        !(reused && isStaleConnectionError(ec) && isIdempotent(request.method))) {
      break;
    }
  }
  if (ec) {
    result.failure_status = failureStatusFor(ec);
    result.upstream_error = ec.message();
    co_return result;
  }
  // The upstream switched protocols: the connection is the tunnel's now.
  if (options.upgrade && parser->get().result_int() == 101) {
    result.status = 101;
    for (const auto& field : parser->get()) {
      result.switched_headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    result.switched = std::move(connection);
    co_return result;
  }

  http::response<http::buffer_body> response = clientHeader(*parser, options, extra);
  unsigned status = parser->get().result_int();
  bool has_body = !head && status != 204 && status != 304 && status >= 200;
  bool keep_alive = options.client_keep_alive && result.body_read &&
                    !(options.stopping != nullptr && options.stopping->load());
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
        result.truncated = true;
        result.upstream_error = ec.message();
        break;
      }
      size_t size = kRelayChunk - parser->get().body().size;
      if (size == 0 && !parser->is_done()) continue;  // a chunk header only
      response.body().data = size == 0 ? nullptr : chunk.get();
      response.body().size = size;
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
