#include "server/metrics.h"

#include <gtest/gtest.h>

#include "server/access_log.h"
#include "server/gateway.h"
#include "tests/support/recording_log.h"

namespace barrier {
namespace {

// The exposition has every outcome, a cumulative histogram and the counters.
TEST(MetricsTest, RendersPrometheusText) {
  Metrics metrics;
  metrics.countRequest(Outcome::kPass);
  metrics.countRequest(Outcome::kPass);
  metrics.countRequest(Outcome::kStoreError);
  metrics.observeStoreLatency(0.0002, true);
  metrics.observeStoreLatency(0.003, true);
  metrics.observeStoreLatency(9.0, false);
  metrics.countCacheHits(1);
  metrics.countLogin();
  metrics.countReload(true);
  metrics.countReload(false);
  metrics.countReload(false);
  std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE barrier_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("barrier_requests_total{outcome=\"pass\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_requests_total{outcome=\"store_error\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_requests_total{outcome=\"upstream_error\"} 0\n"), std::string::npos);
  // A refused bearer token has its own outcome (not bad_cookie).
  EXPECT_EQ(Gateway::outcomeOf(CheckOutcome::kBadToken), Outcome::kBadToken);
  EXPECT_NE(text.find("barrier_requests_total{outcome=\"bad_token\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_store_latency_seconds_bucket{le=\"0.00025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("barrier_store_latency_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_store_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_store_latency_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_store_errors_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_cache_hits_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_logins_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_config_reloads_total{result=\"ok\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("barrier_config_reloads_total{result=\"failed\"} 2\n"), std::string::npos);
}

std::string field(const LogFields& fields, const std::string& name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return "<absent>";
}

// The access log names method, path, status, outcome, duration and request
// id, and never a query string (it may hold ?code= or ?state=).
TEST(AccessLogTest, OneLinePerRequestWithoutQuery) {
  RecordingLog log(LogLevel::kInfo);
  writeAccessLog(log, {"GET", "/_identity/auth?code=SECRET&state=S", 302, Outcome::kIdentity, 1.5,
                       "rid-1", "127.0.0.1", ""});
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_EQ(log.lines[0].event, "request");
  const LogFields& last = log.lines[0].fields;
  EXPECT_EQ(field(last, "path"), "/_identity/auth");
  EXPECT_EQ(field(last, "status"), "302");
  EXPECT_EQ(field(last, "outcome"), "identity");
  EXPECT_EQ(field(last, "duration_ms"), "1.500");
  EXPECT_EQ(field(last, "request_id"), "rid-1");
  for (const auto& [k, v] : last) EXPECT_EQ(v.find("SECRET"), std::string::npos) << k;
  EXPECT_EQ(field(last, "user"), "<absent>");
}

// The user's sub is a field of its own when the server passes one (it does
// only with server.log_user), and absent otherwise.
TEST(AccessLogTest, UserOnlyWhenGiven) {
  RecordingLog log;
  AccessRecord record{"GET", "/admin", 200, Outcome::kPass, 1.0, "rid-2", "127.0.0.1", ""};
  writeAccessLog(log, record);
  EXPECT_EQ(field(log.lines.back().fields, "user"), "<absent>");
  record.user = "alice-sub";
  writeAccessLog(log, record);
  EXPECT_EQ(field(log.lines.back().fields, "user"), "alice-sub");
}

}  // namespace
}  // namespace barrier
