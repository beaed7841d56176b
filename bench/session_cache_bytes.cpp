// barrier_bench_session_cache_bytes: heap bytes per session held in the
// gateway's session cache: what `barrier serve`'s RSS grows by for each
// cached session (bench/run.sh --sessions N measures the RSS itself).
//
//   barrier_bench_session_cache_bytes [N]        (default 100000)
//
// N sessions (bench/seeded_session.h) go into a memory store; each is then
// checked once through the gateway's own Checker and LockedSessionCache,
// as a request with its cookie would be, and must pass. The figure is the
// growth of glibc's in-use heap bytes (mallinfo2: payload and chunk
// headers, and blocks mapped on their own) across those checks, divided by
// N; of it, the records (CachedSession blocks, core/session/
// cached_session.h) are the growth of their pool's chunks
// (core/session/block_pool.h), and the rest is the cache's own entries and
// index (their vectors' whole capacity counts). A count, not a timing: it
// is the same on a busy machine as on a quiet one.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/check_bench.h"
#include "core/session/block_pool.h"

namespace barrier {
namespace {

// Small blocks and the large ones glibc maps on their own (a vector of
// thousands of slots): uordblks alone leaves the second out.
size_t heapInUse() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

int fail(const std::string& why) { return bench::fail("session_cache_bytes", why); }

int measure(long sessions) {
  std::string error;
  auto bench = bench::CheckBench::make(
      "cache: { max_entries: " + std::to_string(2 * sessions + 1024) + " }\n", error);
  if (!bench) return fail(error);
  std::vector<std::string> cookies(static_cast<size_t>(sessions));
  for (long n = 0; n < sessions; ++n) {
    Status s = bench->seed(n, cookies[static_cast<size_t>(n)]);
    if (!s) return fail(s.toString());
  }
  Request request;
  request.headers.add("Cookie", "");
  size_t before = heapInUse();
  size_t pool_before = BlockPool::sessions().chunkBytes();
  for (const std::string& cookie : cookies) {
    request.headers.set("Cookie", cookie);
    if (check(bench->checker, request, *bench->store).outcome != CheckOutcome::kPass) {
      return fail("a seeded session did not pass");
    }
  }
  size_t grown = heapInUse() - before;
  size_t records_grown = BlockPool::sessions().chunkBytes() - pool_before;
  if (bench->cache->size() != static_cast<size_t>(sessions))
    return fail("not every session stayed cached");
  auto perSession = [&](size_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(sessions);
  };
  std::printf(
      "%ld sessions cached: %zu heap bytes, %.1f bytes per cached session\n"
      "  of which the records (CachedSession blocks, the chunks of their pool): "
      "%.1f\n  and the cache's entry and index: %.1f\n",
      sessions, grown, perSession(grown), perSession(records_grown),
      perSession(grown - records_grown));
  return 0;
}

}  // namespace
}  // namespace barrier

int main(int argc, char** argv) {
  long sessions = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100000;
  if (sessions <= 0) return barrier::fail("usage: barrier_bench_session_cache_bytes [N > 0]");
  return barrier::measure(sessions);
}
