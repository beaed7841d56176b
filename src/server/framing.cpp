#include "server/framing.h"

namespace barrier::server_detail {

namespace {

// Client errors that just mean "the peer went away or stayed silent".
bool isQuietReadError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == http::error::partial_message;
}

HeaderRead refused(int status) { return {false, status}; }

// The limits as statuses; a Content-Length over the limit is refused as soon
// as the header is parsed, before a byte of the body (or a "100 Continue")
// is exchanged.
HeaderRead readFailure(const error_code& ec) {
  if (ec == http::error::header_limit) return refused(431);
  if (ec == http::error::body_limit) return refused(413);
  if (isQuietReadError(ec)) return {};
  return refused(400);
}

// A Transfer-Encoding must end in chunked, and HTTP/1.0 has none (§6.3);
// HTTP/1.1 names one Host (§3.2).
bool framingIsSound(const RequestParser& parser) {
  const auto& header = parser.get();
  if (header.count(http::field::transfer_encoding) != 0 &&
      (!parser.chunked() || header.version() < 11)) {
    return false;
  }
  return header.version() < 11 || header.count(http::field::host) == 1;
}

// Method, path and query from the request line. An origin-form target
// starts with '/' and never holds a '#' (RFC 9112 §3.2): parsers that meet
// one end the path there, which would make the upstream's path another
// than the one checked.
bool readTarget(const http::request_header<>& header, Request& request) {
  request.method = std::string(header.method_string());
  std::string_view target(header.target().data(), header.target().size());
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  return !request.path.empty() && request.path.front() == '/' &&
         target.find('#') == std::string_view::npos;
}

}  // namespace

net::awaitable<HeaderRead> readRequestHeader(Exchange& ex, beast::flat_buffer& buffer,
                                             RequestParser& parser, Request& request) {
  const ServerOptions& limits = ex.site->options;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
  error_code ec;
  ex.stream.expires_after(ex.site->idleTimeout());
  co_await http::async_read_header(ex.stream, buffer, parser, awaitInto(ec));
  if (ec) co_return readFailure(ec);
  if (!framingIsSound(parser)) co_return refused(400);
  const auto& header = parser.get();
  ex.version = header.version() >= 11 ? 11 : 10;
  ex.head = header.method() == http::verb::head;
  if (!readTarget(header, request)) co_return refused(400);
  for (const auto& field : header) {
    request.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  co_return HeaderRead{true, 0};
}

}  // namespace barrier::server_detail
