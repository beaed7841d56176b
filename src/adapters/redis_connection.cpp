#include "adapters/redis_connection.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace barrier {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 16 * 1024;

SteadyClock::time_point after(int ms) { return SteadyClock::now() + std::chrono::milliseconds(ms); }

// Whole milliseconds left, rounded up (0 once past).
int millisLeft(SteadyClock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string describeEndpoint(const RedisEndpoint& e, bool tls) {
  if (!e.unix_path.empty()) return "unix://" + e.unix_path;
  bool v6 = e.host.find(':') != std::string::npos;
  return std::string(tls ? "rediss://" : "redis://") + (v6 ? "[" + e.host + "]" : e.host) + ":" +
         std::to_string(e.port);
}

// Waits for a non-blocking connect() to finish; 0 or the errno it failed with.
int finishConnect(int fd, SteadyClock::time_point deadline) {
  pollfd p{fd, POLLOUT, 0};
  int ready = ::poll(&p, 1, millisLeft(deadline));
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t len = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
  return error;
}

// A connected non-blocking socket to `address`, or -1 with `error` set.
int connectTo(const sockaddr* address, socklen_t length, int family,
              SteadyClock::time_point deadline, int& error) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
    return -1;
  }
  error = ::connect(fd, address, length) == 0 ? 0 : errno;
  if (error == EINPROGRESS || error == EAGAIN) error = finishConnect(fd, deadline);
  if (error != 0) {
    ::close(fd);
    return -1;
  }
  if (family != AF_UNIX) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

// Tries each address of host:port (or the unix socket) in turn.
int connectSocket(const RedisEndpoint& e, SteadyClock::time_point deadline, int& error) {
  if (!e.unix_path.empty()) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (e.unix_path.size() >= sizeof address.sun_path) {
      error = ENAMETOOLONG;
      return -1;
    }
    std::memcpy(address.sun_path, e.unix_path.c_str(), e.unix_path.size() + 1);
    return connectTo(reinterpret_cast<sockaddr*>(&address), sizeof address, AF_UNIX, deadline,
                     error);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints, &found);
      rc != 0) {
    error = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
    return -1;
  }
  int fd = -1;
  error = EHOSTUNREACH;
  for (addrinfo* a = found; a != nullptr && fd < 0 && millisLeft(deadline) > 0; a = a->ai_next) {
    fd = connectTo(a->ai_addr, a->ai_addrlen, a->ai_family, deadline, error);
  }
  ::freeaddrinfo(found);
  if (fd < 0 && millisLeft(deadline) == 0) error = ETIMEDOUT;
  return fd;
}

}  // namespace

Result<std::shared_ptr<const RedisTls>> makeRedisTls(const StoreTlsConfig& tls) {
  TlsClientSettings settings{tls.ca_file, tls.cert, tls.key, tlsMinVersion(tls.min_version),
                             "store.tls"};
  Result<SslContextPtr> context = makeTlsClientContext(settings);
  if (!context.isOk()) return context.status();
  return std::make_shared<const RedisTls>(
      RedisTls{std::shared_ptr<SSL_CTX>(context->release(), SslCtxFree{}), std::move(settings)});
}

void RedisReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

RedisConnection::RedisConnection(int fd, std::string where, Timeouts timeouts)
    : fd_(fd), where_(std::move(where)), timeouts_(timeouts), reader_(redisReaderCreate()) {}

RedisConnection::~RedisConnection() {
  if (ssl_ && !failed_ && SSL_is_init_finished(ssl_.get())) {
    // A courtesy close_notify, if the socket takes it at once.
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    char buffer[256];
    int n = BIO_read(tls_out_, buffer, sizeof buffer);
    if (n > 0) (void)::send(fd_, buffer, static_cast<size_t>(n), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  ssl_.reset();  // frees its BIOs
  if (reader_ != nullptr) redisReaderFree(reader_);
  ::close(fd_);
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::open(const RedisEndpoint& endpoint,
                                                               std::shared_ptr<const RedisTls> tls,
                                                               Timeouts timeouts) {
  std::string where = describeEndpoint(endpoint, tls != nullptr);
  auto deadline = after(timeouts.connect_ms);
  int error = 0;
  int fd = connectSocket(endpoint, deadline, error);
  if (fd < 0) {
    std::string message = "redis: cannot connect to " + where + ": " + std::strerror(error);
    return error == ETIMEDOUT ? Status::timeout(message) : Status::unavailable(message);
  }
  std::unique_ptr<RedisConnection> c(new RedisConnection(fd, std::move(where), timeouts));
  if (c->reader_ == nullptr) return Status::internal("redis: out of memory");
  if (tls != nullptr) {
    if (Status s = c->connectTls(std::move(tls), endpoint.host); !s.isOk()) return s;
  }
  return c;
}

Status RedisConnection::connectTls(std::shared_ptr<const RedisTls> tls, const std::string& host) {
  ssl_.reset(SSL_new(tls->context.get()));
  if (!ssl_) return fail(Status::internal("redis: out of memory"));
  if (Status named = expectPeerName(ssl_.get(), host); !named) {
    return fail(Status::invalid("redis: TLS with " + where_ + ": " + named.message()));
  }
  tls_ = std::move(tls);
  host_ = host;
  tls_in_ = BIO_new(BIO_s_mem());
  tls_out_ = BIO_new(BIO_s_mem());
  if (tls_in_ == nullptr || tls_out_ == nullptr) {
    BIO_free(tls_in_);
    BIO_free(tls_out_);
    tls_in_ = tls_out_ = nullptr;
    return fail(Status::internal("redis: out of memory"));
  }
  // An empty input BIO means "wait for the socket", not end of stream.
  BIO_set_mem_eof_return(tls_in_, -1);
  SSL_set_bio(ssl_.get(), tls_in_, tls_out_);
  Result<int> done =
      driveTls([this] { return SSL_connect(ssl_.get()); }, after(timeouts_.connect_ms));
  return done.isOk() ? Status::ok() : done.status();
}

Result<RedisReply> RedisConnection::command(const std::vector<std::string>& args) {
  auto deadline = after(timeouts_.command_ms);
  if (Status s = write(args, deadline); !s.isOk()) return s;
  Result<RedisReply> reply = readReply(deadline);
  if (!reply.isOk()) return fail(reply.status());  // its reply may still come
  return reply;
}

Status RedisConnection::send(const std::vector<std::string>& args) {
  return write(args, after(timeouts_.command_ms));
}

Result<RedisReply> RedisConnection::receive(int wait_ms) {
  Result<RedisReply> reply = readReply(after(wait_ms));
  // Nothing complete in time is no failure here: the caller only asked.
  if (!reply.isOk() && reply.status().code() == Code::kTimeout && !failed_) return RedisReply();
  return reply;
}

bool RedisConnection::reusable() {
  if (failed_ || reader_->pos < reader_->len || reader_->ridx >= 0) return false;
  if (ssl_ && (SSL_pending(ssl_.get()) > 0 || BIO_ctrl_pending(tls_in_) > 0)) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;
  failed_ = true;  // unasked bytes, or the server's close, unless TLS says otherwise
  if (!ssl_) return false;
  // TLS: the bytes may be records for TLS itself (session tickets), harmless.
  char buffer[kReadChunk];
  ssize_t got = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
  if (got <= 0) return false;
  BIO_write(tls_in_, buffer, static_cast<int>(got));
  ERR_clear_error();
  int r = SSL_read(ssl_.get(), buffer, 1);
  failed_ = !(r <= 0 && SSL_get_error(ssl_.get(), r) == SSL_ERROR_WANT_READ &&
              BIO_ctrl_pending(tls_out_) == 0);
  return !failed_;
}

Status RedisConnection::write(const std::vector<std::string>& args, Deadline deadline) {
  if (failed_) return lost("used after a failure");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* command = nullptr;
  int size =
      redisFormatCommandArgv(&command, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (size < 0) return fail(Status::internal("redis: out of memory"));
  Status sent;
  if (ssl_) {
    Result<int> written = driveTls([&] { return SSL_write(ssl_.get(), command, size); }, deadline);
    sent = written.status();
  } else {
    sent = sendAll(command, static_cast<size_t>(size), deadline);
  }
  redisFreeCommand(command);
  return sent;
}

Result<RedisReply> RedisConnection::readReply(Deadline deadline) {
  while (true) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
      return lost(std::string("malformed reply: ") + reader_->errstr);
    }
    if (raw != nullptr) {
      answered_ = true;
      return RedisReply(static_cast<redisReply*>(raw));
    }
    if (Status s = readSome(deadline); !s.isOk()) return s;
  }
}

Status RedisConnection::readSome(Deadline deadline) {
  char buffer[kReadChunk];
  size_t got = 0;
  if (ssl_) {
    Result<int> n = driveTls([&] { return SSL_read(ssl_.get(), buffer, sizeof buffer); }, deadline);
    if (!n.isOk()) return n.status();
    got = static_cast<size_t>(*n);
  } else {
    Result<size_t> n = recvSome(buffer, sizeof buffer, deadline);
    if (!n.isOk()) return n.status();
    got = *n;
  }
  if (redisReaderFeed(reader_, buffer, got) != REDIS_OK) return lost("out of memory");
  return Status::ok();
}

Status RedisConnection::waitFor(short events, Deadline deadline) {
  while (true) {
    pollfd p{fd_, events, 0};
    int ready = ::poll(&p, 1, millisLeft(deadline));
    if (ready > 0) return Status::ok();
    if (ready == 0) return Status::timeout("redis: " + where_ + ": timed out");
    if (errno != EINTR) return lost(std::string("poll: ") + std::strerror(errno));
  }
}

Status RedisConnection::sendAll(const char* data, size_t size, Deadline deadline) {
  while (size > 0) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Status s = waitFor(POLLOUT, deadline); !s.isOk()) return fail(s);
    } else if (errno != EINTR) {
      return lost(std::strerror(errno));
    }
  }
  return Status::ok();
}

// At most `size` bytes, at least one.
Result<size_t> RedisConnection::recvSome(char* buffer, size_t size, Deadline deadline) {
  while (true) {
    ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) return lost("connection closed by the server");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Status s = waitFor(POLLIN, deadline); !s.isOk()) return s;
    } else if (errno != EINTR) {
      return lost(std::strerror(errno));
    }
  }
}

template <typename Op>
Result<int> RedisConnection::driveTls(Op op, Deadline deadline) {
  while (true) {
    ERR_clear_error();  // SSL_get_error reads this thread's queue
    int r = op();
    int error = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
    // Whatever the call wrote (handshake messages, data, an alert) goes
    // out before anything else happens.
    if (Status s = flushTls(deadline); !s.isOk()) return s;
    if (error == SSL_ERROR_NONE) return r;
    if (error == SSL_ERROR_ZERO_RETURN) return lost("connection closed by the server");
    if (error != SSL_ERROR_WANT_READ) {
      return fail(Status::unavailable("redis: TLS with " + where_ + " failed: " +
                                      describeClientFailure(ssl_.get(), host_, tls_->settings)));
    }
    char buffer[kReadChunk];
    Result<size_t> n = recvSome(buffer, sizeof buffer, deadline);
    if (!n.isOk()) {
      // The server hung up mid-handshake: usually it refused us, and its
      // alert (if any) was read above.
      return n.status();
    }
    BIO_write(tls_in_, buffer, static_cast<int>(*n));
  }
}

Status RedisConnection::flushTls(Deadline deadline) {
  char buffer[kReadChunk];
  while (BIO_ctrl_pending(tls_out_) > 0) {
    int n = BIO_read(tls_out_, buffer, sizeof buffer);
    if (n <= 0) break;
    if (Status s = sendAll(buffer, static_cast<size_t>(n), deadline); !s.isOk()) return s;
  }
  return Status::ok();
}

Status RedisConnection::fail(Status status) {
  failed_ = true;
  return status;
}

Status RedisConnection::lost(const std::string& why) {
  std::string message = "redis: " + where_ + ": " + why;
  // TLS 1.3 finishes the client's handshake before the server has checked
  // its certificate: a refusal shows as a reset on the first read, its
  // alert often lost with it.
  if (ssl_ && !answered_ && SSL_is_init_finished(ssl_.get())) {
    message +=
        " right after the TLS handshake (a server that requires a client certificate "
        "does this: see " +
        tls_->settings.field + ".cert and " + tls_->settings.field + ".key)";
  }
  return fail(Status::unavailable(std::move(message)));
}

}  // namespace barrier
