#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "adapters/aws_credentials.h"
#include "adapters/aws_credentials_test_support.h"
#include "adapters/curl_http_client.h"

namespace barrier {
namespace {

using namespace aws_test;

// Expiring credentials are cached, refreshed shortly before expiry, and
// the old ones kept while still valid if the refresh fails.
TEST(AwsCredentials, CachesAndRefreshesBeforeExpiry) {
  int64_t expiry = 1700003600;  // 2023-11-14T23:13:20Z
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  FakeHttpServer server([&](const FakeHttpRequest&) {
    ++calls;
    if (fail) return FakeHttpResponse{500, {}, ""};
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(calls.load()), iso8601(expiry))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  CredentialChainOptions o;
  o.env = mapEnvironment(
      {{"HOME", "/nonexistent"}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/"}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = clock;
  auto chain = makeDefaultCredentialChain(o);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 1);
  clock->set(expiry - 299);  // inside the 300 s refresh window
  expiry += 3600;
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");
  EXPECT_EQ(calls.load(), 2);
  clock->set(expiry - 100);
  fail = true;
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");  // still valid: kept
  clock->set(expiry + 1);
  EXPECT_FALSE(chain->credentials().isOk());  // expired and no refresh: an error
}

// A container-credentials source at `url` with a fixed clock; its
// timeout leaves room for a handler that holds a request back.
CredentialChainOptions containerOptions(const std::string& url,
                                        const std::shared_ptr<FixedClock>& clock) {
  CredentialChainOptions o;
  o.env = mapEnvironment({{"HOME", "/nonexistent"}, {"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}});
  o.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  o.clock = clock;
  o.container_timeout_ms = 20000;
  return o;
}

// In the refresh window a failing source costs one try: the cached
// credentials are answered, and the source is not asked again until
// refresh_retry_seconds have passed.
TEST(AwsCredentials, FailedRefreshBacksOff) {
  const int64_t expiry = 1700003600;
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    if (fail) return FakeHttpResponse{500, {}, ""};
    return FakeHttpResponse{200, {}, credentialsJson("AKID" + std::to_string(n), iso8601(expiry))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  CredentialChainOptions o = containerOptions(server.url() + "/", clock);
  o.refresh_retry_seconds = 30;
  auto chain = makeDefaultCredentialChain(o);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  fail = true;
  const int64_t failed_at = expiry - 200;  // inside the 300 s refresh window
  clock->set(failed_at);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");  // the try failed: cached
  EXPECT_EQ(calls.load(), 2);
  for (int64_t t : {failed_at, failed_at + 1, failed_at + 29}) {
    clock->set(t);
    EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
    EXPECT_EQ(calls.load(), 2) << "asked again " << t - failed_at << " s after a failure";
  }
  clock->set(failed_at + 30);  // the back-off is over: one more try
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 3);
  fail = false;
  clock->set(failed_at + 60);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID4");
}

// A gate a fake server's handler waits at until the test opens it.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Opens a gate when it goes out of scope, so that nothing stays blocked
// at it when a test fails early.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.open(); }
};

// Waits up to five seconds for `calls` to reach `n`.
bool reaches(const std::atomic<int>& calls, int n) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (calls.load() < n && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return calls.load() >= n;
}

// While one caller runs a slow refresh, another is answered the cached
// (still valid) credentials at once, and no second refresh starts.
TEST(AwsCredentials, SlowRefreshDoesNotHoldOthersUp) {
  const int64_t expiry = 1700003600;
  std::atomic<int> calls{0};
  Gate gate;
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    if (n > 1) gate.wait();
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(n), iso8601(expiry + (n - 1) * 3600))};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  auto chain = makeDefaultCredentialChain(containerOptions(server.url() + "/", clock));
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  clock->set(expiry - 100);  // inside the refresh window
  std::future<Result<AwsCredentials>> refresher;
  std::future<Result<AwsCredentials>> other;
  OpenOnExit opener{gate};  // before the futures' destructors wait for them
  refresher = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_TRUE(reaches(calls, 2));  // the refresh is under way, held at the gate
  other = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_EQ(other.wait_for(std::chrono::seconds(2)), std::future_status::ready)
      << "a caller waited for another's refresh although valid credentials were cached";
  EXPECT_EQ(other.get()->access_key_id, "AKID1");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 2);  // one refresh at a time
  gate.open();
  EXPECT_EQ(refresher.get()->access_key_id, "AKID2");
  EXPECT_EQ(chain->credentials()->access_key_id, "AKID2");
  EXPECT_EQ(calls.load(), 2);
}

// With nothing valid cached, callers wait for the one refresh in progress
// and all get its credentials.
TEST(AwsCredentials, FirstLookupIsShared) {
  std::atomic<int> calls{0};
  Gate gate;
  FakeHttpServer server([&](const FakeHttpRequest&) {
    int n = ++calls;
    gate.wait();
    return FakeHttpResponse{
        200, {}, credentialsJson("AKID" + std::to_string(n), "2030-01-01T00:00:00Z")};
  });
  auto clock = std::make_shared<FixedClock>(1700000000);
  auto chain = makeDefaultCredentialChain(containerOptions(server.url() + "/", clock));
  std::future<Result<AwsCredentials>> first;
  std::future<Result<AwsCredentials>> second;
  OpenOnExit opener{gate};  // before the futures' destructors wait for them
  first = std::async(std::launch::async, [&] { return chain->credentials(); });
  ASSERT_TRUE(reaches(calls, 1));
  second = std::async(std::launch::async, [&] { return chain->credentials(); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  gate.open();
  EXPECT_EQ(first.get()->access_key_id, "AKID1");
  EXPECT_EQ(second.get()->access_key_id, "AKID1");
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace barrier
