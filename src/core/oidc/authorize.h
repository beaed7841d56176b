// The front-channel half of the authorization code flow: PKCE, the state
// parameter, the authorize URL and the provider logout URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/oidc/provider.h"
#include "core/ports/crypto.h"
#include "core/ports/random.h"

namespace barrier {

// RFC 7636 with S256 (the only method Cognito accepts).
struct Pkce {
  std::string verifier;   // 43 chars base64url of 32 random bytes
  std::string challenge;  // base64url(SHA-256(verifier))
};
Pkce makePkce(Random& random, Crypto& crypto);
std::string pkceChallenge(Crypto& crypto, std::string_view verifier);

// The `state` parameter: base64url of a flow id (kFlowBytes) followed by the
// flow's secret (kSecretBytes). The flow id names the per-flow cookie; the
// secret must match the login record's (constant-time). base64url, not
// URL-encoded JSON, because Cognito mangles the latter.
constexpr size_t kFlowBytes = 9;  // 12 base64url chars, cookie-name safe
constexpr size_t kSecretBytes = 32;

struct FlowState {
  std::string flow;    // base64url, 12 chars
  std::string secret;  // base64url, 43 chars (as stored in the login record)
};
FlowState makeFlowState(Random& random);
std::string encodeState(const FlowState& state);
// nullopt unless `state` decodes to exactly kFlowBytes + kSecretBytes.
std::optional<FlowState> decodeState(std::string_view state);

struct AuthorizeParams {
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::string state;
  std::string code_challenge;
  std::string nonce;
};
// endpoint + '?' (or '&' when it already has a query) + every parameter
// percent-encoded; response_type=code and code_challenge_method=S256.
std::string buildAuthorizeUrl(std::string_view endpoint, const AuthorizeParams& params);

// Where logout sends the browser: Cognito's /logout?client_id&logout_uri, or
// an OIDC end_session_endpoint with client_id and post_logout_redirect_uri.
// Empty when the provider has no logout endpoint.
std::string buildLogoutUrl(const ProviderEndpoints& endpoints, std::string_view client_id,
                           std::string_view return_to);

}  // namespace barrier
