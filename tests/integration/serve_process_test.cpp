// The `barrier serve` program itself: it reads barrier.yaml, prints its
// address when ready, writes one JSON access-log line per request without
// secrets, and on SIGTERM or SIGINT finishes the request in flight and
// exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("barrier-serve-process-");
    ASSERT_FALSE(dir_.empty());
    fs::create_directories(fs::path(dir_) / "site" / "public");
    std::ofstream(fs::path(dir_) / "site" / "public" / "hello.txt") << "hello\n";
    upstream_ = std::make_unique<FakeUpstream>(
        [](const SeenRequest&) { return FakeUpstream::ok("slow answer"); });
  }
  void TearDown() override {
    serve_.reset();
    upstream_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts the binary with a config whose static origin is relative to the
  // config file; returns once "listening on" was printed.
  void startServe(const std::string& log_level = "info") {
    std::string config = serveConfigHead() +
                         "store:\n"
                         "  type: memory\n"
                         "public_paths: [\"/public/*\", \"/slow\"]\n"
                         "server:\n"
                         "  threads: 2\n"
                         "  origins:\n"
                         "    - prefix: /\n"
                         "      static: site\n"
                         "    - prefix: /slow\n"
                         "      upstream: " +
                         upstream_->url() + "\n";
    std::ofstream(fs::path(dir_) / "barrier.yaml") << config;
    serve_ = std::make_unique<ServeProgram>(dir_ + "/barrier.yaml", dir_,
                                            std::vector<std::string>{"--log-level", log_level});
    ASSERT_TRUE(serve_->ok()) << serve_->error();
    process_ = &serve_->process();
    stderr_ = serve_->stderrPath();
    port_ = serve_->port();
  }

  std::string dir_, stderr_;
  std::unique_ptr<FakeUpstream> upstream_;
  std::unique_ptr<ServeProgram> serve_;
  ChildProcess* process_ = nullptr;  // serve_'s
  uint16_t port_ = 0;
};

// Health, a static file, and one JSON log line per request that carries
// path, status, outcome, duration and request id — but no query string or cookie.
TEST_F(ServeProcessTest, ServesAndLogsWithoutSecrets) {
  startServe();
  EXPECT_EQ(httpGet(port_, "/_identity/health").status, 200);
  HttpReply file =
      httpGet(port_, "/public/hello.txt?code=SECRETCODE", "Cookie: barrier=SECRETCOOKIE\r\n");
  ASSERT_EQ(file.status, 200) << file.error << "; serve "
                              << (process_->running()
                                      ? std::string("still runs")
                                      : "exited: " + std::to_string(process_->terminate(0)))
                              << "; its stderr:\n"
                              << readFile(stderr_);
  EXPECT_EQ(file.body, "hello\n");
  ASSERT_TRUE(waitForFile(
      stderr_,
      [](const std::string& text) { return text.find("/public/hello.txt") != std::string::npos; },
      5000));
  std::string log = readFile(stderr_);
  EXPECT_EQ(log.find("SECRETCODE"), std::string::npos);
  EXPECT_EQ(log.find("SECRETCOOKIE"), std::string::npos);
  bool found = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << "not JSON: " << line;
    if (json.value("event", "") != "request" || json.value("path", "") != "/public/hello.txt")
      continue;
    found = true;
    EXPECT_EQ(json.value("method", ""), "GET");
    EXPECT_EQ(json.value("status", ""), "200");
    EXPECT_EQ(json.value("outcome", ""), "public");
    EXPECT_FALSE(json.value("request_id", "").empty());
    EXPECT_FALSE(json.value("duration_ms", "").empty());
    EXPECT_TRUE(json.contains("time"));
  }
  EXPECT_TRUE(found) << log;
}

// --log-level warn silences the access log.
TEST_F(ServeProcessTest, LogLevelWarnIsQuiet) {
  startServe("warn");
  EXPECT_EQ(httpGet(port_, "/public/hello.txt").status, 200);
  EXPECT_EQ(process_->terminate(10000), 0);
  EXPECT_EQ(readFile(stderr_).find("\"request\""), std::string::npos) << readFile(stderr_);
}

// SIGTERM during a request: the request completes, then the process exits 0.
TEST_F(ServeProcessTest, SigtermFinishesInFlightAndExitsZero) {
  startServe();
  upstream_->setDelay(std::chrono::milliseconds(1000));
  auto pending = std::async(std::launch::async, [&] { return httpGet(port_, "/slow"); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (upstream_->seen().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(upstream_->seen().empty());
  ASSERT_EQ(::kill(process_->pid(), SIGTERM), 0);
  HttpReply reply = pending.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "slow answer");
  EXPECT_EQ(process_->waitExit(10000), 0) << readFile(stderr_);
}

// SIGINT (Ctrl-C) with idle keep-alive connections open: exits 0 promptly.
TEST_F(ServeProcessTest, SigintWithIdleConnectionsExitsZero) {
  startServe();
  HttpConnection idle("127.0.0.1", port_);
  ASSERT_EQ(idle.exchange(rawRequest("GET", "/public/hello.txt")).status, 200);
  ASSERT_EQ(::kill(process_->pid(), SIGINT), 0);
  EXPECT_TRUE(idle.closedByPeer(5000));
  EXPECT_EQ(process_->waitExit(5000), 0) << readFile(stderr_);
}

// A taken port is a clear error at start-up, not a hang.
TEST_F(ServeProcessTest, PortInUseFailsClearly) {
  startServe();
  std::string out = dir_ + "/second.out", err = dir_ + "/second.err";
  ChildProcess second({BARRIER_BINARY, "serve", "-c", dir_ + "/barrier.yaml", "--listen",
                       "127.0.0.1:" + std::to_string(port_)},
                      out, err);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (second.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(second.waitExit(1000), 0);
  EXPECT_NE(readFile(err).find("in use"), std::string::npos) << readFile(err);
}

}  // namespace
}  // namespace barrier::testing
