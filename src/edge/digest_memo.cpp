#include "edge/digest_memo.h"

#include <cstdint>
#include <utility>

namespace barrier {

// tag, key length (two bytes), key, data: unambiguous for every key and data.
bool DigestMemo::encode(char tag, std::string_view key, std::string_view data, std::string& out) {
  if (key.size() + data.size() > kMaxInput) return false;
  out.clear();
  out += tag;
  out += static_cast<char>(key.size() >> 8);
  out += static_cast<char>(key.size() & 0xff);
  out.append(key);
  out.append(data);
  return true;
}

// FNV-1a: spreads inputs over the slots; collisions only cost a recompute.
size_t DigestMemo::slotOf(const std::string& input) {
  uint32_t h = 2166136261u;
  for (unsigned char c : input) h = (h ^ c) * 16777619u;
  return h % kSlots;
}

const Digest* DigestMemo::find(char tag, std::string_view key, std::string_view data) const {
  std::string input;
  if (!encode(tag, key, data, input)) return nullptr;
  const Slot& slot = slots_[slotOf(input)];
  if (slot.input.size() != input.size() || !constantTimeEqual(slot.input, input)) return nullptr;
  return &slot.digest;
}

void DigestMemo::remember(char tag, std::string_view key, std::string_view data,
                          const Digest& digest) {
  std::string input;
  if (!encode(tag, key, data, input)) return;
  Slot& slot = slots_[slotOf(input)];
  slot.input = std::move(input);
  slot.digest = digest;
}

}  // namespace barrier
