// libFuzzer target: JSON Web Key Sets (RFC 7517) as the provider serves them.
// Invariants: never crashes; every kept key has a modulus and an exponent;
// find() returns a key of the asked kid, and with no kid the only key or
// nothing; the model written back as a JWKS parses to the same keys.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/encoding.h"
#include "core/oidc/jwks.h"

namespace {

bool sameKeys(const barrier::Jwks& a, const barrier::Jwks& b) {
  if (a.keys.size() != b.keys.size()) return false;
  for (size_t i = 0; i < a.keys.size(); ++i) {
    const auto& x = a.keys[i];
    const auto& y = b.keys[i];
    if (x.kid != y.kid || x.n != y.n || x.e != y.e) return false;
  }
  return true;
}

nlohmann::json toDocument(const barrier::Jwks& jwks) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : jwks.keys) {
    nlohmann::json key = {{"kty", "RSA"},
                          {"use", "sig"},
                          {"alg", "RS256"},
                          {"n", barrier::base64UrlEncode(k.n)},
                          {"e", barrier::base64UrlEncode(k.e)}};
    if (!k.kid.empty()) key["kid"] = k.kid;
    keys.push_back(std::move(key));
  }
  return {{"keys", std::move(keys)}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto jwks = barrier::parseJwks(text);
  if (!jwks.isOk()) return 0;
  const barrier::Jwk* only = jwks->find("");
  if ((only != nullptr) != (jwks->keys.size() == 1)) std::abort();
  for (const auto& key : jwks->keys) {
    if (key.kid.empty()) continue;
    const barrier::Jwk* found = jwks->find(key.kid);
    if (found == nullptr || found->kid != key.kid) std::abort();
  }
  // The kid came from parsed JSON, so it is valid UTF-8 and dump() cannot throw.
  std::string again = toDocument(*jwks).dump();
  auto reparsed = barrier::parseJwks(again);
  if (!reparsed.isOk() || !sameKeys(*jwks, *reparsed)) std::abort();
  return 0;
}
