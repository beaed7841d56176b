// relay(): one request forwarded to an upstream and its answer streamed
// back, through one 64 KiB buffer each way (upstream.h has the contract).
#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <limits>
#include <memory_resource>
#include <optional>
#include <span>

#include "adapters/tls_context.h"
#include "server/forward_headers.h"
#include "server/upstream.h"

namespace barrier::server_detail {

namespace {

constexpr size_t kRelayChunk = 64 * 1024;

// More interim answers before the final one than anyone sends: a 502.
constexpr int kMaxInterimAnswers = 8;

// The upstream's answer is parsed into fields allocated from the exchange's
// own arena (Relay::arena_): its headers cost no malloc each.
using ArenaAllocator = std::pmr::polymorphic_allocator<char>;
using UpstreamParser = http::response_parser<http::buffer_body, ArenaAllocator>;
using UpstreamFields = http::basic_fields<ArenaAllocator>;

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

// How a body is delimited on the wire (RFC 9112 §6).
enum class Framing {
  kNone,        // no body
  kLength,      // Content-Length: the bytes as they are
  kChunked,     // Transfer-Encoding: chunked
  kUntilClose,  // an HTTP/1.0 client, length unknown: the connection's end
};

void appendField(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append("\r\n");
}

// The upstream request's header, written by hand into one string (Beast's
// fields and serializer cost an allocation per header and a deep buffer
// sequence per write). Its body is framed by Content-Length when its length
// is known (`body_length`), chunked when streamed.
std::string upstreamRequestHead(const Request& request, const UpstreamUrl& url,
                                std::optional<std::uint64_t> body_length, bool streamed,
                                Framing& framing) {
  std::string head;
  head.reserve(512);
  head.append(request.method).append(" ").append(url.base_path);
  head.append(request.target()).append(" HTTP/1.1\r\n");
  for (const Header& header : request.headers) {
    // Host names the upstream; the body is re-framed below; Expect was
    // already answered by us.
    if (equalsIgnoreCase(header.name, "Host") || equalsIgnoreCase(header.name, "Content-Length") ||
        equalsIgnoreCase(header.name, "Transfer-Encoding") ||
        equalsIgnoreCase(header.name, "Expect") || !isSafeHeader(header.name, header.value)) {
      continue;
    }
    appendField(head, header.name, header.value);
  }
  appendField(head, "Host", url.authority);
  framing = Framing::kNone;
  if (body_length) {
    appendField(head, "Content-Length", std::to_string(*body_length));
    framing = Framing::kLength;
  } else if (streamed) {
    appendField(head, "Transfer-Encoding", "chunked");
    framing = Framing::kChunked;
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    appendField(head, "Content-Length", "0");
  }
  head.append("\r\n");
  return head;
}

// True when a Connection header of `fields` names `name`: a hop-by-hop
// header too.
bool namedByConnection(const UpstreamFields& fields, std::string_view name) {
  auto [first, last] = fields.equal_range(http::field::connection);
  for (auto it = first; it != last; ++it) {
    if (listsToken(std::string_view(it->value().data(), it->value().size()), name)) return true;
  }
  return false;
}

// The upstream's response header, cleaned for the client (the headers
// removeHopByHopHeaders() removes, Content-Length, `extra`'s names, unsafe
// ones), then `extra`; without its framing (Relay::responseHead() adds that).
std::string clientResponseHead(const UpstreamParser& parser, const RelayOptions& options,
                               const Headers& extra) {
  const auto& upstream = parser.get();
  std::string head;
  head.reserve(512);
  head.append(options.client_version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
  head.append(std::to_string(upstream.result_int())).append(" ");
  head.append(std::string_view(upstream.reason().data(), upstream.reason().size())).append("\r\n");
  for (const auto& field : upstream) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    std::string_view value(field.value().data(), field.value().size());
    if (isHopByHopHeader(name) || equalsIgnoreCase(name, "Content-Length") || extra.has(name) ||
        namedByConnection(upstream, name) || !isSafeHeader(name, value)) {
      continue;
    }
    appendField(head, name, value);
  }
  for (const Header& header : extra) {
    if (isSafeHeader(header.name, header.value)) appendField(head, header.name, header.value);
  }
  return head;
}

// A chunk's size line ("1a2b\r\n") into `line`; its length.
size_t chunkSizeLine(size_t size, std::array<char, 24>& line) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[16];
  size_t count = 0;
  do {
    digits[count++] = kHex[size & 0xf];
    size >>= 4;
  } while (size != 0);
  size_t n = 0;
  while (count > 0) line[n++] = digits[--count];
  line[n++] = '\r';
  line[n++] = '\n';
  return n;
}

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// One piece of a body as it goes on the wire: `data` framed by `framing`,
// after `head` (may be empty), followed by the last chunk when `last`.
// The buffers point into the arguments and `line`.
class FramedPiece {
 public:
  FramedPiece(std::string_view head, Framing framing, const char* data, size_t size, bool last) {
    if (!head.empty()) add(head.data(), head.size());
    if (framing == Framing::kChunked && size > 0) {
      add(line_.data(), chunkSizeLine(size, line_));
      add(data, size);
      add(kCrlf.data(), kCrlf.size());
    } else if (size > 0) {
      add(data, size);
    }
    if (framing == Framing::kChunked && last) add(kLastChunk.data(), kLastChunk.size());
  }
  FramedPiece(const FramedPiece&) = delete;
  FramedPiece& operator=(const FramedPiece&) = delete;

  std::span<const net::const_buffer> buffers() const { return {buffers_.data(), count_}; }
  bool empty() const { return count_ == 0; }

 private:
  void add(const char* data, size_t size) { buffers_[count_++] = net::const_buffer(data, size); }

  std::array<char, 24> line_{};
  std::array<net::const_buffer, 5> buffers_{};
  size_t count_ = 0;
};

// The connection's set-up steps as awaitables of their error, for
// withDeadline() (a fresh connection only).
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

// The deadline of each step of an exchange with the upstream (a write, a
// read): each must end within the timeout from its start. One timer serves
// the whole exchange: a step only moves the deadline, and the timer, when it
// fires before the deadline in force, waits again until it. (A timer started
// and cancelled per step cost a coroutine frame, a shared state and two
// timer-queue changes each.) Everything runs on the exchange's io_context.
class StepDeadline {
 public:
  StepDeadline(const net::any_io_executor& executor, std::chrono::milliseconds timeout)
      : timeout_(timeout), state_(std::make_shared<State>(executor)) {}
  ~StepDeadline() {
    // A completion already queued still runs: it finds the stream gone.
    state_->stream = nullptr;
    state_->timer.cancel();
  }
  StepDeadline(const StepDeadline&) = delete;
  StepDeadline& operator=(const StepDeadline&) = delete;

  // A step on `stream` starts now.
  void start(UpstreamStream& stream) {
    state_->deadline = std::chrono::steady_clock::now() + timeout_;
    state_->stream = &stream;
    state_->fired = false;
    if (!state_->waiting) wait(state_);
  }
  // The step ended with `ec`: timed_out instead when the deadline cut it.
  error_code end(error_code ec) {
    state_->stream = nullptr;
    return state_->fired ? error_code(net::error::timed_out) : ec;
  }

 private:
  struct State {
    explicit State(const net::any_io_executor& executor) : timer(executor) {}
    net::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    UpstreamStream* stream = nullptr;  // of the step running, if any
    bool waiting = false;
    bool fired = false;
  };
  static void wait(const std::shared_ptr<State>& state) {
    state->waiting = true;
    state->timer.expires_at(state->deadline);
    state->timer.async_wait([state](error_code ec) {
      state->waiting = false;
      if (ec || state->stream == nullptr) return;  // cancelled, or no step runs
      if (std::chrono::steady_clock::now() < state->deadline) return wait(state);
      state->fired = true;
      state->stream->cancel();
    });
  }

  std::chrono::milliseconds timeout_;
  std::shared_ptr<State> state_;
};

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
        upstream_head_(upstreamRequestHead(request, pool.url(), knownBodyLength(request, body),
                                           body != nullptr, upstream_framing_)),
        deadline_(client.get_executor(), options.upstream_timeout) {
    result_.body_read = body == nullptr;
  }

  net::awaitable<RelayResult> run();

 private:
  net::awaitable<error_code> sendRequest();
  net::awaitable<error_code> writeRequest();
  net::awaitable<bool> continueIfAsked();
  net::awaitable<error_code> streamClientBody();
  net::awaitable<std::optional<size_t>> readClientPiece();
  net::awaitable<error_code> readFinalHeader();
  std::string responseHead(bool& keep_alive);
  net::awaitable<void> relayResponse();
  net::awaitable<bool> streamResponseBody(const std::string& head);
  net::awaitable<std::optional<size_t>> readUpstreamPiece();
  net::awaitable<error_code> writeUpstream(const FramedPiece& piece);
  net::awaitable<bool> writeToClient(const FramedPiece& piece);
  char* chunk(size_t size);
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
  Framing upstream_framing_ = Framing::kNone;  // set with upstream_head_
  std::string upstream_head_;
  Framing client_framing_ = Framing::kNone;
  // The body pieces' buffer, either way: allocated when a body comes, no
  // larger than it (a small page's response does not cost 64 KiB).
  std::unique_ptr<char[]> chunk_;
  size_t chunk_size_ = 0;
  std::unique_ptr<UpstreamConnection> connection_;
  // The upstream parser's fields: a small answer's headers fit in the
  // buffer inside the frame, a larger one's spill to the heap.
  std::array<std::byte, 2048> arena_buffer_;
  std::pmr::monotonic_buffer_resource arena_{arena_buffer_.data(), arena_buffer_.size()};
  std::optional<UpstreamParser> parser_;
  std::optional<http::request_parser<http::buffer_body>> client_body_;
  bool body_started_ = false;  // a byte of the client's body was consumed
  bool released_ = false;      // connection_ went back to the pool
  std::string tls_failure_;    // why an https:// upstream's certificate was refused
  StepDeadline deadline_;      // of each write and read upstream
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

// The header, then the body: from memory in the same write, or streamed
// from the client.
net::awaitable<error_code> Relay::writeRequest() {
  if (body_ == nullptr) {
    FramedPiece whole(upstream_head_, Framing::kLength, request_.body.data(), request_.body.size(),
                      false);
    co_return co_await writeUpstream(whole);
  }
  FramedPiece head(upstream_head_, Framing::kNone, nullptr, 0, false);
  error_code ec = co_await writeUpstream(head);
  if (ec) co_return ec;
  if (!client_body_) {
    bool proceeding = co_await continueIfAsked();
    if (!proceeding) {
      result_.client_fault = true;
      co_return ec;
    }
    client_body_.emplace(std::move(body_->parser));
    client_body_->body_limit(body_->limit);
  }
  ec = co_await streamClientBody();
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
net::awaitable<error_code> Relay::streamClientBody() {
  error_code ec;
  while (!ec) {
    if (client_body_->is_done()) {
      if (upstream_framing_ != Framing::kChunked) break;
      FramedPiece last({}, upstream_framing_, nullptr, 0, true);
      co_return co_await writeUpstream(last);
    }
    std::optional<size_t> size = co_await readClientPiece();
    if (!size) co_return ec;
    if (*size == 0) continue;  // a chunk header only
    FramedPiece piece({}, upstream_framing_, chunk_.get(), *size, false);
    ec = co_await writeUpstream(piece);
  }
  co_return ec;
}

// A buffer of at least `size` bytes for body pieces, kept for the
// exchange (not zeroed: every piece is written before it is read).
char* Relay::chunk(size_t size) {
  if (chunk_size_ < size) {
    chunk_ = std::make_unique_for_overwrite<char[]>(size);
    chunk_size_ = size;
  }
  return chunk_.get();
}

// Some of the client's body into chunk_: its size, or nullopt on a client
// fault. Nothing has gone to the client yet: it gets 413 or 400, or nothing
// when it went away. The upstream connection, holding half a request, is
// dropped.
net::awaitable<std::optional<size_t>> Relay::readClientPiece() {
  client_body_->get().body().data = chunk(kRelayChunk);
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
    parser_.emplace(std::piecewise_construct, std::make_tuple(),
                    std::make_tuple(ArenaAllocator(&arena_)));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head_) parser_->skip(true);
    deadline_.start(upstream());
    co_await http::async_read_header(upstream(), connection_->buffer, *parser_, awaitInto(ec));
    ec = deadline_.end(ec);
    unsigned status = ec ? 0 : parser_->get().result_int();
    if (status < 100 || status > 199 || (status == 101 && options_.upgrade)) break;
    // A 101 Switching Protocols nobody asked for (only tunnel.h passes an Upgrade).
    if (status == 101 || interim == kMaxInterimAnswers) ec = http::error::bad_status;
  }
  co_return ec;
}

// The client's response header with its framing: the upstream's length, or
// chunked for HTTP/1.1 and end-of-connection for 1.0 when unknown.
std::string Relay::responseHead(bool& keep_alive) {
  std::string head = clientResponseHead(*parser_, options_, extra_);
  unsigned status = parser_->get().result_int();
  bool has_body = !head_ && status != 204 && status != 304 && status >= 200;
  keep_alive = options_.client_keep_alive && result_.body_read &&
               !(options_.stopping != nullptr && options_.stopping->load());
  client_framing_ = Framing::kNone;
  if (auto length = parser_->content_length(); length && (has_body || head_)) {
    appendField(head, "Content-Length", std::to_string(*length));
    if (has_body) client_framing_ = Framing::kLength;
  } else if (has_body) {
    if (options_.client_version >= 11) {
      appendField(head, "Transfer-Encoding", "chunked");
      client_framing_ = Framing::kChunked;
    } else {
      keep_alive = false;
      client_framing_ = Framing::kUntilClose;
    }
  }
  // HTTP/1.1 is persistent unless told otherwise; HTTP/1.0 the other way.
  if (options_.client_version >= 11 && !keep_alive) appendField(head, "Connection", "close");
  if (options_.client_version < 11 && keep_alive) appendField(head, "Connection", "keep-alive");
  head.append("\r\n");
  result_.status = static_cast<int>(status);
  return head;
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
  std::string head = responseHead(keep_alive);
  releaseIfDone();
  bool complete = co_await streamResponseBody(head);
  // A client gone, or an upstream failing mid-body: keep_alive stays false.
  result_.keep_alive = keep_alive && complete;
}

net::awaitable<error_code> Relay::writeUpstream(const FramedPiece& piece) {
  error_code ec;
  deadline_.start(upstream());
  co_await net::async_write(upstream(), piece.buffers(), awaitInto(ec));
  co_return deadline_.end(ec);
}

net::awaitable<bool> Relay::writeToClient(const FramedPiece& piece) {
  error_code ec;
  client_.expires_after(options_.client_timeout);
  co_await net::async_write(client_, piece.buffers(), awaitInto(ec));
  co_return !ec;
}

// The header, then the body piece by piece. When the body's first bytes
// came with the header (a small page: all of it), they go out with the
// header in one write; when none did (an event stream waiting for its first
// event), the header goes out alone at once. False when the client went
// away or the upstream failed mid-body (result_.truncated).
net::awaitable<bool> Relay::streamResponseBody(const std::string& head) {
  std::string_view unsent = head;
  if (!parser_->is_done() && connection_->buffer.size() == 0) {
    FramedPiece alone(head, Framing::kNone, nullptr, 0, false);
    if (!co_await writeToClient(alone)) co_return false;
    unsent = {};
  }
  for (;;) {
    size_t size = 0;
    if (!parser_->is_done()) {
      std::optional<size_t> read = co_await readUpstreamPiece();
      if (!read) co_return false;
      size = *read;
    }
    bool last = parser_->is_done();
    FramedPiece piece(unsent, client_framing_, chunk_.get(), size, last);
    if (!piece.empty() && !co_await writeToClient(piece)) co_return false;
    unsent = {};
    if (last) co_return true;
  }
}

// Some of the upstream's body into chunk_: its size (0 only when the body
// ended). On a failure the header is out, so the only honest signal left is
// to cut the client connection (no final chunk).
net::awaitable<std::optional<size_t>> Relay::readUpstreamPiece() {
  boost::optional<std::uint64_t> length = parser_->content_length();
  size_t capacity = length ? static_cast<size_t>(std::clamp<std::uint64_t>(*length, 1, kRelayChunk))
                           : kRelayChunk;
  size_t size = 0;
  bool wants_more = false;                    // what is buffered is not enough to go on
  while (size == 0 && !parser_->is_done()) {  // a chunk header alone gives no byte
    parser_->get().body().data = chunk(capacity);
    parser_->get().body().size = capacity;
    error_code ec;
    if (connection_->buffer.size() > 0 && !wants_more) {
      // Bytes that came with the header (a small page: all of it) are parsed
      // here: Beast would post the completion through the io_context.
      connection_->buffer.consume(parser_->put(connection_->buffer.data(), ec));
      if (ec == http::error::need_more) {
        ec = {};
        wants_more = true;
      }
    } else {
      // Some of the body, as it comes: an event stream's event goes on at
      // once, not when the buffer is full.
      deadline_.start(upstream());
      co_await http::async_read_some(upstream(), connection_->buffer, *parser_, awaitInto(ec));
      ec = deadline_.end(ec);
      wants_more = false;
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      result_.truncated = true;
      result_.upstream_error = ec.message();
      co_return std::nullopt;
    }
    size = capacity - parser_->get().body().size;
  }
  releaseIfDone();
  co_return size;
}

}  // namespace

net::awaitable<RelayResult> relay(ClientStream& client, const Request& request, ClientBody* body,
                                  UpstreamPool& pool, const RelayOptions& options,
                                  const Headers& extra) {
  Relay exchange(client, request, body, pool, options, extra);
  co_return co_await exchange.run();
}

}  // namespace barrier::server_detail
