#include "core/http/cookie.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

constexpr char kSession[] = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde.MAC0123456789abcdefgh";

// Plain pairs, in order, with optional whitespace around names and values.
TEST(Cookie, ParsesSimpleHeader) {
  auto cookies = parseCookieHeader("a=1; b=2;c=3 ;  d = 4");
  ASSERT_EQ(cookies.size(), 4u);
  EXPECT_EQ(cookies[0].name, "a");
  EXPECT_EQ(cookies[0].value, "1");
  EXPECT_EQ(cookies[2].value, "3");
  EXPECT_EQ(cookies[3].name, "d");
  EXPECT_EQ(cookies[3].value, "4");
}

// An unbalanced quote in a neighbour never hides a later cookie
// (docs/ARCHITECTURE.md, "Checker flow", step 3).
TEST(Cookie, MalformedNeighbourDoesNotHideOurs) {
  Headers h{{"Cookie", std::string("a=\"x; barrier=") + kSession}};
  EXPECT_EQ(cookieValues(h, "barrier"), std::vector<std::string_view>{kSession});
}

// Garbage segments (no '=', empty name, control bytes) are skipped.
TEST(Cookie, SkipsGarbageSegments) {
  auto cookies = parseCookieHeader(";;garbage; =novalue; bad\x01name=1; x=\x7f; ok=yes;");
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0].name, "ok");
  EXPECT_EQ(cookies[0].value, "yes");
  EXPECT_TRUE(parseCookieHeader("").empty());
  EXPECT_TRUE(parseCookieHeader(";;; ").empty());
}

// A control byte anywhere in a long value (the scan goes eight bytes at a
// time, then byte by byte) skips the pair; every other byte, 0x80 and up
// included, is kept.
TEST(Cookie, ControlBytesAtEveryPosition) {
  for (size_t at = 0; at < 19; ++at) {
    for (char ctl : {'\x00', '\x01', '\x08', '\x1f', '\x7f'}) {
      std::string value(19, 'v');
      value[at] = ctl;
      std::string header = "a=" + value + "; ok=yes";
      auto cookies = parseCookieHeader(header);
      ASSERT_EQ(cookies.size(), 1u) << "control byte " << int(ctl) << " at " << at;
      EXPECT_EQ(cookies[0].name, "ok");
    }
  }
  std::string kept;
  for (int c = 0x20; c <= 0xff; ++c) {
    if (c != ';' && c != 0x7f) kept += static_cast<char>(c);
  }
  kept = "x" + kept + "x";  // outer spaces would be trimmed
  auto cookies = parseCookieHeader("a=" + kept);
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0].value, kept);
}

// DQUOTEs around a value are removed; a lone quote is kept as part of it.
TEST(Cookie, UnquotesValues) {
  auto cookies = parseCookieHeader("a=\"quoted\"; b=\"; c=\"\"; d=x\"y");
  ASSERT_EQ(cookies.size(), 4u);
  EXPECT_EQ(cookies[0].value, "quoted");
  EXPECT_EQ(cookies[1].value, "\"");
  EXPECT_EQ(cookies[2].value, "");
  EXPECT_EQ(cookies[3].value, "x\"y");
}

// Repeated names are all returned in order: the checker tries each.
TEST(Cookie, KeepsRepeatedNames) {
  Headers h{{"Cookie", "barrier=old; other=1; barrier=new"}};
  EXPECT_EQ(cookieValues(h, "barrier"), (std::vector<std::string_view>{"old", "new"}));
}

// Every Cookie header counts, whatever the header name's case.
TEST(Cookie, ReadsSeveralHeaders) {
  Headers h{{"Cookie", "a=1"},
            {"X-Other", "barrier=evil"},
            {"cookie", "barrier=v1"},
            {"COOKIE", "barrier=v2; z=9"}};
  EXPECT_EQ(cookieValues(h, "barrier"), (std::vector<std::string_view>{"v1", "v2"}));
  EXPECT_EQ(parseCookies(h).size(), 4u);
}

// Names match exactly: neither a prefix, a suffix, nor another case matches.
TEST(Cookie, NoSubstringMatching) {
  Headers h{{"Cookie", "xbarrier=1; barrier-login-abc=2; barrierx=3; Barrier=4; barrier=5"}};
  EXPECT_EQ(cookieValues(h, "barrier"), std::vector<std::string_view>{"5"});
  EXPECT_EQ(cookieValues(h, "barrier-login-abc"), std::vector<std::string_view>{"2"});
}

// Values keep '=' after the first one (base64 padding) and are not decoded.
TEST(Cookie, ValueKeepsEqualsAndEscapes) {
  auto cookies = parseCookieHeader("k=a=b==; p=%41");
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_EQ(cookies[0].value, "a=b==");
  EXPECT_EQ(cookies[1].value, "%41");
}

// Counts and sizes are bounded; an oversized pair is skipped, not truncated.
TEST(Cookie, IsBounded) {
  std::string header;
  for (int i = 0; i < 1000; ++i) header += "c" + std::to_string(i) + "=v; ";
  EXPECT_EQ(parseCookieHeader(header).size(), kMaxCookies);

  Headers many;
  for (int i = 0; i < 300; ++i) many.add("Cookie", "a=1");
  EXPECT_EQ(parseCookies(many).size(), kMaxCookies);

  std::string big = "huge=" + std::string(kMaxCookieBytes, 'x') + "; barrier=ok";
  auto cookies = parseCookieHeader(big);
  ASSERT_EQ(cookies.size(), 1u);
  EXPECT_EQ(cookies[0].name, "barrier");

  std::string long_header(kMaxCookieHeaderBytes + 10, ';');
  long_header += "barrier=late";
  EXPECT_TRUE(parseCookieHeader(long_header).empty());
}

// The session cookie: all attributes, in a fixed order.
TEST(Cookie, SerializesSetCookie) {
  SetCookie c;
  c.name = "barrier";
  c.value = "id.mac";
  c.max_age = 28800;
  EXPECT_EQ(serializeSetCookie(c),
            "barrier=id.mac; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax");
  c.secure = false;
  c.http_only = false;
  c.max_age.reset();
  c.same_site = SameSite::kStrict;
  c.path = "/_identity/";
  EXPECT_EQ(serializeSetCookie(c), "barrier=id.mac; Path=/_identity/; SameSite=Strict");
  c.same_site = SameSite::kNone;
  c.path = "";
  EXPECT_EQ(serializeSetCookie(c), "barrier=id.mac; SameSite=None");
}

// Nothing in a name, value or path can add an attribute or a header line.
TEST(Cookie, SetCookieCannotInject) {
  SetCookie c;
  c.name = "bar;rier\r\n";
  c.value = "v; Domain=evil.com\r\nSet-Cookie: x=1";
  c.path = "/a;\r\nb";
  std::string out = serializeSetCookie(c);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find("; Domain"), std::string::npos);
  EXPECT_EQ(out.substr(0, out.find(';')), "barrier=vDomain=evil.comSet-Cookie:x=1");
}

// Clearing a cookie: empty value, Max-Age=0 and an Expires in the past.
TEST(Cookie, ClearsCookie) {
  EXPECT_EQ(clearCookie("barrier", true),
            "barrier=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; "
            "Secure; SameSite=Lax");
  EXPECT_EQ(clearCookie("barrier-login-x", false, "/_identity/"),
            "barrier-login-x=; Path=/_identity/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 "
            "GMT; HttpOnly; SameSite=Lax");
}

// What serializeSetCookie writes, parseCookieHeader reads back.
TEST(Cookie, RoundTrip) {
  SetCookie c;
  c.name = "barrier";
  c.value = kSession;
  std::string set = serializeSetCookie(c);
  std::string pair = set.substr(0, set.find(';'));
  auto cookies = parseCookieHeader("x=y; " + pair);
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_EQ(cookies[1].value, kSession);
}

}  // namespace
}  // namespace barrier
