#include "core/handlers/callback.h"

#include "core/handlers/pages.h"
#include "core/http/cookie.h"
#include "core/http/query.h"
#include "core/http/return_path.h"
#include "core/oidc/authorize.h"

namespace barrier {

namespace {

// Says why sign-in did not complete, offers to start over, and clears the
// flow cookie when we know which one it was.
Response refuse(IdentityContext& ctx, int status, std::string_view reason, std::string_view message,
                std::string_view flow = {}) {
  ctx.ports.log.write(LogLevel::kWarn, "callback.refused", {{"reason", std::string(reason)}});
  Response r = pageResponse(status, "Sign-in did not complete", message,
                            PageLink{"Sign in again", kSignInPath});
  if (!flow.empty()) {
    r.headers.add("Set-Cookie", clearCookie(ctx.flowCookieName(flow), ctx.config.secureCookies(),
                                            flowCookiePath(ctx.config.session.cookie_name)));
  }
  return r;
}

Response dependencyFailed(IdentityContext& ctx, int status, std::string_view event,
                          const Status& error, std::string_view message, std::string_view flow) {
  ctx.ports.log.write(LogLevel::kError, event, {{"error", error.toString()}});
  Response r = pageResponse(status, "Sign-in is unavailable", message,
                            PageLink{"Sign in again", kSignInPath});
  if (status == 503) r.headers.set("Retry-After", std::to_string(ctx.config.retry_after));
  r.headers.add("Set-Cookie", clearCookie(ctx.flowCookieName(flow), ctx.config.secureCookies(),
                                          flowCookiePath(ctx.config.session.cookie_name)));
  return r;
}

// The provider said no (?error=...). The flow is over: its record is
// consumed (best effort) and its cookie cleared.
Response providerError(IdentityContext& ctx, const Request& request, const QueryParams& params) {
  std::string error = queryParam(params, "error").value_or("");
  std::string flow;
  if (auto state = queryParam(params, "state")) {
    if (auto decoded = decodeState(*state)) {
      flow = decoded->flow;
      for (const auto& key : ctx.keysFromCookie(request, ctx.flowCookieName(flow))) {
        (void)ctx.ports.store.remove(key);
      }
    }
  }
  std::string message = error == "access_denied"
                            ? "Access was denied at the identity provider."
                            : "The identity provider reported an error: " + error.substr(0, 64) + ".";
  return refuse(ctx, 400, "provider_error", message, flow);
}

// The login record for this flow, taken (read and deleted) exactly once.
// nullopt with `refusal` set when there is none to be had.
std::optional<SessionRecord> takeLoginRecord(IdentityContext& ctx, const Request& request,
                                             const FlowState& state, std::optional<Response>& refusal) {
  std::vector<std::string> keys = ctx.keysFromCookie(request, ctx.flowCookieName(state.flow));
  if (keys.empty()) {
    refusal = refuse(ctx, 400, "no_flow_cookie",
                     "This sign-in was started in another browser or has expired.", state.flow);
    return std::nullopt;
  }
  for (const auto& key : keys) {
    auto taken = ctx.ports.store.take(key);
    if (!taken) {
      refusal = dependencyFailed(ctx, 503, "callback.store_error", taken.status(),
                                 "The session store is unavailable.", state.flow);
      return std::nullopt;
    }
    if (taken->has_value()) return std::move(**taken);
  }
  refusal = refuse(ctx, 400, "no_login_record",
                   "This sign-in link was already used or has expired.", state.flow);
  return std::nullopt;
}

Response loginFailed(IdentityContext& ctx, const Status& s, std::string_view flow) {
  switch (s.code()) {
    case Code::kPermissionDenied:
      return refuse(ctx, 403, "groups", "Your account is not allowed to use this site.", flow);
    case Code::kUnauthenticated:
    case Code::kInvalidArgument:
      ctx.ports.log.write(LogLevel::kWarn, "callback.token_refused", {{"error", s.toString()}});
      return refuse(ctx, 401, "token_refused", "The sign-in could not be verified.", flow);
    case Code::kTimeout:
      return dependencyFailed(ctx, 503, "callback.provider_timeout", s,
                              "The identity provider did not answer in time.", flow);
    case Code::kUnavailable:
      return dependencyFailed(ctx, 503, "callback.provider_unavailable", s,
                              "The identity provider cannot be reached.", flow);
    default:
      return dependencyFailed(ctx, 502, "callback.provider_bad_answer", s,
                              "The identity provider gave an answer that cannot be used.", flow);
  }
}

// A fresh id, never one from before login (session fixation).
Result<IssuedId> storeSession(IdentityContext& ctx, const Identity& identity) {
  int64_t now = ctx.ports.clock.now();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto issued = ctx.codec.issue(ctx.ports.random);
    if (!issued) return issued.status();
    SessionRecord record;
    record.key = issued->store_key;
    record.kind = RecordKind::kSession;
    record.created_at = now;
    record.valid_until = now + ctx.config.session.lifetime;
    record.sub = identity.sub;
    record.username = identity.username;
    record.email = identity.email;
    record.groups = identity.groups;
    Status s = ctx.ports.store.putNew(record);
    if (s) return issued;
    if (s.code() != Code::kAlreadyExists) return s;
  }
  return Status::internal("could not find a free session id");
}

Response signedIn(IdentityContext& ctx, const Request& request, const IssuedId& id,
                  const SessionRecord& login, std::string_view flow) {
  // An older session cookie in this browser is ended: one browser, one session.
  for (const auto& key : ctx.keysFromCookie(request, ctx.config.session.cookie_name)) {
    (void)ctx.ports.store.remove(key);
  }
  Response r;
  r.status = 302;
  r.headers.add("Location", ctx.siteBase() + encodeForLocation(safeReturnPath(login.path)));
  SetCookie cookie;
  cookie.name = ctx.config.session.cookie_name;
  cookie.value = id.cookie_value;
  cookie.path = "/";
  cookie.max_age = ctx.config.session.lifetime;
  cookie.secure = ctx.config.secureCookies();
  r.headers.add("Set-Cookie", serializeSetCookie(cookie));
  r.headers.add("Set-Cookie", clearCookie(ctx.flowCookieName(flow), ctx.config.secureCookies(),
                                          flowCookiePath(ctx.config.session.cookie_name)));
  return r;
}

}  // namespace

Response handleCallback(IdentityContext& ctx, const Request& request) {
  if (request.method != "GET") {
    return refuse(ctx, 405, "method", "The sign-in answer must arrive by GET.");
  }
  QueryParams params = parseQuery(request.query);
  if (queryCount(params, "error") > 0) return providerError(ctx, request, params);
  // A repeated code or state is refused outright: which one would be meant?
  if (queryCount(params, "code") != 1 || queryCount(params, "state") != 1) {
    return refuse(ctx, 400, "missing_params", "The sign-in answer is incomplete.");
  }
  std::string code = *queryParam(params, "code");
  auto state = decodeState(*queryParam(params, "state"));
  if (code.empty() || code.size() > 4096 || !state) {
    return refuse(ctx, 400, "malformed_params", "The sign-in answer is malformed.");
  }

  std::optional<Response> refusal;
  auto login = takeLoginRecord(ctx, request, *state, refusal);
  if (!login) return std::move(*refusal);
  // Only a live login record may complete a flow (flaw 1 in reverse: a
  // session record is never accepted here either).
  if (!login->isLiveLogin(ctx.ports.clock.now())) {
    return refuse(ctx, 400, "expired", "This sign-in took too long and has expired.", state->flow);
  }
  if (!constantTimeEqual(login->secret, state->secret)) {
    return refuse(ctx, 400, "state_mismatch", "This sign-in answer does not belong to this browser.",
                  state->flow);
  }

  auto identity = ctx.oidc.completeLogin(code, ctx.redirectUri(), login->code_verifier, login->nonce);
  if (!identity) return loginFailed(ctx, identity.status(), state->flow);

  auto session = storeSession(ctx, *identity);
  if (!session) {
    return dependencyFailed(ctx, 503, "callback.store_error", session.status(),
                            "The session store is unavailable.", state->flow);
  }
  ctx.ports.log.write(LogLevel::kInfo, "login.complete",
                      {{"sub", identity->sub}, {"session", mask(session->store_key)}});
  return signedIn(ctx, request, *session, *login, state->flow);
}

}  // namespace barrier
