#include "core/session/verified_id_memo.h"

#include <cstdint>

#include "core/ports/crypto.h"

namespace barrier {

VerifiedIdMemo::VerifiedIdMemo(size_t slots)
    : slot_count_(slots == 0 ? 1 : slots), slots_(std::make_unique<Slot[]>(slot_count_)) {}

// FNV-1a over the length and the last 16 bytes (the MAC: random per value).
VerifiedIdMemo::Slot& VerifiedIdMemo::slotOf(std::string_view cookie_value) const {
  uint32_t h = (2166136261u ^ static_cast<uint32_t>(cookie_value.size())) * 16777619u;
  for (unsigned char c :
       cookie_value.substr(cookie_value.size() > 16 ? cookie_value.size() - 16 : 0)) {
    h = (h ^ c) * 16777619u;
  }
  return slots_[h % slot_count_];
}

bool VerifiedIdMemo::holds(const Slot& slot, std::string_view cookie_value) {
  return !slot.value.empty() && slot.value.size() == cookie_value.size() &&
         constantTimeEqual(slot.value, cookie_value);
}

std::optional<std::string> VerifiedIdMemo::lookup(std::string_view cookie_value) const {
  Slot& slot = slotOf(cookie_value);
  MutexLock lock(slot.mu);
  if (!holds(slot, cookie_value)) return std::nullopt;
  return slot.store_key;
}

const std::string* VerifiedIdMemo::find(std::string_view cookie_value) const {
  Slot& slot = slotOf(cookie_value);
  MutexLock lock(slot.mu);
  return holds(slot, cookie_value) ? &slot.store_key : nullptr;
}

void VerifiedIdMemo::remember(std::string_view cookie_value, std::string_view store_key) {
  if (cookie_value.empty()) return;
  Slot& slot = slotOf(cookie_value);
  MutexLock lock(slot.mu);
  slot.value.assign(cookie_value);
  slot.store_key.assign(store_key);
}

void VerifiedIdMemo::clear() {
  for (size_t i = 0; i < slot_count_; ++i) {
    MutexLock lock(slots_[i].mu);
    slots_[i].value.clear();
    slots_[i].store_key.clear();
  }
}

}  // namespace barrier
