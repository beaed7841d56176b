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

// X-Forwarded-For grows by the peer; Host becomes X-Forwarded-Host; an
// untrusted X-Forwarded-Proto is replaced by http.
TEST(ForwardHeadersTest, SetsForwardedHeaders) {
  Headers headers{{"X-Forwarded-For", "10.0.0.1"}, {"X-Forwarded-Proto", "https"}};
  setForwardedHeaders(headers, {"192.0.2.7", "www.example.com", false});
  EXPECT_EQ(headers.get("X-Forwarded-For"), "10.0.0.1, 192.0.2.7");
  EXPECT_EQ(headers.get("X-Forwarded-Proto"), "http");
  EXPECT_EQ(headers.get("X-Forwarded-Host"), "www.example.com");
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
