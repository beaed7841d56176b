#include "tests/integration/support/dynamodb_emulator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/integration/support/serve_http.h"

namespace barrier::testing {

namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir(BARRIER_SOURCE_DIR);

bool onPath(const std::string& program) {
  std::string cmd = "command -v " + program + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Own process group (spawnProcess), so stop() reaches wrappers' children
// too (pyenv shims); no input, output dropped.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& cwd) {
  SpawnOptions options;
  options.cwd = cwd.string();
  options.null_stdin = true;
  options.stdout_path = "/dev/null";
  options.stderr_path = "/dev/null";
  return spawnProcess(argv, options);
}

}  // namespace

const char* emulatorName(EmulatorKind kind) {
  return kind == EmulatorKind::kDynalite ? "dynalite" : "moto";
}

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool waitForPort(int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

DynamoDbEmulator::DynamoDbEmulator(EmulatorKind kind) : kind_(kind) {}

DynamoDbEmulator::~DynamoDbEmulator() {
  stop();
  if (!data_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }
}

std::string DynamoDbEmulator::unavailableReason() const {
  if (kind_ == EmulatorKind::kDynalite) {
    if (!onPath("node")) return "needs node (not on PATH)";
    if (!fs::exists(kSourceDir / "node_modules" / "dynalite")) {
      return "needs node_modules/dynalite (npm ci)";
    }
    return "";
  }
  if (!onPath("moto_server")) return "needs moto_server (not on PATH; pip install 'moto[server]')";
  return "";
}

bool DynamoDbEmulator::start() {
  if (running()) return true;
  if (port_ == 0) port_ = freeLoopbackPort();
  std::string port = std::to_string(port_);
  if (kind_ == EmulatorKind::kDynalite) {
    if (data_dir_.empty()) {
      data_dir_ = (fs::temp_directory_path() /
                   ("barrier-dynalite-" + std::to_string(::getpid()) + "-" + port))
                      .string();
    }
    // Loopback only, short CREATING phase, data on disk so a restart keeps it.
    std::string script =
        "require('dynalite')({createTableMs: 50, path: process.argv[2]})"
        ".listen(Number(process.argv[1]), '127.0.0.1')";
    pid_ = spawn({"node", "-e", script, port, data_dir_}, kSourceDir);
  } else {
    pid_ = spawn({"moto_server", "-H", "127.0.0.1", "-p", port}, kSourceDir);
  }
  if (pid_ <= 0) return false;
  if (!waitForPort(port_, 30000)) {
    stop();
    return false;
  }
  return true;
}

void DynamoDbEmulator::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Children in the group (moto under a shim) may outlive the leader briefly.
  ::kill(-pid_, SIGKILL);
  pid_ = -1;
  // The port is free once nothing accepts on it any more.
  for (int i = 0; i < 100 && waitForPort(port_, 10); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

const std::string& boto3Python() {
  // Debian's python3-boto3 serves /usr/bin/python3; a python3 earlier on PATH
  // (pyenv, a virtualenv) may carry its own boto3 instead, or none.
  static const std::string python = [] {
    for (const char* candidate : {"python3", "/usr/bin/python3"}) {
      std::string cmd = std::string(candidate) + " -c 'import boto3' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) == 0) return std::string(candidate);
    }
    return std::string();
  }();
  return python;
}

bool boto3Available() { return !boto3Python().empty(); }

// Prepended to every script: boto3 before 1.28 (Debian 12 ships 1.26)
// ignores AWS_ENDPOINT_URL and would reach for AWS itself, so every client
// and resource gets the local endpoint unless the script names one.
constexpr const char* kLocalEndpointPreamble = R"(import os, boto3
def _local(make):
    def made(self, *args, **kwargs):
        kwargs.setdefault("endpoint_url", os.environ["AWS_ENDPOINT_URL"])
        return make(self, *args, **kwargs)
    return made
boto3.Session.client = _local(boto3.Session.client)
boto3.Session.resource = _local(boto3.Session.resource)
)";

std::string runPython(const std::string& script, const std::string& endpoint, bool& ok) {
  fs::path file =
      fs::temp_directory_path() / ("barrier-boto3-" + std::to_string(::getpid()) + ".py");
  std::ofstream(file) << kLocalEndpointPreamble << script;
  std::string cmd =
      "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_SESSION_TOKEN= "
      "AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=" +
      endpoint + " " + boto3Python() + " " + file.string() + " 2>&1";
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) {
    ok = false;
    return "";
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  ok = ::pclose(pipe) == 0;
  fs::remove(file);
  return out;
}

}  // namespace barrier::testing
