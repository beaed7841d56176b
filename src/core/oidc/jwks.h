// JSON Web Key Sets (RFC 7517): the provider's signing keys, and a cache
// that verifies ID-token signatures against them.
#pragma once

#include <memory>
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

// One RSA signing key: raw big-endian modulus and exponent.
struct Jwk {
  std::string kid;
  std::string n;
  std::string e;
};

struct Jwks {
  std::vector<Jwk> keys;
  // The key named `kid`; with an empty kid, the only key (nullptr when there
  // are several: guessing would be unsafe).
  const Jwk* find(std::string_view kid) const;
};

// Keeps RSA keys usable for signatures (kty RSA; use absent or "sig"; alg
// absent or RS256); skips others. kInvalidArgument when the document is
// not a JWKS at all.
Result<Jwks> parseJwks(std::string_view json_text);

// Checks a token's RS256 signature against `jwks`. kUnauthenticated for any
// refusal (alg not RS256, bad signature); kNotFound when no key has its kid.
Status verifyJwtSignature(const Jwt& jwt, const Jwks& jwks, Crypto& crypto);

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

  static constexpr int64_t kRefetchSeconds = 60;
  static constexpr int64_t kUnloadedRetrySeconds = 5;
  static constexpr int64_t kMaxAgeSeconds = 3600;

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
