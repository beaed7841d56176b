// POST /_identity/backchannel-logout: OpenID Connect Back-Channel Logout
// 1.0, the provider telling barrier that a user signed out there (enabled
// by provider.backchannel_logout).
//
// The form field `logout_token` is verified (signature against the
// provider's key set, then the claims: core/oidc/logout_token.h); its jti
// is recorded in the session store until the token expires — a marker
// record of kind `login` under "jti:<hash>", which can never pass as a
// session — so a replay is refused on every instance sharing the store.
// Then the sessions it names end (through the store, so a Redis store
// announces each one to every instance): with a `sid`, those signed in
// during that provider session (the ID token's sid, kept in the record),
// of the token's `sub` only when it names one; without, every session of
// the `sub`.
//
// Answers (with Cache-Control: no-store, as all of /_identity/): 200 when
// done; 400 with {"error":"invalid_request","error_description":...} for
// a token refused or replayed; 405 for another method; 503 when the
// provider's keys or the store cannot be had (the provider may try again).
#pragma once

#include "core/handlers/identity_context.h"
#include "core/http/message.h"

namespace barrier {

inline constexpr char kBackchannelLogoutPath[] = "/_identity/backchannel-logout";

Response handleBackchannelLogout(IdentityContext& ctx, const Request& request);

}  // namespace barrier
