#include "server/static_files.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// A URL path is decoded once into a relative path; "." and empty segments vanish.
TEST(StaticFilesTest, MapsUrlPaths) {
  EXPECT_EQ(*mapUrlPath("/"), "");
  EXPECT_EQ(*mapUrlPath("/a/b.html"), "a/b.html");
  EXPECT_EQ(*mapUrlPath("//a/./b%20c.html"), "a/b c.html");
  // Decoded exactly once: %252e stays the literal name "%2e".
  EXPECT_EQ(*mapUrlPath("/%252e%252e/x"), "%2e%2e/x");
}

// Dot-dot in any spelling, backslashes and control bytes are refused;
// malformed escapes are a bad request.
TEST(StaticFilesTest, RefusesTraversal) {
  for (const char* path :
       {"/..", "/../x", "/a/../../x", "/%2e%2e/x", "/%2E%2e/x", "/..%2fx", "/a/%2e%2e%2f%2e%2e%2fx",
        "/..%5cx", "/a\\..\\x", "/%00x", "/a%0d%0ax", "relative", ""}) {
    auto mapped = mapUrlPath(path);
    EXPECT_FALSE(mapped.isOk()) << path;
  }
  EXPECT_EQ(mapUrlPath("/%zz").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(mapUrlPath("/%2").status().code(), Code::kInvalidArgument);
}

// If-None-Match: exact, weak, listed or "*" match; anything else does not.
TEST(StaticFilesTest, EtagMatching) {
  EXPECT_TRUE(etagMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etagMatches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etagMatches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(etagMatches("*", "\"abc\""));
  EXPECT_FALSE(etagMatches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(etagMatches("", "\"abc\""));
  EXPECT_FALSE(etagMatches(",,", "\"abc\""));
}

// Content types by extension, case-insensitive, octet-stream when unknown.
TEST(StaticFilesTest, ContentTypes) {
  EXPECT_STREQ(contentTypeFor("a/index.HTML"), "text/html; charset=utf-8");
  EXPECT_STREQ(contentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(contentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_STREQ(contentTypeFor("x.tar.gz"), "application/gzip");
  EXPECT_STREQ(contentTypeFor("README"), "application/octet-stream");
  EXPECT_STREQ(contentTypeFor("dir.d/file"), "application/octet-stream");
}

// A root that does not exist is refused at start-up with its name.
TEST(StaticFilesTest, OpenRequiresADirectory) {
  auto origin = openStaticOrigin("/nonexistent/barrier-root");
  ASSERT_FALSE(origin.isOk());
  EXPECT_NE(origin.status().message().find("/nonexistent/barrier-root"), std::string::npos);
}

}  // namespace
}  // namespace barrier
