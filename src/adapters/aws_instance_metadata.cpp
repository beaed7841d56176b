// EC2 instance metadata, IMDSv2: a session token PUT, then the instance
// role's name, then its credentials. Short timeouts: off EC2 it fails fast.
#include "adapters/aws_credential_sources.h"

namespace barrier {

namespace {

using namespace credentials_detail;

constexpr char kImdsDefault[] = "http://169.254.169.254";

}  // namespace

Result<AwsCredentials> credentialsFromInstanceMetadata(const EnvLookup& env, HttpClient& http,
                                                       int timeout_ms) {
  std::string disabled = envOr(env, "AWS_EC2_METADATA_DISABLED");
  if (disabled == "true" || disabled == "TRUE" || disabled == "1") {
    return Status::notFound("instance metadata disabled");
  }
  std::string base = envOr(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", kImdsDefault);
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpClientRequest token_request;
  token_request.method = "PUT";
  token_request.url = base + "/latest/api/token";
  token_request.headers.add("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  token_request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> token = http.send(token_request);
  if (!token || token->status != 200 || token->body.empty()) {
    return Status::notFound("instance metadata: no IMDSv2 token");
  }
  HttpClientRequest role_request;
  role_request.url = base + "/latest/meta-data/iam/security-credentials/";
  role_request.headers.add("X-aws-ec2-metadata-token", trimmed(token->body));
  role_request.timeout_ms = timeout_ms;
  Result<HttpClientResponse> role = http.send(role_request);
  if (!role || role->status != 200) return Status::notFound("instance metadata: no role");
  std::string name = trimmed(std::string_view(role->body).substr(0, role->body.find('\n')));
  if (name.empty() || name.find_first_of("/?#") != std::string::npos) {
    return Status::notFound("instance metadata: no role");
  }
  role_request.url += name;
  Result<HttpClientResponse> creds = http.send(role_request);
  if (!creds || creds->status != 200) {
    return Status::unavailable("instance metadata: role credentials unavailable");
  }
  return parseCredentialsJson(creds->body, "instance metadata");
}

}  // namespace barrier
