#include "adapters/system.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/mutex.h"

namespace barrier {

namespace {

class SystemClock : public Clock {
 public:
  int64_t nowMillis() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class OsRandom : public Random {
 public:
  void fill(uint8_t* data, size_t size) override {
    if (RAND_bytes(data, static_cast<int>(size)) != 1) {
      std::fputs("barrier: the OS random source failed; refusing to continue\n", stderr);
      std::abort();
    }
  }
};

class OpenSslCrypto : public Crypto {
 public:
  Digest sha256(std::string_view data) override {
    Digest out{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
    return out;
  }

  Digest hmacSha256(std::string_view key, std::string_view data) override {
    Digest out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
    return out;
  }

  bool verifyRs256(std::string_view modulus, std::string_view exponent,
                   std::string_view signing_input, std::string_view signature) override {
    return verifySha256(makeRsaKey(modulus, exponent), signing_input, signature);
  }

  bool verifyEs256(std::string_view x, std::string_view y, std::string_view signing_input,
                   std::string_view signature) override {
    if (x.size() != kP256Bytes || y.size() != kP256Bytes || signature.size() != 2 * kP256Bytes) {
      return false;
    }
    std::string der = ecdsaDerSignature(signature);
    if (der.empty()) return false;
    return verifySha256(makeP256Key(x, y), signing_input, der);
  }

 private:
  static constexpr size_t kP256Bytes = 32;

  // Verifies `signature` over SHA-256 of `input` with `key` (taken: freed
  // here; nullptr is a refusal).
  static bool verifySha256(EVP_PKEY* key, std::string_view input, std::string_view signature) {
    if (key == nullptr) return false;
    bool ok = false;
    if (EVP_MD_CTX* ctx = EVP_MD_CTX_new()) {
      ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                            input.size()) == 1;
      EVP_MD_CTX_free(ctx);
    }
    EVP_PKEY_free(key);
    return ok;
  }

  // JOSE's r || s (32 bytes each) as the DER ECDSA-Sig-Value OpenSSL
  // verifies; "" when it cannot be built.
  static std::string ecdsaDerSignature(std::string_view raw) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    BIGNUM* r = BN_bin2bn(bytes, kP256Bytes, nullptr);
    BIGNUM* s = BN_bin2bn(bytes + kP256Bytes, kP256Bytes, nullptr);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    std::string der;
    if (r != nullptr && s != nullptr && sig != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
      r = s = nullptr;  // owned by sig now
      int len = i2d_ECDSA_SIG(sig, nullptr);
      if (len > 0) {
        der.resize(static_cast<size_t>(len));
        auto* out = reinterpret_cast<unsigned char*>(der.data());
        if (i2d_ECDSA_SIG(sig, &out) != len) der.clear();
      }
    }
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return der;
  }

  // P-256 public key from raw coordinates; nullptr when the point is not on
  // the curve (OpenSSL checks it on import).
  static EVP_PKEY* makeP256Key(std::string_view x, std::string_view y) {
    std::string point = "\x04";  // uncompressed: 0x04 || x || y (SEC 1 §2.3.3)
    point.append(x).append(y);
    EVP_PKEY* key = nullptr;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) == 1) {
      key = keyFromParams("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    return key;
  }

  // A public key of `type` from the parameters in `bld`; nullptr on failure.
  static EVP_PKEY* keyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
    EVP_PKEY* key = nullptr;
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
      if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return key;
  }

  // RSA public key from raw big-endian n and e; nullptr when malformed or
  // weaker than 2048 bits.
  static EVP_PKEY* makeRsaKey(std::string_view modulus, std::string_view exponent) {
    if (modulus.empty() || exponent.empty() || modulus.size() > 1024 || exponent.size() > 16)
      return nullptr;
    BIGNUM* n = BN_bin2bn(reinterpret_cast<const unsigned char*>(modulus.data()),
                          static_cast<int>(modulus.size()), nullptr);
    BIGNUM* e = BN_bin2bn(reinterpret_cast<const unsigned char*>(exponent.data()),
                          static_cast<int>(exponent.size()), nullptr);
    EVP_PKEY* key = nullptr;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    if (n && e && bld && BN_num_bits(n) >= 2048 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1) {
      key = keyFromParams("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return key;
  }
};

class StderrLog : public Log {
 public:
  explicit StderrLog(LogLevel min) : min_(min) {}
  bool enabled(LogLevel level) const override { return level >= min_; }
  void write(LogLevel level, std::string_view event, const LogFields& fields) override {
    if (!enabled(level)) return;
    nlohmann::json line;
    using namespace std::chrono;
    line["time"] =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() / 1000.0;
    line["level"] = logLevelName(level);
    line["event"] = std::string(event);
    for (const auto& [k, v] : fields) line[k] = v;
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    MutexLock lock(mu_);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }

 private:
  LogLevel min_;
  Mutex mu_;  // keeps each line whole on stderr (the guarded resource is not a member)
};

}  // namespace

std::unique_ptr<Clock> makeSystemClock() { return std::make_unique<SystemClock>(); }
std::unique_ptr<Random> makeOsRandom() { return std::make_unique<OsRandom>(); }
std::unique_ptr<Crypto> makeOpenSslCrypto() { return std::make_unique<OpenSslCrypto>(); }
std::unique_ptr<Log> makeStderrLog(LogLevel min_level) {
  return std::make_unique<StderrLog>(min_level);
}

}  // namespace barrier
