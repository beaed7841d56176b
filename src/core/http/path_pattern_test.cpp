#include "core/http/path_pattern.h"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>

namespace barrier {
namespace {

// A rule applies to a path when it matches one of the path's readings.
bool ruleHits(std::string_view pattern, std::string_view raw) {
  NormalizedPath n = normalizePath(raw);
  return matchPattern(pattern, n.path, true) ||
         (n.ambiguous && matchPattern(pattern, n.decoded, true));
}
bool isPublic(std::string_view pattern, std::string_view raw) {
  return matchesPublic({std::string(pattern)}, normalizePath(raw));
}

// Exact, prefix and mid-pattern '*' forms.
TEST(PathPattern, GlobForms) {
  EXPECT_TRUE(matchPattern("/x", "/x"));
  EXPECT_FALSE(matchPattern("/x", "/x/"));
  EXPECT_FALSE(matchPattern("/x", "/xy"));
  EXPECT_TRUE(matchPattern("/x/*", "/x/"));
  EXPECT_TRUE(matchPattern("/x/*", "/x/a/b"));
  EXPECT_TRUE(matchPattern("/x/*", "/x"));  // the directory itself
  EXPECT_FALSE(matchPattern("/x/*", "/xy"));
  EXPECT_TRUE(matchPattern("/*.css", "/a/b/site.css"));
  EXPECT_FALSE(matchPattern("/*.css", "/a/b/site.css.map"));
  EXPECT_TRUE(matchPattern("/a/*/c", "/a/b/b/c"));
  EXPECT_TRUE(matchPattern("*", "/anything"));
  EXPECT_FALSE(matchPattern("/A", "/a"));
  EXPECT_TRUE(matchPattern("/A", "/a", true));
}

// Paths that are already normal come back as they are (the common case,
// taken without decoding), and the boundaries of "already normal" still
// go through the full normalisation.
TEST(PathPattern, AlreadyNormalPathsUnchanged) {
  for (std::string_view plain :
       {"/", "/a", "/a/b", "/a/b/", "/docs/page.html", "/a.b/..c/.d", "/x-y_z~"}) {
    NormalizedPath n = normalizePath(plain);
    EXPECT_EQ(n.path, plain);
    EXPECT_EQ(n.decoded, "") << "only ambiguous paths have a second reading";
    EXPECT_FALSE(n.ambiguous) << plain;
  }
  const std::pair<std::string_view, std::string_view> just_outside[] = {
      {"/a//b", "/a/b"}, {"/a/.", "/a/"}, {"/a/..", "/"}, {"/a/./b", "/a/b"}, {"a/b", "/a/b"}};
  for (const auto& [raw, normal] : just_outside) EXPECT_EQ(normalizePath(raw).path, normal) << raw;
  EXPECT_TRUE(normalizePath("/a;b").ambiguous);
}

// Normalisation decodes unreserved escapes once, collapses slashes and
// resolves dot segments without climbing above the root.
TEST(PathPattern, Normalises) {
  EXPECT_EQ(normalizePath("/%61dmin/%7Ex").path, "/admin/~x");
  EXPECT_EQ(normalizePath("//admin///x").path, "/admin/x");
  EXPECT_EQ(normalizePath("/a/./b/../c").path, "/a/c");
  EXPECT_EQ(normalizePath("/../../admin").path, "/admin");
  EXPECT_EQ(normalizePath("/a/b/..").path, "/a/");
  EXPECT_EQ(normalizePath("/").path, "/");
  EXPECT_EQ(normalizePath("").path, "/");
  EXPECT_EQ(normalizePath("/%2e%2E/admin").path, "/admin");
  EXPECT_EQ(normalizePath("/caf%c3%a9").path, "/caf%C3%A9");
  EXPECT_FALSE(normalizePath("/caf%c3%a9").ambiguous);
  // Double encoding is decoded once only: %2561 stays "%2561" ("%25" is '%').
  EXPECT_EQ(normalizePath("/%2561dmin").path, "/%2561dmin");
}

// A rule on /admin/* cannot be side-stepped by spellings an origin treats alike.
TEST(PathPattern, RuleBypassesAreCaught) {
  for (const char* raw : {"/admin/x",
                          "/admin",
                          "/%61dmin/x",
                          "/%61%64%6d%69%6e/",
                          "//admin/x",
                          "/public/../admin/x",
                          "/public/%2e%2e/admin/x",
                          "/./admin/x",
                          "/ADMIN/x",
                          "/Admin/x",
                          "/admin;jsessionid=1/x",
                          "/public/..;/admin/x",
                          "/public%2F..%2Fadmin/x",
                          "/public/..%2Fadmin/x",
                          "/admin%2Fx",
                          "/public\\..\\admin\\x",
                          "/public/%5c../admin/x",
                          "/x/../../admin/",
                          "/admin/x#/../../public/y",
                          "/admin#/../public/"}) {
    EXPECT_TRUE(ruleHits("/admin/*", raw)) << raw;
  }
  EXPECT_FALSE(ruleHits("/admin/*", "/administrator"));
  EXPECT_FALSE(ruleHits("/admin/*", "/public/admin"));
}

// A public pattern is never widened: traversal out of it, or any ambiguous
// spelling, is not public.
TEST(PathPattern, PublicIsStrict) {
  EXPECT_TRUE(isPublic("/public/*", "/public/logo.png"));
  EXPECT_TRUE(isPublic("/public/*", "/%70ublic/logo.png"));
  EXPECT_TRUE(isPublic("/public/*", "//public//logo.png"));
  for (const char* raw :
       {"/public/../admin", "/public/%2e%2e/admin", "/public/..%2Fadmin", "/public%2F..%2Fadmin",
        "/public/..;/admin", "/public/x;y", "/public\\..\\admin", "/public/%00", "/public/%0a",
        "/public/%zz", "/PUBLIC/logo.png", "public/logo.png", "/public/x#y",
        "/admin/report.pdf#/../../public/logo.png"}) {
    EXPECT_FALSE(isPublic("/public/*", raw)) << raw;
  }
}

// A literal '#' ends the path for the URL parsers of many origins (and
// nginx passes it on in $request_uri), while dot segments after it still
// climb: two readings, so never public, and the rules of both apply.
TEST(PathPattern, LiteralHashIsAmbiguous) {
  NormalizedPath n = normalizePath("/admin/report.pdf#/../../favicon.ico");
  EXPECT_TRUE(n.ambiguous);
  EXPECT_EQ(n.path, "/favicon.ico");
  EXPECT_EQ(n.decoded, "/admin/report.pdf");
  EXPECT_FALSE(isPublic("/favicon.ico", "/admin/report.pdf#/../../favicon.ico"));
  EXPECT_TRUE(normalizePath("/a#b").ambiguous);
  // An encoded '#' is an ordinary path character: one reading.
  n = normalizePath("/docs/c%23/intro");
  EXPECT_FALSE(n.ambiguous);
  EXPECT_EQ(n.path, "/docs/c%23/intro");
  EXPECT_TRUE(isPublic("/docs/*", "/docs/c%23/intro"));
}

}  // namespace
}  // namespace barrier
