// VerifiedIdMemo: cookie values whose MAC verified, with their store keys.
//
// Why: a signed-in visitor sends the same cookie on every request, and each
// time the checker would MAC the id (to verify it) and hash it (for the
// store key) again. A checker given a memo does that once per cookie value:
// at the edge, where every digest is a call out to node:crypto, this is
// most of a cached session's cost; in `barrier serve` it is the HMAC and
// the hash of every signed-in request. Both results are pure functions of
// the cookie value and the signing keys, which are fixed for a Checker's
// life, so a remembered result is the result.
//
// Security: only values that verified are remembered, so a forged value can
// never hit. A lookup compares the whole value in constant time; which slot
// is looked at depends only on the caller's own input. A fixed number of
// slots: memory is bounded whatever clients send, and a value pushed out is
// verified again next time.
//
// Thread safety: lookup() and remember() may be called from several threads
// at once (each slot has its own lock, a no-op in the single-threaded wasm
// build). find() hands out a pointer into a slot: only for a caller that is
// the memo's one user (tests). Owned by the caller, and emptied with clear()
// (not concurrently with the others) whenever the signing keys change.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/mutex.h"

namespace barrier {

class VerifiedIdMemo {
 public:
  static constexpr size_t kSlots = 64;  // the default: the edge serves few visitors per container

  explicit VerifiedIdMemo(size_t slots = kSlots);

  // The store key remembered for exactly `cookie_value`, or nullopt.
  std::optional<std::string> lookup(std::string_view cookie_value) const;
  // As lookup(), without a copy: the memo's only user alone (see above).
  const std::string* find(std::string_view cookie_value) const;
  // Precondition: `cookie_value` verified and `store_key` is its key.
  void remember(std::string_view cookie_value, std::string_view store_key);
  void clear();
  size_t slots() const { return slot_count_; }

 private:
  struct Slot {
    mutable Mutex mu;
    std::string value GUARDED_BY(mu);  // empty: unused
    std::string store_key GUARDED_BY(mu);
  };
  Slot& slotOf(std::string_view cookie_value) const;
  static bool holds(const Slot& slot, std::string_view cookie_value) REQUIRES(slot.mu);

  size_t slot_count_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace barrier
