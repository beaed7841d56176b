#include "server/origins.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// http:// URLs split into host, port (80 by default), base path and authority.
TEST(OriginsTest, ParsesUpstreamUrls) {
  auto a = parseUpstreamUrl("http://127.0.0.1:3000");
  ASSERT_TRUE(a.isOk());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "3000");
  EXPECT_EQ(a->base_path, "");
  EXPECT_EQ(a->authority, "127.0.0.1:3000");
  auto b = parseUpstreamUrl("HTTP://app.internal/base/");
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(b->port, "80");
  EXPECT_EQ(b->base_path, "/base");
  auto c = parseUpstreamUrl("http://[::1]:8081/");
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, "8081");
  EXPECT_FALSE(c->tls);
  auto d = parseUpstreamUrl("https://app.internal/base");
  ASSERT_TRUE(d.isOk());
  EXPECT_TRUE(d->tls);
  EXPECT_EQ(d->port, "443");
  EXPECT_EQ(d->authority, "app.internal");
}

// Anything but http(s)://host[:port][/path] is refused with the value named.
TEST(OriginsTest, RefusesOtherUrls) {
  for (const char* url :
       {"https://", "ftp://x", "http://", "http://:80", "http://u:p@x", "http://x:0",
        "http://x:70000", "http://x:8a", "http://x/?q", "http://[::1", "127.0.0.1:80"}) {
    auto parsed = parseUpstreamUrl(url);
    ASSERT_FALSE(parsed.isOk()) << url;
    EXPECT_NE(parsed.status().message().find(url), std::string::npos) << url;
  }
}

// Prefixes cover whole segments: /api covers /api and /api/x, not /apix.
TEST(OriginsTest, PrefixCoversSegments) {
  EXPECT_TRUE(prefixCovers("/", "/anything"));
  EXPECT_TRUE(prefixCovers("/api", "/api"));
  EXPECT_TRUE(prefixCovers("/api", "/api/x"));
  EXPECT_FALSE(prefixCovers("/api", "/apix"));
  EXPECT_TRUE(prefixCovers("/api/", "/api/x"));
  EXPECT_FALSE(prefixCovers("/api/", "/api"));
}

// The longest covering prefix wins, whatever the order in the config.
TEST(OriginsTest, LongestPrefixWins) {
  auto origins = makeOrigins({{"/", "", "http://127.0.0.1:1", ""},
                              {"/api/v2", "", "http://127.0.0.1:3", ""},
                              {"/api", "", "http://127.0.0.1:2", ""}});
  ASSERT_TRUE(origins.isOk());
  EXPECT_EQ(selectOrigin(*origins, "/index.html")->upstream->port, "1");
  EXPECT_EQ(selectOrigin(*origins, "/api/users")->upstream->port, "2");
  EXPECT_EQ(selectOrigin(*origins, "/api/v2/users")->upstream->port, "3");
  EXPECT_EQ(selectOrigin(*origins, "/api/v20")->upstream->port, "2");
  auto none = makeOrigins({{"/api", "", "http://127.0.0.1:2", ""}});
  EXPECT_EQ(selectOrigin(*none, "/other"), nullptr);
}

// Config errors name the origin and the field.
TEST(OriginsTest, ConfigErrorsNameTheOrigin) {
  auto missing = makeOrigins({{"/", "", "", ""}});
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("server.origins[0]"), std::string::npos);
  auto bad = makeOrigins({{"/", "", "http://127.0.0.1:1", ""}, {"x", "", "http://a", ""}});
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("server.origins[1].prefix"), std::string::npos);
  auto root = makeOrigins({{"/", "/nonexistent/root", "", ""}});
  ASSERT_FALSE(root.isOk());
  EXPECT_NE(root.status().message().find("server.origins[0].static: folder /nonexistent/root"),
            std::string::npos)
      << root.status().message();
}

}  // namespace
}  // namespace barrier
