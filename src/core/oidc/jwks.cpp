#include "core/oidc/jwks.h"

#include <cstdint>
#include <optional>

#include "core/encoding.h"
#include "core/oidc/json_util.h"

namespace barrier {

namespace {

constexpr size_t kP256CoordinateBytes = 32;

// A usable key from one JWKS member, or nullopt (skipped).
std::optional<Jwk> parseKey(const nlohmann::json& key) {
  const std::string* kty = json::string(key, "kty");
  const std::string* use = json::string(key, "use");
  const std::string* alg = json::string(key, "alg");
  if (kty == nullptr || (use != nullptr && *use != "sig")) return std::nullopt;
  Jwk jwk;
  if (*kty == "RSA") {
    const std::string* n = json::string(key, "n");
    const std::string* e = json::string(key, "e");
    if (n == nullptr || e == nullptr || (alg != nullptr && *alg != "RS256")) return std::nullopt;
    if (!base64UrlDecode(*n, jwk.n) || !base64UrlDecode(*e, jwk.e)) return std::nullopt;
  } else if (*kty == "EC") {
    const std::string* crv = json::string(key, "crv");
    const std::string* x = json::string(key, "x");
    const std::string* y = json::string(key, "y");
    if (crv == nullptr || *crv != "P-256" || x == nullptr || y == nullptr ||
        (alg != nullptr && *alg != "ES256")) {
      return std::nullopt;
    }
    jwk.type = JwkType::kEcP256;
    // RFC 7518 §6.2.1.2: each coordinate is the full 32 bytes of the curve.
    if (!base64UrlDecode(*x, jwk.x) || !base64UrlDecode(*y, jwk.y) ||
        jwk.x.size() != kP256CoordinateBytes || jwk.y.size() != kP256CoordinateBytes) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (const std::string* kid = json::string(key, "kid")) jwk.kid = *kid;
  return jwk;
}

const char* algorithmName(JwkType type) { return type == JwkType::kRsa ? "RS256" : "ES256"; }

}  // namespace

std::optional<JwkType> jwkTypeForAlg(std::string_view alg) {
  if (alg == "RS256") return JwkType::kRsa;
  if (alg == "ES256") return JwkType::kEcP256;
  return std::nullopt;
}

const Jwk* Jwks::find(std::string_view kid, JwkType type) const {
  const Jwk* only = nullptr;
  for (const auto& k : keys) {
    if (k.type != type) continue;
    if (!kid.empty() && k.kid == kid) return &k;
    if (kid.empty()) {
      if (only != nullptr) return nullptr;  // several: never guess
      only = &k;
    }
  }
  return only;
}

bool Jwks::names(std::string_view kid) const {
  if (kid.empty()) return false;
  for (const auto& k : keys) {
    if (k.kid == kid) return true;
  }
  return false;
}

Result<Jwks> parseJwks(std::string_view json_text) {
  auto doc = json::parseObject(json_text);
  if (!doc) return Status::invalid("jwks: not a JSON object");
  auto it = doc->find("keys");
  if (it == doc->end() || !it->is_array()) return Status::invalid("jwks: no keys array");
  Jwks out;
  for (const auto& key : *it) {
    if (std::optional<Jwk> jwk = parseKey(key)) out.keys.push_back(std::move(*jwk));
  }
  return out;
}

Status verifyJwtSignature(const Jwt& jwt, const Jwks& jwks, Crypto& crypto) {
  // The algorithm is one we accept, never simply the token's word: "none"
  // and HS256 are refused here, before any key is consulted, and the key
  // must be of the algorithm's type, so a token cannot have an RSA key's
  // numbers read as a curve point or the reverse.
  std::optional<JwkType> type = jwkTypeForAlg(jwt.alg);
  if (!type) return Status::unauthenticated("jwt: alg " + jwt.alg + " refused");
  const Jwk* key = jwks.find(jwt.kid, *type);
  if (key == nullptr) {
    if (jwks.names(jwt.kid)) {
      // The kid is the sender's text: not repeated into logs.
      return Status::unauthenticated(std::string("jwt: alg ") + algorithmName(*type) +
                                     " does not match the type of the key its kid names");
    }
    return Status::notFound("jwt: no key with this kid");
  }
  bool valid = *type == JwkType::kRsa
                   ? crypto.verifyRs256(key->n, key->e, jwt.signing_input, jwt.signature)
                   : crypto.verifyEs256(key->x, key->y, jwt.signing_input, jwt.signature);
  if (!valid) return Status::unauthenticated("jwt: bad signature");
  return Status::ok();
}

JwksSchedule::Action JwksSchedule::next(bool loaded, bool knows_kid, int64_t now, int64_t tried_at,
                                        int64_t fetched_at) {
  // At most one fetch per verification, and a bounded rate of them whatever
  // the reason: each fetch makes a token wait, so a failing endpoint or
  // tokens with made-up kids must not cause one each.
  if (!loaded) return now - tried_at < kUnloadedRetrySeconds ? Action::kWait : Action::kFetch;
  if (now - tried_at < kRefetchSeconds) return Action::kUse;
  // Unknown kid: the provider may have rotated its keys.
  if (!knows_kid) return Action::kFetch;
  return now - fetched_at >= kMaxAgeSeconds ? Action::kRefresh : Action::kUse;
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
  std::optional<JwkType> type = jwkTypeForAlg(jwt.alg);
  if (!type) return Status::unauthenticated("jwt: alg " + jwt.alg + " refused");
  std::shared_ptr<const Jwks> keys;
  {
    MutexLock lock(mu_);
    const int64_t now = clock_.now();
    // Each fetch blocks under the lock (up to the timeout), serialising
    // every verification behind it: the schedule bounds how often.
    bool loaded = keys_ && keys_uri_ == jwks_uri;
    // A new jwks_uri (the provider's discovery changed) may be fetched at once.
    int64_t tried_at = loaded || tried_uri_ == jwks_uri ? tried_at_ : INT64_MIN / 2;
    bool knows_kid = loaded && keys_->find(jwt.kid, *type) != nullptr;
    switch (JwksSchedule::next(loaded, knows_kid, now, tried_at, fetched_at_)) {
      case JwksSchedule::Action::kWait:
        return Status::unavailable("jwks: not fetched again until " +
                                   std::to_string(kUnloadedRetrySeconds) +
                                   " s after the last attempt, which failed: " + last_error_);
      case JwksSchedule::Action::kFetch:
        // A failed refetch keeps the old set and refuses this token.
        if (Status s = attempt(jwks_uri, now); !s) return s;
        break;
      case JwksSchedule::Action::kRefresh:
        (void)attempt(jwks_uri, now);  // a failure keeps the set in hand
        break;
      case JwksSchedule::Action::kUse:
        break;
    }
    keys = keys_;
  }
  Status s = verifyJwtSignature(jwt, *keys, crypto_);
  if (s.code() == Code::kNotFound) return Status::unauthenticated(s.message());
  return s;
}

}  // namespace barrier
