#include "core/session/session_id.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/encoding.h"
#include "tests/support/seeded_random.h"

namespace barrier {
namespace {

class IdCodecTest : public ::testing::Test {
 protected:
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  SeededRandom random_{7};
  std::string key_old_ = std::string(32, 'o');
  std::string key_new_ = std::string(32, 'n');
};

// An issued id is 43 base64url chars, its cookie value has the exact shape,
// and the store key is base64url(SHA-256(id text)).
TEST_F(IdCodecTest, IssuesWellFormedIds) {
  IdCodec codec(*crypto_, {key_new_});
  auto issued = codec.issue(random_);
  ASSERT_TRUE(issued.isOk());
  EXPECT_EQ(issued->id.size(), kIdTextLength);
  EXPECT_TRUE(hasIdCookieShape(issued->cookie_value));
  EXPECT_EQ(issued->cookie_value.substr(0, kIdTextLength), issued->id);
  EXPECT_EQ(issued->store_key, base64UrlEncode(digestBytes(crypto_->sha256(issued->id))));
  EXPECT_NE(issued->store_key, issued->id);
}

// The MAC is the first 16 bytes of HMAC-SHA256(key, id text), base64url.
TEST_F(IdCodecTest, MacIsTruncatedHmacOfIdText) {
  IdCodec codec(*crypto_, {key_new_});
  auto issued = codec.issue(random_);
  ASSERT_TRUE(issued.isOk());
  std::string tag = digestBytes(crypto_->hmacSha256(key_new_, issued->id)).substr(0, 16);
  EXPECT_EQ(issued->cookie_value, issued->id + "." + base64UrlEncode(tag));
}

// Two issues never give the same id (256 random bits each).
TEST_F(IdCodecTest, IdsAreFresh) {
  IdCodec codec(*crypto_, {key_new_});
  EXPECT_NE(codec.issue(random_)->id, codec.issue(random_)->id);
}

// A correctly signed value verifies and yields the id.
TEST_F(IdCodecTest, VerifiesOwnValues) {
  IdCodec codec(*crypto_, {key_new_});
  auto issued = codec.issue(random_);
  EXPECT_EQ(codec.verify(issued->cookie_value), issued->id);
}

// verifiedStoreKey is storeKey(verify(value)): the issued store key for a
// good value, nothing for a forged one or a wrong shape.
TEST_F(IdCodecTest, VerifiedStoreKey) {
  IdCodec codec(*crypto_, {key_new_});
  auto issued = codec.issue(random_);
  EXPECT_EQ(codec.verifiedStoreKey(issued->cookie_value), issued->store_key);
  std::string forged = issued->cookie_value;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verifiedStoreKey(forged).has_value());
  EXPECT_FALSE(codec.verifiedStoreKey(issued->id).has_value());
}

// Rotation: the new key signs, the old key still verifies.
TEST_F(IdCodecTest, KeyRotation) {
  IdCodec old_codec(*crypto_, {key_old_});
  IdCodec rotated(*crypto_, {key_new_, key_old_});
  auto old_value = old_codec.issue(random_)->cookie_value;
  EXPECT_TRUE(rotated.verify(old_value).has_value());
  auto fresh = rotated.issue(random_);
  std::string new_mac =
      base64UrlEncode(digestBytes(crypto_->hmacSha256(key_new_, fresh->id)).substr(0, 16));
  EXPECT_EQ(fresh->cookie_value.substr(kIdTextLength + 1), new_mac);
  // Once the old key is dropped, its values stop verifying.
  IdCodec new_only(*crypto_, {key_new_});
  EXPECT_FALSE(new_only.verify(old_value).has_value());
}

// A value signed under an unknown key, or with any MAC bit flipped, is refused.
TEST_F(IdCodecTest, RefusesForgedMacs) {
  IdCodec codec(*crypto_, {key_new_});
  IdCodec other(*crypto_, {std::string(32, 'x')});
  EXPECT_FALSE(codec.verify(other.issue(random_)->cookie_value).has_value());
  std::string value = codec.issue(random_)->cookie_value;
  value.back() = value.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verify(value).has_value());
}

// The shape check is exact: length, separator and alphabet.
TEST_F(IdCodecTest, StrictShape) {
  IdCodec codec(*crypto_, {key_new_});
  std::string good = codec.issue(random_)->cookie_value;
  EXPECT_TRUE(hasIdCookieShape(good));
  EXPECT_FALSE(hasIdCookieShape(""));
  EXPECT_FALSE(hasIdCookieShape(good + "A"));
  EXPECT_FALSE(hasIdCookieShape(good.substr(1)));
  EXPECT_FALSE(hasIdCookieShape(good.substr(0, kIdTextLength)));
  std::string padded = good;
  padded[kIdTextLength] = '=';
  EXPECT_FALSE(hasIdCookieShape(padded));
  for (char bad : {'+', '/', '=', ' ', '%', '\0', '.'}) {
    std::string v = good;
    v[5] = bad;
    EXPECT_FALSE(hasIdCookieShape(v)) << int(bad);
    EXPECT_FALSE(codec.verify(v).has_value());
  }
}

// With no usable key nothing is issued and nothing verifies (an empty HMAC
// key would be public knowledge).
TEST_F(IdCodecTest, NoKeyNoIds) {
  IdCodec codec(*crypto_, {""});
  EXPECT_FALSE(codec.canSign());
  EXPECT_FALSE(codec.issue(random_).isOk());
  IdCodec empty_signer(*crypto_, {""});
  std::string id(kIdTextLength, 'A');
  std::string tag = digestBytes(crypto_->hmacSha256("", id)).substr(0, 16);
  EXPECT_FALSE(codec.verify(id + "." + base64UrlEncode(tag)).has_value());
}

}  // namespace
}  // namespace barrier
