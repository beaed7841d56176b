#include "core/handlers/pages.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// Every HTML-significant character is escaped; control characters are dropped.
TEST(Pages, EscapesHtml) {
  EXPECT_EQ(htmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(htmlEscape(std::string("a\x01\x7f"
                                   "b\tc",
                                   6)),
            "ab\tc");
}

// Title, message and link all appear, escaped, in a complete document.
TEST(Pages, RendersTitleMessageLink) {
  std::string page = renderPage("Sign-in <failed>", "Try & again",
                                PageLink{"Sign in again", "/_identity/login?path=%2F"});
  EXPECT_NE(page.find("<title>Sign-in &lt;failed&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("<p>Try &amp; again</p>"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"/_identity/login?path=%2F\">Sign in again</a>"),
            std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

// Script and scheme-relative links are replaced by "/".
TEST(Pages, RefusesUnsafeHrefs) {
  for (const char* href : {"javascript:alert(1)", "data:text/html,x", "//evil.example", "/\\evil",
                           " javascript:x", ""}) {
    std::string page = renderPage("t", "m", PageLink{"go", href});
    EXPECT_NE(page.find("<a href=\"/\">go</a>"), std::string::npos) << href;
  }
  EXPECT_NE(renderPage("t", "m", PageLink{"go", "https://idp.example/logout?a=1&b=2"})
                .find("href=\"https://idp.example/logout?a=1&amp;b=2\""),
            std::string::npos);
}

// Huge inputs are cut, so a page stays far below Lambda@Edge's 40 KB.
TEST(Pages, AlwaysSmall) {
  std::string huge(1000000, '<');
  Response r = pageResponse(403, huge, huge, PageLink{huge, "/" + huge});
  EXPECT_LT(r.body.size(), 40u * 1024);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
}

}  // namespace
}  // namespace barrier
