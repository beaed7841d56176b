// VerifiedIdMemo: cookie values whose MAC verified, with their store keys.
//
// Why: a signed-in visitor sends the same cookie on every request, and each
// time the checker would MAC the id (to verify it) and hash it (for the
// store key) again. A checker given a memo does that once per cookie value;
// at the edge, where every digest is a call out to node:crypto, this is
// most of a cached session's cost. Both results are pure functions of the
// cookie value and the signing keys, which are fixed for a Checker's life,
// so a remembered result is the result.
//
// Security: only values that verified are remembered, so a forged value can
// never hit. A lookup compares the whole value in constant time; which slot
// is looked at depends only on the caller's own input. A fixed number of
// slots: memory is bounded whatever clients send, and a value pushed out is
// verified again next time.
//
// Not thread-safe: for single-threaded callers (the edge module). Owned by
// the caller, and emptied with clear() whenever the signing keys change.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace barrier {

class VerifiedIdMemo {
 public:
  static constexpr size_t kSlots = 64;

  // The store key remembered for exactly `cookie_value`, or nullptr.
  const std::string* find(std::string_view cookie_value) const;
  // Precondition: `cookie_value` verified and `store_key` is its key.
  void remember(std::string_view cookie_value, std::string_view store_key);
  void clear();

 private:
  struct Slot {
    std::string value;  // empty: unused
    std::string store_key;
  };
  static size_t slotOf(std::string_view cookie_value);

  std::array<Slot, kSlots> slots_;
};

}  // namespace barrier
