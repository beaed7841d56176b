#include "core/http/query.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// Pairs are split on '&', decoded once, and '+' means space.
TEST(Query, ParsesAndDecodesOnce) {
  QueryParams p = parseQuery("code=abc&state=x%2By&path=%2Fa%3Fb%3D1%2526c&q=a+b");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(*queryParam(p, "code"), "abc");
  EXPECT_EQ(*queryParam(p, "state"), "x+y");
  EXPECT_EQ(*queryParam(p, "path"), "/a?b=1%26c");
  EXPECT_EQ(*queryParam(p, "q"), "a b");
}

// Empty segments are skipped, a name without '=' has an empty value, and a
// leading '?' is tolerated.
TEST(Query, ToleratesOddShapes) {
  QueryParams p = parseQuery("?&&flag&=v&a=1=2&");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>("flag", "")));
  EXPECT_EQ(p[1], (std::pair<std::string, std::string>("", "v")));
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>("a", "1=2")));
  EXPECT_TRUE(parseQuery("").empty());
}

// A pair with a malformed escape is dropped; its neighbours survive.
TEST(Query, DropsMalformedPairs) {
  QueryParams p = parseQuery("a=%zz&b=2&c%=3&d=%4");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "b");
}

// Repeated names are all kept so callers can refuse a repeated `state`.
TEST(Query, CountsRepeats) {
  QueryParams p = parseQuery("state=1&state=2&code=x");
  EXPECT_EQ(queryCount(p, "state"), 2u);
  EXPECT_EQ(queryCount(p, "code"), 1u);
  EXPECT_EQ(queryCount(p, "nope"), 0u);
  EXPECT_EQ(*queryParam(p, "state"), "1");
  EXPECT_FALSE(queryParam(p, "nope").has_value());
}

// At most kMaxQueryParams pairs are returned, however long the input.
TEST(Query, IsBounded) {
  std::string q;
  for (int i = 0; i < 1000; ++i) q += "a=" + std::to_string(i) + "&";
  EXPECT_EQ(parseQuery(q).size(), kMaxQueryParams);
}

// encodeQuery percent-encodes names and values; parseQuery inverts it.
TEST(Query, EncodeRoundTrips) {
  QueryParams in{{"redirect_uri", "https://x.example/_identity/auth"},
                 {"scope", "openid email"},
                 {"k&=", "v+%"}};
  std::string encoded = encodeQuery(in);
  EXPECT_EQ(encoded,
            "redirect_uri=https%3A%2F%2Fx.example%2F_identity%2Fauth&scope=openid%20email&"
            "k%26%3D=v%2B%25");
  EXPECT_EQ(parseQuery(encoded), in);
  EXPECT_EQ(encodeQuery({}), "");
}

}  // namespace
}  // namespace barrier
