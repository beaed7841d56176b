#include "core/session/record_claims.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// Claims survive the stored form; none is stored as "".
TEST(RecordClaimsTest, RoundTrip) {
  std::vector<RecordClaim> claims = {{"department", {"sales", "a,b"}}, {"scope", {}}};
  std::vector<RecordClaim> back;
  ASSERT_TRUE(decodeRecordClaims(encodeRecordClaims(claims), back));
  EXPECT_EQ(back, (std::vector<RecordClaim>{{"department", {"sales", "a,b"}}, {"scope", {}}}));
  EXPECT_EQ(encodeRecordClaims({}), "");
  ASSERT_TRUE(decodeRecordClaims("", back));
  EXPECT_TRUE(back.empty());
}

// Anything but an object of string lists is refused, leaving `out` alone.
TEST(RecordClaimsTest, MalformedRefused) {
  std::vector<RecordClaim> out = {{"kept", {"x"}}};
  for (const char* text : {"[]", "{\"a\":\"x\"}", "{\"a\":[1]}", "{\"a\":[{}]}", "{", "null"}) {
    EXPECT_FALSE(decodeRecordClaims(text, out)) << text;
  }
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace barrier
