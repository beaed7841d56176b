#include "server/gateway.h"

#include <utility>

#include "server/error_pages.h"

namespace barrier {

namespace {

constexpr std::string_view kIdentityPrefix = "/_identity/";

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

Response plain(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", std::move(content_type));
  response.headers.set("Cache-Control", "no-store");
  response.body = std::move(body);
  return response;
}

}  // namespace

Gateway::Gateway(const ValidConfig& config, const Checker& checker, SessionStore& store,
                 Metrics& metrics, IdentityHandler identity, std::vector<Origin> origins)
    : config_(config),
      checker_(checker),
      store_(store),
      metrics_(metrics),
      identity_(std::move(identity)),
      origins_(std::move(origins)) {}

Gateway::Route Gateway::route(std::string_view path) {
  if (!startsWith(path, kIdentityPrefix) && path != "/_identity") return Route::kProtected;
  if (path == "/_identity/check") return Route::kCheck;
  if (path == "/_identity/health") return Route::kHealth;
  if (path == "/_identity/metrics") return Route::kMetrics;
  return Route::kIdentity;
}

CheckStep Gateway::beginCheck(Request request, SessionSource source) {
  CheckStep step = checker_.begin(std::move(request), source);
  // Settled without the store: count what the cache answered (a step that
  // still needs the store is counted when finishCheck settles it).
  if (!step.needsLookup()) metrics_.countCacheHits(step.decision().cache_hits);
  return step;
}

CheckDecision Gateway::finishCheck(CheckStep step) {
  CheckDecision decision =
      barrier::finishCheck(checker_, std::move(step), [this](const std::string& key) {
        metrics_.countCacheMiss();
        return store_.get(key);
      });
  metrics_.countCacheHits(decision.cache_hits);
  if (decision.hasStoreWrites()) writeToStore(decision);
  return decision;
}

void Gateway::writeToStore(const CheckDecision& decision) {
  barrier::applyStoreWrites(decision, store_, checker_.log());
}

Response Gateway::health() {
  Status status = store_.ping();
  if (status.isOk()) return plain(200, "{\"status\":\"ok\"}\n", "application/json");
  // The reason stays in the server's log side: it can name files or hosts.
  Response response = plain(503, "{\"status\":\"unavailable\"}\n", "application/json");
  response.headers.set("Retry-After", std::to_string(config_.retry_after));
  return response;
}

Response Gateway::metricsPage() const {
  return plain(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
}

Response Gateway::identity(const Request& request) {
  if (!identity_) return errorPage(404);
  Response response = identity_(request);
  // Every /_identity/* answer is per visitor and must never be cached
  // (docs/ARCHITECTURE.md, "Sign-in flow").
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  return response;
}

Outcome Gateway::outcomeOf(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPublic:
      return Outcome::kPublic;
    case CheckOutcome::kPass:
      return Outcome::kPass;
    case CheckOutcome::kNoSession:
      return Outcome::kNoSession;
    case CheckOutcome::kBadCookie:
      return Outcome::kBadCookie;
    case CheckOutcome::kUnknownSession:
      return Outcome::kUnknownSession;
    case CheckOutcome::kInvalidSession:
      return Outcome::kInvalidSession;
    case CheckOutcome::kForbidden:
      return Outcome::kForbidden;
    case CheckOutcome::kStoreError:
      return Outcome::kStoreError;
    case CheckOutcome::kBadToken:
      return Outcome::kBadToken;
  }
  return Outcome::kStoreError;
}

}  // namespace barrier
