// API clients with bearer tokens (`api.bearer`): a request carrying
// `Authorization: Bearer <JWT>` and no session cookie is decided from the
// token instead of a session. The token must be signed by the provider
// (its JWKS; RS256 or ES256, as for ID tokens: "none", HS* and unknown
// algorithms are refused before any key is consulted), carry the
// provider's `iss`, an `aud` listed in api.audiences (or, for Cognito
// access tokens, a `client_id` in api.client_ids with `token_use: access`),
// and be within exp/nbf/iat ± 60 s. Its claims become a SessionRecord
// (no key: it is not stored), so rules and identity headers apply to it
// as to a session.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/config/config.h"
#include "core/http/message.h"
#include "core/oidc/jwks.h"
#include "core/oidc/provider.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/session/record.h"
#include "core/status.h"

namespace barrier {

// The token of an `Authorization: Bearer <token>` header (scheme in any
// case), or nullopt.
std::optional<std::string_view> bearerToken(const Request& request);

struct BearerExpectations {
  std::string issuer;
  std::vector<std::string> audiences;
  std::vector<std::string> client_ids;
  int64_t now = 0;
  int64_t skew = 60;
};

// The claim checks above (not the signature). kUnauthenticated naming the
// failed check.
Status checkBearerClaims(const nlohmann::json& payload, const BearerExpectations& expect);

// The record of `jwt`, a token whose signature has been verified
// (verifyJwtSignature), when its claims pass checkBearerClaims; its claims
// become the record's as a session's would (`groups_claim`, and the claims
// in `claim_names` kept). Every verifier below ends here.
Result<SessionRecord> bearerRecord(const Jwt& jwt, const BearerExpectations& expect,
                                   std::string_view groups_claim,
                                   const std::vector<std::string>& claim_names);

// What the Checker asks of a bearer token: the record to decide on, or
// kUnauthenticated / kInvalidArgument (refused: 401), or kUnavailable /
// kTimeout (no keys to check it with: 503).
class BearerTokenCheck {
 public:
  virtual ~BearerTokenCheck() = default;
  virtual Result<SessionRecord> verify(std::string_view token) = 0;
};

// Verifies bearer tokens against the provider; owns its discovery and JWKS
// caches, and fetches through `http` (`barrier serve`). The edge module,
// which cannot fetch, uses OfflineBearerVerifier (bearer_offline.h).
// Thread-safe; the ports must outlive it.
class BearerVerifier : public BearerTokenCheck {
 public:
  BearerVerifier(const ValidConfig& config, HttpClient& http, Clock& clock, Crypto& crypto);

  // The token's record; kUnauthenticated (or kInvalidArgument) for a token
  // that is refused, kUnavailable / kTimeout when the provider's keys
  // cannot be had (the caller answers 503, not "bad token").
  Result<SessionRecord> verify(std::string_view token) override;

 private:
  const ValidConfig& config_;
  Clock& clock_;
  ProviderDirectory directory_;
  JwksCache jwks_;
  std::vector<std::string> claim_names_;
};

}  // namespace barrier
