// DynamoDB JSON for the session table (docs/ARCHITECTURE.md, "DynamoDB table"):
// SessionRecord <-> item, request bodies for every call the store makes, and
// parsers for the answers. Pure and portable: no I/O, no exceptions (JSON is
// parsed with nlohmann's non-throwing parse and type checks only), so the
// WebAssembly checker at the edge uses the same code to build and read its
// GetItem.
//
// Item layout: session_id S (key), kind S, valid_until N (integer epoch
// seconds, also the TTL attribute), created_at N, sub/username/email S,
// groups L of S, secret/code_verifier/nonce/path S, claims S (the kept
// claims as JSON text, core/session/record_claims.h), last_seen N (absent
// until the first touch; never the TTL attribute), sid S (the provider's
// session, key of the sid-index). Empty strings and empty
// lists are left out of the item (a GSI key may not be empty, and older
// emulators refuse empty strings); a missing attribute decodes as empty.
//
// Every parser treats its input as untrusted: malformed JSON, wrong types,
// missing required attributes or absurd sizes give a kInvalidArgument
// Status, never a crash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/aws/sigv4.h"
#include "core/ports/crypto.h"
#include "core/ports/http_client.h"
#include "core/session/record.h"
#include "core/status.h"

namespace barrier {

// Attribute and index names of the session table.
inline constexpr char kAttrSessionId[] = "session_id";
inline constexpr char kAttrKind[] = "kind";
inline constexpr char kAttrValidUntil[] = "valid_until";
inline constexpr char kAttrCreatedAt[] = "created_at";
inline constexpr char kAttrSub[] = "sub";
inline constexpr char kAttrUsername[] = "username";
inline constexpr char kAttrEmail[] = "email";
inline constexpr char kAttrGroups[] = "groups";
inline constexpr char kAttrSecret[] = "secret";
inline constexpr char kAttrCodeVerifier[] = "code_verifier";
inline constexpr char kAttrNonce[] = "nonce";
inline constexpr char kAttrPath[] = "path";
inline constexpr char kAttrClaims[] = "claims";  // S: JSON text (record_claims.h)
inline constexpr char kAttrLastSeen[] = "last_seen";
inline constexpr char kAttrSid[] = "sid";  // the provider's session (ID token's sid)
inline constexpr char kSubIndexName[] = "sub-index";
inline constexpr char kSidIndexName[] = "sid-index";

// Answers larger than this are refused unread (a Scan page is at most 1 MB).
inline constexpr size_t kMaxDynamoDbResponseBytes = 4 * 1024 * 1024;

// --- items ---------------------------------------------------------------

nlohmann::json encodeItem(const SessionRecord& record);
// `item` is a DynamoDB attribute map ({"session_id":{"S":"..."},...}).
// Requires session_id (S), kind (S, "session"|"login") and valid_until (N,
// integer); unknown attributes are ignored; groups may be L of S or SS.
Result<SessionRecord> decodeItem(const nlohmann::json& item);
// {"session_id":{"S":key}}
nlohmann::json keyAttribute(std::string_view key);

// --- request bodies (X-Amz-Target DynamoDB_20120810.<Operation>) ---------

// ConsistentRead, with a projection of exactly the record's attributes.
nlohmann::json getItemRequest(std::string_view table, std::string_view key);
// Fails with ConditionalCheckFailedException when the key exists.
nlohmann::json putNewItemRequest(std::string_view table, const SessionRecord& record);
// UpdateItem setting last_seen, on the condition that the item exists and
// is a session: a touch never creates an item, nor revives a removed one.
nlohmann::json touchItemRequest(std::string_view table, std::string_view key, int64_t last_seen);
// With `return_old`, ReturnValues ALL_OLD: the answer carries the deleted item.
nlohmann::json deleteItemRequest(std::string_view table, std::string_view key, bool return_old);
// Keys of `sub`'s records on the sub index, one page.
nlohmann::json querySubRequest(std::string_view table, std::string_view sub,
                               const nlohmann::json& exclusive_start_key);
// Keys of the sessions of the provider session `sid` on the sid index, one
// page; with a non-empty `sub`, only those of `sub` (a filter on the kind
// and sub the index projects).
nlohmann::json querySidRequest(std::string_view table, std::string_view sid, std::string_view sub,
                               const nlohmann::json& exclusive_start_key);
// At most 25 DeleteRequests (the BatchWriteItem limit); callers split.
nlohmann::json batchDeleteRequest(std::string_view table, const std::vector<std::string>& keys);
inline constexpr size_t kBatchWriteMax = 25;
nlohmann::json scanRequest(std::string_view table, size_t limit,
                           const nlohmann::json& exclusive_start_key);
nlohmann::json describeTableRequest(std::string_view table);
// PAY_PER_REQUEST, key session_id (S), GSI sub-index on sub (KEYS_ONLY),
// GSI sid-index on sid (keys, kind and sub).
nlohmann::json createTableRequest(std::string_view table);
// UpdateTable adding the sid-index to a table made before it existed.
nlohmann::json addSidIndexRequest(std::string_view table);
// DescribeTable: whether Table.GlobalSecondaryIndexes names `index`.
Result<bool> parseTableHasIndex(std::string_view body, std::string_view index);
// TTL on valid_until.
nlohmann::json updateTimeToLiveRequest(std::string_view table);

// Reasons for UpdateTimeToLive refusals that AWS and the emulators state only
// in prose (see interpretUpdateTimeToLiveError).
inline constexpr std::string_view kTtlAlreadyEnabled = "TimeToLiveAlreadyEnabled";
inline constexpr std::string_view kTtlUnsupported = "TimeToLiveUnsupported";

// The one place that reads an UpdateTimeToLive refusal's text: a table whose
// TTL is already on (a ValidationException "... already enabled") gets the
// reason kTtlAlreadyEnabled; an emulator without the operation (dynalite's
// UnknownOperationException, or an answer saying "not supported")
// kTtlUnsupported. Any other Status is returned unchanged.
Status interpretUpdateTimeToLiveError(Status status);

// --- answers ---------------------------------------------------------------

// Parses a 2xx answer body; kInvalidArgument if it is not a JSON object.
Result<nlohmann::json> parseDynamoDbJson(std::string_view body);

// GetItem: "Item" absent -> nullopt; present -> decoded record.
Result<std::optional<SessionRecord>> parseGetItemBody(std::string_view body);
// DeleteItem with ALL_OLD: "Attributes" absent -> nullopt.
Result<std::optional<SessionRecord>> parseDeleteItemBody(std::string_view body);

struct KeyPage {
  std::vector<std::string> keys;
  nlohmann::json last_evaluated_key;  // null when this was the last page
};
// Query on the sub index: the session_id of every item.
Result<KeyPage> parseQueryKeysBody(std::string_view body);

struct RecordPage {
  std::vector<SessionRecord> records;
  std::vector<std::string> unreadable;  // keys of the items that do not decode
  nlohmann::json last_evaluated_key;
};
Result<RecordPage> parseScanBody(std::string_view body);

// BatchWriteItem: the keys of DeleteRequests DynamoDB left unprocessed.
Result<std::vector<std::string>> parseBatchWriteUnprocessed(std::string_view body,
                                                            std::string_view table);

// DescribeTable: Table.TableStatus ("ACTIVE", "CREATING", ...).
Result<std::string> parseTableStatus(std::string_view body);

// --- the edge checker's whole round trip, as pure functions ---------------

// "https://dynamodb.<region>.amazonaws.com" unless `endpoint` overrides it
// (dynalite, moto, a VPC endpoint). A trailing '/' is dropped.
std::string dynamoDbEndpoint(std::string_view region, std::string_view endpoint);

// A signed POST of GetItem(ConsistentRead) for `key`, ready for
// HttpClient::send. `now` is epoch seconds (the signature's time).
// Fails only on unusable input (no credentials, bad endpoint URL).
Result<HttpClientRequest> buildGetItemRequest(std::string_view table, std::string_view key,
                                              std::string_view region, std::string_view endpoint,
                                              const AwsCredentials& credentials, int64_t now,
                                              Crypto& crypto);

// The same for touchItemRequest (UpdateItem): the edge's one write.
Result<HttpClientRequest> buildTouchItemRequest(std::string_view table, std::string_view key,
                                                int64_t last_seen, std::string_view region,
                                                std::string_view endpoint,
                                                const AwsCredentials& credentials, int64_t now,
                                                Crypto& crypto);
// Its answer: 200, or the condition failed (no such session: nothing to
// touch) -> ok; anything else -> the AWS error.
Status parseTouchItemResponse(int status, std::string_view body);

// The answer to that request: 200 with an Item -> the record; 200 without
// -> nullopt (absent); any other status -> the AWS error as a non-ok Status
// (see awsErrorStatus); a malformed 200 body -> kInvalidArgument. Callers
// treat every non-ok result as "store failed" (503), never as absent.
Result<std::optional<SessionRecord>> parseGetItemResponse(int status, std::string_view body);

// JSON text of a request body. Invalid UTF-8 (which DynamoDB refuses
// anyway) is replaced instead of aborting: dump() would otherwise throw, and
// the core runs without exceptions.
std::string toJsonText(const nlohmann::json& body);

// X-Amz-Target value for an operation: "DynamoDB_20120810.GetItem".
std::string dynamoDbTarget(std::string_view operation);

}  // namespace barrier
