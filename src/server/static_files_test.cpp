#include "server/static_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

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

// A fresh folder, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "barrier-static-XXXXXX");
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The body a GET of `path` gets ("" for anything but a 200 from memory).
std::string bodyOf(StaticOrigin& origin, const std::string& path) {
  Request request;
  request.method = "GET";
  request.path = path;
  StaticReply reply = origin.serve(request);
  return reply.status == 200 && reply.body ? *reply.body : std::to_string(reply.status);
}

// A cached file is served without a stat() until revalidate_after has
// passed since the last one; then an edit or a removal shows.
TEST(StaticFilesTest, RevalidatesOncePerInterval) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::filesystem::path file = std::filesystem::path(dir.path()) / "page.txt";
  std::ofstream(file) << "one";
  auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  StaticOptions options;
  options.now = [&now] { return now; };
  auto origin = openStaticOrigin(dir.path(), options);
  ASSERT_TRUE(origin.isOk());
  EXPECT_EQ(bodyOf(**origin, "/page.txt"), "one");
  std::ofstream(file) << "two!";
  now += std::chrono::milliseconds(999);
  EXPECT_EQ(bodyOf(**origin, "/page.txt"), "one");  // not checked again yet
  now += std::chrono::milliseconds(1);
  EXPECT_EQ(bodyOf(**origin, "/page.txt"), "two!");
  std::filesystem::remove(file);
  EXPECT_EQ(bodyOf(**origin, "/page.txt"), "two!");
  now += std::chrono::seconds(1);
  EXPECT_EQ(bodyOf(**origin, "/page.txt"), "404");
}

// A folder's cached index.html still answers its URL without the '/' with
// the redirect, not the page.
TEST(StaticFilesTest, CachedFolderIndexKeepsTheRedirect) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::filesystem::create_directories(std::filesystem::path(dir.path()) / "docs");
  std::ofstream(std::filesystem::path(dir.path()) / "docs" / "index.html") << "docs";
  auto origin = openStaticOrigin(dir.path());
  ASSERT_TRUE(origin.isOk());
  EXPECT_EQ(bodyOf(**origin, "/docs/"), "docs");
  EXPECT_EQ(bodyOf(**origin, "/docs"), "301");
}

}  // namespace
}  // namespace barrier
