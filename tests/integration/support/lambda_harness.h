// Helpers for the session manager's Lambda tests: child processes that are
// always stopped, and API Gateway events to and from core Request/Response
// (so tests/integration/support/manager_browser.h can browse "through" Lambda).
//
// Every process is started in its own process group and killed (group-wide)
// by its destructor, so a failing test leaves nothing running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/http/message.h"

namespace barrier::testing {

// A fresh directory under $TMPDIR, removed with its contents.
class LambdaTempDir {
 public:
  LambdaTempDir();
  ~LambdaTempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `command` with /bin/sh; returns its exit code and stdout.
std::pair<int, std::string> lambdaRunShell(const std::string& command);

// A child process with stdout optionally piped back and stderr to a log file.
class LambdaChild {
 public:
  // argv[0] is the program (a path, or a name found on PATH). When `env` is
  // given, the child gets exactly that environment.
  LambdaChild(std::vector<std::string> argv, std::optional<std::vector<std::string>> env,
              std::string log_path, bool pipe_stdout = false);
  ~LambdaChild();  // SIGTERM to the group, SIGKILL after 3 s, then reaps

  pid_t pid() const { return pid_; }
  bool running();
  // Next line of stdout (without '\n'), or nullopt at the deadline/EOF.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  std::string log() const;  // the stderr log so far, for failure messages

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::string log_path_;
  bool exited_ = false;
};

// The manager's proxy answer, whichever payload format it was.
struct LambdaHttpAnswer {
  Response response;  // status, headers (every Set-Cookie), body
  nlohmann::json raw;
};

enum class LambdaEventFormat { kRestV1, kHttpV2 };

// The API Gateway event for `request` on stage "prod": REST events carry the
// stage in requestContext only and the query as decoded maps, HTTP API
// events carry it in rawPath too, the raw query, and a `cookies` array — as
// AWS sends them.
std::string lambdaEvent(LambdaEventFormat format, const Request& request);

// Parses a /response document; response.status 0 when it is not one.
LambdaHttpAnswer parseLambdaAnswer(LambdaEventFormat format, const std::string& body);

}  // namespace barrier::testing
