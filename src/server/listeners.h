// Internal to src/server: listening sockets.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "server/asio_support.h"

namespace barrier::server_detail {

// A listening socket and the address it was asked for ("" for none).
struct Listener {
  std::string address;
  std::shared_ptr<tcp::acceptor> acceptor;
  tcp::endpoint local;
};

// A listener bound to `address` (parseListenAddress; a host name is
// resolved once, here) with its acceptor on `executor`, or one without a
// socket for "". The error names the address and the step that failed.
Result<Listener> openListener(const std::string& address, const net::any_io_executor& executor);

// "127.0.0.1:8080", "[::1]:8080" for the bound endpoint.
std::string formatEndpoint(const tcp::endpoint& endpoint);

}  // namespace barrier::server_detail
