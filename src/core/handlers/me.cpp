#include "core/handlers/me.h"

#include "core/handlers/json_response.h"
#include "core/session/idle.h"

namespace barrier {

Response handleMe(IdentityContext& ctx, const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = jsonError(405, "method_not_allowed");
    r.headers.set("Allow", "GET, HEAD");
    return r;
  }
  int64_t now = ctx.ports.clock.now();
  for (const auto& key : ctx.keysFromCookie(request, ctx.config.session.cookie_name)) {
    auto record = ctx.ports.store.get(key);
    if (!record) {
      Response r = jsonError(503, "store_unavailable");
      r.headers.set("Retry-After", std::to_string(ctx.config.retry_after));
      return r;
    }
    // Only a live record of kind session counts — never a login record.
    if (!record->has_value() || !(*record)->isLiveSession(now)) continue;
    const SessionRecord& s = **record;
    // As the checker: a session idle for session.idle_timeout is over.
    IdlePolicy idle(ctx.config.session);
    if (idle.idledOut(s, now)) continue;
    return jsonResponse(200, {{"sub", s.sub},
                              {"username", s.username},
                              {"email", s.email},
                              {"groups", s.groups},
                              {"created_at", s.created_at},
                              {"valid_until", s.valid_until},
                              {"idle_until", idle.idleUntil(s)}});
  }
  return jsonError(401, "unauthenticated");
}

}  // namespace barrier
