// Idle keep-alive connections to one upstream, for relay() to reuse.
#include <sys/socket.h>

#include <cerrno>

#include "server/upstream.h"

namespace barrier::server_detail {

namespace {

// A pooled socket is reusable only if the upstream has neither closed it nor
// sent anything unasked (a late byte would be read as the next response).
bool peerStillOpen(UpstreamStream& stream) {
  tcp::socket& socket = stream.socket();
  // Bytes OpenSSL has read but not handed out count as unasked bytes too.
  if (stream.tls() != nullptr && SSL_pending(stream.tls()->native_handle()) > 0) return false;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

const net::execution_context* contextOf(const net::any_io_executor& executor) {
  return &net::query(executor, net::execution::context);
}

}  // namespace

UpstreamPool::UpstreamPool(UpstreamUrl url, const std::shared_ptr<SSL_CTX>& tls,
                           const std::vector<const net::execution_context*>& contexts)
    : url_(std::move(url)) {
  idle_.reserve(contexts.size());
  for (const net::execution_context* context : contexts) idle_.push_back(IdleList{context, {}});
  if (tls) {
    // asio's context takes a reference of its own (and frees it).
    SSL_CTX_up_ref(tls.get());
    tls_.emplace(tls.get());
  }
}

std::vector<std::unique_ptr<UpstreamConnection>>* UpstreamPool::listFor(
    const net::execution_context* context) {
  for (IdleList& list : idle_) {
    if (list.context == context) return &list.connections;
  }
  return nullptr;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::takeIdle(const net::any_io_executor& executor) {
  std::vector<std::unique_ptr<UpstreamConnection>>* idle = listFor(contextOf(executor));
  if (idle == nullptr) return nullptr;
  auto now = std::chrono::steady_clock::now();
  while (!idle->empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(idle->back());
    idle->pop_back();
    if (now - connection->idle_since < kUpstreamIdleMax && connection->buffer.size() == 0 &&
        peerStillOpen(connection->stream)) {
      return connection;
    }
  }
  return nullptr;
}

void UpstreamPool::giveBack(std::unique_ptr<UpstreamConnection> connection) {
  std::vector<std::unique_ptr<UpstreamConnection>>* idle =
      listFor(contextOf(connection->stream.get_executor()));
  if (idle == nullptr || idle->size() >= kMaxIdlePerUpstream) return;
  connection->idle_since = std::chrono::steady_clock::now();
  idle->push_back(std::move(connection));
}

void UpstreamPool::closeIdle() {
  for (IdleList& list : idle_) list.connections.clear();
}

}  // namespace barrier::server_detail
