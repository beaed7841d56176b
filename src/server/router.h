// Internal to src/server: which endpoint answers a request.
#pragma once

#include "server/asio_support.h"
#include "server/exchange.h"
#include "server/upstream.h"

namespace barrier::server_detail {

// Routes a read request (Gateway::route) to its endpoint and writes the
// answer. The metrics listener (ex.admin) serves health and metrics only;
// the public one everything but metrics. Returns whether the connection may
// carry another request.
net::awaitable<bool> dispatch(Exchange& ex, Request& request, ClientBody& body);

}  // namespace barrier::server_detail
