// Failure behaviour of the DynamoDB store: the emulator killed mid-run
// makes every operation fail (non-ok, never "absent"), the checker answers
// 503 (fail closed), and both recover within a second of the server's
// return. Throttling answers are retried until the service answers.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "adapters/aws_credentials.h"
#include "adapters/dynamodb_store.h"
#include "adapters/system.h"
#include "core/handlers/check.h"
#include "core/ports/log.h"
#include "core/session/session_cache.h"
#include "core/session/session_id.h"
#include "tests/integration/support/aws_fake_http_server.h"
#include "tests/integration/support/dynamodb_emulator.h"

namespace barrier {
namespace {

using Clock_ = std::chrono::steady_clock;
using testing::DynamoDbEmulator;
using testing::EmulatorKind;
using testing::FakeHttpRequest;
using testing::FakeHttpResponse;
using testing::FakeHttpServer;

StoreConfig storeConfig(const std::string& table, const std::string& endpoint) {
  StoreConfig config;
  config.type = StoreConfig::Type::kDynamoDb;
  config.table = table;
  config.region = "us-east-1";
  config.endpoint = endpoint;
  return config;
}

EnvLookup cleanEnv() { return mapEnvironment({{"HOME", "/nonexistent"}}); }

// A checker with caching off, so every request reaches the store.
struct CheckerHarness {
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<Clock> clock = makeSystemClock();
  std::unique_ptr<Random> random = makeOsRandom();
  NullLog log;
  Config config;
  std::unique_ptr<SessionCache> cache;
  std::unique_ptr<Checker> checker;

  CheckerHarness() {
    config.site_url = "https://app.example.com";
    config.site_scheme = "https";
    config.site_host = "app.example.com";
    config.session.signing_keys = {"0123456789abcdef0123456789abcdef"};
    config.cache.ttl = 0;
    config.cache.negative_ttl = 0;
    cache = makeLruSessionCache(*clock, config.cache);
    checker = std::make_unique<Checker>(config, *crypto, *clock, *cache, log);
  }

  Request navigation(const std::string& cookie_value) const {
    Request r;
    r.method = "GET";
    r.path = "/private";
    r.headers.add("Accept", "text/html");
    r.headers.add("Sec-Fetch-Mode", "navigate");
    r.headers.add("Cookie", config.session.cookie_name + "=" + cookie_value);
    return r;
  }
};

// Kill dynalite mid-run: store calls fail with non-ok Status within the
// retry budget, the checker answers 503 with Retry-After, and once dynalite
// is back (same port, same data) both work again within a second.
TEST(DynamoDbOutage, FailsClosedAndRecovers) {
  DynamoDbEmulator dynalite(EmulatorKind::kDynalite);
  if (std::string why = dynalite.unavailableReason(); !why.empty()) {
    GTEST_SKIP() << "skipped: " << why;
  }
  ASSERT_TRUE(dynalite.start());
  StoreConfig config = storeConfig("barrier-outage", dynalite.endpoint());
  auto admin = makeDynamoDbClient(config, cleanEnv(), true);
  ASSERT_TRUE(admin.isOk());
  ASSERT_TRUE(createSessionTable(*admin.value(), config.table, 30).isOk());
  auto client = makeDynamoDbClient(config, cleanEnv());
  ASSERT_TRUE(client.isOk());
  auto store = makeDynamoDbStore(config.table, client.value());

  CheckerHarness h;
  auto issued = h.checker->codec().issue(*h.random);
  ASSERT_TRUE(issued.isOk());
  SessionRecord record;
  record.key = issued->store_key;
  record.kind = RecordKind::kSession;
  record.valid_until = h.clock->now() + 3600;
  record.created_at = h.clock->now();
  record.sub = "alice";
  record.username = "alice";
  ASSERT_TRUE(store->putNew(record).isOk());
  Request request = h.navigation(issued->cookie_value);
  EXPECT_EQ(check(*h.checker, request, *store).outcome, CheckOutcome::kPass);

  dynalite.stop();
  auto start = Clock_::now();
  auto got = store->get(record.key);
  EXPECT_FALSE(got.isOk()) << "a dead store must not read as absent";
  EXPECT_LT(Clock_::now() - start, std::chrono::seconds(6));
  EXPECT_FALSE(store->putNew(record).isOk());
  EXPECT_FALSE(store->take(record.key).isOk());
  EXPECT_FALSE(store->ping().isOk());
  CheckDecision down = check(*h.checker, request, *store);
  EXPECT_EQ(down.outcome, CheckOutcome::kStoreError);
  EXPECT_FALSE(down.forward);
  EXPECT_EQ(down.response.status, 503);
  EXPECT_TRUE(down.response.headers.has("Retry-After"));

  ASSERT_TRUE(dynalite.start());
  auto back = Clock_::now();
  CheckDecision up;
  do {
    up = check(*h.checker, request, *store);
  } while (up.outcome != CheckOutcome::kPass && Clock_::now() - back < std::chrono::seconds(5));
  EXPECT_EQ(up.outcome, CheckOutcome::kPass);
  EXPECT_LT(Clock_::now() - back, std::chrono::seconds(1));
  EXPECT_TRUE(store->ping().isOk());
}

// The throttling path end to end over real HTTP: a fake DynamoDB answers
// 400 ThrottlingException twice, then the item; the store's get succeeds
// after exactly three signed attempts.
TEST(DynamoDbThrottling, RetriedUntilAnswered) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeHttpRequest& r) {
    if (++calls <= 2) {
      return FakeHttpResponse{400,
                              {{"Content-Type", "application/x-amz-json-1.0"}},
                              R"({"__type":"com.amazon.coral.availability#ThrottlingException",)"
                              R"("message":"Rate of requests exceeds the allowed throughput."})"};
    }
    return FakeHttpResponse{
        200,
        {},
        R"({"Item":{"session_id":{"S":"k"},"kind":{"S":"session"},"valid_until":{"N":"1900000000"},)"
        R"("sub":{"S":"alice"}}})"};
  });
  auto client = makeDynamoDbClient(storeConfig("t", server.url()), cleanEnv());
  ASSERT_TRUE(client.isOk());
  auto store = makeDynamoDbStore("t", client.value());
  auto got = store->get("k");
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->sub, "alice");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.headers.get("X-Amz-Target"), "DynamoDB_20120810.GetItem");
    EXPECT_TRUE(r.headers.get("Authorization").starts_with("AWS4-HMAC-SHA256 Credential="));
  }
}

// Throttling that never stops ends within the store's time budget with
// AWS's code and message in the Status.
TEST(DynamoDbThrottling, PersistentThrottlingSurfacesTheError) {
  FakeHttpServer server([](const FakeHttpRequest&) {
    return FakeHttpResponse{400,
                            {},
                            R"({"__type":"com.amazonaws.dynamodb.v20120810#)"
                            R"(ProvisionedThroughputExceededException","message":"slow down"})"};
  });
  auto client = makeDynamoDbClient(storeConfig("t", server.url()), cleanEnv());
  ASSERT_TRUE(client.isOk());
  auto store = makeDynamoDbStore("t", client.value());
  auto start = Clock_::now();
  SessionRecord record;
  record.key = "k";
  Status s = store->putNew(record);
  EXPECT_LT(Clock_::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("ProvisionedThroughputExceededException: slow down"),
            std::string::npos)
      << s.message();
}

// A PutItem whose answer is lost (here a 500 after the item was written) is
// retried by the client and meets its own item: "must not exist" fails, yet
// the write succeeded, and putNew says so. An item that differs (another
// record under the key) is still kAlreadyExists.
TEST(DynamoDbRetries, PutNewMeetingItsOwnEarlierWriteSucceeds) {
  std::mutex mu;
  nlohmann::json stored;  // the table's one item
  int puts = 0;
  FakeHttpServer server([&](const FakeHttpRequest& r) {
    std::lock_guard lock(mu);
    auto body = nlohmann::json::parse(r.body);
    std::string target = r.headers.get("X-Amz-Target");
    if (target.ends_with(".PutItem")) {
      ++puts;
      if (stored.is_null()) {
        stored = body["Item"];
        return FakeHttpResponse{500, {}, R"({"__type":"InternalServerError","message":"lost"})"};
      }
      return FakeHttpResponse{400,
                              {},
                              R"({"__type":"com.amazonaws.dynamodb.v20120810#)"
                              R"(ConditionalCheckFailedException","message":"exists"})"};
    }
    if (target.ends_with(".GetItem")) {
      return FakeHttpResponse{200, {}, nlohmann::json{{"Item", stored}}.dump()};
    }
    return FakeHttpResponse{400, {}, R"({"__type":"ValidationException","message":"?"})"};
  });
  auto client = makeDynamoDbClient(storeConfig("t", server.url()), cleanEnv());
  ASSERT_TRUE(client.isOk());
  auto store = makeDynamoDbStore("t", client.value());
  SessionRecord record;
  record.key = "login-key";
  record.kind = RecordKind::kLogin;
  record.valid_until = 2'000'000'000;
  record.created_at = 1'999'999'700;
  record.secret = "s";
  record.code_verifier = "v";
  record.nonce = "n";
  record.path = "/docs";
  Status first = store->putNew(record);
  EXPECT_TRUE(first.isOk()) << first.toString();
  EXPECT_EQ(puts, 2);

  SessionRecord other = record;
  other.secret = "another";
  EXPECT_EQ(store->putNew(other).code(), Code::kAlreadyExists);
}

}  // namespace
}  // namespace barrier
