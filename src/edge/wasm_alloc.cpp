// operator new and delete for the WebAssembly module: small blocks from
// SmallBlocks' free lists, the rest from wasi-libc's malloc
// (src/edge/small_blocks.h says why). Only the module links this file; the
// native programs keep their C++ runtime's allocator.
//
// Out of line: with link-time optimisation, an inlined operator new at every
// call site would add ~20 KB of code for the engine to validate at cold
// start. The aligned forms (alignment above 16) are left to libc++abi, which
// pairs them with its own aligned delete.
#include <cstddef>
#include <cstdlib>
#include <new>

#include "edge/small_blocks.h"

namespace {

barrier::SmallBlocks& blocks() {
  // Constant-initialised, so usable by static constructors that allocate;
  // never destroyed (a reactor does not exit).
  [[clang::no_destroy]] static constinit barrier::SmallBlocks instance;
  return instance;
}

}  // namespace

// Out of memory aborts (a trap): the handler answers 503 and starts a fresh
// module (there are no exceptions to throw std::bad_alloc with).
__attribute__((noinline)) void* operator new(size_t bytes) {
  void* p = blocks().allocate(bytes);
  if (p == nullptr) abort();
  return p;
}
void* operator new[](size_t bytes) { return operator new(bytes); }
void* operator new(size_t bytes, const std::nothrow_t&) noexcept {
  return blocks().allocate(bytes);
}
void* operator new[](size_t bytes, const std::nothrow_t&) noexcept {
  return blocks().allocate(bytes);
}

__attribute__((noinline)) void operator delete(void* p) noexcept { blocks().release(p); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }
