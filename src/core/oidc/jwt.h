// JSON Web Tokens (compact JWS) and the ID-token checks of OIDC Core §3.1.3.7.
//
// Only RS256 and ES256 are accepted, each with a key of its own type
// (verifyJwtSignature, core/oidc/jwks.h). "none", HMAC algorithms (which
// would let anyone who knows the client secret — or a public key — mint
// tokens) and anything unknown are refused before a key is even looked at.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace barrier {

struct Jwt {
  nlohmann::json header;      // an object
  nlohmann::json payload;     // an object
  std::string signing_input;  // "<header b64>.<payload b64>" as received
  std::string signature;      // raw bytes
  std::string alg;
  std::string kid;  // "" when absent
};

// Longest token accepted (ID tokens are a few KB).
constexpr size_t kMaxJwtBytes = 16 * 1024;

// Splits and decodes a compact JWS. kInvalidArgument when it is not three
// base64url parts with JSON-object header and payload.
Result<Jwt> parseJwt(std::string_view token);

struct IdTokenExpectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  int64_t now = 0;
  int64_t skew = 60;                  // seconds of clock difference tolerated
  bool require_token_use_id = false;  // Cognito puts token_use: "id"
};

// iss, aud (a string, or an array naming the client and no other
// audience), azp (the client when present), exp, iat, nonce and token_use.
// kUnauthenticated naming the failed check. Does not check the signature
// (see JwksCache::verify).
Status checkIdTokenClaims(const nlohmann::json& payload, const IdTokenExpectations& expect);

// Who logged in, from ID-token (and optionally userinfo) claims.
struct Identity {
  std::string sub;
  std::string sid;  // the provider's session, when the ID token names one
  std::string username;
  std::string email;
  std::vector<std::string> groups;
  // Every claim as the provider gave it (ID token, then userinfo's others):
  // the callback keeps those the access configuration names.
  nlohmann::json claims = nlohmann::json::object();
};

// username: cognito:username, preferred_username, username, else sub.
// email: only with email_verified true (else "").
// groups: `groups_claim` as an array of strings or one string.
Identity identityFromClaims(const nlohmann::json& claims, std::string_view groups_claim);

}  // namespace barrier
