// A mutex for the core's few shared caches (JWKS, discovery).
//
// wasm32-wasi's libc++ is built without threads, so std::mutex does not
// exist there; a wasm module is single-threaded anyway, so a no-op lock is
// exact. Natively the caches are shared by the gateway's worker threads.
#pragma once

#if defined(__wasi__)
namespace barrier {
class CacheMutex {
 public:
  void lock() {}
  void unlock() {}
};
template <class M>
class CacheLock {
 public:
  explicit CacheLock(M&) {}
};
}  // namespace barrier
#else
#include <mutex>
namespace barrier {
using CacheMutex = std::mutex;
template <class M>
using CacheLock = std::lock_guard<M>;
}  // namespace barrier
#endif
