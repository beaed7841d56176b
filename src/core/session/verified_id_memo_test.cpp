#include "core/session/verified_id_memo.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace barrier {
namespace {

// A remembered value finds its key; any other value, however close, finds
// nothing.
TEST(VerifiedIdMemo, FindsOnlyTheExactValue) {
  VerifiedIdMemo memo;
  EXPECT_EQ(memo.find("id.mac"), nullptr);
  memo.remember("id.mac", "key-1");
  ASSERT_NE(memo.find("id.mac"), nullptr);
  EXPECT_EQ(*memo.find("id.mac"), "key-1");
  for (std::string_view other : {"id.maC", "Id.mac", "id.ma", "id.macc", "", "xid.mac"}) {
    EXPECT_EQ(memo.find(other), nullptr) << other;
  }
  memo.remember("", "never");
  EXPECT_EQ(memo.find(""), nullptr);
  memo.clear();
  EXPECT_EQ(memo.find("id.mac"), nullptr);
}

// More values than slots: memory stays bounded, and a lookup gives the right
// key or nothing, never another value's key.
TEST(VerifiedIdMemo, BoundedAndNeverWrong) {
  VerifiedIdMemo memo;
  constexpr int kValues = 10 * VerifiedIdMemo::kSlots;
  for (int i = 0; i < kValues; ++i)
    memo.remember("value-" + std::to_string(i), "key-" + std::to_string(i));
  int found = 0;
  for (int i = 0; i < kValues; ++i) {
    const std::string* key = memo.find("value-" + std::to_string(i));
    if (key == nullptr) continue;
    ++found;
    EXPECT_EQ(*key, "key-" + std::to_string(i));
  }
  EXPECT_GT(found, 0);
  EXPECT_LE(found, static_cast<int>(VerifiedIdMemo::kSlots));
}

// Several threads remembering and looking up at once (as `barrier serve`'s io
// threads do) each get the right key or nothing; TSan checks the locking.
TEST(VerifiedIdMemo, SharedBetweenThreads) {
  VerifiedIdMemo memo(8);
  std::atomic<int> wrong{0};
  auto work = [&](int offset) {
    for (int i = 0; i < 2000; ++i) {
      std::string value = "value-" + std::to_string((i + offset) % 40);
      std::string key = "key-" + value;
      if (std::optional<std::string> known = memo.lookup(value)) {
        if (*known != key) ++wrong;
      } else {
        memo.remember(value, key);
      }
    }
  };
  std::thread a(work, 0);
  std::thread b(work, 7);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(memo.slots(), 8u);
}

}  // namespace
}  // namespace barrier
