// BlockPool: memory for the session cache's blocks (CachedSession), apart
// from the heap every request's temporaries come and go in
// (docs/ARCHITECTURE.md, "Memory").
//
// Why: a cache miss reads a record (a dozen short strings), packs it into a
// block that stays cached for minutes, and frees the record. From malloc the
// block lands among those temporaries, and what they leave free between the
// cached blocks stays so: 3.5 MB for 100,000 sessions in `barrier serve`,
// plus malloc's 8-byte header per block. Here blocks of one size are carved
// side by side from chunks of their own, with no header.
//
// Sizes: a block is a multiple of kGrain bytes up to kMaxBlock, kGrain-
// aligned; larger ones come from operator new. The caller gives release()
// the size it asked allocate() for (a CachedSession knows its own).
//
// Memory: chunks of kChunkBytes from operator new, kept until the pool is
// destroyed; a released block goes on its size's free list for the next
// block of that size. So a pool holds at its peak, plus at most one
// partly carved chunk per size in use.
//
// Under AddressSanitizer every block is its own operator new, so that a use
// after free is still caught.
//
// Thread safety: one mutex; any thread may allocate and release.
#pragma once

#include <cstddef>

#include "core/mutex.h"

namespace barrier {

class BlockPool {
 public:
  static constexpr size_t kGrain = 8;
  static constexpr size_t kMaxBlock = 512;
  static constexpr size_t kChunkBytes = 32 * 1024;

  BlockPool() = default;
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  // Frees the chunks: every block must have been released.
  ~BlockPool();

  // A block of `bytes` (at least 1), kGrain-aligned. Throws std::bad_alloc
  // as operator new does.
  void* allocate(size_t bytes);
  // Returns a block allocate(bytes) gave (nullptr is ignored).
  void release(void* block, size_t bytes);

  // How many bytes of chunks the pool holds.
  size_t chunkBytes();

  // The pool CachedSession's blocks come from (never destroyed: blocks may
  // be released by static destructors).
  static BlockPool& sessions();

 private:
  static constexpr size_t kClasses = kMaxBlock / kGrain;
  struct Free {
    Free* next;
  };
  struct alignas(kGrain) Chunk {
    Chunk* previous;
  };
  static_assert(sizeof(Chunk) == kGrain, "blocks start right after a chunk's link");

  void* carve(size_t cls) REQUIRES(mu_);

  Mutex mu_;
  Free* free_[kClasses] GUARDED_BY(mu_) = {};
  char* next_[kClasses] GUARDED_BY(mu_) = {};  // the uncarved rest of each size's chunk
  char* end_[kClasses] GUARDED_BY(mu_) = {};
  Chunk* chunks_ GUARDED_BY(mu_) = nullptr;
  size_t chunk_count_ GUARDED_BY(mu_) = 0;
};

}  // namespace barrier
