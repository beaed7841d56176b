// The check every protected request and every forward-auth request runs.
#include "server/endpoints.h"

namespace barrier::server_detail {

namespace {

// A cache hit due a touch (session.idle_timeout): the write goes where a
// store read would.
net::awaitable<void> runStoreWrites(Exchange& ex, const CheckDecision& decision) {
  Gateway& gateway = *ex.site->gateway;
  if (!ex.site->options.offload_store) {
    gateway.writeToStore(decision);
    co_return;
  }
  co_await runBlocking(ex.server.store_reads, [&gateway, &decision] {
    gateway.writeToStore(decision);
    return true;
  });
}

// A request the checker may decide from a bearer token (api.bearer): its
// verification may fetch the provider's JWKS (a blocking HTTP call, at
// start and on an unknown kid), so it must not run on an io thread.
bool mayVerifyBearer(const Gateway& gateway, const Request& request) {
  return gateway.config().api.bearer && bearerToken(request).has_value();
}

// beginCheck, on the manager's pool (the one that waits on the identity
// provider) when it may verify a bearer token.
net::awaitable<CheckStep> beginCheck(Exchange& ex, Request& request, SessionSource source) {
  Gateway& gateway = *ex.site->gateway;
  // Moved, not copied: the checker keeps the request (and forwards it).
  if (!mayVerifyBearer(gateway, request)) co_return gateway.beginCheck(std::move(request), source);
  co_return co_await runBlocking(ex.server.blocking, [&gateway, &request, source] {
    return gateway.beginCheck(std::move(request), source);
  });
}

}  // namespace

net::awaitable<CheckDecision> runCheck(Exchange& ex, Request& request, SessionSource source) {
  Gateway& gateway = *ex.site->gateway;
  CheckStep step = co_await beginCheck(ex, request, source);
  if (!step.needsLookup()) {  // a cache hit, or decided without the store
    CheckDecision decision = std::move(step).decision();
    if (decision.hasStoreWrites()) co_await runStoreWrites(ex, decision);
    co_return decision;
  }
  // finishCheck makes the decision's store writes too.
  if (!ex.site->options.offload_store) co_return gateway.finishCheck(std::move(step));
  // A network store (Redis, DynamoDB) is read on its own pool: a slow one
  // must not hold up the io threads.
  co_return co_await runBlocking(
      ex.server.store_reads, [&gateway, &step] { return gateway.finishCheck(std::move(step)); });
}

void keepForAccessLog(Exchange& ex, const Request& request) {
  if (!ex.server.log.enabled(LogLevel::kInfo)) return;
  ex.logged_method = request.method;
  ex.logged_path = request.path;
  ex.request_moved = true;
}

// The access log names the session's user only when the operator asked
// (server.log_user): a sub is personal data.
void noteUser(const CheckDecision& decision, Exchange& ex) {
  if (ex.site->gateway->config().server.log_user && decision.session) {
    ex.user = decision.session->sub();
  }
}

}  // namespace barrier::server_detail
