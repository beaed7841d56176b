#include "core/handlers/backchannel_logout.h"

#include "core/encoding.h"
#include "core/handlers/json_response.h"
#include "core/http/query.h"

namespace barrier {

namespace {

Response jsonAnswer(int status, std::string_view error, std::string_view description) {
  return jsonResponse(status, {{"error", error}, {"error_description", description}});
}

Response invalid(std::string_view description) {
  return jsonAnswer(400, "invalid_request", description);
}

Response unavailable(IdentityContext& ctx, const char* event, const Status& s) {
  ctx.ports.log.write(LogLevel::kWarn, event, {{"error", s.toString()}});
  Response r = jsonAnswer(503, "temporarily_unavailable", "try again later");
  r.headers.set("Retry-After", std::to_string(ctx.config.retry_after));
  return r;
}

// The jti's marker: a `login` record (never a session) that exists until the
// token expires. The key hashes the jti (the provider's text; one provider).
SessionRecord jtiMarker(IdentityContext& ctx, const LogoutRequest& logout) {
  Digest digest = ctx.ports.crypto.sha256(logout.jti);
  SessionRecord marker;
  marker.key = "jti:" + base64UrlEncode(std::string_view(
                            reinterpret_cast<const char*>(digest.data()), digest.size()));
  marker.kind = RecordKind::kLogin;
  marker.created_at = ctx.ports.clock.now();
  marker.valid_until = logout.expires_at;
  return marker;
}

// §2.7: a token naming a sid ends the sessions signed in during that
// provider session (of its sub only, when it names one too); a token naming
// only a sub ends every session of the sub.
Result<size_t> endSessions(SessionStore& store, const LogoutRequest& logout) {
  if (!logout.sid.empty()) return store.removeProviderSession(logout.sid, logout.sub);
  return store.removeUser(logout.sub);
}

}  // namespace

Response handleBackchannelLogout(IdentityContext& ctx, const Request& request) {
  if (request.method != "POST") {
    Response r = jsonAnswer(405, "invalid_request", "use POST");
    r.headers.set("Allow", "POST");
    return r;
  }
  QueryParams form = parseQuery(request.body);
  std::optional<std::string> token = queryParam(form, "logout_token");
  if (!token || queryCount(form, "logout_token") != 1) {
    return invalid("one logout_token form field is required");
  }
  Result<LogoutRequest> logout = ctx.oidc.verifyLogoutToken(*token);
  if (!logout) {
    Code code = logout.status().code();
    if (code == Code::kUnavailable || code == Code::kTimeout) {
      return unavailable(ctx, "backchannel_logout.keys_unavailable", logout.status());
    }
    ctx.ports.log.write(LogLevel::kWarn, "backchannel_logout.refused",
                        {{"error", logout.status().message()}});
    return invalid(logout.status().message());
  }
  Status seen = ctx.ports.store.putNew(jtiMarker(ctx, *logout));
  if (seen.code() == Code::kAlreadyExists) return invalid("logout token replayed (jti seen)");
  if (!seen) return unavailable(ctx, "backchannel_logout.store_error", seen);
  Result<size_t> ended = endSessions(ctx.ports.store, *logout);
  if (!ended) return unavailable(ctx, "backchannel_logout.store_error", ended.status());
  ctx.ports.log.write(LogLevel::kInfo, "backchannel_logout",
                      {{"sessions", std::to_string(*ended)}});
  Response r;
  r.status = 200;
  r.headers.set("Cache-Control", "no-store");
  return r;
}

}  // namespace barrier
