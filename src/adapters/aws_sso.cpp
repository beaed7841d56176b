#include "adapters/aws_sso.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/aws/aws_error.h"
#include "core/http/message.h"

namespace barrier {

namespace {

std::string sha1Hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string loginHint(const SsoSettings& s) {
  return "run `aws sso login --profile " + s.profile + "`";
}

std::string stringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// An expiry as the cache files write it; 0 when absent or unreadable.
int64_t expiryField(const nlohmann::json& object, const char* name) {
  std::string text = stringField(object, name);
  // The AWS CLI v1 wrote "2026-12-02T07:00:00UTC".
  if (text.size() > 3 && text.ends_with("UTC")) text.replace(text.size() - 3, 3, "Z");
  int64_t at = 0;
  return parseIso8601(text, at) ? at : 0;
}

// Writes the refreshed token into the cache file, keeping its other fields:
// a new file beside it (owner-only, as the CLI writes it) renamed over it.
// Best effort: a login that cannot be saved still works for this process.
void saveSsoToken(const std::string& path, std::string_view original, const SsoToken& token) {
  auto doc = nlohmann::json::parse(original.begin(), original.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;
  doc["accessToken"] = token.access_token;
  doc["expiresAt"] = formatIso8601(token.expires_at);
  doc["refreshToken"] = token.refresh_token;
  std::string text = doc.dump();
  // One name per process and call: threads refreshing at once each write
  // their own file (the last rename wins, whole).
  static std::atomic<unsigned> counter{0};
  std::string temp =
      path + ".barrier-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  // A new file, never one that is there (or a link planted under the name):
  // the token is a credential.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::close(fd) == 0 && written;
  if (!written || std::rename(temp.c_str(), path.c_str()) != 0) ::unlink(temp.c_str());
}

// SSO OIDC CreateToken with the refresh token; `token` updated on success.
Status refreshSsoToken(const SsoSettings& s, const EnvLookup& env, HttpClient& http, int64_t now,
                       int timeout_ms, SsoToken& token) {
  std::string base = resolveEndpointOverride("sso-oidc", "", env);
  if (base.empty()) base = "https://oidc." + s.region + ".amazonaws.com";
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpClientRequest request;
  request.method = "POST";
  request.url = base + "/token";
  request.headers.add("Content-Type", "application/json");
  request.body = nlohmann::json{{"grantType", "refresh_token"},
                                {"clientId", token.client_id},
                                {"clientSecret", token.client_secret},
                                {"refreshToken", token.refresh_token}}
                     .dump();
  request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> answer = http.send(request);
  if (!answer) return answer.status();
  if (answer->status != 200) {
    return awsErrorStatus(parseAwsError(answer->status, answer->headers, answer->body),
                          "sso-oidc CreateToken");
  }
  return applySsoRefresh(answer->body, now, token);
}

}  // namespace

std::string ssoCachePath(const std::string& home, const SsoSettings& settings) {
  const std::string& key =
      settings.session_name.empty() ? settings.start_url : settings.session_name;
  return home + "/.aws/sso/cache/" + sha1Hex(key) + ".json";
}

Result<SsoToken> parseSsoToken(std::string_view json, const std::string& path) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable("SSO token cache " + path + " is not a JSON object");
  }
  SsoToken token;
  token.access_token = stringField(doc, "accessToken");
  token.expires_at = expiryField(doc, "expiresAt");
  if (token.access_token.empty() || token.expires_at == 0) {
    return Status::unavailable("SSO token cache " + path + " lacks accessToken or expiresAt");
  }
  token.refresh_token = stringField(doc, "refreshToken");
  token.client_id = stringField(doc, "clientId");
  token.client_secret = stringField(doc, "clientSecret");
  token.registration_expires_at = expiryField(doc, "registrationExpiresAt");
  return token;
}

Status applySsoRefresh(std::string_view json, int64_t now, SsoToken& token) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable("sso-oidc CreateToken: the answer is not a JSON object");
  }
  std::string access = stringField(doc, "accessToken");
  auto expires_in = doc.find("expiresIn");
  if (access.empty() || expires_in == doc.end() || !expires_in->is_number_integer() ||
      expires_in->get<int64_t>() <= 0 || expires_in->get<int64_t>() > 366 * 24 * 3600) {
    return Status::unavailable("sso-oidc CreateToken: the answer lacks accessToken or expiresIn");
  }
  token.access_token = std::move(access);
  token.expires_at = now + expires_in->get<int64_t>();
  if (std::string rotated = stringField(doc, "refreshToken"); !rotated.empty()) {
    token.refresh_token = std::move(rotated);
  }
  return Status::ok();
}

Result<AwsCredentials> parseSsoRoleCredentials(std::string_view json, const std::string& source) {
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  auto role = doc.is_object() ? doc.find("roleCredentials") : doc.end();
  if (doc.is_discarded() || !doc.is_object() || role == doc.end() || !role->is_object()) {
    return Status::unavailable(source + ": the answer holds no roleCredentials");
  }
  AwsCredentials c;
  c.access_key_id = stringField(*role, "accessKeyId");
  c.secret_access_key = stringField(*role, "secretAccessKey");
  c.session_token = stringField(*role, "sessionToken");
  c.source = source;
  auto expiration = role->find("expiration");
  if (!c.complete() || expiration == role->end() || !expiration->is_number_integer() ||
      expiration->get<int64_t>() <= 0) {
    return Status::unavailable(source + ": the answer lacks keys or an expiration");
  }
  c.expires_at = expiration->get<int64_t>() / 1000;
  return c;
}

Result<AwsCredentials> ssoRoleCredentials(const SsoSettings& s, const std::string& cache_path,
                                          const EnvLookup& env, HttpClient& http, Clock& clock,
                                          int timeout_ms) {
  const std::string source = "SSO role " + s.role_name + " in account " + s.account_id;
  std::ifstream in(cache_path, std::ios::binary);
  if (!in) {
    return Status::unauthenticated("profile " + s.profile + ": no SSO login cached (" + cache_path +
                                   "); " + loginHint(s));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<SsoToken> token = parseSsoToken(text, cache_path);
  if (!token) return token.status();
  const int64_t now = clock.now();
  if (!s.session_name.empty() && token->expires_at - now <= kSsoRefreshWindowSeconds &&
      token->refreshable(now)) {
    SsoToken fresh = *token;
    Status refreshed = refreshSsoToken(s, env, http, now, timeout_ms, fresh);
    if (refreshed.isOk()) {
      saveSsoToken(cache_path, text, fresh);
      *token = std::move(fresh);
    } else if (token->expires_at <= now) {
      return Status::unauthenticated("profile " + s.profile +
                                     ": the SSO login has expired and could not be refreshed (" +
                                     refreshed.message() + "); " + loginHint(s));
    }
    // A refresh that failed early leaves the current token in use.
  }
  if (token->expires_at <= now) {
    return Status::unauthenticated("profile " + s.profile + ": the SSO login has expired; " +
                                   loginHint(s));
  }
  if (token->access_token.find_first_of("\r\n") != std::string::npos) {
    return Status::invalid("SSO token cache " + cache_path + " holds a line break");
  }
  std::string base = resolveEndpointOverride("sso", "", env);
  if (base.empty()) base = "https://portal.sso." + s.region + ".amazonaws.com";
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpClientRequest request;
  request.url = base + "/federation/credentials?account_id=" + awsUriEncode(s.account_id, false) +
                "&role_name=" + awsUriEncode(s.role_name, false);
  request.headers.add("x-amz-sso_bearer_token", token->access_token);
  request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> answer = http.send(request);
  if (!answer) {
    return Status(answer.status().code(), source + ": " + answer.status().message());
  }
  if (answer->status == 401 || answer->status == 403) {
    return Status::unauthenticated("profile " + s.profile +
                                   ": the SSO portal refused the cached login; " + loginHint(s));
  }
  if (answer->status != 200) {
    return awsErrorStatus(parseAwsError(answer->status, answer->headers, answer->body),
                          "sso GetRoleCredentials");
  }
  return parseSsoRoleCredentials(answer->body, source);
}

}  // namespace barrier
