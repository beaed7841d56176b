#include "core/encoding.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// RFC 4648 §10 test vectors, padded and unpadded.
TEST(Encoding, Rfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  std::string out;
  ASSERT_TRUE(base64Decode("Zm9vYg==", out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(base64UrlDecode("-_8", out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_EQ(hexEncode("\x01\xab"), "01ab");
}

// The allocation-free form writes exactly what base64UrlEncode returns.
TEST(Encoding, Base64UrlEncodeToMatches) {
  for (std::string_view bytes : {"", "f", "fo", "foo", "\xfb\xff", "sixteen bytes!!!"}) {
    char out[32];
    size_t n = base64UrlEncodeTo(bytes, out);
    EXPECT_EQ(n, base64UrlLength(bytes.size()));
    EXPECT_EQ(std::string_view(out, n), base64UrlEncode(bytes)) << bytes;
  }
}

// Decoders refuse characters outside their alphabet and non-canonical tails.
TEST(Encoding, StrictDecoding) {
  std::string out = "unchanged";
  EXPECT_FALSE(base64UrlDecode("ab+c", out));
  EXPECT_FALSE(base64Decode("ab-c", out));
  EXPECT_FALSE(base64UrlDecode("a", out));
  EXPECT_FALSE(base64UrlDecode("Zh", out));  // non-zero leftover bits
  EXPECT_FALSE(base64UrlDecode("a b", out));
  EXPECT_EQ(out, "unchanged");
}

}  // namespace
}  // namespace barrier
