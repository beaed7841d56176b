#include "server/connection.h"

#include <array>

#include "server/access_log.h"
#include "server/framing.h"
#include "server/responses.h"
#include "server/router.h"
#include "server/tls_server.h"

namespace barrier::server_detail {

namespace {

constexpr size_t kFirstReadBytes = 4096;

// At most this much of an unread body is read and dropped after the last
// answer on a connection, so that closing it does not reset the connection
// (and the answer with it) while the client is still sending.
constexpr size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::seconds kMaxLinger{2};

// Reads what the client still sends, up to kMaxLingerBytes or
// kMaxLinger, after the write side was shut down.
net::awaitable<void> linger(ClientStream& stream) {
  error_code ec;
  stream.expires_after(kMaxLinger);
  std::array<char, 16 * 1024> scratch;
  for (size_t total = 0; total < kMaxLingerBytes;) {
    size_t n = co_await stream.async_read_some(net::buffer(scratch), awaitInto(ec));
    if (ec) break;
    total += n;
  }
}

net::awaitable<bool> readAndDispatch(Exchange& ex, beast::flat_buffer& buffer, Request& request) {
  RequestParser parser;
  HeaderRead read = co_await readRequestHeader(ex, buffer, parser, request);
  if (read.refuse_status != 0) co_return co_await refuse(ex, read.refuse_status);
  if (!read.ok) co_return false;
  ex.keep_alive = parser.get().keep_alive() && !ex.server.stopping.load();
  if (ex.redirect_to_https) co_return co_await redirectToHttps(ex, request);
  // The body stays unread until the request is to be forwarded upstream,
  // after the check: nobody gets barrier to read or hold a body without a
  // session (nor "100 Continue" to send one).
  ex.unread_body = !parser.is_done();
  ClientBody body{buffer, parser, static_cast<std::uint64_t>(ex.site->options.max_body_bytes)};
  co_return co_await dispatch(ex, request, body);
}

// Reads one request, answers it, logs it. Returns whether the connection
// may carry another request; `unread_body` tells whether the client may
// still be sending a body barrier did not read.
net::awaitable<bool> serveOne(ServerContext& server, ClientStream& stream,
                              beast::flat_buffer& buffer, HeldSite& held, const std::string& remote,
                              Listening on, bool& unread_body) {
  auto start = std::chrono::steady_clock::now();
  Exchange ex(server, stream);
  ex.admin = on == Listening::kAdmin;
  ex.redirect_to_https = on == Listening::kRedirect;
  ex.request_id = server.nextRequestId();
  server.site.refresh(held);
  ex.site = held.site.get();
  Request request;
  request.remote_addr = remote;
  bool again = co_await readAndDispatch(ex, buffer, request);
  unread_body = ex.unread_body;
  if (ex.status != 0) {
    std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    countOnce(ex);
    std::string_view method = ex.request_moved ? ex.logged_method : request.method;
    std::string_view path = ex.request_moved ? ex.logged_path : request.path;
    writeAccessLog(server.log, {method, path, ex.status, ex.outcome, elapsed.count(), ex.request_id,
                                remote, ex.user});
  }
  co_return again && !server.stopping.load();
}

// Waits for the first bytes of the next request. Idle between requests is
// the only state in which shutdown may cut the connection. False when the
// connection is to end.
net::awaitable<bool> awaitRequest(ServerContext& server, ClientStream& stream,
                                  beast::flat_buffer& buffer, HeldSite& held,
                                  ConnectionState& state) {
  state.idle = true;
  if (server.stopping.load()) co_return false;
  error_code ec;
  server.site.refresh(held);
  stream.expires_after(held.site->idleTimeout());
  size_t n = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), awaitInto(ec));
  buffer.commit(n);
  state.idle = false;
  co_return !ec;
}

// The end of a connection. An established TLS session says close_notify
// (waiting at most the linger time for the client's), unless the client
// may still be sending a body: then, as for plain HTTP, the write side is
// shut and what comes is read and dropped, so that the answer is not lost
// to a reset.
net::awaitable<void> finish(ClientStream& stream, bool established, bool unread_body) {
  error_code ec;
  if (stream.tls() != nullptr && established && !unread_body && stream.socket().is_open()) {
    stream.expires_after(kMaxLinger);
    co_await stream.tls()->async_shutdown(awaitInto(ec));
  }
  stream.shutdownSend(ec);
  if (unread_body) co_await linger(stream);
}

}  // namespace

net::awaitable<void> serveConnection(ServerContext& server, tcp::socket socket, Listening on,
                                     std::shared_ptr<ssl::context> tls) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  if (auto endpoint = socket.remote_endpoint(ec); !ec) remote = endpoint.address().to_string();
  auto executor = socket.get_executor();
  ClientStream stream(tls.get(), std::move(socket));
  auto state = std::make_shared<ConnectionState>();
  state->stream = &stream;
  state->idle = true;  // a handshake may be cut by shutdown as an idle wait is
  server.connections.add(state, executor);
  server.metrics.connectionOpened();
  beast::flat_buffer buffer;
  HeldSite held;
  server.site.refresh(held);
  bool established = !tls || co_await acceptTls(server, stream, held.site->options);
  bool again = established;
  bool unread_body = false;
  while (again) {
    if (buffer.size() == 0) {
      bool arrived = co_await awaitRequest(server, stream, buffer, held, *state);
      if (!arrived) break;
    }
    again = co_await serveOne(server, stream, buffer, held, remote, on, unread_body);
  }
  state->stream = nullptr;
  co_await finish(stream, established, unread_body);
  server.connections.remove(state);
  server.metrics.connectionClosed();
}

}  // namespace barrier::server_detail
