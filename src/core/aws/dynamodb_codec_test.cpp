#include "core/aws/dynamodb_codec.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/aws/aws_error.h"

namespace barrier {
namespace {

using json = nlohmann::json;

SessionRecord sampleSession() {
  SessionRecord r;
  r.key = "k3y";
  r.kind = RecordKind::kSession;
  r.valid_until = 1700003600;
  r.created_at = 1700000000;
  r.sub = "sub-1";
  r.username = "alice";
  r.email = "alice@example.com";
  r.groups = {"admins", "staff"};
  return r;
}

SessionRecord sampleLogin() {
  SessionRecord r;
  r.key = "l0gin";
  r.kind = RecordKind::kLogin;
  r.valid_until = 1700000300;
  r.created_at = 1700000000;
  r.secret = "s3cret";
  r.code_verifier = "verifier";
  r.nonce = "n0nce";
  r.path = "/a?b=c";
  return r;
}

void expectSame(const SessionRecord& a, const SessionRecord& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.valid_until, b.valid_until);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.sub, b.sub);
  EXPECT_EQ(a.username, b.username);
  EXPECT_EQ(a.email, b.email);
  EXPECT_EQ(a.groups, b.groups);
  EXPECT_EQ(a.secret, b.secret);
  EXPECT_EQ(a.code_verifier, b.code_verifier);
  EXPECT_EQ(a.nonce, b.nonce);
  EXPECT_EQ(a.path, b.path);
}

// A session encodes to exactly the table's attributes and types
// (docs/ARCHITECTURE.md, "DynamoDB table"), with integer N strings and
// groups as L of S.
TEST(DynamoDbCodec, EncodesSessionItem) {
  json item = encodeItem(sampleSession());
  EXPECT_EQ(item, json::parse(R"({
    "session_id": {"S": "k3y"}, "kind": {"S": "session"},
    "valid_until": {"N": "1700003600"}, "created_at": {"N": "1700000000"},
    "sub": {"S": "sub-1"}, "username": {"S": "alice"}, "email": {"S": "alice@example.com"},
    "groups": {"L": [{"S": "admins"}, {"S": "staff"}]}})"));
}

// Sessions and login records survive encode -> decode unchanged; empty
// fields are left out of the item (a GSI key may not be empty).
TEST(DynamoDbCodec, RoundTrips) {
  for (const SessionRecord& r : {sampleSession(), sampleLogin()}) {
    json item = encodeItem(r);
    auto decoded = decodeItem(item);
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    expectSame(*decoded, r);
  }
  EXPECT_FALSE(encodeItem(sampleLogin()).contains("sub"));
  EXPECT_FALSE(encodeItem(sampleLogin()).contains("groups"));
}

// Items written by other tools decode: groups as SS, numbers as "17.0",
// extra attributes ignored.
TEST(DynamoDbCodec, DecodesForeignShapes) {
  auto r = decodeItem(json::parse(R"({
    "session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"N": "1700000000.0"},
    "groups": {"SS": ["a", "b"]}, "ttl": {"N": "5"}, "extra": {"M": {}}})"));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->valid_until, 1700000000);
  EXPECT_EQ(r->created_at, 0);
  EXPECT_EQ(r->groups, (std::vector<std::string>{"a", "b"}));
}

// Missing required attributes, unknown kinds and wrong types are refused
// with a message naming the attribute.
TEST(DynamoDbCodec, RefusesMalformedItems) {
  const char* bad[] = {
      R"({"kind": {"S": "session"}, "valid_until": {"N": "1"}})",
      R"({"session_id": {"S": "x"}, "valid_until": {"N": "1"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "admin"}, "valid_until": {"N": "1"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"N": "1.5"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"N": "1e9"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"S": "1"}})",
      R"({"session_id": {"N": "1"}, "kind": {"S": "session"}, "valid_until": {"N": "1"}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"N": "1"},
          "groups": {"L": [{"N": "1"}]}})",
      R"({"session_id": {"S": "x"}, "kind": {"S": "session"}, "valid_until": {"N": "1"},
          "email": "plain"})",
      R"([1, 2])",
  };
  for (const char* text : bad) {
    auto r = decodeItem(json::parse(text));
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << text;
  }
}

// GetItem asks for a consistent read of the key with an aliased projection
// of every record attribute.
TEST(DynamoDbCodec, GetItemRequest) {
  json request = getItemRequest("tbl", "k");
  EXPECT_EQ(request["TableName"], "tbl");
  EXPECT_EQ(request["Key"], json::parse(R"({"session_id": {"S": "k"}})"));
  EXPECT_EQ(request["ConsistentRead"], true);
  EXPECT_EQ(request["ProjectionExpression"],
            "#a0,#a1,#a2,#a3,#a4,#a5,#a6,#a7,#a8,#a9,#a10,#a11,#a12,#a13,#a14");
  EXPECT_EQ(request["ExpressionAttributeNames"]["#a11"], "path");
  EXPECT_EQ(request["ExpressionAttributeNames"]["#a12"], "claims");
  EXPECT_EQ(request["ExpressionAttributeNames"]["#a14"], "sid");
}

// The provider's sid is an S attribute (absent when empty, as the sid-index
// key may not be empty) and round-trips.
TEST(DynamoDbCodec, SidRoundTrip) {
  SessionRecord r = sampleSession();
  EXPECT_FALSE(encodeItem(r).contains("sid"));
  r.sid = "provider-session-1";
  json item = encodeItem(r);
  EXPECT_EQ(item["sid"]["S"], "provider-session-1");
  auto back = decodeItem(item);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->sid, "provider-session-1");
  item["sid"] = {{"N", "1"}};
  EXPECT_EQ(decodeItem(item).status().code(), Code::kInvalidArgument);
}

// A session's kept claims travel as one JSON string attribute, absent when
// there are none; a malformed one makes the item unreadable (never a
// session with fewer claims).
TEST(DynamoDbCodec, ClaimsRoundTrip) {
  SessionRecord r = sampleSession();
  EXPECT_FALSE(encodeItem(r).contains("claims"));
  r.claims = {{"department", {"sales"}}, {"scope", {"read", "write"}}};
  json item = encodeItem(r);
  EXPECT_EQ(item["claims"]["S"], R"({"department":["sales"],"scope":["read","write"]})");
  auto back = decodeItem(item);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->claims, r.claims);
  item["claims"]["S"] = R"({"department":{"a":1}})";
  EXPECT_EQ(decodeItem(item).status().code(), Code::kInvalidArgument);
}

// Writes are conditional, deletes return the old item, revocation queries
// the sub index, batch deletes carry the keys.
TEST(DynamoDbCodec, WriteRequests) {
  json put = putNewItemRequest("tbl", sampleSession());
  EXPECT_EQ(put["ConditionExpression"], "attribute_not_exists(#k)");
  EXPECT_EQ(put["ExpressionAttributeNames"]["#k"], "session_id");
  EXPECT_EQ(deleteItemRequest("tbl", "k", true)["ReturnValues"], "ALL_OLD");
  EXPECT_FALSE(deleteItemRequest("tbl", "k", false).contains("ReturnValues"));
  json query = querySubRequest("tbl", "sub-1", nullptr);
  EXPECT_EQ(query["IndexName"], "sub-index");
  EXPECT_EQ(query["ExpressionAttributeValues"][":s"]["S"], "sub-1");
  EXPECT_FALSE(query.contains("ExclusiveStartKey"));
  json start = keyAttribute("k9");
  EXPECT_EQ(querySubRequest("tbl", "s", start)["ExclusiveStartKey"], start);
  json batch = batchDeleteRequest("tbl", {"a", "b"});
  EXPECT_EQ(batch["RequestItems"]["tbl"].size(), 2u);
  EXPECT_EQ(batch["RequestItems"]["tbl"][1]["DeleteRequest"]["Key"]["session_id"]["S"], "b");
  json create = createTableRequest("tbl");
  EXPECT_EQ(create["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(create["GlobalSecondaryIndexes"][0]["IndexName"], "sub-index");
  EXPECT_EQ(create["GlobalSecondaryIndexes"][1],
            addSidIndexRequest("tbl")["GlobalSecondaryIndexUpdates"][0]["Create"]);
  EXPECT_EQ(create["GlobalSecondaryIndexes"][1]["IndexName"], "sid-index");
  EXPECT_EQ(updateTimeToLiveRequest("tbl")["TimeToLiveSpecification"]["AttributeName"],
            "valid_until");
}

// A provider session's sessions are found on the sid index, sessions only,
// and only the named sub's when there is one; DescribeTable tells whether a
// table has that index.
TEST(DynamoDbCodec, SidQueryAndIndex) {
  json query = querySidRequest("tbl", "p1", "", nullptr);
  EXPECT_EQ(query["IndexName"], "sid-index");
  EXPECT_EQ(query["ExpressionAttributeValues"][":p"]["S"], "p1");
  EXPECT_EQ(query["FilterExpression"], "#t = :t");
  EXPECT_EQ(query["ExpressionAttributeValues"][":t"]["S"], "session");
  json both = querySidRequest("tbl", "p1", "alice", keyAttribute("k9"));
  EXPECT_EQ(both["FilterExpression"], "#t = :t AND #s = :s");
  EXPECT_EQ(both["ExpressionAttributeNames"]["#s"], "sub");
  EXPECT_EQ(both["ExpressionAttributeValues"][":s"]["S"], "alice");
  EXPECT_EQ(both["ExclusiveStartKey"], keyAttribute("k9"));
  EXPECT_EQ(
      *parseTableHasIndex(
          R"({"Table":{"GlobalSecondaryIndexes":[{"IndexName":"sub-index"},{"IndexName":"sid-index"}]}})",
          "sid-index"),
      true);
  EXPECT_EQ(*parseTableHasIndex(
                R"({"Table":{"GlobalSecondaryIndexes":[{"IndexName":"sub-index"}]}})", "sid-index"),
            false);
  EXPECT_EQ(*parseTableHasIndex(R"({"Table":{}})", "sid-index"), false);
  EXPECT_FALSE(parseTableHasIndex("[]", "sid-index").isOk());
}

// An absent item is an ok nullopt; a present one decodes; garbage is
// kInvalidArgument, never a crash or a session.
TEST(DynamoDbCodec, ParsesGetItemAnswers) {
  auto absent = parseGetItemBody("{}");
  ASSERT_TRUE(absent.isOk());
  EXPECT_FALSE(absent->has_value());
  json answer = {{"Item", encodeItem(sampleSession())}};
  auto present = parseGetItemBody(answer.dump());
  ASSERT_TRUE(present.isOk());
  ASSERT_TRUE(present->has_value());
  expectSame(**present, sampleSession());
  for (const char* bad : {"", "nul", "[]", "{\"Item\": 5}", "{\"Item\": {\"kind\": {}}}",
                          "{\"Item\":{\"session_id\":{\"S\":\"x\"}}"}) {
    EXPECT_EQ(parseGetItemBody(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

// The pure edge round trip: the built request is a signed POST to the
// endpoint; answers map to record / absent / error.
TEST(DynamoDbCodec, EdgeGetItemRoundTrip) {
  auto crypto = makeOpenSslCrypto();
  AwsCredentials creds{"AKID", "SECRET", "TOKEN", 0, "test"};
  auto request = buildGetItemRequest("tbl", "k", "eu-west-1", "", creds, 1700000000, *crypto);
  ASSERT_TRUE(request.isOk()) << request.status().toString();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "https://dynamodb.eu-west-1.amazonaws.com/");
  EXPECT_EQ(request->headers.get("X-Amz-Target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(request->headers.get("Host"), "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(request->headers.get("X-Amz-Security-Token"), "TOKEN");
  EXPECT_TRUE(request->headers.get("Authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-1/dynamodb/"));
  EXPECT_EQ(json::parse(request->body), getItemRequest("tbl", "k"));

  auto local =
      buildGetItemRequest("tbl", "k", "us-east-1", "http://127.0.0.1:8000/", creds, 0, *crypto);
  ASSERT_TRUE(local.isOk());
  EXPECT_EQ(local->url, "http://127.0.0.1:8000/");
  EXPECT_FALSE(buildGetItemRequest("tbl", "k", "", "", creds, 0, *crypto).isOk());
  EXPECT_FALSE(buildGetItemRequest("tbl", "k", "r", "", AwsCredentials{}, 0, *crypto).isOk());

  auto absent = parseGetItemResponse(200, "{}");
  ASSERT_TRUE(absent.isOk());
  EXPECT_FALSE(absent->has_value());
  auto missing_table = parseGetItemResponse(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
               "message":"Requested resource not found"})");
  ASSERT_FALSE(missing_table.isOk());
  EXPECT_EQ(missing_table.status().message(),
            "dynamodb GetItem: ResourceNotFoundException: Requested resource not found (HTTP 400)");
  EXPECT_EQ(parseGetItemResponse(500, "<html>").status().code(), Code::kUnavailable);
  EXPECT_EQ(parseGetItemResponse(200, "<html>").status().code(), Code::kInvalidArgument);
}

// The touch: an UpdateItem of last_seen only, on the condition that the
// item exists and is a session; its condition failing is "nothing to
// touch" (ok), any other error is one. last_seen survives encode -> decode.
TEST(DynamoDbCodec, TouchItem) {
  json touch = touchItemRequest("tbl", "k", 1700000060);
  EXPECT_EQ(touch["Key"], json::parse(R"({"session_id": {"S": "k"}})"));
  EXPECT_EQ(touch["UpdateExpression"], "SET #l = :l");
  EXPECT_EQ(touch["ConditionExpression"], "attribute_exists(#k) AND #t = :s");
  EXPECT_EQ(touch["ExpressionAttributeNames"],
            json::parse(R"({"#l": "last_seen", "#k": "session_id", "#t": "kind"})"));
  EXPECT_EQ(touch["ExpressionAttributeValues"],
            json::parse(R"({":l": {"N": "1700000060"}, ":s": {"S": "session"}})"));

  auto crypto = makeOpenSslCrypto();
  AwsCredentials creds{"AKID", "SECRET", "", 0, "test"};
  auto request =
      buildTouchItemRequest("tbl", "k", 1700000060, "eu-west-1", "", creds, 1700000000, *crypto);
  ASSERT_TRUE(request.isOk()) << request.status().toString();
  EXPECT_EQ(request->headers.get("X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
  EXPECT_EQ(json::parse(request->body), touch);

  EXPECT_TRUE(parseTouchItemResponse(200, "{}").isOk());
  EXPECT_TRUE(parseTouchItemResponse(
                  400, R"({"__type":"x#ConditionalCheckFailedException","message":"no"})")
                  .isOk());
  EXPECT_FALSE(parseTouchItemResponse(500, "<html>").isOk());

  SessionRecord r = sampleSession();
  EXPECT_FALSE(encodeItem(r).contains("last_seen"));
  r.last_seen = 1700000060;
  auto decoded = decodeItem(encodeItem(r));
  ASSERT_TRUE(decoded.isOk());
  EXPECT_EQ(decoded->last_seen, 1700000060);
}

// Query, Scan, BatchWriteItem and DescribeTable answers parse, with
// pagination keys and unprocessed deletes.
TEST(DynamoDbCodec, ParsesListAnswers) {
  auto keys = parseQueryKeysBody(
      R"({"Items":[{"session_id":{"S":"a"}},{"session_id":{"S":"b"}}],"Count":2,
          "LastEvaluatedKey":{"session_id":{"S":"b"},"sub":{"S":"s"}}})");
  ASSERT_TRUE(keys.isOk());
  EXPECT_EQ(keys->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(keys->last_evaluated_key.is_object());
  EXPECT_FALSE(parseQueryKeysBody(R"({"Items":[{"sub":{"S":"x"}}]})").isOk());

  json scan = {{"Items", json::array({encodeItem(sampleSession()), json::parse(R"({"x":1})"),
                                      encodeItem(sampleLogin())})}};
  auto page = parseScanBody(scan.dump());
  ASSERT_TRUE(page.isOk());
  EXPECT_EQ(page->records.size(), 2u);
  EXPECT_TRUE(page->unreadable.empty());  // {"x":1} has no key to name it by
  json damaged = encodeItem(sampleSession());
  damaged["kind"] = {{"S", "admin"}};
  auto named = parseScanBody(json({{"Items", json::array({damaged})}}).dump());
  ASSERT_TRUE(named.isOk());
  EXPECT_TRUE(named->records.empty());
  EXPECT_EQ(named->unreadable, std::vector<std::string>{sampleSession().key});
  EXPECT_TRUE(page->last_evaluated_key.is_null());

  auto unprocessed = parseBatchWriteUnprocessed(
      R"({"UnprocessedItems":{"tbl":[{"DeleteRequest":{"Key":{"session_id":{"S":"z"}}}}]}})",
      "tbl");
  ASSERT_TRUE(unprocessed.isOk());
  EXPECT_EQ(*unprocessed, std::vector<std::string>{"z"});
  auto none = parseBatchWriteUnprocessed(R"({"UnprocessedItems":{}})", "tbl");
  ASSERT_TRUE(none.isOk());
  EXPECT_TRUE(none->empty());

  auto status = parseTableStatus(R"({"Table":{"TableStatus":"ACTIVE"}})");
  ASSERT_TRUE(status.isOk());
  EXPECT_EQ(*status, "ACTIVE");
  EXPECT_FALSE(parseTableStatus("{}").isOk());
}

// Error answers of all three protocols keep the service's code and message,
// and map onto Status codes callers can act on.
TEST(AwsError, ParsesEveryProtocol) {
  AwsError json_error =
      parseAwsError(400, Headers{},
                    R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
          "message":"The conditional request failed"})");
  EXPECT_EQ(json_error.code, "ConditionalCheckFailedException");
  EXPECT_EQ(awsErrorStatus(json_error, "put").code(), Code::kAlreadyExists);

  AwsError query_error = parseAwsError(
      400, Headers{{"x-amzn-RequestId", "rid"}},
      "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
      "<Message>Stack with id x does not exist &amp; never did</Message></Error></ErrorResponse>");
  EXPECT_EQ(query_error.code, "ValidationError");
  EXPECT_EQ(query_error.message, "Stack with id x does not exist & never did");
  EXPECT_EQ(query_error.request_id, "rid");
  EXPECT_EQ(awsErrorStatus(query_error, "cfn").code(), Code::kInvalidArgument);

  AwsError s3_error = parseAwsError(404, Headers{}, "<Error><Code>NoSuchKey</Code></Error>");
  EXPECT_EQ(awsErrorStatus(s3_error, "s3").code(), Code::kNotFound);

  AwsError header_only =
      parseAwsError(400, Headers{{"x-amzn-ErrorType", "ThrottlingException:x"}}, "");
  EXPECT_EQ(header_only.code, "ThrottlingException");
  EXPECT_TRUE(isRetryableAwsError(header_only));
  EXPECT_TRUE(isRetryableAwsError(parseAwsError(503, Headers{}, "")));
  EXPECT_TRUE(isRetryableAwsError(
      parseAwsError(400, Headers{}, R"({"__type":"x#ProvisionedThroughputExceededException"})")));
  EXPECT_FALSE(isRetryableAwsError(json_error));
  EXPECT_EQ(awsErrorStatus(
                parseAwsError(400, Headers{}, R"({"__type":"x#UnrecognizedClientException"})"), "c")
                .code(),
            Code::kUnauthenticated);
  EXPECT_EQ(
      awsErrorStatus(parseAwsError(400, Headers{}, R"({"__type":"x#AccessDeniedException"})"), "c")
          .code(),
      Code::kPermissionDenied);
}

// The Status's reason is the AWS code, whatever Code it maps to.
TEST(AwsError, ReasonIsTheAwsCode) {
  Status taken = awsErrorStatus(
      parseAwsError(400, Headers{}, R"({"__type":"x#ConditionalCheckFailedException"})"), "put");
  EXPECT_TRUE(taken.hasReason("ConditionalCheckFailedException"));
  Status missing = awsErrorStatus(
      parseAwsError(400, Headers{}, R"({"__type":"ParameterNotFound","message":"x"})"), "ssm");
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_TRUE(missing.hasReason("ParameterNotFound"));
  Status in_use = awsErrorStatus(
      parseAwsError(400, Headers{}, R"({"__type":"x#ResourceInUseException"})"), "create");
  EXPECT_TRUE(in_use.hasReason("ResourceInUseException"));
  EXPECT_TRUE(awsErrorStatus(parseAwsError(503, Headers{}, ""), "x").reason().empty());
}

// UpdateTimeToLive's prose refusals become reasons; other failures pass
// through unchanged.
TEST(DynamoDbCodec, InterpretsUpdateTimeToLiveRefusals) {
  auto refusal = [](const char* body) {
    return interpretUpdateTimeToLiveError(
        awsErrorStatus(parseAwsError(400, Headers{}, body), "dynamodb UpdateTimeToLive"));
  };
  // dynalite has no UpdateTimeToLive.
  EXPECT_TRUE(refusal(R"({"__type":"com.amazon.coral.service#UnknownOperationException"})")
                  .hasReason(kTtlUnsupported));
  Status already = refusal(
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException",
          "message":"TimeToLive is already enabled"})");
  EXPECT_TRUE(already.hasReason(kTtlAlreadyEnabled));
  EXPECT_EQ(already.code(), Code::kInvalidArgument);
  Status other = refusal(
      R"({"__type":"x#ValidationException","message":"TimeToLiveSpecification is invalid"})");
  EXPECT_TRUE(other.hasReason("ValidationException"));
  // The words alone, under another code, are not the refusal.
  EXPECT_FALSE(refusal(R"({"__type":"x#AccessDeniedException","message":"already enabled"})")
                   .hasReason(kTtlAlreadyEnabled));
}

}  // namespace
}  // namespace barrier
