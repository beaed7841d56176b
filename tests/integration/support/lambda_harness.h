// Helpers for the session manager's Lambda tests: child processes with a
// deadline, the local IdP and dynalite, a small cookie jar, API Gateway
// event builders, and a scripted login at the IdP's form.
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

#include "core/ports/http_client.h"

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

// A free TCP port on 127.0.0.1 (bound then released; good enough on a test host).
int lambdaFreePort();
// Polls until 127.0.0.1:port accepts a connection or the deadline passes.
bool lambdaWaitForPort(int port, std::chrono::milliseconds timeout);

// tests/idp/idp.mjs on a free port. Empty issuer() when it did not start.
class LambdaIdp {
 public:
  LambdaIdp(const std::string& source_dir, const std::string& client_id,
            const std::string& client_secret, const std::string& redirect_uri,
            const std::string& logout_uri, const std::string& log_path);
  const std::string& issuer() const { return issuer_; }
  std::string log() const { return child_ ? child_->log() : ""; }

 private:
  std::unique_ptr<LambdaChild> child_;
  std::string issuer_;
};

// dynalite (node_modules/dynalite) on a free port; endpoint() empty when it
// did not start.
class LambdaDynalite {
 public:
  LambdaDynalite(const std::string& source_dir, const std::string& log_path);
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::unique_ptr<LambdaChild> child_;
  std::string endpoint_;
};

// name -> value; Set-Cookie with an empty value or Max-Age=0 deletes.
class LambdaCookieJar {
 public:
  void apply(const std::string& set_cookie);
  void applyAll(const std::vector<std::string>& set_cookies) {
    for (const auto& c : set_cookies) apply(c);
  }
  std::vector<std::string> pairs() const;  // "name=value" each
  std::string header() const;              // "a=1; b=2"
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name) const;
  std::vector<std::string> namesWithPrefix(const std::string& prefix) const;

 private:
  std::map<std::string, std::string> values_;
};

// The manager's proxy answer, whichever payload format it was.
struct LambdaHttpAnswer {
  int status = 0;
  std::string location;
  std::vector<std::string> set_cookies;
  std::string body;
  nlohmann::json raw;
};

enum class LambdaEventFormat { kRestV1, kHttpV2 };

// A GET/POST event for `path` (no stage) with decoded query parameters and
// the jar's cookies, on stage "prod": REST events carry the stage in
// requestContext only, HTTP API events in rawPath too (as AWS sends them).
std::string lambdaEvent(LambdaEventFormat format, const std::string& method,
                        const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& query,
                        const LambdaCookieJar& cookies);

// Parses a /response document; status 0 when it is not one.
LambdaHttpAnswer parseLambdaAnswer(LambdaEventFormat format, const std::string& body);

// Query parameters of a URL, decoded.
std::vector<std::pair<std::string, std::string>> lambdaUrlQuery(const std::string& url);

// Follows the IdP's redirects from `authorize_url`, posts the login form for
// `user`, and returns the URL the IdP finally redirects to outside itself
// (the barrier's /_identity/auth?code=..&state=..). Error text otherwise.
struct IdpLoginResult {
  bool ok = false;
  std::string callback_url;
  std::string error;
};
IdpLoginResult lambdaLoginAtIdp(HttpClient& http, const std::string& issuer,
                                const std::string& authorize_url, const std::string& user,
                                const std::string& password);

}  // namespace barrier::testing
