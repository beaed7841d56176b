#include "adapters/store_factory.h"

#include "adapters/dynamodb_store.h"
#include "adapters/memory_store.h"
#include "adapters/redis_store.h"
#include "adapters/sqlite_store.h"

namespace barrier {

Result<std::unique_ptr<SessionStore>> makeStore(const StoreConfig& config) {
  switch (config.type) {
    case StoreConfig::Type::kMemory:
      return makeMemoryStore(/*purge_expired=*/true);
    case StoreConfig::Type::kSqlite:
      return makeSqliteStore(config.path);
    case StoreConfig::Type::kRedis: {
      RedisStoreOptions options;
      options.tls = config.tls;
      return makeRedisStore(config.url, options);
    }
    case StoreConfig::Type::kDynamoDb:
      return makeDynamoDbStore(config);
  }
  return Status::invalid("store.type: unknown");
}

}  // namespace barrier
