#include "tests/integration/support/lambda_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "core/http/query.h"

extern char** environ;

namespace barrier::testing {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

LambdaTempDir::LambdaTempDir() {
  std::string pattern = (fs::temp_directory_path() / "barrier-lambda-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

LambdaTempDir::~LambdaTempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::pair<int, std::string> lambdaRunShell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int rc = pclose(pipe);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

// ---------------------------------------------------------------------------

LambdaChild::LambdaChild(std::vector<std::string> argv, std::optional<std::vector<std::string>> env,
                         std::string log_path, bool pipe_stdout)
    : log_path_(std::move(log_path)) {
  // posix_spawn: no code runs between fork and exec in this threaded process.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int pipe_fds[2] = {-1, -1};
  if (pipe_stdout) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: the destructor kills all of it

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envs;
  if (env) {
    for (auto& e : *env) envs.push_back(e.data());
    envs.push_back(nullptr);
  }
  int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), env ? envs.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (pipe_stdout) {
    close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];
  }
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
}

LambdaChild::~LambdaChild() {
  if (pid_ > 0 && !exited_) {
    kill(-pid_, SIGTERM);
    auto deadline = SteadyClock::now() + std::chrono::seconds(3);
    while (SteadyClock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        exited_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Grandchildren (the bootstrap's exec'd loader keeps the pid) are in the group.
  if (pid_ > 0) kill(-pid_, SIGKILL);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool LambdaChild::running() {
  if (pid_ <= 0 || exited_) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

std::optional<std::string> LambdaChild::readLine(std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  while (true) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0 || stdout_fd_ < 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

std::string LambdaChild::log() const {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lambdaEvent(LambdaEventFormat format, const Request& request) {
  std::vector<std::string> cookie_headers = request.headers.getAll("Cookie");
  Json event;
  if (format == LambdaEventFormat::kRestV1) {
    Json headers = Json::object();
    Json multi_headers = Json::object();
    for (const auto& h : request.headers) {
      headers[h.name] = h.value;  // the last of a repeated header, as API Gateway does
      multi_headers[h.name].push_back(h.value);
    }
    Json single_query = Json::object();
    Json multi_query = Json::object();
    for (const auto& [name, value] : parseQuery(request.query)) {
      single_query[name] = value;
      multi_query[name].push_back(value);
    }
    bool no_query = multi_query.empty();
    event = {{"resource", "/_identity/{proxy+}"},
             {"path", request.path},
             {"httpMethod", request.method},
             {"headers", headers},
             {"multiValueHeaders", multi_headers},
             {"queryStringParameters", no_query ? Json() : single_query},
             {"multiValueQueryStringParameters", no_query ? Json() : multi_query},
             {"requestContext",
              {{"stage", "prod"},
               {"path", "/prod" + request.path},
               {"identity", {{"sourceIp", "203.0.113.1"}}}}},
             {"body", request.body.empty() ? Json() : Json(request.body)},
             {"isBase64Encoded", false}};
  } else {
    Json headers = Json::object();
    Json cookies = Json::array();
    for (const auto& h : request.headers) {
      std::string name = h.name;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "cookie") continue;
      headers[name] =
          headers.contains(name) ? headers[name].get<std::string>() + "," + h.value : h.value;
    }
    for (const auto& header : cookie_headers) {
      std::string_view rest = header;
      while (!rest.empty()) {
        size_t cut = rest.find("; ");
        if (!rest.substr(0, cut).empty()) cookies.push_back(std::string(rest.substr(0, cut)));
        rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 2);
      }
    }
    event = {{"version", "2.0"},
             {"routeKey", "ANY /_identity/{proxy+}"},
             {"rawPath", "/prod" + request.path},
             {"rawQueryString", request.query},
             {"headers", headers},
             {"requestContext",
              {{"stage", "prod"},
               {"http",
                {{"method", request.method},
                 {"path", "/prod" + request.path},
                 {"sourceIp", "203.0.113.1"}}}}},
             {"body", request.body},
             {"isBase64Encoded", false}};
    if (!cookies.empty()) event["cookies"] = cookies;
  }
  return event.dump();
}

LambdaHttpAnswer parseLambdaAnswer(LambdaEventFormat format, const std::string& body) {
  LambdaHttpAnswer answer;
  answer.response.status = 0;
  answer.raw = Json::parse(body, nullptr, false);
  if (!answer.raw.is_object() || !answer.raw.contains("statusCode")) return answer;
  Response& r = answer.response;
  r.status = answer.raw["statusCode"].get<int>();
  r.body = answer.raw.value("body", "");
  if (format == LambdaEventFormat::kRestV1) {
    for (const auto& [name, values] : answer.raw["multiValueHeaders"].items()) {
      for (const auto& value : values) r.headers.add(name, value.get<std::string>());
    }
  } else {
    for (const auto& [name, value] : answer.raw["headers"].items()) {
      r.headers.add(name, value.get<std::string>());
    }
    for (const auto& cookie : answer.raw.value("cookies", Json::array())) {
      r.headers.add("Set-Cookie", cookie.get<std::string>());
    }
  }
  return answer;
}

}  // namespace barrier::testing
