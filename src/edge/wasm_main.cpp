// The session checker as a WebAssembly module for Lambda@Edge (docs/ARCHITECTURE.md,
// "The edge checker").
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
// Host import: one function, module "barrier", name "host" (each imported
// signature costs V8 a compiled wrapper at cold start, so there is one):
//   host(op, a, a_len, b, b_len, out)
//     op 1: SHA-256 of b[0, b_len) into 32 bytes at out
//     op 2: HMAC-SHA256 with key a[0, a_len) of b[0, b_len) into out
//     op 3: log b[0, b_len), one JSON line (a and out unused)
//     op 4: ES256: is a = x || y || r || s (32 bytes each) a valid
//           signature of b? One byte at out: 1 yes, 0 no
//     op 5: RS256: a = one byte L, the exponent (L bytes), the modulus,
//           then the signature (as long as the modulus); out as op 4
// Nothing is imported from WASI: the few WASI calls wasi-libc keeps answer
// ENOSYS inside the module (src/edge/wasi_stubs.cpp); it does no file or
// console I/O.
//
// Exports return the output's tag byte (the host need not read memory to
// learn what came out); 'E' is an error, its one field the message:
//   barrier_configure(ptr, len) -> 'O' | 'E'
//       Input: checker.settings (core/config/checker_settings.h), the flat
//       form of the configuration `barrier package checker` bakes into the
//       zip. Reconfiguring empties the session cache and the remembered
//       cookie values (credentials are kept).
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
//   Output of check, resume and keys, by tag:
//     "P" outcome, then name, value pairs: forward the event's request with
//         every client-sent x-barrier-* header removed and these added.
//         `barrier_identity_id()` -> f64 names the pairs: equal ids mean
//         byte-equal pairs (0: none), so a host may keep them decoded.
//     "T" as "P", and the session is due a touch (session.idle_timeout):
//         forward as for "P", then call barrier_touch for the write.
//     "R" status, statusDescription, body, then name, value pairs: return
//         this generated response.
//     "F" ticket, timeout_ms, delay_ms, method, url, body, then header
//         name, value pairs: wait delay_ms (0 but for a retry), then send
//         this SigV4-signed DynamoDB GetItem exactly as it is (Host
//         included: it is signed) and call barrier_resume(ticket, ..). An
//         answer DynamoDB means to be retried (throttling, 5xx) is answered
//         with another "F" (a new ticket, signed afresh), at most
//         kEdgeMaxAttempts per lookup (src/edge/edge_dynamodb.h).
//   barrier_prefetch(now_ms) -> 'K' | 'O' | 'E'
//       At cold start, after configuring (api.bearer): "K" 0 when the
//       provider's keys should be fetched now, else "O".
//   barrier_keys(ticket, ptr, len, fields, now_ms) -> 'K' | 'O' | 'P' | 'R' | 'F' | 'E'
//       Input, the answer to a "K": as barrier_resume's. Output: another
//       "K" for the same ticket (the JWKS after the discovery document);
//       for ticket 0 "O"; for a parked request its decision, as from
//       barrier_check.
//   barrier_touch(now_ms) -> 'W' | 'E'
//       After a "T": "W" timeout_ms, method, url, body, then header name,
//       value pairs: the signed DynamoDB UpdateItem setting the session's
//       last_seen. The host sends it and waits for it (a frozen container
//       might never send it), but its answer, or none, changes nothing: the
//       request was let through already. 'E' when no touch is pending.
//     "K" ticket, timeout_ms, url: with api.bearer, the request carries a
//         bearer token and the provider's keys must be fetched first (the
//         first set; a kid not in the set, at most once a minute): GET the
//         URL and call barrier_keys(ticket, ..) with the answer.
//   Any error (unconfigured, malformed input, unknown ticket): the host
//   answers 503 itself (fail closed).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/module.h"

namespace barrier {
namespace {

// A generated response: status, reason, body, then header pairs. Out of
// line, like emitDecision: a container's first request is often a pass or a
// public path, and the engine compiles each function on its first call.
__attribute__((noinline)) int emitResponse(const Response& response) {
  Output out('R');
  out.field(std::to_string(response.status))
      .field(reasonPhrase(response.status))
      .field(response.body)
      .headers(response.headers);
  return finishOutput(out);
}

}  // namespace

// A pass outputs the identity headers of its session (IdentityIds keeps
// them per record; client-sent X-Barrier-* are the host's to remove).
__attribute__((noinline)) int emitDecision(const CheckDecision& d) {
  Module& m = module();
  m.identity_id = 0;
  if (!d.forward) return emitResponse(d.response);
  // A pass whose session is due a touch says so by its tag; the host then
  // asks for the write with barrier_touch.
  Output out(d.touch_at > 0 ? 'T' : 'P');
  if (d.touch_at > 0) m.touch = PendingTouch{d.session->key(), d.touch_at};
  out.field(checkOutcomeName(d.outcome));
  if (d.outcome == CheckOutcome::kPass && d.session) {
    const IdentityIds::Entry& identity = m.identities.entryFor(d);
    if (!identity.clean) return emitError("output field holds a NUL byte");
    out.fields(identity.pairs);
    m.identity_id = identity.id;
  }
  return finishOutput(out);
}

// A finished step becomes a decision; an unfinished one a fetch.
__attribute__((noinline)) int emitStep(CheckStep&& step) {
  if (step.needsLookup()) return emitFetch(std::move(step));
  return emitDecision(step.decision());
}

namespace {

// The CloudFront request as the checker sees it: method, target, client
// address and the values of the headers it reads. HTTP/2 browsers may send
// every cookie as a header of its own, so the bound is generous; past it the
// event is refused (503), never read short.
constexpr size_t kMaxHeaderValues = 1024;

bool requestFromFields(std::string_view text, size_t fields, Request& r) {
  if (fields < 4 || fields > 4 + kMaxHeaderValues) return false;
  std::array<std::string_view, 4> head;
  r.headers.reserve(fields - 4);
  size_t count = forEachField(text, [&](size_t i, std::string_view field) {
    if (i == fields) return false;  // more fields than the host said
    if (i < 4) {
      head[i] = field;
      return true;
    }
    size_t index = field.empty() ? kHeadersRead.size() : static_cast<unsigned char>(field[0]) - 'a';
    if (index >= kHeadersRead.size()) return false;
    r.headers.add(std::string(kHeadersRead[index]), std::string(field.substr(1)));
    return true;
  });
  if (count != fields) return false;
  r.method.assign(head[0]);
  r.path.assign(head[1]);
  r.query.assign(head[2]);
  r.remote_addr.assign(head[3]);
  return true;
}

}  // namespace
}  // namespace barrier

using barrier::module;

extern "C" {

BARRIER_EXPORT("barrier_identity_id") double barrier_identity_id() { return module().identity_id; }

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
  if (m.bearer) {
    if (int tag = parkForKeys(request)) return tag;
  }
  return emitStep(m.checker->begin(std::move(request)));
}

}  // extern "C"
