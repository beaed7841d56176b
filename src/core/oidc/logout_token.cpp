#include "core/oidc/logout_token.h"

#include <algorithm>

#include "core/oidc/json_util.h"

namespace barrier {

namespace {

Status refused(const char* why) { return Status::invalid(std::string("logout token: ") + why); }

// A string claim that, when present, is a non-empty string.
bool optionalString(const nlohmann::json& payload, const char* name, std::string& out) {
  auto it = payload.find(name);
  if (it == payload.end()) return true;
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) return false;
  out = it->get<std::string>();
  return true;
}

Status checkIssuerAndAudience(const nlohmann::json& payload, const LogoutTokenExpectations& e) {
  const std::string* iss = json::string(payload, "iss");
  if (iss == nullptr || *iss != e.issuer) return refused("iss is not the provider's issuer");
  std::vector<std::string> aud = json::strings(payload, "aud");
  if (std::find(aud.begin(), aud.end(), e.client_id) == aud.end()) {
    return refused("aud does not name this client");
  }
  return Status::ok();
}

// Times are compared as now ± skew, never as claim ± skew (no overflow).
Status checkTimes(const nlohmann::json& payload, const LogoutTokenExpectations& e,
                  int64_t& expires_at) {
  auto iat = json::integer(payload, "iat");
  if (!iat) return refused("no iat");
  if (*iat > e.now + e.skew || *iat < e.now - e.skew) return refused("iat is not recent");
  expires_at = e.now + e.default_lifetime;
  if (payload.contains("exp")) {
    auto exp = json::integer(payload, "exp");
    if (!exp) return refused("exp is not a number");
    if (*exp <= e.now - e.skew) return refused("expired");
    expires_at = std::max(*exp, e.now) + e.skew;
  }
  return Status::ok();
}

Status checkEvents(const nlohmann::json& payload) {
  auto events = payload.find("events");
  if (events == payload.end() || !events->is_object()) return refused("no events");
  auto event = events->find(kBackChannelLogoutEvent);
  if (event == events->end() || !event->is_object()) {
    return refused("events does not hold the back-channel logout event");
  }
  return Status::ok();
}

}  // namespace

Result<LogoutRequest> checkLogoutTokenClaims(const nlohmann::json& payload,
                                             const LogoutTokenExpectations& expect) {
  if (!payload.is_object()) return refused("not a JSON object");
  LogoutRequest out;
  for (Status s : {checkIssuerAndAudience(payload, expect),
                   checkTimes(payload, expect, out.expires_at), checkEvents(payload)}) {
    if (!s.isOk()) return s;
  }
  // §2.6 item 6: a nonce means an ID token, which must never end a session.
  if (payload.contains("nonce")) return refused("nonce present");
  if (!optionalString(payload, "sub", out.sub) || !optionalString(payload, "sid", out.sid)) {
    return refused("sub or sid is not a string");
  }
  if (out.sub.empty() && out.sid.empty()) return refused("neither sub nor sid");
  const std::string* jti = json::string(payload, "jti");
  if (jti == nullptr || jti->empty()) return refused("no jti");
  out.jti = *jti;
  return out;
}

}  // namespace barrier
