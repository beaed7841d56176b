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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barrier {

// `decoded` is the already-decoded `path` parameter. Returns it unchanged
// when safe, "/" otherwise.
std::string safeReturnPath(std::string_view decoded);
bool isSafeReturnPath(std::string_view decoded);

// Longer return paths are refused (they are stored in the login record).
constexpr size_t kMaxReturnPathBytes = 2048;

// The hosts a sign-in may return to (README, "One sign-in for several
// hosts"): site_url's scheme, and its host with allowed_hosts (authorities,
// host[:port], lowercase).
struct ReturnHosts {
  std::string_view scheme;  // "https"
  const std::vector<std::string>& hosts;
};

// An absolute return URL to one of the listed hosts: the listed spelling
// of the host and the path ("/" when the URL has none).
struct ReturnUrl {
  std::string_view host;  // into ReturnHosts::hosts
  std::string path;
};

// `decoded` as an absolute URL: exactly "<scheme>://<host>" then nothing or
// a path isSafeReturnPath accepts, where scheme and host equal (ignoring
// ASCII case) the listed ones. Anything else in the authority (userinfo,
// another port, a trailing dot, a longer name, an escape) is no listed
// host: nullopt.
std::optional<ReturnUrl> parseReturnUrl(std::string_view decoded, const ReturnHosts& allowed);

// What the login record keeps as the return target: `decoded` when it is a
// safe path, "<scheme>://<listed host><safe path>" for an absolute URL to a
// listed host, "/" otherwise.
std::string safeReturnTarget(std::string_view decoded, const ReturnHosts& allowed);

// The Location a sign-in ends at for a stored return target, checked
// again: `site_base` + the path, or the listed host's URL; both encoded
// with encodeForLocation.
std::string returnLocation(std::string_view target, std::string_view site_base,
                           const ReturnHosts& allowed);

// Makes a safe path valid in a Location header without changing what the
// browser requests: bytes a URL may not hold raw (space, '"', '<', '>', '\',
// '^', '`', '{', '|', '}', '[', ']', controls, every non-ASCII UTF-8 byte,
// and a '%' not starting an escape) become %XX; existing %XX escapes and
// reserved characters (/ ? & = # ...) stay as they are.
// "/a b?q=caf\xC3\xA9&x=%26" -> "/a%20b?q=caf%C3%A9&x=%26".
std::string encodeForLocation(std::string_view safe_path);

}  // namespace barrier
