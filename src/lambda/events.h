// Mapping between Lambda HTTP events and the core's Request/Response values.
//
// The session manager sits behind API Gateway (REST API, payload format 1.0;
// HTTP API, payload format 2.0) or a Lambda function URL (2.0 shape). Each
// event is turned into one Request exactly as a plain HTTP server would have
// received it, so the identity handlers never know which front end called.
//
// Everything here parses untrusted input: a malformed event is an
// kInvalidArgument Status naming the field, never a crash or an exception
// (tests/fuzz/lambda_event_fuzz.cpp keeps that honest).
#pragma once

#include <string>
#include <string_view>

#include "core/http/message.h"
#include "core/status.h"

namespace barrier {

enum class EventFormat {
  kApiGatewayV1,  // REST API, payload format 1.0
  kHttpV2,        // HTTP API payload format 2.0, also Lambda function URLs
};

struct HttpEvent {
  EventFormat format = EventFormat::kApiGatewayV1;
  // requestContext.stage ("prod", "$default"); "" for function URLs.
  std::string stage;
  // The request as the handlers see it: the stage prefix removed from the
  // path, the query string percent-encoded, cookies as Cookie headers.
  Request request;
};

// Events larger than this are refused before parsing (Lambda's own payload
// limit is 6 MB; a bigger document cannot be a real invocation).
constexpr size_t kMaxEventBytes = 6 * 1024 * 1024;

// Parses an invocation payload. Fails with kInvalidArgument when the text is
// not JSON, is not an HTTP event of a known shape, or a field has the wrong
// type ("event.headers must be an object").
Result<HttpEvent> parseHttpEvent(std::string_view json_text);

// Renders `response` as the Lambda proxy answer for `format`:
//  - 1.0: statusCode, headers (names that occur once), multiValueHeaders
//    (every header, so each Set-Cookie survives), body, isBase64Encoded;
//  - 2.0: statusCode, headers (repeats joined with ", "), cookies (one
//    entry per Set-Cookie), body, isBase64Encoded.
// A body that is not valid UTF-8 is sent base64-encoded.
std::string renderHttpResponse(const Response& response, EventFormat format);

// Removes a leading "/<stage>" from `path` when it is there ("/prod/x" with
// stage "prod" gives "/x"; "/prod" gives "/"). "$default" and "" never match.
std::string stripStagePrefix(std::string_view path, std::string_view stage);

}  // namespace barrier
