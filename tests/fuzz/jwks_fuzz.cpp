// libFuzzer target: JSON Web Key Sets (RFC 7517) as the provider serves them.
// Invariants: never crashes; every kept key is an RSA key with a modulus and
// an exponent or a P-256 key with 32-byte coordinates; find() returns a key
// of the asked kid and type, and with no kid the only key of the type or
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
    if (x.kid != y.kid || x.type != y.type || x.n != y.n || x.e != y.e || x.x != y.x ||
        x.y != y.y) {
      return false;
    }
  }
  return true;
}

nlohmann::json toDocument(const barrier::Jwks& jwks) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : jwks.keys) {
    nlohmann::json key = k.type == barrier::JwkType::kRsa
                             ? nlohmann::json{{"kty", "RSA"},
                                              {"use", "sig"},
                                              {"alg", "RS256"},
                                              {"n", barrier::base64UrlEncode(k.n)},
                                              {"e", barrier::base64UrlEncode(k.e)}}
                             : nlohmann::json{{"kty", "EC"},
                                              {"crv", "P-256"},
                                              {"alg", "ES256"},
                                              {"x", barrier::base64UrlEncode(k.x)},
                                              {"y", barrier::base64UrlEncode(k.y)}};
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
  for (barrier::JwkType type : {barrier::JwkType::kRsa, barrier::JwkType::kEcP256}) {
    size_t of_type = 0;
    for (const auto& key : jwks->keys) of_type += key.type == type ? 1 : 0;
    const barrier::Jwk* only = jwks->find("", type);
    if ((only != nullptr) != (of_type == 1) || (only != nullptr && only->type != type))
      std::abort();
  }
  for (const auto& key : jwks->keys) {
    bool shape = key.type == barrier::JwkType::kRsa ? !key.n.empty() && !key.e.empty()
                                                    : key.x.size() == 32 && key.y.size() == 32;
    if (!shape) std::abort();
    if (key.kid.empty()) continue;
    const barrier::Jwk* found = jwks->find(key.kid, key.type);
    if (found == nullptr || found->kid != key.kid || found->type != key.type) std::abort();
  }
  // The kid came from parsed JSON, so it is valid UTF-8 and dump() cannot throw.
  std::string again = toDocument(*jwks).dump();
  auto reparsed = barrier::parseJwks(again);
  if (!reparsed.isOk() || !sameKeys(*jwks, *reparsed)) std::abort();
  return 0;
}
