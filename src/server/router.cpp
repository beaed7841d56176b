#include "server/router.h"

#include "server/endpoints.h"
#include "server/error_pages.h"
#include "server/responses.h"

namespace barrier::server_detail {

namespace {

// Metrics are served on server.metrics_listen alone (never to the public:
// they tell how many visitors sign in and fail), and that listener serves
// nothing else but health.
bool servedOnListener(Gateway::Route route, bool admin) {
  bool admin_route = route == Gateway::Route::kHealth || route == Gateway::Route::kMetrics;
  return admin ? admin_route : route != Gateway::Route::kMetrics;
}

net::awaitable<Response> answerOwnRoute(Exchange& ex, Gateway::Route route,
                                        const Request& request) {
  switch (route) {
    case Gateway::Route::kCheck:
      co_return co_await serveForwardAuth(ex, request);
    case Gateway::Route::kHealth:
      co_return co_await serveHealth(ex);
    case Gateway::Route::kMetrics:
      co_return serveMetrics(ex);
    case Gateway::Route::kIdentity:
      co_return co_await serveIdentity(ex, request);
    case Gateway::Route::kProtected:
      break;  // dispatch() serves it: it writes its own answer
  }
  co_return errorPage(404);
}

// With allowed_hosts, the Host header selects one of the site's listed
// hosts, and a request for any other name is not this site's: 421
// (RFC 9110 §15.5.20). Forward-auth checks and health come from the proxy
// and probes, under barrier's own address, and are not the site's pages.
bool misdirected(const Exchange& ex, Gateway::Route route, const Request& request) {
  if (route != Gateway::Route::kProtected && route != Gateway::Route::kIdentity) return false;
  const ValidConfig& config = ex.site->gateway->config();
  return !config.allowed_hosts.empty() && config.listedHost(request.headers.get("Host")).empty();
}

}  // namespace

net::awaitable<bool> dispatch(Exchange& ex, Request& request, ClientBody& body) {
  Gateway::Route route = Gateway::route(request.path);
  if (!servedOnListener(route, ex.admin)) {
    ex.outcome = Outcome::kInternal;
    Response page = errorPage(404);
    co_return co_await sendResponse(ex, page);
  }
  if (misdirected(ex, route, request)) {
    ex.outcome = Outcome::kBadRequest;
    Response page = errorPage(421);
    co_return co_await sendResponse(ex, page);
  }
  if (route == Gateway::Route::kProtected) co_return co_await serveProtected(ex, request, body);
  if (route == Gateway::Route::kIdentity && ex.unread_body) {
    int refused = co_await readIdentityBody(ex, request, body);
    if (refused != 0) co_return co_await refuse(ex, refused);
  }
  Response response = co_await answerOwnRoute(ex, route, request);
  co_return co_await sendResponse(ex, response);
}

}  // namespace barrier::server_detail
