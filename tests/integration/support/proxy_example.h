// A reverse proxy's example configuration from examples/ (nginx, Caddy) run
// by the real proxy in front of an in-process barrier and a fake
// application, on ports picked at run time. The examples name barrier
// 127.0.0.1:8080 and the application 127.0.0.1:3000; the fixture gives
// them their real ports.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "serve_fixture.h"
#include "serve_http.h"

namespace barrier::testing {

class ProxyExampleTest : public ::testing::Test {
 protected:
  // Starts the application ("app: <target>") and barrier (/admin/* for
  // group admins, /public/* public), makes dir_ and picks port_ for the
  // proxy. The example's text with barrier's and the application's ports
  // filled in; empty (and a test failure) when something did not start.
  std::string startBackends(const std::string& example, const std::string& dir_prefix);
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
