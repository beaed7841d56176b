// `barrier serve -c barrier.yaml [--log-level L] [--listen ADDR] [--threads N]`
//
// One process playing CloudFront, checker and session manager: builds the
// ports, the store, the checker (with its thread-safe cache), the manager
// handlers and the origins, then runs the HTTP server until SIGTERM/SIGINT,
// after which in-flight requests finish and the process exits 0.
//
// Once the socket is bound, one line goes to stdout —
//   listening on http://127.0.0.1:8080
// — so scripts and tests can wait for it (and learn the port when 0 was asked).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/curl_http_client.h"
#include "adapters/locked_session_cache.h"
#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "cli/command.h"
#include "core/handlers/check.h"
#include "core/handlers/identity.h"
#include "core/session/cache_evicting_store.h"
#include "server/gateway.h"
#include "server/metered_store.h"
#include "server/origins.h"
#include "server/server.h"

namespace barrier::cli {
namespace {

struct ServeFlags {
  std::string config_path = "barrier.yaml";
  std::string log_level;
  std::string listen;
  int threads = -1;
};

// The file's configuration with the flags in place of its fields, read and
// validated as the file's own values are.
ValidConfig loadConfig(const ServeFlags& flags) {
  nlohmann::json overrides = nlohmann::json::object();
  if (!flags.listen.empty()) overrides["server"]["listen"] = flags.listen;
  if (flags.threads >= 0) overrides["server"]["threads"] = flags.threads;
  if (!flags.log_level.empty()) overrides["server"]["log_level"] = flags.log_level;
  Result<ValidConfig> config = loadConfigFile(flags.config_path, overrides);
  if (!config.isOk()) throw CliError(config.status().message(), 2);
  return std::move(config.value());
}

void serve(const ServeFlags& flags) {
  const ValidConfig config = loadConfig(flags);
  std::unique_ptr<Log> log = makeStderrLog(config.logLevel());
  std::unique_ptr<Clock> clock = makeSystemClock();
  std::unique_ptr<Random> random = makeOsRandom();
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<HttpClient> http = makeCurlHttpClient();

  auto store = makeStore(config.store);
  if (!store.isOk()) throw CliError(store.status().message());
  Metrics metrics;
  // Everything above the backend goes through the metered store, so the
  // latency histogram and the login counter see every call.
  MeteredStore metered(*store.value(), metrics);
  std::unique_ptr<SessionCache> cache = makeLockedSessionCache(*clock, config.cache);
  Checker checker(config, *crypto, *clock, *cache, *log);
  // What the manager removes (logout, the older session at login) leaves the
  // checker's cache at once.
  CacheEvictingStore evicting(metered, *cache);
  IdentityHandlers manager(config, IdentityPorts{*clock, *random, *crypto, evicting, *http, *log});

  auto origins = makeOrigins(config.server.origins);
  if (!origins.isOk()) throw CliError(flags.config_path + ": " + origins.status().message(), 2);
  Gateway gateway(
      config, checker, metered, metrics,
      [&manager](const Request& request) { return manager.handle(request); },
      std::move(origins.value()));

  ServerOptions options = ServerOptions::fromConfig(config);
  options.handle_signals = true;
  auto server = Server::create(options, gateway, *log);
  if (!server.isOk()) throw CliError(server.status().message());
  if (Status ping = metered.ping(); !ping.isOk()) {
    // Not fatal: the checker fails closed (503) until the store answers.
    log->write(LogLevel::kWarn, "store.unavailable", {{"error", ping.message()}});
  }
  std::printf("listening on http://%s\n", server.value()->localAddress().c_str());
  if (!config.server.metrics_listen.empty()) {
    std::string host =
        config.server.metrics_listen.substr(0, config.server.metrics_listen.rfind(':'));
    std::printf("metrics on http://%s:%u/_identity/metrics\n",
                host.empty() ? "0.0.0.0" : host.c_str(),
                static_cast<unsigned>(server.value()->metricsPort()));
  }
  std::fflush(stdout);
  server.value()->run();
}

CommandRegistrar reg(
    "serve",
    [](CLI::App& app) {
      auto flags = std::make_shared<ServeFlags>();
      auto* cmd = app.add_subcommand(
          "serve", "Run the self-hosted gateway: login barrier, origins, forward-auth endpoint");
      cmd->add_option("-c,--config", flags->config_path, "Configuration file")
          ->capture_default_str();
      cmd->add_option("--log-level", flags->log_level,
                      "one of " + logLevelList() + " (default: server.log_level)");
      cmd->add_option("--listen", flags->listen,
                      "host:port to listen on (default: server.listen); port 0 picks one");
      cmd->add_option("--threads", flags->threads,
                      "I/O threads (default: server.threads, 0 = cores)");
      cmd->callback([flags] { serve(*flags); });
    },
    10);

}  // namespace
}  // namespace barrier::cli
