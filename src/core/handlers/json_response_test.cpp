#include "core/handlers/json_response.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// An error text holding a quote, a backslash and a control character stays
// one escaped string: it can neither end the document nor add a member.
TEST(JsonResponseTest, ErrorMessageIsEscaped) {
  Response response = jsonError(400, "bad \"x\",\"admin\":true\\\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"error":"bad \"x\",\"admin\":true\\\n"})");
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(parsed.is_object());
  EXPECT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed["error"], "bad \"x\",\"admin\":true\\\n");
}

// Every JSON answer carries the same headers: type, no caching, no sniffing.
TEST(JsonResponseTest, Headers) {
  Response response = jsonResponse(401, {{"error", "unauthenticated"}, {"login", "/x"}});
  EXPECT_EQ(response.body, R"({"error":"unauthenticated","login":"/x"})");
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(response.headers.get("X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace barrier
