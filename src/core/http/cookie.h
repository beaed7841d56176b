// RFC 6265 cookies: parsing Cookie request headers and serialising Set-Cookie.
//
// The parser is lenient where browsers are and strict where it matters:
// a malformed neighbour (`a="x; barrier=...`) never hides a later valid pair,
// every Cookie header is read, and repeated names are all returned in order
// (the checker tries each). Names are matched exactly, never by substring.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/message.h"

namespace barrier {

struct Cookie {
  std::string name;
  std::string value;  // surrounding DQUOTEs removed; not percent-decoded
};

// All pairs of one Cookie header value, in order. Never fails: garbage
// segments are skipped. Bounded: at most kMaxCookies pairs are returned.
std::vector<Cookie> parseCookieHeader(std::string_view header);
// All pairs of every Cookie header of `headers`, in order.
std::vector<Cookie> parseCookies(const Headers& headers);
// Every value of cookie `name` across all Cookie headers, in order: views
// into `headers`, valid while it is unchanged (no copies: the checker calls
// this on every request).
std::vector<std::string_view> cookieValues(const Headers& headers, std::string_view name);

constexpr size_t kMaxCookies = 256;
// Bytes of one Cookie header that are read; the rest is ignored.
constexpr size_t kMaxCookieHeaderBytes = 64 * 1024;
// Longest name + value accepted for one pair (browsers store at most 4096).
constexpr size_t kMaxCookieBytes = 4096;

enum class SameSite { kLax, kStrict, kNone };

struct SetCookie {
  std::string name;
  std::string value;
  std::string path = "/";
  std::string domain;              // "" = host-only (no Domain attribute)
  std::optional<int64_t> max_age;  // seconds; 0 clears
  bool http_only = true;
  bool secure = true;
  SameSite same_site = SameSite::kLax;
};

// "name=value; Path=/; Domain=example.com; Max-Age=300; HttpOnly; Secure; SameSite=Lax"
// Bytes that are not RFC 6265 token chars (name) or cookie-octets (value),
// and ';' or control characters in the path, are dropped, so a value can
// never add an attribute or a header. Max-Age=0 also adds an Expires in 1970.
std::string serializeSetCookie(const SetCookie& cookie);
// A Set-Cookie that deletes `name` (empty value, Max-Age=0, same attributes:
// a cookie set with a Domain is only deleted by one naming it too).
std::string clearCookie(std::string_view name, bool secure, std::string_view path = "/",
                        std::string_view domain = {});

}  // namespace barrier
