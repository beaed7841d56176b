// The check every protected request and every forward-auth request runs.
#include "server/endpoints.h"

namespace barrier::server_detail {

net::awaitable<CheckDecision> runCheck(Exchange& ex, Request& request) {
  Gateway& gateway = *ex.site->gateway;
  // Moved, not copied: the checker keeps the request (and forwards it).
  CheckStep step = gateway.beginCheck(std::move(request));
  if (!step.needsLookup()) co_return std::move(step).decision();
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
    ex.user = decision.session->sub;
  }
}

}  // namespace barrier::server_detail
