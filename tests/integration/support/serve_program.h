// The `barrier serve` program as a child process: started with a
// configuration file on 127.0.0.1 and a port of its choosing, which it
// prints ("listening on http://127.0.0.1:PORT") once the socket is bound.
// The destructor stops it (SIGTERM to its process group, then SIGKILL).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "serve_http.h"

namespace barrier::testing {

// The signing key (base64 of 33 zero bytes) of every test configuration
// below, for a test that issues cookies itself.
inline const std::string kServeTestSigningKey(44, 'A');

// The first lines of a test's barrier.yaml: site_url, an oidc provider at
// `issuer` (client_id barrier; `provider_extra`, indented lines, added to
// it) and the session's signing key. The test appends the rest (store,
// server...).
std::string serveConfigHead(const std::string& issuer = "http://127.0.0.1:9",
                            const std::string& site_url = "http://127.0.0.1",
                            const std::string& provider_extra = "");

class ServeProgram {
 public:
  // Runs BARRIER_BINARY serve -c `config_path` --listen 127.0.0.1:0
  // `extra_args` (with their own --listen, that one instead: a test that
  // must know the port before starting, e.g. for the provider's
  // registration), stdout and stderr to `dir`/stdout.log and stderr.log, and
  // waits (up to `timeout_ms`) for its address. ok() is false (error() says
  // why, with its stderr) when it did not print one.
  ServeProgram(const std::string& config_path, const std::string& dir,
               const std::vector<std::string>& extra_args = {}, int timeout_ms = 20000);

  bool ok() const { return port_ != 0; }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  const std::string& stdoutPath() const { return stdout_; }
  const std::string& stderrPath() const { return stderr_; }
  // Its JSON-lines log so far.
  std::string log() const { return readFile(stderr_); }

 private:
  std::string stdout_, stderr_;
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
  std::string error_;
};

}  // namespace barrier::testing
