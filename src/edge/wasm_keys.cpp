// Bearer tokens at the edge (api.bearer; ABI: src/edge/wasm_main.cpp): the
// provider's keys, which the host fetches when the module asks ("K"), and
// the requests that wait for them. The decision itself is the Checker's,
// through OfflineBearerVerifier (core/access/bearer_offline.h). Built -Oz:
// only a container serving bearer tokens runs it.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/cookie.h"
#include "edge/module.h"

namespace barrier {

namespace {

// Well inside the event's budget (the handler's kEventBudgetMs): a provider
// that is slow to serve its keys makes one event a 503, not every event.
constexpr int kKeysTimeoutMs = 2000;

// "K" ticket, timeout_ms, url: fetch the URL (GET), then barrier_keys.
int emitKeysFetch(uint32_t ticket, std::string_view url) {
  module().identity_id = 0;
  Output out('K');
  out.field(std::to_string(ticket)).field(std::to_string(kKeysTimeoutMs)).field(url);
  return finishOutput(out);
}

}  // namespace

// A request is decided by its bearer token only without a cookie of ours
// (Checker::begin); only then may it wait for keys.
__attribute__((noinline)) int parkForKeys(Request& request) {
  Module& m = module();
  std::optional<std::string_view> token = bearerToken(request);
  if (!token || !cookieValues(request.headers, m.config->session.cookie_name).empty()) return 0;
  std::string url = m.bearer->fetchFor(*token);
  // Too many waiting already (a flood of tokens while the provider is
  // slow): decided now, without keys (503) or with the set in hand.
  if (url.empty() || m.awaiting_keys.size() >= kMaxPending) return 0;
  uint32_t ticket = m.next_ticket;
  if (++m.next_ticket == 0) m.next_ticket = 1;
  m.awaiting_keys.emplace(ticket, std::move(request));
  return emitKeysFetch(ticket, url);
}

}  // namespace barrier

using barrier::module;

extern "C" {

// At cold start: "K" 0, timeout_ms, url when keys should be fetched now,
// else "O". The host fetches without holding up events that carry no
// bearer token.
BARRIER_EXPORT("barrier_prefetch") int barrier_prefetch(double now_ms) {
  using namespace barrier;
  Module& m = module();
  if (!m.checker) return emitError("not configured");
  m.clock.set(now_ms);
  std::string url = m.bearer ? m.bearer->fetchFor("") : std::string();
  if (url.empty()) return finishOutput(Output('O'));
  return emitKeysFetch(0, url);
}

// The answer to a "K" (fields as barrier_resume's: status, body, or "0",
// error). Outputs the next "K" for the same ticket (the JWKS after the
// discovery document), else: for ticket 0 "O", for a parked request its
// decision as barrier_check's.
BARRIER_EXPORT("barrier_keys")
int barrier_keys(uint32_t ticket, const char* data, size_t len, uint32_t fields, double now_ms) {
  using namespace barrier;
  Module& m = module();
  if (!m.checker || !m.bearer) return emitError("not configured for bearer tokens");
  m.clock.set(now_ms);
  EdgeFetchAnswer answer = answerFromFields(std::string_view(data, len), fields);
  if (answer.status != 200 && m.log.enabled(LogLevel::kWarn)) {
    std::string why =
        answer.status == 0 ? std::string(answer.error) : "HTTP " + std::to_string(answer.status);
    m.log.write(LogLevel::kWarn, "edge.keys_unavailable", {{"error", why}});
  }
  std::string next = m.bearer->accept(answer.status, answer.body);
  if (!next.empty()) return emitKeysFetch(ticket, next);
  if (ticket == 0) return finishOutput(Output('O'));
  auto it = m.awaiting_keys.find(ticket);
  if (it == m.awaiting_keys.end()) return emitError("unknown ticket");
  Request request = std::move(it->second);
  m.awaiting_keys.erase(it);
  return emitStep(m.checker->begin(std::move(request)));
}

}  // extern "C"
