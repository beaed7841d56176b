// The checker's decision (docs/ARCHITECTURE.md, "Checker flow"), written sans-IO.
//
// The only I/O the checker needs is one store read, and at the edge that read
// is an asynchronous HTTPS call made by the host. So the decision is split:
//
//   CheckStep step = checker.begin(request);
//   while (step.needsLookup()) {
//     auto answer = <read step.lookupKey() from the store>;  // sync or async
//     step = checker.resume(std::move(step), std::move(answer));
//   }
//   CheckDecision d = std::move(step).decision();
//
// begin() does everything that needs no store: public-path test, stripping
// client-sent X-Barrier-* headers, cookie parsing, shape and MAC checks
// (forged ids never cause a store read) and the cache. Each cookie value of
// ours is tried in order (duplicates happen: several paths or domains); the
// first valid session wins. resume() takes the store's answer for the key
// asked for: an ok Result (record or nullopt = absent) or a non-ok Status,
// which ends the check with 503 — never a pass.
//
// check() composes both for native callers with a synchronous store.
//
// Thread safety: begin/resume only read the Checker and write the cache, so
// one Checker may serve many threads when its cache (adapters'
// LockedSessionCache), Crypto, Clock and Log are thread-safe. A CheckStep
// belongs to one request.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/access/bearer.h"
#include "core/config/config.h"
#include "core/http/message.h"
#include "core/http/path_pattern.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/log.h"
#include "core/ports/session_store.h"
#include "core/session/idle.h"
#include "core/session/record.h"
#include "core/session/session_cache.h"
#include "core/session/session_id.h"
#include "core/session/verified_id_memo.h"
#include "core/status.h"

namespace barrier {

// Why the checker decided what it did: one label for metrics and logs.
enum class CheckOutcome {
  kPublic,          // public path: forwarded without a session
  kPass,            // valid session, rule met: forwarded with identity headers
  kNoSession,       // no cookie of ours
  kBadCookie,       // cookie of ours with the wrong shape or a bad MAC (no store read)
  kUnknownSession,  // well-signed id, but no record
  kInvalidSession,  // record found but expired or not of kind `session`
  kForbidden,       // valid session, the path's rule needs a group it lacks
  kStoreError,      // store unreachable or erroring: 503
  kBadToken,        // bearer token refused (api.bearer): 401 invalid_token
};
const char* checkOutcomeName(CheckOutcome outcome);  // "public", "pass", "no_session", ...

// The final answer. When `forward` is true, `request` is what goes to the
// origin (client-sent X-Barrier-* removed) once identityHeaders() are added
// to it; otherwise `response` goes back to the client.
struct CheckDecision {
  CheckOutcome outcome = CheckOutcome::kNoSession;
  bool forward = false;
  Request request;
  Response response;
  // The live session checked (kPass, kForbidden), as the cache holds it
  // (core/session/cached_session.h): immutable and shared, so a caller may
  // key per-session work on it.
  SessionPtr session;
  // The configured claim headers (`headers:`), owned by the Checker, which
  // outlives the decision; identityHeaders() fills them on a pass.
  const std::vector<HeaderClaim>* claim_headers = nullptr;
  // Store writes the check leaves to its caller (session.idle_timeout,
  // core/session/idle.h), made after answering; a failed one never
  // changes the answer. touch_at > 0: set `session`'s last_seen to it (a
  // pass with a touch due). idled_out: keys of records found idle, to remove.
  int64_t touch_at = 0;
  std::vector<std::string> idled_out;
  // Candidates the cache settled, live or known absent (for the cache-hit
  // metric): a decision made without a cache lookup (a public path, a
  // bearer token, no cookie) has none.
  size_t cache_hits = 0;

  // True when the decision asks for store writes (touch_at, idled_out):
  // the cheap test a caller makes before applyStoreWrites().
  bool hasStoreWrites() const { return touch_at > 0 || !idled_out.empty(); }

  // kPass: the X-Barrier-* headers that tell the origin who this is (built
  // from `session`, control characters removed); otherwise none.
  Headers identityHeaders() const;
};

// Identity headers the checker sets; all client-sent X-Barrier-* are removed.
inline constexpr const char* kHeaderSessionId = "X-Barrier-Session-Id";
inline constexpr const char* kHeaderUser = "X-Barrier-User";
inline constexpr const char* kHeaderEmail = "X-Barrier-Email";
inline constexpr const char* kHeaderGroups = "X-Barrier-Groups";
// True for a name an origin may read as an identity header: "X-Barrier-" in
// any case, with '_' for any '-' (CGI, WSGI and Rack read X_Barrier_User as
// X-Barrier-User). The checker removes every such header a client sends.
bool isIdentityHeaderName(std::string_view name);
// Every identity header, in the order identityHeaders() adds them.
inline constexpr std::array<const char*, 4> kIdentityHeaders = {kHeaderSessionId, kHeaderUser,
                                                                kHeaderEmail, kHeaderGroups};

// At most this many well-signed cookie values are tried per request. Anyone
// can get correctly signed ids (every login flow makes one), so without a
// bound one request could cost hundreds of store reads.
constexpr size_t kMaxSessionCandidates = 4;
// At most this many values of our cookie are MAC-checked per request (a
// browser sends one or two; a crafted header could send hundreds).
constexpr size_t kMaxCookieValuesExamined = 16;

// Where a check looks for the sessions of a request's cookies first.
enum class SessionSource {
  kCacheFirst,  // the cache, then the store on a miss: every request
  // The store, past the cache (whose entries the answers then replace): a
  // check that must see a revocation made elsewhere at once, such as the
  // recheck of an open WebSocket tunnel (src/server/tunnel.h).
  kStore,
};

// A check in progress or finished.
class CheckStep {
 public:
  bool needsLookup() const { return !decision_.has_value(); }
  // Precondition: needsLookup(). The store key to read (consistent read).
  const std::string& lookupKey() const { return keys_[next_]; }
  // Precondition: !needsLookup().
  const CheckDecision& decision() const& { return *decision_; }
  CheckDecision decision() && { return std::move(*decision_); }

 private:
  friend class Checker;
  std::optional<CheckDecision> decision_;
  Request request_;                // stripped of client X-Barrier-* headers
  NormalizedPath path_;            // for the access rules
  std::vector<std::string> keys_;  // store keys of the well-signed candidates
  size_t next_ = 0;                // the candidate being looked up
  SessionSource source_ = SessionSource::kCacheFirst;
  CheckOutcome reason_ = CheckOutcome::kNoSession;  // best "why not" so far
  std::vector<std::string> idled_out_;              // CheckDecision::idled_out
  size_t cache_hits_ = 0;                           // CheckDecision::cache_hits
};

class Checker {
 public:
  // Copies what it needs from `config`; ports must outlive the Checker.
  // `memo`, when given, remembers verified cookie values (thread-safe, see
  // verified_id_memo.h); it must outlive the Checker and start empty or hold
  // only this Checker's signing keys' results.
  // `bearer`, when given (api.bearer: BearerVerifier in `barrier serve`,
  // OfflineBearerVerifier at the edge), decides requests with a bearer
  // token and no cookie of ours synchronously in begin(); it must outlive
  // the Checker. Without one such requests are checked as any.
  Checker(const ValidConfig& config, Crypto& crypto, Clock& clock, SessionCache& cache, Log& log,
          VerifiedIdMemo* memo = nullptr, BearerTokenCheck* bearer = nullptr);

  CheckStep begin(Request request, SessionSource source = SessionSource::kCacheFirst) const;
  // `answer` is the store's answer for step.lookupKey(). Calling resume on a
  // finished step returns it unchanged.
  CheckStep resume(CheckStep step, Result<std::optional<SessionRecord>> answer) const;

  const IdCodec& codec() const { return codec_; }
  Log& log() const { return log_; }

 private:
  // These work on the step in place (a step holds the whole request: moving
  // it from call to call would cost more than the checking itself).
  // Continues from step.next_: cache hits are settled here, a miss leaves
  // the step waiting for a lookup.
  void advance(CheckStep& step) const;
  // The well-signed store keys among the request's cookies, into step.keys_.
  void collectCandidates(CheckStep& step) const;
  // A live session for step's request: pass or 403.
  void accept(CheckStep& step, SessionPtr session) const;
  // A pass whose session is due a touch: the decision asks for the write,
  // and the cache's entry gets the new last_seen.
  void touch(CheckDecision& d, int64_t now) const;
  void refuse(CheckStep& step, CheckOutcome outcome) const;
  void unavailable(CheckStep& step, const Status& status) const;
  // A request with a bearer token and no cookie of ours: pass, 401
  // invalid_token, 403 insufficient_scope or 503 (check_bearer.cpp).
  void decideBearer(CheckStep& step, std::string_view token) const;
  // Sets step's decision (outcome and forward flag) and returns it to fill in.
  CheckDecision& decide(CheckStep& step, CheckOutcome outcome, bool forward) const;
  // The finished decision at debug level (session key masked).
  void logDecision(const CheckStep& step) const;
  // The first rule matching `reading` (one reading of a path) and `method`,
  // or nullptr.
  const AccessRule* ruleFor(std::string_view reading, std::string_view method) const;
  // True when `session` meets the rule of every reading of `path`.
  bool allowed(const NormalizedPath& path, std::string_view method,
               const CachedSession& session) const;
  // One value of our cookie: its store key into step.keys_ if well signed
  // and new, else a reason.
  void addCandidate(CheckStep& step, std::string_view cookie_value) const;
  // codec_.verifiedStoreKey through memo_, when there is one.
  std::optional<std::string> verifiedStoreKey(std::string_view cookie_value) const;
  // Where a refused navigation signs in: /_identity/login?path=<target>, on
  // site_url's host with an absolute return URL when the request came to
  // another listed host (allowed_hosts).
  std::string loginLocation(const Request& request) const;

  std::string cookie_name_;
  std::string cookie_domain_;               // session.cookie_domain
  std::string site_url_;                    // canonical, for sign-ins from other hosts
  std::vector<std::string> allowed_hosts_;  // other hosts whose visitors sign in there
  bool secure_cookies_;
  int64_t retry_after_;
  std::vector<std::string> public_paths_;
  std::vector<AccessRule> rules_;
  std::vector<HeaderClaim> claim_headers_;
  bool cors_preflight_pass_;
  IdCodec codec_;
  IdlePolicy idle_;
  Clock& clock_;
  SessionCache& cache_;
  Log& log_;
  VerifiedIdMemo* memo_;
  BearerTokenCheck* bearer_;
};

// Resumes `step` with `read(key)`, a synchronous store read returning
// Result<std::optional<SessionRecord>>, until it is decided: the one
// begin/resume loop of every native caller.
template <class Read>
CheckDecision finishCheck(const Checker& checker, CheckStep step, Read&& read) {
  while (step.needsLookup()) {
    // Read before the step is moved into resume().
    auto answer = read(step.lookupKey());
    step = checker.resume(std::move(step), std::move(answer));
  }
  return std::move(step).decision();
}

// Runs a whole check against a synchronous store, then the writes the
// decision asks for (applyStoreWrites).
CheckDecision check(const Checker& checker, const Request& request, SessionStore& store);

// The writes `decision` leaves to its caller (touch_at, idled_out), on
// `store`; failures are logged at warn, never returned: the answer stands.
// The one place they are made: `barrier serve` calls it through
// Gateway::writeToStore.
void applyStoreWrites(const CheckDecision& decision, SessionStore& store, Log& log);

// True for a top-level browser navigation (docs/ARCHITECTURE.md, "Checker flow", step 6):
// GET/HEAD, Sec-Fetch-Mode `navigate` or absent, Accept naming text/html,
// and not X-Requested-With: XMLHttpRequest.
bool isBrowserNavigation(const Request& request);

// True for a CORS preflight that carries no credentials: OPTIONS with
// Origin and Access-Control-Request-Method, and neither Cookie nor
// Authorization (checked only with cors_preflight: pass).
bool isCorsPreflight(const Request& request);

}  // namespace barrier
