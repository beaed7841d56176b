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

class ServeProgram {
 public:
  // Runs BARRIER_BINARY serve -c `config_path` --listen 127.0.0.1:0
  // `extra_args`, stdout and stderr to `dir`/stdout.log and stderr.log, and
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
