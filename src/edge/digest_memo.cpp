#include "edge/digest_memo.h"

#include <cstdint>
#include <cstring>

namespace barrier {

// tag, key length (two bytes), key, data: unambiguous for every key and data.
bool DigestMemo::encode(char tag, std::string_view key, std::string_view data) const {
  if (key.size() + data.size() > kMaxInput) return false;
  char* out = scratch_.data();
  out[0] = tag;
  out[1] = static_cast<char>(key.size() >> 8);
  out[2] = static_cast<char>(key.size() & 0xff);
  if (!key.empty()) std::memcpy(out + 3, key.data(), key.size());
  if (!data.empty()) std::memcpy(out + 3 + key.size(), data.data(), data.size());
  scratch_size_ = 3 + key.size() + data.size();
  return true;
}

// FNV-1a over the length and the last 16 bytes (where cookie ids, the
// inputs that repeat, differ: the key before them is the same for all):
// spreads inputs over the slots; a collision only costs a recompute.
size_t DigestMemo::slotOf(std::string_view input) {
  uint32_t h = (2166136261u ^ static_cast<uint32_t>(input.size())) * 16777619u;
  for (unsigned char c : input.substr(input.size() > 16 ? input.size() - 16 : 0)) {
    h = (h ^ c) * 16777619u;
  }
  return h % kSlots;
}

const Digest* DigestMemo::find(char tag, std::string_view key, std::string_view data) const {
  if (!encode(tag, key, data)) return nullptr;
  std::string_view input(scratch_.data(), scratch_size_);
  const Slot& slot = slots_[slotOf(input)];
  if (slot.input.size() != input.size() || !constantTimeEqual(slot.input, input)) return nullptr;
  return &slot.digest;
}

void DigestMemo::remember(char tag, std::string_view key, std::string_view data,
                          const Digest& digest) {
  if (!encode(tag, key, data)) return;
  std::string_view input(scratch_.data(), scratch_size_);
  Slot& slot = slots_[slotOf(input)];
  slot.input.assign(input);
  slot.digest = digest;
}

}  // namespace barrier
