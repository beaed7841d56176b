// A throw-away redis-server for tests (stores, the revocation listener,
// several `barrier serve` on one Redis). Header-only: the test programs
// link hiredis through the adapters already.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace barrier {

inline bool haveRedisServer() {
  return std::system("command -v redis-server >/dev/null 2>&1") == 0;
}

// A TCP port on 127.0.0.1 that was free a moment ago.
inline int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// RedisServer's extra arguments for TLS on `tls_port` besides the plain
// port (kept for its readiness check and for looking at what a store
// wrote), with this certificate, trusting `ca_file` for client
// certificates, and a user "barrier" with the password "s3cret-pw" that
// the store signs in as (AUTH over TLS; the default user stays open).
inline std::vector<std::string> redisTlsArgs(int tls_port, const std::string& cert_file,
                                             const std::string& key_file,
                                             const std::string& ca_file, bool require_client_cert) {
  return {"--tls-port",
          std::to_string(tls_port),
          "--tls-cert-file",
          cert_file,
          "--tls-key-file",
          key_file,
          "--tls-ca-cert-file",
          ca_file,
          "--tls-auth-clients",
          require_client_cert ? "yes" : "no",
          "--user",
          "barrier",
          "on",
          ">s3cret-pw",
          "~*",
          "&*",
          "+@all"};
}

// A throw-away redis-server on 127.0.0.1:<port>, no persistence; stopped
// (SIGKILL) by the destructor even when a test fails.
class RedisServer {
 public:
  // `extra`: more arguments (`--replicaof`); `config`: the text of a
  // config file to start from (a sentinel's), kept in the server's directory.
  explicit RedisServer(int port, std::vector<std::string> extra = {}, std::string config = "")
      : port_(port), extra_(std::move(extra)), config_(std::move(config)) {}
  ~RedisServer() { stop(); }

  // Starts the server and waits (up to 10 s) until it answers PING.
  bool start() {
    std::string port = std::to_string(port_);
    // Its own directory: a replica writes what it receives there, and a
    // server started later in the same place would load it.
    dir_ = ::testing::TempDir() + "barrier-redis-" + port;
    std::filesystem::create_directories(dir_);
    std::vector<std::string> args = {"redis-server"};
    if (!config_.empty()) {
      std::string file = dir_ + "/redis.conf";  // a sentinel rewrites it
      std::ofstream(file) << config_;
      args.push_back(file);
    }
    for (const std::string& a :
         {std::string("--port"), port, std::string("--bind"), std::string("127.0.0.1"),
          std::string("--save"), std::string(), std::string("--appendonly"), std::string("no"),
          std::string("--loglevel"), std::string("warning"), std::string("--dir"), dir_}) {
      args.push_back(a);
    }
    for (const std::string& a : extra_) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      return false;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (answersPing()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

  // A raw command, for checking what the store wrote.
  long long integerCommand(const std::string& cmd) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    long long out = -100;
    if (c && !c->err) {
      auto* r = static_cast<redisReply*>(redisCommand(c, cmd.c_str()));
      if (r && r->type == REDIS_REPLY_INTEGER) out = r->integer;
      if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
    return out;
  }

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  bool answersPing() {
    timeval tv{0, 200000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    bool ok = false;
    if (c && !c->err) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = r && r->type == REDIS_REPLY_STATUS;
      if (r) freeReplyObject(r);
    }
    if (c) redisFree(c);
    return ok;
  }

  int port_;
  std::vector<std::string> extra_;
  std::string config_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace barrier
