// libFuzzer target: compact JWS parsing (the ID token from the token
// endpoint) and the ID-token claim checks that read its payload.
// Invariants: never crashes; a parsed token has object header and payload,
// its signing input is the token up to the last '.', and its alg/kid are the
// header's own strings; the claim checks accept only a payload that names
// the expected issuer, client and nonce.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/oidc/json_util.h"
#include "core/oidc/jwt.h"

namespace {

void checkParsed(const barrier::Jwt& jwt, std::string_view token) {
  if (!jwt.header.is_object() || !jwt.payload.is_object()) std::abort();
  size_t last_dot = token.rfind('.');
  if (jwt.signing_input != token.substr(0, last_dot)) std::abort();
  // The signature part re-encodes to what was received (base64url without
  // padding has one encoding per byte string).
  std::string_view signature = token.substr(last_dot + 1);
  while (!signature.empty() && signature.back() == '=') signature.remove_suffix(1);
  if (barrier::base64UrlEncode(jwt.signature) != signature) std::abort();
  const std::string* alg = barrier::json::string(jwt.header, "alg");
  if (jwt.alg != (alg ? *alg : "")) std::abort();
  const std::string* kid = barrier::json::string(jwt.header, "kid");
  if (jwt.kid != (kid ? *kid : "")) std::abort();
}

void checkClaims(const nlohmann::json& payload) {
  barrier::IdTokenExpectations expect;
  expect.issuer = "https://idp.example";
  expect.client_id = "barrier";
  expect.nonce = "n-0S6_WzA2Mj";
  expect.now = 1700000000;
  expect.require_token_use_id = true;
  if (barrier::checkIdTokenClaims(payload, expect).isOk()) {
    // Accepted: the claims that bind the token to us must be there.
    const std::string* iss = barrier::json::string(payload, "iss");
    const std::string* nonce = barrier::json::string(payload, "nonce");
    const std::string* sub = barrier::json::string(payload, "sub");
    if (!iss || *iss != expect.issuer || !nonce || *nonce != expect.nonce) std::abort();
    if (!sub || sub->empty()) std::abort();
    barrier::Identity who = barrier::identityFromClaims(payload, "cognito:groups");
    if (who.sub != *sub || who.username.empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jwt = barrier::parseJwt(token);
  if (jwt.isOk()) {
    checkParsed(*jwt, token);
    checkClaims(jwt->payload);
  }
  // The payload part alone, as claims (reaches the checks without base64).
  if (auto claims = barrier::json::parseObject(token)) checkClaims(*claims);
  return 0;
}
