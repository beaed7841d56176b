#include "core/session/block_pool.h"

#include <new>

namespace barrier {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kEachBlockItsOwn = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kEachBlockItsOwn = true;
#else
constexpr bool kEachBlockItsOwn = false;
#endif
#else
constexpr bool kEachBlockItsOwn = false;
#endif

}  // namespace

BlockPool::~BlockPool() {
  MutexLock lock(mu_);
  while (chunks_ != nullptr) {
    Chunk* previous = chunks_->previous;
    ::operator delete(chunks_);
    chunks_ = previous;
  }
}

void* BlockPool::allocate(size_t bytes) {
  if (kEachBlockItsOwn || bytes > kMaxBlock) return ::operator new(bytes);
  size_t cls = bytes == 0 ? 0 : (bytes - 1) / kGrain;
  MutexLock lock(mu_);
  if (Free* block = free_[cls]) {
    free_[cls] = block->next;
    return block;
  }
  return carve(cls);
}

void BlockPool::release(void* block, size_t bytes) {
  if (block == nullptr) return;
  if (kEachBlockItsOwn || bytes > kMaxBlock) {
    ::operator delete(block);
    return;
  }
  size_t cls = bytes == 0 ? 0 : (bytes - 1) / kGrain;
  auto* node = static_cast<Free*>(block);
  MutexLock lock(mu_);
  node->next = free_[cls];
  free_[cls] = node;
}

size_t BlockPool::chunkBytes() {
  MutexLock lock(mu_);
  return chunk_count_ * kChunkBytes;
}

void* BlockPool::carve(size_t cls) {
  size_t block = (cls + 1) * kGrain;
  if (static_cast<size_t>(end_[cls] - next_[cls]) < block) {
    auto* chunk = static_cast<Chunk*>(::operator new(kChunkBytes));
    chunk->previous = chunks_;
    chunks_ = chunk;
    ++chunk_count_;
    next_[cls] = reinterpret_cast<char*>(chunk + 1);
    end_[cls] = reinterpret_cast<char*>(chunk) + kChunkBytes;
  }
  void* out = next_[cls];
  next_[cls] += block;
  return out;
}

BlockPool& BlockPool::sessions() {
  static BlockPool* pool = new BlockPool;  // never destroyed: see the header
  return *pool;
}

}  // namespace barrier
