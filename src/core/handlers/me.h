// GET /_identity/me: who the current session belongs to, as JSON, for the
// site's own scripts. 401 without a live session; 503 when the store fails.
#pragma once

#include "core/handlers/identity_context.h"

namespace barrier {

Response handleMe(IdentityContext& ctx, const Request& request);

}  // namespace barrier
