#include "server/metrics.h"

#include <cstdio>

namespace barrier {

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPublic:
      return "public";
    case Outcome::kPass:
      return "pass";
    case Outcome::kNoSession:
      return "no_session";
    case Outcome::kBadCookie:
      return "bad_cookie";
    case Outcome::kUnknownSession:
      return "unknown_session";
    case Outcome::kInvalidSession:
      return "invalid_session";
    case Outcome::kForbidden:
      return "forbidden";
    case Outcome::kStoreError:
      return "store_error";
    case Outcome::kBadToken:
      return "bad_token";
    case Outcome::kIdentity:
      return "identity";
    case Outcome::kInternal:
      return "internal";
    case Outcome::kBadRequest:
      return "bad_request";
    case Outcome::kUpstreamError:
      return "upstream_error";
    case Outcome::kCount:
      break;
  }
  return "unknown";
}

const char* tlsFailureName(TlsFailure failure) {
  switch (failure) {
    case TlsFailure::kTimeout:
      return "timeout";
    case TlsFailure::kPlainHttp:
      return "plain_http";
    case TlsFailure::kHandshake:
      return "handshake";
    case TlsFailure::kCount:
      break;
  }
  return "unknown";
}

void Metrics::observeStoreLatency(double seconds, bool ok) {
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      relaxedAdd(store_buckets_[i]);
      break;
    }
  }
  relaxedAdd(store_count_);
  relaxedAdd(store_sum_micros_, static_cast<uint64_t>(seconds * 1e6));
  if (!ok) relaxedAdd(store_errors_);
}

namespace {

void appendLine(std::string& out, const char* format, double value) {
  char buffer[256];
  int n = std::snprintf(buffer, sizeof buffer, format, value);
  if (n > 0 && static_cast<size_t>(n) < sizeof buffer) out.append(buffer, static_cast<size_t>(n));
}

void appendCounter(std::string& out, const char* name, const char* help, uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
         " " + std::to_string(value) + "\n";
}

}  // namespace

std::string Metrics::render() const {
  std::string out;
  out +=
      "# HELP barrier_requests_total Requests handled, by outcome.\n"
      "# TYPE barrier_requests_total counter\n";
  for (size_t i = 0; i < requests_.size(); ++i) {
    out += std::string("barrier_requests_total{outcome=\"") + outcomeName(static_cast<Outcome>(i)) +
           "\"} " + std::to_string(load(requests_[i])) + "\n";
  }
  out +=
      "# HELP barrier_store_latency_seconds Latency of session store calls.\n"
      "# TYPE barrier_store_latency_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += load(store_buckets_[i]);
    char le[32];
    std::snprintf(le, sizeof le, "%g", kLatencyBuckets[i]);
    out += std::string("barrier_store_latency_seconds_bucket{le=\"") + le + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  uint64_t count = load(store_count_);
  out += "barrier_store_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
  appendLine(out, "barrier_store_latency_seconds_sum %.6f\n",
             static_cast<double>(load(store_sum_micros_)) / 1e6);
  out += "barrier_store_latency_seconds_count " + std::to_string(count) + "\n";
  appendCounter(out, "barrier_store_errors_total", "Session store calls that failed.",
                load(store_errors_));
  appendCounter(out, "barrier_cache_hits_total", "Session lookups answered by the cache.",
                load(cache_hits_));
  appendCounter(out, "barrier_cache_misses_total", "Session lookups that went to the store.",
                load(cache_misses_));
  appendCounter(out, "barrier_logins_total", "Completed logins (sessions created).", load(logins_));
  appendCounter(out, "barrier_logouts_total", "Logouts.", load(logouts_));
  appendCounter(out, "barrier_revocation_subscription_lost_total",
                "Times the Redis revocation subscription was lost (the session cache is "
                "bypassed until it is back).",
                load(revocations_lost_));
  out +=
      "# HELP barrier_config_reloads_total Configuration reloads (SIGHUP), by result.\n"
      "# TYPE barrier_config_reloads_total counter\n"
      "barrier_config_reloads_total{result=\"ok\"} " +
      std::to_string(load(reloads_ok_)) +
      "\n"
      "barrier_config_reloads_total{result=\"failed\"} " +
      std::to_string(load(reloads_failed_)) + "\n";
  out +=
      "# HELP barrier_open_connections Client connections currently open.\n"
      "# TYPE barrier_open_connections gauge\nbarrier_open_connections " +
      std::to_string(connections_open_.load(std::memory_order_relaxed)) + "\n";
  out +=
      "# HELP barrier_tls_handshake_failures_total TLS connections that ended before a request "
      "(server.tls), by reason.\n"
      "# TYPE barrier_tls_handshake_failures_total counter\n";
  for (size_t i = 0; i < tls_failures_.size(); ++i) {
    out += std::string("barrier_tls_handshake_failures_total{reason=\"") +
           tlsFailureName(static_cast<TlsFailure>(i)) + "\"} " +
           std::to_string(load(tls_failures_[i])) + "\n";
  }
  return out;
}

}  // namespace barrier
