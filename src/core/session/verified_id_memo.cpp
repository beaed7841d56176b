#include "core/session/verified_id_memo.h"

#include <cstdint>

#include "core/ports/crypto.h"

namespace barrier {

// FNV-1a over the length and the last 16 bytes (the MAC: random per value).
size_t VerifiedIdMemo::slotOf(std::string_view cookie_value) {
  uint32_t h = (2166136261u ^ static_cast<uint32_t>(cookie_value.size())) * 16777619u;
  for (unsigned char c :
       cookie_value.substr(cookie_value.size() > 16 ? cookie_value.size() - 16 : 0)) {
    h = (h ^ c) * 16777619u;
  }
  return h % kSlots;
}

const std::string* VerifiedIdMemo::find(std::string_view cookie_value) const {
  const Slot& slot = slots_[slotOf(cookie_value)];
  if (slot.value.empty() || slot.value.size() != cookie_value.size() ||
      !constantTimeEqual(slot.value, cookie_value)) {
    return nullptr;
  }
  return &slot.store_key;
}

void VerifiedIdMemo::remember(std::string_view cookie_value, std::string_view store_key) {
  if (cookie_value.empty()) return;
  Slot& slot = slots_[slotOf(cookie_value)];
  slot.value.assign(cookie_value);
  slot.store_key.assign(store_key);
}

void VerifiedIdMemo::clear() {
  for (Slot& slot : slots_) slot = Slot{};
}

}  // namespace barrier
