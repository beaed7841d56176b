#include "core/ports/crypto.h"

#include <gtest/gtest.h>

#include "adapters/system.h"

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

}  // namespace
}  // namespace barrier
