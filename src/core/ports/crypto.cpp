#include "core/ports/crypto.h"

namespace barrier {

bool constantTimeEqual(std::string_view a, std::string_view b) {
  // Lengths of MACs and secrets are public; only the contents are secret.
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace barrier
