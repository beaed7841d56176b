// Test-only RSA and EC keys and JWT minting, for crafting ID tokens the provider
// would never issue (wrong key, alg none, wrong claims). Header-only so both
// the unit tests (src/**/_test.cpp) and the integration tests can use it.
// Uses OpenSSL directly; never include from src/.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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

  // The public key as anyone can rebuild it from the provider's JWKS, in
  // the DER encodings libraries key HMACs with by mistake:
  // SubjectPublicKeyInfo ("PUBLIC KEY") and PKCS#1 ("RSA PUBLIC KEY").
  std::string publicKeySpkiDer() const { return der(i2d_PUBKEY); }
  std::string publicKeyPkcs1Der() const { return der(i2d_PublicKey); }

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

  template <typename Encode>
  std::string der(Encode encode) const {
    int len = encode(key_, nullptr);
    if (len <= 0) return "";
    std::string out(static_cast<size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    encode(key_, &p);
    return out;
  }

  std::string kid_;
  EVP_PKEY* key_;
};

// A test-only EC key (P-256 for ES256; another curve for the "wrong curve"
// cases), signing as JOSE does: raw r || s, not DER (RFC 7518 §3.4).
class TestEcKey {
 public:
  // `curve` is an OpenSSL group name: "P-256", "P-384".
  explicit TestEcKey(std::string kid, const char* curve = "P-256")
      : kid_(std::move(kid)), curve_(curve), key_(EVP_EC_gen(curve)) {}
  ~TestEcKey() { EVP_PKEY_free(key_); }
  TestEcKey(const TestEcKey&) = delete;
  TestEcKey& operator=(const TestEcKey&) = delete;

  const std::string& kid() const { return kid_; }
  // Bytes of one coordinate and of r and s: 32 for P-256, 48 for P-384.
  size_t size() const { return curve_ == "P-256" ? 32 : 48; }

  // The public key as a JWK object (kty EC, crv, kid, use, alg, x, y).
  nlohmann::json jwk() const {
    return {{"kty", "EC"},
            {"crv", curve_},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", curve_ == "P-256" ? "ES256" : "ES384"},
            {"x", base64UrlEncode(coordinate(OSSL_PKEY_PARAM_EC_PUB_X))},
            {"y", base64UrlEncode(coordinate(OSSL_PKEY_PARAM_EC_PUB_Y))}};
  }

  // The raw r || s signature of `input` (ECDSA with SHA-256).
  std::string rawSignature(const std::string& input) const {
    std::string der(256, '\0');
    size_t len = der.size();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    std::string raw(2 * size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, static_cast<int>(size()));
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + size(), static_cast<int>(size()));
    ECDSA_SIG_free(sig);
    return raw;
  }

  // A compact JWS of `payload` with `header` (alg/kid as given).
  std::string sign(const nlohmann::json& header, const nlohmann::json& payload) const {
    std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump());
    return input + "." + base64UrlEncode(rawSignature(input));
  }

  // The usual header: {"alg":"ES256","kid":<kid>,"typ":"JWT"}.
  std::string signEs256(const nlohmann::json& payload) const {
    return sign({{"alg", "ES256"}, {"kid", kid_}, {"typ", "JWT"}}, payload);
  }

 private:
  std::string coordinate(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &bn);
    std::string out(size(), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size()));
    BN_free(bn);
    return out;
  }

  std::string kid_;
  std::string curve_;
  EVP_PKEY* key_;
};

// {"keys":[...]} of the given JWK objects.
inline std::string jwksOfJwks(std::initializer_list<nlohmann::json> jwks) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& jwk : jwks) list.push_back(jwk);
  return nlohmann::json{{"keys", list}}.dump();
}

// `der` as PEM text under `label` ("PUBLIC KEY", "RSA PUBLIC KEY"): base64
// in lines of 64 characters, each line and the footer ending in "\n".
inline std::string pemOf(const std::string& label, const std::string& der) {
  std::string b64 = base64Encode(der);
  std::string out = "-----BEGIN " + label + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + label + "-----\n";
}

// A compact JWS of `payload` with `header` whose signature is
// HMAC-SHA256 keyed with `key`: with the provider's public key as the key,
// the algorithm-confusion forgery (a verifier that takes "alg" from the
// token and feeds its RSA key to HMAC accepts it).
inline std::string hmacSignedToken(const nlohmann::json& header, const nlohmann::json& payload,
                                   const std::string& key) {
  std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

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
