// The Lambda Runtime API loop of a custom runtime (provided.al2023).
//
// One invocation at a time: GET .../invocation/next (a long poll, no
// timeout), hand the payload to the handler, then POST the handler's answer
// to .../invocation/<id>/response or its failure to .../invocation/<id>/error.
// All traffic goes through the HttpClient port, so the loop is tested with a
// fake and runs against a local Runtime API server in integration tests.
//
// A bad event never ends the loop: the handler's error (or a rejected
// response) is reported for that invocation and the next one is fetched.
// Only a Runtime API that stops answering ends it; Lambda then replaces the
// container. Not thread-safe; one RuntimeLoop per process.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "core/ports/http_client.h"
#include "core/ports/log.h"
#include "core/status.h"

namespace barrier {

// The /next long poll's timeout: effectively none.
constexpr int kLongPollTimeoutMs = std::numeric_limits<int>::max();

// One invocation as the Runtime API hands it over.
struct Invocation {
  std::string request_id;    // Lambda-Runtime-Aws-Request-Id
  std::string payload;       // the event, JSON text
  int64_t deadline_ms = 0;   // Lambda-Runtime-Deadline-Ms (epoch ms), 0 if absent
  std::string trace_id;      // Lambda-Runtime-Trace-Id
  std::string function_arn;  // Lambda-Runtime-Invoked-Function-Arn
};

// A handler maps the event's JSON text to the response's JSON text
// (aws-lambda-cpp style). A non-ok Result is reported through /error with
// errorType = the code in CamelCase ("InvalidArgument") and errorMessage = the message — so
// messages must never carry secrets.
using LambdaHandler = std::function<Result<std::string>(const Invocation&)>;

class RuntimeLoop {
 public:
  // `api` is $AWS_LAMBDA_RUNTIME_API ("127.0.0.1:9001"); `http` and `log`
  // must outlive the loop.
  RuntimeLoop(HttpClient& http, std::string api, Log& log);

  // Tells Lambda that start-up failed (POST /runtime/init/error). The
  // process should exit afterwards.
  Status reportInitError(const Status& error);

  // Fetches, handles and answers one invocation. A non-ok Status means the
  // Runtime API itself failed (no invocation could be fetched); handler
  // failures are reported to Lambda and return ok.
  Status runOnce(const LambdaHandler& handler);

  // runOnce until the Runtime API fails `max_failures` times in a row, or
  // until `max_invocations` invocations have run when it is > 0 (tests).
  Status run(const LambdaHandler& handler, int max_invocations = 0, int max_failures = 3);

 private:
  Result<Invocation> next();
  Status post(const std::string& path, const std::string& body, const char* what);
  Status postError(const std::string& path, const Status& error);
  std::string url(std::string_view path) const;

  HttpClient& http_;
  std::string api_;
  Log& log_;
};

// {"errorType":"...","errorMessage":"..."}: the Runtime API's error body.
std::string runtimeErrorJson(std::string_view type, std::string_view message);

}  // namespace barrier
