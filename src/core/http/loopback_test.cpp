#include "core/http/loopback.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// Only names that always mean this machine; prefixes are not enough.
TEST(Loopback, HostsThatStayOnThisMachine) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "localhost", "LocalHost",
                           "app.localhost", "[::1]"}) {
    EXPECT_TRUE(isLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"127.evil.example", "localhost.evil.example", "127.0.0.1.evil.example", "0127.0.0.1",
        "127.0.0.256", "127.0.0", "128.0.0.1", "[::2]", "", "xlocalhost", ".localhost"}) {
    EXPECT_FALSE(isLoopbackHost(host)) << host;
  }
}

// An authority's port does not count; a bracketed IPv6 address keeps its colons.
TEST(Loopback, Authorities) {
  EXPECT_TRUE(isLoopbackAuthority("127.0.0.1:8000"));
  EXPECT_TRUE(isLoopbackAuthority("localhost"));
  EXPECT_TRUE(isLoopbackAuthority("[::1]:8000"));
  EXPECT_FALSE(isLoopbackAuthority("127.evil.example:80"));
  EXPECT_FALSE(isLoopbackAuthority("localhost.evil.example:4566"));
}

}  // namespace
}  // namespace barrier
