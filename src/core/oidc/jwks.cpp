#include "core/oidc/jwks.h"

#include "core/encoding.h"
#include "core/oidc/json_util.h"

namespace barrier {

const Jwk* Jwks::find(std::string_view kid) const {
  if (kid.empty()) return keys.size() == 1 ? &keys.front() : nullptr;
  for (const auto& k : keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

Result<Jwks> parseJwks(std::string_view json_text) {
  auto doc = json::parseObject(json_text);
  if (!doc) return Status::invalid("jwks: not a JSON object");
  auto it = doc->find("keys");
  if (it == doc->end() || !it->is_array()) return Status::invalid("jwks: no keys array");
  Jwks out;
  for (const auto& key : *it) {
    const std::string* kty = json::string(key, "kty");
    const std::string* n = json::string(key, "n");
    const std::string* e = json::string(key, "e");
    const std::string* use = json::string(key, "use");
    const std::string* alg = json::string(key, "alg");
    if (kty == nullptr || *kty != "RSA" || n == nullptr || e == nullptr) continue;
    if (use != nullptr && *use != "sig") continue;
    if (alg != nullptr && *alg != "RS256") continue;
    Jwk jwk;
    if (const std::string* kid = json::string(key, "kid")) jwk.kid = *kid;
    if (!base64UrlDecode(*n, jwk.n) || !base64UrlDecode(*e, jwk.e)) continue;
    out.keys.push_back(std::move(jwk));
  }
  return out;
}

Status verifyJwtSignature(const Jwt& jwt, const Jwks& jwks, Crypto& crypto) {
  // The algorithm is fixed by us, never taken from the token: "none" and
  // HS256 are refused here, before any key is consulted.
  if (jwt.alg != "RS256") return Status::unauthenticated("id token: alg " + jwt.alg + " refused");
  const Jwk* key = jwks.find(jwt.kid);
  if (key == nullptr) return Status::notFound("id token: no key with this kid");
  if (!crypto.verifyRs256(key->n, key->e, jwt.signing_input, jwt.signature)) {
    return Status::unauthenticated("id token: bad signature");
  }
  return Status::ok();
}

JwksCache::JwksCache(HttpClient& http, Clock& clock, Crypto& crypto, int timeout_ms)
    : http_(http), clock_(clock), crypto_(crypto), timeout_ms_(timeout_ms) {}

Status JwksCache::fetch(const std::string& jwks_uri) {
  HttpClientRequest request;
  request.url = jwks_uri;
  request.timeout_ms = timeout_ms_;
  request.headers.add("Accept", "application/json");
  auto response = http_.send(request);
  if (!response) return response.status();
  if (response->status != 200) {
    return Status::unavailable("jwks answered HTTP " + std::to_string(response->status));
  }
  auto parsed = parseJwks(response->body);
  if (!parsed) return Status::unavailable(parsed.status().message());
  keys_ = std::make_shared<const Jwks>(std::move(*parsed));
  keys_uri_ = jwks_uri;
  fetched_at_ = clock_.now();
  return Status::ok();
}

Status JwksCache::attempt(const std::string& jwks_uri, int64_t now) {
  tried_at_ = now;
  tried_uri_ = jwks_uri;
  Status s = fetch(jwks_uri);
  last_error_ = s.isOk() ? std::string() : s.toString();
  return s;
}

Status JwksCache::verify(const std::string& jwks_uri, const Jwt& jwt) {
  if (jwt.alg != "RS256") return Status::unauthenticated("id token: alg " + jwt.alg + " refused");
  std::shared_ptr<const Jwks> keys;
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.now();
    // At most one fetch per call, and a bounded rate of them for a given
    // jwks_uri whatever the reason: each blocks under the lock (up to the
    // timeout), so a failing endpoint must not be asked on every callback,
    // serialising them all behind one slow request.
    if (!keys_ || keys_uri_ != jwks_uri) {
      // Never loaded (or the provider's jwks_uri changed): a new uri may be
      // fetched at once; after a failed attempt on this one, callbacks are
      // answered "unavailable" until kUnloadedRetrySeconds have passed.
      bool new_uri = tried_uri_ != jwks_uri;
      if (!new_uri && now - tried_at_ < kUnloadedRetrySeconds) {
        return Status::unavailable("jwks: not fetched again until " +
                                   std::to_string(kUnloadedRetrySeconds) +
                                   " s after the last attempt, which failed: " + last_error_);
      }
      if (Status s = attempt(jwks_uri, now); !s) return s;
    } else if (now - tried_at_ >= kRefetchSeconds) {
      if (keys_->find(jwt.kid) == nullptr) {
        // Unknown kid: the provider may have rotated its keys. A failed
        // refetch keeps the old set and refuses this token.
        if (Status s = attempt(jwks_uri, now); !s) return s;
      } else if (now - fetched_at_ >= kMaxAgeSeconds) {
        (void)attempt(jwks_uri, now);  // a failure keeps the set in hand
      }
    }
    keys = keys_;
  }
  Status s = verifyJwtSignature(jwt, *keys, crypto_);
  if (s.code() == Code::kNotFound) return Status::unauthenticated(s.message());
  return s;
}

}  // namespace barrier
