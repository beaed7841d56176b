#include "core/http/return_path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/http/query.h"

namespace barrier {
namespace {

using namespace std::string_literals;

// Values as they arrive at safeReturnPath, i.e. after the query string has
// been decoded once. Each would, in some browser or some later component,
// lead off-site, inject a header, or mislead a reader.
const std::vector<std::string>& openRedirectPayloads() {
  static const std::vector<std::string> payloads = {
      // Empty and not a path.
      "",
      "evil.com",
      "evil.com/x",
      ".",
      "./x",
      "../x",
      "?x=1",
      "#frag",
      // Schemes.
      "https://evil.com",
      "http://evil.com",
      "https:evil.com",
      "https:/evil.com",
      "HTTPS://evil.com",
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "ftp://evil.com",
      // Scheme-relative and backslash tricks.
      "//evil.com",
      "///evil.com",
      "////evil.com",
      "//evil.com/a?b",
      "/\\evil.com",
      "\\\\evil.com",
      "\\/evil.com",
      "/\\/evil.com",
      "/a\\b",
      "/a/b\\..\\c",
      "/a?x=\\",
      // Leading whitespace and controls.
      " /x",
      "  //evil.com",
      "\t/x",
      "\n/x",
      "/\t/evil.com",
      "/\r/evil.com",
      "/\n/evil.com",
      "/x\r\nSet-Cookie: a=b",
      "/x\r\n\r\n<html>",
      "/x\0y"s,
      "/\0/evil.com"s,
      "/x\x7f",
      "/x\x0b",
      "/x\x1b[31m",
      // Encoded leftovers that a second decoder would turn into the above.
      "/%2F%2Fevil.com",
      "/%2f%2fevil.com",
      "/%2F/evil.com",
      "/%5Cevil.com",
      "/%5cevil.com",
      "/%252F%252Fevil.com",
      "/%25252F%25252Fevil.com",
      "/%09/evil.com",
      "/%0d%0aSet-Cookie:x",
      "/x%0D%0ALocation:%20//evil",
      "/%00",
      "/%40evil.com",
      "/a?b=%5C",
      "/%2F%2Fevil.com%",
      "/%2F%2Fevil.com?p=100%",
      // Userinfo tricks.
      "/@evil.com",
      "/user@evil.com",
      "/user:pass@evil.com/",
      "//user@evil.com",
      "/@evil.com/a?b=c",
      // Unicode look-alikes, invisibles and bidi controls.
      "/\xEF\xBC\x8F"
      "evil.com",  // U+FF0F fullwidth solidus
      "/\xEF\xBC\x8F\xEF\xBC\x8F"
      "evil.com",  // two of them
      "/\xE2\x88\x95"
      "evil.com",  // U+2215 division slash
      "/\xE2\x81\x84"
      "evil.com",  // U+2044 fraction slash
      "/\xEF\xBC\xBC"
      "evil.com",  // U+FF3C fullwidth reverse solidus
      "/\xE2\x88\x96"
      "evil.com",  // U+2216 set minus
      "/evil\xE3\x80\x82"
      "com",  // U+3002 ideographic full stop
      "/evil\xEF\xBC\x8E"
      "com",  // U+FF0E fullwidth full stop
      "/evil\xEF\xBD\xA1"
      "com",  // U+FF61 halfwidth ideographic full stop
      "/a\xEF\xBC\xA0"
      "evil.com",                      // U+FF20 fullwidth commercial at
      "/https\xEF\xBC\x9A//evil.com",  // U+FF1A fullwidth colon
      "/\xE2\x80\xAE"
      "moc.live",                     // U+202E right-to-left override
      "/\xE2\x80\x8B/evil.com",       // U+200B zero-width space
      "/\xC2\x85/evil.com",           // U+0085 next line (C1)
      "/\xE2\x80\xA8/evil.com",       // U+2028 line separator
      "/%EF%BC%8F%EF%BC%8Fevil.com",  // encoded fullwidth solidus
      "/%E2%88%95evil.com",           // encoded division slash
      // Dot segments a browser removes, leaving "//evil.com" (%2e is a dot to it).
      "/.//evil.com",
      "/..//evil.com",
      "/a/..//evil.com",
      "/%2e//evil.com",
      "/%2E%2E//evil.com",
      "/docs/../img/./x.png",
      // Malformed UTF-8 (overlong '/', lone continuation, surrogate, truncated).
      "/\xC0\xAF"
      "evil.com",
      "/\xE0\x80\xAF"
      "evil.com",
      "/\x80",
      "/\xED\xA0\x80",
      "/\xE2\x88",
      "/%C0%AF%C0%AFevil.com",
  };
  return payloads;
}

// Every open-redirect payload becomes "/" (docs/ARCHITECTURE.md, "Login", step 1).
TEST(ReturnPath, OpenRedirectPayloadsBecomeRoot) {
  const auto& payloads = openRedirectPayloads();
  ASSERT_GE(payloads.size(), 50u);
  for (const auto& p : payloads) {
    EXPECT_EQ(safeReturnPath(p), "/") << "payload: " << testing::PrintToString(p);
    EXPECT_FALSE(isSafeReturnPath(p)) << "payload: " << testing::PrintToString(p);
  }
}

// The same payloads arriving through the real query decoder (decoded once,
// from their percent-encoded form) are refused too.
TEST(ReturnPath, PayloadsThroughQueryDecoder) {
  for (const auto& p : openRedirectPayloads()) {
    std::string encoded = encodeQuery({{"path", p}});
    auto decoded = queryParam(parseQuery(encoded), "path");
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(safeReturnPath(*decoded), "/") << encoded;
  }
  // Double encoding in the raw query: decoded once it is "/%2F%2Fevil.com".
  auto decoded = queryParam(parseQuery("path=%2F%252F%252Fevil.com"), "path");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, "/%2F%2Fevil.com");
  EXPECT_EQ(safeReturnPath(*decoded), "/");
}

// Ordinary same-site paths are returned unchanged.
TEST(ReturnPath, KeepsSafePaths) {
  const std::vector<std::string> safe = {
      "/",
      "/index.html",
      "/a/b/c/",
      "/search?q=a%26b&lang=en",
      "/search?q=a&b=c#section-2",
      "/a b/c d?x=y z",
      "/caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC?q=\xF0\x9F\x98\x80",
      "/a?next=/../x",  // a query is not a path
      "/a:b/c",
      "/users/bob@example.com",
      "/a?next=//evil.com",
      "/a?u=https://example.com/x",
      "/report?pct=100%",
      "/report?pct=100%25",
      "/x?y=%2Fz",
      "/caf%C3%A9",
      "/~user/_file-1.txt",
      "/a;b=c,d!$'()*+",
  };
  for (const auto& p : safe) {
    EXPECT_EQ(safeReturnPath(p), p) << "path: " << testing::PrintToString(p);
  }
}

// Overlong paths are refused; the bound itself is allowed.
TEST(ReturnPath, IsBounded) {
  std::string at_limit = "/" + std::string(kMaxReturnPathBytes - 1, 'a');
  EXPECT_EQ(safeReturnPath(at_limit), at_limit);
  EXPECT_EQ(safeReturnPath(at_limit + "a"), "/");
}

// Location encoding escapes only what a URL may not hold and keeps
// existing escapes and reserved characters, so the browser requests
// exactly the original path and query.
TEST(ReturnPath, EncodesForLocation) {
  EXPECT_EQ(encodeForLocation("/"), "/");
  EXPECT_EQ(encodeForLocation("/a b?q=x y"), "/a%20b?q=x%20y");
  EXPECT_EQ(encodeForLocation("/search?q=a%26b&lang=en#top"), "/search?q=a%26b&lang=en#top");
  EXPECT_EQ(encodeForLocation("/caf\xC3\xA9?q=\xE6\x97\xA5"), "/caf%C3%A9?q=%E6%97%A5");
  EXPECT_EQ(encodeForLocation("/a\"b<c>d`e{f}g|h^i[j]"),
            "/a%22b%3Cc%3Ed%60e%7Bf%7Dg%7Ch%5Ei%5Bj%5D");
  EXPECT_EQ(encodeForLocation("/100%?x=%zz&y=%4"), "/100%25?x=%25zz&y=%254");
  EXPECT_EQ(encodeForLocation("/a;b=c,d!$'()*+:@~-._"), "/a;b=c,d!$'()*+:@~-._");
  EXPECT_EQ(encodeForLocation("/%2F%2f"), "/%2F%2f");
}

// Whatever a safe path holds, its Location form is printable ASCII without
// spaces or quotes, and every safe path survives encoding unchanged in meaning.
TEST(ReturnPath, LocationFormIsPlainAscii) {
  std::string all = "/";
  for (int i = 0x20; i < 0x7F; ++i) {
    if (i != '\\') all += static_cast<char>(i);
  }
  all += "\xC3\xA9";
  ASSERT_TRUE(isSafeReturnPath(all));
  std::string loc = encodeForLocation(all);
  for (char c : loc) {
    EXPECT_GT(static_cast<unsigned char>(c), 0x20);
    EXPECT_LT(static_cast<unsigned char>(c), 0x7F);
    EXPECT_NE(c, '"');
    EXPECT_NE(c, '<');
  }
}

// The hosts of a site with allowed_hosts: site_url's host first.
const std::vector<std::string> kListedHosts = {"app.example.com", "docs.example.com"};
const ReturnHosts kAllowed{"https", kListedHosts};

// With allowed_hosts, every open-redirect payload still becomes "/", as a
// value of its own and as the path of an absolute URL to a listed host.
TEST(ReturnUrl, OpenRedirectPayloadsStillBecomeRoot) {
  for (const auto& p : openRedirectPayloads()) {
    EXPECT_EQ(safeReturnTarget(p, kAllowed), "/") << "payload: " << testing::PrintToString(p);
    if (!p.starts_with("/")) continue;
    for (const auto& host : kListedHosts) {
      EXPECT_EQ(safeReturnTarget("https://" + host + p, kAllowed), "/")
          << "payload: " << testing::PrintToString(p) << " on " << host;
    }
  }
}

// An absolute URL to each listed host is kept, with the listed spelling of
// the host (scheme and host compare ignoring case); a relative path stays.
TEST(ReturnUrl, KeepsListedHosts) {
  EXPECT_EQ(safeReturnTarget("https://app.example.com/a?b=c", kAllowed),
            "https://app.example.com/a?b=c");
  EXPECT_EQ(safeReturnTarget("https://docs.example.com/guide/x#y", kAllowed),
            "https://docs.example.com/guide/x#y");
  EXPECT_EQ(safeReturnTarget("https://docs.example.com", kAllowed), "https://docs.example.com/");
  EXPECT_EQ(safeReturnTarget("HTTPS://Docs.Example.COM/x", kAllowed), "https://docs.example.com/x");
  EXPECT_EQ(safeReturnTarget("/relative?q=1", kAllowed), "/relative?q=1");
  auto url = parseReturnUrl("https://docs.example.com/p", kAllowed);
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "docs.example.com");
  EXPECT_EQ(url->path, "/p");
}

// Near misses of a listed host name none of them: "/" (a test each).
TEST(ReturnUrl, RefusesNearMisses) {
  const std::vector<std::string> near_misses = {
      // Longer or shorter names.
      "https://app.example.com.evil/x",
      "https://app.example.com.evil.com/x",
      "https://evilapp.example.com/x",
      "https://xapp.example.com/x",
      "https://example.com/x",
      "https://app.example.co/x",
      "https://app.example.com./x",
      "https://docs.example.com.evil",
      // Another scheme.
      "http://app.example.com/x",
      "ftp://app.example.com/x",
      "javascript://app.example.com/%0Aalert(1)",
      "wss://app.example.com/x",
      "https:app.example.com/x",
      "https:/app.example.com/x",
      "//app.example.com/x",
      " https://app.example.com/x",
      "https ://app.example.com/x",
      // Userinfo.
      "https://user@app.example.com/x",
      "https://app.example.com@evil.com/x",
      "https://app.example.com:pass@evil.com/x",
      "https://evil.com\\@app.example.com/x",
      "https://app.example.com\\@evil.com/x",
      "https://app.example.com%40evil.com/x",
      "https://app.example.com#@evil.com",
      "https://app.example.com?@evil.com",
      // Ports.
      "https://app.example.com:443/x",
      "https://app.example.com:8443/x",
      "https://app.example.com:/x",
      "https://app.example.com:0/x",
      // Escapes, whitespace and look-alikes in the authority.
      "https://app%2Eexample.com/x",
      "https://app.example.com%2F@evil.com",
      "https://app.example.com\t/x",
      "https://app.example.com /x",
      "https://app.example\xE3\x80\x82"
      "com/x",
      // A listed host, then a path that leaves it.
      "https://app.example.com//evil.com",
      "https://app.example.com/\\evil.com",
      "https://app.example.com/.//evil.com",
      "https://app.example.com/%2F%2Fevil.com",
      "https://app.example.com/@evil.com",
      "https://app.example.com/x\r\nSet-Cookie:a=b",
  };
  for (const auto& p : near_misses) {
    EXPECT_EQ(safeReturnTarget(p, kAllowed), "/") << "url: " << testing::PrintToString(p);
    EXPECT_FALSE(parseReturnUrl(p, kAllowed).has_value()) << testing::PrintToString(p);
  }
}

// A listed host with a port matches only that port.
TEST(ReturnUrl, PortIsPartOfTheHost) {
  const std::vector<std::string> hosts = {"app.localhost:8080", "docs.localhost:8080"};
  ReturnHosts allowed{"http", hosts};
  EXPECT_EQ(safeReturnTarget("http://docs.localhost:8080/x", allowed),
            "http://docs.localhost:8080/x");
  EXPECT_EQ(safeReturnTarget("http://docs.localhost/x", allowed), "/");
  EXPECT_EQ(safeReturnTarget("http://docs.localhost:8081/x", allowed), "/");
  EXPECT_EQ(safeReturnTarget("http://docs.localhost:08080/x", allowed), "/");
  EXPECT_EQ(safeReturnTarget("https://docs.localhost:8080/x", allowed), "/");
}

// Without allowed_hosts only site_url's host is listed: another host of
// the same domain is refused.
TEST(ReturnUrl, OnlySiteHostWithoutAllowedHosts) {
  const std::vector<std::string> hosts = {"app.example.com"};
  ReturnHosts allowed{"https", hosts};
  EXPECT_EQ(safeReturnTarget("https://docs.example.com/x", allowed), "/");
  EXPECT_EQ(safeReturnTarget("https://app.example.com/x", allowed), "https://app.example.com/x");
}

// The Location at the end of a sign-in: the site for a path, the listed
// host for its URL, both encoded; a stored value that no longer passes
// (allowed_hosts changed) ends on the site's root.
TEST(ReturnUrl, LocationForStoredTarget) {
  std::string_view site = "https://app.example.com";
  EXPECT_EQ(returnLocation("/a b", site, kAllowed), "https://app.example.com/a%20b");
  EXPECT_EQ(returnLocation("https://docs.example.com/a b?c", site, kAllowed),
            "https://docs.example.com/a%20b?c");
  EXPECT_EQ(returnLocation("https://old.example.com/x", site, kAllowed),
            "https://app.example.com/");
  EXPECT_EQ(returnLocation("//evil.com", site, kAllowed), "https://app.example.com/");
}

}  // namespace
}  // namespace barrier
