// Byte-string encodings used across the core: base64 (standard and url-safe,
// RFC 4648) and lowercase hex. Decoders are strict and never crash on
// untrusted input: they return false on any character outside the alphabet.
#pragma once

#include <string>
#include <string_view>

namespace barrier {

// base64url without padding (JWT, cookie ids, store keys, state).
std::string base64UrlEncode(std::string_view bytes);
// The length of base64UrlEncode's output for `n` bytes.
constexpr size_t base64UrlLength(size_t n) { return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1); }
// base64UrlEncode into `out` (room for base64UrlLength(bytes.size())
// chars), without allocating; returns the length written.
size_t base64UrlEncodeTo(std::string_view bytes, char* out);
// Accepts base64url with or without '=' padding; false on anything else.
bool base64UrlDecode(std::string_view text, std::string& out);

// Standard base64 with padding (HTTP Basic, config signing keys, DynamoDB B).
std::string base64Encode(std::string_view bytes);
// Accepts standard base64 with or without padding; false on anything else.
bool base64Decode(std::string_view text, std::string& out);

std::string hexEncode(std::string_view bytes);

}  // namespace barrier
