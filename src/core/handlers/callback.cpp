#include "core/handlers/callback.h"

#include "core/access/claims.h"
#include "core/handlers/pages.h"
#include "core/http/cookie.h"
#include "core/http/query.h"
#include "core/http/return_path.h"
#include "core/oidc/authorize.h"
#include "core/session/record_claims.h"

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

// What the page says for each error code of RFC 6749 §4.1.2.1 and OIDC
// Core §3.1.2.6. Fixed texts only: the parameter (and error_description) is
// chosen by whoever crafted the link, and echoing it would let them put their
// words on this site's own origin ("Your account is locked. Call ...").
struct ProviderErrorText {
  std::string_view code;
  std::string_view message;
};
constexpr std::string_view kMisconfigured =
    "The identity provider refused this site's sign-in request. If this keeps happening, "
    "tell the site's administrator.";
constexpr ProviderErrorText kProviderErrors[] = {
    {"access_denied", "Access was denied at the identity provider."},
    {"login_required", "The identity provider needs you to sign in."},
    {"consent_required", "The identity provider needs your consent before you can sign in."},
    {"interaction_required", "The identity provider needs you to complete a step to sign in."},
    {"account_selection_required", "The identity provider needs you to choose an account."},
    {"temporarily_unavailable",
     "The identity provider is temporarily unavailable. Please try again in a few minutes."},
    {"server_error", "The identity provider had an internal error. Please try again."},
    {"invalid_request", kMisconfigured},
    {"unauthorized_client", kMisconfigured},
    {"unsupported_response_type", kMisconfigured},
    {"invalid_scope", kMisconfigured},
    {"invalid_request_uri", kMisconfigured},
    {"invalid_request_object", kMisconfigured},
    {"request_not_supported", kMisconfigured},
    {"request_uri_not_supported", kMisconfigured},
    {"registration_not_supported", kMisconfigured},
};
constexpr std::string_view kUnknownProviderError = "The identity provider reported an error.";
constexpr size_t kMaxLoggedErrorBytes = 64;

const ProviderErrorText* knownProviderError(std::string_view code) {
  for (const auto& known : kProviderErrors) {
    if (known.code == code) return &known;
  }
  return nullptr;
}

// The error code as logged: a known code verbatim; anything else bounded and
// reduced to the characters RFC 6749 allows in `error` (printable ASCII but
// '"' and '\'), others as '?', so a crafted value can neither flood the log
// nor carry control characters or quotes into it, whatever the log's format.
// ASCII only, so the cut never splits a UTF-8 character.
std::string loggableErrorCode(std::string_view code) {
  if (const ProviderErrorText* known = knownProviderError(code)) return std::string(known->code);
  std::string out;
  for (char c : code.substr(0, kMaxLoggedErrorBytes)) {
    auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u <= 0x7e && c != '"' && c != '\\' ? c : '?';
  }
  if (code.size() > kMaxLoggedErrorBytes) out += "...";
  return out;
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
  // The code is not a secret and tells an operator what went wrong; the
  // page never shows it (see kProviderErrors).
  ctx.ports.log.write(LogLevel::kWarn, "callback.provider_error",
                      {{"error", loggableErrorCode(error)}});
  const ProviderErrorText* known = knownProviderError(error);
  return refuse(ctx, 400, "provider_error", known ? known->message : kUnknownProviderError, flow);
}

// The login record for this flow, taken (read and deleted) exactly once.
// nullopt with `refusal` set when there is none to be had.
std::optional<SessionRecord> takeLoginRecord(IdentityContext& ctx, const Request& request,
                                             const FlowState& state,
                                             std::optional<Response>& refusal) {
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

// The session record for `identity`, keeping only the claims the access
// configuration names; kPermissionDenied when the top-level `allow` does not
// let it in or its kept claims are too large to store.
Result<SessionRecord> sessionRecord(IdentityContext& ctx, const Identity& identity) {
  int64_t now = ctx.ports.clock.now();
  SessionRecord record;
  record.kind = RecordKind::kSession;
  record.created_at = now;
  record.valid_until = now + ctx.config.session.lifetime;
  record.sub = identity.sub;
  record.sid = identity.sid;  // from the ID token only (userinfo's is never merged)
  record.username = identity.username;
  record.email = identity.email;
  record.groups = identity.groups;
  record.claims = keepClaims(identity.claims, namedClaims(ctx.config));
  size_t claim_bytes = encodeRecordClaims(record.claims).size();
  if (claim_bytes > kMaxRecordClaimBytes) {
    ctx.ports.log.write(LogLevel::kWarn, "callback.claims_too_large",
                        {{"sub", identity.sub},
                         {"bytes", std::to_string(claim_bytes)},
                         {"limit", std::to_string(kMaxRecordClaimBytes)}});
    return Status::denied("the claims the access rules name exceed 4 KiB");
  }
  if (!meetsAny(ctx.config.allow, record)) return Status::denied("no allow condition holds");
  return record;
}

// A fresh id, never one from before login (session fixation).
Result<IssuedId> storeSession(IdentityContext& ctx, SessionRecord record) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto issued = ctx.codec.issue(ctx.ports.random);
    if (!issued) return issued.status();
    record.key = issued->store_key;
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
  std::vector<std::string> hosts = ctx.config.listedHosts();
  r.headers.add("Location", returnLocation(login.path, ctx.siteBase(),
                                           ReturnHosts{ctx.config.siteScheme(), hosts}));
  SetCookie cookie;
  cookie.domain = ctx.config.session.cookie_domain;
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
  // Only a live login record may complete a flow: a session record is never
  // accepted here, as a login record never passes the checker
  // (docs/ARCHITECTURE.md, "Only live sessions pass").
  if (!login->isLiveLogin(ctx.ports.clock.now())) {
    return refuse(ctx, 400, "expired", "This sign-in took too long and has expired.", state->flow);
  }
  if (!constantTimeEqual(login->secret, state->secret)) {
    return refuse(ctx, 400, "state_mismatch",
                  "This sign-in answer does not belong to this browser.", state->flow);
  }

  auto identity =
      ctx.oidc.completeLogin(code, ctx.redirectUri(), login->code_verifier, login->nonce);
  if (!identity) return loginFailed(ctx, identity.status(), state->flow);

  auto record = sessionRecord(ctx, *identity);
  if (!record) return loginFailed(ctx, record.status(), state->flow);
  auto session = storeSession(ctx, std::move(*record));
  if (!session) {
    return dependencyFailed(ctx, 503, "callback.store_error", session.status(),
                            "The session store is unavailable.", state->flow);
  }
  ctx.ports.log.write(LogLevel::kInfo, "login.complete",
                      {{"sub", identity->sub}, {"session", mask(session->store_key)}});
  return signedIn(ctx, request, *session, *login, state->flow);
}

}  // namespace barrier
