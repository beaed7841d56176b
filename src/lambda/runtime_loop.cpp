#include "lambda/runtime_loop.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

namespace barrier {

namespace {

constexpr const char* kPrefix = "/2018-06-01/runtime";

// Request ids are UUIDs; anything else must not be pasted into a URL path.
bool isSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

int64_t parseMillis(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : 0;
}

// Lambda shows errorType as a class name ("Runtime.ExitError"); the codes'
// own names have spaces.
const char* errorType(Code code) {
  switch (code) {
    case Code::kOk:
      return "Ok";
    case Code::kNotFound:
      return "NotFound";
    case Code::kAlreadyExists:
      return "AlreadyExists";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kUnauthenticated:
      return "Unauthenticated";
    case Code::kPermissionDenied:
      return "PermissionDenied";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kTimeout:
      return "Timeout";
    case Code::kInternal:
      return "Internal";
  }
  return "Internal";
}

}  // namespace

std::string runtimeErrorJson(std::string_view type, std::string_view message) {
  nlohmann::json body = {{"errorType", std::string(type)}, {"errorMessage", std::string(message)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RuntimeLoop::RuntimeLoop(HttpClient& http, std::string api, Log& log)
    : http_(http), api_(std::move(api)), log_(log) {}

std::string RuntimeLoop::url(std::string_view path) const {
  return "http://" + api_ + kPrefix + std::string(path);
}

Status RuntimeLoop::reportInitError(const Status& error) { return postError("/init/error", error); }

Result<Invocation> RuntimeLoop::next() {
  HttpClientRequest request;
  request.url = url("/invocation/next");
  // The long poll waits as long as there is no event: a timeout here would
  // only turn an idle container into an error loop. The HttpClient port has
  // no "none", so the largest value stands for it (24 days).
  request.timeout_ms = kLongPollTimeoutMs;
  auto response = http_.send(request);
  if (!response) return response.status();
  if (response->status != 200) {
    return Status::unavailable("runtime API /next answered " + std::to_string(response->status));
  }
  Invocation invocation;
  invocation.request_id = response->headers.get("Lambda-Runtime-Aws-Request-Id");
  invocation.deadline_ms = parseMillis(response->headers.get("Lambda-Runtime-Deadline-Ms"));
  invocation.trace_id = response->headers.get("Lambda-Runtime-Trace-Id");
  invocation.function_arn = response->headers.get("Lambda-Runtime-Invoked-Function-Arn");
  invocation.payload = std::move(response->body);
  return invocation;
}

Status RuntimeLoop::post(const std::string& path, const std::string& body, const char* what) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = url(path);
  request.headers.add("Content-Type", "application/json");
  request.body = body;
  request.timeout_ms = 10000;
  auto response = http_.send(request);
  if (!response) return response.status();
  // 202 Accepted is the only success; 413 means the payload was too large.
  if (response->status != 202) {
    return Status::unavailable(std::string("runtime API ") + what + " answered " +
                               std::to_string(response->status));
  }
  return Status::ok();
}

Status RuntimeLoop::postError(const std::string& path, const Status& error) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = url(path);
  request.headers.add("Content-Type", "application/json");
  request.headers.add("Lambda-Runtime-Function-Error-Type", errorType(error.code()));
  request.body = runtimeErrorJson(errorType(error.code()), error.message());
  request.timeout_ms = 10000;
  auto response = http_.send(request);
  if (!response) return response.status();
  if (response->status != 202) {
    return Status::unavailable("runtime API error report answered " +
                               std::to_string(response->status));
  }
  return Status::ok();
}

Status RuntimeLoop::runOnce(const LambdaHandler& handler) {
  auto invocation = next();
  if (!invocation) return invocation.status();
  const std::string& id = invocation->request_id;
  if (!isSafeRequestId(id)) {
    // Without a usable id there is nothing to answer; Lambda times the
    // invocation out. Keep going: the next one may be fine.
    log_.write(LogLevel::kError, "lambda.bad_request_id", {{"length", std::to_string(id.size())}});
    return Status::ok();
  }
  const std::string base = "/invocation/" + id;
  Result<std::string> result = handler(*invocation);
  if (result) {
    Status posted = post(base + "/response", *result, "response");
    if (posted) return Status::ok();
    // The answer was refused (too large, say): still end the invocation.
    log_.write(LogLevel::kError, "lambda.response_rejected",
               {{"request_id", id}, {"error", posted.toString()}});
    result = Status::internal("the response was rejected: " + posted.message());
  } else {
    log_.write(LogLevel::kWarn, "lambda.invocation_error",
               {{"request_id", id}, {"error", result.status().toString()}});
  }
  Status reported = postError(base + "/error", result.status());
  if (!reported) {
    log_.write(LogLevel::kError, "lambda.error_report_failed",
               {{"request_id", id}, {"error", reported.toString()}});
  }
  return Status::ok();
}

Status RuntimeLoop::run(const LambdaHandler& handler, int max_invocations, int max_failures) {
  int failures = 0;
  for (int done = 0; max_invocations <= 0 || done < max_invocations;) {
    Status status = runOnce(handler);
    if (status) {
      failures = 0;
      ++done;
      continue;
    }
    log_.write(LogLevel::kError, "lambda.runtime_api_error", {{"error", status.toString()}});
    if (++failures >= max_failures) return status;
  }
  return Status::ok();
}

}  // namespace barrier
