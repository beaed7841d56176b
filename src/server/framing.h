// Internal to src/server: reading a request's header within the limits and
// checking its framing as RFC 9112 has it, so that no proxy in front reads
// where a request ends differently than barrier does.
#pragma once

#include "core/http/message.h"
#include "server/asio_support.h"
#include "server/exchange.h"

namespace barrier::server_detail {

using RequestParser = http::request_parser<http::empty_body>;

// What reading a header gave: a request to serve, a status to refuse it
// with (400, 413, 431), or neither (the peer went away or stayed silent).
struct HeaderRead {
  bool ok = false;
  int refuse_status = 0;
};

// Reads the header only (the body, if any, is read later, and only to be
// streamed to an upstream) into `parser` with ex.site's limits, checks its
// framing and target, and fills `request` (method, path, query, headers)
// and ex's version and HEAD flag.
net::awaitable<HeaderRead> readRequestHeader(Exchange& ex, beast::flat_buffer& buffer,
                                             RequestParser& parser, Request& request);

}  // namespace barrier::server_detail
