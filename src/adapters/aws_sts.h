// STS as the credential chain uses it (aws_credentials.h): a role's
// temporary credentials in exchange for a web identity token (EKS service
// accounts, other OpenID Connect federations) or for other credentials
// (assume-role profiles). Query protocol, XML answers, through AwsClient
// (retries, AWS's error words); AssumeRoleWithWebIdentity is sent unsigned,
// as STS expects.
//
// The endpoint is STS's regional one for `region` (us-east-1 when none is
// known), unless AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL name another.
// Tokens and secrets never appear in a Status message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/aws_credentials.h"
#include "core/aws/sigv4.h"
#include "core/ports/clock.h"
#include "core/ports/http_client.h"
#include "core/status.h"

namespace barrier {

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;  // "" = "barrier-<unix time>"
  std::string external_id;   // AssumeRole only; "" = none
  int duration_seconds = 0;  // 0 = the role's default (one hour)
  std::string region;        // "" = us-east-1
};

struct StsContext {
  EnvLookup env;  // endpoint overrides
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<Clock> clock;
  int timeout_ms = 5000;  // per attempt
};

// AssumeRoleWithWebIdentity with `token` (the JWT itself).
Result<AwsCredentials> assumeRoleWithWebIdentity(const AssumeRoleRequest& request,
                                                 std::string_view token, const StsContext& context);
// AssumeRole, signed with `source`.
Result<AwsCredentials> assumeRole(const AssumeRoleRequest& request, const AwsCredentials& source,
                                  const StsContext& context);

// The <Credentials> of an AssumeRole* answer (AccessKeyId, SecretAccessKey,
// SessionToken, Expiration), marked as coming from `source`.
// kUnavailable when the answer is not such a document.
Result<AwsCredentials> parseStsCredentials(std::string_view xml, std::string source);

}  // namespace barrier
