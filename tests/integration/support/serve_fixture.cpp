#include "serve_fixture.h"

#include <chrono>

#include "adapters/locked_session_cache.h"
#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/session/session_id.h"
#include "tests/support/valid_config.h"

namespace barrier::testing {

namespace {

// http://127.0.0.1 (cookies without Secure), a one-second session cache,
// and the setup's origins, rules and public paths.
ValidConfig gatewayConfig(const GatewaySetup& setup) {
  Config config = testConfig();
  config.site_url = "http://127.0.0.1";
  config.cache.ttl = 1;
  config.rules = setup.rules;
  config.public_paths = setup.public_paths;
  config.server.origins = setup.origins;
  return mustValidate(std::move(config));
}

}  // namespace

InProcessGateway::InProcessGateway(GatewaySetup setup) : config_(gatewayConfig(setup)) {
  clock_ = makeSystemClock();
  random_ = makeOsRandom();
  crypto_ = makeOpenSslCrypto();
  log_ = makeStderrLog(LogLevel::kWarn);
  store_ = std::make_unique<SwitchableStore>(makeMemoryStore());
  metered_ = std::make_unique<MeteredStore>(*store_, metrics_);
  cache_ = makeLockedSessionCache(setup.cache_clock ? *setup.cache_clock : *clock_, config_.cache);
  checker_ = std::make_unique<Checker>(config_, *crypto_, *clock_, *cache_, *log_);
  auto origins = makeOrigins(config_.server.origins);
  if (!origins.isOk()) {
    error_ = origins.status().toString();
    return;
  }
  gateway_ = std::make_shared<Gateway>(
      config_, *checker_, *metered_, metrics_,
      [hook = setup.identity_hook](const Request& request) {
        if (hook) hook();
        Response response;
        response.headers.set("Content-Type", "text/plain");
        response.body = std::string(kFakeIdentityBody) + request.path;
        return response;
      },
      std::move(origins.value()));
  ServerOptions options = setup.server;
  options.listen = "127.0.0.1:0";
  if (options.threads == 0) options.threads = 2;
  auto server = Server::create(options, gateway_, *log_);
  if (!server.isOk()) {
    error_ = server.status().toString();
    return;
  }
  server_ = std::move(server.value());
  port_ = server_->port();
  thread_ = std::thread([this] {
    server_->run();
    finished_ = true;
  });
}

InProcessGateway::~InProcessGateway() {
  stop();
  if (thread_.joinable()) thread_.join();
}

std::string InProcessGateway::login(const std::string& user,
                                    const std::vector<std::string>& groups) {
  IdCodec codec(*crypto_, config_.session.signing_keys);
  auto issued = codec.issue(*random_);
  SessionRecord record;
  record.key = issued->store_key;
  record.kind = RecordKind::kSession;
  record.created_at = clock_->now();
  record.valid_until = clock_->now() + 3600;
  record.sub = user + "-sub";
  record.username = user;
  record.email = user + "@example.com";
  record.groups = groups;
  (void)store_->putNew(record);
  return config_.session.cookie_name + "=" + issued->cookie_value;
}

bool InProcessGateway::stop(int timeout_ms) {
  if (!server_) return true;
  server_->stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!finished_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return finished_;
}

}  // namespace barrier::testing
