#include "tests/integration/support/lambda_runtime_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace barrier::testing {

namespace {

constexpr const char* kPrefix = "/2018-06-01/runtime";

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return text;
}

bool sendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string httpResponse(int status, const std::string& reason, const std::string& body,
                         const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extra_headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

LambdaRuntimeApi::LambdaRuntimeApi() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free port
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

LambdaRuntimeApi::~LambdaRuntimeApi() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  cv_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  for (auto& t : connections_) t.join();
}

std::string LambdaRuntimeApi::address() const { return "127.0.0.1:" + std::to_string(port_); }

void LambdaRuntimeApi::acceptLoop() {
  while (true) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    std::lock_guard<std::mutex> lock(mu_);
    if (fd < 0 || stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    connection_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { serveConnection(fd); });
  }
}

// HTTP/1.1 with keep-alive and Content-Length bodies: what libcurl sends.
void LambdaRuntimeApi::serveConnection(int fd) {
  std::string buffer;
  char chunk[65536];
  while (true) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    HttpRequest request;
    std::string head = buffer.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.find(' ', sp1 + 1);
    request.method = request_line.substr(0, sp1);
    request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    size_t length = 0;
    if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
      length = std::stoul(it->second);
    }
    buffer.erase(0, header_end + 4);
    while (buffer.size() < length) {
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    std::string response = route(request);
    if (response.empty() || !sendAll(fd, response)) {
      ::close(fd);
      return;
    }
  }
}

std::string LambdaRuntimeApi::route(const HttpRequest& request) {
  const std::string& target = request.target;
  if (request.method == "GET" && target == std::string(kPrefix) + "/invocation/next") {
    return awaitNext();
  }
  if (request.method == "POST" && target == std::string(kPrefix) + "/init/error") {
    std::lock_guard<std::mutex> lock(mu_);
    init_error_ = request.body;
    cv_.notify_all();
    return httpResponse(202, "Accepted", "{\"status\":\"OK\"}");
  }
  std::string invocation_prefix = std::string(kPrefix) + "/invocation/";
  if (request.method == "POST" && target.rfind(invocation_prefix, 0) == 0) {
    std::string rest = target.substr(invocation_prefix.size());
    size_t slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string kind = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (kind == "response" || kind == "error") {
      InvocationOutcome outcome;
      outcome.error = kind == "error";
      outcome.body = request.body;
      if (auto it = request.headers.find("lambda-runtime-function-error-type");
          it != request.headers.end()) {
        outcome.error_type = it->second;
      }
      std::lock_guard<std::mutex> lock(mu_);
      outcomes_[id] = std::move(outcome);
      cv_.notify_all();
      return httpResponse(202, "Accepted", "{\"status\":\"OK\"}");
    }
  }
  return httpResponse(404, "Not Found", "{\"errorMessage\":\"unknown path\"}");
}

// The long poll: blocks until an event is queued (or the server stops, in
// which case the connection is dropped).
std::string LambdaRuntimeApi::awaitNext() {
  std::unique_lock<std::mutex> lock(mu_);
  ++next_calls_;
  cv_.notify_all();
  cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (stopping_) return "";
  auto [id, event] = std::move(queue_.front());
  queue_.pop_front();
  auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() +
                  30000;
  std::string headers = "Lambda-Runtime-Aws-Request-Id: " + id +
                        "\r\nLambda-Runtime-Deadline-Ms: " + std::to_string(deadline) +
                        "\r\nLambda-Runtime-Invoked-Function-Arn: "
                        "arn:aws:lambda:us-east-1:000000000000:function:barrier-manager\r\n";
  return httpResponse(200, "OK", event, headers);
}

std::optional<InvocationOutcome> LambdaRuntimeApi::invoke(const std::string& event,
                                                          std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  std::string id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++counter_);
  queue_.emplace_back(id, event);
  cv_.notify_all();
  bool done = cv_.wait_for(lock, timeout, [&] { return outcomes_.count(id) > 0; });
  if (!done) return std::nullopt;
  auto outcome = std::move(outcomes_[id]);
  outcomes_.erase(id);
  return outcome;
}

bool LambdaRuntimeApi::waitUntilPolling(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return next_calls_ > 0 || init_error_; }) &&
         next_calls_ > 0;
}

std::optional<std::string> LambdaRuntimeApi::initError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return init_error_;
}

int LambdaRuntimeApi::nextCalls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_calls_;
}

}  // namespace barrier::testing
