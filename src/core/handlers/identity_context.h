// What every /_identity/ endpoint shares: the configuration, the ports, the
// id codec and the relying-party client. Built once by IdentityHandlers;
// the endpoint functions (login.h, callback.h, logout.h, me.h) borrow it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/http/message.h"
#include "core/oidc/client.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/ports/log.h"
#include "core/ports/random.h"
#include "core/ports/session_store.h"
#include "core/session/session_id.h"

namespace barrier {

// The ports the manager uses; each must outlive the handlers and be
// thread-safe when the handlers are called from several threads.
struct IdentityPorts {
  Clock& clock;
  Random& random;
  Crypto& crypto;
  SessionStore& store;
  HttpClient& http;
  Log& log;
};

struct IdentityContext {
  IdentityContext(const ValidConfig& config, IdentityPorts ports);

  const ValidConfig& config;
  IdentityPorts ports;
  IdCodec codec;
  OidcClient oidc;

  // site_url without a trailing slash: "https://www.example.com".
  std::string siteBase() const;
  // https://<site>/_identity/auth — must be registered with the provider.
  std::string redirectUri() const { return siteBase() + "/_identity/auth"; }
  std::string signedOutUri() const { return siteBase() + "/_identity/signed-out"; }
  // "<C>-login-<flow>"
  std::string flowCookieName(std::string_view flow) const;
  // Store keys of every well-signed value of cookie `name` (forged or
  // malformed values are dropped without a store read).
  std::vector<std::string> keysFromCookie(const Request& request, std::string_view name) const;
};

// Where the per-flow cookie `name` lives: only the callback and logout need
// it, so /_identity/ — but a __Host- cookie is refused by browsers unless
// its Path is /, and the flow cookie shares the session cookie's prefix.
inline std::string_view flowCookiePath(std::string_view name) {
  return name.starts_with("__Host-") ? "/" : "/_identity/";
}

// The "sign in again" link on error pages.
inline constexpr const char* kSignInPath = "/_identity/login";

}  // namespace barrier
