// The container credentials endpoint (ECS task roles, EKS Pod Identity):
// AWS_CONTAINER_CREDENTIALS_FULL_URI or the link-local agent with
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, authorised by a token.
#include <nlohmann/json.hpp>

#include "adapters/aws_credential_sources.h"
#include "core/http/loopback.h"

namespace barrier {

namespace {

using namespace credentials_detail;

constexpr char kContainerHost[] = "http://169.254.170.2";

// Plain http is acceptable only to the link-local container agent or
// loopback: anything else could be read or spoofed on the way.
bool allowedContainerUrl(const std::string& url) {
  UrlParts parts;
  if (!splitUrl(url, parts)) return false;
  if (parts.scheme == "https") return true;
  std::string host = parts.authority.substr(0, parts.authority.rfind(':'));
  if (parts.authority.starts_with("["))
    host = parts.authority.substr(0, parts.authority.find(']') + 1);
  return host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]" ||
         isLoopbackHost(host);
}

}  // namespace

namespace credentials_detail {

Result<AwsCredentials> parseCredentialsJson(std::string_view body, const char* source) {
  auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable(std::string(source) + ": answer is not a JSON object");
  }
  auto field = [&](const char* name) -> std::string {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (auto code = field("Code"); !code.empty() && code != "Success") {
    return Status::unavailable(std::string(source) + ": answered Code " + code);
  }
  AwsCredentials c;
  c.access_key_id = field("AccessKeyId");
  c.secret_access_key = field("SecretAccessKey");
  c.session_token = field("Token");
  c.source = source;
  std::string expiration = field("Expiration");
  if (!c.complete()) return Status::unavailable(std::string(source) + ": answer lacks keys");
  if (!expiration.empty() && !parseIso8601(expiration, c.expires_at)) {
    return Status::unavailable(std::string(source) + ": unreadable Expiration");
  }
  return c;
}

}  // namespace credentials_detail

Result<AwsCredentials> credentialsFromContainer(const EnvLookup& env, HttpClient& http,
                                                int timeout_ms) {
  std::string url = envOr(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  std::string relative = envOr(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (url.empty() && relative.empty()) return Status::notFound("no container credentials");
  if (url.empty()) url = kContainerHost + relative;
  if (!allowedContainerUrl(url)) {
    return Status::invalid(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/link-local http URL");
  }
  HttpClientRequest request;
  request.url = url;
  request.timeout_ms = timeout_ms;
  std::string token;
  if (std::string file = envOr(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    if (!readWholeFile(file, token)) {
      return Status::unavailable("container credentials: cannot read " + file);
    }
    token = trimmed(token);
  } else {
    token = envOr(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  // A token with CR/LF would inject headers: refuse it.
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Status::invalid("container credentials: authorization token contains a line break");
  }
  if (!token.empty()) request.headers.add("Authorization", token);
  Result<HttpClientResponse> response = http.send(request);
  if (!response) {
    return Status(response.status().code(),
                  "container credentials: " + response.status().message());
  }
  if (response->status != 200) {
    return Status::unavailable("container credentials: HTTP " + std::to_string(response->status));
  }
  return parseCredentialsJson(response->body, "container credentials");
}

}  // namespace barrier
