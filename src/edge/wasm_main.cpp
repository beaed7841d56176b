// The session checker as a WebAssembly module for Lambda@Edge (DESIGN §2).
//
// The module is the checker's brain; the Node.js handler is transport only.
// It is a WASI reactor: the host instantiates it once per container, calls
// `_initialize`, then `barrier_configure` once, then `barrier_check` (and
// `barrier_resume` when asked) for every viewer-request event. The session
// cache lives in the module's memory across events.
//
// ABI ---------------------------------------------------------------------
// All strings are UTF-8 JSON passed as (pointer, length) in the module's
// exported `memory`. The host writes input into a buffer from
// `barrier_alloc(len)` and releases it with `barrier_free(ptr)`. Each call
// that produces output leaves one JSON document in a module-owned buffer
// read with `barrier_output_ptr()` / `barrier_output_len()`; it stays valid
// until the next call.
//
// Host imports, module "barrier" (node:crypto supplies them):
//   now_ms() -> f64                        wall clock, ms since the epoch
//   random_fill(ptr, len)                  CSPRNG bytes
//   sha256(data, len, out32)               SHA-256 into 32 bytes at out32
//   hmac_sha256(key, klen, data, len, out32)
//   log(ptr, len)                          one JSON log line (may be a no-op)
// The only WASI import the host must supply is whatever wasi-libc keeps
// after dead-code removal (typically `proc_exit`, `fd_write`, ...); stubs
// returning ENOSYS (52) are fine: the module never does file or console I/O.
//
// Exports:
//   barrier_alloc(len) -> ptr, barrier_free(ptr)
//   barrier_configure(ptr, len) -> 0 | 1
//       Input: the same config JSON as barrier.yaml (core/config/config.h).
//       Output: {"ok":true} or {"error":"<field>: <message>"}. Reconfiguring
//       empties the cache (credentials given before are kept).
//   barrier_credentials(ptr, len) -> 0 | 1
//       Input: {"accessKeyId":..,"secretAccessKey":..,"sessionToken":..,
//               "region":..} — the Lambda runtime's AWS_* variables.
//       Switches the store read to the DynamoDB phase below whenever the
//       configuration's store.type is dynamodb. rc 1 with {"error":...}
//       when the document is not an object or the credentials are
//       incomplete; the phase is on all the same, so every store read then
//       fails closed (503) instead of the function failing to start.
//   barrier_set_output(shape) -> 0 | 1
//       How pass decisions describe the forwarded request. 0 (default):
//       "request":{"headers":{..}}, every header with X-Barrier-* set.
//       1: "identity":{"x-barrier-user":[{"key":..,"value":..}],..} only —
//       the host removes every x-barrier-* header from the event's request
//       itself and adds these, so unchanged headers are not copied through
//       JSON twice; the host then needs to send only the headers the
//       checker reads, listed in the output: {"ok":true,"reads":[..]}.
//   barrier_check(ptr, len) -> 0 | 1
//       Input: a CloudFront viewer-request `cf.request` object:
//         {"method":"GET","uri":"/p","querystring":"a=1","clientIp":"...",
//          "headers":{"cookie":[{"key":"Cookie","value":"..."}], ...}}
//       Output, one of:
//         {"decision":{"outcome":"pass","forward":true,
//                      "request":{"headers":{<cf headers, X-Barrier-* set>}}}}
//             -> the host replaces the event request's headers and returns it;
//         {"decision":{"outcome":"no_session","forward":false,
//                      "response":{"status":"307","statusDescription":"...",
//                                  "headers":{"location":[{"key":"Location","value":"..."}]},
//                                  "body":"..."}}}
//             -> the host returns `response` (Lambda@Edge generated-response shape);
//         {"lookup":{"key":"<store key>","ticket":N}}
//             -> the host reads the session table item `session_id` = key
//                (consistent read) and calls barrier_resume(N, answer);
//         {"fetch":{"method":"POST","url":..,"headers":{"Name":"value",..},
//                   "body":..,"timeout_ms":N,"ticket":N}}
//             -> DynamoDB phase (credentials given, store.type dynamodb):
//                the host sends this SigV4-signed GetItem exactly as it is
//                and calls barrier_resume(N, {"status":S,"body":".."}), or
//                {"error":".."} when no answer came (refused, timeout).
//       Which of the two a configured module asks for is fixed by the
//       configuration and barrier_credentials, never per request.
//       rc 1 with {"error":...} when unconfigured or the input is not an object;
//       the host should then answer 503 itself (fail closed).
//   barrier_resume(ticket, ptr, len) -> 0 | 1
//       Input, the store's answer: {"record":{"session_id":..,"kind":"session",
//       "valid_until":N,"created_at":N,"sub":..,"username":..,"email":..,
//       "groups":[..]}} | {"absent":true} | {"error":"<text>"} (also the bare
//       strings "absent" / "error"). Numbers may be JSON numbers or numeric
//       strings (DynamoDB N). Anything unparsable counts as a store error: 503.
//       Output: as barrier_check (a further lookup when a duplicate cookie is
//       tried next). rc 1 for an unknown ticket.
//       In the DynamoDB phase the answer is the fetch report above instead;
//       only a 200 with a well-formed body is a record or "absent", every
//       other status or error is a store error: 503.
//
// The DynamoDB phase lives in lookupOutput() and parseStoreAnswer(), the two
// places where "lookup K" becomes a SigV4-signed GetItem request
// (edge/edge_dynamodb.h) and its HTTPS answer becomes a record.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config/config.h"
#include "core/handlers/check.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/log.h"
#include "core/ports/random.h"
#include "core/session/session_cache.h"
#include "edge/digest_memo.h"
#include "edge/edge_dynamodb.h"

#define BARRIER_IMPORT(name) __attribute__((import_module("barrier"), import_name(name)))
#define BARRIER_EXPORT(name) __attribute__((export_name(name)))

extern "C" {
BARRIER_IMPORT("now_ms") double barrier_host_now_ms();
BARRIER_IMPORT("random_fill") void barrier_host_random_fill(uint8_t* data, size_t len);
BARRIER_IMPORT("sha256") void barrier_host_sha256(const char* data, size_t len, uint8_t* out);
BARRIER_IMPORT("hmac_sha256")
void barrier_host_hmac_sha256(const char* key, size_t key_len, const char* data, size_t len,
                              uint8_t* out);
BARRIER_IMPORT("log") void barrier_host_log(const char* data, size_t len);
}

namespace barrier {
namespace {

using Json = nlohmann::json;

// --- Ports over host imports ------------------------------------------------

class HostClock : public Clock {
 public:
  int64_t nowMillis() override { return static_cast<int64_t>(barrier_host_now_ms()); }
};

class HostRandom : public Random {
 public:
  void fill(uint8_t* data, size_t size) override { barrier_host_random_fill(data, size); }
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

class HostLog : public Log {
 public:
  bool enabled(LogLevel level) const override { return level >= min_; }
  void write(LogLevel level, std::string_view event, const LogFields& fields) override {
    Json line = {{"level", logLevelName(level)}, {"event", std::string(event)}};
    for (const auto& [k, v] : fields) line[k] = v;
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
    barrier_host_log(text.data(), text.size());
  }
  void setMinLevel(LogLevel level) { min_ = level; }

 private:
  LogLevel min_ = LogLevel::kInfo;
};

// --- Module state (one instance per container, one event at a time) --------

constexpr size_t kMaxPending = 64;

// How a forwarded request is described (barrier_set_output).
enum class PassShape {
  kFullHeaders,   // "request":{"headers":{every header, X-Barrier-* set}}
  kIdentityOnly,  // "identity":{the X-Barrier-* headers to set}
};

// Every request header the Checker reads (check.cpp: cookieValues,
// isBrowserNavigation), lowercase. With kIdentityOnly the host sends only
// these: a header missing here would silently change decisions.
constexpr const char* kHeadersRead[] = {"accept", "cookie", "sec-fetch-mode", "x-requested-with"};

struct Module {
  HostClock clock;
  HostRandom random;
  HostCrypto crypto;
  HostLog log;
  std::unique_ptr<Config> config;
  std::unique_ptr<SessionCache> cache;
  std::unique_ptr<Checker> checker;
  std::map<uint32_t, CheckStep> pending;  // ticket -> check waiting for a store answer
  std::optional<EdgeCredentials> credentials;  // set: the DynamoDB phase (see fetchPhase)
  PassShape pass_shape = PassShape::kFullHeaders;
  uint32_t next_ticket = 1;
  std::string output;
};

Module& module() {
  static Module* m = new Module();  // never destroyed: lives as long as the instance
  return *m;
}

int emit(const Json& doc, int rc) {
  module().output = doc.dump(-1, ' ', false, Json::error_handler_t::replace);
  return rc;
}

int emitError(std::string message) { return emit(Json{{"error", std::move(message)}}, 1); }

// --- JSON helpers that never abort (nlohmann aborts where it would throw) --

std::string stringField(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A JSON number or a decimal string (DynamoDB N); 0 when missing or odd.
int64_t integerField(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  if (!it->is_string()) return 0;
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > 18) return 0;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

// --- CloudFront shapes -------------------------------------------------------

Request requestFromCloudFront(const Json& cf) {
  Request r;
  r.method = stringField(cf, "method");
  r.path = stringField(cf, "uri");
  r.query = stringField(cf, "querystring");
  r.remote_addr = stringField(cf, "clientIp");
  auto headers = cf.find("headers");
  if (headers == cf.end() || !headers->is_object()) return r;
  for (const auto& [lower_name, list] : headers->items()) {
    if (!list.is_array()) continue;
    for (const auto& item : list) {
      if (!item.is_object()) continue;
      std::string key = stringField(item, "key");
      r.headers.add(key.empty() ? lower_name : key, stringField(item, "value"));
    }
  }
  return r;
}

// Lambda@Edge wants lowercase names mapping to [{key, value}] lists.
Json headersToCloudFront(const Headers& headers) {
  Json out = Json::object();
  for (const auto& h : headers) {
    std::string lower = h.name;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    out[lower].push_back(Json{{"key", h.name}, {"value", h.value}});
  }
  return out;
}

// The headers the checker set on a forwarded request (client-sent
// X-Barrier-* are gone by then, so these are all the checker's own).
Json identityToCloudFront(const Headers& headers) {
  Headers identity;
  for (const auto& h : headers) {
    if (h.name.size() > 10 && equalsIgnoreCase(std::string_view(h.name).substr(0, 10), "x-barrier-")) {
      identity.add(h.name, h.value);
    }
  }
  return headersToCloudFront(identity);
}

Json decisionJson(const CheckDecision& d) {
  Json out = {{"outcome", checkOutcomeName(d.outcome)}, {"forward", d.forward}};
  if (d.forward && module().pass_shape == PassShape::kIdentityOnly) {
    out["identity"] = identityToCloudFront(d.request.headers);
  } else if (d.forward) {
    out["request"] = Json{{"headers", headersToCloudFront(d.request.headers)}};
  } else {
    out["response"] = Json{{"status", std::to_string(d.response.status)},
                           {"statusDescription", reasonPhrase(d.response.status)},
                           {"headers", headersToCloudFront(d.response.headers)},
                           {"body", d.response.body}};
  }
  return out;
}

// --- The lookup seam ---------------------------------------------------------

// The module reads DynamoDB itself (through the host's HTTPS) when the host
// gave credentials and the configuration's store is DynamoDB; otherwise the
// host answers lookups with records (tests, hosts with another store).
bool fetchPhase() {
  const Module& m = module();
  return m.credentials && m.config && m.config->store.type == StoreConfig::Type::kDynamoDb;
}

// What the host is asked to do for a pending check: a signed GetItem to send
// in the DynamoDB phase, else the key to look up. Fails when no request can
// be built (no credentials or region): the check then ends in 503.
Result<Json> lookupOutput(const std::string& key, uint32_t ticket) {
  Module& m = module();
  if (!fetchPhase()) return Json{{"lookup", {{"key", key}, {"ticket", ticket}}}};
  Result<Json> fetch = edgeGetItemFetch(m.config->store, *m.credentials, key, ticket,
                                        m.clock.nowMillis() / 1000, m.crypto);
  if (!fetch) return fetch.status();
  return Json{{"fetch", std::move(fetch).value()}};
}

// The host's answer as the store port would have returned it. Anything not
// clearly "absent" or a record is a failure: the checker then answers 503.
Result<std::optional<SessionRecord>> parseStoreAnswer(std::string_view text,
                                                      const std::string& key) {
  if (fetchPhase()) return parseEdgeFetchAnswer(text);
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Status::unavailable("unparsable store answer");
  if (doc.is_string()) {
    if (doc.get_ref<const std::string&>() == "absent") return std::optional<SessionRecord>();
    return Status::unavailable("store error");
  }
  if (!doc.is_object()) return Status::unavailable("unexpected store answer");
  if (doc.contains("error")) return Status::unavailable("store error: " + stringField(doc, "error"));
  auto absent = doc.find("absent");
  if (absent != doc.end() && absent->is_boolean() && absent->get<bool>()) {
    return std::optional<SessionRecord>();
  }
  auto rec = doc.find("record");
  if (rec == doc.end() || !rec->is_object()) return Status::unavailable("unexpected store answer");
  SessionRecord r;
  r.key = key;
  // An unknown or missing kind is never a session.
  if (!parseRecordKind(stringField(*rec, "kind"), r.kind)) r.kind = RecordKind::kLogin;
  r.valid_until = integerField(*rec, "valid_until");
  r.created_at = integerField(*rec, "created_at");
  r.sub = stringField(*rec, "sub");
  r.username = stringField(*rec, "username");
  r.email = stringField(*rec, "email");
  auto groups = rec->find("groups");
  if (groups != rec->end() && groups->is_array()) {
    for (const auto& g : *groups) {
      if (g.is_string()) r.groups.push_back(g.get<std::string>());
    }
  }
  return std::optional<SessionRecord>(std::move(r));
}

// A finished step becomes a decision; an unfinished one is parked under a
// ticket. A lookup that cannot even be asked for is a store error at once.
int emitStep(CheckStep step) {
  Module& m = module();
  while (step.needsLookup()) {
    uint32_t ticket = m.next_ticket;
    Result<Json> ask = lookupOutput(step.lookupKey(), ticket);
    if (!ask) {
      step = m.checker->resume(std::move(step), ask.status());
      continue;
    }
    if (++m.next_ticket == 0) m.next_ticket = 1;
    if (m.pending.size() >= kMaxPending) m.pending.erase(m.pending.begin());  // oldest
    m.pending.emplace(ticket, std::move(step));
    return emit(*ask, 0);
  }
  return emit(Json{{"decision", decisionJson(step.decision())}}, 0);
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

BARRIER_EXPORT("barrier_configure") int barrier_configure(const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  Result<Config> parsed = parseConfigJson(std::string_view(data, len), "config.json");
  if (!parsed.isOk()) return emitError(parsed.status().message());
  m.pending.clear();
  m.checker.reset();
  m.config = std::make_unique<Config>(std::move(parsed).value());
  LogLevel level = LogLevel::kInfo;
  if (parseLogLevel(m.config->server.log_level, level)) m.log.setMinLevel(level);
  m.cache = makeLruSessionCache(m.clock, m.config->cache);
  m.checker = std::make_unique<Checker>(*m.config, m.crypto, m.clock, *m.cache, m.log);
  return emit(Json{{"ok", true}}, 0);
}

BARRIER_EXPORT("barrier_credentials") int barrier_credentials(const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  Result<EdgeCredentials> parsed = parseEdgeCredentials(std::string_view(data, len));
  if (!parsed.isOk()) return emitError(parsed.status().message());
  m.pending.clear();  // tickets of the other phase would be misread
  m.credentials = std::move(parsed).value();
  if (!m.credentials->aws.complete()) {
    return emitError("credentials: accessKeyId and secretAccessKey are required");
  }
  return emit(Json{{"ok", true}}, 0);
}

BARRIER_EXPORT("barrier_set_output") int barrier_set_output(uint32_t shape) {
  using namespace barrier;
  if (shape > 1) return emitError("unknown output shape");
  module().pass_shape = shape == 1 ? PassShape::kIdentityOnly : PassShape::kFullHeaders;
  Json reads = Json::array();
  for (const char* name : kHeadersRead) reads.push_back(name);
  return emit(Json{{"ok", true}, {"reads", std::move(reads)}}, 0);
}

BARRIER_EXPORT("barrier_check") int barrier_check(const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  if (!m.checker) return emitError("not configured");
  Json cf = Json::parse(std::string_view(data, len), nullptr, false);
  if (cf.is_discarded() || !cf.is_object()) return emitError("request is not a JSON object");
  return emitStep(m.checker->begin(requestFromCloudFront(cf)));
}

BARRIER_EXPORT("barrier_resume")
int barrier_resume(uint32_t ticket, const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  auto it = m.pending.find(ticket);
  if (!m.checker || it == m.pending.end()) return emitError("unknown ticket");
  CheckStep step = std::move(it->second);
  m.pending.erase(it);
  std::string key = step.lookupKey();
  return emitStep(m.checker->resume(std::move(step), parseStoreAnswer({data, len}, key)));
}

}  // extern "C"
