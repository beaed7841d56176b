// One connection to a Redis server, plain or TLS through one code path:
// barrier's own socket (TCP or unix), OpenSSL over it when the URL is
// rediss://, and RESP through hiredis's command formatter and reply reader.
// Debian's hiredis (0.14) has no TLS of its own; only the bytes' way in and
// out differs between the two (docs/ARCHITECTURE.md, "Redis over TLS").
//
// Blocking with deadlines: the socket is non-blocking and every wait is a
// poll() bounded by the connect or command timeout, so a hung server is a
// kTimeout and a closed or refused one kUnavailable, never a hang. Writes
// use MSG_NOSIGNAL (OpenSSL writes into memory; barrier sends), so a server
// that went away is an error, not a SIGPIPE.
//
// Not thread-safe: one caller at a time (the store's pool lends it out).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapters/tls_context.h"
#include "core/config/config.h"
#include "core/status.h"

struct redisReply;
struct redisReader;

namespace barrier {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
// One parsed reply (hiredis's redisReply tree); an error reply is a reply.
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// rediss://: the client context made from store.tls, shared by every
// connection of a store (OpenSSL lets many threads make connections from
// one context), and the settings it was made from, to say in a refusal
// which CAs were trusted and which fields to fix.
struct RedisTls {
  std::shared_ptr<SSL_CTX> context;
  TlsClientSettings settings;
};

// Reads store.tls's files (adapters/tls_context.h): the CA file or the
// system's store, and the client pair when given. Errors name the field,
// the file and the fix; nothing is connected to.
Result<std::shared_ptr<const RedisTls>> makeRedisTls(const StoreTlsConfig& tls);

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string unix_path;  // set: a unix socket, host and port unused
};

class RedisConnection {
 public:
  struct Timeouts {
    int connect_ms = 2000;  // TCP connect, and the TLS handshake after it
    int command_ms = 2000;  // sending a command and reading its reply
  };

  // Connects, and with `tls` completes a verified handshake before
  // returning. A refused or unreachable server is kUnavailable, one that
  // does not answer in time kTimeout; a TLS failure is kUnavailable naming
  // its reason and the server ("rediss://host:port": the URL's password is
  // never known here).
  static Result<std::unique_ptr<RedisConnection>> open(const RedisEndpoint& endpoint,
                                                       std::shared_ptr<const RedisTls> tls,
                                                       Timeouts timeouts);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and waits for its reply. An I/O or protocol failure
  // marks the connection failed: a late reply could answer the next command.
  Result<RedisReply> command(const std::vector<std::string>& args);
  // Sends one command without waiting for its reply (a PING on a
  // subscribed connection).
  Status send(const std::vector<std::string>& args);
  // The next reply (a subscription's message), or an empty one when none
  // is complete within `wait_ms`; an error when the connection is lost.
  Result<RedisReply> receive(int wait_ms);

  // Fit to lend again: never failed, nothing unasked waiting, and not
  // closed by the server meanwhile (a restart, or sentinels disconnecting
  // clients after a failover).
  bool reusable();
  bool failed() const { return failed_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;

  RedisConnection(int fd, std::string where, Timeouts timeouts);

  Status connectTls(std::shared_ptr<const RedisTls> tls, const std::string& host);
  Status write(const std::vector<std::string>& args, Deadline deadline);
  Result<RedisReply> readReply(Deadline deadline);
  // Some bytes of the (decrypted) stream into the reply reader.
  Status readSome(Deadline deadline);

  // The socket, below TLS.
  Status waitFor(short events, Deadline deadline);
  Status sendAll(const char* data, size_t size, Deadline deadline);
  Result<size_t> recvSome(char* buffer, size_t size, Deadline deadline);

  // TLS: runs an OpenSSL call (connect, read, write) to completion,
  // carrying ciphertext between its memory BIOs and the socket.
  template <typename Op>
  Result<int> driveTls(Op op, Deadline deadline);
  Status flushTls(Deadline deadline);

  Status fail(Status status);
  Status lost(const std::string& why);

  const int fd_;
  const std::string where_;  // "rediss://host:port", for messages
  const Timeouts timeouts_;
  redisReader* reader_;
  std::shared_ptr<const RedisTls> tls_;
  SslPtr ssl_;
  BIO* tls_in_ = nullptr;   // ciphertext received, for OpenSSL to read
  BIO* tls_out_ = nullptr;  // ciphertext OpenSSL wrote, to send
  std::string host_;
  bool answered_ = false;  // a reply has been read
  bool failed_ = false;
};

}  // namespace barrier
