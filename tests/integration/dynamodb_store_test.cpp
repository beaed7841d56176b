// The DynamoDB session store against real emulators: dynalite (npm) and
// moto_server. Every store operation, conditional failures, paging and
// batching, and interoperability with boto3 in both directions.
#include "adapters/dynamodb_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "adapters/aws_credentials.h"
#include "core/aws/dynamodb_codec.h"
#include "tests/integration/support/dynamodb_emulator.h"
#include "tests/support/store_contract.h"

namespace barrier {
namespace {

using testing::DynamoDbEmulator;
using testing::EmulatorKind;

SessionRecord session(const std::string& key, const std::string& sub) {
  SessionRecord r;
  r.key = key;
  r.kind = RecordKind::kSession;
  r.valid_until = 1900000000;
  r.created_at = 1700000000;
  r.sub = sub;
  r.username = "user-" + sub;
  r.email = sub + "@example.com";
  r.groups = {"staff", "ünïcode"};
  return r;
}

SessionRecord login(const std::string& key) {
  SessionRecord r;
  r.key = key;
  r.kind = RecordKind::kLogin;
  r.valid_until = 1700000300;
  r.created_at = 1700000000;
  r.secret = "s3cret";
  r.code_verifier = "verifier";
  r.nonce = "nonce";
  r.path = "/docs?page=2";
  return r;
}

class DynamoDbStoreTest : public ::testing::TestWithParam<EmulatorKind> {
 protected:
  // One emulator per kind for the whole suite: moto takes seconds to start.
  static DynamoDbEmulator& emulator(EmulatorKind kind) {
    static DynamoDbEmulator dynalite(EmulatorKind::kDynalite);
    static DynamoDbEmulator moto(EmulatorKind::kMoto);
    return kind == EmulatorKind::kDynalite ? dynalite : moto;
  }

  void SetUp() override {
    DynamoDbEmulator& e = emulator(GetParam());
    if (std::string why = e.unavailableReason(); !why.empty()) {
      GTEST_SKIP() << "skipped: " << why;
    }
    ASSERT_TRUE(e.start()) << testing::emulatorName(GetParam()) << " did not start";
    endpoint_ = e.endpoint();
    StoreConfig config;
    config.type = StoreConfig::Type::kDynamoDb;
    config.table = table_ =
        std::string("barrier-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : config.table) {
      if (c == '/') c = '-';
    }
    table_ = config.table;
    config.region = "us-east-1";
    config.endpoint = endpoint_;
    auto env = mapEnvironment({{"HOME", "/nonexistent"}});
    // Table set-up with patient timeouts (moto loads its backend on first
    // use); the store itself with the production ones.
    auto admin = makeDynamoDbClient(config, env, /*admin=*/true);
    ASSERT_TRUE(admin.isOk()) << admin.status().toString();
    auto created = createSessionTable(*admin.value(), table_, 30);
    auto client = makeDynamoDbClient(config, env);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    client_ = client.value();
    ASSERT_TRUE(created.isOk()) << created.status().toString();
    store_ = makeDynamoDbStore(table_, client_);
  }

  std::string endpoint_;
  std::string table_;
  std::shared_ptr<AwsClient> client_;
  std::unique_ptr<SessionStore> store_;
};

// touch() per the SessionStore contract: a conditional UpdateItem.
TEST_P(DynamoDbStoreTest, Touch) { expectTouchContract(*store_); }

// removeProviderSession() per the SessionStore contract, through the
// sid-index (filtered on kind and sub).
TEST_P(DynamoDbStoreTest, RemoveProviderSession) { expectRemoveProviderSessionContract(*store_); }

// A table made before the sid-index (only the sub-index): removal by sid
// says how to add it, and create-table adds it to the existing table.
TEST_P(DynamoDbStoreTest, CreateTableAddsTheSidIndexToAnOlderTable) {
  std::string old_table = table_ + "-old";
  nlohmann::json request = createTableRequest(old_table);
  request["AttributeDefinitions"].erase(2);    // sid
  request["GlobalSecondaryIndexes"].erase(1);  // sid-index
  ASSERT_TRUE(
      client_->callJsonText("dynamodb", dynamoDbTarget("CreateTable"), request.dump()).isOk());
  auto old_store = makeDynamoDbStore(old_table, client_);
  auto refused = old_store->removeProviderSession("p1", "");
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("create-table"), std::string::npos)
      << refused.status().toString();
  // The upgrade itself is tested on moto only: dynalite's UpdateTable wants
  // a ProvisionedThroughput for a new index even on an on-demand table
  // (where AWS refuses one).
  if (GetParam() == EmulatorKind::kDynalite) return;

  auto upgraded = createSessionTable(*client_, old_table, 30);
  ASSERT_TRUE(upgraded.isOk()) << upgraded.status().toString();
  EXPECT_FALSE(upgraded->created);
  EXPECT_TRUE(upgraded->sid_index_added);
  SessionRecord r = session("k", "alice");
  r.sid = "p1";
  ASSERT_TRUE(old_store->putNew(r).isOk());
  EXPECT_EQ(*old_store->removeProviderSession("p1", "alice"), 1u);
  auto again = createSessionTable(*client_, old_table, 30);
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_FALSE(again->sid_index_added) << "already there";
}

// create-table is idempotent: a second run reports the existing table
// (CreateTable's ResourceInUseException) and its TTL, which moto keeps on and
// dynalite cannot set (UnknownOperationException: not a failure).
TEST_P(DynamoDbStoreTest, CreateTableIsIdempotent) {
  auto again = createSessionTable(*client_, table_, 30);
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->table_status, "ACTIVE");
  EXPECT_EQ(again->ttl_enabled, GetParam() == EmulatorKind::kMoto);
  EXPECT_TRUE(store_->ping().isOk());
}

// get/putNew/take/remove/list/ping behave per the SessionStore contract,
// including the conditional write and the single-winner take.
TEST_P(DynamoDbStoreTest, EveryOperation) {
  auto absent = store_->get("nope");
  ASSERT_TRUE(absent.isOk()) << absent.status().toString();
  EXPECT_FALSE(absent->has_value());

  ASSERT_TRUE(store_->putNew(session("s1", "alice")).isOk());
  auto dup = store_->putNew(session("s1", "mallory"));
  EXPECT_EQ(dup.code(), Code::kAlreadyExists) << dup.toString();
  EXPECT_NE(dup.message().find("ConditionalCheckFailedException"), std::string::npos);

  auto got = store_->get("s1");
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_EQ((*got)->sub, "alice");
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"staff", "ünïcode"}));
  EXPECT_EQ((*got)->valid_until, 1900000000);

  ASSERT_TRUE(store_->putNew(login("l1")).isOk());
  auto taken = store_->take("l1");
  ASSERT_TRUE(taken.isOk() && taken->has_value());
  EXPECT_EQ((*taken)->kind, RecordKind::kLogin);
  EXPECT_EQ((*taken)->path, "/docs?page=2");
  auto again = store_->take("l1");
  ASSERT_TRUE(again.isOk());
  EXPECT_FALSE(again->has_value());

  ASSERT_TRUE(store_->putNew(session("s2", "bob")).isOk());
  auto listed = store_->list(10);
  ASSERT_TRUE(listed.isOk());
  EXPECT_EQ(listed->size(), 2u);
  auto one = store_->list(1);
  ASSERT_TRUE(one.isOk());
  EXPECT_EQ(one->size(), 1u);

  EXPECT_TRUE(store_->remove("s1").isOk());
  EXPECT_TRUE(store_->remove("s1").isOk());  // absent: still ok
  EXPECT_FALSE(store_->get("s1")->has_value());
  EXPECT_TRUE(store_->ping().isOk());
}

// Of many clients taking the same login record at once (each its own store
// and HTTP client, as separate processes would), exactly one gets it: the
// single use of a callback holds on DynamoDB too. The clients have the
// patient (admin) timeouts: a retry after a timed-out DeleteItem that did
// delete finds nothing, which this race must not be confused with.
TEST_P(DynamoDbStoreTest, ConcurrentTakeHasExactlyOneWinner) {
  constexpr int kClients = 6;
  StoreConfig config;
  config.type = StoreConfig::Type::kDynamoDb;
  config.table = table_;
  config.region = "us-east-1";
  config.endpoint = endpoint_;
  auto env = mapEnvironment({{"HOME", "/nonexistent"}});
  std::vector<std::unique_ptr<SessionStore>> stores;
  for (int i = 0; i < kClients; ++i) {
    auto client = makeDynamoDbClient(config, env, /*admin=*/true);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    stores.push_back(makeDynamoDbStore(table_, client.value()));
  }
  for (int round = 0; round < 10; ++round) {
    std::string key = "race-" + std::to_string(round);
    ASSERT_TRUE(store_->putNew(login(key)).isOk());
    std::atomic<int> ready{0}, winners{0};
    std::vector<std::string> errors(kClients);
    std::vector<std::thread> threads;
    for (int t = 0; t < kClients; ++t) {
      threads.emplace_back([&, t] {
        // All take at once: each waits until every thread is ready.
        ++ready;
        while (ready.load() < kClients) std::this_thread::yield();
        auto taken = stores[t]->take(key);
        if (!taken.isOk()) {
          errors[t] = taken.status().toString();
        } else if (taken->has_value()) {
          ++winners;
          EXPECT_EQ((*taken)->secret, "s3cret");
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (const std::string& error : errors) EXPECT_EQ(error, "") << "round " << round;
    EXPECT_EQ(winners.load(), 1) << "round " << round;
    auto left = store_->get(key);
    ASSERT_TRUE(left.isOk()) << left.status().toString();
    EXPECT_FALSE(left->has_value()) << "round " << round;
  }
}

// removeUser finds a user's sessions through the sub index and deletes
// them in batches of 25, leaving other users alone.
TEST_P(DynamoDbStoreTest, RemoveUserAcrossBatches) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store_->putNew(session("a" + std::to_string(i), "alice")).isOk());
  }
  ASSERT_TRUE(store_->putNew(session("b1", "bob")).isOk());
  ASSERT_TRUE(store_->putNew(login("l1")).isOk());
  auto removed = store_->removeUser("alice");
  ASSERT_TRUE(removed.isOk()) << removed.status().toString();
  EXPECT_EQ(*removed, 30u);
  EXPECT_FALSE(store_->get("a7")->has_value());
  EXPECT_TRUE(store_->get("b1")->has_value());
  EXPECT_TRUE(store_->get("l1")->has_value());
  EXPECT_EQ(*store_->removeUser("nobody"), 0u);
}

// An item barrier cannot decode (an unknown kind) does not hide the others
// from a listing: it is listed by its key, and can be removed.
TEST_P(DynamoDbStoreTest, ListNamesUnreadableItems) {
  ASSERT_TRUE(store_->putNew(session("good", "alice")).isOk());
  nlohmann::json put = {{"TableName", table_},
                        {"Item",
                         {{"session_id", {{"S", "bad"}}},
                          {"kind", {{"S", "admin"}}},
                          {"valid_until", {{"N", "1900000000"}}}}}};
  auto written = client_->callJsonText("dynamodb", dynamoDbTarget("PutItem"), put.dump());
  ASSERT_TRUE(written.isOk()) << written.status().toString();
  auto listed = store_->list(10);
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  ASSERT_EQ(listed->records.size(), 1u);
  EXPECT_EQ(listed->records[0].key, "good");
  EXPECT_EQ(listed->unreadable, std::vector<std::string>{"bad"});
  EXPECT_TRUE(store_->remove("bad").isOk());
  EXPECT_TRUE(store_->list(10)->unreadable.empty());
}

// A table that does not exist is an error naming AWS's code, never
// "absent".
TEST_P(DynamoDbStoreTest, MissingTableIsAnError) {
  auto other = makeDynamoDbStore("barrier-no-such-table", client_);
  auto got = other->get("k");
  ASSERT_FALSE(got.isOk());
  EXPECT_NE(got.status().message().find("ResourceNotFoundException"), std::string::npos)
      << got.status().message();
  EXPECT_FALSE(other->ping().isOk());
}

// An item written by boto3 (Decimal numbers, a Python list of groups) reads
// back as the same record through barrier.
TEST_P(DynamoDbStoreTest, ReadsItemsWrittenByBoto3) {
  if (!testing::boto3Available()) GTEST_SKIP() << "skipped: " << testing::kNeedsBoto3;
  bool ok = false;
  std::string out = testing::runPython(R"(
import boto3
from decimal import Decimal
t = boto3.resource("dynamodb").Table(")" + table_ +
                                           R"(")
t.put_item(Item={"session_id": "py1", "kind": "session", "valid_until": Decimal(1900000000),
                 "created_at": Decimal(1700000000), "sub": "carol", "username": "carol",
                 "email": "carol@example.com", "groups": ["ops", "staff"]})
print("ok")
)",
                                       endpoint_, ok);
  ASSERT_TRUE(ok) << out;
  auto got = store_->get("py1");
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->kind, RecordKind::kSession);
  EXPECT_EQ((*got)->valid_until, 1900000000);
  EXPECT_EQ((*got)->created_at, 1700000000);
  EXPECT_EQ((*got)->email, "carol@example.com");
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"ops", "staff"}));
  // And the sub index sees boto3's item.
  EXPECT_EQ(*store_->removeUser("carol"), 1u);
}

// An item written by barrier reads in boto3 with the table's types
// (docs/ARCHITECTURE.md, "DynamoDB table").
TEST_P(DynamoDbStoreTest, Boto3ReadsItemsWrittenByBarrier) {
  if (!testing::boto3Available()) GTEST_SKIP() << "skipped: " << testing::kNeedsBoto3;
  ASSERT_TRUE(store_->putNew(session("bw1", "dave")).isOk());
  bool ok = false;
  std::string out = testing::runPython(R"(
import boto3, json
c = boto3.client("dynamodb")
item = c.get_item(TableName=")" + table_ + R"(", Key={"session_id": {"S": "bw1"}},
                  ConsistentRead=True)["Item"]
print(json.dumps(item, sort_keys=True))
)",
                                       endpoint_, ok);
  ASSERT_TRUE(ok) << out;
  auto item = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(item.is_discarded()) << out;
  EXPECT_EQ(item["kind"], nlohmann::json({{"S", "session"}}));
  EXPECT_EQ(item["valid_until"], nlohmann::json({{"N", "1900000000"}}));
  EXPECT_EQ(item["sub"], nlohmann::json({{"S", "dave"}}));
  EXPECT_EQ(item["groups"]["L"][1]["S"], "ünïcode");
}

INSTANTIATE_TEST_SUITE_P(Emulators, DynamoDbStoreTest,
                         ::testing::Values(EmulatorKind::kDynalite, EmulatorKind::kMoto),
                         [](const auto& info) { return testing::emulatorName(info.param); });

}  // namespace
}  // namespace barrier
