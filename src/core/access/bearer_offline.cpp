#include "core/access/bearer_offline.h"

#include <cstdint>

#include "core/access/claims.h"
#include "core/oidc/provider.h"

namespace barrier {

OfflineBearerVerifier::OfflineBearerVerifier(const ValidConfig& config, Clock& clock,
                                             Crypto& crypto)
    : config_(config),
      clock_(clock),
      crypto_(crypto),
      claim_names_(namedClaims(config)),
      issuer_(config.provider.issuer),
      jwks_uri_(config.provider.jwks_uri),
      // Far enough back that the first attempt is never "too soon", near
      // enough that now - tried_at_ cannot overflow.
      tried_at_(INT64_MIN / 2) {}

std::string OfflineBearerVerifier::fetchFor(std::string_view token) {
  const int64_t now = clock_.now();
  if (token.empty()) return keys_ ? "" : startFetch(now);
  auto jwt = parseJwt(token);
  if (!jwt) return "";
  std::optional<JwkType> type = jwkTypeForAlg(jwt->alg);
  if (!type) return "";  // refused whatever the keys
  bool knows_kid = keys_ && keys_->find(jwt->kid, *type) != nullptr;
  switch (JwksSchedule::next(keys_ != nullptr, knows_kid, now, tried_at_, fetched_at_)) {
    case JwksSchedule::Action::kFetch:
    case JwksSchedule::Action::kRefresh:
      return startFetch(now);
    case JwksSchedule::Action::kWait:
    case JwksSchedule::Action::kUse:
      return "";
  }
  return "";
}

std::string OfflineBearerVerifier::startFetch(int64_t now) {
  tried_at_ = now;
  if (jwks_uri_.empty()) {
    pending_ = Pending::kDiscovery;
    return discoveryUrl(config_.provider);
  }
  pending_ = Pending::kJwks;
  return jwks_uri_;
}

void OfflineBearerVerifier::failed(std::string why) {
  pending_ = Pending::kNone;
  last_error_ = std::move(why);
}

std::string OfflineBearerVerifier::accept(int status, std::string_view body) {
  Pending was = pending_;
  if (was == Pending::kNone) return "";
  const char* what = was == Pending::kDiscovery ? "discovery" : "jwks";
  if (status != 200) {
    failed(std::string(what) +
           (status == 0 ? ": no answer" : " answered HTTP " + std::to_string(status)));
    return "";
  }
  if (was == Pending::kDiscovery) {
    auto endpoints = endpointsFromDiscovery(config_.provider, body);
    if (!endpoints) {
      failed(endpoints.status().message());
      return "";
    }
    issuer_ = endpoints->issuer;
    jwks_uri_ = endpoints->jwks_uri;
    pending_ = Pending::kJwks;
    return jwks_uri_;
  }
  auto parsed = parseJwks(body);
  if (!parsed) {
    failed(parsed.status().message());
    return "";
  }
  keys_ = std::make_unique<const Jwks>(std::move(*parsed));
  fetched_at_ = clock_.now();
  pending_ = Pending::kNone;
  last_error_.clear();
  return "";
}

Result<SessionRecord> OfflineBearerVerifier::verify(std::string_view token) {
  auto jwt = parseJwt(token);
  if (!jwt) return Status::unauthenticated(jwt.status().message());
  // A token of a refused algorithm is refused even without keys.
  if (!jwkTypeForAlg(jwt->alg)) return Status::unauthenticated("jwt: alg " + jwt->alg + " refused");
  if (!keys_) return Status::unavailable("bearer token: the provider's keys: " + last_error_);
  if (Status s = verifyJwtSignature(*jwt, *keys_, crypto_); !s) {
    return Status::unauthenticated(s.message());
  }
  BearerExpectations expect{issuer_, config_.api.audiences, config_.api.client_ids, clock_.now()};
  return bearerRecord(*jwt, expect, config_.provider.groups_claim, claim_names_);
}

}  // namespace barrier
