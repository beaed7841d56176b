#include "server/responses.h"

#include "server/error_pages.h"
#include "server/forward_headers.h"

namespace barrier::server_detail {

namespace {

bool isFramingHeader(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Transfer-Encoding") ||
         equalsIgnoreCase(name, "Connection");
}

}  // namespace

void countOnce(Exchange& ex) {
  if (ex.counted) return;
  ex.counted = true;
  ex.server.metrics.countRequest(ex.outcome);
}

void beginAnswer(Exchange& ex, int status) {
  ex.status = status;
  countOnce(ex);
  ex.keep_alive = ex.keep_alive && !ex.unread_body && !ex.server.stopping.load();
  ex.stream.expires_after(ex.site->idleTimeout());
}

void applyHeaders(http::fields& out, const Headers& headers, const Exchange& ex) {
  for (const Header& header : headers) {
    if (isFramingHeader(header.name) || !isSafeHeader(header.name, header.value)) continue;
    out.insert(header.name, header.value);
  }
  out.set("X-Request-Id", ex.request_id);
}

net::awaitable<bool> sendResponse(Exchange& ex, Response& response) {
  beginAnswer(ex, response.status);
  bool bodiless = response.status == 204 || response.status == 304 || response.status < 200;
  if (ex.head || bodiless) {
    http::response<http::empty_body> out;
    startMessage(out, response.status, response.headers, ex);
    if (!bodiless) out.content_length(response.body.size());
    co_return co_await writeAnswer(ex, out);
  }
  http::response<http::string_body> out;
  startMessage(out, response.status, response.headers, ex);
  out.body() = std::move(response.body);
  out.prepare_payload();
  co_return co_await writeAnswer(ex, out);
}

net::awaitable<bool> refuse(Exchange& ex, int status) {
  ex.outcome = Outcome::kBadRequest;
  ex.keep_alive = false;
  ex.unread_body = true;
  Response page = errorPage(status);
  co_await sendResponse(ex, page);
  co_return false;
}

}  // namespace barrier::server_detail
