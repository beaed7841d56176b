// Percent-encoding (RFC 3986).
#pragma once

#include <string>
#include <string_view>

namespace barrier {

// RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~
bool isUnreservedChar(unsigned char c);
// The value of one hex digit (either case), or -1.
int hexDigitValue(char c);

// Encodes everything except unreserved characters (A-Z a-z 0-9 - . _ ~).
// Used for query parameters and form bodies; space becomes %20.
std::string percentEncode(std::string_view text);
// Decodes %XX once. With `plus_as_space` (forms, query strings), '+' is a
// space. Returns false on a malformed escape (%G1, trailing %); `out` is then
// unspecified.
bool percentDecode(std::string_view text, std::string& out, bool plus_as_space = false);

}  // namespace barrier
