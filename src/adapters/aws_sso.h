// AWS IAM Identity Center (SSO) profiles, as `aws sso login` leaves them:
// the profile names an account and a role (sso_account_id, sso_role_name)
// and, directly or through an [sso-session NAME] section, the portal's
// start URL and region. `aws sso login` caches an access token in
// ~/.aws/sso/cache/<SHA-1 of the session name, or of the start URL for the
// legacy form>.json; barrier reads it and asks the portal
// (GetRoleCredentials) for the role's credentials.
//
// An [sso-session] login is kept alive as the AWS CLI keeps it: a token
// within 15 minutes of its expiry is refreshed with its refresh token (SSO
// OIDC CreateToken), and the new token is written back to the cache file,
// so the CLI and barrier go on sharing one login. A legacy profile's token
// cannot be refreshed; an expired one, or a refresh the service refuses,
// ends with an error that says to log in again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/aws_credentials.h"
#include "core/aws/sigv4.h"
#include "core/ports/clock.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

struct SsoSettings {
  std::string profile;       // for messages ("aws sso login --profile NAME")
  std::string session_name;  // sso_session; "" for the legacy form
  std::string start_url;
  std::string region;
  std::string account_id;
  std::string role_name;
};

struct SsoToken {
  std::string access_token;
  int64_t expires_at = 0;  // epoch seconds
  // What a refresh needs ([sso-session] logins only; empty otherwise).
  std::string refresh_token;
  std::string client_id;
  std::string client_secret;
  int64_t registration_expires_at = 0;  // the client registration's expiry

  bool refreshable(int64_t now) const {
    return !refresh_token.empty() && !client_id.empty() && !client_secret.empty() &&
           registration_expires_at > now;
  }
};

// A token is refreshed this long before its expiry (as the AWS CLI does).
constexpr int64_t kSsoRefreshWindowSeconds = 15 * 60;

// ~/.aws/sso/cache/<sha1 hex>.json under `home`.
std::string ssoCachePath(const std::string& home, const SsoSettings& settings);

// The role's credentials: the cached token from `cache_path` (refreshed
// through POST https://oidc.<region>.amazonaws.com/token when due;
// AWS_ENDPOINT_URL_SSO_OIDC moves it), then
// GET https://portal.sso.<region>.amazonaws.com/federation/credentials
// (AWS_ENDPOINT_URL_SSO moves it) with the token.
Result<AwsCredentials> ssoRoleCredentials(const SsoSettings& settings,
                                          const std::string& cache_path, const EnvLookup& env,
                                          HttpClient& http, Clock& clock, int timeout_ms);

// The cache file's accessToken and expiresAt ("2026-12-02T07:00:00Z", or
// the legacy "...UTC"), and refreshToken, clientId, clientSecret and
// registrationExpiresAt when present; kUnavailable naming `path` otherwise.
Result<SsoToken> parseSsoToken(std::string_view json, const std::string& path);
// CreateToken's answer to a refresh ({accessToken, expiresIn (seconds),
// refreshToken when it rotates}) applied to `token` at `now`.
Status applySsoRefresh(std::string_view json, int64_t now, SsoToken& token);
// GetRoleCredentials' answer ({"roleCredentials": {accessKeyId,
// secretAccessKey, sessionToken, expiration (epoch ms)}}).
Result<AwsCredentials> parseSsoRoleCredentials(std::string_view json, const std::string& source);

}  // namespace barrier
