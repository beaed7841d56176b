// DigestMemo: the last results of SHA-256 and HMAC-SHA256 in the edge module.
//
// Why: every request of a cached session MACs and hashes the same cookie id
// again, and each digest is a call out to node:crypto, the costliest step of
// a cached check after JSON. Both functions are deterministic, so a
// remembered result is the result; no decision depends on the memo.
//
// Security: an entry matches only on the whole input (tag, key and data),
// compared in constant time, so a hit tells an observer only that this exact
// input was seen — which takes knowing the input. Small inputs only (cookie
// ids, not SigV4 string-to-signs), a fixed number of slots: memory is bounded
// whatever clients send. Owned by the module; single-threaded like it.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/ports/crypto.h"

namespace barrier {

class DigestMemo {
 public:
  // Inputs (key + data) longer than this are never remembered.
  static constexpr size_t kMaxInput = 160;
  static constexpr size_t kSlots = 64;

  // `tag` tells the functions apart ('S' SHA-256, 'H' HMAC). Returns the
  // remembered digest or nullptr.
  const Digest* find(char tag, std::string_view key, std::string_view data) const;
  void remember(char tag, std::string_view key, std::string_view data, const Digest& digest);

 private:
  struct Slot {
    std::string input;  // empty: unused
    Digest digest{};
  };
  // The whole input in scratch_ (no allocation on the hot path); false
  // when it is too long to remember.
  bool encode(char tag, std::string_view key, std::string_view data) const;
  static size_t slotOf(std::string_view input);

  std::array<Slot, kSlots> slots_;
  mutable std::array<char, kMaxInput + 3> scratch_{};
  mutable size_t scratch_size_ = 0;
};

}  // namespace barrier
