// The server's lifecycle: listeners and their accept loops, the connection
// cap, signals, reload and graceful shutdown. What happens on a connection
// is connection.cpp's (and, from there, framing, routing, the endpoints and
// the origins: see endpoints.h).
#include "server/server.h"

#include <array>
#include <boost/asio/signal_set.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "server/asio_support.h"
#include "server/connection.h"
#include "server/exchange.h"
#include "server/listeners.h"
#include "server/tls_server.h"

namespace barrier {

using namespace server_detail;

namespace {

int threadCount(const ServerOptions& options) {
  if (options.threads > 0) return options.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// One io_context per worker thread, each run by that thread alone: a
// connection stays on the context it was accepted onto until it closes, so
// its handlers never hop between threads (docs/ARCHITECTURE.md, "Threads").
std::vector<std::unique_ptr<net::io_context>> makeContexts(int count) {
  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int i = 0; i < count; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  return contexts;
}

std::vector<const net::execution_context*> pointersTo(
    const std::vector<std::unique_ptr<net::io_context>>& contexts) {
  std::vector<const net::execution_context*> pointers;
  for (const auto& context : contexts) pointers.push_back(context.get());
  return pointers;
}

class ServerImpl : public Server {
 public:
  ServerImpl(const ServerOptions& options, std::shared_ptr<Gateway> gateway, Log& log)
      : startup_(options),
        contexts_(makeContexts(threadCount(options))),
        accept_strand_(net::make_strand(*contexts_.front())),
        grace_timer_(accept_strand_),
        server_(log, gateway->metrics(),
                std::make_shared<Site>(options, gateway,
                                       std::make_shared<LoginLimiter>(options.login_rate_limit),
                                       pointersTo(contexts_)),
                options) {
    // The first context has the accept loops; the others would return
    // from run() at once while no connection is theirs yet.
    for (size_t i = 1; i < contexts_.size(); ++i) {
      keep_running_.push_back(net::make_work_guard(*contexts_[i]));
    }
    server_.connections.setOnDrained(
        [this] { net::post(accept_strand_, [this] { grace_timer_.cancel(); }); });
  }

  Status start();
  std::string localAddress() const override { return formatEndpoint(publicEndpoint()); }
  uint16_t port() const override { return publicEndpoint().port(); }
  uint16_t metricsPort() const override { return portOf(Listening::kAdmin); }
  uint16_t redirectPort() const override { return portOf(Listening::kRedirect); }
  void run() override;
  void stop() override {
    net::post(accept_strand_, [this] { beginShutdown(); });
  }
  Status reload(const ServerOptions& options, std::shared_ptr<Gateway> gateway) override;

 private:
  tcp::endpoint publicEndpoint() const {
    MutexLock lock(listeners_mu_);
    return listener(Listening::kPublic).local;
  }
  uint16_t portOf(Listening on) const {
    MutexLock lock(listeners_mu_);
    const Listener& l = listener(on);
    return l.acceptor ? l.local.port() : 0;
  }
  Listener& listener(Listening on) REQUIRES(listeners_mu_) {
    return listeners_[static_cast<size_t>(on)];
  }
  const Listener& listener(Listening on) const REQUIRES(listeners_mu_) {
    return listeners_[static_cast<size_t>(on)];
  }
  Result<Listener> openOn(const std::string& address) {
    return openListener(address, accept_strand_);
  }
  void spawnAcceptLoop(const Listener& listener, Listening on) {
    if (!listener.acceptor) return;
    net::co_spawn(accept_strand_, acceptLoop(listener.acceptor, on), net::detached);
  }
  void loadCertificates(const ServerOptions& options);
  void noteStartupOnly(const ServerOptions& options);
  Status rebind(const ServerOptions& options);
  void replaceListener(Listening on, Listener next) REQUIRES(listeners_mu_);
  void waitForSignal();
  void beginShutdown();
  net::awaitable<void> acceptLoop(std::shared_ptr<tcp::acceptor> acceptor, Listening on);
  net::awaitable<bool> waitBelowCap(Listening on);
  void startConnection(tcp::socket socket, Listening on);

  // As given to create(): the settings a reload cannot change.
  const ServerOptions startup_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  // Until shutdown: keeps the contexts other than the first running.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running_;
  size_t next_context_ = 0;  // the accept loops' own (one strand)
  net::strand<net::io_context::executor_type> accept_strand_;
  net::steady_timer grace_timer_;
  std::optional<net::signal_set> signals_;
  ServerContext server_;  // after contexts_: its pools are joined before they go
  Mutex reload_mu_;       // one reload at a time
  mutable Mutex listeners_mu_;
  // By Listening: server.listen, server.metrics_listen, server.redirect_http.
  std::array<Listener, 3> listeners_ GUARDED_BY(listeners_mu_);
  ServerCertificates certificates_;  // server.tls
  // The TLS files of the running configuration (reload_mu_), and how many
  // reloads happened (so SIGHUP knows whether the configuration's reload
  // re-read them already).
  ServerOptions tls_files_ GUARDED_BY(reload_mu_);
  std::atomic<uint64_t> reloads_{0};
  // Public client connections being served (accepted, not yet finished).
  std::atomic<int64_t> open_connections_{0};
  bool at_cap_ = false;  // the accept loop's own (one strand)
};

// The addresses of `options`, by Listening.
std::array<std::string, 3> addressesOf(const ServerOptions& options) {
  return {options.listen, options.metrics_listen, options.redirect_http};
}

// Reads the TLS pair, loads the certificates and binds the listeners, then
// starts their accept loops (they run once run() does); from then on
// signals are caught, so none that comes before run() ends the process.
Status ServerImpl::start() {
  if (Status s = certificates_.load(startup_); !s) return s;
  {
    MutexLock reloading(reload_mu_);
    tls_files_ = startup_;
  }
  std::array<Listener, 3> opened;
  std::array<std::string, 3> addresses = addressesOf(startup_);
  for (size_t i = 0; i < opened.size(); ++i) {
    Result<Listener> listener = openOn(addresses[i]);
    if (!listener.isOk()) return listener.status();
    opened[i] = std::move(listener.value());
  }
  MutexLock lock(listeners_mu_);
  for (size_t i = 0; i < opened.size(); ++i) {
    listeners_[i] = std::move(opened[i]);
    spawnAcceptLoop(listeners_[i], static_cast<Listening>(i));
  }
  if (startup_.handle_signals) {
    signals_.emplace(accept_strand_, SIGINT, SIGTERM);
    if (startup_.on_reload || !startup_.tls_cert.empty()) signals_->add(SIGHUP);
    waitForSignal();
  }
  return Status::ok();
}

void ServerImpl::run() {
  server_.log.write(
      LogLevel::kInfo, "server.listening",
      {{"address", localAddress()}, {"threads", std::to_string(threadCount(startup_))}});
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_.front()->run();
  for (std::thread& thread : threads) thread.join();
  for (auto& pool : server_.site.get()->pools) {
    if (pool) pool->closeIdle();
  }
  server_.log.write(LogLevel::kInfo, "server.stopped", {});
}

Status ServerImpl::reload(const ServerOptions& options, std::shared_ptr<Gateway> gateway) {
  MutexLock reloading(reload_mu_);
  if (&gateway->metrics() != &server_.metrics) {
    return Status::invalid("reload: the new gateway counts into other metrics");
  }
  noteStartupOnly(options);
  if (Status s = rebind(options); !s) return s;
  std::shared_ptr<Site> old = server_.site.get();
  std::shared_ptr<LoginLimiter> limiter =
      options.login_rate_limit == old->options.login_rate_limit
          ? old->login_limiter
          : std::make_shared<LoginLimiter>(options.login_rate_limit);
  server_.site.set(std::make_shared<Site>(options, std::move(gateway), std::move(limiter),
                                          pointersTo(contexts_)));
  tls_files_ = options;
  loadCertificates(options);
  ++reloads_;
  return Status::ok();
}

// A pair that does not load keeps the running one: the site stays up on
// the certificate it has, and the log says what to fix.
void ServerImpl::loadCertificates(const ServerOptions& options) {
  if (Status s = certificates_.load(options); !s) {
    server_.log.write(LogLevel::kError, "tls.reload_failed", {{"error", s.message()}});
    return;
  }
  if (!options.tls_cert.empty()) {
    server_.log.write(LogLevel::kInfo, "tls.loaded", {{"cert", options.tls_cert}});
  }
}

// The options a running server cannot change: said once per reload that
// asks for another value, so the operator knows a restart is due.
void ServerImpl::noteStartupOnly(const ServerOptions& options) {
  auto note = [this](const char* setting, int64_t running, int64_t asked) {
    if (running == asked) return;
    server_.log.write(LogLevel::kWarn, "server.reload_needs_restart",
                      {{"setting", setting},
                       {"running", std::to_string(running)},
                       {"asked", std::to_string(asked)}});
  };
  note("server.threads", startup_.threads, options.threads);
  note("blocking_threads", startup_.blocking_threads, options.blocking_threads);
}

// Binds the addresses of `options` that differ from the running ones, then
// swaps them in and closes the old sockets (on the accept strand, where
// their loops wait): there is no moment without a listener. All or none: a
// bind that fails closes the sockets opened before it.
Status ServerImpl::rebind(const ServerOptions& options) {
  std::array<std::string, 3> running;
  {
    MutexLock lock(listeners_mu_);
    for (size_t i = 0; i < running.size(); ++i) running[i] = listeners_[i].address;
  }
  std::array<std::string, 3> asked = addressesOf(options);
  std::array<std::optional<Listener>, 3> opened;
  for (size_t i = 0; i < asked.size(); ++i) {
    if (asked[i] == running[i]) continue;
    Result<Listener> listener = openOn(asked[i]);
    if (!listener.isOk()) return listener.status();  // those opened close with `opened`
    opened[i] = std::move(listener.value());
  }
  MutexLock lock(listeners_mu_);
  if (server_.stopping.load()) return Status::unavailable("reload: the server is stopping");
  for (size_t i = 0; i < opened.size(); ++i) {
    if (opened[i]) replaceListener(static_cast<Listening>(i), std::move(*opened[i]));
  }
  return Status::ok();
}

void ServerImpl::replaceListener(Listening on, Listener next) {
  Listener& running = listener(on);
  spawnAcceptLoop(next, on);
  if (running.acceptor) {
    net::post(accept_strand_, [old = running.acceptor] {
      error_code ignored;
      old->close(ignored);
    });
  }
  static constexpr const char* kEvents[] = {"server.listening", "server.metrics_listening",
                                            "server.redirect_listening"};
  server_.log.write(LogLevel::kInfo, kEvents[static_cast<size_t>(on)],
                    {{"address", next.address}, {"previous", running.address}});
  running = std::move(next);
}

// Runs on accept_strand_; re-arms itself until shutdown.
void ServerImpl::waitForSignal() {
  signals_->async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    server_.log.write(LogLevel::kInfo, "server.signal", {{"signal", std::to_string(signal)}});
    if (signal != SIGHUP) {
      stop();
      return;
    }
    // The configuration's reload reads the TLS pair; when there is none,
    // or it failed, the running configuration's pair is read again.
    net::post(server_.blocking, [this] {
      uint64_t before = reloads_.load();
      if (startup_.on_reload) startup_.on_reload();
      if (reloads_.load() != before) return;
      MutexLock reloading(reload_mu_);
      loadCertificates(tls_files_);
    });
    waitForSignal();
  });
}

// Runs on accept_strand_. Idle keep-alive connections are closed now; busy
// ones finish their request and then close (stopping turns keep-alive off).
// run() returns when the last one is gone, or when the grace period ends.
void ServerImpl::beginShutdown() {
  if (server_.stopping.exchange(true)) return;
  server_.log.write(LogLevel::kInfo, "server.stopping", {});
  error_code ignored;
  {
    MutexLock lock(listeners_mu_);
    for (Listener& listener : listeners_) {
      if (listener.acceptor) listener.acceptor->close(ignored);
    }
  }
  if (signals_) signals_->cancel(ignored);
  grace_timer_.expires_after(std::chrono::milliseconds(startup_.shutdown_grace_ms));
  grace_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    server_.log.write(LogLevel::kWarn, "server.grace_expired", {});
    for (auto& context : contexts_) context->stop();
  });
  // Each context returns from run() once its last connection is gone.
  for (auto& guard : keep_running_) guard.reset();
  if (server_.connections.closeIdle()) grace_timer_.cancel();
}

// Runs on accept_strand_ until shutdown or until a reload closes
// `acceptor` (its address changed).
net::awaitable<void> ServerImpl::acceptLoop(std::shared_ptr<tcp::acceptor> acceptor, Listening on) {
  while (!server_.stopping.load() && acceptor->is_open()) {
    bool below_cap = co_await waitBelowCap(on);
    if (!below_cap) continue;
    error_code ec;
    tcp::socket socket(*contexts_[next_context_++ % contexts_.size()]);
    co_await acceptor->async_accept(socket, awaitInto(ec));
    if (server_.stopping.load() || ec == net::error::operation_aborted) break;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning.
      server_.log.write(LogLevel::kWarn, "server.accept_error", {{"error", ec.message()}});
      net::steady_timer pause(accept_strand_, std::chrono::milliseconds(50));
      co_await pause.async_wait(awaitInto(ec));
      continue;
    }
    startConnection(std::move(socket), on);
  }
}

// server.max_connections: at the cap, new connections are left in the
// listen queue until one ends (said once per spell at the cap); false after
// a short pause there. The cap is the public listener's: the metrics
// listener must still answer when the public one is saturated.
net::awaitable<bool> ServerImpl::waitBelowCap(Listening on) {
  if (on == Listening::kAdmin) co_return true;
  int64_t max_connections = server_.site.get()->options.max_connections;
  if (open_connections_.load() < max_connections) {
    at_cap_ = false;
    co_return true;
  }
  if (!at_cap_) {
    at_cap_ = true;
    server_.log.write(LogLevel::kWarn, "server.connection_limit",
                      {{"max_connections", std::to_string(max_connections)}});
  }
  error_code ec;
  net::steady_timer pause(accept_strand_, std::chrono::milliseconds(10));
  co_await pause.async_wait(awaitInto(ec));
  co_return false;
}

// The public listener's connections count against the cap, the redirect
// listener's too (both face the internet). Each TLS connection takes the
// certificate pair current when it was accepted.
void ServerImpl::startConnection(tcp::socket socket, Listening on) {
  auto executor = socket.get_executor();
  bool capped = on != Listening::kAdmin;
  if (capped) ++open_connections_;
  std::shared_ptr<ssl::context> tls = on == Listening::kPublic ? certificates_.current() : nullptr;
  net::co_spawn(executor, serveConnection(server_, std::move(socket), on, std::move(tls)),
                [this, capped](const std::exception_ptr&) {
                  if (capped) --open_connections_;
                });
}

}  // namespace

ServerOptions ServerOptions::fromConfig(const ValidConfig& config) {
  ServerOptions options;
  const ServerConfig& server = config.server;
  options.listen = server.listen;
  options.threads = server.threads;
  options.max_header_bytes = server.max_header_bytes;
  options.max_body_bytes = server.max_body_bytes;
  options.idle_timeout_ms = server.idle_timeout * 1000;
  options.upstream_timeout_ms = server.upstream_timeout * 1000;
  options.upgrade_idle_timeout_ms = server.upgrade_idle_timeout * 1000;
  options.max_connections = server.max_connections;
  options.metrics_listen = server.metrics_listen;
  options.tls_cert = server.tls.cert;
  options.tls_key = server.tls.key;
  options.tls_min_version = server.tls.min_version;
  options.redirect_http = server.redirect_http;
  options.login_rate_limit = server.login_rate_limit;
  options.trust_forwarded_proto = server.trust_forwarded_proto;
  options.offload_store = config.store.type == StoreConfig::Type::kRedis ||
                          config.store.type == StoreConfig::Type::kDynamoDb;
  return options;
}

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options,
                                               std::shared_ptr<Gateway> gateway, Log& log) {
  auto server = std::make_unique<ServerImpl>(options, std::move(gateway), log);
  Status status = server->start();
  if (!status.isOk()) return status;
  std::unique_ptr<Server> out = std::move(server);
  return out;
}

}  // namespace barrier
