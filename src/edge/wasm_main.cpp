// The session checker as a WebAssembly module for Lambda@Edge (DESIGN §2).
//
// The module is the checker's brain; the Node.js handler is transport only.
// It is a WASI reactor: the host instantiates it once per container, calls
// `_initialize`, then `barrier_configure` once, then `barrier_check` (and
// `barrier_resume` when asked) for every viewer-request event. The session
// cache lives in the module's memory across events.
//
// ABI ---------------------------------------------------------------------
// Built for a cheap hand-over on every event (the budget is ~2 µs per
// cached event, JavaScript included): no JSON crosses the boundary. Input
// and output are UTF-8 *fields* separated by NUL bytes, in the module's
// exported `memory`. The host writes input into a buffer from
// `barrier_alloc(len)` (released with `barrier_free(ptr)`) and passes
// (ptr, len, fields) where `fields` is how many fields it wrote, so a NUL
// inside a value (never sent by CloudFront) is detected, never misread.
// Output is one buffer read with `barrier_output_ptr()` /
// `barrier_output_len()`, valid until the next call: a tag byte, then
// NUL-terminated fields.
//
// Host imports, module "barrier":
//   sha256(data, len, out32)               SHA-256 into 32 bytes at out32
//   hmac_sha256(key, klen, data, len, out32)
//   log(ptr, len)                          one JSON log line
// The only WASI imports are whatever wasi-libc keeps after dead-code
// removal; stubs returning ENOSYS (52) are fine: the module never does file
// or console I/O.
//
// Exports return the output's tag byte (the host need not read memory to
// learn what came out); 'E' is an error, its one field the message:
//   barrier_configure(ptr, len) -> 'O' | 'E'
//       Input: checker.settings (core/config/checker_settings.h), the flat
//       form of the configuration `barrier package checker` bakes into the
//       zip. Reconfiguring empties the cache (credentials are kept).
//   barrier_credentials(ptr, len, fields) -> 'O' | 'E'
//       Input: accessKeyId, secretAccessKey, sessionToken, region — the
//       Lambda runtime's AWS_* variables. Without complete credentials every
//       store read fails closed (503); 'E' says so at start-up.
//   barrier_reads() -> 'H'
//       Output "H" + the lowercase names of the request headers the checker
//       reads, in the order `barrier_check` numbers them. The host passes
//       only these; the event's other headers stay where they are.
//   barrier_check(ptr, len, fields, now_ms) -> 'P' | 'R' | 'F' | 'E'
//       now_ms (f64): the wall clock, ms since the epoch.
//       Input: method, uri, querystring, clientIp, then one field per value
//       of a read header: a tag byte ('a' + its index in barrier_reads)
//       followed by the value.
//   barrier_resume(ticket, ptr, len, fields, now_ms) -> 'P' | 'R' | 'F' | 'E'
//       Input, the answer to fetch `ticket`: status (decimal), body — or
//       "0" and a transport error text when no HTTP answer came.
//   Output of check and resume, by tag:
//     "P" outcome, then name, value pairs: forward the event's request with
//         every client-sent x-barrier-* header removed and these added.
//         `barrier_identity_id()` -> f64 names the pairs: equal ids mean
//         byte-equal pairs (0: none), so a host may keep them decoded.
//     "R" status, statusDescription, body, then name, value pairs: return
//         this generated response.
//     "F" ticket, timeout_ms, method, url, body, then header name, value
//         pairs: send this SigV4-signed DynamoDB GetItem exactly as it is
//         (Host included: it is signed) and call barrier_resume(ticket, ..).
//   Any error (unconfigured, malformed input, unknown ticket): the host
//   answers 503 itself (fail closed).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config/checker_settings.h"
#include "core/config/config.h"
#include "core/handlers/check.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/log.h"
#include "core/session/session_cache.h"
#include "edge/digest_memo.h"
#include "edge/edge_dynamodb.h"

#define BARRIER_IMPORT(name) __attribute__((import_module("barrier"), import_name(name)))
#define BARRIER_EXPORT(name) __attribute__((export_name(name)))

extern "C" {
BARRIER_IMPORT("sha256") void barrier_host_sha256(const char* data, size_t len, uint8_t* out);
BARRIER_IMPORT("hmac_sha256")
void barrier_host_hmac_sha256(const char* key, size_t key_len, const char* data, size_t len,
                              uint8_t* out);
BARRIER_IMPORT("log") void barrier_host_log(const char* data, size_t len);
}

namespace barrier {
namespace {

// --- Ports over host imports ------------------------------------------------

// The time the host passed with the current call (ms since the epoch): an
// event is decided at one instant, and no call out is needed for it.
class HostClock : public Clock {
 public:
  int64_t nowMillis() override { return now_; }
  void set(double now_ms) { now_ = static_cast<int64_t>(now_ms); }

 private:
  int64_t now_ = 0;
};

// Digests of small inputs are remembered (DigestMemo): a cached session's
// cookie id is MACed and hashed again on every request.
class HostCrypto : public Crypto {
 public:
  Digest sha256(std::string_view data) override {
    if (const Digest* known = memo_.find('S', {}, data)) return *known;
    Digest d{};
    barrier_host_sha256(data.data(), data.size(), d.data());
    memo_.remember('S', {}, data, d);
    return d;
  }
  Digest hmacSha256(std::string_view key, std::string_view data) override {
    if (const Digest* known = memo_.find('H', key, data)) return *known;
    Digest d{};
    barrier_host_hmac_sha256(key.data(), key.size(), data.data(), data.size(), d.data());
    memo_.remember('H', key, data, d);
    return d;
  }
  // ID tokens are never verified at the edge.
  bool verifyRs256(std::string_view, std::string_view, std::string_view,
                   std::string_view) override {
    return false;
  }

 private:
  DigestMemo memo_;
};

// Log lines are rare at the edge (store errors, debug): JSON through
// nlohmann, compiled by the engine only when the first line is written.
class HostLog : public Log {
 public:
  bool enabled(LogLevel level) const override { return level >= min_; }
  void write(LogLevel level, std::string_view event, const LogFields& fields) override {
    using Json = nlohmann::json;
    Json line = {{"level", logLevelName(level)}, {"event", std::string(event)}};
    for (const auto& [k, v] : fields) line[k] = v;
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
    barrier_host_log(text.data(), text.size());
  }
  void setMinLevel(LogLevel level) { min_ = level; }

 private:
  LogLevel min_ = LogLevel::kInfo;
};

// Stable ids for the identity pairs of pass decisions: the same pairs get
// the same id, different pairs never share one (ids are not reused). The
// host may then decode each distinct identity once. A fixed number of
// slots: a pair seen again after eviction simply gets a new id.
class IdentityIds {
 public:
  double idFor(std::string_view pairs) {
    // FNV-1a over the first 64 bytes, which hold the session's store key
    // (random): enough to spread; equality is decided on all the bytes.
    uint32_t h = 2166136261u;
    for (unsigned char c : pairs.substr(0, 64)) h = (h ^ c) * 16777619u;
    Slot& slot = slots_[h % kSlots];
    if (slot.id == 0 || slot.pairs != pairs) {
      slot.pairs.assign(pairs);
      slot.id = next_++;
    }
    return slot.id;
  }

 private:
  static constexpr size_t kSlots = 64;
  struct Slot {
    std::string pairs;
    double id = 0;
  };
  std::array<Slot, kSlots> slots_;
  double next_ = 1;  // exact in a double up to 2^53
};

// --- Module state (one instance per container, one event at a time) --------

constexpr size_t kMaxPending = 64;

// Every request header the Checker reads (check.cpp: cookieValues,
// isBrowserNavigation), lowercase. The host sends only these: a header
// missing here would silently change decisions.
constexpr std::array<std::string_view, 4> kHeadersRead = {"accept", "cookie", "sec-fetch-mode",
                                                          "x-requested-with"};

struct Module {
  HostClock clock;
  HostCrypto crypto;
  HostLog log;
  std::unique_ptr<Config> config;
  std::unique_ptr<SessionCache> cache;
  std::unique_ptr<Checker> checker;
  std::map<uint32_t, CheckStep> pending;  // ticket -> check waiting for a store answer
  EdgeCredentials credentials;
  IdentityIds identities;
  double identity_id = 0;  // of the last output
  uint32_t next_ticket = 1;
  std::string output;
};

// Out of line: every export calls it, and the engine compiles each export
// on its first call; a copy of Module's constructor in each would cost
// cold-start time.
__attribute__((noinline)) Module& module() {
  static Module* m = new Module();  // never destroyed: lives as long as the instance
  return *m;
}

// --- Fields in, fields out ----------------------------------------------------

// Splits NUL-separated input into exactly `expected` fields (at most N).
template <size_t N>
bool splitFields(std::string_view text, size_t expected, std::array<std::string_view, N>& out) {
  if (expected == 0 || expected > N) return false;
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t nul = text.find('\0', start);
    if (count == expected) return false;
    out[count++] = text.substr(start, nul == std::string_view::npos ? nul : nul - start);
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  return count == expected;
}

class Output {
 public:
  explicit Output(char tag) : text_(module().output) {
    text_.clear();
    text_ += tag;
  }
  Output& field(std::string_view value) {
    if (value.find('\0') != std::string_view::npos) clean_ = false;
    text_.append(value);
    text_ += '\0';
    return *this;
  }
  Output& headers(const Headers& headers) {
    for (const auto& h : headers) field(h.name).field(h.value);
    return *this;
  }
  // A NUL inside a field would shift every field after it: never emitted.
  bool clean() const { return clean_; }
  char tag() const { return text_[0]; }
  std::string_view text() const { return text_; }

 private:
  std::string& text_;
  bool clean_ = true;
};

int emitError(std::string_view message) {
  Output(/*tag=*/'E').field(message);
  module().identity_id = 0;
  return 'E';
}

// The export's return value: the output's tag.
int finishOutput(const Output& out) {
  if (!out.clean()) return emitError("output field holds a NUL byte");
  return out.tag();
}

// The headers the checker set on a forwarded request (client-sent
// X-Barrier-* are gone by then, so these are all the checker's own).
__attribute__((noinline)) int emitDecision(const CheckDecision& d) {
  Module& m = module();
  m.identity_id = 0;
  if (d.forward) {
    Output out('P');
    out.field(checkOutcomeName(d.outcome));
    size_t start = out.text().size();
    for (const auto& h : d.request.headers) {
      if (h.name.size() > 10 && equalsIgnoreCase(std::string_view(h.name).substr(0, 10), "x-barrier-")) {
        out.field(h.name).field(h.value);
      }
    }
    if (out.text().size() > start) m.identity_id = m.identities.idFor(out.text().substr(start));
    return finishOutput(out);
  }
  Output out('R');
  out.field(std::to_string(d.response.status))
      .field(reasonPhrase(d.response.status))
      .field(d.response.body)
      .headers(d.response.headers);
  return finishOutput(out);
}

// Parks `step` under a new ticket and outputs the signed GetItem for its
// lookup key; a GetItem that cannot even be built (no credentials or
// region) is a store error at once: 503. Out of line, like emitDecision:
// the engine compiles each function on its first call, and a container's
// first event is most often not a cache miss.
__attribute__((noinline)) int emitFetch(CheckStep step) {
  Module& m = module();
  while (step.needsLookup()) {
    Result<HttpClientRequest> fetch = edgeGetItemFetch(
        m.config->store, m.credentials, step.lookupKey(), m.clock.nowMillis() / 1000, m.crypto);
    if (!fetch) {
      step = m.checker->resume(std::move(step), fetch.status());
      continue;
    }
    uint32_t ticket = m.next_ticket;
    if (++m.next_ticket == 0) m.next_ticket = 1;
    if (m.pending.size() >= kMaxPending) m.pending.erase(m.pending.begin());  // oldest
    m.pending.emplace(ticket, std::move(step));
    m.identity_id = 0;
    Output out('F');
    out.field(std::to_string(ticket))
        .field(std::to_string(fetch->timeout_ms))
        .field(fetch->method)
        .field(fetch->url)
        .field(fetch->body)
        .headers(fetch->headers);
    return finishOutput(out);
  }
  return emitDecision(step.decision());
}

// A finished step becomes a decision; an unfinished one a fetch.
int emitStep(CheckStep step) {
  if (step.needsLookup()) return emitFetch(std::move(step));
  return emitDecision(step.decision());
}

// The CloudFront request as the checker sees it: method, target, client
// address and the headers it reads. At most this many header values.
constexpr size_t kMaxRequestFields = 4 + 64;

bool requestFromFields(std::string_view text, size_t fields, Request& r) {
  std::array<std::string_view, kMaxRequestFields> f;
  if (fields < 4 || !splitFields(text, fields, f)) return false;
  r.method.assign(f[0]);
  r.path.assign(f[1]);
  r.query.assign(f[2]);
  r.remote_addr.assign(f[3]);
  r.headers.reserve(fields - 4 + 4);  // and the four identity headers of a pass
  for (size_t i = 4; i < fields; ++i) {
    if (f[i].empty()) return false;
    size_t index = static_cast<unsigned char>(f[i][0]) - 'a';
    if (index >= kHeadersRead.size()) return false;
    r.headers.add(std::string(kHeadersRead[index]), std::string(f[i].substr(1)));
  }
  return true;
}

}  // namespace
}  // namespace barrier

using barrier::module;

extern "C" {

BARRIER_EXPORT("barrier_alloc") void* barrier_alloc(size_t len) { return std::malloc(len ? len : 1); }
BARRIER_EXPORT("barrier_free") void barrier_free(void* ptr) { std::free(ptr); }
BARRIER_EXPORT("barrier_output_ptr") const char* barrier_output_ptr() {
  return module().output.data();
}
BARRIER_EXPORT("barrier_output_len") size_t barrier_output_len() { return module().output.size(); }
BARRIER_EXPORT("barrier_identity_id") double barrier_identity_id() { return module().identity_id; }

BARRIER_EXPORT("barrier_configure") int barrier_configure(const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  Result<Config> parsed = decodeCheckerSettings(std::string_view(data, len));
  if (!parsed.isOk()) return emitError(parsed.status().message());
  m.pending.clear();
  m.checker.reset();
  m.config = std::make_unique<Config>(std::move(parsed).value());
  LogLevel level = LogLevel::kInfo;
  if (parseLogLevel(m.config->server.log_level, level)) m.log.setMinLevel(level);
  m.cache = makeLruSessionCache(m.clock, m.config->cache);
  m.checker = std::make_unique<Checker>(*m.config, m.crypto, m.clock, *m.cache, m.log);
  return finishOutput(Output('O'));
}

BARRIER_EXPORT("barrier_credentials")
int barrier_credentials(const char* data, size_t len, uint32_t fields) {
  using namespace barrier;
  Module& m = module();
  std::array<std::string_view, 4> f;
  m.credentials = EdgeCredentials{};
  if (!splitFields(std::string_view(data, len), fields, f) || fields != 4) {
    return emitError("credentials: expected 4 fields");
  }
  m.credentials.aws.access_key_id.assign(f[0]);
  m.credentials.aws.secret_access_key.assign(f[1]);
  m.credentials.aws.session_token.assign(f[2]);
  m.credentials.aws.source = "environment";
  m.credentials.fallback_region.assign(f[3]);
  if (!m.credentials.aws.complete()) {
    return emitError("credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required");
  }
  return finishOutput(Output('O'));
}

BARRIER_EXPORT("barrier_reads") int barrier_reads() {
  using namespace barrier;
  Output out('H');
  for (std::string_view name : kHeadersRead) out.field(name);
  return finishOutput(out);
}

BARRIER_EXPORT("barrier_check")
int barrier_check(const char* data, size_t len, uint32_t fields, double now_ms) {
  using namespace barrier;
  Module& m = module();
  if (!m.checker) return emitError("not configured");
  m.clock.set(now_ms);
  Request request;
  if (!requestFromFields(std::string_view(data, len), fields, request)) {
    return emitError("malformed request fields");
  }
  return emitStep(m.checker->begin(std::move(request)));
}

BARRIER_EXPORT("barrier_resume")
int barrier_resume(uint32_t ticket, const char* data, size_t len, uint32_t fields, double now_ms) {
  using namespace barrier;
  Module& m = module();
  m.clock.set(now_ms);
  auto it = m.pending.find(ticket);
  if (!m.checker || it == m.pending.end()) return emitError("unknown ticket");
  CheckStep step = std::move(it->second);
  m.pending.erase(it);
  std::array<std::string_view, 2> f;
  EdgeFetchAnswer answer;
  if (!splitFields(std::string_view(data, len), fields, f) || fields != 2) {
    answer.error = "malformed answer from the host";
  } else if (f[0] == "0") {
    answer.error = f[1];
  } else if (f[0].size() == 3 && f[0][0] >= '1' && f[0][0] <= '5' && f[0][1] >= '0' &&
             f[0][1] <= '9' && f[0][2] >= '0' && f[0][2] <= '9') {
    answer.status = (f[0][0] - '0') * 100 + (f[0][1] - '0') * 10 + (f[0][2] - '0');
    answer.body = f[1];
  } else {
    answer.error = "malformed status from the host";
  }
  return emitStep(m.checker->resume(std::move(step), parseEdgeFetchAnswer(answer)));
}

}  // extern "C"
