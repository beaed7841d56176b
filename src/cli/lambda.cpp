// `barrier lambda`: the session manager as a Lambda custom runtime
// (provided.al2023). The packaged `bootstrap` execs this.
//
// Cold start does the minimum: read the environment, build the ports and the
// handlers, and enter the Runtime API loop. Nothing touches the network
// before the first invocation needs it: the provider's discovery document
// and JWKS are fetched lazily by the handlers and kept for the container's
// life, and the store connects on first use.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "adapters/curl_http_client.h"
#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "cli/command.h"
#include "core/handlers/identity.h"
#include "lambda/env_config.h"
#include "lambda/events.h"
#include "lambda/runtime_loop.h"

namespace barrier::cli {
namespace {

// Everything that lives for the container's life, built once.
struct Manager {
  explicit Manager(ValidConfig c) : config(std::move(c)) {}
  const ValidConfig config;
  std::unique_ptr<Log> log;
  std::unique_ptr<Clock> clock;
  std::unique_ptr<Random> random;
  std::unique_ptr<Crypto> crypto;
  std::unique_ptr<HttpClient> http;  // provider calls (and the store's, if it wants one)
  std::unique_ptr<SessionStore> store;
  std::unique_ptr<IdentityHandlers> handlers;
};

// Lambda's configuration is the process environment.
std::optional<std::string> getEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

Result<std::unique_ptr<Manager>> buildManager() {
  auto config = configFromEnvironment(getEnv);
  if (!config) return config.status();
  auto m = std::make_unique<Manager>(std::move(config.value()));
  m->log = makeStderrLog(m->config.logLevel());
  m->clock = makeSystemClock();
  m->random = makeOsRandom();
  m->crypto = makeOpenSslCrypto();
  m->http = makeCurlHttpClient();
  auto store = makeStore(m->config.store);
  if (!store) return store.status();
  m->store = std::move(store.value());
  // The handlers borrow config and ports; `m` owns them for the process's life.
  m->handlers = std::make_unique<IdentityHandlers>(
      m->config, IdentityPorts{*m->clock, *m->random, *m->crypto, *m->store, *m->http, *m->log});
  return m;
}

// One invocation: event -> Request -> handlers -> Response -> proxy answer.
// A malformed event is an invocation error, never the end of the process.
Result<std::string> handleInvocation(Manager& m, const Invocation& invocation) {
  auto start = std::chrono::steady_clock::now();
  auto event = parseHttpEvent(invocation.payload);
  if (!event) return event.status();
  const Request& request = event->request;
  // Paths the handlers do not own (the API routes only /_identity/*) get
  // their 404 page.
  Response response = m.handlers->handle(request);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  // The path only: query strings carry codes and state.
  m.log->write(LogLevel::kInfo, "lambda.request",
               {{"request_id", invocation.request_id},
                {"method", request.method},
                {"path", request.path.substr(0, 200)},
                {"status", std::to_string(response.status)},
                {"us", std::to_string(micros)}});
  return renderHttpResponse(response, event->format);
}

// Exceptions stop here: an allocation failure or a library throw in one
// invocation becomes that invocation's error.
Result<std::string> guarded(Manager& m, const Invocation& invocation) {
  try {
    return handleInvocation(m, invocation);
  } catch (const std::exception& e) {
    return Status::internal(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return Status::internal("unexpected exception");
  }
}

void runLambda() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api || !*api) {
    throw CliError(
        "AWS_LAMBDA_RUNTIME_API is not set: `barrier lambda` runs inside AWS Lambda "
        "(or under a local Runtime API)");
  }
  // The Runtime API is plain HTTP on the sandbox's loopback.
  auto runtime_http = makeCurlHttpClient();
  auto manager = buildManager();
  if (!manager) {
    auto log = makeStderrLog(LogLevel::kInfo);
    log->write(LogLevel::kError, "lambda.init_error", {{"error", manager.status().toString()}});
    RuntimeLoop init(*runtime_http, api, *log);
    (void)init.reportInitError(manager.status());
    throw CliError(manager.status().message());
  }
  Manager& m = *manager.value();
  m.log->write(LogLevel::kInfo, "lambda.ready",
               {{"site", m.config.site_url}, {"table", m.config.store.table}});
  RuntimeLoop loop(*runtime_http, api, *m.log);
  Status status = loop.run([&m](const Invocation& i) { return guarded(m, i); });
  throw CliError("runtime API: " + status.message());
}

CommandRegistrar reg(
    "lambda",
    [](CLI::App& app) {
      auto* cmd = app.add_subcommand(
          "lambda",
          "Run the session manager on the Lambda Runtime API (configured by BARRIER_* "
          "environment variables)");
      cmd->callback(runLambda);
    },
    55);

}  // namespace
}  // namespace barrier::cli
