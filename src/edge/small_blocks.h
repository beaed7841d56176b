// The edge module's allocator (src/edge/wasm_alloc.cpp routes operator
// new/delete here): free lists of small blocks by size class, larger blocks
// from malloc.
//
// Why: a cached session's check makes about ten small allocations (the
// request's strings, the store key, a few vectors) and frees them again.
// wasi-libc's malloc (dlmalloc) spends ~100 instructions per malloc/free
// pair; popping and pushing a free list costs a handful. It cut the module's
// instructions per cached event by ~15 % (bench/README.md, stop 12).
//
// Layout: every block is preceded by a 16-byte header holding its size
// class (or kLarge), so release() needs no lookup and works for any pointer
// allocate() returned. Blocks are kAlign-aligned, as operator new must
// return them (alignof(max_align_t) is 16 on wasm32 and x86-64). Small
// blocks are carved from kChunkBytes chunks taken from malloc and given back
// only when the SmallBlocks is destroyed (the module's never is): its
// small-block memory stays at its peak (a few hundred KB for a full session
// cache), which a Lambda container can spare.
//
// Failure: allocate() returns nullptr when malloc does; release() aborts on
// a header that names no class (overwritten by an overrun of the block
// before it), where going on would corrupt the lists. It does not detect a
// double free: the module's code is C++ with owning types only.
//
// Not thread-safe: one instance per WebAssembly instance (single-threaded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace barrier {

class SmallBlocks {
 public:
  static constexpr size_t kAlign = 16;
  static constexpr size_t kClasses = 16;                  // payloads of 16, 32, ... 256 bytes
  static constexpr size_t kMaxSmall = kClasses * kAlign;  // larger requests go to malloc
  static constexpr size_t kChunkBytes = 16 * 1024;
  static_assert(kAlign >= alignof(std::max_align_t));

  constexpr SmallBlocks() = default;
  SmallBlocks(const SmallBlocks&) = delete;
  SmallBlocks& operator=(const SmallBlocks&) = delete;
  ~SmallBlocks() {
    while (chunks_ != nullptr) {
      Chunk* next = chunks_->next;
      free(chunks_);
      chunks_ = next;
    }
  }

  // A block of at least `bytes` (0 counts as 1), kAlign-aligned; nullptr
  // when memory is exhausted.
  void* allocate(size_t bytes) {
    if (bytes > kMaxSmall) return allocateLarge(bytes);
    size_t cls = bytes == 0 ? 0 : (bytes - 1) / kAlign;
    if (Free* block = free_[cls]) {
      free_[cls] = block->next;
      return block;
    }
    return carve(cls);
  }

  // Returns a block from allocate() (nullptr is ignored).
  void release(void* payload) {
    if (payload == nullptr) return;
    Header* header = headerOf(payload);
    uint32_t cls = header->cls;
    if (cls < kClasses) {
      Free* block = static_cast<Free*>(payload);
      block->next = free_[cls];
      free_[cls] = block;
      return;
    }
    if (cls != kLarge) abort();
    free(header);
  }

 private:
  struct alignas(kAlign) Header {
    uint32_t cls;
  };
  static_assert(sizeof(Header) == kAlign);
  struct Free {
    Free* next;
  };
  // The start of every chunk: the chunk taken before it.
  struct alignas(kAlign) Chunk {
    Chunk* next;
  };
  static constexpr uint32_t kLarge = 0xB16B10C5;

  static Header* headerOf(void* payload) { return static_cast<Header*>(payload) - 1; }

  // Out of line: the rare paths stay out of the inlined fast path.
  __attribute__((noinline)) void* carve(size_t cls) {
    size_t block = sizeof(Header) + (cls + 1) * kAlign;
    if (static_cast<size_t>(end_[cls] - next_[cls]) < block) {
      auto* chunk = static_cast<Chunk*>(aligned_alloc(kAlign, kChunkBytes));
      if (chunk == nullptr) return nullptr;
      chunk->next = chunks_;
      chunks_ = chunk;
      next_[cls] = reinterpret_cast<char*>(chunk + 1);
      end_[cls] = reinterpret_cast<char*>(chunk) + kChunkBytes;
    }
    Header* header = reinterpret_cast<Header*>(next_[cls]);
    next_[cls] += block;
    header->cls = static_cast<uint32_t>(cls);
    return header + 1;
  }

  __attribute__((noinline)) static void* allocateLarge(size_t bytes) {
    size_t total = sizeof(Header) + (bytes + kAlign - 1) / kAlign * kAlign;
    if (total < bytes) return nullptr;  // overflow
    auto* header = static_cast<Header*>(aligned_alloc(kAlign, total));
    if (header == nullptr) return nullptr;
    header->cls = kLarge;
    return header + 1;
  }

  Free* free_[kClasses] = {};
  char* next_[kClasses] = {};
  char* end_[kClasses] = {};
  Chunk* chunks_ = nullptr;
};

}  // namespace barrier
