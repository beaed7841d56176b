// Crypto: hashing, MACs and signature checks, supplied by the host
// (OpenSSL natively, node:crypto at the edge). The core never implements
// cryptographic primitives itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace barrier {

using Digest = std::array<uint8_t, 32>;

class Crypto {
 public:
  virtual ~Crypto() = default;
  virtual Digest sha256(std::string_view data) = 0;
  virtual Digest hmacSha256(std::string_view key, std::string_view data) = 0;
  // RSASSA-PKCS1-v1_5 with SHA-256 (JWS "RS256"). `modulus` and `exponent`
  // are the raw big-endian bytes of the public key (JWK n/e, base64url
  // decoded). Returns false on any failure, including malformed keys.
  virtual bool verifyRs256(std::string_view modulus, std::string_view exponent,
                           std::string_view signing_input, std::string_view signature) = 0;
  // ECDSA on P-256 with SHA-256 (JWS "ES256"). `x` and `y` are the raw
  // 32-byte coordinates of the public point (JWK x/y, base64url decoded);
  // `signature` is JOSE's raw form, r || s, 32 bytes each (RFC 7518 §3.4),
  // not DER. Returns false on any failure, including a point that is not on
  // the curve and a signature of another length.
  virtual bool verifyEs256(std::string_view x, std::string_view y, std::string_view signing_input,
                           std::string_view signature) = 0;
};

class ForwardingCrypto : public Crypto {
 public:
  explicit ForwardingCrypto(Crypto& inner) : inner_(inner) {}
  Digest sha256(std::string_view data) override { return inner_.sha256(data); }
  Digest hmacSha256(std::string_view key, std::string_view data) override {
    return inner_.hmacSha256(key, data);
  }
  bool verifyRs256(std::string_view modulus, std::string_view exponent,
                   std::string_view signing_input, std::string_view signature) override {
    return inner_.verifyRs256(modulus, exponent, signing_input, signature);
  }
  bool verifyEs256(std::string_view x, std::string_view y, std::string_view signing_input,
                   std::string_view signature) override {
    return inner_.verifyEs256(x, y, signing_input, signature);
  }

 private:
  Crypto& inner_;
};

// Compares two byte strings in time that depends only on their lengths.
// Use for every comparison of a secret, MAC or token.
bool constantTimeEqual(std::string_view a, std::string_view b);

// The digest as a byte string.
inline std::string digestBytes(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace barrier
