// barrier_bench_check_allocations: heap allocations per signed-in request
// in the gateway's check, for a session already cached: what every
// signed-in request of `barrier serve` costs the allocator there.
//
//   barrier_bench_check_allocations [N]        (default 10000)
//
// One seeded session (bench/seeded_session.h) in a memory store, checked
// once through the gateway's own Checker (with its VerifiedIdMemo) and
// LockedSessionCache so that it is cached; then N requests with its cookie,
// each begun, decided and given its identity headers as a protected route
// does. Counts every operator new across the N (this program replaces the
// global operator new) and prints the count per request. A count, not a
// timing: it is the same on a busy machine as on a quiet one.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "adapters/locked_session_cache.h"
#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "bench/seeded_session.h"
#include "core/handlers/check.h"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace barrier {
namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "check_allocations: %s\n", why.c_str());
  return 1;
}

int measure(long requests) {
  Result<ValidConfig> config = loadConfigText(
      "site_url: https://www.example.com\n"
      "session:\n  signing_keys: [\"Y2hlY2stYWxsb2NhdGlvbnMtYmVuY2gtc2lnbmluZy1rZXk=\"]\n"
      "provider: { type: oidc, issuer: https://idp.example.com, client_id: web, "
      "client_secret: s }\n"
      "store: { type: memory }\n",
      "check_allocations");
  if (!config.isOk()) return fail(config.status().toString());
  auto crypto = makeOpenSslCrypto();
  auto random = makeOsRandom();
  auto clock = makeSystemClock();
  auto log = makeStderrLog(LogLevel::kWarn);
  IdCodec codec(*crypto, config->session.signing_keys);
  auto store = makeMemoryStore();
  Result<IssuedId> issued = codec.issue(*random);
  if (!issued.isOk()) return fail(issued.status().toString());
  Status put = store->putNew(bench::seededSession(*issued, 1, clock->now(), 3600));
  if (!put) return fail(put.toString());
  auto cache = makeLockedSessionCache(*clock, config->cache);
  VerifiedIdMemo memo(4096);
  Checker checker(*config, *crypto, *clock, *cache, *log, &memo);
  Request request;
  request.method = "GET";
  request.path = "/index.html";
  request.headers.add("Host", "www.example.com");
  request.headers.add("Cookie", config->session.cookie_name + "=" + issued->cookie_value);
  if (check(checker, request, *store).outcome != CheckOutcome::kPass) {
    return fail("the seeded session did not pass");
  }
  long before = allocations.load();
  for (long i = 0; i < requests; ++i) {
    CheckStep step = checker.begin(request);  // a copy, as a connection's parsed request
    if (step.needsLookup()) return fail("the session was not cached");
    CheckDecision decision = std::move(step).decision();
    if (decision.outcome != CheckOutcome::kPass) return fail("a cached check did not pass");
    Headers identity = decision.identityHeaders();
  }
  long counted = allocations.load() - before;
  std::printf("%ld cached checks: %ld allocations, %.2f per request\n", requests, counted,
              static_cast<double>(counted) / static_cast<double>(requests));
  return 0;
}

}  // namespace
}  // namespace barrier

int main(int argc, char** argv) {
  long requests = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  if (requests <= 0) return barrier::fail("usage: barrier_bench_check_allocations [N > 0]");
  return barrier::measure(requests);
}
