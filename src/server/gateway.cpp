#include "server/gateway.h"

#include <utility>

#include "core/http/query.h"
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

CheckStep Gateway::beginCheck(const Request& request) {
  CheckStep step = checker_.begin(request);
  if (!step.needsLookup()) {
    // Settled without the store: for a session-bearing request that means
    // the cache answered (positively or negatively).
    switch (step.decision().outcome) {
      case CheckOutcome::kPass:
      case CheckOutcome::kForbidden:
      case CheckOutcome::kUnknownSession:
      case CheckOutcome::kInvalidSession:
        metrics_.countCacheHit();
        break;
      default:
        break;
    }
  }
  return step;
}

CheckStep Gateway::lookup(CheckStep step) {
  metrics_.countCacheMiss();
  auto answer = store_.get(step.lookupKey());
  return checker_.resume(std::move(step), std::move(answer));
}

CheckDecision Gateway::check(const Request& request) {
  CheckStep step = beginCheck(request);
  while (step.needsLookup()) step = lookup(std::move(step));
  CheckDecision decision = std::move(step).decision();
  if (hasStoreWrites(decision)) applyStoreWrites(decision);
  return decision;
}

void Gateway::applyStoreWrites(const CheckDecision& decision) {
  barrier::applyStoreWrites(decision, store_, checker_.log());
}

namespace {

// The one value the proxy gave for the original request's URI or method,
// under any of `names`. A proxy sets its own header and passes the
// visitor's others on untouched (Caddy and Traefik pass every request
// header to the check; nginx its X-Original-URI plus the visitor's): a
// visitor could otherwise name a public path in the header the proxy does
// not set. So every value under every name must agree; "" when none is
// given, an error when they differ.
Result<std::string> agreedValue(const Headers& headers, std::initializer_list<const char*> names) {
  std::string agreed;
  for (const char* name : names) {
    for (const std::string& value : headers.getAll(name)) {
      if (value.empty()) continue;
      if (!agreed.empty() && value != agreed) {
        return Status::invalid(std::string("forward-auth: conflicting ") + names.begin()[0] +
                               " and " + names.begin()[1] +
                               " values (a client may have sent one; the proxy must set or "
                               "remove both)");
      }
      agreed = value;
    }
  }
  return agreed;
}

}  // namespace

Result<Request> Gateway::forwardAuthSubject(const Request& check_request) {
  Result<std::string> uri =
      agreedValue(check_request.headers, {"X-Original-URI", "X-Forwarded-Uri"});
  if (!uri.isOk()) return uri.status();
  if (uri->empty() || uri->front() != '/') {
    return Status::invalid("forward-auth needs X-Original-URI or X-Forwarded-Uri");
  }
  Result<std::string> method =
      agreedValue(check_request.headers, {"X-Original-Method", "X-Forwarded-Method"});
  if (!method.isOk()) return method.status();
  Request subject;
  subject.headers = check_request.headers;
  subject.remote_addr = check_request.remote_addr;
  size_t question = uri->find('?');
  subject.path = uri->substr(0, question);
  if (question != std::string::npos) subject.query = uri->substr(question + 1);
  subject.method = method->empty() ? "GET" : *method;
  return subject;
}

Response Gateway::forwardAuthResponse(const CheckDecision& decision, bool redirect) {
  if (decision.forward) {
    Response allowed = plain(200, "", "text/plain; charset=utf-8");
    // The identity headers travel back: the proxy copies them onto the
    // request it forwards. All of them, every time, empty without a session
    // (a public path): a proxy that skips a header missing from the answer
    // would otherwise forward the visitor's own (Caddy 2.10), or the text of
    // its placeholder (Caddy before 2.9).
    Headers identity = decision.identityHeaders();
    for (const char* name : kIdentityHeaders) allowed.headers.add(name, identity.get(name));
    return allowed;
  }
  Response denied = decision.response;
  denied.headers.set("Cache-Control", "no-store");
  if (redirect) return denied;
  int status = denied.status;
  if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
    // auth_request accepts only 2xx, 401 and 403: the login redirect
    // becomes a 401 whose X-Barrier-Login the proxy turns into a 302.
    denied.status = 401;
    denied.headers.set(kHeaderLogin, denied.headers.get("Location"));
    denied.headers.remove("Location");
    denied.headers.set("Content-Type", "application/json");
    denied.body = "{\"error\":\"login required\"}";
  }
  return denied;
}

bool Gateway::wantsRedirect(const Request& check_request) {
  std::optional<std::string> value = queryParam(parseQuery(check_request.query), "redirect");
  return value && (*value == "1" || *value == "true");
}

Response Gateway::forwardAuth(const Request& check_request) {
  Result<Request> subject = forwardAuthSubject(check_request);
  if (!subject.isOk()) {
    return plain(400, "{\"error\":\"" + subject.status().message() + "\"}", "application/json");
  }
  CheckDecision decision = check(*subject);
  return forwardAuthResponse(decision, wantsRedirect(check_request));
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
  }
  return Outcome::kStoreError;
}

}  // namespace barrier
