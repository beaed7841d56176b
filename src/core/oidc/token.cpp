#include "core/oidc/token.h"

#include "core/encoding.h"
#include "core/http/percent.h"
#include "core/http/query.h"
#include "core/oidc/json_util.h"

namespace barrier {

HttpClientRequest buildTokenRequest(const ProviderConfig& provider, std::string_view token_endpoint,
                                    std::string_view code, std::string_view redirect_uri,
                                    std::string_view code_verifier) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = std::string(token_endpoint);
  request.timeout_ms = provider.timeout_ms;
  request.headers.add("Content-Type", "application/x-www-form-urlencoded");
  request.headers.add("Accept", "application/json");
  if (!provider.client_secret.empty()) {
    std::string credentials =
        percentEncode(provider.client_id) + ":" + percentEncode(provider.client_secret);
    request.headers.add("Authorization", "Basic " + base64Encode(credentials));
  }
  request.body = encodeQuery({
      {"grant_type", "authorization_code"},
      {"code", std::string(code)},
      {"redirect_uri", std::string(redirect_uri)},
      {"client_id", provider.client_id},
      {"code_verifier", std::string(code_verifier)},
  });
  return request;
}

Result<TokenResponse> parseTokenResponse(const HttpClientResponse& response) {
  auto doc = json::parseObject(response.body);
  if (response.status == 400 || response.status == 401) {
    const std::string* error = doc ? json::string(*doc, "error") : nullptr;
    if (error != nullptr) {
      return Status::unauthenticated("token endpoint refused the code: " + *error);
    }
  }
  if (response.status != 200) {
    return Status::unavailable("token endpoint answered HTTP " + std::to_string(response.status));
  }
  if (!doc) return Status::unavailable("token endpoint answer is not JSON");
  const std::string* id_token = json::string(*doc, "id_token");
  if (id_token == nullptr || id_token->empty()) {
    return Status::unavailable("token endpoint answer has no id_token");
  }
  TokenResponse out;
  out.id_token = *id_token;
  if (const std::string* access = json::string(*doc, "access_token")) out.access_token = *access;
  return out;
}

Result<nlohmann::json> fetchUserinfo(HttpClient& http, std::string_view endpoint,
                                     std::string_view access_token, int timeout_ms) {
  if (endpoint.empty()) return Status::unavailable("userinfo: the provider has no endpoint");
  if (access_token.empty()) return Status::unavailable("userinfo: no access token was issued");
  HttpClientRequest request;
  request.url = std::string(endpoint);
  request.timeout_ms = timeout_ms;
  request.headers.add("Authorization", "Bearer " + std::string(access_token));
  request.headers.add("Accept", "application/json");
  auto response = http.send(request);
  if (!response) return response.status();
  if (response->status != 200) {
    return Status::unavailable("userinfo answered HTTP " + std::to_string(response->status));
  }
  auto doc = json::parseObject(response->body);
  if (!doc) return Status::unavailable("userinfo answer is not a JSON object");
  return std::move(*doc);
}

}  // namespace barrier
