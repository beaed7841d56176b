// The edge checker module's exports for memory and configuration, called
// once per container (ABI: src/edge/wasm_main.cpp). Built -Oz, unlike the
// per-event code: the engine compiles them once, at cold start.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/config/checker_settings.h"
#include "edge/module.h"

namespace barrier {

// Out of line: every export calls it, and the engine compiles each export
// on its first call; a copy of Module's constructor in each would cost
// cold-start time. Defined here, -Oz: the constructor runs once, and -O2
// unrolled its slot-by-slot initialisation into 3.8 KB the engine compiled
// at cold start.
__attribute__((noinline)) Module& module() {
  static Module* m = new Module();  // never destroyed: lives as long as the instance
  return *m;
}

}  // namespace barrier

using barrier::module;

extern "C" {

BARRIER_EXPORT("barrier_alloc") void* barrier_alloc(size_t len) {
  return std::malloc(len ? len : 1);
}

BARRIER_EXPORT("barrier_free") void barrier_free(void* ptr) { std::free(ptr); }

BARRIER_EXPORT("barrier_output_ptr") const char* barrier_output_ptr() {
  return module().output.data();
}

BARRIER_EXPORT("barrier_output_len") size_t barrier_output_len() { return module().output.size(); }

BARRIER_EXPORT("barrier_configure") int barrier_configure(const char* data, size_t len) {
  using namespace barrier;
  Module& m = module();
  std::unique_ptr<ValidConfig> config;
  if (Status s = decodeCheckerSettingsInto(std::string_view(data, len), config); !s) {
    return emitError(s.message());
  }
  m.pending.clear();
  m.awaiting_keys.clear();
  m.checker.reset();
  m.bearer.reset();
  m.config = std::move(config);
  m.log.setMinLevel(m.config->logLevel());
  m.cache = makeLruSessionCache(m.clock, m.config->cache);
  m.verified_ids.clear();  // the signing keys may have changed
  if (m.config->api.bearer) {
    m.bearer = std::make_unique<OfflineBearerVerifier>(*m.config, m.clock, m.crypto);
  }
  m.checker = std::make_unique<Checker>(*m.config, m.crypto, m.clock, *m.cache, m.log,
                                        &m.verified_ids, m.bearer.get());
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

}  // extern "C"
