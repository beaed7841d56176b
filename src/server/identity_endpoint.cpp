// The manager's endpoints (/_identity/login, /auth, /logout, /signed-out,
// /me) as the server serves them: behind the login rate limit, on the
// blocking pool (they may wait on the identity provider).
#include <chrono>
#include <string>

#include "core/handlers/identity_context.h"
#include "server/endpoints.h"
#include "server/error_pages.h"

namespace barrier::server_detail {

namespace {

// One login start more for the request's client (server.login_rate_limit);
// a refusal is logged with the address it counted against.
bool allowLogin(Exchange& ex, const Request& request) {
  const Site& site = *ex.site;
  double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::string client = loginClientKey(request, site.options.trust_forwarded_proto);
  if (site.login_limiter->allow(client, now)) return true;
  ex.server.log.write(
      LogLevel::kWarn, "login.rate_limited",
      {{"client", client}, {"limit_per_minute", std::to_string(site.options.login_rate_limit)}});
  return false;
}

// A POST to the manager's paths carries a small form (the back-channel
// logout token): read whole, within this bound.
constexpr std::uint64_t kIdentityBodyLimit = 64 * 1024;

}  // namespace

net::awaitable<int> readIdentityBody(Exchange& ex, Request& request, ClientBody& body) {
  http::request_parser<http::string_body> parser(std::move(body.parser));
  // The header is parsed already: a declared length is checked here, a
  // chunked body against the limit as it comes.
  auto declared = parser.content_length();  // boost::optional
  if (declared && *declared > kIdentityBodyLimit) co_return 413;
  parser.body_limit(kIdentityBodyLimit);
  error_code ec;
  ex.stream.expires_after(ex.site->idleTimeout());
  co_await http::async_read(ex.stream, body.buffer, parser, awaitInto(ec));
  if (ec == http::error::body_limit) co_return 413;
  if (ec) co_return 400;
  if (parser.get().body().size() > kIdentityBodyLimit) co_return 413;
  request.body = std::move(parser.get().body());
  ex.unread_body = false;
  co_return 0;
}

net::awaitable<Response> serveIdentity(Exchange& ex, const Request& request) {
  ex.outcome = Outcome::kIdentity;
  if (request.path == kSignInPath && !allowLogin(ex, request)) {
    Response refused = errorPage(429);
    refused.headers.set("Retry-After", std::to_string(ex.site->login_limiter->retryAfter()));
    co_return refused;
  }
  co_return co_await runBlocking(ex.server.blocking, [&gateway = *ex.site->gateway, &request] {
    return gateway.identity(request);
  });
}

}  // namespace barrier::server_detail
