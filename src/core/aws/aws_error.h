// AWS error answers, for every protocol: JSON (DynamoDB: "__type" and
// "message"), query/XML (CloudFormation: <ErrorResponse><Error><Code>) and
// REST/XML (S3, CloudFront: <Error><Code>). Parsing never fails: an
// unreadable body still yields an AwsError naming the HTTP status, so the
// operator always sees the service's own code and message when there is one.
//
// Pure and portable (used by the edge checker as well as the native client).
#pragma once

#include <string>
#include <string_view>

#include "core/http/message.h"
#include "core/status.h"

namespace barrier {

struct AwsError {
  int http_status = 0;
  // The error code without namespace, e.g. "ConditionalCheckFailedException",
  // "NoSuchKey", "Throttling". Empty when the answer named none.
  std::string code;
  std::string message;     // the service's message, verbatim (may be empty)
  std::string request_id;  // x-amzn-RequestId / x-amz-request-id, when sent
};

// Reads the code and message from `body` (JSON or XML) and the
// x-amzn-ErrorType / request-id headers. Bounded work on any input.
AwsError parseAwsError(int http_status, const Headers& headers, std::string_view body);

// True for answers worth retrying after a back-off: throttling codes
// (ThrottlingException, Throttling, ProvisionedThroughputExceededException,
// RequestLimitExceeded, TooManyRequestsException, SlowDown, ...), HTTP 429
// and 5xx.
bool isRetryableAwsError(const AwsError& error);

// The Status a caller reports, its message keeping the AWS code and message
// intact: "<context>: <Code>: <message> (HTTP <n>)". Codes map as
// ConditionalCheckFailedException -> kAlreadyExists, *NotFound* / NoSuch* /
// HTTP 404 -> kNotFound, validation -> kInvalidArgument, signature/token
// problems -> kUnauthenticated, AccessDenied -> kPermissionDenied, and
// anything else (throttling, 5xx, unknown) -> kUnavailable. The Status's
// reason() is the AWS code, so a caller tests hasReason("ParameterNotFound")
// rather than the message.
Status awsErrorStatus(const AwsError& error, std::string_view context);

}  // namespace barrier
