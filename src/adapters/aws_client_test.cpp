#include "adapters/aws_client.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/seeded_random.h"

namespace barrier {
namespace {

struct Harness {
  // Answers from a queue and records what was sent: here the interaction
  // (how many attempts, what was signed) is the point. With nothing
  // queued, an empty JSON object.
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>(
      [](const HttpClientRequest&) { return Result<HttpClientResponse>(httpResponse(200, "{}")); });
  std::shared_ptr<FixedClock> clock = std::make_shared<FixedClock>(1700000000);
  std::vector<int> sleeps;
  AwsClientOptions options;

  Harness() {
    options.region = "eu-west-1";
    options.env = mapEnvironment({});
    options.sleep = [this](int ms) {
      sleeps.push_back(ms);
      clock->advanceMillis(ms);
    };
  }

  AwsClient client() {
    AwsClientDeps deps;
    deps.http = http;
    deps.clock = clock;
    deps.random = std::make_shared<SeededRandom>(7);
    deps.credentials = std::shared_ptr<CredentialsProvider>(
        makeStaticCredentials({"AKID", "SECRET", "TOKEN", 0, "test"}));
    return AwsClient(options, deps);
  }
};

constexpr char kThrottled[] =
    R"({"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"})";

// Throttling answers are retried with jittered back-off and the call
// succeeds once the service answers; each attempt is signed afresh.
TEST(AwsClient, RetriesThrottlingThenSucceeds) {
  Harness h;
  h.http->answers = {httpResponse(400, kThrottled), httpResponse(429, ""),
                     httpResponse(200, R"({"ok":1})")};
  AwsClient client = h.client();
  auto out = client.callJson("dynamodb", "DynamoDB_20120810.DescribeTable", {{"TableName", "t"}});
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ((*out)["ok"], 1);
  ASSERT_EQ(h.http->requests.size(), 3u);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LE(h.sleeps[0], 50);
  EXPECT_LE(h.sleeps[1], 100);
  for (const auto& sent : h.http->requests)
    EXPECT_EQ(sent.headers.getAll("Authorization").size(), 1u);
  const auto& first = h.http->requests[0];
  EXPECT_EQ(first.url, "https://dynamodb.eu-west-1.amazonaws.com/");
  EXPECT_EQ(first.headers.get("X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
  EXPECT_EQ(first.headers.get("Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(first.headers.get("X-Amz-Security-Token"), "TOKEN");
}

// A final error keeps AWS's code and message in the Status; errors that
// are not transient are not retried.
TEST(AwsClient, SurfacesErrorsIntact) {
  Harness h;
  h.http->answers = {
      httpResponse(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException",)"
                        R"("message":"One or more parameter values were invalid"})")};
  AwsClient client = h.client();
  auto out = client.callJsonText("dynamodb", "DynamoDB_20120810.PutItem", "{}");
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "dynamodb PutItem: ValidationException: One or more parameter values were invalid "
            "(HTTP 400)");
  EXPECT_EQ(h.http->requests.size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

// Connection failures are retried; when they persist the caller gets
// kUnavailable after max_attempts, and throttling that never ends still
// reports AWS's code.
TEST(AwsClient, GivesUpAfterMaxAttempts) {
  Harness h;
  h.options.max_attempts = 3;
  for (int i = 0; i < 3; ++i) h.http->answers.push_back(Status::unavailable("connection refused"));
  AwsClient client = h.client();
  auto out = client.callJsonText("dynamodb", "DynamoDB_20120810.GetItem", "{}");
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
  EXPECT_NE(out.status().message().find("connection refused"), std::string::npos);
  EXPECT_EQ(h.http->requests.size(), 3u);

  Harness t;
  t.options.max_attempts = 2;
  t.http->answers = {httpResponse(400, kThrottled), httpResponse(400, kThrottled)};
  AwsClient throttled = t.client();
  auto final = throttled.callJsonText("dynamodb", "DynamoDB_20120810.GetItem", "{}");
  EXPECT_EQ(final.status().code(), Code::kUnavailable);
  EXPECT_NE(final.status().message().find("ThrottlingException: Rate exceeded"), std::string::npos);
}

// The total time budget bounds the retries regardless of max_attempts.
TEST(AwsClient, TotalBudgetBoundsRetries) {
  Harness h;
  h.options.max_attempts = 100;
  h.options.base_backoff_ms = 1000;
  h.options.max_backoff_ms = 1000;
  h.options.total_budget_ms = 3000;
  for (int i = 0; i < 100; ++i) h.http->answers.push_back(httpResponse(503, ""));
  AwsClient client = h.client();
  AwsRequest request;
  request.service = "dynamodb";
  auto out = client.send(request);
  int total = 0;
  for (int s : h.sleeps) total += s;
  EXPECT_LT(total, 3000);
  EXPECT_LT(h.http->requests.size(), 100u);
  // The last answer is returned as an answer (send), not invented.
  if (out.isOk()) {
    EXPECT_EQ(out->status, 503);
  }
}

// Endpoints: config, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then
// the public one; global services sign for us-east-1.
TEST(AwsClient, ResolvesEndpointsAndRegions) {
  Harness h;
  h.options.env = mapEnvironment({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"},
                                  {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5001"}});
  h.options.endpoints["dynamodb"] = "http://127.0.0.1:8000";
  AwsClient client = h.client();
  EXPECT_EQ(client.endpointFor("dynamodb"), "http://127.0.0.1:8000");
  EXPECT_EQ(client.endpointFor("s3"), "http://127.0.0.1:5001");
  EXPECT_EQ(client.endpointFor("cloudformation"), "http://127.0.0.1:5000");
  Harness plain;
  AwsClient p = plain.client();
  EXPECT_EQ(p.endpointFor("cloudfront"), "https://cloudfront.amazonaws.com");
  EXPECT_EQ(p.signingRegion("cloudfront"), "us-east-1");
  EXPECT_EQ(p.endpointFor("s3", "us-west-2"), "https://s3.us-west-2.amazonaws.com");
}

// REST calls keep method, path, query and headers; S3 uploads sign
// UNSIGNED-PAYLOAD; a 404 from HEAD is an answer, not a failure.
TEST(AwsClient, RestRequestsPassThrough) {
  Harness h;
  h.http->answers = {httpResponse(200, ""), httpResponse(404, "")};
  AwsClient client = h.client();
  AwsRequest put;
  put.service = "s3";
  put.method = "PUT";
  put.path = "/bucket/dir/file%20name.zip";
  put.query = "x-id=PutObject";
  put.headers.add("Content-Type", "application/zip");
  put.body = "PK..";
  put.unsigned_payload = true;
  ASSERT_TRUE(client.sendOk(put, "s3 PutObject").isOk());
  const auto& sent = h.http->requests[0];
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.url,
            "https://s3.eu-west-1.amazonaws.com/bucket/dir/file%20name.zip?x-id=PutObject");
  EXPECT_EQ(sent.headers.get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(sent.body, "PK..");
  AwsRequest head;
  head.service = "s3";
  head.method = "HEAD";
  head.path = "/bucket/missing";
  auto missing = client.send(head);
  ASSERT_TRUE(missing.isOk());
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(missing->ok());
}

// Without credentials nothing is sent and the reason is reported.
TEST(AwsClient, NoCredentialsNoRequest) {
  Harness h;
  AwsClientDeps deps;
  deps.http = h.http;
  deps.clock = h.clock;
  deps.credentials = std::shared_ptr<CredentialsProvider>(makeStaticCredentials({}));
  AwsClient client(h.options, deps);
  auto out = client.callJsonText("dynamodb", "DynamoDB_20120810.GetItem", "{}");
  EXPECT_EQ(out.status().code(), Code::kNotFound);
  EXPECT_TRUE(h.http->requests.empty());
}

}  // namespace
}  // namespace barrier
