#include "core/session/session_id.h"

#include <array>
#include <utility>

#include "core/encoding.h"

namespace barrier {

namespace {

bool isBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool allBase64Url(std::string_view text) {
  for (char c : text) {
    if (!isBase64UrlChar(c)) return false;
  }
  return true;
}

}  // namespace

bool hasIdCookieShape(std::string_view value) {
  // Exact length and alphabet before anything else: a cookie header is
  // attacker-controlled, and this keeps long or odd values away from HMAC.
  if (value.size() != kCookieValueLength || value[kIdTextLength] != '.') return false;
  return allBase64Url(value.substr(0, kIdTextLength)) &&
         allBase64Url(value.substr(kIdTextLength + 1));
}

IdCodec::IdCodec(Crypto& crypto, std::vector<std::string> keys) : crypto_(crypto) {
  for (auto& key : keys) {
    if (!key.empty()) keys_.push_back(std::move(key));
  }
}

std::string IdCodec::macText(std::string_view key, std::string_view id) const {
  Digest tag = crypto_.hmacSha256(key, id);
  return base64UrlEncode(std::string_view(reinterpret_cast<const char*>(tag.data()), kMacBytes));
}

Result<IssuedId> IdCodec::issue(Random& random) const {
  if (keys_.empty()) return Status::internal("no signing key configured");
  IssuedId out;
  out.id = base64UrlEncode(random.bytes(kIdBytes));
  out.cookie_value = cookieValueFor(out.id);
  out.store_key = storeKey(out.id);
  return out;
}

std::string IdCodec::cookieValueFor(std::string_view id) const {
  if (keys_.empty()) return {};
  return std::string(id) + "." + macText(keys_.front(), id);
}

bool IdCodec::verifies(std::string_view cookie_value) const {
  if (!hasIdCookieShape(cookie_value)) return false;
  std::string_view id = cookie_value.substr(0, kIdTextLength);
  std::string_view mac = cookie_value.substr(kIdTextLength + 1);
  // Every key is tried even after a match, so timing does not reveal which
  // key (old or new) signed the cookie; each comparison is constant-time.
  // Each MAC is encoded on the stack: this runs on every request.
  static_assert(base64UrlLength(kMacBytes) == kMacTextLength);
  std::array<char, kMacTextLength> expected;
  bool ok = false;
  for (const auto& key : keys_) {
    Digest tag = crypto_.hmacSha256(key, id);
    base64UrlEncodeTo(std::string_view(reinterpret_cast<const char*>(tag.data()), kMacBytes),
                      expected.data());
    if (constantTimeEqual(std::string_view(expected.data(), expected.size()), mac)) ok = true;
  }
  return ok;
}

std::optional<std::string> IdCodec::verify(std::string_view cookie_value) const {
  if (!verifies(cookie_value)) return std::nullopt;
  return std::string(cookie_value.substr(0, kIdTextLength));
}

std::optional<std::string> IdCodec::verifiedStoreKey(std::string_view cookie_value) const {
  if (!verifies(cookie_value)) return std::nullopt;
  return storeKey(cookie_value.substr(0, kIdTextLength));
}

std::string IdCodec::storeKey(std::string_view id) const {
  Digest digest = crypto_.sha256(id);
  return base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace barrier
