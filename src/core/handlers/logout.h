// GET|POST /_identity/logout and GET /_identity/signed-out (docs/ARCHITECTURE.md,
// "Logout").
//
// Logout ends the session in the store (not just the cookie), clears our
// cookies, and sends the browser to the provider's logout so the provider's
// own session ends too — otherwise the next visit would sign straight back
// in. The provider sends the browser back to /_identity/signed-out.
#pragma once

#include "core/handlers/identity_context.h"

namespace barrier {

// 302 to the provider's logout (or to /_identity/signed-out when it has
// none); 503 page when the store cannot delete the session.
Response handleLogout(IdentityContext& ctx, const Request& request);

// A small "signed out" page with a "sign in" link.
Response handleSignedOut(IdentityContext& ctx, const Request& request);

}  // namespace barrier
