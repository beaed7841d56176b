#include "core/oidc/authorize.h"

#include "core/encoding.h"
#include "core/http/query.h"

namespace barrier {

namespace {

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (s.empty()) continue;
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::string appendQuery(std::string_view endpoint, const QueryParams& params) {
  std::string url(endpoint);
  url += endpoint.find('?') == std::string_view::npos ? '?' : '&';
  url += encodeQuery(params);
  return url;
}

}  // namespace

std::string pkceChallenge(Crypto& crypto, std::string_view verifier) {
  return base64UrlEncode(digestBytes(crypto.sha256(verifier)));
}

Pkce makePkce(Random& random, Crypto& crypto) {
  Pkce p;
  p.verifier = base64UrlEncode(random.bytes(32));
  p.challenge = pkceChallenge(crypto, p.verifier);
  return p;
}

FlowState makeFlowState(Random& random) {
  return FlowState{base64UrlEncode(random.bytes(kFlowBytes)),
                   base64UrlEncode(random.bytes(kSecretBytes))};
}

std::string encodeState(const FlowState& state) {
  std::string flow, secret;
  if (!base64UrlDecode(state.flow, flow) || !base64UrlDecode(state.secret, secret)) return "";
  return base64UrlEncode(flow + secret);
}

std::optional<FlowState> decodeState(std::string_view state) {
  // 41 bytes encode to 55 characters; anything longer is refused before decoding.
  if (state.size() > 64) return std::nullopt;
  std::string raw;
  if (!base64UrlDecode(state, raw) || raw.size() != kFlowBytes + kSecretBytes) return std::nullopt;
  return FlowState{base64UrlEncode(std::string_view(raw).substr(0, kFlowBytes)),
                   base64UrlEncode(std::string_view(raw).substr(kFlowBytes))};
}

std::string buildAuthorizeUrl(std::string_view endpoint, const AuthorizeParams& p) {
  return appendQuery(endpoint, {
                                   {"response_type", "code"},
                                   {"client_id", p.client_id},
                                   {"redirect_uri", p.redirect_uri},
                                   {"scope", joinScopes(p.scopes)},
                                   {"state", p.state},
                                   {"code_challenge", p.code_challenge},
                                   {"code_challenge_method", "S256"},
                                   {"nonce", p.nonce},
                               });
}

std::string buildLogoutUrl(const ProviderEndpoints& endpoints, std::string_view client_id,
                           std::string_view return_to) {
  if (endpoints.logout_endpoint.empty()) return "";
  const char* name = endpoints.cognito ? "logout_uri" : "post_logout_redirect_uri";
  return appendQuery(endpoints.logout_endpoint,
                     {{"client_id", std::string(client_id)}, {name, std::string(return_to)}});
}

}  // namespace barrier
