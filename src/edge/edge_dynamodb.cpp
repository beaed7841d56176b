#include "edge/edge_dynamodb.h"

#include <string>

#include "core/aws/aws_error.h"
#include "core/aws/dynamodb_codec.h"

namespace barrier {

namespace {

// The region to sign for, or why there is none to sign with.
Result<std::string> signingRegion(const StoreConfig& store, const EdgeCredentials& creds) {
  // Said here rather than left to the signer, so the 503's log line names
  // the cause an operator can fix.
  if (!creds.aws.complete()) {
    return Status::unauthenticated("no AWS credentials in the environment");
  }
  return store.region.empty() ? creds.fallback_region : store.region;
}

}  // namespace

Result<HttpClientRequest> edgeGetItemFetch(const StoreConfig& store, const EdgeCredentials& creds,
                                           std::string_view key, int64_t now, Crypto& crypto) {
  Result<std::string> region = signingRegion(store, creds);
  if (!region) return region.status();
  Result<HttpClientRequest> request =
      buildGetItemRequest(store.table, key, *region, store.endpoint, creds.aws, now, crypto);
  if (request) request->timeout_ms = kEdgeFetchTimeoutMs;
  return request;
}

Result<HttpClientRequest> edgeTouchFetch(const StoreConfig& store, const EdgeCredentials& creds,
                                         std::string_view key, int64_t last_seen, int64_t now,
                                         Crypto& crypto) {
  Result<std::string> region = signingRegion(store, creds);
  if (!region) return region.status();
  Result<HttpClientRequest> request = buildTouchItemRequest(store.table, key, last_seen, *region,
                                                            store.endpoint, creds.aws, now, crypto);
  if (request) request->timeout_ms = kEdgeFetchTimeoutMs;
  return request;
}

Result<std::optional<SessionRecord>> parseEdgeFetchAnswer(const EdgeFetchAnswer& answer) {
  if (answer.status == 0) {
    return Status::unavailable("dynamodb GetItem: " + (answer.error.empty()
                                                           ? std::string("no answer")
                                                           : std::string(answer.error)));
  }
  Result<std::optional<SessionRecord>> parsed = parseGetItemResponse(answer.status, answer.body);
  // A 200 whose body does not decode is as much a failure as a 500: the
  // record may exist, so "absent" (a redirect to login) would be a guess.
  if (!parsed) return Status::unavailable(parsed.status().message());
  return parsed;
}

bool isRetryableEdgeAnswer(const EdgeFetchAnswer& answer) {
  if (answer.status == 0 || answer.status == 200) return false;
  return isRetryableAwsError(parseAwsError(answer.status, Headers{}, answer.body));
}

int edgeRetryDelayMs(int failures, uint32_t seed) {
  int cap = 25 << (failures < 1 ? 0 : failures > 4 ? 3 : failures - 1);
  seed = seed * 2654435761u;  // spreads consecutive seeds
  return cap / 2 + static_cast<int>((seed >> 16) % static_cast<uint32_t>(cap / 2 + 1));
}

}  // namespace barrier
