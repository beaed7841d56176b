// Test helpers for the `barrier serve` suites: a blocking HTTP/1.1 client
// over a raw socket (so a test can send exactly the bytes it means, e.g. a
// traversal attempt no URL library would let through), a scriptable fake
// upstream, and a guard that kills a spawned process group.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/http/message.h"

namespace barrier::testing {

struct HttpReply {
  int status = 0;  // 0: no (complete) response; `error` says why
  Headers headers;
  std::string body;
  std::string error;
};

// One client connection. Every read has a deadline; nothing blocks forever.
class HttpConnection {
 public:
  HttpConnection(const std::string& host, uint16_t port, int timeout_ms = 10000);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool sendRaw(const std::string& bytes);
  // Reads one response. `head`: the request was HEAD (no body follows).
  // An interim "100 Continue" is skipped, unless `interim` asks for it.
  HttpReply read(bool head = false, bool interim = false);
  // sendRaw + read.
  HttpReply exchange(const std::string& raw, bool head = false);
  // True when the server has closed the connection (reads EOF within the timeout).
  bool closedByPeer(int timeout_ms = 3000);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false on EOF/error/timeout
  int fd_ = -1;
  int timeout_ms_;
  std::string buffer_;
  std::string error_;  // why the connection or the last read failed
};

// "GET /x HTTP/1.1\r\nHost: h\r\n<extra>\r\n" — `extra` lines end in \r\n.
std::string rawRequest(const std::string& method, const std::string& target,
                       const std::string& extra = "", const std::string& body = "");

// One request on a fresh connection.
HttpReply httpGet(uint16_t port, const std::string& target, const std::string& extra = "",
                  const std::string& host = "127.0.0.1");

// A request as the fake upstream saw it.
struct SeenRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;
  int connection = 0;  // which accepted connection carried it (1, 2, ...)
};

// A loopback HTTP/1.1 server on a thread. Each request is answered by
// `respond` with raw response bytes (after an optional delay); requests are
// recorded. Connections are kept alive unless the response says close.
// A listening TCP socket on 127.0.0.1, on a port picked by the kernel
// (written to `port`); -1 when it could not be opened.
int listenOnLoopback(uint16_t& port);

class FakeUpstream {
 public:
  using Responder = std::function<std::string(const SeenRequest&)>;
  explicit FakeUpstream(Responder respond);
  ~FakeUpstream();

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> seen();
  int connections() const { return connections_.load(); }
  void setDelay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }

  // A 200 with `body` and Content-Length.
  static std::string ok(const std::string& body, const std::string& extra_headers = "");

 private:
  void acceptLoop();
  void serve(int fd, int connection);

  Responder respond_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> delay_ms_{0};
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::vector<std::thread> threads_;
  std::vector<int> open_fds_;
  std::thread acceptor_;
};

// A port that was free a moment ago on `host` (bind to 0, read, close).
uint16_t freePort(const std::string& host = "127.0.0.1");

// How spawnProcess starts a program.
struct SpawnOptions {
  std::string cwd;          // "" = this process's
  std::string stdout_path;  // "" = stdout_fd, or this process's stdout
  std::string stderr_path;  // "" = this process's stderr
  int stdout_fd = -1;       // the write end of a pipe, say
  bool null_stdin = false;  // /dev/null rather than this process's stdin
};

// Starts `argv` (argv[0] looked up on PATH) in a process group of its own,
// with no signal blocked and every signal's default action; its pid, or -1.
// posix_spawn, never fork + exec: test processes have threads (servers,
// the sanitizers' own), and a forked child that allocates before exec can
// hang on a lock another thread held.
pid_t spawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Runs `argv` in its own process group with stdout/stderr to files; the
// destructor (or stop()) sends SIGTERM, then SIGKILL after a grace period.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM and wait up to `timeout_ms`; returns the exit status (or -1 when
  // it had to be killed).
  int terminate(int timeout_ms = 10000);
  // Waits up to `timeout_ms` for the process to exit on its own; its exit
  // status, or -2 when it is still running.
  int waitExit(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Waits until something accepts connections on 127.0.0.1:`port` while
// `child` runs: false when the child exits first or `timeout_ms` passes.
bool waitForListener(ChildProcess& child, uint16_t port, int timeout_ms);

// Polls `path`'s contents until `predicate` holds or the deadline passes.
bool waitForFile(const std::string& path, const std::function<bool(const std::string&)>& predicate,
                 int timeout_ms);
std::string readFile(const std::string& path);
// A fresh directory under the system temp dir.
std::string makeTempDir(const std::string& prefix);
// `text` with every `from` replaced by `to` (example configurations get
// their ports this way).
std::string replaceAll(std::string text, const std::string& from, const std::string& to);

}  // namespace barrier::testing
