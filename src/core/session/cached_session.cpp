#include "core/session/cached_session.h"

#include <functional>
#include <new>
#include <type_traits>

#include "core/encoding.h"
#include "core/session/block_pool.h"

namespace barrier {

namespace {

static_assert(sizeof(CachedSession) % alignof(CachedSession) == 0, "the strings follow the header");

constexpr size_t kCanonicalKeyLength = base64UrlLength(PackedKey::kRawBytes);  // 43

// The value of each base64url character; -1 for any other byte.
constexpr std::array<int8_t, 256> kBase64UrlValues = [] {
  std::array<int8_t, 256> values{};
  values.fill(-1);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int8_t v = 0; v < 64; ++v) values[static_cast<unsigned char>(alphabet[v])] = v;
  return values;
}();

int base64UrlValue(char c) { return kBase64UrlValues[static_cast<unsigned char>(c)]; }

// Decodes a canonical key into `out`: 43 base64url characters whose last
// one carries no bits past the 256th (so the text is the only encoding of
// those bytes, and encoding them again gives it back).
bool decodeCanonicalKey(std::string_view key, char* out) {
  if (key.size() != kCanonicalKeyLength) return false;
  uint32_t bits = 0;
  int held = 0;
  size_t n = 0;
  for (char c : key) {
    int v = base64UrlValue(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out[n++] = static_cast<char>((bits >> held) & 0xff);
    }
  }
  return (bits & ((1u << held) - 1)) == 0;  // the 2 bits left over are zero
}

size_t lengthSize(size_t n) {
  size_t bytes = 1;
  for (; n >= 0x80; n >>= 7) ++bytes;
  return bytes;
}

size_t packedSize(std::string_view text) { return lengthSize(text.size()) + text.size(); }

// Appends `n` as a varint at `out`; returns the end.
char* packCount(char* out, size_t count) {
  auto n = static_cast<uint32_t>(count);
  for (; n >= 0x80; n >>= 7) *out++ = static_cast<char>((n & 0x7f) | 0x80);
  *out++ = static_cast<char>(n);
  return out;
}

// Appends `text` at `out` (its length first); returns the end.
char* pack(char* out, std::string_view text) {
  out = packCount(out, text.size());
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// Natively the blocks come from a pool of their own (block_pool.h says
// why); the edge module's allocator (src/edge/small_blocks.h) already keeps
// blocks of each size apart.
void* allocateBlock(size_t bytes) {
#if defined(__wasi__)
  return ::operator new(bytes);
#else
  return BlockPool::sessions().allocate(bytes);
#endif
}

void releaseBlock(void* block, size_t bytes) {
#if defined(__wasi__)
  (void)bytes;
  ::operator delete(block);
#else
  BlockPool::sessions().release(block, bytes);
#endif
}

}  // namespace

PackedKey::PackedKey(std::string_view key) : text_(key) {
  raw_ = decodeCanonicalKey(key, bytes_.data());
}

size_t PackedKey::hashOf(bool raw, std::string_view bytes) {
  if (!raw) return std::hash<std::string_view>{}(bytes);
  size_t h;
  std::memcpy(&h, bytes.data(), sizeof h);
  return h;
}

bool PackedStrings::contains(std::string_view value) const {
  for (std::string_view s : *this) {
    if (s == value) return true;
  }
  return false;
}

SessionPtr CachedSession::allocate(size_t text_size) {
  void* block = allocateBlock(sizeof(CachedSession) + text_size);
  auto* session = new (block) CachedSession();
  session->text_size_ = static_cast<uint32_t>(text_size);
  return SessionPtr(session);
}

void CachedSession::release() const {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Trivially destructible (asserted below): the block is all there is.
  releaseBlock(const_cast<CachedSession*>(this), blockSize());
}

static_assert(std::is_trivially_destructible_v<CachedSession>,
              "release() frees the block without running a destructor");

SessionPtr CachedSession::make(const SessionRecord& record) {
  PackedKey key(record.key);
  size_t size = 1 + (key.raw() ? PackedKey::kRawBytes : packedSize(record.key)) +
                packedSize(record.sub) + packedSize(record.username) + packedSize(record.email);
  for (const auto& g : record.groups) size += packedSize(g);
  for (const auto& c : record.claims) {
    size += packedSize(c.name) + lengthSize(c.values.size());
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
  *out++ = key.raw() ? kRawKey : kTextKey;
  if (key.raw()) {
    std::memcpy(out, key.bytes().data(), PackedKey::kRawBytes);
    out += PackedKey::kRawBytes;
  } else {
    out = pack(out, record.key);
  }
  for (std::string_view field : {std::string_view(record.sub), std::string_view(record.username),
                                 std::string_view(record.email)}) {
    out = pack(out, field);
  }
  s->group_count_ = static_cast<uint32_t>(record.groups.size());
  for (const auto& g : record.groups) out = pack(out, g);
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
  s->claim_count_ = claim_count_;
  s->valid_until_ = valid_until_;
  s->created_at_ = created_at_;
  s->last_seen_ = last_seen;
  std::memcpy(s->text(), text(), text_size_);
  return ptr;
}

std::string_view CachedSession::keyBytes() const {
  if (rawKey()) return {text() + 1, PackedKey::kRawBytes};
  const char* at = text() + 1;
  return readString(at);
}

std::string CachedSession::key() const {
  if (!rawKey()) return std::string(keyBytes());
  std::string out(kCanonicalKeyLength, '\0');
  base64UrlEncodeTo(keyBytes(), out.data());
  return out;
}

bool CachedSession::hasKey(const PackedKey& key) const {
  return key.raw() == rawKey() && key.bytes() == keyBytes();
}

size_t CachedSession::keyHash() const { return PackedKey::hashOf(rawKey(), keyBytes()); }

const char* CachedSession::stringsAt(int n) const {
  std::string_view key = keyBytes();
  const char* at = key.data() + key.size();
  for (int i = 0; i < n; ++i) readString(at);
  return at;
}

std::string_view CachedSession::stringAt(int n) const {
  const char* at = stringsAt(n);
  return readString(at);
}

std::optional<PackedStrings> CachedSession::claim(std::string_view name) const {
  const char* at = stringsAt(3);
  for (uint32_t g = 0; g < group_count_; ++g) readString(at);
  for (uint32_t i = 0; i < claim_count_; ++i) {
    std::string_view claim_name = readString(at);
    uint32_t count = readLength(at);
    PackedStrings values(at, count);
    if (claim_name == name) return values;
    for (uint32_t v = 0; v < count; ++v) readString(at);
  }
  return std::nullopt;
}

}  // namespace barrier
