// The static-folder origin's answers on the wire: a small file from memory,
// a large one streamed from disk, HEAD and 304 without a body.
// (static_files.cpp decides what to send; this writes it.)
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/span_body.hpp>

#include "server/endpoints.h"
#include "server/error_pages.h"
#include "server/responses.h"

namespace barrier::server_detail {

namespace {

net::awaitable<bool> sendFromMemory(Exchange& ex, const StaticReply& reply) {
  http::response<http::span_body<const char>> out;
  startMessage(out, reply.status, reply.headers, ex);
  out.body() = beast::span<const char>(reply.body->data(), reply.body->size());
  out.prepare_payload();
  co_return co_await writeAnswer(ex, out);
}

// The file may have gone since it was found: then a 404 page.
net::awaitable<bool> sendFromDisk(Exchange& ex, const StaticReply& reply) {
  error_code ec;
  http::response<http::file_body> out;
  out.body().open(reply.file_path.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    Response page = errorPage(404);
    co_return co_await sendResponse(ex, page);
  }
  startMessage(out, reply.status, reply.headers, ex);
  out.prepare_payload();
  co_return co_await writeAnswer(ex, out);
}

}  // namespace

net::awaitable<bool> sendStatic(Exchange& ex, StaticReply& reply) {
  beginAnswer(ex, reply.status);
  if (reply.send_body && reply.body) co_return co_await sendFromMemory(ex, reply);
  if (reply.send_body) co_return co_await sendFromDisk(ex, reply);
  http::response<http::empty_body> out;
  startMessage(out, reply.status, reply.headers, ex);
  if (reply.status != 304) out.content_length(reply.content_length);
  co_return co_await writeAnswer(ex, out);
}

}  // namespace barrier::server_detail
