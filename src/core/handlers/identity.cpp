#include "core/handlers/identity.h"

#include "core/handlers/backchannel_logout.h"
#include "core/handlers/callback.h"
#include "core/handlers/login.h"
#include "core/handlers/logout.h"
#include "core/handlers/me.h"
#include "core/handlers/pages.h"

namespace barrier {

IdentityHandlers::IdentityHandlers(const ValidConfig& config, IdentityPorts ports)
    : ctx_(config, ports) {}

bool IdentityHandlers::owns(std::string_view path) {
  return path == "/_identity/login" || path == "/_identity/auth" || path == "/_identity/logout" ||
         path == "/_identity/signed-out" || path == "/_identity/me";
}

Response IdentityHandlers::handle(const Request& request) {
  const std::string& path = request.path;
  Response r;
  if (path == "/_identity/login") {
    r = handleLogin(ctx_, request);
  } else if (path == "/_identity/auth") {
    r = handleCallback(ctx_, request);
  } else if (path == "/_identity/logout") {
    r = handleLogout(ctx_, request);
  } else if (path == "/_identity/signed-out") {
    r = handleSignedOut(ctx_, request);
  } else if (path == "/_identity/me") {
    r = handleMe(ctx_, request);
  } else if (path == kBackchannelLogoutPath && ctx_.config.provider.backchannel_logout) {
    r = handleBackchannelLogout(ctx_, request);
  } else {
    r = pageResponse(404, "Not found", "There is nothing here.");
  }
  // Nothing under /_identity/ may be cached: it is all per-visitor.
  r.headers.set("Cache-Control", "no-store");
  if (request.method == "HEAD") r.body.clear();
  return r;
}

}  // namespace barrier
