// Path patterns for public_paths and access rules, and the path
// normalisation they are matched against.
//
// Patterns: exact ("/x"), prefix ("/x/*": also matches "/x" itself, the
// directory an origin would serve for it), and '*' anywhere matching any run
// of characters, '/' included.
//
// Security: an origin may treat several spellings of a path as one
// (/%61dmin, //admin, /x/../admin, /admin;x, /admin%2Fx on nginx and S3,
// /ADMIN on case-insensitive file systems). Patterns are therefore never
// matched against the raw path but against a normalised one:
//   1. percent-escapes of unreserved characters (A-Z a-z 0-9 - . _ ~) are
//      decoded once, other escapes get uppercase hex (%2f -> %2F);
//   2. runs of '/' collapse to one;
//   3. dot segments are resolved (RFC 3986 §5.2.4); ".." never climbs above
//      the root.
// A path is *ambiguous* when it still holds characters that some origins
// decode or split on and others do not: an encoded '/' or '\' (%2F, %5C), a
// literal '\', ';' (path parameters), a literal '#' (a request target may
// not hold one, yet parsers that meet it end the path there, and nginx's
// $request_uri passes it on: /admin/x#/../../y is /y to step 3 and
// /admin/x to them), an encoded NUL or control character, or a malformed
// escape. The two uses then lean opposite ways, each towards
// "more protection":
//   - public paths are matched case-sensitively and an ambiguous path is
//     never public (it must prove it is public under every reading);
//   - access rules are matched case-insensitively, against the normalised
//     path and, when ambiguous, also against the most-decoded reading (cut
//     at a literal '#', all escapes decoded, '\' as '/', ";params"
//     dropped, normalised again).
//     Each reading picks its own first matching rule, and a request must
//     meet every rule picked: /reports/..%2Fadmin/x is a /reports/ page to
//     one origin and /admin/x to another, so it needs both rules' groups.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace barrier {

struct NormalizedPath {
  std::string path;     // steps 1-3 above; always starts with '/'
  std::string decoded;  // the most-decoded reading; set only when ambiguous
  bool ambiguous = false;
};

NormalizedPath normalizePath(std::string_view raw_path);

// Glob match of `pattern` against `path` ('*' = any run, "/x/*" also "/x").
bool matchPattern(std::string_view pattern, std::string_view path, bool ignore_case = false);

// public_paths test: case-sensitive, never for ambiguous paths.
bool matchesPublic(const std::vector<std::string>& patterns, const NormalizedPath& path);

}  // namespace barrier
