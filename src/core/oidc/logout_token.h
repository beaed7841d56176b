// OpenID Connect Back-Channel Logout 1.0: the checks a Logout Token must
// pass (§2.6) before any session is ended for it.
//
// The signature is checked as an ID token's (JwksCache::verify: RS256 or
// ES256 against the provider's key set; "none" and HMAC refused before any
// key is looked at); the claims here. The caller also keeps each accepted `jti`
// until `expires_at`, and refuses one seen before (a replay, possibly to
// another instance), then ends the sessions named by `sid` or `sub`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace barrier {

// The `events` member a Logout Token must hold.
inline constexpr char kBackChannelLogoutEvent[] =
    "http://schemas.openid.net/event/backchannel-logout";

struct LogoutTokenExpectations {
  std::string issuer;
  std::string client_id;
  int64_t now = 0;
  int64_t skew = 60;  // iat within now ± skew; exp (when present) past now - skew
  // How long a jti is remembered when the token has no exp.
  int64_t default_lifetime = 300;
};

// What a valid Logout Token asks for: end the sessions of `sid` (the
// provider's session, as the ID token named it) or, without a sid, of `sub`.
struct LogoutRequest {
  std::string sub;  // "" when absent
  std::string sid;  // "" when absent
  std::string jti;
  int64_t expires_at = 0;  // keep the jti until then
};

// iss, aud (a string or an array naming this client), iat, exp when
// present, events holding kBackChannelLogoutEvent as an object, no nonce
// (an ID token is not a logout token), sub and/or sid, jti. Errors are
// kInvalidArgument naming the failed check ("logout token: nonce present"),
// for the endpoint's 400 invalid_request.
Result<LogoutRequest> checkLogoutTokenClaims(const nlohmann::json& payload,
                                             const LogoutTokenExpectations& expect);

}  // namespace barrier
