// Counters and a latency histogram for /_identity/metrics (Prometheus text
// exposition format 0.0.4). Lock-free: every field is an atomic, so request
// threads record without contention; a scrape reads a slightly torn but
// monotonic snapshot, which Prometheus tolerates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace barrier {

// Why a request ended the way it did: one label value each in
// barrier_requests_total{outcome=...}. The first nine mirror the checker's
// CheckOutcome (for protected requests and forward-auth checks alike).
enum class Outcome {
  kPublic,          // public path, forwarded without a session
  kPass,            // session valid, forwarded with identity headers
  kNoSession,       // no cookie of ours: login redirect or 401
  kBadCookie,       // cookie with a bad shape or MAC (no store read)
  kUnknownSession,  // well-signed id without a record
  kInvalidSession,  // expired record or not of kind `session`
  kForbidden,       // valid session, access rule not met (403)
  kStoreError,      // store failed: fail closed (503)
  kBadToken,        // bearer token refused (api.bearer): 401 invalid_token
  kIdentity,        // a /_identity/* manager endpoint (login, auth, logout, me...)
  kInternal,        // health and metrics
  kBadRequest,      // malformed or over a limit (400, 413, 431)
  kUpstreamError,   // origin unreachable or too slow (502, 504)
  kCount
};

const char* outcomeName(Outcome outcome);

// Why a TLS connection ended before its first request (server.tls): none of
// these is a request, each is counted in
// barrier_tls_handshake_failures_total{reason=...}.
enum class TlsFailure {
  kTimeout,    // no complete handshake within its timeout
  kPlainHttp,  // plain HTTP sent to the TLS port (answered 400)
  kHandshake,  // refused: protocol version, ciphers, the client's alert...
  kCount
};

const char* tlsFailureName(TlsFailure failure);

class Metrics {
 public:
  // Upper bounds (seconds) of the store latency histogram buckets.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};

  void countRequest(Outcome outcome) { relaxedAdd(requests_[index(outcome)]); }
  void observeStoreLatency(double seconds, bool ok);
  void countCacheHits(uint64_t n) {
    if (n > 0) relaxedAdd(cache_hits_, n);
  }
  void countCacheMiss() { relaxedAdd(cache_misses_); }
  void countLogin() { relaxedAdd(logins_); }
  void countLogout() { relaxedAdd(logouts_); }
  // The Redis revocation subscription was lost (redis_revocations.h).
  void countRevocationsLost() { relaxedAdd(revocations_lost_); }
  // A SIGHUP's re-read of the configuration: applied, or refused (the old
  // configuration stays).
  void countReload(bool ok) { relaxedAdd(ok ? reloads_ok_ : reloads_failed_); }
  void countTlsFailure(TlsFailure failure) { relaxedAdd(tls_failures_[tlsIndex(failure)]); }
  uint64_t tlsFailures(TlsFailure failure) const { return load(tls_failures_[tlsIndex(failure)]); }
  void connectionOpened() { connections_open_.fetch_add(1, std::memory_order_relaxed); }
  void connectionClosed() { connections_open_.fetch_sub(1, std::memory_order_relaxed); }

  uint64_t requests(Outcome outcome) const { return load(requests_[index(outcome)]); }
  uint64_t cacheHits() const { return load(cache_hits_); }
  uint64_t cacheMisses() const { return load(cache_misses_); }
  uint64_t logins() const { return load(logins_); }
  uint64_t storeCalls() const { return load(store_count_); }
  uint64_t reloads(bool ok) const { return load(ok ? reloads_ok_ : reloads_failed_); }
  uint64_t revocationsLost() const { return load(revocations_lost_); }

  // The whole exposition, text/plain; version=0.0.4.
  std::string render() const;

 private:
  static size_t index(Outcome outcome) { return static_cast<size_t>(outcome); }
  static size_t tlsIndex(TlsFailure failure) { return static_cast<size_t>(failure); }
  static void relaxedAdd(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  static uint64_t load(const std::atomic<uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
  }

  std::array<std::atomic<uint64_t>, static_cast<size_t>(Outcome::kCount)> requests_{};
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size()> store_buckets_{};
  std::atomic<uint64_t> store_count_{0};
  std::atomic<uint64_t> store_errors_{0};
  std::atomic<uint64_t> store_sum_micros_{0};
  std::atomic<uint64_t> cache_hits_{0};
  std::atomic<uint64_t> cache_misses_{0};
  std::atomic<uint64_t> logins_{0};
  std::atomic<uint64_t> logouts_{0};
  std::atomic<uint64_t> revocations_lost_{0};
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
  std::atomic<int64_t> connections_open_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(TlsFailure::kCount)> tls_failures_{};
};

}  // namespace barrier
