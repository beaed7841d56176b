#include "core/session/block_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace barrier {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooled = false;  // every block its own operator new (see the header)
#else
constexpr bool kPooled = true;
#endif

// Blocks are aligned, distinct, writable to their size, and a released
// block is the next one of its size; chunks are taken only as needed.
TEST(BlockPoolTest, CarvesReusesAndAligns) {
  BlockPool pool;
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    void* block = pool.allocate(152);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(block) % BlockPool::kGrain, 0u);
    std::memset(block, i & 0xff, 152);
    blocks.push_back(block);
  }
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  if (kPooled) {
    // 1000 blocks of 152 bytes, side by side: 5 chunks of 32 KiB (215 a chunk).
    EXPECT_EQ(pool.chunkBytes(), 5 * BlockPool::kChunkBytes);
    pool.release(blocks[10], 152);
    EXPECT_EQ(pool.allocate(150), blocks[10]);  // the same size (8-byte steps)
    EXPECT_NE(pool.allocate(160), blocks[10]);
  }
  for (void* block : blocks) pool.release(block, 152);
}

// Sizes past kMaxBlock and zero are served too.
TEST(BlockPoolTest, LargeAndEmptyBlocks) {
  BlockPool pool;
  void* large = pool.allocate(BlockPool::kMaxBlock + 1);
  std::memset(large, 1, BlockPool::kMaxBlock + 1);
  void* empty = pool.allocate(0);
  EXPECT_NE(empty, nullptr);
  pool.release(large, BlockPool::kMaxBlock + 1);
  pool.release(empty, 0);
  pool.release(nullptr, 8);
}

// Threads allocate and release at once (TSan checks the locking; every
// block keeps what its thread wrote until released).
TEST(BlockPoolTest, ThreadsShareOnePool) {
  BlockPool pool;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      std::vector<std::pair<unsigned char*, size_t>> mine;
      for (int i = 0; i < 2000; ++i) {
        size_t size = 64 + 8 * static_cast<size_t>(i % 4);
        auto* block = static_cast<unsigned char*>(pool.allocate(size));
        std::memset(block, t, size);
        mine.emplace_back(block, size);
        if (i % 3 == 0) {
          auto [oldest, oldest_size] = mine.front();
          EXPECT_EQ(oldest[oldest_size - 1], t);
          pool.release(oldest, oldest_size);
          mine.erase(mine.begin());
        }
      }
      for (auto [block, size] : mine) {
        EXPECT_EQ(block[0], t);
        pool.release(block, size);
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace
}  // namespace barrier
