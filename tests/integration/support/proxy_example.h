// A reverse proxy's example configuration from examples/ (nginx, Caddy) run
// by the real proxy in front of barrier and an application, on ports picked
// at run time. The examples name barrier 127.0.0.1:8080 and the application
// 127.0.0.1:3000; the helpers give them their real ports. ProxyExampleTest
// puts an in-process barrier behind the proxy; the end-to-end suite uses the
// free functions with the real `barrier serve` program.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "serve_fixture.h"
#include "serve_http.h"

namespace barrier::testing {

enum class ProxyKind { kNginx, kCaddy };
const char* proxyName(ProxyKind kind);
// "" when the proxy's binary is installed here, else why it cannot run.
std::string proxyUnavailableReason(ProxyKind kind);

// The example file (examples/nginx/barrier.conf, examples/caddy/Caddyfile)
// with barrier's and the application's ports filled in; "" when unreadable.
std::string exampleWithPorts(ProxyKind kind, uint16_t barrier_port, uint16_t app_port);

// Writes the proxy's whole configuration around `example` into `dir`
// (listening on 127.0.0.1:`port`, every file of the proxy's own below
// `dir`) and returns the command that runs it in the foreground.
std::vector<std::string> writeProxyConfig(ProxyKind kind, const std::string& example,
                                          const std::string& dir, uint16_t port);

// Runs `argv` (stdout/stderr to `dir`) until it listens on `port`; nullptr
// and `failure` set (the proxy's state and stderr) when it did not.
std::unique_ptr<ChildProcess> startProxyProcess(const std::vector<std::string>& argv,
                                                const std::string& dir, uint16_t port,
                                                std::string& failure);

// Forged identity headers, also as CGI, WSGI and Rack read them
// (X_Barrier_User is their X-Barrier-User): every value names mallory.
inline constexpr char kForgedIdentity[] =
    "X-Barrier-User: mallory\r\nX-Barrier-Email: mallory@example.com\r\n"
    "X-Barrier-Groups: admins\r\nX-Barrier-Session-Id: forged\r\n"
    "X_Barrier_User: mallory\r\nx_barrier-groups: mallory\r\nX-Barrier_Email: mallory\r\n";

// No header the application could read as an identity header but
// barrier's own four, and none of them with a forged value (a test failure
// names the header otherwise).
void expectOnlyBarriersIdentity(const Headers& headers);

// The above, and barrier's four identity headers once each, naming `user`
// with `groups` (comma-separated) and `email`; returns the session id one.
std::string expectIdentity(const Headers& headers, const std::string& user,
                           const std::string& groups, const std::string& email);

class ProxyExampleTest : public ::testing::Test {
 protected:
  // Starts the application ("app: <target>") and barrier (/admin/* for
  // group admins, /public/* public), makes dir_ and picks port_ for the
  // proxy. The example's text with barrier's and the application's ports
  // filled in; empty (and a test failure) when something did not start.
  std::string startBackends(ProxyKind kind, const std::string& dir_prefix);
  // Runs the proxy (stdout/stderr to dir_) until it listens on port_.
  void startProxy(const std::vector<std::string>& argv);
  void TearDown() override;

  HttpReply get(const std::string& target, const std::string& extra = "") const {
    return httpGet(port_, target, extra);
  }
  // The proxy's stderr, for failure messages.
  std::string proxyLog() const { return readFile(dir_ + "/stderr.log"); }

  std::unique_ptr<FakeUpstream> app_;
  std::unique_ptr<InProcessGateway> barrier_;
  std::unique_ptr<ChildProcess> proxy_;
  std::string dir_;
  uint16_t port_ = 0;
};

}  // namespace barrier::testing
