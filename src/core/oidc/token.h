// The back-channel half of the code flow: the token request and its answer,
// and the userinfo call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

// POST <token_endpoint> with grant_type=authorization_code, code,
// redirect_uri, client_id and code_verifier as a form; the client secret,
// when configured, by HTTP Basic (RFC 6749 §2.3.1: both parts form-encoded).
HttpClientRequest buildTokenRequest(const ProviderConfig& provider, std::string_view token_endpoint,
                                    std::string_view code, std::string_view redirect_uri,
                                    std::string_view code_verifier);

struct TokenResponse {
  std::string id_token;
  std::string access_token;  // "" when absent
};

// Interprets the token endpoint's answer:
//  - 200 with a JSON object holding an id_token: ok;
//  - 400/401 with an OAuth error (invalid_grant: code used, expired, or not
//    ours): kUnauthenticated — the visitor should simply sign in again;
//  - anything else (5xx, HTML, no id_token): kUnavailable ("bad answer").
Result<TokenResponse> parseTokenResponse(const HttpClientResponse& response);

// GET <userinfo_endpoint> with the access token; the claims object on 200,
// kUnavailable otherwise (the status is always checked).
Result<nlohmann::json> fetchUserinfo(HttpClient& http, std::string_view endpoint,
                                     std::string_view access_token, int timeout_ms);

}  // namespace barrier
