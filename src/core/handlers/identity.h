// The session manager: every /_identity/ endpoint a browser talks to.
//
//   IdentityHandlers manager(config, {clock, random, crypto, store, http, log});
//   Response r = manager.handle(request);   // request.path under /_identity/
//
// /_identity/login, /_identity/auth, /_identity/logout, /_identity/signed-out
// and /_identity/me are answered here; any other /_identity/ path is 404.
// /_identity/check, /health and /metrics belong to the gateway and are not
// routed here (owns() is false for them). Every response carries
// Cache-Control: no-store.
//
// Owns its caches (discovery, JWKS); borrows `config` and the ports, which
// must outlive it. handle() is safe to call from several threads when the
// ports are.
#pragma once

#include <string_view>

#include "core/handlers/identity_context.h"

namespace barrier {

class IdentityHandlers {
 public:
  IdentityHandlers(const ValidConfig& config, IdentityPorts ports);

  Response handle(const Request& request);

  // True for the paths handle() answers with something other than 404.
  static bool owns(std::string_view path);

 private:
  IdentityContext ctx_;
};

}  // namespace barrier
