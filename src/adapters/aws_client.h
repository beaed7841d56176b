// AwsClient: the one call path to every AWS API barrier uses — DynamoDB
// (JSON protocol) now, S3 and CloudFront (REST) and CloudFormation
// (query/XML) for `barrier deploy`. It resolves the endpoint, signs with
// SigV4 (fresh credentials and timestamp on every attempt), sends through
// the HttpClient port and retries what is worth retrying. Protocol details
// (building an XML body, reading an XML answer) stay with the caller.
//
// Retries: throttling answers (ThrottlingException, Throttling,
// ProvisionedThroughputExceededException, RequestLimitExceeded, SlowDown,
// HTTP 429, ...), HTTP 5xx and connection failures/timeouts are retried
// with exponential back-off and full jitter (sleep = random(0, min(cap,
// base * 2^attempt))), up to `max_attempts` and never past
// `total_budget_ms` from the first attempt. Anything else is final.
//
// Errors keep AWS's words: a failed call's Status message reads
// "<service> <operation>: <Code>: <message> (HTTP <n>)" (see aws_error.h
// for the Code mapping). Credentials never appear in messages or logs.
//
// Example uses:
//
//   // DynamoDB (JSON protocol)
//   auto out = client.callJson("dynamodb", "DynamoDB_20120810.DescribeTable",
//                              {{"TableName", "t"}});
//
//   // CloudFormation (query protocol; the answer is XML)
//   AwsRequest r;
//   r.service = "cloudformation";
//   r.headers.add("Content-Type", "application/x-www-form-urlencoded");
//   r.body = "Action=DescribeStacks&Version=2010-05-15&StackName=x";
//   Result<AwsResponse> resp = client.sendOk(r, "cloudformation DescribeStacks");
//
//   // S3 upload (REST; path-style; unsigned payload)
//   AwsRequest put;
//   put.service = "s3";
//   put.method = "PUT";
//   put.path = "/" + bucket + "/" + awsUriEncode(key, true);
//   put.body = zip_bytes;
//   put.unsigned_payload = true;
//   client.sendOk(put, "s3 PutObject");
//
//   // S3 HEAD (404 is an answer, not a failure): use send(), look at status
//   // CloudFront: r.service = "cloudfront"; r.path =
//   //   "/2020-05-31/distribution/<id>/config"; GET, read
//   //   resp->headers.get("ETag"); PUT with If-Match. Signed for us-east-1.
//
// Thread-safe when its HttpClient, CredentialsProvider and Random are (the
// defaults are).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "adapters/aws_credentials.h"
#include "core/aws/aws_error.h"
#include "core/http/message.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/ports/log.h"
#include "core/ports/random.h"
#include "core/status.h"

namespace barrier {

struct AwsRequest {
  // Signing name, also the endpoint prefix: "dynamodb", "s3",
  // "cloudformation", "cloudfront", "sts", "lambda", "iam", ...
  std::string service;
  std::string method = "POST";
  std::string path = "/";  // wire path, already percent-encoded
  std::string query;       // wire query without '?', already encoded
  Headers headers;         // Content-Type, X-Amz-Target, If-Match, x-amz-acl, ...
  std::string body;
  // Sign UNSIGNED-PAYLOAD instead of the body's hash (S3 uploads).
  bool unsigned_payload = false;
  // Sent without a signature or credentials (STS AssumeRoleWithWebIdentity).
  bool anonymous = false;
  // Overrides for this call; empty = the client's region / resolved endpoint.
  std::string region;
  std::string endpoint;
  int attempt_timeout_ms = 0;  // 0 = the client's default
};

struct AwsResponse {
  int status = 0;
  Headers headers;
  std::string body;
  AwsError error;  // parsed from the answer when status is not 2xx
  bool ok() const { return status >= 200 && status < 300; }
};

struct AwsClientOptions {
  std::string region;  // default region for every call
  // Explicit endpoints per service (from configuration); they win over
  // AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL.
  std::map<std::string, std::string> endpoints;
  EnvLookup env;  // default: processEnvironment()
  int attempt_timeout_ms = 5000;
  int max_attempts = 5;
  int base_backoff_ms = 50;
  int max_backoff_ms = 5000;
  int total_budget_ms = 20000;
  Log* log = nullptr;  // retries are logged at warn ("aws.retry"); may be null
  // How to wait between attempts; tests may record instead of sleeping.
  std::function<void(int milliseconds)> sleep;
};

// What the client talks through. Any member left null gets the native
// default: libcurl, the default credential chain (using that HTTP client),
// the system clock, the OS random source, OpenSSL.
struct AwsClientDeps {
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<CredentialsProvider> credentials;
  std::shared_ptr<Clock> clock;
  std::shared_ptr<Random> random;
  std::shared_ptr<Crypto> crypto;
};

class AwsClient {
 public:
  AwsClient(AwsClientOptions options, AwsClientDeps deps = {});

  // Signs and sends `request`, retrying as described above. An ok Result
  // holds the final answer, whatever its HTTP status (error filled in for
  // non-2xx); a non-ok Status means no usable answer: no credentials
  // (kNotFound/kUnauthenticated), bad request setup (kInvalidArgument), or
  // the endpoint unreachable until the retries ran out (kUnavailable,
  // kTimeout).
  Result<AwsResponse> send(const AwsRequest& request);

  // send(), then a non-2xx answer becomes awsErrorStatus(error, context).
  Result<AwsResponse> sendOk(const AwsRequest& request, std::string_view context);

  // JSON protocol (application/x-amz-json-<version>, X-Amz-Target). The
  // answer body as text, or the AWS error as a Status.
  Result<std::string> callJsonText(std::string_view service, std::string_view target,
                                   std::string body, std::string_view json_version = "1.0");
  // The same with parsed JSON; a 2xx body that is not JSON is kUnavailable.
  Result<nlohmann::json> callJson(std::string_view service, std::string_view target,
                                  const nlohmann::json& body,
                                  std::string_view json_version = "1.0");

  // Where `service` calls go: explicit endpoint, AWS_ENDPOINT_URL_<SERVICE>,
  // AWS_ENDPOINT_URL, else the public endpoint for the region (global ones
  // for cloudfront, iam, route53).
  std::string endpointFor(std::string_view service, std::string_view region = "") const;
  // The region `service` is signed for (us-east-1 for the global services).
  std::string signingRegion(std::string_view service, std::string_view region = "") const;
  const std::string& region() const { return options_.region; }

 private:
  Result<HttpClientResponse> attempt(const AwsRequest& request, int timeout_ms);
  int backoffMs(int attempt);

  AwsClientOptions options_;
  AwsClientDeps deps_;
};

}  // namespace barrier
