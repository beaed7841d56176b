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

LambdaChild::LambdaChild(std::vector<std::string> argv,
                         std::optional<std::vector<std::string>> env, std::string log_path,
                         bool pipe_stdout)
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
  int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(),
                        env ? envs.data() : environ);
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
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
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

int lambdaFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool lambdaWaitForPort(int port, std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// ---------------------------------------------------------------------------

LambdaIdp::LambdaIdp(const std::string& source_dir, const std::string& client_id,
                     const std::string& client_secret, const std::string& redirect_uri,
                     const std::string& logout_uri, const std::string& log_path) {
  std::string script = source_dir + "/tests/idp/idp.mjs";
  if (!fs::exists(script)) return;
  child_ = std::make_unique<LambdaChild>(
      std::vector<std::string>{"node", script, "--port", "0", "--host", "127.0.0.1",
                               "--client-id", client_id, "--client-secret", client_secret,
                               "--redirect-uri", redirect_uri, "--logout-uri", logout_uri},
      std::nullopt, log_path, /*pipe_stdout=*/true);
  auto line = child_->readLine(std::chrono::seconds(20));
  if (!line) return;
  Json ready = Json::parse(*line, nullptr, false);
  if (ready.is_object() && ready.contains("issuer")) issuer_ = ready["issuer"].get<std::string>();
}

LambdaDynalite::LambdaDynalite(const std::string& source_dir, const std::string& log_path) {
  std::string cli = source_dir + "/node_modules/dynalite/cli.js";
  if (!fs::exists(cli)) return;
  int port = lambdaFreePort();
  child_ = std::make_unique<LambdaChild>(
      std::vector<std::string>{"node", cli, "--port", std::to_string(port), "--createTableMs",
                               "0"},
      std::nullopt, log_path);
  if (lambdaWaitForPort(port, std::chrono::seconds(20))) {
    endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  }
}

// ---------------------------------------------------------------------------

void LambdaCookieJar::apply(const std::string& set_cookie) {
  std::string pair = set_cookie.substr(0, set_cookie.find(';'));
  size_t eq = pair.find('=');
  if (eq == std::string::npos) return;
  std::string name = pair.substr(0, eq);
  std::string value = pair.substr(eq + 1);
  std::string lower = set_cookie;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (value.empty() || lower.find("max-age=0") != std::string::npos) {
    values_.erase(name);
  } else {
    values_[name] = value;
  }
}

std::vector<std::string> LambdaCookieJar::pairs() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : values_) out.push_back(name + "=" + value);
  return out;
}

std::string LambdaCookieJar::header() const {
  std::string out;
  for (const auto& pair : pairs()) out += (out.empty() ? "" : "; ") + pair;
  return out;
}

std::string LambdaCookieJar::get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "" : it->second;
}

std::vector<std::string> LambdaCookieJar::namesWithPrefix(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& [name, value] : values_) {
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

// ---------------------------------------------------------------------------

std::string lambdaEvent(LambdaEventFormat format, const std::string& method,
                        const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& query,
                        const LambdaCookieJar& cookies) {
  Json event;
  if (format == LambdaEventFormat::kRestV1) {
    Json multi_query = Json::object();
    Json single_query = Json::object();
    for (const auto& [name, value] : query) {
      multi_query[name].push_back(value);
      single_query[name] = value;
    }
    Json headers = {{"Accept", "text/html"}, {"Host", "api.example.test"}};
    Json multi_headers = {{"Accept", {"text/html"}}, {"Host", {"api.example.test"}}};
    if (!cookies.pairs().empty()) {
      headers["Cookie"] = cookies.header();
      multi_headers["Cookie"] = {cookies.header()};
    }
    event = {{"resource", "/{proxy+}"},
             {"path", path},
             {"httpMethod", method},
             {"headers", headers},
             {"multiValueHeaders", multi_headers},
             {"queryStringParameters", query.empty() ? Json() : single_query},
             {"multiValueQueryStringParameters", query.empty() ? Json() : multi_query},
             {"requestContext",
              {{"stage", "prod"},
               {"path", "/prod" + path},
               {"identity", {{"sourceIp", "203.0.113.1"}}}}},
             {"body", nullptr},
             {"isBase64Encoded", false}};
  } else {
    event = {{"version", "2.0"},
             {"routeKey", "ANY /_identity/{proxy+}"},
             {"rawPath", "/prod" + path},
             {"rawQueryString", encodeQuery(query)},
             {"headers", {{"accept", "text/html"}, {"host", "api.example.test"}}},
             {"requestContext",
              {{"stage", "prod"},
               {"http", {{"method", method}, {"path", "/prod" + path},
                         {"sourceIp", "203.0.113.1"}}}}},
             {"isBase64Encoded", false}};
    if (!cookies.pairs().empty()) event["cookies"] = cookies.pairs();
  }
  return event.dump();
}

LambdaHttpAnswer parseLambdaAnswer(LambdaEventFormat format, const std::string& body) {
  LambdaHttpAnswer answer;
  answer.raw = Json::parse(body, nullptr, false);
  if (!answer.raw.is_object() || !answer.raw.contains("statusCode")) return answer;
  answer.status = answer.raw["statusCode"].get<int>();
  answer.body = answer.raw.value("body", "");
  if (format == LambdaEventFormat::kRestV1) {
    const Json& multi = answer.raw["multiValueHeaders"];
    if (multi.contains("Location")) answer.location = multi["Location"][0];
    if (multi.contains("Set-Cookie")) {
      for (const auto& c : multi["Set-Cookie"]) answer.set_cookies.push_back(c);
    }
  } else {
    const Json& headers = answer.raw["headers"];
    if (headers.contains("Location")) answer.location = headers["Location"];
    for (const auto& c : answer.raw.value("cookies", Json::array())) {
      answer.set_cookies.push_back(c);
    }
  }
  return answer;
}

std::vector<std::pair<std::string, std::string>> lambdaUrlQuery(const std::string& url) {
  size_t q = url.find('?');
  if (q == std::string::npos) return {};
  return parseQuery(std::string_view(url).substr(q + 1));
}

// ---------------------------------------------------------------------------

namespace {

std::string absolute(const std::string& issuer, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
  return issuer + location;
}

// The form's action: oidc-provider's login form posts to
// /interaction/<uid>/login; the uid is in the interaction URL.
std::string loginActionFor(const std::string& interaction_url) {
  size_t at = interaction_url.find("/interaction/");
  std::string rest = interaction_url.substr(at);
  size_t q = rest.find('?');
  return rest.substr(0, q) + "/login";
}

}  // namespace

IdpLoginResult lambdaLoginAtIdp(HttpClient& http, const std::string& issuer,
                                const std::string& authorize_url, const std::string& user,
                                const std::string& password) {
  IdpLoginResult result;
  LambdaCookieJar jar;
  std::string url = authorize_url;
  bool posted = false;
  for (int hop = 0; hop < 12; ++hop) {
    if (url.rfind(issuer, 0) != 0) {
      result.ok = true;
      result.callback_url = url;
      return result;
    }
    HttpClientRequest request;
    request.url = url;
    if (!jar.pairs().empty()) request.headers.add("Cookie", jar.header());
    bool at_form = url.find("/interaction/") != std::string::npos && !posted;
    if (at_form) {
      request.method = "POST";
      request.url = issuer + loginActionFor(url);
      request.headers.add("Content-Type", "application/x-www-form-urlencoded");
      request.body = encodeQuery({{"username", user}, {"password", password}});
      posted = true;
    }
    auto response = http.send(request);
    if (!response) {
      result.error = response.status().toString();
      return result;
    }
    jar.applyAll(response->headers.getAll("Set-Cookie"));
    if (response->status < 300 || response->status >= 400) {
      result.error = "IdP answered " + std::to_string(response->status) + " at " +
                     request.url + ": " + response->body.substr(0, 300);
      return result;
    }
    url = absolute(issuer, response->headers.get("Location"));
  }
  result.error = "too many redirects at the IdP";
  return result;
}

}  // namespace barrier::testing
