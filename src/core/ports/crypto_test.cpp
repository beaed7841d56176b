#include "core/ports/crypto.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/encoding.h"

namespace barrier {
namespace {

std::string hex(const Digest& d) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// constantTimeEqual is a plain equality on contents and lengths.
TEST(ConstantTimeEqual, ComparesContentsAndLength) {
  EXPECT_TRUE(constantTimeEqual("", ""));
  EXPECT_TRUE(constantTimeEqual("abc", "abc"));
  EXPECT_FALSE(constantTimeEqual("abc", "abd"));
  EXPECT_FALSE(constantTimeEqual("abc", "abcd"));
  EXPECT_FALSE(constantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// The OpenSSL adapter matches the FIPS 180-2 and RFC 4231 vectors.
TEST(OpenSslCrypto, KnownAnswers) {
  auto crypto = makeOpenSslCrypto();
  EXPECT_EQ(hex(crypto->sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(crypto->hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// A malformed RSA key is a refusal, not a crash.
TEST(OpenSslCrypto, MalformedKeyRefused) {
  auto crypto = makeOpenSslCrypto();
  EXPECT_FALSE(crypto->verifyRs256("", "", "x", "y"));
  EXPECT_FALSE(crypto->verifyRs256(std::string(256, '\xff'), "\x01\x00\x01", "x", "y"));
}

// ES256 against RFC 7515 appendix A.3's key and signature (raw r || s):
// it verifies, and a changed input, a changed signature or a point off the
// curve does not.
TEST(OpenSslCrypto, Es256KnownAnswer) {
  auto crypto = makeOpenSslCrypto();
  std::string x, y, signature;
  ASSERT_TRUE(base64UrlDecode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", x));
  ASSERT_TRUE(base64UrlDecode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", y));
  ASSERT_TRUE(base64UrlDecode(
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
      signature));
  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  EXPECT_TRUE(crypto->verifyEs256(x, y, input, signature));
  EXPECT_FALSE(crypto->verifyEs256(x, y, input + "x", signature));
  std::string flipped = signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(crypto->verifyEs256(x, y, input, flipped));
  std::string off_curve = y;
  off_curve[31] = static_cast<char>(off_curve[31] ^ 1);
  EXPECT_FALSE(crypto->verifyEs256(x, off_curve, input, signature));
  // Lengths other than 32-byte coordinates and a 64-byte signature.
  EXPECT_FALSE(crypto->verifyEs256(x.substr(1), y, input, signature));
  EXPECT_FALSE(crypto->verifyEs256(x, y, input, signature.substr(0, 63)));
  EXPECT_FALSE(crypto->verifyEs256(x, y, input, signature + '\0'));
  EXPECT_FALSE(crypto->verifyEs256("", "", input, ""));
}

}  // namespace
}  // namespace barrier
