// Internal to src/server: one client connection, from accept to close.
#pragma once

#include "server/asio_support.h"
#include "server/exchange.h"

namespace barrier::server_detail {

// Serves requests on `socket` (keep-alive) until the client closes or goes
// silent past the idle timeout, a request ends the connection, or shutdown
// finds it idle; then shuts the write side and, when the client may still
// be sending, lingers. `admin`: accepted on server.metrics_listen.
net::awaitable<void> serveConnection(ServerContext& server, tcp::socket socket, bool admin);

}  // namespace barrier::server_detail
