// The edge checker module's state and the helpers its exports share
// (src/edge/wasm_main.cpp: the ABI and the per-event exports;
// src/edge/wasm_fetch.cpp: the store read; src/edge/wasm_setup.cpp: memory
// and configuration). One instance per container, one event at a time:
// nothing here is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/access/bearer_offline.h"
#include "core/config/config.h"
#include "core/handlers/check.h"
#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/log.h"
#include "core/session/session_cache.h"
#include "core/session/verified_id_memo.h"
#include "edge/edge_dynamodb.h"

#define BARRIER_EXPORT(name) __attribute__((export_name(name)))

namespace barrier {

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

// SHA-256, HMAC and signature checks by the host (node:crypto). A cached
// session's requests need none: the Checker remembers verified cookie
// values (Module::verified_ids). Signatures are bearer tokens'
// (api.bearer); the sizes OpenSSL natively insists on (an RSA modulus of
// 2048 bits or more, the signature as long as it; P-256 coordinates and
// r || s of 32 bytes each) are checked here, before the host is called.
class HostCrypto : public Crypto {
 public:
  Digest sha256(std::string_view data) override;
  Digest hmacSha256(std::string_view key, std::string_view data) override;
  bool verifyRs256(std::string_view modulus, std::string_view exponent,
                   std::string_view signing_input, std::string_view signature) override;
  bool verifyEs256(std::string_view x, std::string_view y, std::string_view signing_input,
                   std::string_view signature) override;
};

// Log lines are rare at the edge (store errors, debug): JSON through
// nlohmann, compiled by the engine only when the first line is written.
class HostLog : public Log {
 public:
  bool enabled(LogLevel level) const override { return level >= min_; }
  void write(LogLevel level, std::string_view event, const LogFields& fields) override;
  void setMinLevel(LogLevel level) { min_ = level; }

 private:
  LogLevel min_ = LogLevel::kInfo;
};

// The identity headers of pass decisions as output text (name, value
// fields, NUL-terminated), built once per session record and named by an
// id. The cache hands out the same shared, immutable record for every hit,
// so a cached session's pairs are found by the record's address; each other
// record gets a new id (ids are never reused). Equal ids therefore mean
// byte-equal pairs, and the host may keep them decoded. A fixed number of
// slots, each holding its record so that its address is not reused while
// remembered; a record seen again after eviction simply gets a new id.
class IdentityIds {
 public:
  struct Entry {
    SessionPtr record;
    std::string pairs;  // name, value fields, each NUL-terminated
    bool clean = true;  // false: a field held a NUL (never output)
    double id = 0;
  };
  // Precondition: d.session is set (a pass).
  const Entry& entryFor(const CheckDecision& d);

 private:
  static constexpr size_t kSlots = 64;
  std::array<Entry, kSlots> slots_;
  double next_ = 1;  // exact in a double up to 2^53
};

// --- Module state -------------------------------------------------------------

constexpr size_t kMaxPending = 64;

// A check waiting for the answer to its GetItem: which attempt that was,
// and when the first one was sent (the retry window counts from there).
struct PendingFetch {
  CheckStep step;
  int attempt = 1;
  int64_t first_ms = 0;
};

// Every request header the Checker reads (check.cpp: cookieValues,
// isBrowserNavigation, isCorsPreflight, loginLocation), lowercase. The host
// sends only these: a header missing here would silently change decisions.
constexpr std::array<std::string_view, 8> kHeadersRead = {
    "accept",           "cookie", "sec-fetch-mode",
    "x-requested-with", "origin", "access-control-request-method",
    "authorization",    "host"};

// The touch the last "T" output asked for (barrier_touch builds it).
struct PendingTouch {
  std::string key;
  int64_t last_seen = 0;
};

struct Module {
  HostClock clock;
  HostCrypto crypto;
  HostLog log;
  std::unique_ptr<ValidConfig> config;
  std::unique_ptr<SessionCache> cache;
  VerifiedIdMemo verified_ids;                    // the checker's; emptied when reconfigured
  std::unique_ptr<OfflineBearerVerifier> bearer;  // api.bearer only; before checker
  std::unique_ptr<Checker> checker;
  std::map<uint32_t, PendingFetch> pending;  // ticket -> check waiting for a store answer
  // ticket -> request waiting for the provider's keys (wasm_keys.cpp)
  std::map<uint32_t, Request> awaiting_keys;
  PendingTouch touch;  // key empty: none
  EdgeCredentials credentials;
  IdentityIds identities;
  double identity_id = 0;  // of the last output
  uint32_t next_ticket = 1;
  std::string output;
};

// The instance's one Module, created on first use, never destroyed.
Module& module();

// --- Fields in, fields out ----------------------------------------------------

// text.find('\0', from), eight bytes at a time: every field of every event
// is scanned for its terminator (libc's memchr here goes byte by byte).
inline size_t findNul(std::string_view text, size_t from = 0) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (((word - kOnes) & ~word & kHighs) != 0) break;  // a zero byte in this word
  }
  for (; i < text.size(); ++i) {
    if (text[i] == '\0') return i;
  }
  return std::string_view::npos;
}

// Calls take(index, field) for each NUL-separated field of `text`, in
// order, until take returns false. The number of fields, or npos when take
// stopped early.
template <class Take>
size_t forEachField(std::string_view text, Take take) {
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t nul = findNul(text, start);
    if (!take(count, text.substr(start, nul == std::string_view::npos ? nul : nul - start))) {
      return std::string_view::npos;
    }
    ++count;
    if (nul == std::string_view::npos) return count;
    start = nul + 1;
  }
}

// Splits NUL-separated input into exactly `expected` fields (at most N).
template <size_t N>
bool splitFields(std::string_view text, size_t expected, std::array<std::string_view, N>& out) {
  if (expected == 0 || expected > N) return false;
  return forEachField(text, [&](size_t i, std::string_view field) {
           if (i == expected) return false;  // more fields than expected
           out[i] = field;
           return true;
         }) == expected;
}

// Appends `value` and its NUL terminator to `text`. False when the value
// holds a NUL itself: it would shift every field after it, so such text is
// never output.
inline bool appendField(std::string& text, std::string_view value) {
  text.append(value);
  text += '\0';
  return findNul(value) == std::string_view::npos;
}

// Builds the output buffer: the tag byte, then NUL-terminated fields.
class Output {
 public:
  explicit Output(char tag) : text_(module().output) {
    text_.clear();
    text_ += tag;
  }
  Output& field(std::string_view value) {
    if (!appendField(text_, value)) clean_ = false;
    return *this;
  }
  // Fields already NUL-terminated and checked (IdentityIds::Entry::pairs).
  Output& fields(std::string_view text) {
    text_.append(text);
    return *this;
  }
  Output& headers(const Headers& headers) {
    for (const auto& h : headers) field(h.name).field(h.value);
    return *this;
  }
  // A NUL inside a field would shift every field after it: never emitted.
  bool clean() const { return clean_; }
  char tag() const { return text_[0]; }

 private:
  std::string& text_;
  bool clean_ = true;
};

// Outputs "E" + message; returns 'E'.
int emitError(std::string_view message);
// The output of a finished step (wasm_main.cpp), of an unfinished one (the
// signed GetItem its lookup needs, wasm_fetch.cpp), and emitStep picks.
// Steps go by rvalue reference: a step holds the whole request, and is
// neither copied nor moved on its way to the output.
int emitDecision(const CheckDecision& d);
// emitFetch's attempt is 1 for a new lookup; a retry names its attempt,
// the first attempt's time and the wait before sending.
int emitFetch(CheckStep&& step, int attempt = 1, int64_t first_ms = -1, int delay_ms = 0);
int emitStep(CheckStep&& step);
// The host's report for a fetch: "status", "body", or "0", "error".
EdgeFetchAnswer answerFromFields(std::string_view data, uint32_t fields);
// Before `request` is decided: when it carries a bearer token whose keys
// must be fetched first (OfflineBearerVerifier::fetchFor), parks it and
// outputs "K" (wasm_keys.cpp); otherwise returns 0 and leaves it alone.
int parkForKeys(Request& request);
// The export's return value: the output's tag ('E' if a field held a NUL).
int finishOutput(const Output& out);

}  // namespace barrier
