#include "core/access/bearer.h"

#include <algorithm>

#include "core/access/claims.h"
#include "core/oidc/json_util.h"

namespace barrier {

namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// aud naming one of our audiences, or Cognito's access token shape.
Status checkAudience(const nlohmann::json& payload, const BearerExpectations& expect) {
  for (const auto& aud : json::strings(payload, "aud")) {
    if (listed(expect.audiences, aud)) return Status::ok();
  }
  const std::string* client = json::string(payload, "client_id");
  const std::string* use = json::string(payload, "token_use");
  if (client != nullptr && use != nullptr && *use == "access" &&
      listed(expect.client_ids, *client)) {
    return Status::ok();
  }
  return Status::unauthenticated("bearer token: aud (or client_id) is not this API's");
}

// Times are compared as now ± skew, never as claim ± skew (no overflow).
Status checkTimes(const nlohmann::json& payload, int64_t now, int64_t skew) {
  auto exp = json::integer(payload, "exp");
  if (!exp) return Status::unauthenticated("bearer token: no exp");
  if (*exp <= now - skew) return Status::unauthenticated("bearer token: expired");
  if (auto nbf = json::integer(payload, "nbf"); nbf && *nbf > now + skew) {
    return Status::unauthenticated("bearer token: not yet valid");
  }
  if (auto iat = json::integer(payload, "iat"); iat && *iat > now + skew) {
    return Status::unauthenticated("bearer token: issued in the future");
  }
  return Status::ok();
}

}  // namespace

std::optional<std::string_view> bearerToken(const Request& request) {
  const std::string* value = request.headers.find("Authorization");
  if (value == nullptr || value->size() <= 7 ||
      !equalsIgnoreCase(std::string_view(*value).substr(0, 7), "bearer ")) {
    return std::nullopt;
  }
  std::string_view token = std::string_view(*value).substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Status checkBearerClaims(const nlohmann::json& payload, const BearerExpectations& expect) {
  const std::string* iss = json::string(payload, "iss");
  if (iss == nullptr || *iss != expect.issuer) {
    return Status::unauthenticated("bearer token: iss is not the provider");
  }
  // An ID token says who signed in to a client; it is not a grant to call
  // an API, even when its aud (the client id) is listed.
  const std::string* use = json::string(payload, "token_use");
  if (use != nullptr && *use != "access") {
    return Status::unauthenticated("bearer token: token_use is not access");
  }
  if (Status s = checkAudience(payload, expect); !s) return s;
  return checkTimes(payload, expect.now, expect.skew);
}

BearerVerifier::BearerVerifier(const ValidConfig& config, HttpClient& http, Clock& clock,
                               Crypto& crypto)
    : config_(config),
      clock_(clock),
      directory_(config.provider, http, clock),
      jwks_(http, clock, crypto, config.provider.timeout_ms),
      claim_names_(namedClaims(config)) {}

Result<SessionRecord> bearerRecord(const Jwt& jwt, const BearerExpectations& expect,
                                   std::string_view groups_claim,
                                   const std::vector<std::string>& claim_names) {
  if (Status s = checkBearerClaims(jwt.payload, expect); !s) return s;
  Identity identity = identityFromClaims(jwt.payload, groups_claim);
  SessionRecord record;
  record.kind = RecordKind::kSession;
  record.valid_until = json::integer(jwt.payload, "exp").value_or(0);
  // Client-credentials tokens may name no user: the client is the subject.
  if (identity.sub.empty()) {
    if (const std::string* client = json::string(jwt.payload, "client_id")) identity.sub = *client;
  }
  record.sub = identity.sub;
  record.username = identity.username.empty() ? identity.sub : identity.username;
  record.email = identity.email;
  record.groups = identity.groups;
  record.claims = keepClaims(jwt.payload, claim_names);
  return record;
}

Result<SessionRecord> BearerVerifier::verify(std::string_view token) {
  auto jwt = parseJwt(token);
  if (!jwt) return Status::unauthenticated(jwt.status().message());
  auto endpoints = directory_.endpoints();
  if (!endpoints) {
    Code code = endpoints.status().code() == Code::kTimeout ? Code::kTimeout : Code::kUnavailable;
    return Status(code, endpoints.status().message());
  }
  if (Status s = jwks_.verify(endpoints->jwks_uri, *jwt); !s) return s;
  BearerExpectations expect{endpoints->issuer, config_.api.audiences, config_.api.client_ids,
                            clock_.now()};
  return bearerRecord(*jwt, expect, config_.provider.groups_claim, claim_names_);
}

}  // namespace barrier
