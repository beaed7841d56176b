// The safe return path rule (docs/ARCHITECTURE.md, "Login", step 1).
//
// After login the visitor is sent to https://<site> + P. P comes from the
// query string, i.e. from anyone, so it must be a same-site relative
// reference: exactly one leading '/', not "//" or "/\" at the start, no
// "." or ".." segment (which could make it so), no scheme, no control
// characters (CR, LF, TAB, NUL...), no backslash, and it
// is decoded exactly once by the query parser before it gets here. Anything
// else becomes "/".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace barrier {

// `decoded` is the already-decoded `path` parameter. Returns it unchanged
// when safe, "/" otherwise.
std::string safeReturnPath(std::string_view decoded);
bool isSafeReturnPath(std::string_view decoded);

// Longer return paths are refused (they are stored in the login record).
constexpr size_t kMaxReturnPathBytes = 2048;

// Makes a safe path valid in a Location header without changing what the
// browser requests: bytes a URL may not hold raw (space, '"', '<', '>', '\',
// '^', '`', '{', '|', '}', '[', ']', controls, every non-ASCII UTF-8 byte,
// and a '%' not starting an escape) become %XX; existing %XX escapes and
// reserved characters (/ ? & = # ...) stay as they are.
// "/a b?q=caf\xC3\xA9&x=%26" -> "/a%20b?q=caf%C3%A9&x=%26".
std::string encodeForLocation(std::string_view safe_path);

}  // namespace barrier
