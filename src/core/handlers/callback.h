// GET /_identity/auth?code&state (or ?error=...); docs/ARCHITECTURE.md,
// "Callback".
//
// Every way this can go wrong maps to a page that says whose fault it was:
// the visitor's or an expired/replayed flow is a 4xx with a "sign in again"
// link (never a redirect: no loops), the provider being down is 503, its
// answer being unusable is 502, the store failing is 503. No failure ever
// creates a session.
#pragma once

#include "core/handlers/identity_context.h"

namespace barrier {

Response handleCallback(IdentityContext& ctx, const Request& request);

}  // namespace barrier
