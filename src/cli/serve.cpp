// `barrier serve -c barrier.yaml [--log-level L] [--listen ADDR] [--threads N]`
//
// One process playing CloudFront, checker and session manager: builds the
// ports, the store, the checker (with its thread-safe cache), the manager
// handlers and the origins, then runs the HTTP server until SIGTERM/SIGINT,
// after which in-flight requests finish and the process exits 0.
//
// SIGHUP re-reads the file (with the same flags over it): a valid one
// serves the requests that start afterwards (keys, rules, public paths,
// provider, origins, limits, listen addresses), requests in flight finish
// under the old one; an invalid one changes nothing and is logged
// (config.reload_failed) with the message check-config gives. Thread
// counts and the log level keep their start-up values until a restart.
//
// Once the socket is bound, one line goes to stdout —
//   listening on http://127.0.0.1:8080   (https:// with server.tls)
// — so scripts and tests can wait for it (and learn the port when 0 was asked).
// With server.tls, SIGHUP also re-reads the certificate and key.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/curl_http_client.h"
#include "adapters/locked_session_cache.h"
#include "adapters/redis_revocations.h"
#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "cli/command.h"
#include "core/handlers/check.h"
#include "core/handlers/identity.h"
#include "core/mutex.h"
#include "core/session/cache_evicting_store.h"
#include "core/session/verified_id_memo.h"
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
// validated as the file's own values are. The message of a failure is the
// one check-config prints.
Result<ValidConfig> readConfig(const ServeFlags& flags) {
  nlohmann::json overrides = nlohmann::json::object();
  if (!flags.listen.empty()) overrides["server"]["listen"] = flags.listen;
  if (flags.threads >= 0) overrides["server"]["threads"] = flags.threads;
  if (!flags.log_level.empty()) overrides["server"]["log_level"] = flags.log_level;
  return loadConfigFile(flags.config_path, overrides);
}

// What lives as long as the process, whatever the configuration.
struct ProcessPorts {
  std::unique_ptr<Log> log;
  std::unique_ptr<Clock> clock = makeSystemClock();
  std::unique_ptr<Random> random = makeOsRandom();
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<HttpClient> http = makeCurlHttpClient();
  Metrics metrics;
};

// Cookie values whose MAC the checker remembers (about half a megabyte when
// all are in use); a visitor whose value was pushed out is verified again.
constexpr size_t kVerifiedIdSlots = 2048;

// Everything one configuration builds for the requests, owned together.
// The server holds it through its gateway (an aliasing shared_ptr), so a
// request in flight keeps all of it alive. Members refer to the ones above
// them: a Site never moves.
struct Site {
  explicit Site(ValidConfig valid) : config(std::move(valid)) {}

  const ValidConfig config;
  // Shared with the previous Site when store (and, for the cache, cache)
  // is unchanged: a reload keeps the store's connection and the cached
  // sessions (an entry is a fact of the store, keyed by store key, whatever
  // the keys and rules).
  std::shared_ptr<SessionStore> store;
  // Everything above the backend goes through the metered store, so the
  // latency histogram and the login counter see every call.
  std::shared_ptr<MeteredStore> metered;
  std::shared_ptr<SessionCache> cache;
  // The checker's verified cookie values: a signed-in request costs no HMAC
  // once its cookie is known. Per Site: the signing keys are the Site's.
  VerifiedIdMemo verified_ids{kVerifiedIdSlots};
  std::unique_ptr<BearerVerifier> bearer;  // api.bearer only
  // With the Redis store: keeps `cache` in step with revocations announced
  // by every instance (and the CLI); shared with the cache across reloads.
  std::shared_ptr<RevocationListener> revocations;
  std::unique_ptr<Checker> checker;
  // What the manager removes (logout, the older session at login) leaves
  // the checker's cache at once.
  std::unique_ptr<CacheEvictingStore> evicting;
  std::unique_ptr<IdentityHandlers> manager;
  std::unique_ptr<Gateway> gateway;
};

// The checker's cache; with the Redis store gated by a revocation listener
// (set into `revocations`), which it must not outlive.
std::shared_ptr<SessionCache> makeSiteCache(const ValidConfig& c, ProcessPorts& ports,
                                            std::shared_ptr<RevocationListener>& revocations) {
  std::unique_ptr<SessionCache> cache = makeLockedSessionCache(*ports.clock, c.cache);
  if (c.store.type != StoreConfig::Type::kRedis) return cache;
  auto gated = std::make_shared<GatedSessionCache>(std::move(cache));
  Metrics& metrics = ports.metrics;
  revocations = std::make_shared<RevocationListener>(
      c.store.url, c.store.tls, gated, *ports.log, [&metrics] { metrics.countRevocationsLost(); });
  return gated;
}

// Opens the store (or takes `previous`'s when unchanged) and the origins,
// and wires the rest. The status's message names the file for origins, as
// check-config does.
Result<std::shared_ptr<Site>> buildSite(ValidConfig config, ProcessPorts& ports,
                                        const Site* previous, const std::string& path) {
  auto site = std::make_shared<Site>(std::move(config));
  const ValidConfig& c = site->config;
  auto origins = makeOrigins(c.server.origins);
  if (!origins.isOk()) return Status::invalid(path + ": " + origins.status().message());
  bool same_store = previous != nullptr && previous->config.store == c.store;
  if (same_store) {
    site->store = previous->store;
    site->metered = previous->metered;
  } else {
    auto store = makeStore(c.store);
    if (!store.isOk()) return store.status();
    site->store = std::move(store.value());
    site->metered = std::make_shared<MeteredStore>(*site->store, ports.metrics);
  }
  // The cache holds the old store's records: it goes with it.
  if (same_store && previous->config.cache == c.cache) {
    site->cache = previous->cache;
    site->revocations = previous->revocations;
  } else {
    site->cache = makeSiteCache(c, ports, site->revocations);
  }
  if (c.api.bearer) {
    site->bearer = std::make_unique<BearerVerifier>(c, *ports.http, *ports.clock, *ports.crypto);
  }
  site->checker = std::make_unique<Checker>(c, *ports.crypto, *ports.clock, *site->cache,
                                            *ports.log, &site->verified_ids, site->bearer.get());
  site->evicting = std::make_unique<CacheEvictingStore>(*site->metered, *site->cache);
  site->manager = std::make_unique<IdentityHandlers>(
      c, IdentityPorts{*ports.clock, *ports.random, *ports.crypto, *site->evicting, *ports.http,
                       *ports.log});
  site->gateway = std::make_unique<Gateway>(
      c, *site->checker, *site->metered, ports.metrics,
      [manager = site->manager.get()](const Request& request) { return manager->handle(request); },
      std::move(origins.value()));
  return site;
}

ServerOptions serverOptions(const ValidConfig& config) {
  ServerOptions options = ServerOptions::fromConfig(config);
  options.handle_signals = true;
  return options;
}

// Not fatal: the checker fails closed (503) until the store answers.
void warnIfUnreachable(SessionStore& store, Log& log) {
  if (Status ping = store.ping(); !ping.isOk()) {
    log.write(LogLevel::kWarn, "store.unavailable", {{"error", ping.message()}});
  }
}

// The running configuration and its replacement on SIGHUP.
class Reloader {
 public:
  Reloader(const ServeFlags& flags, ProcessPorts& ports, std::shared_ptr<Site> site)
      : flags_(flags), ports_(ports), site_(std::move(site)) {}

  // The gateway to serve with, owning its whole Site.
  std::shared_ptr<Gateway> gateway() {
    MutexLock lock(mu_);
    return {site_, site_->gateway.get()};
  }

  // Re-reads the file and hands the server what it builds; on any failure
  // the running configuration stays and the reason is logged and counted.
  void reload(Server& server) {
    MutexLock lock(mu_);
    Status status = tryReload(server);
    ports_.metrics.countReload(status.isOk());
    if (!status.isOk()) {
      ports_.log->write(LogLevel::kError, "config.reload_failed",
                        {{"config", flags_.config_path}, {"error", status.message()}});
      return;
    }
    ports_.log->write(LogLevel::kInfo, "config.reloaded", {{"config", flags_.config_path}});
  }

 private:
  Status tryReload(Server& server) REQUIRES(mu_) {
    Result<ValidConfig> config = readConfig(flags_);
    if (!config.isOk()) return config.status();
    if (config->logLevel() != site_->config.logLevel()) {
      ports_.log->write(LogLevel::kWarn, "server.reload_needs_restart",
                        {{"setting", "server.log_level"},
                         {"running", logLevelName(site_->config.logLevel())},
                         {"asked", logLevelName(config->logLevel())}});
    }
    auto site = buildSite(std::move(config.value()), ports_, site_.get(), flags_.config_path);
    if (!site.isOk()) return site.status();
    std::shared_ptr<Gateway> gateway(site.value(), site.value()->gateway.get());
    if (Status s = server.reload(serverOptions(site.value()->config), gateway); !s) return s;
    if (site.value()->store != site_->store) warnIfUnreachable(*site.value()->metered, *ports_.log);
    site_ = std::move(site.value());
    return Status::ok();
  }

  const ServeFlags& flags_;
  ProcessPorts& ports_;
  Mutex mu_;
  std::shared_ptr<Site> site_ GUARDED_BY(mu_);
};

void printAddresses(const Server& server, const ValidConfig& config) {
  bool tls = config.server.tls.enabled();
  std::printf("listening on %s://%s\n", tls ? "https" : "http", server.localAddress().c_str());
  if (!config.server.redirect_http.empty()) {
    std::printf("redirecting http on port %u to %s\n", static_cast<unsigned>(server.redirectPort()),
                config.site_url.c_str());
  }
  if (!config.server.metrics_listen.empty()) {
    std::string host =
        config.server.metrics_listen.substr(0, config.server.metrics_listen.rfind(':'));
    std::printf("metrics on http://%s:%u/_identity/metrics\n",
                host.empty() ? "0.0.0.0" : host.c_str(),
                static_cast<unsigned>(server.metricsPort()));
  }
  std::fflush(stdout);
}

void serve(const ServeFlags& flags) {
  Result<ValidConfig> config = readConfig(flags);
  if (!config.isOk()) throw CliError(config.status().message(), 2);
  ProcessPorts ports;
  ports.log = makeStderrLog(config->logLevel());
  auto site = buildSite(std::move(config.value()), ports, nullptr, flags.config_path);
  if (!site.isOk()) {
    bool invalid = site.status().code() == Code::kInvalidArgument;
    throw CliError(site.status().message(), invalid ? 2 : 1);
  }
  const ValidConfig& first = site.value()->config;
  ServerOptions options = serverOptions(first);
  Reloader reloader(flags, ports, site.value());
  Server* running = nullptr;
  options.on_reload = [&reloader, &running] { reloader.reload(*running); };
  auto server = Server::create(options, reloader.gateway(), *ports.log);
  if (!server.isOk()) throw CliError(server.status().message());
  running = server.value().get();
  warnIfUnreachable(*site.value()->metered, *ports.log);
  printAddresses(*server.value(), first);
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
