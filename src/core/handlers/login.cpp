#include "core/handlers/login.h"

#include "core/encoding.h"
#include "core/handlers/pages.h"
#include "core/http/cookie.h"
#include "core/http/percent.h"
#include "core/http/query.h"
#include "core/http/return_path.h"
#include "core/oidc/authorize.h"

namespace barrier {

namespace {

// The return target, decoded exactly once by the query parser; anything
// not a same-site relative reference, or an absolute URL to one of the
// site's listed hosts, becomes "/", so a crafted link cannot send the
// visitor to another site after sign-in (docs/ARCHITECTURE.md, "Login",
// step 1).
std::string returnTarget(const IdentityContext& ctx, const Request& request) {
  QueryParams params = parseQuery(request.query);
  auto path = queryParam(params, "path");
  if (!path || path->size() > kMaxReturnPathBytes) return "/";
  std::vector<std::string> hosts = ctx.config.listedHosts();
  return safeReturnTarget(*path, ReturnHosts{ctx.config.siteScheme(), hosts});
}

// A sign-in that starts on another listed host (its Host header; `barrier
// serve` answers no other) moves to site_url's host first, where the
// provider's one registered callback lands and the flow cookie must be:
// back to this host afterwards. nullopt on site_url's host.
std::optional<Response> moveToSiteHost(const IdentityContext& ctx, const Request& request,
                                       const std::string& target) {
  std::string_view host = ctx.config.listedHost(request.headers.get("Host"));
  if (host.empty() || host == ctx.config.siteHost()) return std::nullopt;
  std::string absolute = target.starts_with("/") ? std::string(ctx.config.siteScheme()) + "://" +
                                                       std::string(host) + target
                                                 : target;
  Response r;
  r.status = 302;
  r.headers.add("Location", ctx.siteBase() + kSignInPath + "?path=" + percentEncode(absolute));
  r.headers.add("Cache-Control", "no-store");
  return r;
}

Response unavailable(const IdentityContext& ctx, const char* what) {
  Response r = pageResponse(503, "Sign-in is unavailable",
                            std::string(what) + " Please try again in a moment.",
                            PageLink{"Try again", kSignInPath});
  r.headers.set("Retry-After", std::to_string(ctx.config.retry_after));
  return r;
}

}  // namespace

Response handleLogin(IdentityContext& ctx, const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = pageResponse(405, "Method not allowed", "Sign-in starts with a GET request.");
    r.headers.set("Allow", "GET, HEAD");
    return r;
  }
  std::string target = returnTarget(ctx, request);
  if (std::optional<Response> moved = moveToSiteHost(ctx, request, target)) return *moved;
  auto endpoints = ctx.oidc.endpoints();
  if (!endpoints) {
    ctx.ports.log.write(LogLevel::kError, "login.provider_unavailable",
                        {{"error", endpoints.status().toString()}});
    return unavailable(ctx, "The identity provider cannot be reached.");
  }
  auto issued = ctx.codec.issue(ctx.ports.random);
  if (!issued) return unavailable(ctx, "Sign-in is not configured (no signing key).");

  FlowState flow = makeFlowState(ctx.ports.random);
  Pkce pkce = makePkce(ctx.ports.random, ctx.ports.crypto);
  int64_t now = ctx.ports.clock.now();
  SessionRecord record;
  record.key = issued->store_key;
  record.kind = RecordKind::kLogin;
  record.created_at = now;
  record.valid_until = now + ctx.config.session.login_lifetime;
  record.secret = flow.secret;
  record.code_verifier = pkce.verifier;
  record.nonce = base64UrlEncode(ctx.ports.random.bytes(32));
  record.path = std::move(target);
  if (Status s = ctx.ports.store.putNew(record); !s) {
    ctx.ports.log.write(LogLevel::kError, "login.store_error", {{"error", s.toString()}});
    return unavailable(ctx, "The session store is unavailable.");
  }

  AuthorizeParams params;
  params.client_id = ctx.config.provider.client_id;
  params.redirect_uri = ctx.redirectUri();
  params.scopes = ctx.config.provider.scopes;
  params.state = encodeState(flow);
  params.code_challenge = pkce.challenge;
  params.nonce = record.nonce;

  Response r;
  r.status = 302;
  r.headers.add("Location", buildAuthorizeUrl(endpoints->authorization_endpoint, params));
  SetCookie cookie;
  cookie.name = ctx.flowCookieName(flow.flow);
  cookie.value = issued->cookie_value;
  cookie.path = std::string(flowCookiePath(cookie.name));
  cookie.max_age = ctx.config.session.login_lifetime;
  cookie.secure = ctx.config.secureCookies();
  r.headers.add("Set-Cookie", serializeSetCookie(cookie));
  ctx.ports.log.write(LogLevel::kInfo, "login.start", {{"flow", flow.flow}});
  return r;
}

}  // namespace barrier
