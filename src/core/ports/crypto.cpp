#include "core/ports/crypto.h"

#include <cstdint>
#include <cstring>

namespace barrier {

bool constantTimeEqual(std::string_view a, std::string_view b) {
  // Lengths of MACs and secrets are public; only the contents are secret.
  if (a.size() != b.size()) return false;
  // Every byte is compared, eight at a time, with no branch on the data;
  // only the final answer passes through a volatile, so the compiler can
  // neither stop early nor skip the loop.
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    uint64_t x;
    uint64_t y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  for (; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  volatile uint64_t result = diff;
  return result == 0;
}

}  // namespace barrier
