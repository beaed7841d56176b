// Test-only RSA keys and JWT minting, for crafting ID tokens the provider
// would never issue (wrong key, alg none, wrong claims). Header-only so both
// the unit tests (src/**/_test.cpp) and the integration tests can use it.
// Uses OpenSSL directly; never include from src/.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/encoding.h"

namespace barrier::testing {

class TestRsaKey {
 public:
  explicit TestRsaKey(std::string kid) : kid_(std::move(kid)), key_(EVP_RSA_gen(2048)) {}
  ~TestRsaKey() { EVP_PKEY_free(key_); }
  TestRsaKey(const TestRsaKey&) = delete;
  TestRsaKey& operator=(const TestRsaKey&) = delete;

  const std::string& kid() const { return kid_; }

  // The public key as a JWK object (kty, kid, use, alg, n, e).
  nlohmann::json jwk() const {
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", "RS256"},
            {"n", base64UrlEncode(bigParam(OSSL_PKEY_PARAM_RSA_N))},
            {"e", base64UrlEncode(bigParam(OSSL_PKEY_PARAM_RSA_E))}};
  }

  // A compact JWS of `payload` with `header` (alg/kid as given) signed RS256.
  std::string sign(const nlohmann::json& header, const nlohmann::json& payload) const {
    std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump());
    std::string sig(512, '\0');
    size_t len = sig.size();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return input + "." + base64UrlEncode(sig);
  }

  // The usual header: {"alg":"RS256","kid":<kid>,"typ":"JWT"}.
  std::string signRs256(const nlohmann::json& payload) const {
    return sign({{"alg", "RS256"}, {"kid", kid_}, {"typ", "JWT"}}, payload);
  }

 private:
  std::string bigParam(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }

  std::string kid_;
  EVP_PKEY* key_;
};

// {"keys":[...]} of the given keys.
inline std::string jwksOf(std::initializer_list<const TestRsaKey*> keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto* k : keys) list.push_back(k->jwk());
  return nlohmann::json{{"keys", list}}.dump();
}

// An unsigned token ("alg":"none", empty signature).
inline std::string unsignedToken(const nlohmann::json& payload) {
  return base64UrlEncode(nlohmann::json{{"alg", "none"}, {"typ", "JWT"}}.dump()) + "." +
         base64UrlEncode(payload.dump()) + ".";
}

}  // namespace barrier::testing
