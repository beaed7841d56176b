// Where the identity provider lives: issuer and endpoints.
//
// Cognito: everything derives from region, user pool id and hosted-UI
// domain (docs/ARCHITECTURE.md, "Platform constraints"). Generic OIDC: from
// the issuer's discovery document.
// In both cases an endpoint set explicitly in the configuration wins, so a
// local stand-in or an unusual provider can be described completely.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/mutex.h"
#include "core/ports/clock.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

struct ProviderEndpoints {
  std::string issuer;  // compared exactly with the ID token's iss
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;  // optional
  std::string logout_endpoint;    // optional: Cognito /logout or end_session_endpoint
  std::string jwks_uri;
  // The discovery document's backchannel_logout_supported (false when
  // absent, and for endpoints not discovered).
  bool backchannel_logout_supported = false;
  // Cognito conventions: token_use == "id" in ID tokens; /logout takes
  // client_id + logout_uri (generic OIDC: post_logout_redirect_uri).
  bool cognito = false;
};

// Derived Cognito endpoints (before overrides). A configured `issuer`
// replaces the derived one (for stand-ins that are not on amazonaws.com).
ProviderEndpoints cognitoEndpoints(const ProviderConfig& config);

// Parses an OpenID Provider Configuration document. Its `issuer` must equal
// `expected_issuer` exactly (OIDC Discovery §4.3); authorization, token and
// JWKS endpoints are required.
Result<ProviderEndpoints> parseDiscoveryDocument(std::string_view json_text,
                                                 std::string_view expected_issuer);

// <issuer>/.well-known/openid-configuration, for the configured issuer.
std::string discoveryUrl(const ProviderConfig& config);

// The endpoints of `config`'s provider from its discovery document (the
// body of a 200 from discoveryUrl): the document's issuer must be the
// configured one, give or take a trailing slash, and is kept as the
// document writes it (tokens carry that one); configured endpoints are
// applied over the document's. Errors as parseDiscoveryDocument's.
Result<ProviderEndpoints> endpointsFromDiscovery(const ProviderConfig& config,
                                                 std::string_view body);

// Explicitly configured endpoints replace derived or discovered ones.
void applyEndpointOverrides(const ProviderConfig& config, ProviderEndpoints& endpoints);

// authorization, token, JWKS and issuer set; kInvalidArgument naming the
// missing one otherwise.
Status checkEndpoints(const ProviderEndpoints& endpoints);

// Resolves and caches the endpoints of the configured provider. Cognito
// resolves without I/O, and so does OIDC when authorization, token and JWKS
// endpoints are all configured; otherwise OIDC fetches discovery once and keeps the answer
// for the life of the process (a failed fetch is retried on the next call,
// at most once per kRetrySeconds). Thread-safe.
class ProviderDirectory {
 public:
  ProviderDirectory(const ProviderConfig& config, HttpClient& http, Clock& clock);

  // kUnavailable / kTimeout when discovery cannot be fetched, kInvalidArgument
  // when the document is unusable.
  Result<ProviderEndpoints> endpoints();

  static constexpr int64_t kRetrySeconds = 10;

 private:
  const ProviderConfig& config_;
  HttpClient& http_;
  Clock& clock_;
  Mutex mu_;
  std::shared_ptr<const ProviderEndpoints> cached_ GUARDED_BY(mu_);
  Status last_error_ GUARDED_BY(mu_);
  int64_t last_attempt_ GUARDED_BY(mu_) = 0;
  bool attempted_ GUARDED_BY(mu_) = false;
};

}  // namespace barrier
