#include "server/server.h"

#include <array>
#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/span_body.hpp>
#include <chrono>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/handlers/identity_context.h"
#include "core/mutex.h"
#include "server/access_log.h"
#include "server/asio_support.h"
#include "server/error_pages.h"
#include "server/forward_headers.h"
#include "server/login_limiter.h"
#include "server/upstream.h"

namespace barrier {

using namespace server_detail;

namespace {

constexpr size_t kFirstReadBytes = 4096;

// What one configuration gives the requests: the gateway (and through it
// the checker, manager and origins), the limits, a pool of upstream
// connections per origin and the login limiter. A request holds the Site it
// began with until it ends, so a reload never changes a request half-way,
// and the old Site goes when its last request does.
struct Site {
  Site(const ServerOptions& options_in, std::shared_ptr<Gateway> gateway_in, net::io_context& ioc,
       std::shared_ptr<LoginLimiter> limiter)
      : options(options_in), gateway(std::move(gateway_in)), login_limiter(std::move(limiter)) {
    for (const Origin& origin : gateway->origins()) {
      pools.push_back(origin.upstream ? std::make_unique<UpstreamPool>(ioc, *origin.upstream)
                                      : nullptr);
    }
  }
  std::chrono::milliseconds idleTimeout() const {
    return std::chrono::milliseconds(options.idle_timeout_ms);
  }

  const ServerOptions options;
  const std::shared_ptr<Gateway> gateway;
  std::vector<std::unique_ptr<UpstreamPool>> pools;  // by Origin::index; null for static ones
  // Shared by the Sites of one login_rate_limit: a reload keeps the counts.
  const std::shared_ptr<LoginLimiter> login_limiter;
};

// A listening socket and the address it was asked for ("" for none).
struct Listener {
  std::string address;
  std::shared_ptr<tcp::acceptor> acceptor;
  tcp::endpoint local;
};

// Per-request facts the writers and the access log need.
struct Exchange {
  std::shared_ptr<Site> site;  // the configuration this request is served under
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  std::string request_id;
  int status = 0;
  Outcome outcome = Outcome::kBadRequest;
  bool counted = false;  // in barrier_requests_total already
  // The client may still be sending: a body that was not read (only a
  // request forwarded upstream has its body read), or a refused request.
  // The connection then ends after the answer, lingering.
  bool unread_body = false;
  // Came in on server.metrics_listen: only health and metrics are served.
  bool admin = false;
  // The checked session's sub, for the access log; kept only with
  // server.log_user.
  std::string user;
};

// At most this much of an unread body is read and dropped after the last
// answer on a connection, so that closing it does not reset the connection
// (and the answer with it) while the client is still sending.
constexpr size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::chrono::seconds kMaxLinger{2};

// What a connection exposes to the shutdown logic. Touched only on the
// connection's strand (shutdown posts there), so no locking is needed.
struct ConnectionState {
  beast::tcp_stream* stream = nullptr;  // null once the connection is done
  bool idle = false;                    // waiting for the first byte of a request
};

// The last /_identity/health answer, reused while younger than max_age
// and while a ping is under way: however often the public route is
// asked, at most one store ping runs at a time, about once per max_age.
class HealthAnswers {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HealthAnswers(Clock::duration max_age) : max_age_(max_age) {}

  // The answer to give, or nullopt: the caller pings, then remember()s.
  std::optional<Response> answer(Clock::time_point now) {
    MutexLock lock(mu_);
    bool fresh = now - at_ < max_age_;
    // A ping whose answer never came (its connection torn down at stop)
    // does not hold the answer back for ever.
    bool pinging = pinging_ && now - ping_started_ < kPingOverdue;
    if (last_ && (fresh || pinging)) return last_;
    pinging_ = true;
    ping_started_ = now;
    return std::nullopt;
  }
  void remember(const Response& response, Clock::time_point asked) {
    MutexLock lock(mu_);
    last_ = response;
    at_ = asked;
    pinging_ = false;
  }

 private:
  static constexpr std::chrono::seconds kPingOverdue{30};
  const Clock::duration max_age_;
  Mutex mu_;
  std::optional<Response> last_ GUARDED_BY(mu_);
  Clock::time_point at_ GUARDED_BY(mu_);
  bool pinging_ GUARDED_BY(mu_) = false;
  Clock::time_point ping_started_ GUARDED_BY(mu_);
};

bool isFramingHeader(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Transfer-Encoding") ||
         equalsIgnoreCase(name, "Connection");
}

template <class Body>
void applyHeaders(http::response<Body>& response, const Headers& headers, const Exchange& ex) {
  for (const Header& header : headers) {
    if (isFramingHeader(header.name) || !isSafeHeader(header.name, header.value)) continue;
    response.insert(header.name, header.value);
  }
  response.set("X-Request-Id", ex.request_id);
}

Response jsonError(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "no-store");
  response.body = "{\"error\":\"" + std::string(message) + "\"}";
  return response;
}

// Client errors that just mean "the peer went away or stayed silent".
bool isQuietReadError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == http::error::partial_message;
}

class ServerImpl : public Server {
 public:
  ServerImpl(const ServerOptions& options, std::shared_ptr<Gateway> gateway, Log& log)
      : startup_(options),
        metrics_(gateway->metrics()),
        log_(log),
        ioc_(threadCount(options)),
        accept_strand_(net::make_strand(ioc_)),
        grace_timer_(accept_strand_),
        blocking_(static_cast<size_t>(std::max(1, options.blocking_threads))),
        store_reads_(static_cast<size_t>(std::max(1, options.blocking_threads))),
        site_(std::make_shared<Site>(options, std::move(gateway), ioc_,
                                     std::make_shared<LoginLimiter>(options.login_rate_limit))) {
    std::random_device device;
    request_id_prefix_ = device();
  }

  ~ServerImpl() override {
    blocking_.join();
    store_reads_.join();
  }

  // Binds both listeners and starts their accept loops (they run once
  // run() does); from then on signals are caught, so none that comes before
  // run() ends the process.
  Status start() {
    Result<Listener> main = openListener(startup_.listen);
    if (!main.isOk()) return main.status();
    Result<Listener> admin = openListener(startup_.metrics_listen);
    if (!admin.isOk()) return admin.status();
    MutexLock lock(listeners_mu_);
    public_ = std::move(main.value());
    admin_ = std::move(admin.value());
    spawnAcceptLoop(public_, /*admin=*/false);
    spawnAcceptLoop(admin_, /*admin=*/true);
    if (startup_.handle_signals) {
      signals_.emplace(accept_strand_, SIGINT, SIGTERM);
      if (startup_.on_reload) signals_->add(SIGHUP);
      waitForSignal();
    }
    return Status::ok();
  }

  // A listener on `address`, or one without a socket for "".
  Result<Listener> openListener(const std::string& address) {
    Listener listener;
    listener.address = address;
    if (address.empty()) return listener;
    listener.acceptor = std::make_shared<tcp::acceptor>(accept_strand_);
    if (Status s = bindTo(*listener.acceptor, address, listener.local); !s) return s;
    return listener;
  }

  Status bindTo(tcp::acceptor& acceptor, const std::string& listen, tcp::endpoint& local) {
    Result<ListenAddress> address = parseListenAddress(listen);
    if (!address.isOk()) return address.status();
    error_code ec;
    net::ip::address ip = address->host.empty() ? net::ip::address(net::ip::address_v4::any())
                                                : net::ip::make_address(address->host, ec);
    if (ec) {
      // A host name: resolve it once at start-up.
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(address->host, std::to_string(address->port), ec);
      if (ec || results.empty()) {
        return Status::invalid("listen " + listen + ": cannot resolve host");
      }
      ip = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(ip, address->port);
    auto fail = [&](const char* what) {
      return Status::unavailable("listen " + listen + ": " + what + ": " + ec.message());
    };
    if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
    if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) return fail("option");
    if (acceptor.bind(endpoint, ec)) return fail("bind");
    if (acceptor.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
    local = acceptor.local_endpoint(ec);
    return Status::ok();
  }

  void spawnAcceptLoop(const Listener& listener, bool admin) {
    if (!listener.acceptor) return;
    net::co_spawn(accept_strand_, acceptLoop(listener.acceptor, admin), net::detached);
  }

  std::string localAddress() const override {
    tcp::endpoint local = publicEndpoint();
    std::string host = local.address().to_string();
    if (local.address().is_v6()) host = "[" + host + "]";
    return host + ":" + std::to_string(local.port());
  }
  uint16_t port() const override { return publicEndpoint().port(); }
  uint16_t metricsPort() const override {
    MutexLock lock(listeners_mu_);
    return admin_.acceptor ? admin_.local.port() : 0;
  }

  void run() override {
    log_.write(LogLevel::kInfo, "server.listening",
               {{"address", localAddress()}, {"threads", std::to_string(threadCount(startup_))}});
    std::vector<std::thread> threads;
    for (int i = 1; i < threadCount(startup_); ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (std::thread& thread : threads) thread.join();
    for (auto& pool : currentSite()->pools) {
      if (pool) pool->closeIdle();
    }
    log_.write(LogLevel::kInfo, "server.stopped", {});
  }

  void stop() override {
    net::post(accept_strand_, [this] { beginShutdown(); });
  }

  Status reload(const ServerOptions& options, std::shared_ptr<Gateway> gateway) override {
    MutexLock reloading(reload_mu_);
    if (&gateway->metrics() != &metrics_) {
      return Status::invalid("reload: the new gateway counts into other metrics");
    }
    noteStartupOnly(options);
    if (Status s = rebind(options); !s) return s;
    std::shared_ptr<Site> old = currentSite();
    std::shared_ptr<LoginLimiter> limiter =
        options.login_rate_limit == old->options.login_rate_limit
            ? old->login_limiter
            : std::make_shared<LoginLimiter>(options.login_rate_limit);
    auto site = std::make_shared<Site>(options, std::move(gateway), ioc_, std::move(limiter));
    MutexLock lock(site_mu_);
    site_.swap(site);
    return Status::ok();
  }

 private:
  static int threadCount(const ServerOptions& options) {
    if (options.threads > 0) return options.threads;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }

  std::shared_ptr<Site> currentSite() const {
    MutexLock lock(site_mu_);
    return site_;
  }

  tcp::endpoint publicEndpoint() const {
    MutexLock lock(listeners_mu_);
    return public_.local;
  }

  // The options a running server cannot change: said once per reload that
  // asks for another value, so the operator knows a restart is due.
  void noteStartupOnly(const ServerOptions& options) {
    auto note = [this](const char* setting, int64_t running, int64_t asked) {
      if (running == asked) return;
      log_.write(LogLevel::kWarn, "server.reload_needs_restart",
                 {{"setting", setting},
                  {"running", std::to_string(running)},
                  {"asked", std::to_string(asked)}});
    };
    note("server.threads", startup_.threads, options.threads);
    note("blocking_threads", startup_.blocking_threads, options.blocking_threads);
  }

  // Binds the addresses of `options` that differ from the running ones,
  // then swaps them in and closes the old sockets (on the accept strand,
  // where their loops wait): there is no moment without a listener. Both or
  // neither: a second bind that fails closes the first new socket.
  Status rebind(const ServerOptions& options) {
    Listener main, admin;
    {
      MutexLock lock(listeners_mu_);
      main.address = public_.address;
      admin.address = admin_.address;
    }
    bool main_changed = main.address != options.listen;
    bool admin_changed = admin.address != options.metrics_listen;
    if (main_changed) {
      Result<Listener> opened = openListener(options.listen);
      if (!opened.isOk()) return opened.status();
      main = std::move(opened.value());
    }
    if (admin_changed) {
      Result<Listener> opened = openListener(options.metrics_listen);
      if (!opened.isOk()) return opened.status();  // `main`'s socket closes with it
      admin = std::move(opened.value());
    }
    MutexLock lock(listeners_mu_);
    if (stopping_.load()) return Status::unavailable("reload: the server is stopping");
    if (main_changed) replaceListener(public_, std::move(main), /*admin=*/false);
    if (admin_changed) replaceListener(admin_, std::move(admin), /*admin=*/true);
    return Status::ok();
  }

  void replaceListener(Listener& running, Listener next, bool admin) REQUIRES(listeners_mu_) {
    spawnAcceptLoop(next, admin);
    if (running.acceptor) {
      net::post(accept_strand_, [old = running.acceptor] {
        error_code ignored;
        old->close(ignored);
      });
    }
    log_.write(LogLevel::kInfo, admin ? "server.metrics_listening" : "server.listening",
               {{"address", next.address}, {"previous", running.address}});
    running = std::move(next);
  }

  // Runs on accept_strand_; re-arms itself until shutdown.
  void waitForSignal() {
    signals_->async_wait([this](const error_code& ec, int signal) {
      if (ec) return;
      log_.write(LogLevel::kInfo, "server.signal", {{"signal", std::to_string(signal)}});
      if (signal != SIGHUP) {
        stop();
        return;
      }
      net::post(blocking_, startup_.on_reload);
      waitForSignal();
    });
  }

  // Runs on accept_strand_.
  void beginShutdown() {
    if (stopping_.exchange(true)) return;
    log_.write(LogLevel::kInfo, "server.stopping", {});
    error_code ignored;
    {
      MutexLock lock(listeners_mu_);
      for (Listener* listener : {&public_, &admin_}) {
        if (listener->acceptor) listener->acceptor->close(ignored);
      }
    }
    if (signals_) signals_->cancel(ignored);
    grace_timer_.expires_after(std::chrono::milliseconds(startup_.shutdown_grace_ms));
    grace_timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      log_.write(LogLevel::kWarn, "server.grace_expired", {});
      ioc_.stop();
    });
    MutexLock lock(connections_mu_);
    for (const auto& [state, executor] : connections_) {
      // Idle keep-alive connections are closed now; busy ones finish their
      // request and then close (stopping_ turns keep-alive off).
      net::post(executor, [state = state] {
        if (state->stream != nullptr && state->idle) state->stream->cancel();
      });
    }
    if (connections_.empty()) grace_timer_.cancel();
  }

  void registerConnection(const std::shared_ptr<ConnectionState>& state,
                          net::any_io_executor executor) {
    MutexLock lock(connections_mu_);
    connections_.emplace(state, std::move(executor));
  }

  void unregisterConnection(const std::shared_ptr<ConnectionState>& state) {
    MutexLock lock(connections_mu_);
    connections_.erase(state);
    if (connections_.empty() && stopping_.load()) {
      net::post(accept_strand_, [this] { grace_timer_.cancel(); });
    }
  }

  // Runs on accept_strand_ until shutdown or until a reload closes
  // `acceptor` (its address changed).
  net::awaitable<void> acceptLoop(std::shared_ptr<tcp::acceptor> acceptor, bool admin) {
    while (!stopping_.load() && acceptor->is_open()) {
      error_code ec;
      // The cap is the public listener's: the metrics listener must still
      // answer when the public one is saturated.
      int64_t max_connections = currentSite()->options.max_connections;
      if (!admin && open_connections_.load() >= max_connections) {
        // At the cap: leave new connections in the listen queue until one
        // ends (said once per spell at the cap).
        if (!at_cap_) {
          at_cap_ = true;
          log_.write(LogLevel::kWarn, "server.connection_limit",
                     {{"max_connections", std::to_string(max_connections)}});
        }
        net::steady_timer pause(accept_strand_, std::chrono::milliseconds(10));
        co_await pause.async_wait(awaitInto(ec));
        continue;
      }
      if (!admin) at_cap_ = false;
      tcp::socket socket(net::make_strand(ioc_));
      co_await acceptor->async_accept(socket, awaitInto(ec));
      if (stopping_.load() || ec == net::error::operation_aborted) break;
      if (ec) {
        // Out of descriptors and the like: back off instead of spinning.
        log_.write(LogLevel::kWarn, "server.accept_error", {{"error", ec.message()}});
        net::steady_timer pause(accept_strand_, std::chrono::milliseconds(50));
        co_await pause.async_wait(awaitInto(ec));
        continue;
      }
      auto executor = socket.get_executor();
      if (!admin) ++open_connections_;
      net::co_spawn(executor, serveConnection(std::move(socket), admin),
                    [this, admin](const std::exception_ptr&) {
                      if (!admin) --open_connections_;
                    });
    }
  }

  net::awaitable<void> serveConnection(tcp::socket socket, bool admin) {
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote;
    if (auto endpoint = socket.remote_endpoint(ec); !ec) remote = endpoint.address().to_string();
    auto executor = socket.get_executor();
    beast::tcp_stream stream(std::move(socket));
    auto state = std::make_shared<ConnectionState>();
    state->stream = &stream;
    registerConnection(state, executor);
    metrics_.connectionOpened();
    beast::flat_buffer buffer;
    bool again = true;
    bool unread_body = false;
    while (again) {
      if (buffer.size() == 0) {
        // Idle between requests: the only state in which shutdown may cut us.
        state->idle = true;
        if (stopping_.load()) break;
        stream.expires_after(currentSite()->idleTimeout());
        size_t n = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), awaitInto(ec));
        buffer.commit(n);
        state->idle = false;
        if (ec) break;
      }
      again = co_await serveOne(stream, buffer, remote, admin, unread_body);
    }
    state->stream = nullptr;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (unread_body) co_await linger(stream);
    unregisterConnection(state);
    metrics_.connectionClosed();
  }

  std::string nextRequestId() {
    uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
    char id[40];
    std::snprintf(id, sizeof id, "%08x-%llx", request_id_prefix_,
                  static_cast<unsigned long long>(n));
    return id;
  }

  // Reads what the client still sends, up to kMaxLingerBytes or
  // kMaxLinger, after the write side was shut down.
  net::awaitable<void> linger(beast::tcp_stream& stream) {
    error_code ec;
    stream.expires_after(kMaxLinger);
    std::array<char, 16 * 1024> scratch;
    for (size_t total = 0; total < kMaxLingerBytes;) {
      size_t n = co_await stream.async_read_some(net::buffer(scratch), awaitInto(ec));
      if (ec) break;
      total += n;
    }
  }

  // Reads one request, answers it, logs it. Returns whether the connection
  // may carry another request; `unread_body` tells whether the client may
  // still be sending a body barrier did not read.
  net::awaitable<bool> serveOne(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                const std::string& remote, bool admin, bool& unread_body) {
    auto start = std::chrono::steady_clock::now();
    Exchange ex;
    ex.admin = admin;
    ex.request_id = nextRequestId();
    ex.site = currentSite();
    Request request;
    request.remote_addr = remote;
    bool again = co_await readAndDispatch(stream, buffer, request, ex);
    unread_body = ex.unread_body;
    if (ex.status != 0) {
      std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
      countOnce(ex);
      writeAccessLog(log_, {request.method, request.path, ex.status, ex.outcome, elapsed.count(),
                            ex.request_id, remote, ex.user});
    }
    co_return again && !stopping_.load();
  }

  net::awaitable<bool> readAndDispatch(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       Request& request, Exchange& ex) {
    // The header only: the body, if any, is read later, and only to be
    // streamed to an upstream (relay).
    http::request_parser<http::empty_body> parser;
    const ServerOptions& limits = ex.site->options;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    error_code ec;
    stream.expires_after(ex.site->idleTimeout());
    co_await http::async_read_header(stream, buffer, parser, awaitInto(ec));
    if (ec == http::error::header_limit) co_return co_await refuse(stream, 431, ex);
    // A Content-Length over the limit is refused as soon as the header is
    // parsed, before a byte of the body (or a "100 Continue") is exchanged.
    if (ec == http::error::body_limit) co_return co_await refuse(stream, 413, ex);
    if (ec && isQuietReadError(ec)) co_return false;
    if (ec) co_return co_await refuse(stream, 400, ex);

    const auto& header = parser.get();
    // Framing as RFC 9112 has it, so that no proxy in front reads where
    // this request ends differently: a Transfer-Encoding must end in
    // chunked, and HTTP/1.0 has none (§6.3); HTTP/1.1 names one Host (§3.2).
    if (header.count(http::field::transfer_encoding) != 0 &&
        (!parser.chunked() || header.version() < 11)) {
      co_return co_await refuse(stream, 400, ex);
    }
    if (header.version() >= 11 && header.count(http::field::host) != 1) {
      co_return co_await refuse(stream, 400, ex);
    }
    ex.version = header.version() >= 11 ? 11 : 10;
    ex.head = header.method() == http::verb::head;
    request.method = std::string(header.method_string());
    std::string_view target(header.target().data(), header.target().size());
    size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    // An origin-form target starts with '/' and never holds a '#' (RFC 9112
    // §3.2): parsers that meet one end the path there, which would make the
    // upstream's path another than the one checked.
    if (request.path.empty() || request.path.front() != '/' ||
        target.find('#') != std::string_view::npos)
      co_return co_await refuse(stream, 400, ex);

    for (const auto& field : parser.get()) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    ex.keep_alive = parser.get().keep_alive() && !stopping_.load();
    // The body stays unread until the request is to be forwarded upstream,
    // after the check: nobody gets barrier to read or hold a body without a
    // session (nor "100 Continue" to send one).
    ex.unread_body = !parser.is_done();
    ClientBody body{buffer, parser, static_cast<std::uint64_t>(limits.max_body_bytes)};
    co_return co_await dispatch(stream, request, body, ex);
  }

  // Answers a malformed or oversized request and closes the connection
  // (after lingering: the client may still be sending what was refused).
  net::awaitable<bool> refuse(beast::tcp_stream& stream, int status, Exchange& ex) {
    ex.outcome = Outcome::kBadRequest;
    ex.keep_alive = false;
    ex.unread_body = true;
    Response page = errorPage(status);
    co_await sendResponse(stream, page, ex);
    co_return false;
  }

  net::awaitable<bool> dispatch(beast::tcp_stream& stream, Request& request, ClientBody& body,
                                Exchange& ex) {
    Gateway::Route route = Gateway::route(request.path);
    // Metrics are served on server.metrics_listen alone (never to the
    // public: they tell how many visitors sign in and fail), and that
    // listener serves nothing else but health.
    bool admin_route = route == Gateway::Route::kHealth || route == Gateway::Route::kMetrics;
    if ((ex.admin && !admin_route) || (!ex.admin && route == Gateway::Route::kMetrics)) {
      ex.outcome = Outcome::kInternal;
      Response page = errorPage(404);
      co_return co_await sendResponse(stream, page, ex);
    }
    switch (route) {
      case Gateway::Route::kCheck: {
        Response response = co_await forwardAuth(request, ex);
        co_return co_await sendResponse(stream, response, ex);
      }
      case Gateway::Route::kHealth: {
        ex.outcome = Outcome::kInternal;
        auto now = std::chrono::steady_clock::now();
        std::optional<Response> response = health_.answer(now);
        if (!response) {
          response = co_await runBlocking(
              store_reads_, [&gateway = *ex.site->gateway] { return gateway.health(); });
          health_.remember(*response, now);
        }
        co_return co_await sendResponse(stream, *response, ex);
      }
      case Gateway::Route::kMetrics: {
        ex.outcome = Outcome::kInternal;
        Response response = ex.site->gateway->metricsPage();
        co_return co_await sendResponse(stream, response, ex);
      }
      case Gateway::Route::kIdentity: {
        ex.outcome = Outcome::kIdentity;
        if (request.path == kSignInPath && !allowLogin(request, *ex.site)) {
          Response refused = errorPage(429);
          refused.headers.set("Retry-After", std::to_string(ex.site->login_limiter->retryAfter()));
          co_return co_await sendResponse(stream, refused, ex);
        }
        Response response = co_await runBlocking(
            blocking_,
            [&gateway = *ex.site->gateway, &request] { return gateway.identity(request); });
        co_return co_await sendResponse(stream, response, ex);
      }
      case Gateway::Route::kProtected:
        co_return co_await serveProtected(stream, request, body, ex);
    }
    co_return false;
  }

  // One login start more for the request's client (server.login_rate_limit);
  // a refusal is logged with the address it counted against.
  bool allowLogin(const Request& request, const Site& site) {
    double now =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    std::string client = loginClientKey(request, site.options.trust_forwarded_proto);
    if (site.login_limiter->allow(client, now)) return true;
    log_.write(
        LogLevel::kWarn, "login.rate_limited",
        {{"client", client}, {"limit_per_minute", std::to_string(site.options.login_rate_limit)}});
    return false;
  }

  net::awaitable<CheckDecision> runCheck(const Request& request, const Site& site) {
    Gateway& gateway = *site.gateway;
    CheckStep step = gateway.beginCheck(request);
    while (step.needsLookup()) {
      if (site.options.offload_store) {
        step = co_await runBlocking(store_reads_,
                                    [&gateway, &step] { return gateway.lookup(std::move(step)); });
      } else {
        step = gateway.lookup(std::move(step));
      }
    }
    CheckDecision decision = std::move(step).decision();
    if (Gateway::hasStoreWrites(decision)) {
      if (site.options.offload_store) {
        co_await runBlocking(store_reads_, [&gateway, &decision] {
          gateway.applyStoreWrites(decision);
          return true;
        });
      } else {
        gateway.applyStoreWrites(decision);
      }
    }
    co_return decision;
  }

  // The access log names the session's user only when the operator asked
  // (server.log_user): a sub is personal data.
  void noteUser(const CheckDecision& decision, Exchange& ex) const {
    if (ex.site->gateway->config().server.log_user && decision.session) {
      ex.user = decision.session->sub;
    }
  }

  net::awaitable<Response> forwardAuth(const Request& request, Exchange& ex) {
    Result<Request> subject = Gateway::forwardAuthSubject(request);
    if (!subject.isOk()) {
      ex.outcome = Outcome::kBadRequest;
      co_return jsonError(400, subject.status().message());
    }
    CheckDecision decision = co_await runCheck(*subject, *ex.site);
    ex.outcome = Gateway::outcomeOf(decision.outcome);
    noteUser(decision, ex);
    co_return Gateway::forwardAuthResponse(decision, Gateway::wantsRedirect(request));
  }

  net::awaitable<bool> serveProtected(beast::tcp_stream& stream, Request& request, ClientBody& body,
                                      Exchange& ex) {
    CheckDecision decision = co_await runCheck(request, *ex.site);
    ex.outcome = Gateway::outcomeOf(decision.outcome);
    noteUser(decision, ex);
    if (!decision.forward) co_return co_await sendResponse(stream, decision.response, ex);
    Request& forwarded = decision.request;
    // Before the identity headers go in: a client's Connection header may
    // name them, and what it names is removed.
    removeHopByHopHeaders(forwarded.headers);
    for (const Header& h : decision.identityHeaders()) forwarded.headers.add(h.name, h.value);
    const Origin* origin = ex.site->gateway->originFor(forwarded.path);
    if (origin == nullptr) {
      Response page = errorPage(404);
      co_return co_await sendResponse(stream, page, ex);
    }
    if (origin->files) {
      StaticReply reply = origin->files->serve(forwarded);
      // With both a folder and an upstream, a file missing from the folder
      // is the upstream's to answer.
      if (reply.status != 404 || !origin->upstream) {
        co_return co_await sendStatic(stream, reply, ex);
      }
    }
    co_return co_await proxy(stream, forwarded, ex.unread_body ? &body : nullptr,
                             *ex.site->pools[origin->index], ex);
  }

  net::awaitable<bool> proxy(beast::tcp_stream& stream, Request& forwarded, ClientBody* body,
                             UpstreamPool& pool, Exchange& ex) {
    const Site& site = *ex.site;
    ForwardedFrom from{forwarded.remote_addr, std::string(site.gateway->config().siteHost()),
                       site.options.trust_forwarded_proto};
    removeSessionCookies(forwarded.headers, site.gateway->config().session.cookie_name);
    setForwardedHeaders(forwarded.headers, from);
    forwarded.headers.set("X-Request-Id", ex.request_id);
    RelayOptions relay_options;
    relay_options.upstream_timeout = std::chrono::milliseconds(site.options.upstream_timeout_ms);
    relay_options.client_timeout = site.idleTimeout();
    relay_options.client_version = ex.version;
    relay_options.client_keep_alive = ex.keep_alive;
    relay_options.stopping = &stopping_;
    Headers extra{{"X-Request-Id", ex.request_id}};
    RelayResult result = co_await relay(stream, forwarded, body, pool, relay_options, extra);
    ex.unread_body = !result.body_read;
    if (result.client_fault) {
      if (result.failure_status == 0) co_return false;  // the client went away
      co_return co_await refuse(stream, result.failure_status, ex);
    }
    if (result.failure_status != 0) {
      ex.outcome = Outcome::kUpstreamError;
      log_.write(LogLevel::kWarn, "upstream.error",
                 {{"status", std::to_string(result.failure_status)},
                  {"error", result.upstream_error},
                  {"upstream", pool.url().authority},
                  {"request_id", ex.request_id}});
      Response page = errorPage(result.failure_status);
      co_return co_await sendResponse(stream, page, ex);
    }
    ex.status = result.status;
    if (result.truncated) {
      // The header was out: the client got a cut connection, counted and
      // logged as the upstream's failure, not as the status it began with.
      ex.outcome = Outcome::kUpstreamError;
      log_.write(LogLevel::kWarn, "upstream.truncated",
                 {{"status", std::to_string(result.status)},
                  {"error", result.upstream_error},
                  {"upstream", pool.url().authority},
                  {"request_id", ex.request_id}});
    }
    co_return result.keep_alive;
  }

  // Counts the request in the metrics once. Called before a response is
  // written, so a client that has the answer also sees it counted.
  void countOnce(Exchange& ex) {
    if (ex.counted) return;
    ex.counted = true;
    metrics_.countRequest(ex.outcome);
  }

  net::awaitable<bool> sendResponse(beast::tcp_stream& stream, Response& response, Exchange& ex) {
    error_code ec;
    ex.status = response.status;
    countOnce(ex);
    // Decided at write time: a shutdown that began during the request makes
    // this its connection's last response, and the client is told so.
    ex.keep_alive = ex.keep_alive && !ex.unread_body && !stopping_.load();
    stream.expires_after(ex.site->idleTimeout());
    bool bodiless = response.status == 204 || response.status == 304 || response.status < 200;
    if (ex.head || bodiless) {
      http::response<http::empty_body> out;
      out.version(ex.version);
      out.result(static_cast<unsigned>(response.status));
      applyHeaders(out, response.headers, ex);
      if (!bodiless) out.content_length(response.body.size());
      out.keep_alive(ex.keep_alive);
      co_await http::async_write(stream, out, awaitInto(ec));
    } else {
      http::response<http::string_body> out;
      out.version(ex.version);
      out.result(static_cast<unsigned>(response.status));
      applyHeaders(out, response.headers, ex);
      out.body() = std::move(response.body);
      out.prepare_payload();
      out.keep_alive(ex.keep_alive);
      co_await http::async_write(stream, out, awaitInto(ec));
    }
    co_return !ec && ex.keep_alive;
  }

  net::awaitable<bool> sendStatic(beast::tcp_stream& stream, StaticReply& reply, Exchange& ex) {
    error_code ec;
    ex.status = reply.status;
    countOnce(ex);
    ex.keep_alive = ex.keep_alive && !ex.unread_body && !stopping_.load();
    stream.expires_after(ex.site->idleTimeout());
    if (!reply.send_body) {
      http::response<http::empty_body> out;
      out.version(ex.version);
      out.result(static_cast<unsigned>(reply.status));
      applyHeaders(out, reply.headers, ex);
      if (reply.status != 304) out.content_length(reply.content_length);
      out.keep_alive(ex.keep_alive);
      co_await http::async_write(stream, out, awaitInto(ec));
    } else if (reply.body) {
      http::response<http::span_body<const char>> out;
      out.version(ex.version);
      out.result(static_cast<unsigned>(reply.status));
      applyHeaders(out, reply.headers, ex);
      out.body() = beast::span<const char>(reply.body->data(), reply.body->size());
      out.prepare_payload();
      out.keep_alive(ex.keep_alive);
      co_await http::async_write(stream, out, awaitInto(ec));
    } else {
      http::response<http::file_body> out;
      out.body().open(reply.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        Response page = errorPage(404);
        co_return co_await sendResponse(stream, page, ex);
      }
      out.version(ex.version);
      out.result(static_cast<unsigned>(reply.status));
      applyHeaders(out, reply.headers, ex);
      out.prepare_payload();
      out.keep_alive(ex.keep_alive);
      co_await http::async_write(stream, out, awaitInto(ec));
    }
    co_return !ec && ex.keep_alive;
  }

  // As given to create(): the settings a reload cannot change.
  const ServerOptions startup_;
  Metrics& metrics_;  // every Site's gateway counts into this one
  Log& log_;
  net::io_context ioc_;
  net::strand<net::io_context::executor_type> accept_strand_;
  net::steady_timer grace_timer_;
  std::optional<net::signal_set> signals_;
  // Manager handlers (sign-in callbacks wait on the identity provider, up
  // to its timeout) and store reads (checks, health) in pools of their
  // own: a slow or unreachable provider must not hold up the checks of
  // visitors already signed in.
  net::thread_pool blocking_;
  net::thread_pool store_reads_;
  HealthAnswers health_{std::chrono::milliseconds(startup_.health_max_age_ms)};
  Mutex reload_mu_;  // one reload at a time
  mutable Mutex site_mu_;
  std::shared_ptr<Site> site_ GUARDED_BY(site_mu_);
  mutable Mutex listeners_mu_;
  Listener public_ GUARDED_BY(listeners_mu_);
  Listener admin_ GUARDED_BY(listeners_mu_);  // server.metrics_listen
  std::atomic<bool> stopping_{false};
  // Public client connections being served (accepted, not yet finished).
  std::atomic<int64_t> open_connections_{0};
  bool at_cap_ = false;  // the accept loop's own (one strand)
  Mutex connections_mu_;
  std::unordered_map<std::shared_ptr<ConnectionState>, net::any_io_executor> connections_
      GUARDED_BY(connections_mu_);
  unsigned request_id_prefix_ = 0;
  std::atomic<uint64_t> request_counter_{0};
};

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
  options.max_connections = server.max_connections;
  options.metrics_listen = server.metrics_listen;
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

Result<ListenAddress> parseListenAddress(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::invalid("listen \"" + std::string(text) + "\": " + std::string(why));
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("expected [address]:port");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected host:port");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return bad("bad port");
  }
  unsigned long value = std::stoul(std::string(port));
  if (value > 65535) return bad("bad port");
  out.port = static_cast<uint16_t>(value);
  return out;
}

}  // namespace barrier
