#include "core/encoding.h"

#include <array>
#include <cstdint>

namespace barrier {

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t encodedSize(size_t n, bool pad) { return pad ? (n + 2) / 3 * 4 : base64UrlLength(n); }

// Writes the encoding of `in` to `out` but for padding (the caller's '=').
// In place, without allocating: ids and MACs are encoded on every request
// the checker sees.
void encodeTo(std::string_view in, const char* alphabet, char* o) {
  size_t rest = in.size() % 3;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  if (rest != 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63];
  }
}

std::string encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out(encodedSize(in.size(), pad), '=');
  encodeTo(in, alphabet, out.data());
  return out;  // padding, when asked for, is the '=' left in place
}

std::array<int8_t, 256> table(const char* alphabet) {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

bool decode(std::string_view in, const std::array<int8_t, 256>& t, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  std::string result;
  result.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int8_t v = t[static_cast<uint8_t>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      result += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, so that each byte string has one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  out = std::move(result);
  return true;
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) { return encode(bytes, kUrl, false); }
size_t base64UrlEncodeTo(std::string_view bytes, char* out) {
  encodeTo(bytes, kUrl, out);
  return base64UrlLength(bytes.size());
}
std::string base64Encode(std::string_view bytes) { return encode(bytes, kStd, true); }

bool base64UrlDecode(std::string_view text, std::string& out) {
  static const auto t = table(kUrl);
  return decode(text, t, out);
}

bool base64Decode(std::string_view text, std::string& out) {
  static const auto t = table(kStd);
  return decode(text, t, out);
}

std::string hexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kHex[uint8_t(c) >> 4];
    out += kHex[uint8_t(c) & 15];
  }
  return out;
}

}  // namespace barrier
