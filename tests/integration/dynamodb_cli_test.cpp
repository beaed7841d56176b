// `barrier sessions create-table` against dynalite: creates the table with
// its index, and a second run reports the existing table.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "adapters/aws_credentials.h"
#include "adapters/dynamodb_store.h"
#include "tests/integration/support/dynamodb_emulator.h"

namespace barrier {
namespace {

// Runs `command` (stderr folded in); returns its exit status.
int run(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// create-table makes a table the store can use at once; running it again
// is harmless.
TEST(DynamoDbCli, CreateTableCommand) {
  testing::DynamoDbEmulator dynalite(testing::EmulatorKind::kDynalite);
  if (std::string why = dynalite.unavailableReason(); !why.empty()) {
    GTEST_SKIP() << "skipped: " << why;
  }
  ASSERT_TRUE(dynalite.start());
  std::string command = std::string("env -u AWS_PROFILE HOME=/nonexistent ") + BARRIER_BINARY +
                        " sessions create-table --table cli-table --region us-east-1 --endpoint " +
                        dynalite.endpoint();
  std::string first;
  ASSERT_EQ(run(command, first), 0) << first;
  EXPECT_NE(first.find("table cli-table created (ACTIVE)"), std::string::npos) << first;
  std::string second;
  ASSERT_EQ(run(command, second), 0) << second;
  EXPECT_NE(second.find("already exists"), std::string::npos) << second;

  StoreConfig config;
  config.type = StoreConfig::Type::kDynamoDb;
  config.table = "cli-table";
  config.region = "us-east-1";
  config.endpoint = dynalite.endpoint();
  auto store = makeDynamoDbStore(config);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  EXPECT_TRUE(store.value()->ping().isOk());
  EXPECT_EQ(*store.value()->removeUser("nobody"), 0u);  // the sub-index exists
}

// Without a table name or with an unreachable endpoint the command fails
// with a message, not a crash.
TEST(DynamoDbCli, CreateTableErrors) {
  int port = testing::freeLoopbackPort();
  std::string out;
  int status = run(std::string("env HOME=/nonexistent ") + BARRIER_BINARY +
                       " sessions create-table --table t --wait 1 --endpoint http://127.0.0.1:" +
                       std::to_string(port),
                   out);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("barrier:"), std::string::npos) << out;
}

}  // namespace
}  // namespace barrier
