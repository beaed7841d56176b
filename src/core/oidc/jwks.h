// JSON Web Key Sets (RFC 7517): the provider's signing keys (RSA and
// P-256), the one signature check every JWT goes through, and a cache that
// fetches the keys for it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/oidc/jwt.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

// The key types a signature may be checked with, one per accepted JWS
// algorithm: RS256 needs an RSA key, ES256 a P-256 key.
enum class JwkType { kRsa, kEcP256 };

// The key type `alg` needs: RS256 -> kRsa, ES256 -> kEcP256; nullopt for
// every other algorithm ("none", HS*, RS512, ...), which is refused. The
// one place that maps a token's alg to a way of checking it.
std::optional<JwkType> jwkTypeForAlg(std::string_view alg);

// One signing key, its public numbers base64url decoded.
struct Jwk {
  std::string kid;
  JwkType type = JwkType::kRsa;
  std::string n;  // kRsa: big-endian modulus
  std::string e;  // kRsa: big-endian exponent
  std::string x;  // kEcP256: the point's coordinates, 32 bytes each
  std::string y;
};

struct Jwks {
  std::vector<Jwk> keys;
  // The key of `type` named `kid`; with an empty kid, the only key of that
  // type (nullptr when there are several: guessing would be unsafe).
  const Jwk* find(std::string_view kid, JwkType type) const;
  // Whether some key, of any type, is named `kid` (never an empty kid).
  bool names(std::string_view kid) const;
};

// Keeps the keys usable for signatures (use absent or "sig"): kty RSA with
// n and e (alg absent or RS256), and kty EC with crv P-256 and 32-byte x
// and y (alg absent or ES256); skips others (other curves, sizes,
// algorithms). kInvalidArgument when the document is not a JWKS at all.
Result<Jwks> parseJwks(std::string_view json_text);

// Checks a token's signature against `jwks`, the algorithm being the
// token's alg only when it is RS256 or ES256 and the key named by its kid
// is of that algorithm's type (jwkTypeForAlg): an RSA key never checks an
// ES256 signature, nor a P-256 key an RS256 one. ID tokens, logout tokens
// and bearer tokens (natively and at the edge) are all checked here.
// kUnauthenticated for any refusal (alg refused, key of another type, bad
// signature); kNotFound when no key has its kid.
Status verifyJwtSignature(const Jwt& jwt, const Jwks& jwks, Crypto& crypto);

// When a key set is fetched (JwksCache; the edge checker's keys, which its
// host fetches): the decision alone, so both follow one schedule.
struct JwksSchedule {
  static constexpr int64_t kRefetchSeconds = 60;
  static constexpr int64_t kUnloadedRetrySeconds = 5;
  static constexpr int64_t kMaxAgeSeconds = 3600;

  enum class Action {
    kUse,      // verify with the set in hand
    kWait,     // no set, and the last attempt failed under kUnloadedRetrySeconds ago
    kFetch,    // fetch; a failure refuses the token (no set, or its kid is unknown)
    kRefresh,  // fetch; a failure keeps the set in hand (it is kMaxAgeSeconds old)
  };
  // `loaded`: a set is in hand; `knows_kid`: it names the token's kid;
  // `tried_at`, `fetched_at`: the last attempt and the last success.
  static Action next(bool loaded, bool knows_kid, int64_t now, int64_t tried_at,
                     int64_t fetched_at);
};

// The provider's key set, fetched on first use and refetched when a token
// names an unknown kid (key rotation) — at most once per kRefetchSeconds, so
// tokens with made-up kids cannot make us hammer the provider — and when it
// is older than kMaxAgeSeconds, so a key the provider withdrew stops being
// trusted (a failed refresh keeps the set in hand: logins go on through a
// provider's JWKS outage; it is tried again kRefetchSeconds later). Before
// any set has loaded, a failed fetch is not repeated for
// kUnloadedRetrySeconds (verify answers kUnavailable meanwhile: sign-ins
// cannot work without keys, so the wait is short, but each attempt blocks
// every callback under the lock); a changed jwks_uri is fetched at once.
// Thread-safe.
class JwksCache {
 public:
  JwksCache(HttpClient& http, Clock& clock, Crypto& crypto, int timeout_ms);

  // ok, kUnauthenticated (refused), or kUnavailable/kTimeout (keys could not
  // be fetched: the caller answers 5xx, not "bad token").
  Status verify(const std::string& jwks_uri, const Jwt& jwt);

  static constexpr int64_t kRefetchSeconds = JwksSchedule::kRefetchSeconds;
  static constexpr int64_t kUnloadedRetrySeconds = JwksSchedule::kUnloadedRetrySeconds;
  static constexpr int64_t kMaxAgeSeconds = JwksSchedule::kMaxAgeSeconds;

 private:
  Status fetch(const std::string& jwks_uri) REQUIRES(mu_);
  // fetch(), recording the attempt (when, which uri, why it failed).
  Status attempt(const std::string& jwks_uri, int64_t now) REQUIRES(mu_);

  HttpClient& http_;
  Clock& clock_;
  Crypto& crypto_;
  int timeout_ms_;
  Mutex mu_;
  std::shared_ptr<const Jwks> keys_ GUARDED_BY(mu_);
  std::string keys_uri_ GUARDED_BY(mu_);
  int64_t fetched_at_ GUARDED_BY(mu_) = 0;
  int64_t tried_at_ GUARDED_BY(mu_) = 0;   // the last fetch attempt, ok or not
  std::string tried_uri_ GUARDED_BY(mu_);  // the jwks_uri of that attempt
  std::string last_error_
      GUARDED_BY(mu_);  // why it failed, for the "unavailable" answers that follow
};

}  // namespace barrier
