#include "adapters/dynamodb_store.h"

#include <chrono>
#include <thread>
#include <utility>

#include "core/aws/dynamodb_codec.h"
#include "core/http/loopback.h"

namespace barrier {

namespace {

using json = nlohmann::json;

constexpr int kUnprocessedRetries = 8;

bool isLoopbackUrl(const std::string& url) {
  UrlParts parts;
  if (!splitUrl(url, parts)) return false;
  return isLoopbackAuthority(parts.authority);
}

// Local emulators accept any signature; without this a laptop with no AWS
// setup would need fake keys just to run dynalite.
class EmulatorCredentials : public CredentialsProvider {
 public:
  explicit EmulatorCredentials(std::shared_ptr<CredentialsProvider> inner)
      : inner_(std::move(inner)) {}
  Result<AwsCredentials> credentials() override {
    Result<AwsCredentials> real = inner_->credentials();
    if (real || real.status().code() != Code::kNotFound) return real;
    return AwsCredentials{"local", "local", "", 0, "local emulator placeholder"};
  }

 private:
  std::shared_ptr<CredentialsProvider> inner_;
};

class DynamoDbStore : public SessionStore {
 public:
  DynamoDbStore(std::string table, std::shared_ptr<AwsClient> client)
      : table_(std::move(table)), client_(std::move(client)) {}

  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    if (key.empty()) return std::optional<SessionRecord>();
    Result<std::string> body = call("GetItem", getItemRequest(table_, key));
    if (!body) return body.status();
    return parseGetItemBody(body.value());
  }

  Status putNew(const SessionRecord& record) override {
    if (record.key.empty()) return Status::invalid("dynamodb PutItem: empty key");
    json request = putNewItemRequest(table_, record);
    Result<std::string> body = call("PutItem", request);
    if (body || body.status().code() != Code::kAlreadyExists) return body.status();
    // The client retries a PutItem whose answer was lost (a timeout): if the
    // first attempt did write, the retry meets its own item and fails the
    // "must not exist" condition. Keys are 256 random bits, so an item equal
    // to ours is ours: the write succeeded.
    Result<std::optional<SessionRecord>> stored = get(record.key);
    if (stored && stored->has_value() &&
        putNewItemRequest(table_, **stored)["Item"] == request["Item"]) {
      return Status::ok();
    }
    return body.status();
  }

  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    if (key.empty()) return std::optional<SessionRecord>();
    Result<std::string> body = call("DeleteItem", deleteItemRequest(table_, key, true));
    if (!body) return body.status();
    return parseDeleteItemBody(body.value());
  }

  Status remove(std::string_view key) override {
    if (key.empty()) return Status::ok();
    Result<std::string> body = call("DeleteItem", deleteItemRequest(table_, key, false));
    return body ? Status::ok() : body.status();
  }

  // A session removed meanwhile fails the condition: nothing to touch.
  Status touch(std::string_view key, int64_t last_seen) override {
    if (key.empty()) return Status::ok();
    Result<std::string> body = call("UpdateItem", touchItemRequest(table_, key, last_seen));
    if (body || body.status().hasReason("ConditionalCheckFailedException")) return Status::ok();
    return body.status();
  }

  Result<size_t> removeUser(std::string_view sub) override {
    if (sub.empty()) return Status::invalid("dynamodb: empty sub");
    return removeQueried([&](const json& start) { return querySubRequest(table_, sub, start); });
  }

  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    if (sid.empty()) return static_cast<size_t>(0);
    Result<size_t> n =
        removeQueried([&](const json& start) { return querySidRequest(table_, sid, sub, start); });
    // AWS answers a missing index with a ValidationException, emulators with
    // ResourceNotFoundException: either way, say how a table made before the
    // index gets it.
    if (!n && (n.status().hasReason("ValidationException") ||
               n.status().hasReason("ResourceNotFoundException"))) {
      return Status::unavailable("dynamodb: the " + std::string(kSidIndexName) + " of table " +
                                 table_ + " cannot be queried (" + n.status().message() +
                                 "); a table made before back-channel logout by sid lacks it: "
                                 "run `barrier sessions create-table` on it, or update the stack");
    }
    return n;
  }

  Result<RecordList> list(size_t limit) override {
    RecordList out;
    json start = nullptr;
    while (out.size() < limit) {
      Result<std::string> body = call("Scan", scanRequest(table_, limit - out.size(), start));
      if (!body) return body.status();
      Result<RecordPage> page = parseScanBody(body.value());
      if (!page) return page.status();
      for (auto& r : page->records) {
        if (out.size() < limit) out.records.push_back(std::move(r));
      }
      for (auto& key : page->unreadable) {
        if (out.size() < limit) out.unreadable.push_back(std::move(key));
      }
      start = std::move(page->last_evaluated_key);
      if (!start.is_object()) break;
    }
    return out;
  }

  Status ping() override {
    Result<std::string> body = call("DescribeTable", describeTableRequest(table_));
    if (!body) return body.status();
    Result<std::string> status = parseTableStatus(body.value());
    if (!status) return status.status();
    if (*status == "ACTIVE" || *status == "UPDATING") return Status::ok();
    return Status::unavailable("dynamodb: table " + table_ + " is " + *status);
  }

 private:
  Result<std::string> call(const char* operation, const json& request) {
    return client_->callJsonText("dynamodb", dynamoDbTarget(operation), toJsonText(request));
  }

  // Deletes every item the paged Query `request(start)` names; how many.
  template <class MakeQuery>
  Result<size_t> removeQueried(MakeQuery request) {
    std::vector<std::string> keys;
    json start = nullptr;
    do {
      Result<std::string> body = call("Query", request(start));
      if (!body) return body.status();
      Result<KeyPage> page = parseQueryKeysBody(body.value());
      if (!page) return page.status();
      keys.insert(keys.end(), page->keys.begin(), page->keys.end());
      start = std::move(page->last_evaluated_key);
    } while (start.is_object());
    for (size_t i = 0; i < keys.size(); i += kBatchWriteMax) {
      std::vector<std::string> batch(
          keys.begin() + static_cast<std::ptrdiff_t>(i),
          keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), i + kBatchWriteMax)));
      if (Status s = deleteBatch(std::move(batch)); !s) return s;
    }
    return keys.size();
  }

  // One BatchWriteItem of <= 25 deletes; what DynamoDB leaves unprocessed
  // (capacity) is sent again after a growing pause.
  Status deleteBatch(std::vector<std::string> keys) {
    for (int round = 0; !keys.empty(); ++round) {
      if (round > kUnprocessedRetries) {
        return Status::unavailable("dynamodb BatchWriteItem: " + std::to_string(keys.size()) +
                                   " deletes still unprocessed");
      }
      if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25 << round));
      Result<std::string> body = call("BatchWriteItem", batchDeleteRequest(table_, keys));
      if (!body) return body.status();
      Result<std::vector<std::string>> left = parseBatchWriteUnprocessed(body.value(), table_);
      if (!left) return left.status();
      keys = std::move(left).value();
    }
    return Status::ok();
  }

  std::string table_;
  std::shared_ptr<AwsClient> client_;
};

}  // namespace

Result<std::shared_ptr<AwsClient>> makeDynamoDbClient(const StoreConfig& config, EnvLookup env,
                                                      bool admin) {
  if (!env) env = processEnvironment();
  std::string region = resolveRegion(config.region, env);
  std::string endpoint = resolveEndpointOverride("dynamodb", config.endpoint, env);
  if (region.empty()) {
    if (endpoint.empty()) {
      return Status::invalid(
          "store.region: no AWS region (set store.region, AWS_REGION or a profile region)");
    }
    // Emulators ignore the region; any well-formed one signs.
    region = "us-east-1";
  }
  AwsClientOptions options;
  options.region = region;
  options.env = env;
  if (!endpoint.empty()) options.endpoints["dynamodb"] = endpoint;
  // A visitor waits on these calls: fail within a few seconds, then 503.
  options.attempt_timeout_ms = 2000;
  options.max_attempts = 4;
  options.base_backoff_ms = 25;
  options.max_backoff_ms = 500;
  options.total_budget_ms = 4000;
  if (admin) {
    options.attempt_timeout_ms = 10000;
    options.max_backoff_ms = 2000;
    options.total_budget_ms = 30000;
  }
  AwsClientDeps deps;
  if (isLoopbackUrl(endpoint)) {
    CredentialChainOptions chain;
    chain.env = env;
    deps.credentials = std::make_shared<EmulatorCredentials>(
        std::shared_ptr<CredentialsProvider>(makeDefaultCredentialChain(chain)));
  }
  return std::make_shared<AwsClient>(options, deps);
}

std::unique_ptr<SessionStore> makeDynamoDbStore(std::string table,
                                                std::shared_ptr<AwsClient> client) {
  return std::make_unique<DynamoDbStore>(std::move(table), std::move(client));
}

Result<std::unique_ptr<SessionStore>> makeDynamoDbStore(const StoreConfig& config) {
  if (config.table.empty()) return Status::invalid("store.table: empty");
  Result<std::shared_ptr<AwsClient>> client = makeDynamoDbClient(config);
  if (!client) return client.status();
  return makeDynamoDbStore(config.table, std::move(client).value());
}

Result<CreateTableOutcome> createSessionTable(AwsClient& client, std::string_view table,
                                              int wait_seconds) {
  CreateTableOutcome outcome;
  auto target = [](const char* op) { return dynamoDbTarget(op); };
  Result<std::string> created =
      client.callJsonText("dynamodb", target("CreateTable"), toJsonText(createTableRequest(table)));
  if (created) {
    outcome.created = true;
  } else if (!created.status().hasReason("ResourceInUseException")) {
    return created.status();
  }
  // New tables start CREATING; TTL can only be set once ACTIVE.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  while (true) {
    Result<std::string> described = client.callJsonText("dynamodb", target("DescribeTable"),
                                                        toJsonText(describeTableRequest(table)));
    if (!described) return described.status();
    Result<std::string> status = parseTableStatus(described.value());
    if (!status) return status.status();
    outcome.table_status = *status;
    if (*status == "ACTIVE") {
      Result<bool> has_sid_index = parseTableHasIndex(described.value(), kSidIndexName);
      if (!has_sid_index) return has_sid_index.status();
      if (*has_sid_index || outcome.sid_index_added) break;
      // A table made before the sid-index: add it (it builds in the background).
      Result<std::string> added = client.callJsonText("dynamodb", target("UpdateTable"),
                                                      toJsonText(addSidIndexRequest(table)));
      if (!added) return added.status();
      outcome.sid_index_added = true;
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::timeout("dynamodb: table " + std::string(table) + " still " + *status +
                             " after " + std::to_string(wait_seconds) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  Result<std::string> ttl = client.callJsonText("dynamodb", target("UpdateTimeToLive"),
                                                toJsonText(updateTimeToLiveRequest(table)));
  if (ttl) {
    outcome.ttl_enabled = true;
  } else {
    // dynalite lacks the operation; a table whose TTL is already on says so.
    Status refused = interpretUpdateTimeToLiveError(ttl.status());
    if (refused.hasReason(kTtlAlreadyEnabled)) {
      outcome.ttl_enabled = true;
    } else if (!refused.hasReason(kTtlUnsupported)) {
      return refused;
    }
  }
  return outcome;
}

}  // namespace barrier
