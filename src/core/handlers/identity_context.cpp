#include "core/handlers/identity_context.h"

#include "core/http/cookie.h"

namespace barrier {

IdentityContext::IdentityContext(const ValidConfig& cfg, IdentityPorts p)
    : config(cfg),
      ports(p),
      codec(p.crypto, cfg.session.signing_keys),
      oidc(cfg.provider, p.http, p.clock, p.crypto) {}

std::string IdentityContext::siteBase() const {
  std::string base = config.site_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string IdentityContext::flowCookieName(std::string_view flow) const {
  return config.session.cookie_name + "-login-" + std::string(flow);
}

std::vector<std::string> IdentityContext::keysFromCookie(const Request& request,
                                                         std::string_view name) const {
  std::vector<std::string> keys;
  for (std::string_view value : cookieValues(request.headers, name)) {
    if (auto key = codec.verifiedStoreKey(value)) keys.push_back(std::move(*key));
    if (keys.size() >= 4) break;  // bound the store work one request can cause
  }
  return keys;
}

}  // namespace barrier
