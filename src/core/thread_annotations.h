// Clang's thread-safety attributes, spelled as macros: a member says which
// lock guards it (GUARDED_BY(mu_)), a function which lock it needs held
// (REQUIRES(mu_)) or must not hold (EXCLUDES(mu_)), and `clang++
// -Wthread-safety` (scripts/check-code.sh) proves every access obeys. Other
// compilers see nothing: each macro expands to nothing there.
//
// Only types that declare themselves capabilities (Mutex, SharedMutex in
// core/mutex.h) take part: libstdc++'s std::mutex carries no attributes.
#pragma once

#if defined(__clang__)
#define BARRIER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define BARRIER_THREAD_ANNOTATION(x)
#endif

// On a class: it is a lock ("mutex"), or an object holding one for its scope.
#define CAPABILITY(name) BARRIER_THREAD_ANNOTATION(capability(name))
#define SCOPED_CAPABILITY BARRIER_THREAD_ANNOTATION(scoped_lockable)

// On a data member: read or written only with the lock held.
#define GUARDED_BY(mu) BARRIER_THREAD_ANNOTATION(guarded_by(mu))
// On a pointer member: what it points to is guarded by the lock.
#define PT_GUARDED_BY(mu) BARRIER_THREAD_ANNOTATION(pt_guarded_by(mu))

// On a function: the caller holds the lock (exclusively / shared), or must not.
#define REQUIRES(...) BARRIER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) BARRIER_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) BARRIER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// On a function: it takes or releases the lock (no argument: `this`).
#define ACQUIRE(...) BARRIER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) BARRIER_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) BARRIER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) BARRIER_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
// On a function: after it returns the lock is held (a check, not an acquire).
#define ASSERT_CAPABILITY(x) BARRIER_THREAD_ANNOTATION(assert_capability(x))

// On a function the analysis cannot follow; say why beside each use.
#define NO_THREAD_SAFETY_ANALYSIS BARRIER_THREAD_ANNOTATION(no_thread_safety_analysis)
