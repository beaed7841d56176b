// GET /_identity/login?path=P (docs/ARCHITECTURE.md, "Login"): starts an authorization
// code flow with PKCE and a nonce, remembered in a short-lived login record
// that a per-flow cookie points to, and redirects to the provider.
#pragma once

#include "core/handlers/identity_context.h"

namespace barrier {

// 302 to the provider's authorize endpoint; 503 page when the store or the
// provider's discovery document is unavailable; 405 for other methods.
Response handleLogin(IdentityContext& ctx, const Request& request);

}  // namespace barrier
