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

#include "bench/check_bench.h"

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

int fail(const std::string& why) { return bench::fail("check_allocations", why); }

int measure(long requests) {
  VerifiedIdMemo memo(4096);
  std::string error;
  auto bench = bench::CheckBench::make("", error, &memo);
  if (!bench) return fail(error);
  std::string cookie;
  if (Status s = bench->seed(1, cookie); !s) return fail(s.toString());
  Request request;
  request.method = "GET";
  request.path = "/index.html";
  request.headers.add("Host", "www.example.com");
  request.headers.add("Cookie", cookie);
  if (check(bench->checker, request, *bench->store).outcome != CheckOutcome::kPass) {
    return fail("the seeded session did not pass");
  }
  long before = allocations.load();
  for (long i = 0; i < requests; ++i) {
    CheckStep step = bench->checker.begin(request);  // a copy, as a connection's parsed request
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
