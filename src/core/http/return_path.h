// The safe return path rule (DESIGN §3 Login step 1).
//
// After login the visitor is sent to https://<site> + P. P comes from the
// query string, i.e. from anyone, so it must be a same-site relative
// reference: exactly one leading '/', not "//" or "/\" at the start, no
// scheme, no control characters (CR, LF, TAB, NUL...), no backslash, and it
// is decoded exactly once by the query parser before it gets here. Anything
// else becomes "/".
#pragma once

#include <string>
#include <string_view>

namespace barrier {

// `decoded` is the already-decoded `path` parameter. Returns it unchanged
// when safe, "/" otherwise.
std::string safeReturnPath(std::string_view decoded);
bool isSafeReturnPath(std::string_view decoded);

}  // namespace barrier
