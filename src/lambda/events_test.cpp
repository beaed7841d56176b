#include "lambda/events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace barrier {
namespace {

using Json = nlohmann::json;

// A REST API (payload 1.0) event as API Gateway sends it behind CloudFront
// with the origin path /prod.
constexpr const char* kRestEvent = R"({
  "resource": "/{proxy+}",
  "path": "/_identity/login",
  "httpMethod": "GET",
  "headers": {"Cookie": "b=2", "Host": "abc.execute-api.eu-west-1.amazonaws.com"},
  "multiValueHeaders": {
    "Cookie": ["a=1", "b=2"],
    "Host": ["abc.execute-api.eu-west-1.amazonaws.com"],
    "Accept": ["text/html"]
  },
  "queryStringParameters": {"path": "/docs/a b?x=1&y=2"},
  "multiValueQueryStringParameters": {"path": ["/docs/a b?x=1&y=2"], "tag": ["1", "2"]},
  "pathParameters": {"proxy": "login"},
  "requestContext": {"stage": "prod", "path": "/prod/_identity/login",
                     "identity": {"sourceIp": "203.0.113.7"}},
  "body": null,
  "isBase64Encoded": false
})";

// An HTTP API (payload 2.0) event on a named stage: rawPath keeps the stage.
constexpr const char* kHttpApiEvent = R"({
  "version": "2.0",
  "routeKey": "ANY /{proxy+}",
  "rawPath": "/prod/_identity/auth",
  "rawQueryString": "code=abc%2Fdef&state=xyz",
  "cookies": ["a=1", "barrier-login-f1=s3cr3t"],
  "headers": {"accept": "text/html", "x-multi": "1,2", "cookie": "ignored=1"},
  "requestContext": {"stage": "prod",
                     "http": {"method": "GET", "path": "/prod/_identity/auth",
                              "sourceIp": "198.51.100.9"}},
  "isBase64Encoded": false
})";

// A REST event maps method, stage-less path, every repeated header and the
// source address.
TEST(EventsTest, RestEventMapsRequest) {
  auto event = parseHttpEvent(kRestEvent);
  ASSERT_TRUE(event.isOk()) << event.status().toString();
  EXPECT_EQ(event->format, EventFormat::kApiGatewayV1);
  EXPECT_EQ(event->stage, "prod");
  const Request& r = event->request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/_identity/login");
  EXPECT_EQ(r.headers.getAll("cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(r.headers.get("accept"), "text/html");
  EXPECT_EQ(r.remote_addr, "203.0.113.7");
  EXPECT_EQ(r.body, "");
}

// 1.0 query maps hold decoded values: they are encoded again, every value of
// a repeated parameter kept, so `path` survives with its own '?' and '&'.
TEST(EventsTest, RestQueryIsReencodedFaithfully) {
  auto event = parseHttpEvent(kRestEvent);
  ASSERT_TRUE(event.isOk());
  EXPECT_EQ(event->request.query, "path=%2Fdocs%2Fa%20b%3Fx%3D1%26y%3D2&tag=1&tag=2");
}

// Without multiValue maps (hand-written tests, some proxies) the single
// value maps are used.
TEST(EventsTest, RestSingleValueMapsAreAFallback) {
  auto event = parseHttpEvent(R"({"httpMethod":"POST","path":"/_identity/logout",
    "headers":{"Cookie":"barrier=x.y"},"queryStringParameters":{"a":"1 2"},
    "body":"aGVsbG8=","isBase64Encoded":true})");
  ASSERT_TRUE(event.isOk()) << event.status().toString();
  EXPECT_EQ(event->request.method, "POST");
  EXPECT_EQ(event->request.headers.get("cookie"), "barrier=x.y");
  EXPECT_EQ(event->request.query, "a=1%202");
  EXPECT_EQ(event->request.body, "hello");
}

// A custom domain can put the stage back into `path`; it is removed.
TEST(EventsTest, RestStagePrefixInPathIsStripped) {
  auto event = parseHttpEvent(
      R"({"httpMethod":"GET","path":"/prod/_identity/me","requestContext":{"stage":"prod"}})");
  ASSERT_TRUE(event.isOk());
  EXPECT_EQ(event->request.path, "/_identity/me");
}

// A decoded 1.0 path is encoded again; valid escapes stay as they are.
TEST(EventsTest, RestPathIsPercentEncoded) {
  auto event = parseHttpEvent(R"({"httpMethod":"GET","path":"/a b/%41/100%"})");
  ASSERT_TRUE(event.isOk());
  EXPECT_EQ(event->request.path, "/a%20b/%41/100%25");
}

// An HTTP API event: stage stripped from rawPath, raw query kept as sent,
// the cookies array joined into one Cookie header (the copy in headers
// dropped), comma-joined headers kept whole.
TEST(EventsTest, HttpApiEventMapsRequest) {
  auto event = parseHttpEvent(kHttpApiEvent);
  ASSERT_TRUE(event.isOk()) << event.status().toString();
  EXPECT_EQ(event->format, EventFormat::kHttpV2);
  const Request& r = event->request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/_identity/auth");
  EXPECT_EQ(r.query, "code=abc%2Fdef&state=xyz");
  EXPECT_EQ(r.headers.getAll("cookie"), (std::vector<std::string>{"a=1; barrier-login-f1=s3cr3t"}));
  EXPECT_EQ(r.headers.get("x-multi"), "1,2");
  EXPECT_EQ(r.remote_addr, "198.51.100.9");
}

// A function URL event is the 2.0 shape with the $default stage, which is
// never a path prefix.
TEST(EventsTest, FunctionUrlEventMapsRequest) {
  auto event = parseHttpEvent(R"({"version":"2.0","rawPath":"/_identity/logout",
    "rawQueryString":"","headers":{"host":"x.lambda-url.us-east-1.on.aws"},
    "requestContext":{"stage":"$default","http":{"method":"POST"}},
    "body":"a=1","isBase64Encoded":false})");
  ASSERT_TRUE(event.isOk()) << event.status().toString();
  EXPECT_EQ(event->request.path, "/_identity/logout");
  EXPECT_EQ(event->request.method, "POST");
  EXPECT_EQ(event->request.body, "a=1");
  EXPECT_FALSE(event->request.headers.has("cookie"));
}

// The stage is removed only as a whole path segment.
TEST(EventsTest, StripStagePrefixMatchesWholeSegment) {
  EXPECT_EQ(stripStagePrefix("/prod/x", "prod"), "/x");
  EXPECT_EQ(stripStagePrefix("/prod", "prod"), "/");
  EXPECT_EQ(stripStagePrefix("/production/x", "prod"), "/production/x");
  EXPECT_EQ(stripStagePrefix("/x", "prod"), "/x");
  EXPECT_EQ(stripStagePrefix("/$default/x", "$default"), "/$default/x");
  EXPECT_EQ(stripStagePrefix("/x", ""), "/x");
}

// Malformed events are a clear kInvalidArgument naming the field.
TEST(EventsTest, MalformedEventsAreInvalid) {
  struct Case {
    const char* json;
    const char* message_part;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"[1,2]", "JSON object"},
      {"{}", "not an API Gateway"},
      {R"({"version":"3.0"})", "not an API Gateway"},
      {R"({"httpMethod":"GET"})", "event.path is missing"},
      {R"({"httpMethod":7,"path":"/"})", "event.httpMethod must be a string"},
      {R"({"httpMethod":"GET","path":"/","headers":[1]})", "event.headers must be an object"},
      {R"({"httpMethod":"GET","path":"/","multiValueHeaders":{"a":"b"}})", "must be an array"},
      {R"({"httpMethod":"GET","path":"/","body":"%%%","isBase64Encoded":true})", "base64"},
      {R"({"httpMethod":"G T","path":"/"})", "not an HTTP method"},
      {R"({"httpMethod":"GET","path":"relative"})", "must start with '/'"},
      {R"({"version":"2.0","rawPath":"/"})", "requestContext must be an object"},
      {R"({"version":"2.0","rawPath":"/","requestContext":{"http":{}}})", "method is missing"},
      {R"({"version":"2.0","rawPath":"/","cookies":"a=1","requestContext":{"http":{"method":"GET"}}})",
       "cookies must be an array"},
  };
  for (const auto& c : cases) {
    auto event = parseHttpEvent(c.json);
    ASSERT_FALSE(event.isOk()) << c.json;
    EXPECT_EQ(event.status().code(), Code::kInvalidArgument) << c.json;
    EXPECT_NE(event.status().message().find(c.message_part), std::string::npos)
        << c.json << " -> " << event.status().message();
  }
}

Response redirectWithTwoCookies() {
  Response response;
  response.status = 302;
  response.headers.add("Location", "https://idp.example/authorize?a=1");
  response.headers.add("Set-Cookie", "barrier=; Max-Age=0; Path=/");
  response.headers.add("Set-Cookie", "barrier-login-f1=v; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
  response.headers.add("Cache-Control", "no-store");
  response.body = "<p>redirecting</p>";
  return response;
}

// 1.0 responses keep every Set-Cookie in multiValueHeaders.
TEST(EventsTest, RestResponseKeepsEverySetCookie) {
  Json out = Json::parse(renderHttpResponse(redirectWithTwoCookies(), EventFormat::kApiGatewayV1));
  EXPECT_EQ(out["statusCode"], 302);
  EXPECT_EQ(out["multiValueHeaders"]["Set-Cookie"].size(), 2u);
  EXPECT_EQ(out["multiValueHeaders"]["Location"][0], "https://idp.example/authorize?a=1");
  EXPECT_EQ(out["headers"]["Cache-Control"], "no-store");
  EXPECT_FALSE(out["headers"].contains("Set-Cookie"));
  EXPECT_EQ(out["body"], "<p>redirecting</p>");
  EXPECT_EQ(out["isBase64Encoded"], false);
}

// 2.0 responses put each Set-Cookie in the cookies array, never comma-joined.
TEST(EventsTest, HttpApiResponseUsesCookiesArray) {
  Json out = Json::parse(renderHttpResponse(redirectWithTwoCookies(), EventFormat::kHttpV2));
  EXPECT_EQ(out["statusCode"], 302);
  ASSERT_EQ(out["cookies"].size(), 2u);
  EXPECT_EQ(out["cookies"][1], "barrier-login-f1=v; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
  EXPECT_FALSE(out["headers"].contains("Set-Cookie"));
  EXPECT_EQ(out["headers"]["Location"], "https://idp.example/authorize?a=1");
  EXPECT_EQ(out["isBase64Encoded"], false);
}

// A body that is not UTF-8 cannot go into a JSON string: it is base64.
TEST(EventsTest, BinaryBodyIsBase64Encoded) {
  Response response;
  response.body = std::string("\xff\x00\x01", 3);
  Json out = Json::parse(renderHttpResponse(response, EventFormat::kHttpV2));
  EXPECT_EQ(out["body"], "/wAB");
  EXPECT_EQ(out["isBase64Encoded"], true);
}

}  // namespace
}  // namespace barrier
