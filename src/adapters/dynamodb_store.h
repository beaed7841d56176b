// SessionStore over a DynamoDB table (docs/ARCHITECTURE.md, "DynamoDB table"),
// through AwsClient:
//   get       GetItem, ConsistentRead, projection of the record's attributes
//   putNew    PutItem with attribute_not_exists(session_id) -> kAlreadyExists
//   take      DeleteItem ReturnValues ALL_OLD (atomic read-and-delete)
//   remove    DeleteItem
//   removeUser Query on the `sub-index` GSI (paged) + BatchWriteItem
//             deletes of 25, unprocessed items retried with back-off
//   removeProviderSession  the same on the `sid-index` GSI (filtered on
//             sub when one is given)
//   list      Scan with a limit (paged)
//   ping      DescribeTable (ACTIVE or UPDATING is healthy)
// Item encoding lives in core/aws/dynamodb_codec (shared with the edge).
// Thread-safe (AwsClient is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/aws_client.h"
#include "core/config/config.h"
#include "core/ports/session_store.h"

namespace barrier {

// The AWS client a StoreConfig implies: region from store.region,
// AWS_REGION, AWS_DEFAULT_REGION or the profile; endpoint from
// store.endpoint, AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL. Store
// calls get short timeouts and a small retry budget (a checker waiting on
// the store holds a visitor). When the endpoint is a loopback emulator
// (dynalite, moto) and no credentials are found, dummy ones are used.
// kInvalidArgument when no region can be found. `admin` (create-table, CLI
// maintenance) trades the short visitor-path timeouts for patient ones.
Result<std::shared_ptr<AwsClient>> makeDynamoDbClient(const StoreConfig& config,
                                                      EnvLookup env = nullptr, bool admin = false);

std::unique_ptr<SessionStore> makeDynamoDbStore(std::string table,
                                                std::shared_ptr<AwsClient> client);
// makeDynamoDbClient + makeDynamoDbStore.
Result<std::unique_ptr<SessionStore>> makeDynamoDbStore(const StoreConfig& config);

struct CreateTableOutcome {
  bool created = false;          // false: the table already existed
  bool ttl_enabled = false;      // false: the service does not support TTL (dynalite)
  bool sid_index_added = false;  // the table existed without its sid-index
  std::string table_status;      // as last described
};

// Creates the session table (PAY_PER_REQUEST, key session_id, GSI
// sub-index on sub, GSI sid-index on sid) unless it exists, adds the
// sid-index to a table made without it, waits up to `wait_seconds` for it
// to become ACTIVE, then turns TTL on valid_until on. Idempotent.
Result<CreateTableOutcome> createSessionTable(AwsClient& client, std::string_view table,
                                              int wait_seconds = 60);

}  // namespace barrier
