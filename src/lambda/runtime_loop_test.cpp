#include "lambda/runtime_loop.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/support/fake_http_client.h"

namespace barrier {
namespace {

// A scripted Runtime API, played through the shared FakeHttpClient: GET
// /next pops queued invocations (or fails when none are left); every POST
// is answered with `post_status`. http.requests records every request.
struct FakeRuntimeApi {
  FakeRuntimeApi() : http([this](const HttpClientRequest& request) { return answer(request); }) {}

  void queue(std::string id, std::string payload) {
    HttpClientResponse r;
    r.status = 200;
    if (!id.empty()) r.headers.add("Lambda-Runtime-Aws-Request-Id", std::move(id));
    r.headers.add("Lambda-Runtime-Deadline-Ms", "1700000003000");
    r.body = std::move(payload);
    next.push_back(std::move(r));
  }

  Result<HttpClientResponse> answer(const HttpClientRequest& request) {
    if (request.method == "GET") {
      if (next.empty()) return Status::unavailable("connection refused");
      auto r = std::move(next.front());
      next.pop_front();
      return r;
    }
    HttpClientResponse r;
    r.status = post_status;
    if (post_status == 413 && request.url.find("/error") != std::string::npos) r.status = 202;
    return r;
  }

  std::vector<HttpClientRequest> posts() const {
    std::vector<HttpClientRequest> out;
    for (const auto& r : http.requests) {
      if (r.method == "POST") out.push_back(r);
    }
    return out;
  }

  FakeHttpClient http;
  int post_status = 202;
  std::deque<HttpClientResponse> next;  // invocations for GET /next
};

Result<std::string> echo(const Invocation& invocation) {
  if (invocation.payload == "bad") return Status::invalid("event is not valid JSON");
  return "{\"echo\":" + invocation.payload + "}";
}

// A good invocation: next is a long poll without timeout, the handler's
// answer goes to /invocation/<id>/response.
TEST(RuntimeLoopTest, PostsHandlerResponse) {
  FakeRuntimeApi api;
  NullLog log;
  api.queue("req-1", "42");
  RuntimeLoop loop(api.http, "127.0.0.1:9001", log);
  Invocation seen;
  ASSERT_TRUE(loop.runOnce([&](const Invocation& i) {
                    seen = i;
                    return echo(i);
                  })
                  .isOk());
  EXPECT_EQ(api.http.requests[0].url, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(api.http.requests[0].timeout_ms, kLongPollTimeoutMs);
  EXPECT_EQ(seen.request_id, "req-1");
  EXPECT_EQ(seen.deadline_ms, 1700000003000);
  auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(posts[0].body, "{\"echo\":42}");
}

// A handler failure goes to /error with errorType and errorMessage, and the
// loop carries on with the next invocation.
TEST(RuntimeLoopTest, HandlerErrorIsReportedAndLoopContinues) {
  FakeRuntimeApi api;
  NullLog log;
  api.queue("req-1", "bad");
  api.queue("req-2", "1");
  RuntimeLoop loop(api.http, "h:1", log);
  EXPECT_TRUE(loop.run(echo, 2).isOk());
  auto posts = api.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].url, "http://h:1/2018-06-01/runtime/invocation/req-1/error");
  auto body = nlohmann::json::parse(posts[0].body);
  EXPECT_EQ(body["errorType"], "InvalidArgument");
  EXPECT_EQ(body["errorMessage"], "event is not valid JSON");
  EXPECT_EQ(posts[1].url, "http://h:1/2018-06-01/runtime/invocation/req-2/response");
}

// A response the Runtime API refuses (413: too large) still ends the
// invocation, through /error.
TEST(RuntimeLoopTest, RejectedResponseBecomesError) {
  FakeRuntimeApi api;
  NullLog log;
  api.post_status = 413;
  api.queue("req-1", "1");
  RuntimeLoop loop(api.http, "h:1", log);
  EXPECT_TRUE(loop.runOnce(echo).isOk());
  auto posts = api.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_NE(posts[1].url.find("/invocation/req-1/error"), std::string::npos);
}

// A missing or unsafe request id cannot be answered, but does not stop the
// loop and is never pasted into a URL.
TEST(RuntimeLoopTest, UnsafeRequestIdIsSkipped) {
  FakeRuntimeApi api;
  NullLog log;
  api.queue("", "1");
  api.queue("../../x", "1");
  api.queue("ok", "1");
  RuntimeLoop loop(api.http, "h:1", log);
  EXPECT_TRUE(loop.run(echo, 3).isOk());
  auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_NE(posts[0].url.find("/invocation/ok/response"), std::string::npos);
}

// When the Runtime API stops answering, run() gives up after the allowed
// consecutive failures and returns the error.
TEST(RuntimeLoopTest, RuntimeApiFailureEndsRun) {
  FakeRuntimeApi api;
  NullLog log;
  RuntimeLoop loop(api.http, "h:1", log);
  Status status = loop.run(echo, 0, 3);
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_EQ(api.http.requests.size(), 3u);
}

// Start-up failures go to /runtime/init/error.
TEST(RuntimeLoopTest, InitErrorIsReported) {
  FakeRuntimeApi api;
  NullLog log;
  RuntimeLoop loop(api.http, "h:1", log);
  ASSERT_TRUE(loop.reportInitError(Status::invalid("BARRIER_TABLE is not set")).isOk());
  ASSERT_EQ(api.http.requests.size(), 1u);
  EXPECT_EQ(api.http.requests[0].url, "http://h:1/2018-06-01/runtime/init/error");
  EXPECT_EQ(nlohmann::json::parse(api.http.requests[0].body)["errorMessage"],
            "BARRIER_TABLE is not set");
}

}  // namespace
}  // namespace barrier
