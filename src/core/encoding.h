// Byte-string encodings used across the core: base64 (standard and url-safe,
// RFC 4648) and lowercase hex. Decoders are strict and never crash on
// untrusted input: they return false on any character outside the alphabet.
#pragma once

#include <string>
#include <string_view>

namespace barrier {

// base64url without padding (JWT, cookie ids, store keys, state).
std::string base64UrlEncode(std::string_view bytes);
// Accepts base64url with or without '=' padding; false on anything else.
bool base64UrlDecode(std::string_view text, std::string& out);

// Standard base64 with padding (HTTP Basic, config signing keys, DynamoDB B).
std::string base64Encode(std::string_view bytes);
// Accepts standard base64 with or without padding; false on anything else.
bool base64Decode(std::string_view text, std::string& out);

std::string hexEncode(std::string_view bytes);

}  // namespace barrier
