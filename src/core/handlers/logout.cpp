#include "core/handlers/logout.h"

#include "core/handlers/pages.h"
#include "core/http/cookie.h"
#include "core/oidc/authorize.h"

namespace barrier {

namespace {

// Every cookie of ours this browser sent: the session and any flow cookies.
void clearOurCookies(IdentityContext& ctx, const Request& request, Response& r) {
  const std::string& name = ctx.config.session.cookie_name;
  bool secure = ctx.config.secureCookies();
  r.headers.add("Set-Cookie", clearCookie(name, secure, "/", ctx.config.session.cookie_domain));
  std::string flow_prefix = name + "-login-";
  size_t cleared = 0;
  for (const Cookie& c : parseCookies(request.headers)) {
    if (c.name.starts_with(flow_prefix) && cleared++ < 16) {
      r.headers.add("Set-Cookie", clearCookie(c.name, secure, flowCookiePath(c.name)));
    }
  }
}

}  // namespace

Response handleLogout(IdentityContext& ctx, const Request& request) {
  if (request.method != "GET" && request.method != "POST") {
    Response r = pageResponse(405, "Method not allowed", "Sign out with GET or POST.");
    r.headers.set("Allow", "GET, POST");
    return r;
  }
  // The session must really end: if the store cannot delete it, say so
  // instead of pretending (a copied cookie would otherwise stay valid).
  for (const auto& key : ctx.keysFromCookie(request, ctx.config.session.cookie_name)) {
    if (Status s = ctx.ports.store.remove(key); !s) {
      ctx.ports.log.write(LogLevel::kError, "logout.store_error", {{"error", s.toString()}});
      Response r = pageResponse(503, "Sign-out is unavailable",
                                "The session store is unavailable. Please try again.",
                                PageLink{"Try again", "/_identity/logout"});
      r.headers.set("Retry-After", std::to_string(ctx.config.retry_after));
      return r;
    }
    ctx.ports.log.write(LogLevel::kInfo, "logout", {{"session", mask(key)}});
  }
  std::string target = ctx.signedOutUri();
  if (auto endpoints = ctx.oidc.endpoints()) {
    std::string provider = buildLogoutUrl(*endpoints, ctx.config.provider.client_id, target);
    if (!provider.empty()) target = provider;
  }
  Response r;
  r.status = 302;
  r.headers.add("Location", target);
  clearOurCookies(ctx, request, r);
  return r;
}

Response handleSignedOut(IdentityContext& ctx, const Request& request) {
  return pageResponse(200, "Signed out", "You are signed out.", PageLink{"Sign in", kSignInPath});
}

}  // namespace barrier
