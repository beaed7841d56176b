// The edge checker module's store read: the signed GetItem it asks the host
// to send, and `barrier_resume`, which takes the answer and asks again when
// DynamoDB said to (edge_dynamodb.h: retries; ABI: src/edge/wasm_main.cpp).
// Built -Oz, unlike the per-event code in wasm_main.cpp: a cache miss waits
// for the network anyway, and every byte of the module is validated by the
// engine at cold start (with -O2 these two functions alone were 29 KB of the
// module's 198 KB of code).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/module.h"

namespace barrier {

// Parks `step` under a new ticket and outputs the signed GetItem for its
// lookup key (signed now: a retry is signed afresh); a GetItem that cannot
// even be built (no credentials or region) is a store error at once: 503.
// Never inlined into the per-event code: the engine compiles each function
// on its first call, and a container's first event is most often not a
// cache miss.
__attribute__((noinline)) int emitFetch(CheckStep&& step, int attempt, int64_t first_ms,
                                        int delay_ms) {
  Module& m = module();
  while (step.needsLookup()) {
    Result<HttpClientRequest> fetch = edgeGetItemFetch(
        m.config->store, m.credentials, step.lookupKey(), m.clock.nowMillis() / 1000, m.crypto);
    if (!fetch) {
      step = m.checker->resume(std::move(step), fetch.status());
      attempt = 1;
      first_ms = -1;
      delay_ms = 0;
      continue;
    }
    uint32_t ticket = m.next_ticket;
    if (++m.next_ticket == 0) m.next_ticket = 1;
    if (m.pending.size() >= kMaxPending) m.pending.erase(m.pending.begin());  // oldest
    m.pending.emplace(ticket, PendingFetch{std::move(step), attempt,
                                           first_ms < 0 ? m.clock.nowMillis() : first_ms});
    m.identity_id = 0;
    Output out('F');
    out.field(std::to_string(ticket))
        .field(std::to_string(fetch->timeout_ms))
        .field(std::to_string(delay_ms))
        .field(fetch->method)
        .field(fetch->url)
        .field(fetch->body)
        .headers(fetch->headers);
    return finishOutput(out);
  }
  return emitDecision(step.decision());
}

EdgeFetchAnswer answerFromFields(std::string_view data, uint32_t fields) {
  std::array<std::string_view, 2> f;
  EdgeFetchAnswer answer;
  if (!splitFields(data, fields, f) || fields != 2) {
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
  return answer;
}

}  // namespace barrier

using barrier::module;

extern "C" {

BARRIER_EXPORT("barrier_resume")
int barrier_resume(uint32_t ticket, const char* data, size_t len, uint32_t fields, double now_ms) {
  using namespace barrier;
  Module& m = module();
  m.clock.set(now_ms);
  auto it = m.pending.find(ticket);
  if (!m.checker || it == m.pending.end()) return emitError("unknown ticket");
  PendingFetch pending = std::move(it->second);
  m.pending.erase(it);
  EdgeFetchAnswer answer = answerFromFields(std::string_view(data, len), fields);
  int64_t now = m.clock.nowMillis();
  if (isRetryableEdgeAnswer(answer) && pending.attempt < kEdgeMaxAttempts &&
      now - pending.first_ms < kEdgeRetryWindowMs) {
    int delay = edgeRetryDelayMs(pending.attempt, static_cast<uint32_t>(now) ^ ticket);
    if (m.log.enabled(LogLevel::kWarn)) {
      m.log.write(LogLevel::kWarn, "edge.store_retry",
                  {{"attempt", std::to_string(pending.attempt + 1)},
                   {"status", std::to_string(answer.status)},
                   {"delay_ms", std::to_string(delay)}});
    }
    return emitFetch(std::move(pending.step), pending.attempt + 1, pending.first_ms, delay);
  }
  return emitStep(m.checker->resume(std::move(pending.step), parseEdgeFetchAnswer(answer)));
}

BARRIER_EXPORT("barrier_touch")
int barrier_touch(double now_ms) {
  using namespace barrier;
  Module& m = module();
  m.clock.set(now_ms);
  if (!m.checker || m.touch.key.empty()) return emitError("no touch pending");
  PendingTouch touch = std::move(m.touch);
  m.touch = PendingTouch{};
  Result<HttpClientRequest> write = edgeTouchFetch(m.config->store, m.credentials, touch.key,
                                                   touch.last_seen, m.clock.now(), m.crypto);
  if (!write) return emitError(write.status().message());
  Output out('W');
  out.field(std::to_string(write->timeout_ms))
      .field(write->method)
      .field(write->url)
      .field(write->body)
      .headers(write->headers);
  return finishOutput(out);
}

}  // extern "C"
