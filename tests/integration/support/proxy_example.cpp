#include "proxy_example.h"

#include <filesystem>

namespace barrier::testing {

std::string ProxyExampleTest::startBackends(const std::string& example,
                                            const std::string& dir_prefix) {
  app_ = std::make_unique<FakeUpstream>(
      [](const SeenRequest& request) { return FakeUpstream::ok("app: " + request.target); });
  GatewaySetup setup;
  setup.rules.push_back({"/admin/*", {"admins"}});
  setup.public_paths.push_back("/public/*");
  setup.server.shutdown_grace_ms = 2000;
  barrier_ = std::make_unique<InProcessGateway>(std::move(setup));
  if (!barrier_->ok()) {
    ADD_FAILURE() << barrier_->error();
    return "";
  }
  dir_ = makeTempDir(dir_prefix);
  if (dir_.empty()) {
    ADD_FAILURE() << "no temporary directory";
    return "";
  }
  port_ = freePort();
  std::string text = readFile(std::string(BARRIER_SOURCE_DIR) + "/" + example);
  if (text.empty()) ADD_FAILURE() << "cannot read " << example;
  text = replaceAll(text, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(barrier_->port()));
  return replaceAll(text, "127.0.0.1:3000", "127.0.0.1:" + std::to_string(app_->port()));
}

void ProxyExampleTest::startProxy(const std::vector<std::string>& argv) {
  // The program's name, past an `env NAME=value ...` prefix.
  std::string program = argv.front();
  for (const std::string& word : argv) {
    if (word != "env" && word.find('=') == std::string::npos) {
      program = word;
      break;
    }
  }
  proxy_ = std::make_unique<ChildProcess>(argv, dir_ + "/stdout.log", dir_ + "/stderr.log");
  // Generous: the proxy starts in well under a second, but a machine busy
  // with sanitized tests and other work has been seen to take 15 s.
  if (waitForListener(*proxy_, port_, 60000)) return;
  // What the process is, if it is still there: the proxy itself or a child
  // that never reached it, and its state.
  std::string what = "exited";
  if (proxy_->running()) {
    std::error_code ec;
    std::string pid = std::to_string(proxy_->pid());
    what = "running " + std::filesystem::read_symlink("/proc/" + pid + "/exe", ec).string() +
           ", /proc stat: " + readFile("/proc/" + pid + "/stat");
  }
  FAIL() << program << " did not listen on " << port_ << " (" << what << "): " << proxyLog();
}

void ProxyExampleTest::TearDown() {
  proxy_.reset();  // SIGTERM to the whole process group, then SIGKILL
  barrier_.reset();
  app_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace barrier::testing
