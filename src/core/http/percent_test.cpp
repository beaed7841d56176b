#include "core/http/percent.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// Unreserved characters pass; everything else, including UTF-8 bytes, is %XX.
TEST(Percent, EncodesAllButUnreserved) {
  EXPECT_EQ(percentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percentEncode("a b&c=d/e?"), "a%20b%26c%3Dd%2Fe%3F");
  EXPECT_EQ(percentEncode("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(percentEncode(std::string_view("\0+", 2)), "%00%2B");
}

// Decoding is exactly one round; '+' is a space only when asked.
TEST(Percent, DecodesOnce) {
  std::string out;
  ASSERT_TRUE(percentDecode("%252F%41+b", out));
  EXPECT_EQ(out, "%2FA+b");
  ASSERT_TRUE(percentDecode("a+b%20c", out, true));
  EXPECT_EQ(out, "a b c");
  ASSERT_TRUE(percentDecode("%e2%88%95", out));
  EXPECT_EQ(out, "\xE2\x88\x95");
}

// Malformed escapes are refused instead of passed through.
TEST(Percent, RefusesMalformedEscapes) {
  std::string out;
  EXPECT_FALSE(percentDecode("%", out));
  EXPECT_FALSE(percentDecode("abc%4", out));
  EXPECT_FALSE(percentDecode("%G1", out));
  EXPECT_FALSE(percentDecode("%1G", out));
  EXPECT_TRUE(percentDecode("", out));
  EXPECT_EQ(out, "");
}

// Encode then decode gives back every byte value.
TEST(Percent, RoundTripsAllBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string out;
  ASSERT_TRUE(percentDecode(percentEncode(all), out));
  EXPECT_EQ(out, all);
}

}  // namespace
}  // namespace barrier
