#include "core/handlers/check.h"

#include <algorithm>
#include <utility>

#include "core/access/conditions.h"
#include "core/handlers/json_response.h"
#include "core/handlers/pages.h"
#include "core/http/cookie.h"
#include "core/http/percent.h"

// Clang's "optimise this function for size": check.cpp is built -O2 at the
// edge (cmake/wasm.cmake) for the cached-session pass; the cold paths marked
// with it keep the module within its size budget. GCC has no such attribute.
#if defined(__clang__)
#define BARRIER_MINSIZE __attribute__((minsize))
#else
#define BARRIER_MINSIZE
#endif

namespace barrier {

namespace {

constexpr std::string_view kLoginPath = "/_identity/login";

// Values from the store originate in the identity provider's token; a CR, LF
// or other control character must never reach a header line.
bool isHeaderSafe(char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; }

void appendHeaderValue(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (isHeaderSafe(text[i])) continue;
    out.append(text.substr(start, i - start));
    start = i + 1;
  }
  out.append(text.substr(start));
}

std::string headerValue(std::string_view text) {
  std::string out;
  appendHeaderValue(out, text);
  return out;
}

// Groups joined by ','; a ',' or '%' inside a name is percent-encoded so the
// list stays unambiguous for the origin.
std::string groupsHeader(PackedStrings groups) {
  std::string out;
  for (std::string_view g : groups) {
    if (!out.empty()) out += ',';
    if (g.find_first_of(",%") == std::string_view::npos) {
      appendHeaderValue(out, g);
      continue;
    }
    for (char c : headerValue(g)) {
      if (c == ',')
        out += "%2C";
      else if (c == '%')
        out += "%25";
      else
        out += c;
    }
  }
  return out;
}

bool containsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (equalsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

bool hasAnyGroup(const CachedSession& session, const std::vector<std::string>& needed) {
  PackedStrings groups = session.groups();
  return std::any_of(needed.begin(), needed.end(),
                     [&](const std::string& g) { return groups.contains(g); });
}

// A rule listing GET also covers HEAD: a HEAD answer shows what GET's would,
// so a weaker rule further down must not answer it. Methods are compared
// ignoring case: an origin that reads `delete` as DELETE must not see it
// slip past the rule for DELETE.
bool ruleCoversMethod(const AccessRule& rule, std::string_view method) {
  if (rule.methods.empty()) return true;
  auto listed = [&](std::string_view m) {
    return std::any_of(rule.methods.begin(), rule.methods.end(),
                       [&](const std::string& r) { return equalsIgnoreCase(r, m); });
  };
  return listed(method) || (equalsIgnoreCase(method, "HEAD") && listed("GET"));
}

// The more specific of two "why not" reasons (no cookie < bad cookie <
// unknown id < invalid record), for metrics.
CheckOutcome worse(CheckOutcome a, CheckOutcome b) {
  auto rank = [](CheckOutcome o) {
    switch (o) {
      case CheckOutcome::kBadCookie:
        return 1;
      case CheckOutcome::kUnknownSession:
        return 2;
      case CheckOutcome::kInvalidSession:
        return 3;
      default:
        return 0;
    }
  };
  return rank(b) > rank(a) ? b : a;
}

// Out of line from logDecision, which every decision calls: the line is
// debug-only, and at the edge the engine compiles a function's whole body
// on its first call.
__attribute__((noinline)) void writeDecisionLog(Log& log, const CheckDecision& d) {
  log.write(LogLevel::kDebug, "check",
            {{"outcome", checkOutcomeName(d.outcome)},
             {"session", mask(d.session ? d.session->key() : std::string())}});
}

}  // namespace

const char* checkOutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPublic:
      return "public";
    case CheckOutcome::kPass:
      return "pass";
    case CheckOutcome::kNoSession:
      return "no_session";
    case CheckOutcome::kBadCookie:
      return "bad_cookie";
    case CheckOutcome::kUnknownSession:
      return "unknown_session";
    case CheckOutcome::kInvalidSession:
      return "invalid_session";
    case CheckOutcome::kForbidden:
      return "forbidden";
    case CheckOutcome::kStoreError:
      return "store_error";
    case CheckOutcome::kBadToken:
      return "bad_token";
  }
  return "unknown";
}

bool isIdentityHeaderName(std::string_view name) {
  constexpr std::string_view kPrefix = "x-barrier-";
  if (name.size() <= kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    char c = asciiLower(name[i]);
    if (c != kPrefix[i] && !(c == '_' && kPrefix[i] == '-')) return false;
  }
  return true;
}

bool isBrowserNavigation(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  // An Upgrade (a WebSocket) is opened by a script, which cannot follow a
  // redirect to a login page: it gets the 401.
  if (request.headers.has("Upgrade")) return false;
  const std::string* mode = request.headers.find("Sec-Fetch-Mode");
  if (mode && !equalsIgnoreCase(*mode, "navigate")) return false;
  const std::string* xrw = request.headers.find("X-Requested-With");
  if (xrw && equalsIgnoreCase(*xrw, "XMLHttpRequest")) return false;
  const std::string* accept = request.headers.find("Accept");
  return accept && containsIgnoreCase(*accept, "text/html");
}

bool isCorsPreflight(const Request& request) {
  const Headers& h = request.headers;
  return request.method == "OPTIONS" && h.has("Origin") && h.has("Access-Control-Request-Method") &&
         !h.has("Cookie") && !h.has("Authorization");
}

Checker::Checker(const ValidConfig& config, Crypto& crypto, Clock& clock, SessionCache& cache,
                 Log& log, VerifiedIdMemo* memo, BearerTokenCheck* bearer)
    : cookie_name_(config.session.cookie_name),
      cookie_domain_(config.session.cookie_domain),
      site_url_(config.site_url),
      allowed_hosts_(config.allowed_hosts),
      secure_cookies_(config.secureCookies()),
      retry_after_(config.retry_after > 0 ? config.retry_after : 5),
      public_paths_(config.public_paths),
      rules_(config.rules),
      claim_headers_(config.headers),
      cors_preflight_pass_(config.cors_preflight_pass),
      codec_(crypto, config.session.signing_keys),
      idle_(config.session),
      clock_(clock),
      cache_(cache),
      log_(log),
      memo_(memo),
      bearer_(bearer) {}

CheckStep Checker::begin(Request request, SessionSource source) const {
  CheckStep step;
  step.request_ = std::move(request);
  step.source_ = source;
  // Identity headers are stripped first, on every path, public ones
  // included: a client could otherwise name itself, and the origin must be
  // able to trust X-Barrier-* wherever it sees them.
  step.request_.headers.removeIf(isIdentityHeaderName);
  step.path_ = normalizePath(step.request_.path);

  // A browser sends a preflight without cookies, so it could never pass; with
  // cors_preflight: pass it reaches the origin, which answers what the
  // actual request may do (the actual request is checked as usual).
  if (matchesPublic(public_paths_, step.path_) ||
      (cors_preflight_pass_ && isCorsPreflight(step.request_))) {
    CheckDecision& d = decide(step, CheckOutcome::kPublic, /*forward=*/true);
    d.request = std::move(step.request_);
    logDecision(step);
    return step;
  }

  if (bearer_ != nullptr) {
    std::optional<std::string_view> token = bearerToken(step.request_);
    if (token && cookieValues(step.request_.headers, cookie_name_).empty()) {
      decideBearer(step, *token);
      logDecision(step);
      return step;
    }
  }
  collectCandidates(step);
  advance(step);
  logDecision(step);
  return step;
}

// Out of line: at the edge the engine compiles each function on its first
// call, and a container whose first request is a public path need not
// compile this.
__attribute__((noinline)) void Checker::collectCandidates(CheckStep& step) const {
  // Every value of our cookie, from every Cookie header, in order. Shape and
  // MAC are checked here so a forged id never costs a store read.
  // Bounded work: at most kMaxCookieValuesExamined MAC checks, and the
  // loop ends once kMaxSessionCandidates well-signed ids are collected.
  size_t examined = 0;
  for (const auto& value : cookieValues(step.request_.headers, cookie_name_)) {
    if (step.keys_.size() == kMaxSessionCandidates || examined++ == kMaxCookieValuesExamined) break;
    addCandidate(step, value);
  }
}

// Out of line for the same reason: a request without our cookie never
// runs it.
__attribute__((noinline)) void Checker::addCandidate(CheckStep& step,
                                                     std::string_view cookie_value) const {
  std::optional<std::string> key = verifiedStoreKey(cookie_value);
  if (!key) {
    step.reason_ = worse(step.reason_, CheckOutcome::kBadCookie);
    return;
  }
  if (std::find(step.keys_.begin(), step.keys_.end(), *key) != step.keys_.end()) return;
  step.keys_.push_back(std::move(*key));
}

std::optional<std::string> Checker::verifiedStoreKey(std::string_view cookie_value) const {
  if (memo_ == nullptr) return codec_.verifiedStoreKey(cookie_value);
  if (std::optional<std::string> known = memo_->lookup(cookie_value)) return known;
  std::optional<std::string> key = codec_.verifiedStoreKey(cookie_value);
  if (key) memo_->remember(cookie_value, *key);
  return key;
}

void Checker::advance(CheckStep& step) const {
  while (step.next_ < step.keys_.size()) {
    if (step.source_ == SessionSource::kStore) return;  // the caller reads the store
    CacheLookup hit = cache_.lookup(step.keys_[step.next_]);
    if (hit.hit == CacheHit::kMiss) return;  // the caller reads the store
    // The cache never holds an entry past valid_until; re-checking costs
    // nothing and keeps "only live sessions pass" true by construction here.
    int64_t now = hit.hit == CacheHit::kPresent ? clock_.now() : 0;
    if (hit.hit == CacheHit::kPresent && hit.record->isLiveSession(now)) {
      // An entry idle by its own last_seen may have been touched since by
      // another instance: the store's record decides, so it is read again.
      if (idle_.idledOut(*hit.record, now)) {
        cache_.erase(step.keys_[step.next_]);
        return;
      }
      ++step.cache_hits_;
      accept(step, std::move(hit.record));
      return;
    }
    ++step.cache_hits_;
    step.reason_ = worse(step.reason_, CheckOutcome::kUnknownSession);
    ++step.next_;
  }
  refuse(step, step.reason_);
}

CheckStep Checker::resume(CheckStep step, Result<std::optional<SessionRecord>> answer) const {
  if (!step.needsLookup()) return step;
  // Fail closed: an unreachable or erroring store is never a pass, and is
  // not cached — the next request asks again.
  if (!answer.isOk()) {
    unavailable(step, answer.status());
    logDecision(step);
    return step;
  }

  const std::string& key = step.keys_[step.next_];
  std::optional<SessionRecord>& record = answer.value();
  if (!record) {
    cache_.insertAbsent(key);
    step.reason_ = worse(step.reason_, CheckOutcome::kUnknownSession);
  } else if (!record->isLiveSession(clock_.now())) {
    // Expired, or a `login` record presented as a session (the reference
    // system's flaw: it looked only at valid_until). Both are refused, and
    // remembered as negative so a replay does not hit the store each time.
    cache_.insertAbsent(key);
    step.reason_ = worse(step.reason_, CheckOutcome::kInvalidSession);
  } else if (idle_.idledOut(*record, clock_.now())) {
    // Unused for session.idle_timeout: refused like an expired record, and
    // removed by the caller (lazily: nothing sweeps idle records).
    cache_.insertAbsent(key);
    step.idled_out_.push_back(key);
    step.reason_ = worse(step.reason_, CheckOutcome::kInvalidSession);
  } else {
    // The record is identified by the key we asked for, whatever the answer
    // claims: X-Barrier-Session-Id must name the record that was checked.
    record->key = key;
    SessionPtr session = CachedSession::make(*record);
    cache_.insertPresent(session);
    accept(step, std::move(session));
    logDecision(step);
    return step;
  }
  ++step.next_;
  advance(step);
  logDecision(step);
  return step;
}

const AccessRule* Checker::ruleFor(std::string_view reading, std::string_view method) const {
  for (const auto& rule : rules_) {
    if (ruleCoversMethod(rule, method) &&
        matchPattern(rule.pattern, reading, /*ignore_case=*/true)) {
      return &rule;
    }
  }
  return nullptr;
}

bool Checker::allowed(const NormalizedPath& path, std::string_view method,
                      const CachedSession& session) const {
  auto meets = [&](const AccessRule* rule) {
    return !rule || ((rule->groups.empty() || hasAnyGroup(session, rule->groups)) &&
                     meetsAny(rule->allow, session));
  };
  // Each reading's own first rule (path_pattern.h): an earlier, weaker rule
  // matching one reading must not hide the stricter rule another names.
  return meets(ruleFor(path.path, method)) &&
         (!path.ambiguous || meets(ruleFor(path.decoded, method)));
}

void Checker::accept(CheckStep& step, SessionPtr session) const {
  if (!allowed(step.path_, step.request_.method, *session)) {
    CheckDecision& d = decide(step, CheckOutcome::kForbidden, /*forward=*/false);
    d.session = std::move(session);
    d.response = pageResponse(403, "Access denied",
                              "You are signed in, but your account does not have access to this "
                              "page.",
                              PageLink{"Sign in with a different account", "/_identity/logout"});
    return;
  }
  // The identity headers are derived from the record when the caller asks
  // (identityHeaders()): a caller that keeps them per record builds them once.
  CheckDecision& d = decide(step, CheckOutcome::kPass, /*forward=*/true);
  d.session = std::move(session);
  d.request = std::move(step.request_);
  if (idle_.enabled()) {
    int64_t now = clock_.now();
    if (idle_.touchDue(*d.session, now)) touch(d, now);
  }
}

// Out of line: at most once per touch_interval per session.
__attribute__((noinline)) void Checker::touch(CheckDecision& d, int64_t now) const {
  d.touch_at = now;
  d.session = d.session->withLastSeen(now);
  cache_.refresh(d.session);
}

// Built for size, as loginLocation: the cached-session pass is the path
// worth -O2 at the edge, not the refusal.
BARRIER_MINSIZE void Checker::refuse(CheckStep& step, CheckOutcome outcome) const {
  CheckDecision& d = decide(step, outcome, /*forward=*/false);
  if (isBrowserNavigation(step.request_)) {
    // Back to the same place after login. Encoded once here, decoded once by
    // the login handler, which then applies the safe return path rule.
    d.response.status = 307;
    d.response.headers.add("Location", loginLocation(step.request_));
    d.response.headers.add("Set-Cookie",
                           clearCookie(cookie_name_, secure_cookies_, "/", cookie_domain_));
    d.response.headers.add("Cache-Control", "no-store");
  } else {
    d.response = jsonResponse(401, {{"error", "unauthenticated"}, {"login", kLoginPath}});
  }
}

// Out of line and built for size (check.cpp is -O2 at the edge): only a
// refused navigation runs it.
__attribute__((noinline)) BARRIER_MINSIZE std::string Checker::loginLocation(
    const Request& request) const {
  std::string target = request.target();
  if (!allowed_hosts_.empty()) {
    // Only a listed host's name is copied into the URL; the Host header
    // comes from the client, and any other value signs in as before.
    const std::string* host = request.headers.find("Host");
    for (const std::string& listed : allowed_hosts_) {
      if (host == nullptr || !equalsIgnoreCase(*host, listed)) continue;
      std::string_view scheme = std::string_view(site_url_).substr(0, site_url_.find("://") + 3);
      return site_url_ + std::string(kLoginPath) +
             "?path=" + percentEncode(std::string(scheme) + listed + target);
    }
  }
  return std::string(kLoginPath) + "?path=" + percentEncode(target);
}

// Built for size: a store failure is rare.
BARRIER_MINSIZE void Checker::unavailable(CheckStep& step, const Status& status) const {
  if (log_.enabled(LogLevel::kWarn)) {
    log_.write(LogLevel::kWarn, "check.store_error",
               {{"key", mask(step.keys_[step.next_])}, {"status", status.toString()}});
  }
  CheckDecision& d = decide(step, CheckOutcome::kStoreError, /*forward=*/false);
  if (isBrowserNavigation(step.request_)) {
    d.response = pageResponse(503, "Temporarily unavailable",
                              "Sign-in is temporarily unavailable. Please try again in a moment.");
  } else {
    d.response = jsonError(503, "unavailable");
  }
  d.response.headers.add("Retry-After", std::to_string(retry_after_));
}

void Checker::logDecision(const CheckStep& step) const {
  if (step.needsLookup() || !log_.enabled(LogLevel::kDebug)) return;
  writeDecisionLog(log_, step.decision());
}

CheckDecision& Checker::decide(CheckStep& step, CheckOutcome outcome, bool forward) const {
  CheckDecision& d = step.decision_.emplace();
  d.outcome = outcome;
  d.forward = forward;
  d.claim_headers = &claim_headers_;
  if (!step.idled_out_.empty()) d.idled_out = std::move(step.idled_out_);
  d.cache_hits = step.cache_hits_;
  return d;
}

Headers CheckDecision::identityHeaders() const {
  Headers out;
  if (outcome != CheckOutcome::kPass || !session) return out;
  const CachedSession& record = *session;
  out.reserve(4);
  // The record key, not the id: the origin can look the record up but cannot
  // replay it as a cookie.
  out.add(kHeaderSessionId, record.key());
  out.add(kHeaderUser, headerValue(record.username().empty() ? record.sub() : record.username()));
  out.add(kHeaderEmail, headerValue(record.email()));
  out.add(kHeaderGroups, groupsHeader(record.groups()));
  if (claim_headers == nullptr) return out;
  // Every configured header, empty when the record keeps no such claim
  // (forward-auth proxies copy each one, present or not).
  for (const HeaderClaim& h : *claim_headers) {
    std::optional<PackedStrings> values = record.claim(h.claim);
    out.add(h.header, values ? groupsHeader(*values) : std::string());
  }
  return out;
}

CheckDecision check(const Checker& checker, const Request& request, SessionStore& store) {
  CheckDecision decision = finishCheck(checker, checker.begin(request),
                                       [&store](const std::string& key) { return store.get(key); });
  applyStoreWrites(decision, store, checker.log());
  return decision;
}

void applyStoreWrites(const CheckDecision& decision, SessionStore& store, Log& log) {
  if (!decision.hasStoreWrites()) return;
  auto report = [&](const char* event, std::string_view key, const Status& status) {
    if (status.isOk() || !log.enabled(LogLevel::kWarn)) return;
    log.write(LogLevel::kWarn, event, {{"key", mask(key)}, {"status", status.toString()}});
  };
  if (decision.touch_at > 0 && decision.session) {
    std::string key = decision.session->key();
    report("check.touch_failed", key, store.touch(key, decision.touch_at));
  }
  for (const auto& key : decision.idled_out) report("check.remove_failed", key, store.remove(key));
}

}  // namespace barrier
