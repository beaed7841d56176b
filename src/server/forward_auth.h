// Forward-auth (/_identity/check) as pure functions: a proxy in front of the
// site (nginx auth_request, Traefik ForwardAuth, Caddy forward_auth) asks
// whether the request it holds may pass. The endpoint itself
// (serveForwardAuth, src/server/endpoints.h) runs the check between these
// two: the subject in, the proxy's answer out.
#pragma once

#include "core/handlers/check.h"
#include "core/http/message.h"
#include "core/status.h"

namespace barrier {

// Header carrying the login URL on a forward-auth 401 (nginx reads it with
// auth_request_set and redirects there).
inline constexpr const char* kHeaderLogin = "X-Barrier-Login";

// The request the proxy asks about, rebuilt from X-Original-URI /
// X-Forwarded-Uri (+ X-Original-Method / X-Forwarded-Method);
// kInvalidArgument when neither URI header holds an absolute path, or when
// the values under the two names differ.
Result<Request> forwardAuthSubject(const Request& check_request);

// 200 + every identity header on pass (each empty on a public path);
// otherwise 401 (+ X-Barrier-Login for a browser navigation), 403 or 503.
// With `redirect` (…/check?redirect=1, for Traefik and Caddy, which relay
// the answer to the browser) the checker's own answer (307 to the login
// page, 401, 403, 503) is returned.
Response forwardAuthResponse(const CheckDecision& decision, bool redirect);

// True for .../check?redirect=1 (or =true).
bool wantsRedirect(const Request& check_request);

}  // namespace barrier
