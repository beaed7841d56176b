#include "core/session/cached_session.h"

#include <new>
#include <type_traits>

namespace barrier {

namespace {

static_assert(sizeof(CachedSession) % alignof(CachedSession) == 0, "the strings follow the header");

size_t packedSize(std::string_view text) { return sizeof(uint32_t) + text.size(); }

// Appends `text` at `out` (its length first); returns the end.
char* pack(char* out, std::string_view text) {
  auto n = static_cast<uint32_t>(text.size());
  std::memcpy(out, &n, sizeof n);
  if (!text.empty()) std::memcpy(out + sizeof n, text.data(), text.size());
  return out + packedSize(text);
}

char* packCount(char* out, size_t count) {
  auto n = static_cast<uint32_t>(count);
  std::memcpy(out, &n, sizeof n);
  return out + sizeof n;
}

}  // namespace

bool PackedStrings::contains(std::string_view value) const {
  for (std::string_view s : *this) {
    if (s == value) return true;
  }
  return false;
}

SessionPtr CachedSession::allocate(size_t text_size) {
  void* block = ::operator new(sizeof(CachedSession) + text_size);
  auto* session = new (block) CachedSession();
  session->text_size_ = static_cast<uint32_t>(text_size);
  return SessionPtr(session);
}

void CachedSession::release() const {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Trivially destructible (asserted below): the block is all there is.
  ::operator delete(const_cast<CachedSession*>(this));
}

static_assert(std::is_trivially_destructible_v<CachedSession>,
              "release() frees the block without running a destructor");

SessionPtr CachedSession::make(const SessionRecord& record) {
  size_t size = packedSize(record.key) + packedSize(record.sub) + packedSize(record.username) +
                packedSize(record.email);
  for (const auto& g : record.groups) size += packedSize(g);
  for (const auto& c : record.claims) {
    size += packedSize(c.name) + sizeof(uint32_t);
    for (const auto& v : c.values) size += packedSize(v);
  }
  SessionPtr ptr = allocate(size);
  auto* s = const_cast<CachedSession*>(ptr.get());
  // Only a record of kind session may ever let a request through: any
  // other makes a block that is never live.
  s->valid_until_ = record.kind == RecordKind::kSession ? record.valid_until : 0;
  s->created_at_ = record.created_at;
  s->last_seen_ = record.last_seen;
  char* out = s->text();
  for (std::string_view field :
       {std::string_view(record.key), std::string_view(record.sub),
        std::string_view(record.username), std::string_view(record.email)}) {
    out = pack(out, field);
  }
  s->groups_at_ = static_cast<uint32_t>(out - s->text());
  s->group_count_ = static_cast<uint32_t>(record.groups.size());
  for (const auto& g : record.groups) out = pack(out, g);
  s->claims_at_ = static_cast<uint32_t>(out - s->text());
  s->claim_count_ = static_cast<uint32_t>(record.claims.size());
  for (const auto& c : record.claims) {
    out = packCount(pack(out, c.name), c.values.size());
    for (const auto& v : c.values) out = pack(out, v);
  }
  return ptr;
}

SessionPtr CachedSession::keyOnly(std::string_view key) {
  SessionRecord record;
  record.key = key;
  return make(record);
}

SessionPtr CachedSession::withLastSeen(int64_t last_seen) const {
  SessionPtr ptr = allocate(text_size_);
  auto* s = const_cast<CachedSession*>(ptr.get());
  s->group_count_ = group_count_;
  s->groups_at_ = groups_at_;
  s->claim_count_ = claim_count_;
  s->claims_at_ = claims_at_;
  s->valid_until_ = valid_until_;
  s->created_at_ = created_at_;
  s->last_seen_ = last_seen;
  std::memcpy(s->text(), text(), text_size_);
  return ptr;
}

std::string_view CachedSession::stringAt(int n) const {
  const char* at = text();
  for (int i = 0; i < n; ++i) at += sizeof(uint32_t) + packedLength(at);
  return {at + sizeof(uint32_t), packedLength(at)};
}

std::optional<PackedStrings> CachedSession::claim(std::string_view name) const {
  const char* at = text() + claims_at_;
  for (uint32_t i = 0; i < claim_count_; ++i) {
    std::string_view claim_name(at + sizeof(uint32_t), packedLength(at));
    at += packedSize(claim_name);
    uint32_t count = packedLength(at);
    at += sizeof(uint32_t);
    PackedStrings values(at, count);
    if (claim_name == name) return values;
    for (uint32_t v = 0; v < count; ++v) at += sizeof(uint32_t) + packedLength(at);
  }
  return std::nullopt;
}

}  // namespace barrier
