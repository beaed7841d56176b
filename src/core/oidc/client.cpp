#include "core/oidc/client.h"

#include "core/oidc/json_util.h"
#include "core/oidc/token.h"

namespace barrier {

namespace {

// After the provider answered at all, "unavailable" from a parser means the
// answer was unusable: that is a 502, not a 503.
Status asBadAnswer(const Status& s) {
  if (s.code() == Code::kUnavailable) return Status::internal(s.message());
  return s;
}

}  // namespace

OidcClient::OidcClient(const ProviderConfig& config, HttpClient& http, Clock& clock, Crypto& crypto)
    : config_(config),
      http_(http),
      clock_(clock),
      directory_(config, http, clock),
      jwks_(http, clock, crypto, config.timeout_ms) {}

Result<nlohmann::json> OidcClient::exchange(const ProviderEndpoints& e, std::string_view code,
                                            std::string_view redirect_uri,
                                            std::string_view code_verifier, std::string_view nonce,
                                            std::string& access_token) {
  auto answer =
      http_.send(buildTokenRequest(config_, e.token_endpoint, code, redirect_uri, code_verifier));
  if (!answer) return answer.status();
  auto tokens = parseTokenResponse(*answer);
  if (!tokens) return asBadAnswer(tokens.status());
  access_token = tokens->access_token;

  auto jwt = parseJwt(tokens->id_token);
  if (!jwt) return Status::internal(jwt.status().message());
  if (Status s = jwks_.verify(e.jwks_uri, *jwt); !s) return s;
  IdTokenExpectations expect;
  expect.issuer = e.issuer;
  expect.client_id = config_.client_id;
  expect.nonce = std::string(nonce);
  expect.now = clock_.now();
  expect.require_token_use_id = e.cognito;
  if (Status s = checkIdTokenClaims(jwt->payload, expect); !s) return s;
  return std::move(jwt->payload);
}

Result<LogoutRequest> OidcClient::verifyLogoutToken(std::string_view token) {
  auto e = endpoints();
  if (!e) return e.status();
  auto jwt = parseJwt(token);
  if (!jwt) return jwt.status();
  if (Status s = jwks_.verify(e->jwks_uri, *jwt); !s) return s;
  LogoutTokenExpectations expect;
  expect.issuer = e->issuer;
  expect.client_id = config_.client_id;
  expect.now = clock_.now();
  return checkLogoutTokenClaims(jwt->payload, expect);
}

Status OidcClient::mergeUserinfo(const ProviderEndpoints& e, std::string_view access_token,
                                 Identity& identity) {
  auto claims = fetchUserinfo(http_, e.userinfo_endpoint, access_token, config_.timeout_ms);
  if (!claims) return claims.status();
  Identity extra = identityFromClaims(*claims, config_.groups_claim);
  // Userinfo about someone else must never be merged (OIDC Core §5.3.2).
  if (extra.sub != identity.sub) return Status::internal("userinfo: sub differs from the id token");
  if (identity.email.empty()) identity.email = extra.email;
  if (identity.groups.empty()) identity.groups = extra.groups;
  for (const auto& item : extra.claims.items()) {
    if (!identity.claims.contains(item.key())) identity.claims[item.key()] = item.value();
  }
  if (identity.username == identity.sub && extra.username != extra.sub) {
    identity.username = extra.username;
  }
  return Status::ok();
}

Status OidcClient::checkGroups(const Identity& identity) const {
  if (config_.required_groups.empty()) return Status::ok();
  for (const auto& need : config_.required_groups) {
    for (const auto& have : identity.groups) {
      if (need == have) return Status::ok();
    }
  }
  return Status::denied("not in a group this site requires");
}

Result<Identity> OidcClient::completeLogin(std::string_view code, std::string_view redirect_uri,
                                           std::string_view code_verifier, std::string_view nonce) {
  auto e = endpoints();
  if (!e) return e.status();
  std::string access_token;
  auto claims = exchange(*e, code, redirect_uri, code_verifier, nonce, access_token);
  if (!claims) return claims.status();
  Identity identity = identityFromClaims(*claims, config_.groups_claim);
  if (config_.userinfo) {
    if (Status s = mergeUserinfo(*e, access_token, identity); !s) return asBadAnswer(s);
  }
  if (Status s = checkGroups(identity); !s) return s;
  return identity;
}

}  // namespace barrier
