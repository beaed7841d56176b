#include "server/forward_headers.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// The fixed hop-by-hop names and every Proxy-* header are recognised, in any case.
TEST(ForwardHeadersTest, RecognisesHopByHopNames) {
  for (const char* name : {"Connection", "keep-alive", "TE", "Trailer", "transfer-encoding",
                           "Upgrade", "Proxy-Authorization", "proxy-connection"}) {
    EXPECT_TRUE(isHopByHopHeader(name)) << name;
  }
  for (const char* name : {"Cookie", "Host", "X-Forwarded-For", "Trailers", "Proxy"}) {
    EXPECT_FALSE(isHopByHopHeader(name)) << name;
  }
}

// Headers named in Connection go along with the fixed list.
TEST(ForwardHeadersTest, RemovesHeadersNamedInConnection) {
  Headers headers{{"Connection", "close, X-A"},
                  {"Connection", " x-b ,"},
                  {"X-A", "1"},
                  {"X-B", "2"},
                  {"X-C", "3"},
                  {"Keep-Alive", "5"},
                  {"Proxy-Authorization", "x"}};
  removeHopByHopHeaders(headers);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.get("X-C"), "3");
}

TEST(ForwardHeadersTest, ListsToken) {
  EXPECT_TRUE(listsToken("close, X-A", "x-a"));
  EXPECT_TRUE(listsToken(" ,keep-alive ,", "Keep-Alive"));
  EXPECT_FALSE(listsToken("close, X-AB", "X-A"));
  EXPECT_FALSE(listsToken("", "close"));
  EXPECT_TRUE(
      hasConnectionToken(Headers{{"Connection", "a"}, {"connection", "Upgrade"}}, "upgrade"));
  EXPECT_FALSE(hasConnectionToken(Headers{{"X-Connection", "upgrade"}}, "upgrade"));
}

// Without a trusted proxy in front, every forwarding header is the
// visitor's: X-Forwarded-For is the peer alone, X-Forwarded-Proto http,
// X-Forwarded-Host the site's host (not the request's Host), and the other
// headers an application may believe are removed.
TEST(ForwardHeadersTest, SetsForwardedHeaders) {
  Headers headers{{"X-Forwarded-For", "10.0.0.1"},
                  {"X-Forwarded-Proto", "https"},
                  {"X-Forwarded-Host", "evil.example"},
                  {"Forwarded", "for=10.0.0.1;proto=https"},
                  {"X-Real-IP", "10.0.0.1"},
                  {"X-Forwarded-Port", "443"},
                  {"X-Forwarded-Prefix", "/admin"},
                  {"X-Original-URL", "/admin/"},
                  {"X-Rewrite-URL", "/admin/"},
                  {"X-Custom", "kept"}};
  setForwardedHeaders(headers, {"192.0.2.7", "www.example.com", false});
  EXPECT_EQ(headers.getAll("X-Forwarded-For"), std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(headers.get("X-Forwarded-Proto"), "http");
  EXPECT_EQ(headers.getAll("X-Forwarded-Host"), std::vector<std::string>{"www.example.com"});
  for (const char* gone : {"Forwarded", "X-Real-IP", "X-Forwarded-Port", "X-Forwarded-Prefix",
                           "X-Original-URL", "X-Rewrite-URL"}) {
    EXPECT_FALSE(headers.has(gone)) << gone;
  }
  EXPECT_EQ(headers.get("X-Custom"), "kept");
}

// Behind a trusted proxy its forwarding headers pass on, the peer appended
// to its X-Forwarded-For; X-Original-URL still never does.
TEST(ForwardHeadersTest, TrustedProxyHeadersPassOn) {
  Headers headers{{"X-Forwarded-For", "203.0.113.9"},
                  {"X-Forwarded-Proto", "https"},
                  {"X-Real-IP", "203.0.113.9"},
                  {"X-Original-URL", "/admin/"},
                  {"X-Forwarded-Uri", "/admin/"}};
  setForwardedHeaders(headers, {"10.0.0.2", "www.example.com", true});
  EXPECT_EQ(headers.get("X-Forwarded-For"), "203.0.113.9, 10.0.0.2");
  EXPECT_EQ(headers.get("X-Forwarded-Proto"), "https");
  EXPECT_EQ(headers.get("X-Real-IP"), "203.0.113.9");
  EXPECT_FALSE(headers.has("X-Original-URL"));
  EXPECT_FALSE(headers.has("X-Forwarded-Uri"));
}

// Spelled with '_' (read as '-' by CGI, WSGI and Rack), a client's
// forwarding header would pass as barrier's: gone, trusted proxy or not.
// Other names with '_' are the application's business.
TEST(ForwardHeadersTest, UnderscoreSpellingsAreRemoved) {
  for (bool trusted : {false, true}) {
    Headers headers{{"X_Forwarded_For", "10.0.0.1"},
                    {"x_forwarded_proto", "https"},
                    {"X-Forwarded_Host", "evil.example"},
                    {"X_Real_IP", "10.0.0.1"},
                    {"X_Original_URL", "/admin/"},
                    {"X_Rewrite_URL", "/admin/"},
                    {"Custom_Header", "kept"}};
    setForwardedHeaders(headers, {"192.0.2.7", "www.example.com", trusted});
    for (const char* gone : {"X_Forwarded_For", "x_forwarded_proto", "X-Forwarded_Host",
                             "X_Real_IP", "X_Original_URL", "X_Rewrite_URL"}) {
      EXPECT_FALSE(headers.has(gone)) << gone << (trusted ? " (trusted)" : "");
    }
    EXPECT_EQ(headers.get("X-Forwarded-For"), "192.0.2.7");
    EXPECT_EQ(headers.get("X-Forwarded-Proto"), "http");
    EXPECT_EQ(headers.get("Custom_Header"), "kept");
  }
}

// Trusted, the first entry of the proxy's X-Forwarded-Proto wins; garbage is http.
TEST(ForwardHeadersTest, TrustedProto) {
  EXPECT_EQ(effectiveProto(Headers{{"X-Forwarded-Proto", "HTTPS, http"}}, true), "https");
  EXPECT_EQ(effectiveProto(Headers{{"X-Forwarded-Proto", "https"}}, false), "http");
  EXPECT_EQ(effectiveProto(Headers{{"X-Forwarded-Proto", "gopher"}}, true), "http");
  EXPECT_EQ(effectiveProto(Headers{}, true), "http");
}

// Only barrier's cookies leave; the application's stay byte for byte.
TEST(ForwardHeadersTest, RemovesSessionCookies) {
  Headers headers{{"Cookie", "a=1; barrier=secret.mac; b=\"q\""},
                  {"Cookie", "barrier-login-f1=x;barrier=y"},
                  {"Cookie", "barrierx=keep; barrier-login-=keep2"}};
  removeSessionCookies(headers, "barrier");
  auto values = headers.getAll("Cookie");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "a=1; b=\"q\"");
  EXPECT_EQ(values[1], "barrierx=keep; barrier-login-=keep2");
}

// A value with CR, LF or NUL, or a name that is not a token, is unsafe.
TEST(ForwardHeadersTest, SafeHeader) {
  EXPECT_TRUE(isSafeHeader("X-Barrier-User", "alice"));
  EXPECT_FALSE(isSafeHeader("X-Barrier-User", "alice\r\nSet-Cookie: x=1"));
  EXPECT_FALSE(isSafeHeader("X-Barrier-User", std::string("a\0b", 3)));
  EXPECT_FALSE(isSafeHeader("Bad Name", "v"));
  EXPECT_FALSE(isSafeHeader("", "v"));
}

}  // namespace
}  // namespace barrier
