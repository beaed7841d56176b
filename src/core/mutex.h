// Mutex, SharedMutex and their scoped locks: std::mutex, std::shared_mutex
// and std::lock_guard / std::shared_lock under the thread-safety attributes
// of core/thread_annotations.h, so that a member marked GUARDED_BY(mu_) is
// checked by clang to be used only under mu_.
//
// A condition variable waits on a Mutex through std::condition_variable_any,
// which locks and unlocks it itself: `while (!ready_) cv_.wait(mu_);` in a
// function that holds mu_ (the analysis sees the lock held throughout).
//
// wasm32-wasi's libc++ is built without threads, so std::mutex does not
// exist there; a wasm module is single-threaded, so Mutex is a no-op lock
// there, which is exact. SharedMutex is native only.
#pragma once

#include "core/thread_annotations.h"

#if !defined(__wasi__)
#include <mutex>
#include <shared_mutex>
#endif

namespace barrier {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // lower-case: Mutex is BasicLockable, for std::condition_variable_any.
  void lock() ACQUIRE() { impl_.lock(); }
  void unlock() RELEASE() { impl_.unlock(); }

 private:
#if defined(__wasi__)
  struct {
    void lock() {}
    void unlock() {}
  } impl_;
#else
  std::mutex impl_;
#endif
};

// Holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Releases a held Mutex for its scope and takes it again at the end (or
// when an exception leaves the scope): for a slow call that must not hold
// the lock, in a function that holds it.
class SCOPED_CAPABILITY MutexUnlock {
 public:
  explicit MutexUnlock(Mutex& mu) RELEASE(mu) : mu_(mu) { mu_.unlock(); }
  ~MutexUnlock() RELEASE() { mu_.lock(); }
  MutexUnlock(const MutexUnlock&) = delete;
  MutexUnlock& operator=(const MutexUnlock&) = delete;

 private:
  Mutex& mu_;
};

#if !defined(__wasi__)

// Many readers or one writer.
class CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() ACQUIRE() { impl_.lock(); }
  void unlock() RELEASE() { impl_.unlock(); }
  void lockShared() ACQUIRE_SHARED() { impl_.lock_shared(); }
  void unlockShared() RELEASE_SHARED() { impl_.unlock_shared(); }

 private:
  std::shared_mutex impl_;
};

// Holds a SharedMutex exclusively for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds a SharedMutex shared for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lockShared(); }
  ~ReaderLock() RELEASE() { mu_.unlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

#endif  // !defined(__wasi__)

}  // namespace barrier
