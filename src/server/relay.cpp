// relay(): one request forwarded to an upstream and its answer streamed
// back, through one 64 KiB buffer each way (upstream.h has the contract).
#include <boost/asio/connect.hpp>
#include <limits>
#include <optional>

#include "adapters/tls_context.h"
#include "server/forward_headers.h"
#include "server/upstream.h"

namespace barrier::server_detail {

namespace {

constexpr size_t kRelayChunk = 64 * 1024;

// More interim answers before the final one than anyone sends: a 502.
constexpr int kMaxInterimAnswers = 8;

using UpstreamParser = http::response_parser<http::buffer_body>;
using RequestSerializer = http::request_serializer<http::buffer_body>;

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

// Client errors while reading its body that mean it went away.
bool isClientGone(const error_code& ec) {
  return ec == beast::error::timeout || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted ||
         ec == http::error::end_of_stream || ec == http::error::partial_message;
}

int failureStatusFor(const error_code& ec) { return ec == net::error::timed_out ? 504 : 502; }

// The length of the body going up, when known: the client's Content-Length,
// or the size of a body held in memory.
std::optional<std::uint64_t> knownBodyLength(const Request& request, ClientBody* body) {
  if (body != nullptr) {
    if (auto declared = body->parser.content_length()) return *declared;
    return std::nullopt;
  }
  if (!request.body.empty()) return request.body.size();
  return std::nullopt;
}

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

// Points a buffer body at `size` bytes of `data` (null data: nothing more
// to write); `more` says whether further pieces follow.
void setPiece(http::buffer_body::value_type& body, void* data, size_t size, bool more) {
  body.data = data;
  body.size = size;
  body.more = more;
}

// Each awaited operation as an awaitable of its error, for withDeadline().
net::awaitable<error_code> connectOp(tcp::socket& socket, tcp::resolver::results_type endpoints) {
  error_code ec;
  co_await net::async_connect(socket, endpoints, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> handshakeOp(UpstreamStream::TlsLayer& tls) {
  error_code ec;
  co_await tls.async_handshake(ssl::stream_base::client, awaitInto(ec));
  co_return ec;
}

net::awaitable<error_code> writeHeaderOp(UpstreamStream& socket, RequestSerializer& serializer) {
  error_code ec;
  co_await http::async_write_header(socket, serializer, awaitInto(ec));
  co_return ec;
}

// Writes what the request's body buffer holds; "need buffer" (more to come)
// is not an error.
net::awaitable<error_code> writeBodyOp(UpstreamStream& socket, RequestSerializer& serializer) {
  error_code ec;
  co_await http::async_write(socket, serializer, awaitInto(ec));
  if (ec == http::error::need_buffer) ec = {};
  co_return ec;
}

net::awaitable<error_code> readHeaderOp(UpstreamStream& socket, beast::flat_buffer& buffer,
                                        UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read_header(socket, buffer, parser, awaitInto(ec));
  co_return ec;
}

// Some of the body, as it comes: an event stream's event goes on at once,
// not when 64 KiB have gathered.
net::awaitable<error_code> readBodyOp(UpstreamStream& socket, beast::flat_buffer& buffer,
                                      UpstreamParser& parser) {
  error_code ec;
  co_await http::async_read_some(socket, buffer, parser, awaitInto(ec));
  if (ec == http::error::need_buffer) ec = {};
  co_return ec;
}

// The TLS handshake with an https:// upstream: SNI, and a certificate that
// must chain to the trusted CAs and name the host. When it is refused,
// `failure` says why (expired, unknown CA, name mismatch): never a plain
// or unverified fallback.
net::awaitable<error_code> verifyUpstream(UpstreamStream& stream, const UpstreamUrl& url,
                                          std::chrono::milliseconds timeout, std::string& failure) {
  UpstreamStream::TlsLayer& tls = *stream.tls();
  if (Status named = expectPeerName(tls.native_handle(), url.host); !named) {
    failure = "TLS: " + named.message();
    co_return net::error::invalid_argument;
  }
  error_code ec = co_await withDeadline(stream, timeout, handshakeOp(tls));
  if (ec && ec != net::error::timed_out) {
    std::string reason = verifyFailure(tls.native_handle());
    failure = "TLS handshake failed: " + (reason.empty() ? ec.message() : reason);
  }
  co_return ec;
}

net::awaitable<error_code> connectFresh(UpstreamConnection& connection, const UpstreamUrl& url,
                                        std::chrono::milliseconds timeout, std::string& failure) {
  error_code ec;
  tcp::resolver resolver(co_await net::this_coro::executor);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, awaitInto(ec));
  if (ec) co_return ec;
  tcp::socket& socket = connection.stream.socket();
  ec = co_await withDeadline(socket, timeout, connectOp(socket, std::move(endpoints)));
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  if (!ec && connection.stream.tls() != nullptr) {
    ec = co_await verifyUpstream(connection.stream, url, timeout, failure);
  }
  co_return ec;
}

// One relayed exchange. Lives in relay()'s frame; each step is a member so
// the state they share (connection, parsers, the buffer) is named once.
class Relay {
 public:
  Relay(ClientStream& client, const Request& request, ClientBody* body, UpstreamPool& pool,
        const RelayOptions& options, const Headers& extra)
      : client_(client),
        request_(request),
        body_(body),
        pool_(pool),
        options_(options),
        extra_(extra),
        head_(request.method == "HEAD"),
        upstream_request_(buildUpstreamRequest(request, pool.url(), knownBodyLength(request, body),
                                               body != nullptr)),
        chunk_(std::make_unique<char[]>(kRelayChunk)) {
    result_.body_read = body == nullptr;
  }

  net::awaitable<RelayResult> run();

 private:
  net::awaitable<error_code> sendRequest();
  net::awaitable<error_code> writeRequest();
  net::awaitable<bool> continueIfAsked();
  net::awaitable<error_code> streamClientBody(RequestSerializer& serializer);
  net::awaitable<std::optional<size_t>> readClientPiece();
  net::awaitable<error_code> readFinalHeader();
  http::response<http::buffer_body> responseHeader(bool& keep_alive);
  net::awaitable<void> relayResponse();
  net::awaitable<bool> streamResponseBody(http::response<http::buffer_body>& response);
  net::awaitable<bool> readUpstreamPiece(http::response<http::buffer_body>& response);
  void releaseIfDone();
  void switchProtocols();
  UpstreamStream& upstream() { return connection_->stream; }

  ClientStream& client_;
  const Request& request_;
  ClientBody* body_;
  UpstreamPool& pool_;
  const RelayOptions& options_;
  const Headers& extra_;
  const bool head_;
  RelayResult result_;
  http::request<http::buffer_body> upstream_request_;
  std::unique_ptr<char[]> chunk_;
  std::unique_ptr<UpstreamConnection> connection_;
  std::optional<UpstreamParser> parser_;
  std::optional<http::request_parser<http::buffer_body>> client_body_;
  bool body_started_ = false;  // a byte of the client's body was consumed
  bool released_ = false;      // connection_ went back to the pool
  std::string tls_failure_;    // why an https:// upstream's certificate was refused
};

net::awaitable<RelayResult> Relay::run() {
  error_code ec = co_await sendRequest();
  if (result_.client_fault) co_return std::move(result_);
  if (ec) {
    result_.failure_status = failureStatusFor(ec);
    result_.upstream_error = tls_failure_.empty() ? ec.message() : tls_failure_;
    co_return std::move(result_);
  }
  if (options_.upgrade && parser_->get().result_int() == 101) {
    switchProtocols();
    co_return std::move(result_);
  }
  co_await relayResponse();
  co_return std::move(result_);
}

// Sends the request and reads the final answer's header. A pooled
// connection the upstream closed meanwhile is retried once on a fresh one,
// for methods that are safe to send twice, as long as none of the client's
// body is spent.
net::awaitable<error_code> Relay::sendRequest() {
  error_code ec;
  net::any_io_executor executor = co_await net::this_coro::executor;
  for (int attempt = 0; attempt < 2; ++attempt) {
    connection_ = attempt == 0 ? pool_.takeIdle(executor) : nullptr;
    bool reused = connection_ != nullptr;
    if (!connection_) {
      connection_ = pool_.newConnection(executor);
      ec =
          co_await connectFresh(*connection_, pool_.url(), options_.upstream_timeout, tls_failure_);
      if (ec) break;
    }
    ec = co_await writeRequest();
    if (result_.client_fault) co_return ec;
    if (!ec) ec = co_await readFinalHeader();
    if (!ec || body_started_ ||
        !(reused && isStaleConnectionError(ec) && isIdempotent(request_.method))) {
      break;
    }
  }
  co_return ec;
}

// The header, then the body: from memory, or streamed from the client.
net::awaitable<error_code> Relay::writeRequest() {
  RequestSerializer serializer(upstream_request_);
  error_code ec = co_await withDeadline(upstream(), options_.upstream_timeout,
                                        writeHeaderOp(upstream(), serializer));
  if (ec) co_return ec;
  if (body_ == nullptr) {
    void* data = request_.body.empty() ? nullptr : const_cast<char*>(request_.body.data());
    setPiece(upstream_request_.body(), data, request_.body.size(), false);
    co_return co_await withDeadline(upstream(), options_.upstream_timeout,
                                    writeBodyOp(upstream(), serializer));
  }
  if (!client_body_) {
    bool proceeding = co_await continueIfAsked();
    if (!proceeding) {
      result_.client_fault = true;
      co_return ec;
    }
    client_body_.emplace(std::move(body_->parser));
    client_body_->body_limit(body_->limit);
  }
  ec = co_await streamClientBody(serializer);
  if (!ec && !result_.client_fault) result_.body_read = true;
  co_return ec;
}

// A "100 Continue" when the client asked for one; false when it could not
// be written (the client went away).
net::awaitable<bool> Relay::continueIfAsked() {
  auto expect = body_->parser.get()[http::field::expect];
  if (!equalsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
    co_return true;
  }
  http::response<http::empty_body> proceed{http::status::continue_, 11};
  error_code ec;
  // Its own deadline: the one running is the header read's, which a slow
  // check may have used up.
  client_.expires_after(options_.client_timeout);
  co_await http::async_write(client_, proceed, awaitInto(ec));
  co_return !ec;
}

// The client's body, piece by piece as it comes: an upload moves on while
// the client is still sending it. Returns the upstream's error; a client
// fault is in result_.
net::awaitable<error_code> Relay::streamClientBody(RequestSerializer& serializer) {
  error_code ec;
  while (!ec && !serializer.is_done()) {
    if (client_body_->is_done()) {
      setPiece(upstream_request_.body(), nullptr, 0, false);
    } else {
      std::optional<size_t> size = co_await readClientPiece();
      if (!size) co_return ec;
      if (*size == 0 && !client_body_->is_done()) continue;  // a chunk header only
      // An empty last piece goes as null data, which ends the message once
      // (empty data at an address left the serializer unfinished, and the
      // message was ended twice).
      setPiece(upstream_request_.body(), *size == 0 ? nullptr : chunk_.get(), *size,
               !client_body_->is_done());
    }
    ec = co_await withDeadline(upstream(), options_.upstream_timeout,
                               writeBodyOp(upstream(), serializer));
  }
  co_return ec;
}

// Some of the client's body into chunk_: its size, or nullopt on a client
// fault. Nothing has gone to the client yet: it gets 413 or 400, or nothing
// when it went away. The upstream connection, holding half a request, is
// dropped.
net::awaitable<std::optional<size_t>> Relay::readClientPiece() {
  client_body_->get().body().data = chunk_.get();
  client_body_->get().body().size = kRelayChunk;
  error_code ec;
  client_.expires_after(options_.client_timeout);
  co_await http::async_read_some(client_, body_->buffer, *client_body_, awaitInto(ec));
  if (ec == http::error::need_buffer) ec = {};
  if (ec) {
    result_.client_fault = true;
    if (ec == http::error::body_limit) {
      result_.failure_status = 413;
    } else if (!isClientGone(ec)) {
      result_.failure_status = 400;
    }
    co_return std::nullopt;
  }
  body_started_ = true;
  co_return kRelayChunk - client_body_->get().body().size;
}

// Interim answers (102 Processing, 103 Early Hints, a 100 Continue) come
// before the final one: each is read and dropped. Relayed as the answer,
// the final one would stay unread on a pooled connection and reach the
// next client.
net::awaitable<error_code> Relay::readFinalHeader() {
  error_code ec;
  for (int interim = 0; !ec; ++interim) {
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head_) parser_->skip(true);
    ec = co_await withDeadline(upstream(), options_.upstream_timeout,
                               readHeaderOp(upstream(), connection_->buffer, *parser_));
    unsigned status = ec ? 0 : parser_->get().result_int();
    if (status < 100 || status > 199 || (status == 101 && options_.upgrade)) break;
    // A 101 Switching Protocols nobody asked for (only tunnel.h passes an Upgrade).
    if (status == 101 || interim == kMaxInterimAnswers) ec = http::error::bad_status;
  }
  co_return ec;
}

// The client's response header and its framing: the upstream's length, or
// chunked for HTTP/1.1 and end-of-connection for 1.0 when unknown.
http::response<http::buffer_body> Relay::responseHeader(bool& keep_alive) {
  http::response<http::buffer_body> response = clientHeader(*parser_, options_, extra_);
  unsigned status = parser_->get().result_int();
  bool has_body = !head_ && status != 204 && status != 304 && status >= 200;
  keep_alive = options_.client_keep_alive && result_.body_read &&
               !(options_.stopping != nullptr && options_.stopping->load());
  if (auto length = parser_->content_length(); length && (has_body || head_)) {
    response.content_length(*length);
  } else if (has_body) {
    if (options_.client_version >= 11) {
      response.chunked(true);
    } else {
      keep_alive = false;
    }
  }
  response.keep_alive(keep_alive);
  result_.status = static_cast<int>(status);
  return response;
}

// The upstream connection goes back to the pool as soon as its response is
// fully read — before the last bytes reach the client, so the client's
// next request finds it idle.
void Relay::releaseIfDone() {
  if (!released_ && parser_->is_done() && parser_->keep_alive()) {
    released_ = true;
    pool_.giveBack(std::move(connection_));
  }
}

// The upstream switched protocols: the connection is the tunnel's now.
void Relay::switchProtocols() {
  result_.status = 101;
  for (const auto& field : parser_->get()) {
    result_.switched_headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  result_.switched = std::move(connection_);
}

net::awaitable<void> Relay::relayResponse() {
  bool keep_alive = false;
  http::response<http::buffer_body> response = responseHeader(keep_alive);
  releaseIfDone();
  bool complete = co_await streamResponseBody(response);
  // A client gone, or an upstream failing mid-body: keep_alive stays false.
  result_.keep_alive = keep_alive && complete;
}

// The header, then the body piece by piece. When the body's first bytes
// came with the header (a small page: all of it), they go out with the
// header in one write; when none did (an event stream waiting for its first
// event), the header goes out alone at once. False when the client went
// away or the upstream failed mid-body (result_.truncated).
net::awaitable<bool> Relay::streamResponseBody(http::response<http::buffer_body>& response) {
  http::response_serializer<http::buffer_body> serializer(response);
  error_code ec;
  if (!parser_->is_done() && connection_->buffer.size() == 0) {
    client_.expires_after(options_.client_timeout);
    co_await http::async_write_header(client_, serializer, awaitInto(ec));
    if (ec) co_return false;
  }
  while (!serializer.is_done()) {
    if (parser_->is_done()) {
      setPiece(response.body(), nullptr, 0, false);
    } else {
      bool read = co_await readUpstreamPiece(response);
      if (!read) co_return false;
    }
    client_.expires_after(options_.client_timeout);
    co_await http::async_write(client_, serializer, awaitInto(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
  }
  co_return true;
}

// Some of the upstream's body into chunk_, pointed to by `response`. On a
// failure the header is out, so the only honest signal left is to cut the
// client connection (no final chunk).
net::awaitable<bool> Relay::readUpstreamPiece(http::response<http::buffer_body>& response) {
  size_t size = 0;
  while (size == 0 && !parser_->is_done()) {  // a chunk header alone gives no byte
    parser_->get().body().data = chunk_.get();
    parser_->get().body().size = kRelayChunk;
    error_code ec = co_await withDeadline(upstream(), options_.upstream_timeout,
                                          readBodyOp(upstream(), connection_->buffer, *parser_));
    if (ec) {
      result_.truncated = true;
      result_.upstream_error = ec.message();
      co_return false;
    }
    size = kRelayChunk - parser_->get().body().size;
  }
  // An empty last piece goes as null data, which ends the message once.
  setPiece(response.body(), size == 0 ? nullptr : chunk_.get(), size, !parser_->is_done());
  releaseIfDone();
  co_return true;
}

}  // namespace

net::awaitable<RelayResult> relay(ClientStream& client, const Request& request, ClientBody* body,
                                  UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra) {
  Relay exchange(client, request, body, pool, options, extra);
  co_return co_await exchange.run();
}

}  // namespace barrier::server_detail
