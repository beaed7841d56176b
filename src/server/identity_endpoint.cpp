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

}  // namespace

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
