// Every path outside /_identity/: the check, then the origin the path
// selects (static folder, upstream, or a folder falling back to an
// upstream), or the checker's refusal.
#include <optional>

#include "server/endpoints.h"
#include "server/error_pages.h"
#include "server/forward_headers.h"
#include "server/responses.h"
#include "server/tunnel.h"

namespace barrier::server_detail {

net::awaitable<bool> serveProtected(Exchange& ex, Request& request, ClientBody& body) {
  keepForAccessLog(ex, request);
  // An Upgrade (tunnel.h) is noted, and the request kept, before the check
  // takes it: an open tunnel runs the check again.
  std::string upgrade = upgradeProtocol(request, ex.version, ex.unread_body);
  std::optional<Request> opened_with;
  if (!upgrade.empty()) opened_with = request;
  CheckDecision decision = co_await runCheck(ex, request);
  ex.outcome = Gateway::outcomeOf(decision.outcome);
  noteUser(decision, ex);
  if (!decision.forward) co_return co_await sendResponse(ex, decision.response);
  Request& forwarded = decision.request;
  // Before the identity headers go in: a client's Connection header may
  // name them, and what it names is removed.
  removeHopByHopHeaders(forwarded.headers);
  for (const Header& h : decision.identityHeaders()) forwarded.headers.add(h.name, h.value);
  const Origin* origin = ex.site->gateway->originFor(forwarded.path);
  if (origin == nullptr) {
    Response page = errorPage(404);
    co_return co_await sendResponse(ex, page);
  }
  if (origin->files) {
    StaticReply reply = origin->files->serve(forwarded);
    // With both a folder and an upstream, a file missing from the folder
    // is the upstream's to answer.
    if (reply.status != 404 || !origin->upstream) co_return co_await sendStatic(ex, reply);
  }
  UpstreamPool& pool = *ex.site->pools[origin->index];
  if (!upgrade.empty())
    co_return co_await serveUpgrade(ex, forwarded, *opened_with, upgrade, body.buffer, pool);
  co_return co_await serveProxied(ex, forwarded, ex.unread_body ? &body : nullptr, pool);
}

}  // namespace barrier::server_detail
