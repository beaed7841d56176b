#include "tests/integration/support/idp_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/curl_http_client.h"
#include "tests/integration/support/serve_http.h"

namespace barrier::testing {

namespace {

// Reads one line from `fd` before `deadline`; false on EOF or timeout.
bool readLine(int fd, std::string& line, std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    line += c;
  }
  return false;
}

}  // namespace

IdpProcess::IdpProcess(const IdpOptions& options, int timeout_ms) {
  std::vector<std::string> args = {
      "node",        std::string(BARRIER_SOURCE_DIR) + "/tests/idp/idp.mjs",
      "--host",      options.host,
      "--port",      "0",
      "--client-id", options.client_id};
  if (!options.client_secret.empty()) {
    args.push_back("--client-secret");
    args.push_back(options.client_secret);
  }
  for (const auto& u : options.redirect_uris) {
    args.push_back("--redirect-uri");
    args.push_back(u);
  }
  for (const auto& u : options.logout_uris) {
    args.push_back("--logout-uri");
    args.push_back(u);
  }
  if (!options.backchannel_logout_uri.empty()) {
    args.insert(args.end(), {"--backchannel-logout-uri", options.backchannel_logout_uri});
  }
  if (!options.api_client.empty()) {
    args.insert(args.end(),
                {"--api-client", options.api_client, "--api-audience", options.api_audience});
  }
  if (options.es256) args.push_back("--es256");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  SpawnOptions spawn;
  spawn.cwd = BARRIER_SOURCE_DIR;  // node_modules lives there
  spawn.stdout_fd = out[1];
  pid_ = spawnProcess(args, spawn);
  close(out[1]);
  stdout_fd_ = out[0];
  if (pid_ < 0) {
    error_ = "cannot start node";
    return;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string line;
  if (!readLine(stdout_fd_, line, deadline)) {
    error_ = "the IdP printed no ready line (is node / oidc-provider installed?)";
    stop();
    return;
  }
  auto ready = nlohmann::json::parse(line, nullptr, false);
  if (!ready.is_object() || !ready.contains("issuer") || !ready["issuer"].is_string()) {
    error_ = "unexpected ready line: " + line;
    stop();
    return;
  }
  std::string issuer = ready["issuer"].get<std::string>();
  // Ready means answering HTTP, not just listening.
  auto http = makeCurlHttpClient();
  while (std::chrono::steady_clock::now() < deadline) {
    HttpClientRequest req;
    req.url = issuer + "/health";
    req.timeout_ms = 1000;
    auto r = http->send(req);
    if (r.isOk() && r->status == 200) {
      issuer_ = issuer;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "the IdP did not answer /health";
  stop();
}

IdpProcess::~IdpProcess() { stop(); }

void IdpProcess::stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGTERM);
    // Give it a moment to exit cleanly, then make sure.
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

}  // namespace barrier::testing
