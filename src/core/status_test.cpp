#include "core/status.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

// A reason is read through hasReason, which an ok Status never has.
TEST(Status, ReasonIsTested) {
  Status refused(Code::kUnavailable, "redis: EVAL: READONLY You can't write", "READONLY");
  EXPECT_TRUE(refused.hasReason("READONLY"));
  EXPECT_FALSE(refused.hasReason("WRONGTYPE"));
  EXPECT_FALSE(refused.hasReason(""));
  EXPECT_EQ(refused.reason(), "READONLY");
  EXPECT_FALSE(Status::ok().hasReason(""));
  EXPECT_TRUE(Status::unavailable("no reason").reason().empty());
}

// withContext prefixes the message and keeps the code and the reason.
TEST(Status, WithContextKeepsCodeAndReason) {
  Status s = Status(Code::kNotFound, "gone", "ParameterNotFound").withContext("ssm GetParameter");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "ssm GetParameter: gone");
  EXPECT_TRUE(s.hasReason("ParameterNotFound"));
  EXPECT_TRUE(Status::ok().withContext("x").isOk());
}

// A Result built from a Status keeps its reason.
TEST(Status, ResultKeepsTheReason) {
  Result<int> r = Status(Code::kAlreadyExists, "taken", "ConditionalCheckFailedException");
  EXPECT_TRUE(r.status().hasReason("ConditionalCheckFailedException"));
}

}  // namespace
}  // namespace barrier
