#include "core/aws/aws_error.h"

#include <nlohmann/json.hpp>

namespace barrier {

namespace {

// Error bodies are small; a huge one is not worth parsing in full.
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxMessage = 1024;

// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" and
// "ResourceNotFoundException:http://internal.amazon.com/..." both name
// ResourceNotFoundException.
std::string bareCode(std::string_view code) {
  size_t hash = code.rfind('#');
  if (hash != std::string_view::npos) code = code.substr(hash + 1);
  size_t colon = code.find(':');
  if (colon != std::string_view::npos) code = code.substr(0, colon);
  return std::string(code);
}

std::string clip(std::string text) {
  if (text.size() > kMaxMessage) text.resize(kMaxMessage);
  return text;
}

const std::string* stringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

void fromJson(std::string_view body, AwsError& out) {
  auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;
  for (const char* name : {"__type", "code", "Code"}) {
    if (const auto* v = stringField(doc, name); v && out.code.empty()) out.code = bareCode(*v);
  }
  for (const char* name : {"message", "Message", "errorMessage"}) {
    if (const auto* v = stringField(doc, name); v && out.message.empty()) out.message = clip(*v);
  }
}

// Text of the first <tag>...</tag>; XML entities for the usual five are decoded.
std::string xmlElement(std::string_view body, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = body.find(open);
  if (start == std::string_view::npos) return "";
  start += open.size();
  size_t end = body.find(close, start);
  if (end == std::string_view::npos) return "";
  std::string_view raw = body.substr(start, end - start);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool replaced = false;
      for (const auto& [entity, ch] : kEntities) {
        if (raw.substr(i).starts_with(entity)) {
          out += ch;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += raw[i];
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

AwsError parseAwsError(int http_status, const Headers& headers, std::string_view body) {
  AwsError out;
  out.http_status = http_status;
  if (body.size() > kMaxErrorBody) body = body.substr(0, kMaxErrorBody);
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') {
    fromJson(body, out);
  } else if (first != std::string_view::npos && body[first] == '<') {
    out.code = bareCode(xmlElement(body, "Code"));
    out.message = clip(xmlElement(body, "Message"));
  }
  if (out.code.empty()) out.code = bareCode(headers.get("x-amzn-ErrorType"));
  out.request_id = headers.get("x-amzn-RequestId");
  if (out.request_id.empty()) out.request_id = headers.get("x-amz-request-id");
  return out;
}

bool isRetryableAwsError(const AwsError& e) {
  if (e.http_status == 429 || e.http_status >= 500) return true;
  static constexpr std::string_view kThrottling[] = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "InternalServerError",
      "InternalFailure",
      "ServiceUnavailable",
  };
  for (std::string_view code : kThrottling) {
    if (e.code == code) return true;
  }
  return false;
}

namespace {

Code codeOf(const AwsError& e) {
  const std::string& c = e.code;
  if (c == "ConditionalCheckFailedException") return Code::kAlreadyExists;
  if (contains(c, "NotFound") || c.starts_with("NoSuch") || e.http_status == 404) {
    return Code::kNotFound;
  }
  if (c == "AccessDeniedException" || c == "AccessDenied" || e.http_status == 403) {
    if (contains(c, "Signature") || contains(c, "Token") || c == "UnrecognizedClientException") {
      return Code::kUnauthenticated;
    }
    return Code::kPermissionDenied;
  }
  if (contains(c, "Signature") || contains(c, "Token") || c == "UnrecognizedClientException" ||
      c == "MissingAuthenticationToken" || c == "InvalidClientTokenId") {
    return Code::kUnauthenticated;
  }
  if (isRetryableAwsError(e)) return Code::kUnavailable;
  if (contains(c, "Validation") || contains(c, "Serialization") || contains(c, "Invalid") ||
      contains(c, "Malformed") || c == "MissingParameter") {
    return Code::kInvalidArgument;
  }
  return Code::kUnavailable;
}

}  // namespace

Status awsErrorStatus(const AwsError& e, std::string_view context) {
  std::string text = std::string(context) + ": " + (e.code.empty() ? "error" : e.code);
  if (!e.message.empty()) text += ": " + e.message;
  text += " (HTTP " + std::to_string(e.http_status) + ")";
  return Status(codeOf(e), std::move(text), e.code);
}

}  // namespace barrier
