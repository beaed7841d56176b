// The relying party: everything the callback needs from the provider, in
// one place — endpoints, code exchange, ID-token validation, userinfo and
// the site-wide group rule.
//
// Owns the discovery and JWKS caches; holds references to the config and
// ports, which must outlive it. Thread-safe.
#pragma once

#include <string_view>

#include "core/config/config.h"
#include "core/oidc/jwks.h"
#include "core/oidc/jwt.h"
#include "core/oidc/logout_token.h"
#include "core/oidc/provider.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"

namespace barrier {

class OidcClient {
 public:
  OidcClient(const ProviderConfig& config, HttpClient& http, Clock& clock, Crypto& crypto);

  Result<ProviderEndpoints> endpoints() { return directory_.endpoints(); }

  // Exchanges `code`, validates the ID token against `nonce`, optionally
  // merges userinfo, and applies required_groups. Status codes say whose
  // fault a failure is, so the callback can answer truthfully:
  //  - kUnauthenticated: code or token refused (sign in again; 4xx);
  //  - kPermissionDenied: signed in, but not in a required group (403);
  //  - kUnavailable / kTimeout: provider unreachable or too slow (503);
  //  - kInternal: the provider answered something unusable (502).
  Result<Identity> completeLogin(std::string_view code, std::string_view redirect_uri,
                                 std::string_view code_verifier, std::string_view nonce);

  // A Back-Channel Logout Token (core/oidc/logout_token.h): its signature
  // against the provider's key set, then its claims. kInvalidArgument or
  // kUnauthenticated: refused (400); kUnavailable / kTimeout: the keys or
  // the discovery document could not be had.
  Result<LogoutRequest> verifyLogoutToken(std::string_view token);

 private:
  Result<nlohmann::json> exchange(const ProviderEndpoints& e, std::string_view code,
                                  std::string_view redirect_uri, std::string_view code_verifier,
                                  std::string_view nonce, std::string& access_token);
  Status mergeUserinfo(const ProviderEndpoints& e, std::string_view access_token,
                       Identity& identity);
  Status checkGroups(const Identity& identity) const;

  const ProviderConfig& config_;
  HttpClient& http_;
  Clock& clock_;
  ProviderDirectory directory_;
  JwksCache jwks_;
};

}  // namespace barrier
