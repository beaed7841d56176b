#include "serve_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace barrier::testing {

namespace {

int connectTo(const std::string& host, uint16_t port, std::string& error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool sendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses "Name: value" lines of a header block (after the first line).
Headers parseHeaderLines(const std::string& block, std::string& first_line) {
  Headers headers;
  std::istringstream in(block);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first) {
      first_line = line;
      first = false;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    headers.add(line.substr(0, colon), value);
  }
  return headers;
}

}  // namespace

HttpConnection::HttpConnection(const std::string& host, uint16_t port, int timeout_ms)
    : timeout_ms_(timeout_ms) {
  fd_ = connectTo(host, port, error_);  // error_ is constructed by now
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::sendRaw(const std::string& bytes) { return fd_ >= 0 && sendAll(fd_, bytes); }

bool HttpConnection::fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left <= 0) {
    error_ = "timed out";
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(left));
  if (ready <= 0) {
    error_ = ready == 0 ? "timed out" : std::string("poll: ") + std::strerror(errno);
    return false;
  }
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    error_ = n == 0 ? "closed by the server" : std::string("recv: ") + std::strerror(errno);
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

HttpReply HttpConnection::read(bool head, bool interim) {
  HttpReply reply;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) {
      reply.error = error_ + (buffer_.empty() ? " before a response" : " in the response header");
      return reply;
    }
  }
  std::string first_line;
  Headers headers = parseHeaderLines(buffer_.substr(0, end), first_line);
  buffer_.erase(0, end + 4);
  int status = 0;
  if (first_line.size() >= 12) status = std::atoi(first_line.c_str() + 9);
  // Interim 100 Continue: skip it and read the real answer.
  if (status == 100) {
    if (!interim) return read(head);
    reply.status = status;
    return reply;
  }
  std::string body;
  bool bodiless = head || status == 204 || status == 304;
  if (!bodiless && lower(headers.get("Transfer-Encoding")).find("chunked") != std::string::npos) {
    while (true) {
      size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline)) return reply;
      }
      size_t size = std::strtoul(buffer_.substr(0, line_end).c_str(), nullptr, 16);
      while (buffer_.size() < line_end + 2 + size + 2) {
        if (!fill(deadline)) return reply;
      }
      body.append(buffer_, line_end + 2, size);
      buffer_.erase(0, line_end + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (!bodiless && headers.has("Content-Length")) {
    size_t length = std::strtoul(headers.get("Content-Length").c_str(), nullptr, 10);
    while (buffer_.size() < length) {
      if (!fill(deadline)) return reply;
    }
    body = buffer_.substr(0, length);
    buffer_.erase(0, length);
  } else if (!bodiless) {
    while (fill(deadline)) {
    }
    body.swap(buffer_);
  }
  reply.status = status;
  reply.headers = std::move(headers);
  reply.body = std::move(body);
  return reply;
}

HttpReply HttpConnection::exchange(const std::string& raw, bool head) {
  if (!sendRaw(raw)) {
    HttpReply reply;
    reply.error = fd_ < 0 ? error_ : std::string("send: ") + std::strerror(errno);
    return reply;
  }
  return read(head);
}

bool HttpConnection::closedByPeer(int timeout_ms) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK) <= 0;
}

std::string rawRequest(const std::string& method, const std::string& target,
                       const std::string& extra, const std::string& body) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra;
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  return out;
}

HttpReply httpGet(uint16_t port, const std::string& target, const std::string& extra,
                  const std::string& host) {
  HttpConnection connection(host, port);
  return connection.exchange(rawRequest("GET", target, extra));
}

int listenOnLoopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

// --- FakeUpstream ----------------------------------------------------------

FakeUpstream::FakeUpstream(Responder respond) : respond_(std::move(respond)) {
  listen_fd_ = listenOnLoopback(port_);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FakeUpstream::~FakeUpstream() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : threads_) t.join();
}

std::vector<SeenRequest> FakeUpstream::seen() {
  std::lock_guard lock(mu_);
  return seen_;
}

std::string FakeUpstream::ok(const std::string& body, const std::string& extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

void FakeUpstream::acceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int n = ++connections_;
    std::lock_guard lock(mu_);
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd, n] { serve(fd, n); });
  }
}

void FakeUpstream::serve(int fd, int connection) {
  std::string buffer;
  char chunk[65536];
  while (!stop_) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) == 0) {
        if (stop_) break;
        continue;
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (stop_) break;
    SeenRequest request;
    std::string first_line;
    request.headers = parseHeaderLines(buffer.substr(0, end), first_line);
    buffer.erase(0, end + 4);
    size_t sp1 = first_line.find(' ');
    size_t sp2 = first_line.find(' ', sp1 + 1);
    request.method = first_line.substr(0, sp1);
    request.target = first_line.substr(sp1 + 1, sp2 - sp1 - 1);
    // Reads until `buffer` holds `size` bytes (fillTo) or a whole line
    // (fillLine); false on EOF.
    auto fillTo = [&](size_t size) {
      while (buffer.size() < size) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      return true;
    };
    auto fillLine = [&]() {
      while (buffer.find("\r\n") == std::string::npos) {
        if (!fillTo(buffer.size() + 1)) return false;
      }
      return true;
    };
    // A request cut short (the connection closed mid-body) is not seen.
    bool complete = false;
    if (lower(request.headers.get("Transfer-Encoding")).find("chunked") != std::string::npos) {
      // Chunks without extensions or trailers, as barrier sends them.
      while (!complete && fillLine()) {
        size_t size = std::strtoul(buffer.c_str(), nullptr, 16);
        buffer.erase(0, buffer.find("\r\n") + 2);
        if (!fillTo(size + 2)) break;
        request.body.append(buffer, 0, size);
        buffer.erase(0, size + 2);
        complete = size == 0;
      }
    } else {
      size_t length = std::strtoul(request.headers.get("Content-Length").c_str(), nullptr, 10);
      complete = fillTo(length);
      request.body = buffer.substr(0, length);
      buffer.erase(0, std::min(length, buffer.size()));
    }
    if (!complete) break;
    request.connection = connection;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(request);
    }
    if (int delay = delay_ms_.load(); delay > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    std::string response = respond_(request);
    if (!sendAll(fd, response)) break;
    if (lower(response.substr(0, response.find("\r\n\r\n"))).find("connection: close") !=
        std::string::npos) {
      break;
    }
  }
  ::close(fd);
}

uint16_t freePort(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// --- ChildProcess ------------------------------------------------------------

pid_t spawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  constexpr int kCreate = O_WRONLY | O_CREAT | O_TRUNC;
  if (options.null_stdin) posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!options.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path.c_str(), kCreate, 0644);
  } else if (options.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, options.stdout_fd, 1);
  }
  if (!options.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, options.stderr_path.c_str(), kCreate, 0644);
  }
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attributes, &all);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ) != 0) pid = -1;
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                           const std::string& stderr_path) {
  SpawnOptions options;
  options.stdout_path = stdout_path;
  options.stderr_path = stderr_path;
  pid_ = spawnProcess(argv, options);
}

ChildProcess::~ChildProcess() { terminate(5000); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::terminate(int timeout_ms) {
  if (pid_ <= 0) return exit_status_;
  ::kill(-pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      // Children of the group (if any) go too.
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_status_ = -1;
  return -1;
}

int ChildProcess::waitExit(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_status_;
}

bool waitForFile(const std::string& path, const std::function<bool(const std::string&)>& predicate,
                 int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate(readFile(path))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string makeTempDir(const std::string& prefix) {
  std::string pattern = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  pattern += "/" + prefix + "XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

bool waitForListener(ChildProcess& child, uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpConnection probe("127.0.0.1", port, 1000);
    if (probe.connected()) return true;
    if (!child.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace barrier::testing
