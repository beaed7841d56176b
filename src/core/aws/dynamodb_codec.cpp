#include "core/aws/dynamodb_codec.h"

#include <utility>

#include "core/aws/aws_error.h"
#include "core/session/record_claims.h"

namespace barrier {

namespace {

using json = nlohmann::json;

// The record's attributes in projection order.
constexpr const char* kAllAttributes[] = {
    kAttrSessionId, kAttrKind,  kAttrValidUntil, kAttrCreatedAt, kAttrSub,
    kAttrUsername,  kAttrEmail, kAttrGroups,     kAttrSecret,    kAttrCodeVerifier,
    kAttrNonce,     kAttrPath,  kAttrClaims,     kAttrLastSeen,  kAttrSid,
};

// Generous bounds against absurd answers: DynamoDB items are at most 400 KB.
constexpr size_t kMaxGroups = 1000;

void putString(json& item, const char* name, const std::string& value) {
  if (!value.empty()) item[name] = {{"S", value}};
}

void putNumber(json& item, const char* name, int64_t value) {
  item[name] = {{"N", std::to_string(value)}};
}

// An integer in DynamoDB's decimal string form. A zero fraction ("17.0")
// is accepted because some SDKs marshal whole numbers that way; exponents
// and real fractions are refused.
bool parseInteger(std::string_view text, int64_t& out) {
  size_t dot = text.find('.');
  if (dot != std::string_view::npos) {
    std::string_view frac = text.substr(dot + 1);
    for (char c : frac) {
      if (c != '0') return false;
    }
    text = text.substr(0, dot);
  }
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = negative ? -value : value;
  return true;
}

// The typed value of attribute `name` of `item`: nullptr when the attribute
// is absent, and sets `error` when it has the wrong shape.
const json* typedValue(const json& item, const char* name, const char* type, std::string& error) {
  auto it = item.find(name);
  if (it == item.end()) return nullptr;
  if (!it->is_object()) {
    error = std::string(name) + " is not an attribute value";
    return nullptr;
  }
  auto v = it->find(type);
  if (v == it->end()) {
    error = std::string(name) + " is not of type " + type;
    return nullptr;
  }
  return &*v;
}

bool readString(const json& item, const char* name, std::string& out, std::string& error) {
  const json* v = typedValue(item, name, "S", error);
  if (!v) return error.empty();
  if (!v->is_string()) {
    error = std::string(name) + ".S is not a string";
    return false;
  }
  out = v->get_ref<const std::string&>();
  return true;
}

bool readNumber(const json& item, const char* name, int64_t& out, std::string& error) {
  const json* v = typedValue(item, name, "N", error);
  if (!v) return error.empty();
  if (!v->is_string() || !parseInteger(v->get_ref<const std::string&>(), out)) {
    error = std::string(name) + " is not an integer N";
    return false;
  }
  return true;
}

// groups: L of S as written by barrier, or SS as a hand-written item may hold.
bool readGroups(const json& item, std::vector<std::string>& out, std::string& error) {
  auto it = item.find(kAttrGroups);
  if (it == item.end()) return true;
  if (!it->is_object()) {
    error = "groups is not an attribute value";
    return false;
  }
  const json* list = nullptr;
  bool is_set = false;
  if (auto l = it->find("L"); l != it->end()) {
    list = &*l;
  } else if (auto ss = it->find("SS"); ss != it->end()) {
    list = &*ss;
    is_set = true;
  }
  if (!list || !list->is_array() || list->size() > kMaxGroups) {
    error = "groups is not a list of strings";
    return false;
  }
  for (const auto& entry : *list) {
    const json* s = &entry;
    if (!is_set) {
      auto inner = entry.is_object() ? entry.find("S") : entry.end();
      if (!entry.is_object() || inner == entry.end()) {
        error = "groups holds a non-string element";
        return false;
      }
      s = &*inner;
    }
    if (!s->is_string()) {
      error = "groups holds a non-string element";
      return false;
    }
    out.push_back(s->get_ref<const std::string&>());
  }
  return true;
}

// {"#a0":"session_id",...} and "#a0,#a1,..." for the projection.
void addProjection(json& request) {
  json names = json::object();
  std::string projection;
  int i = 0;
  for (const char* attr : kAllAttributes) {
    std::string alias = "#a" + std::to_string(i++);
    names[alias] = attr;
    if (!projection.empty()) projection += ',';
    projection += alias;
  }
  // Aliases for every name: several of ours (path, name-like words) are
  // DynamoDB reserved words.
  request["ProjectionExpression"] = projection;
  request["ExpressionAttributeNames"] = std::move(names);
}

Result<std::optional<SessionRecord>> optionalItem(std::string_view body, const char* field) {
  Result<json> doc = parseDynamoDbJson(body);
  if (!doc) return doc.status();
  auto it = doc->find(field);
  if (it == doc->end() || it->is_null()) return std::optional<SessionRecord>();
  if (!it->is_object()) return Status::invalid(std::string("dynamodb: ") + field + " is not a map");
  // GetItem of an absent key may also answer with an empty map.
  if (it->empty()) return std::optional<SessionRecord>();
  Result<SessionRecord> record = decodeItem(*it);
  if (!record) return record.status();
  return std::optional<SessionRecord>(std::move(record).value());
}

json lastKey(const json& doc) {
  auto it = doc.find("LastEvaluatedKey");
  if (it == doc.end() || !it->is_object() || it->empty()) return nullptr;
  return *it;
}

const json* itemsArray(const json& doc) {
  auto it = doc.find("Items");
  if (it == doc.end()) return nullptr;
  return it->is_array() ? &*it : nullptr;
}

}  // namespace

json keyAttribute(std::string_view key) { return {{kAttrSessionId, {{"S", std::string(key)}}}}; }

json encodeItem(const SessionRecord& r) {
  json item = json::object();
  item[kAttrSessionId] = {{"S", r.key}};
  item[kAttrKind] = {{"S", recordKindName(r.kind)}};
  putNumber(item, kAttrValidUntil, r.valid_until);
  putNumber(item, kAttrCreatedAt, r.created_at);
  putString(item, kAttrSub, r.sub);
  putString(item, kAttrUsername, r.username);
  putString(item, kAttrEmail, r.email);
  if (!r.groups.empty()) {
    json list = json::array();
    for (const auto& g : r.groups) list.push_back({{"S", g}});
    item[kAttrGroups] = {{"L", std::move(list)}};
  }
  putString(item, kAttrSecret, r.secret);
  putString(item, kAttrCodeVerifier, r.code_verifier);
  putString(item, kAttrNonce, r.nonce);
  putString(item, kAttrPath, r.path);
  putString(item, kAttrClaims, encodeRecordClaims(r.claims));
  if (r.last_seen != 0) putNumber(item, kAttrLastSeen, r.last_seen);
  putString(item, kAttrSid, r.sid);
  return item;
}

Result<SessionRecord> decodeItem(const json& item) {
  if (!item.is_object()) return Status::invalid("dynamodb item: not a map");
  SessionRecord r;
  std::string error;
  std::string kind;
  bool has_valid_until = item.contains(kAttrValidUntil);
  bool ok =
      readString(item, kAttrSessionId, r.key, error) && readString(item, kAttrKind, kind, error) &&
      readNumber(item, kAttrValidUntil, r.valid_until, error) &&
      readNumber(item, kAttrCreatedAt, r.created_at, error) &&
      readString(item, kAttrSub, r.sub, error) &&
      readString(item, kAttrUsername, r.username, error) &&
      readString(item, kAttrEmail, r.email, error) && readGroups(item, r.groups, error) &&
      readString(item, kAttrSecret, r.secret, error) &&
      readString(item, kAttrCodeVerifier, r.code_verifier, error) &&
      readString(item, kAttrNonce, r.nonce, error) && readString(item, kAttrPath, r.path, error) &&
      readNumber(item, kAttrLastSeen, r.last_seen, error) &&
      readString(item, kAttrSid, r.sid, error);
  std::string claims;
  ok = ok && readString(item, kAttrClaims, claims, error);
  if (ok && !decodeRecordClaims(claims, r.claims)) {
    ok = false;
    error = "claims is not a JSON object of string lists";
  }
  if (!ok) return Status::invalid("dynamodb item: " + error);
  if (r.key.empty()) return Status::invalid("dynamodb item: session_id is missing");
  // A record of unknown kind must never count as a session.
  if (!parseRecordKind(kind, r.kind)) {
    return Status::invalid("dynamodb item: kind is missing or not session|login");
  }
  if (!has_valid_until) return Status::invalid("dynamodb item: valid_until is missing");
  return r;
}

json getItemRequest(std::string_view table, std::string_view key) {
  json request = {
      {"TableName", std::string(table)}, {"Key", keyAttribute(key)}, {"ConsistentRead", true}};
  addProjection(request);
  return request;
}

json putNewItemRequest(std::string_view table, const SessionRecord& record) {
  return {{"TableName", std::string(table)},
          {"Item", encodeItem(record)},
          {"ConditionExpression", "attribute_not_exists(#k)"},
          {"ExpressionAttributeNames", {{"#k", kAttrSessionId}}}};
}

json touchItemRequest(std::string_view table, std::string_view key, int64_t last_seen) {
  return {{"TableName", std::string(table)},
          {"Key", keyAttribute(key)},
          {"UpdateExpression", "SET #l = :l"},
          {"ConditionExpression", "attribute_exists(#k) AND #t = :s"},
          {"ExpressionAttributeNames",
           {{"#l", kAttrLastSeen}, {"#k", kAttrSessionId}, {"#t", kAttrKind}}},
          {"ExpressionAttributeValues",
           {{":l", {{"N", std::to_string(last_seen)}}}, {":s", {{"S", "session"}}}}}};
}

json deleteItemRequest(std::string_view table, std::string_view key, bool return_old) {
  json request = {{"TableName", std::string(table)}, {"Key", keyAttribute(key)}};
  if (return_old) request["ReturnValues"] = "ALL_OLD";
  return request;
}

json querySubRequest(std::string_view table, std::string_view sub,
                     const json& exclusive_start_key) {
  json request = {{"TableName", std::string(table)},
                  {"IndexName", kSubIndexName},
                  {"KeyConditionExpression", "#s = :s"},
                  {"ProjectionExpression", "#k"},
                  {"ExpressionAttributeNames", {{"#s", kAttrSub}, {"#k", kAttrSessionId}}},
                  {"ExpressionAttributeValues", {{":s", {{"S", std::string(sub)}}}}}};
  if (exclusive_start_key.is_object()) request["ExclusiveStartKey"] = exclusive_start_key;
  return request;
}

json querySidRequest(std::string_view table, std::string_view sid, std::string_view sub,
                     const json& exclusive_start_key) {
  json request = {
      {"TableName", std::string(table)},
      {"IndexName", kSidIndexName},
      {"KeyConditionExpression", "#p = :p"},
      {"FilterExpression", "#t = :t"},
      {"ProjectionExpression", "#k"},
      {"ExpressionAttributeNames", {{"#p", kAttrSid}, {"#k", kAttrSessionId}, {"#t", kAttrKind}}},
      {"ExpressionAttributeValues",
       {{":p", {{"S", std::string(sid)}}}, {":t", {{"S", "session"}}}}}};
  if (!sub.empty()) {
    request["FilterExpression"] = "#t = :t AND #s = :s";
    request["ExpressionAttributeNames"]["#s"] = kAttrSub;
    request["ExpressionAttributeValues"][":s"] = {{"S", std::string(sub)}};
  }
  if (exclusive_start_key.is_object()) request["ExclusiveStartKey"] = exclusive_start_key;
  return request;
}

json batchDeleteRequest(std::string_view table, const std::vector<std::string>& keys) {
  json deletes = json::array();
  for (const auto& key : keys) {
    deletes.push_back({{"DeleteRequest", {{"Key", keyAttribute(key)}}}});
  }
  return {{"RequestItems", {{std::string(table), std::move(deletes)}}}};
}

json scanRequest(std::string_view table, size_t limit, const json& exclusive_start_key) {
  json request = {{"TableName", std::string(table)}, {"Limit", limit == 0 ? 1 : limit}};
  addProjection(request);
  if (exclusive_start_key.is_object()) request["ExclusiveStartKey"] = exclusive_start_key;
  return request;
}

json describeTableRequest(std::string_view table) { return {{"TableName", std::string(table)}}; }

namespace {

// The sid index holds kind and sub too, for the filter on its query (only
// sessions end, and only the named sub's when the logout token names one);
// never a record's secrets.
json sidIndex() {
  return {
      {"IndexName", kSidIndexName},
      {"KeySchema", json::array({{{"AttributeName", kAttrSid}, {"KeyType", "HASH"}}})},
      {"Projection", {{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", {kAttrKind, kAttrSub}}}}};
}

}  // namespace

json createTableRequest(std::string_view table) {
  return {
      {"TableName", std::string(table)},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions",
       json::array({{{"AttributeName", kAttrSessionId}, {"AttributeType", "S"}},
                    {{"AttributeName", kAttrSub}, {"AttributeType", "S"}},
                    {{"AttributeName", kAttrSid}, {"AttributeType", "S"}}})},
      {"KeySchema", json::array({{{"AttributeName", kAttrSessionId}, {"KeyType", "HASH"}}})},
      {"GlobalSecondaryIndexes",
       json::array(
           {{{"IndexName", kSubIndexName},
             {"KeySchema", json::array({{{"AttributeName", kAttrSub}, {"KeyType", "HASH"}}})},
             {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}},
            sidIndex()})},
  };
}

json addSidIndexRequest(std::string_view table) {
  return {{"TableName", std::string(table)},
          {"AttributeDefinitions",
           json::array({{{"AttributeName", kAttrSid}, {"AttributeType", "S"}}})},
          {"GlobalSecondaryIndexUpdates", json::array({{{"Create", sidIndex()}}})}};
}

json updateTimeToLiveRequest(std::string_view table) {
  return {{"TableName", std::string(table)},
          {"TimeToLiveSpecification", {{"AttributeName", kAttrValidUntil}, {"Enabled", true}}}};
}

Status interpretUpdateTimeToLiveError(Status status) {
  const std::string& text = status.message();
  auto says = [&](std::string_view words) { return text.find(words) != std::string::npos; };
  if (status.hasReason("UnknownOperationException") || says("not supported")) {
    return Status(status.code(), text, std::string(kTtlUnsupported));
  }
  if (status.hasReason("ValidationException") && says("already enabled")) {
    return Status(status.code(), text, std::string(kTtlAlreadyEnabled));
  }
  return status;
}

Result<json> parseDynamoDbJson(std::string_view body) {
  if (body.size() > kMaxDynamoDbResponseBytes) {
    return Status::invalid("dynamodb: answer of " + std::to_string(body.size()) +
                           " bytes is too large");
  }
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::invalid("dynamodb: answer is not a JSON object");
  }
  return doc;
}

Result<std::optional<SessionRecord>> parseGetItemBody(std::string_view body) {
  return optionalItem(body, "Item");
}

Result<std::optional<SessionRecord>> parseDeleteItemBody(std::string_view body) {
  return optionalItem(body, "Attributes");
}

Result<KeyPage> parseQueryKeysBody(std::string_view body) {
  Result<json> doc = parseDynamoDbJson(body);
  if (!doc) return doc.status();
  const json* items = itemsArray(*doc);
  if (!items) return Status::invalid("dynamodb Query: Items is missing or not a list");
  KeyPage page;
  for (const auto& item : *items) {
    std::string key;
    std::string error;
    if (!item.is_object() || !readString(item, kAttrSessionId, key, error) || key.empty()) {
      return Status::invalid("dynamodb Query: an item has no session_id");
    }
    page.keys.push_back(std::move(key));
  }
  page.last_evaluated_key = lastKey(*doc);
  return page;
}

Result<RecordPage> parseScanBody(std::string_view body) {
  Result<json> doc = parseDynamoDbJson(body);
  if (!doc) return doc.status();
  const json* items = itemsArray(*doc);
  if (!items) return Status::invalid("dynamodb Scan: Items is missing or not a list");
  RecordPage page;
  for (const auto& item : *items) {
    // One foreign or damaged item must not hide the others from a listing.
    Result<SessionRecord> record = decodeItem(item);
    std::string key;
    std::string error;
    if (record) {
      page.records.push_back(std::move(record).value());
    } else if (item.is_object() && readString(item, kAttrSessionId, key, error) && !key.empty()) {
      page.unreadable.push_back(std::move(key));
    }
  }
  page.last_evaluated_key = lastKey(*doc);
  return page;
}

Result<std::vector<std::string>> parseBatchWriteUnprocessed(std::string_view body,
                                                            std::string_view table) {
  Result<json> doc = parseDynamoDbJson(body);
  if (!doc) return doc.status();
  std::vector<std::string> keys;
  auto unprocessed = doc->find("UnprocessedItems");
  if (unprocessed == doc->end() || !unprocessed->is_object()) return keys;
  auto requests = unprocessed->find(std::string(table));
  if (requests == unprocessed->end()) return keys;
  if (!requests->is_array())
    return Status::invalid("dynamodb BatchWriteItem: bad UnprocessedItems");
  for (const auto& request : *requests) {
    auto del = request.is_object() ? request.find("DeleteRequest") : request.end();
    if (!request.is_object() || del == request.end() || !del->is_object()) {
      return Status::invalid("dynamodb BatchWriteItem: bad UnprocessedItems entry");
    }
    auto key = del->find("Key");
    std::string id;
    std::string error;
    if (key == del->end() || !key->is_object() || !readString(*key, kAttrSessionId, id, error) ||
        id.empty()) {
      return Status::invalid("dynamodb BatchWriteItem: unprocessed entry without a key");
    }
    keys.push_back(std::move(id));
  }
  return keys;
}

namespace {

// DescribeTable's Table object.
Result<json> describedTable(std::string_view body) {
  Result<json> doc = parseDynamoDbJson(body);
  if (!doc) return doc.status();
  auto table = doc->find("Table");
  if (table == doc->end() || !table->is_object()) {
    return Status::invalid("dynamodb DescribeTable: Table is missing");
  }
  return std::move(*table);
}

}  // namespace

Result<std::string> parseTableStatus(std::string_view body) {
  Result<json> table = describedTable(body);
  if (!table) return table.status();
  auto status = table->find("TableStatus");
  if (status == table->end() || !status->is_string()) {
    return Status::invalid("dynamodb DescribeTable: TableStatus is missing");
  }
  return status->get<std::string>();
}

Result<bool> parseTableHasIndex(std::string_view body, std::string_view index) {
  Result<json> table = describedTable(body);
  if (!table) return table.status();
  auto indexes = table->find("GlobalSecondaryIndexes");
  if (indexes == table->end() || !indexes->is_array()) return false;
  for (const json& entry : *indexes) {
    auto name = entry.is_object() ? entry.find("IndexName") : entry.end();
    if (name != entry.end() && name->is_string() && *name == index) return true;
  }
  return false;
}

std::string dynamoDbEndpoint(std::string_view region, std::string_view endpoint) {
  std::string out = endpoint.empty() ? "https://dynamodb." + std::string(region) + ".amazonaws.com"
                                     : std::string(endpoint);
  while (out.size() > 8 && out.back() == '/') out.pop_back();
  return out;
}

std::string toJsonText(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string dynamoDbTarget(std::string_view operation) {
  return "DynamoDB_20120810." + std::string(operation);
}

namespace {

Result<HttpClientRequest> buildSignedRequest(std::string_view operation, const json& body,
                                             std::string_view region, std::string_view endpoint,
                                             const AwsCredentials& credentials, int64_t now,
                                             Crypto& crypto) {
  if (region.empty()) return Status::invalid("dynamodb: region is required");
  HttpClientRequest request;
  request.method = "POST";
  request.url = dynamoDbEndpoint(region, endpoint) + "/";
  request.headers.add("Content-Type", "application/x-amz-json-1.0");
  request.headers.add("X-Amz-Target", dynamoDbTarget(operation));
  request.body = toJsonText(body);
  Result<SigV4Result> signed_request =
      signHttpRequest(request, credentials, sigV4OptionsFor("dynamodb", region, now), crypto);
  if (!signed_request) return signed_request.status();
  return request;
}

}  // namespace

Result<HttpClientRequest> buildGetItemRequest(std::string_view table, std::string_view key,
                                              std::string_view region, std::string_view endpoint,
                                              const AwsCredentials& credentials, int64_t now,
                                              Crypto& crypto) {
  return buildSignedRequest("GetItem", getItemRequest(table, key), region, endpoint, credentials,
                            now, crypto);
}

Result<HttpClientRequest> buildTouchItemRequest(std::string_view table, std::string_view key,
                                                int64_t last_seen, std::string_view region,
                                                std::string_view endpoint,
                                                const AwsCredentials& credentials, int64_t now,
                                                Crypto& crypto) {
  return buildSignedRequest("UpdateItem", touchItemRequest(table, key, last_seen), region, endpoint,
                            credentials, now, crypto);
}

Status parseTouchItemResponse(int status, std::string_view body) {
  if (status == 200) return Status::ok();
  Status error = awsErrorStatus(parseAwsError(status, Headers{}, body), "dynamodb UpdateItem");
  return error.hasReason("ConditionalCheckFailedException") ? Status::ok() : error;
}

Result<std::optional<SessionRecord>> parseGetItemResponse(int status, std::string_view body) {
  if (status == 200) return parseGetItemBody(body);
  return awsErrorStatus(parseAwsError(status, Headers{}, body), "dynamodb GetItem");
}

}  // namespace barrier
