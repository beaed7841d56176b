#include "edge/small_blocks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace barrier {
namespace {

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % SmallBlocks::kAlign == 0; }

struct Block {
  unsigned char* p;
  size_t size;
  unsigned char fill;
};

// Every size up to past the small limit gets an aligned block of its own,
// and filling each block whole leaves every other block's bytes intact (no
// overlap, headers not clobbered: release would abort on a bad one).
TEST(SmallBlocks, BlocksAreAlignedDistinctAndHoldTheirSize) {
  SmallBlocks blocks;
  std::vector<Block> live;
  for (size_t size = 0; size <= SmallBlocks::kMaxSmall + 40; ++size) {
    for (int copy = 0; copy < 3; ++copy) {
      auto* p = static_cast<unsigned char*>(blocks.allocate(size));
      ASSERT_NE(p, nullptr) << size;
      EXPECT_TRUE(aligned(p)) << size;
      auto fill = static_cast<unsigned char>(live.size() * 7 + 1);
      std::memset(p, fill, size);
      live.push_back({p, size, fill});
    }
  }
  std::set<unsigned char*> distinct;
  for (const Block& b : live) distinct.insert(b.p);
  EXPECT_EQ(distinct.size(), live.size());
  for (const Block& b : live) {
    for (size_t i = 0; i < b.size; ++i) ASSERT_EQ(b.p[i], b.fill) << b.size;
  }
  for (const Block& b : live) blocks.release(b.p);
}

// A released small block is the next one handed out for its size class;
// another class does not take it.
TEST(SmallBlocks, ReleasedBlocksAreReusedByTheirClass) {
  SmallBlocks blocks;
  void* a = blocks.allocate(20);  // the 32-byte class
  void* b = blocks.allocate(20);
  blocks.release(a);
  void* c = blocks.allocate(40);  // the 48-byte class: not a
  EXPECT_NE(c, a);
  EXPECT_EQ(blocks.allocate(32), a);
  blocks.release(b);
  blocks.release(c);
}

// More blocks than one chunk holds: new chunks are taken as needed and
// every block stays usable.
TEST(SmallBlocks, GrowsPastOneChunk) {
  SmallBlocks blocks;
  std::vector<uint64_t*> live;
  size_t count = 3 * SmallBlocks::kChunkBytes / (2 * SmallBlocks::kAlign) + 10;
  for (size_t i = 0; i < count; ++i) {
    auto* p = static_cast<uint64_t*>(blocks.allocate(sizeof(uint64_t)));
    ASSERT_NE(p, nullptr);
    *p = i;
    live.push_back(p);
  }
  for (size_t i = 0; i < count; ++i) ASSERT_EQ(*live[i], i);
  for (uint64_t* p : live) blocks.release(p);
}

// Large blocks round-trip through malloc; null is ignored; a size whose
// header would overflow is refused rather than wrapped.
TEST(SmallBlocks, LargeBlocksNullAndOverflow) {
  SmallBlocks blocks;
  auto* big = static_cast<unsigned char*>(blocks.allocate(100000));
  ASSERT_NE(big, nullptr);
  EXPECT_TRUE(aligned(big));
  std::memset(big, 0xAB, 100000);
  blocks.release(big);
  blocks.release(nullptr);
  EXPECT_EQ(blocks.allocate(SIZE_MAX - 4), nullptr);
}

}  // namespace
}  // namespace barrier
