#include "core/oidc/jwt.h"

#include "core/encoding.h"
#include "core/oidc/json_util.h"

namespace barrier {

namespace {

Result<nlohmann::json> decodePart(std::string_view part, const char* what) {
  std::string raw;
  if (!base64UrlDecode(part, raw))
    return Status::invalid(std::string("jwt: ") + what + " is not base64url");
  auto obj = json::parseObject(raw);
  if (!obj) return Status::invalid(std::string("jwt: ") + what + " is not a JSON object");
  return std::move(*obj);
}

Status checkAudience(const nlohmann::json& payload, const std::string& client_id) {
  std::vector<std::string> aud = json::strings(payload, "aud");
  bool listed = false, others = false;
  for (const auto& a : aud) {
    if (a == client_id) {
      listed = true;
    } else {
      others = true;
    }
  }
  if (!listed) return Status::unauthenticated("id token: aud does not name this client");
  // OIDC Core 3.1.3.7 item 3: a token that "contains additional audiences
  // not trusted by the Client" MUST be rejected, and barrier trusts no other
  // audience (a token meant for other parties too is not a sign-in to us,
  // whatever its azp says).
  if (others) return Status::unauthenticated("id token: aud names audiences besides this client");
  // Items 4-5: a present azp must be us.
  const std::string* azp = json::string(payload, "azp");
  if (azp != nullptr && *azp != client_id) {
    return Status::unauthenticated("id token: azp is another client");
  }
  return Status::ok();
}

// Times are compared as now ± skew, never as claim ± skew: a claim near the
// limits of int64 would overflow (now and skew are small).
Status checkTimes(const nlohmann::json& payload, int64_t now, int64_t skew) {
  auto exp = json::integer(payload, "exp");
  if (!exp) return Status::unauthenticated("id token: no exp");
  if (*exp <= now - skew) return Status::unauthenticated("id token: expired");
  auto iat = json::integer(payload, "iat");
  if (!iat) return Status::unauthenticated("id token: no iat");
  if (*iat > now + skew) return Status::unauthenticated("id token: issued in the future");
  if (auto nbf = json::integer(payload, "nbf"); nbf && *nbf > now + skew) {
    return Status::unauthenticated("id token: not yet valid");
  }
  return Status::ok();
}

// email_verified as true, or as the string "true" (Cognito wrote it so).
bool emailVerified(const nlohmann::json& claims) {
  auto it = claims.find("email_verified");
  if (it == claims.end()) return false;
  return (it->is_boolean() && it->get<bool>()) ||
         (it->is_string() && it->get<std::string>() == "true");
}

}  // namespace

Result<Jwt> parseJwt(std::string_view token) {
  if (token.empty() || token.size() > kMaxJwtBytes)
    return Status::invalid("jwt: empty or too long");
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return Status::invalid("jwt: not three parts");
  }
  Jwt jwt;
  auto header = decodePart(token.substr(0, a), "header");
  if (!header) return header.status();
  auto payload = decodePart(token.substr(a + 1, b - a - 1), "payload");
  if (!payload) return payload.status();
  if (!base64UrlDecode(token.substr(b + 1), jwt.signature)) {
    return Status::invalid("jwt: signature is not base64url");
  }
  jwt.header = std::move(*header);
  jwt.payload = std::move(*payload);
  jwt.signing_input = std::string(token.substr(0, b));
  if (const std::string* alg = json::string(jwt.header, "alg")) jwt.alg = *alg;
  if (const std::string* kid = json::string(jwt.header, "kid")) jwt.kid = *kid;
  return jwt;
}

Status checkIdTokenClaims(const nlohmann::json& payload, const IdTokenExpectations& expect) {
  const std::string* iss = json::string(payload, "iss");
  if (iss == nullptr || *iss != expect.issuer) {
    return Status::unauthenticated("id token: iss is not the provider");
  }
  if (Status s = checkAudience(payload, expect.client_id); !s) return s;
  if (Status s = checkTimes(payload, expect.now, expect.skew); !s) return s;
  const std::string* sub = json::string(payload, "sub");
  if (sub == nullptr || sub->empty()) return Status::unauthenticated("id token: no sub");
  // The nonce binds the token to this browser's login flow (replay of a
  // token obtained elsewhere fails here).
  const std::string* nonce = json::string(payload, "nonce");
  if (expect.nonce.empty() || nonce == nullptr || *nonce != expect.nonce) {
    return Status::unauthenticated("id token: nonce does not match the login flow");
  }
  if (expect.require_token_use_id) {
    const std::string* use = json::string(payload, "token_use");
    if (use == nullptr || *use != "id")
      return Status::unauthenticated("id token: token_use is not id");
  }
  return Status::ok();
}

Identity identityFromClaims(const nlohmann::json& claims, std::string_view groups_claim) {
  Identity id;
  if (const std::string* sub = json::string(claims, "sub")) id.sub = *sub;
  if (const std::string* sid = json::string(claims, "sid")) id.sid = *sid;
  for (const char* name : {"cognito:username", "preferred_username", "username"}) {
    if (const std::string* v = json::string(claims, name); v != nullptr && !v->empty()) {
      id.username = *v;
      break;
    }
  }
  if (id.username.empty()) id.username = id.sub;
  // Only an address the provider verified: with self sign-up, writable
  // attributes or a federated provider, `email` is whatever the user typed,
  // and an origin keying on X-Barrier-Email would take it for someone else.
  if (const std::string* email = json::string(claims, "email"); email && emailVerified(claims)) {
    id.email = *email;
  }
  id.groups = json::strings(claims, groups_claim);
  if (claims.is_object()) id.claims = claims;
  return id;
}

}  // namespace barrier
