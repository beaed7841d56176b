#include "adapters/aws_sts.h"

#include <utility>

#include "adapters/aws_client.h"
#include "adapters/xml.h"

namespace barrier {

namespace {

std::string formField(std::string_view name, std::string_view value) {
  return "&" + std::string(name) + "=" + awsUriEncode(value, false);
}

std::string sessionName(const AssumeRoleRequest& request, Clock& clock) {
  if (!request.session_name.empty()) return request.session_name;
  return "barrier-" + std::to_string(clock.now());
}

// One STS call: `action` with `fields` (already "&name=value" encoded).
Result<AwsCredentials> callSts(std::string_view action, const std::string& fields,
                               const AssumeRoleRequest& request,
                               std::shared_ptr<CredentialsProvider> credentials, bool anonymous,
                               const StsContext& context) {
  AwsClientOptions options;
  options.region = request.region.empty() ? "us-east-1" : request.region;
  options.env = context.env;
  options.attempt_timeout_ms = context.timeout_ms;
  options.max_attempts = 3;
  options.total_budget_ms = 4 * context.timeout_ms;
  AwsClientDeps deps;
  deps.http = context.http;
  deps.clock = context.clock;
  deps.credentials = std::move(credentials);
  AwsClient client(std::move(options), std::move(deps));

  AwsRequest call;
  call.service = "sts";
  call.anonymous = anonymous;
  call.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  call.body = "Action=" + std::string(action) + "&Version=2011-06-15" + fields;
  std::string what = "sts " + std::string(action) + " " + request.role_arn;
  Result<AwsResponse> response = client.sendOk(call, what);
  if (!response) return response.status();
  return parseStsCredentials(response->body, "role " + request.role_arn);
}

std::string commonFields(const AssumeRoleRequest& request, Clock& clock) {
  std::string fields = formField("RoleArn", request.role_arn) +
                       formField("RoleSessionName", sessionName(request, clock));
  if (request.duration_seconds > 0) {
    fields += formField("DurationSeconds", std::to_string(request.duration_seconds));
  }
  return fields;
}

}  // namespace

Result<AwsCredentials> assumeRoleWithWebIdentity(const AssumeRoleRequest& request,
                                                 std::string_view token,
                                                 const StsContext& context) {
  std::string fields = commonFields(request, *context.clock) + formField("WebIdentityToken", token);
  return callSts("AssumeRoleWithWebIdentity", fields, request,
                 std::shared_ptr<CredentialsProvider>(makeStaticCredentials({})),
                 /*anonymous=*/true, context);
}

Result<AwsCredentials> assumeRole(const AssumeRoleRequest& request, const AwsCredentials& source,
                                  const StsContext& context) {
  std::string fields = commonFields(request, *context.clock);
  if (!request.external_id.empty()) fields += formField("ExternalId", request.external_id);
  return callSts("AssumeRole", fields, request,
                 std::shared_ptr<CredentialsProvider>(makeStaticCredentials(source)),
                 /*anonymous=*/false, context);
}

Result<AwsCredentials> parseStsCredentials(std::string_view xml, std::string source) {
  Result<XmlElement> doc = parseXml(xml);
  if (!doc) return Status::unavailable("sts: the answer is not XML");
  const XmlElement* result = nullptr;
  for (const char* name : {"AssumeRoleResult", "AssumeRoleWithWebIdentityResult"}) {
    if (result == nullptr) result = doc->child(name);
  }
  const XmlElement* credentials = result ? result->child("Credentials") : nullptr;
  if (credentials == nullptr) return Status::unavailable("sts: the answer holds no Credentials");
  AwsCredentials c;
  c.access_key_id = credentials->childText("AccessKeyId");
  c.secret_access_key = credentials->childText("SecretAccessKey");
  c.session_token = credentials->childText("SessionToken");
  c.source = std::move(source);
  if (!c.complete() || c.session_token.empty()) {
    return Status::unavailable("sts: the answer lacks keys or a session token");
  }
  if (!parseIso8601(credentials->childText("Expiration"), c.expires_at)) {
    return Status::unavailable("sts: unreadable Expiration");
  }
  return c;
}

}  // namespace barrier
