// `barrier sessions create-table [-c barrier.yaml] [--table T] [--region R]
//                                [--endpoint URL] [--wait SECONDS]`
//
// Creates the DynamoDB session table for local use (dynalite, moto) or a
// quick trial: PAY_PER_REQUEST, key session_id, GSIs sub-index and sid-index, TTL
// on valid_until. In AWS the regional stack creates it instead. Idempotent:
// an existing table is reported, not an error.
//
// `barrier sessions` itself belongs to sessions.cpp. This registrar runs
// after it (order 60 > 50) and adds `create-table` under the existing
// `sessions` command, or creates `sessions` when that file is absent.
#include <cstdio>
#include <string>

#include "adapters/dynamodb_store.h"
#include "adapters/yaml_config.h"
#include "cli/command.h"

namespace barrier::cli {
namespace {

struct CreateTableFlags {
  std::string config_path;
  std::string table;
  std::string region;
  std::string endpoint;
  int wait_seconds = 60;
};

StoreConfig storeConfigFor(const CreateTableFlags& flags) {
  StoreConfig store;
  store.type = StoreConfig::Type::kDynamoDb;
  if (!flags.config_path.empty()) {
    Result<ValidConfig> config = loadConfigFile(flags.config_path);
    if (!config.isOk()) throw CliError(config.status().message(), 2);
    store = config->store;
  }
  if (!flags.table.empty()) store.table = flags.table;
  if (!flags.region.empty()) store.region = flags.region;
  if (!flags.endpoint.empty()) store.endpoint = flags.endpoint;
  if (store.table.empty())
    throw CliError("create-table: no table name (--table or store.table)", 2);
  return store;
}

void run(const CreateTableFlags& flags) {
  StoreConfig store = storeConfigFor(flags);
  Result<std::shared_ptr<AwsClient>> client = makeDynamoDbClient(store, nullptr, /*admin=*/true);
  if (!client.isOk()) throw CliError(client.status().message(), 2);
  Result<CreateTableOutcome> outcome =
      createSessionTable(*client.value(), store.table, flags.wait_seconds);
  if (!outcome.isOk()) throw CliError(outcome.status().message(), 1);
  std::printf("table %s %s (%s)\n", store.table.c_str(),
              outcome->created ? "created" : "already exists", outcome->table_status.c_str());
  if (outcome->sid_index_added) std::printf("sid-index: added (it builds in the background)\n");
  std::printf(outcome->ttl_enabled ? "TTL on valid_until: enabled\n"
                                   : "TTL on valid_until: not supported by this endpoint\n");
}

CLI::App* sessionsCommand(CLI::App& app) {
  for (CLI::App* sub :
       app.get_subcommands([](CLI::App* s) { return s->get_name() == "sessions"; })) {
    return sub;
  }
  return app.add_subcommand("sessions", "Manage sessions in the configured store");
}

CommandRegistrar reg(
    "sessions create-table",
    [](CLI::App& app) {
      auto flags = std::make_shared<CreateTableFlags>();
      CLI::App* cmd = sessionsCommand(app)->add_subcommand(
          "create-table",
          "Create the DynamoDB session table (key, sub-index and sid-index GSIs, TTL)");
      cmd->add_option("-c,--config", flags->config_path, "barrier.yaml to read store.* from");
      cmd->add_option("--table", flags->table, "table name (overrides store.table)");
      cmd->add_option("--region", flags->region, "AWS region (overrides store.region)");
      cmd->add_option("--endpoint", flags->endpoint,
                      "endpoint URL, e.g. http://127.0.0.1:4567 for dynalite");
      cmd->add_option("--wait", flags->wait_seconds, "seconds to wait for ACTIVE")
          ->check(CLI::Range(0, 3600));
      cmd->callback([flags] { run(*flags); });
    },
    60);

}  // namespace
}  // namespace barrier::cli
