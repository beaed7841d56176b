// Internal to src/server: writing answers to the client. Every answer goes
// through beginAnswer() (counted once, keep-alive decided at write time)
// and writeAnswer(); static files add their own bodies (static_response.cpp).
#pragma once

#include "core/http/message.h"
#include "server/asio_support.h"
#include "server/exchange.h"

namespace barrier::server_detail {

// Counts the request in the metrics once. Called before a response is
// written, so a client that has the answer also sees it counted.
void countOnce(Exchange& ex);

// Records `status`, counts the request and decides keep-alive: a shutdown
// that began during the request makes this its connection's last response,
// and the client is told so. Arms the write's deadline.
void beginAnswer(Exchange& ex, int status);

// Copies `headers` onto `out` but for the framing ones (Beast frames the
// message) and unsafe ones (CR, LF, NUL), then adds X-Request-Id.
void applyHeaders(http::fields& out, const Headers& headers, const Exchange& ex);

// The status line and headers of an answer (after beginAnswer).
template <class Body>
void startMessage(http::response<Body>& out, int status, const Headers& headers,
                  const Exchange& ex) {
  out.version(ex.version);
  out.result(static_cast<unsigned>(status));
  applyHeaders(out, headers, ex);
}

// Writes `out` (framing already set); true when the connection may carry
// another request.
template <class Body>
net::awaitable<bool> writeAnswer(Exchange& ex, http::response<Body>& out) {
  out.keep_alive(ex.keep_alive);
  error_code ec;
  co_await http::async_write(ex.stream, out, awaitInto(ec));
  co_return !ec && ex.keep_alive;
}

// Sends `response` (its body dropped for HEAD, 204, 304 and 1xx).
net::awaitable<bool> sendResponse(Exchange& ex, Response& response);

// Answers a malformed or oversized request with `status`'s error page and
// ends the connection (after lingering: the client may still be sending
// what was refused). Always false.
net::awaitable<bool> refuse(Exchange& ex, int status);

}  // namespace barrier::server_detail
