// A local stand-in for the AWS Lambda Runtime API (2018-06-01), for tests
// that run the packaged session manager's bootstrap.
//
// It listens on a free loopback port. invoke() queues an event and waits for
// the function's /response or /error; the function's GET .../next long-polls
// until an event is queued. One invocation at a time, as in Lambda.
// Thread-safe; the destructor stops the server and joins its threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace barrier::testing {

struct InvocationOutcome {
  bool error = false;      // posted to /error (true) or /response (false)
  std::string body;        // the response document or the error document
  std::string error_type;  // Lambda-Runtime-Function-Error-Type header, if any
};

class LambdaRuntimeApi {
 public:
  LambdaRuntimeApi();  // binds 127.0.0.1:<free port>; throws std::runtime_error on failure
  ~LambdaRuntimeApi();
  LambdaRuntimeApi(const LambdaRuntimeApi&) = delete;
  LambdaRuntimeApi& operator=(const LambdaRuntimeApi&) = delete;

  // "127.0.0.1:<port>", the value of AWS_LAMBDA_RUNTIME_API.
  std::string address() const;

  // Queues `event` and waits up to `timeout` for its outcome; nullopt on
  // timeout (the function died or hung).
  std::optional<InvocationOutcome> invoke(const std::string& event,
                                          std::chrono::milliseconds timeout);

  // Waits until the function has polled /next at least once (it is ready).
  bool waitUntilPolling(std::chrono::milliseconds timeout);

  // The body of an /init/error report, if one arrived.
  std::optional<std::string> initError() const;

  int nextCalls() const;

 private:
  struct HttpRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
  };

  void acceptLoop();
  void serveConnection(int fd);
  std::string route(const HttpRequest& request);
  std::string awaitNext();

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;
  std::vector<int> connection_fds_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int next_calls_ = 0;
  uint64_t counter_ = 0;
  std::deque<std::pair<std::string, std::string>> queue_;  // id, event
  std::map<std::string, InvocationOutcome> outcomes_;
  std::optional<std::string> init_error_;
};

}  // namespace barrier::testing
