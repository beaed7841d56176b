// Internal to src/server: one client connection, from accept to close.
#pragma once

#include "server/asio_support.h"
#include "server/exchange.h"
#include "server/tls_stream.h"

namespace barrier::server_detail {

// Which listener accepted a connection.
enum class Listening {
  kPublic,    // server.listen: the site (HTTPS with server.tls)
  kAdmin,     // server.metrics_listen: health and metrics only
  kRedirect,  // server.redirect_http: 308 to https:// for every request
};

// Serves requests on `socket` (keep-alive) until the client closes or goes
// silent past the idle timeout, a request ends the connection, or shutdown
// finds it idle; then shuts the write side and, when the client may still
// be sending, lingers. With `tls` (the public listener under server.tls),
// the TLS handshake comes first (tls_server.h), and the connection keeps
// that context to its end.
net::awaitable<void> serveConnection(ServerContext& server, tcp::socket socket, Listening on,
                                     std::shared_ptr<ssl::context> tls);

}  // namespace barrier::server_detail
