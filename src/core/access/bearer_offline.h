// Bearer tokens for a checker that cannot fetch anything itself: the edge
// module (docs/ARCHITECTURE.md, "Bearer tokens at the edge"). Its host
// fetches the provider's keys when this verifier asks for them and hands
// the answers back; the decision (signature through the Crypto port, then
// the claims: bearerRecord) is the same as BearerVerifier's.
//
//   std::string url = verifier.fetchFor(token);     // before deciding
//   while (!url.empty()) url = verifier.accept(<GET url: status, body>);
//   ... the Checker decides, calling verify(token)
//
// Where the keys are: `provider.issuer` and `provider.jwks_uri` of the
// configuration (the checker settings' api.issuer and api.jwks_uri, which
// the packager resolves: Cognito's are derived). Without a jwks_uri the
// issuer's discovery document is fetched first, once (its issuer, give or
// take a trailing slash, is the one tokens must carry).
//
// When keys are fetched follows JwksSchedule (core/oidc/jwks.h), as in
// `barrier serve`: the first set (and, after a failure, again at most every
// kUnloadedRetrySeconds), a token whose kid is unknown (at most once per
// kRefetchSeconds), and a set older than kMaxAgeSeconds.
//
// Not thread-safe: one module instance decides one event at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/access/bearer.h"
#include "core/config/config.h"
#include "core/oidc/jwks.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"

namespace barrier {

class OfflineBearerVerifier : public BearerTokenCheck {
 public:
  // `config` (api.*, provider.issuer, jwks_uri, groups_claim) and the ports
  // must outlive the verifier.
  OfflineBearerVerifier(const ValidConfig& config, Clock& clock, Crypto& crypto);

  // The URL to fetch before a request carrying `token` is decided, or ""
  // (decide now). With an empty token, the first key set when none is in
  // hand (the host's cold start). A URL returned counts as an attempt.
  std::string fetchFor(std::string_view token);

  // The host's answer to the last URL: its HTTP status (0 when no answer
  // came) and body. Returns the next URL to fetch (the JWKS after the
  // discovery document), or "" when done, whatever the outcome: a failure
  // is kept for verify's kUnavailable, and a set in hand stays in use.
  std::string accept(int status, std::string_view body);

  // The token's record, kUnauthenticated when it is refused, kUnavailable
  // when no key set could be had yet.
  Result<SessionRecord> verify(std::string_view token) override;

  bool loaded() const { return keys_ != nullptr; }

 private:
  enum class Pending { kNone, kDiscovery, kJwks };
  std::string startFetch(int64_t now);
  void failed(std::string why);

  const ValidConfig& config_;
  Clock& clock_;
  Crypto& crypto_;
  std::vector<std::string> claim_names_;
  std::string issuer_;    // what tokens' iss must be
  std::string jwks_uri_;  // "" until discovered, when not configured
  std::unique_ptr<const Jwks> keys_;
  Pending pending_ = Pending::kNone;
  int64_t tried_at_;  // the last attempt (a long time ago before the first)
  int64_t fetched_at_ = 0;
  std::string last_error_ = "not fetched yet";
};

}  // namespace barrier
