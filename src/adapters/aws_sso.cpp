#include "adapters/aws_sso.h"

#include <openssl/sha.h>

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
  std::string expires = stringField(doc, "expiresAt");
  // The AWS CLI v1 wrote "2026-12-02T07:00:00UTC".
  if (expires.size() > 3 && expires.ends_with("UTC")) expires.replace(expires.size() - 3, 3, "Z");
  if (token.access_token.empty() || !parseIso8601(expires, token.expires_at)) {
    return Status::unavailable("SSO token cache " + path + " lacks accessToken or expiresAt");
  }
  return token;
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
  if (token->expires_at <= clock.now()) {
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
