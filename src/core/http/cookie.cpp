#include "core/http/cookie.h"

#include <cstdint>
#include <cstring>

namespace barrier {

namespace {

bool isCtl(unsigned char c) { return c < 0x20 || c == 0x7F; }

// RFC 7230 tchar: the characters allowed in a cookie name.
bool isTokenChar(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 6265 cookie-octet: what serializeSetCookie lets through in a value.
bool isCookieOctet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

// Eight bytes at a time (every value of every Cookie header is scanned):
// a word holds a byte below 0x20 when subtracting 0x20 from each byte
// borrows into a high bit that was clear, and a 0x7F when XOR with 0x7F
// leaves a zero byte. Bytes from 0x80 up are never control characters.
bool hasCtl(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    uint64_t del = word ^ (kOnes * 0x7F);
    if ((((word - kOnes * 0x20) & ~word) | ((del - kOnes) & ~del)) & kHighs) return true;
  }
  for (; i < s.size(); ++i) {
    if (isCtl(static_cast<unsigned char>(s[i]))) return true;
  }
  return false;
}

// One `name=value` segment, as views into it. Segments without '=', with an
// empty name or with control characters are skipped: they cannot be a cookie
// we set, and skipping them (rather than failing the header) is what keeps a
// malformed neighbour from hiding ours.
bool parsePair(std::string_view segment, std::string_view& name, std::string_view& value) {
  size_t eq = segment.find('=');
  if (eq == std::string_view::npos) return false;
  name = trimOws(segment.substr(0, eq));
  value = trimOws(segment.substr(eq + 1));
  if (name.empty() || name.size() + value.size() > kMaxCookieBytes) return false;
  if (hasCtl(name) || hasCtl(value)) return false;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return true;
}

// Calls pair(name, value) for each pair of one Cookie header value, while
// `count` (pairs so far, across headers) is under kMaxCookies.
template <class Pair>
void forEachPair(std::string_view header, size_t& count, Pair pair) {
  // Oversized headers are read up to the bound; a pair cut off at the end is
  // at worst a wrong value, which the cookie MAC then refuses.
  if (header.size() > kMaxCookieHeaderBytes) header = header.substr(0, kMaxCookieHeaderBytes);
  // ';' always separates pairs, even inside an unbalanced quote: browsers
  // split the same way, so `a="x; barrier=v` yields barrier=v.
  while (!header.empty() && count < kMaxCookies) {
    size_t semi = header.find(';');
    std::string_view segment = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    std::string_view name;
    std::string_view value;
    if (parsePair(segment, name, value)) {
      ++count;
      pair(name, value);
    }
  }
}

// forEachPair over every Cookie header of `headers`, in order.
template <class Pair>
void forEachCookie(const Headers& headers, Pair pair) {
  size_t count = 0;
  for (const auto& header : headers) {
    if (count >= kMaxCookies) break;
    if (equalsIgnoreCase(header.name, "cookie")) forEachPair(header.value, count, pair);
  }
}

void appendCookie(std::vector<Cookie>& out, std::string_view name, std::string_view value) {
  out.push_back(Cookie{std::string(name), std::string(value)});
}

const char* sameSiteName(SameSite same_site) {
  switch (same_site) {
    case SameSite::kLax:
      return "Lax";
    case SameSite::kStrict:
      return "Strict";
    case SameSite::kNone:
      return "None";
  }
  return "Lax";
}

// Drops every byte `keep` refuses: a Set-Cookie built from a stray ';' or
// CR/LF could otherwise add attributes or headers.
template <class Pred>
std::string filtered(std::string_view text, Pred keep) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (keep(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

}  // namespace

std::vector<Cookie> parseCookieHeader(std::string_view header) {
  std::vector<Cookie> out;
  size_t count = 0;
  forEachPair(header, count,
              [&](std::string_view n, std::string_view v) { appendCookie(out, n, v); });
  return out;
}

std::vector<Cookie> parseCookies(const Headers& headers) {
  std::vector<Cookie> out;
  forEachCookie(headers, [&](std::string_view n, std::string_view v) { appendCookie(out, n, v); });
  return out;
}

std::vector<std::string_view> cookieValues(const Headers& headers, std::string_view name) {
  std::vector<std::string_view> out;
  forEachCookie(headers, [&](std::string_view n, std::string_view v) {
    if (n == name) out.push_back(v);
  });
  return out;
}

std::string serializeSetCookie(const SetCookie& cookie) {
  std::string out = filtered(cookie.name, isTokenChar);
  out += '=';
  out += filtered(cookie.value, isCookieOctet);
  // An attribute's value: no ';' (which would start another attribute)
  // and no control character.
  auto attribute = [](unsigned char c) { return !isCtl(c) && c != ';'; };
  std::string path = filtered(cookie.path, attribute);
  if (!path.empty()) out += "; Path=" + path;
  std::string domain = filtered(cookie.domain, attribute);
  if (!domain.empty()) out += "; Domain=" + domain;
  if (cookie.max_age) {
    int64_t max_age = *cookie.max_age < 0 ? 0 : *cookie.max_age;
    out += "; Max-Age=" + std::to_string(max_age);
    // Clients older than RFC 6265 only understand Expires.
    if (max_age == 0) out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  }
  if (cookie.http_only) out += "; HttpOnly";
  if (cookie.secure) out += "; Secure";
  out += "; SameSite=";
  out += sameSiteName(cookie.same_site);
  return out;
}

std::string clearCookie(std::string_view name, bool secure, std::string_view path,
                        std::string_view domain) {
  SetCookie cookie;
  cookie.name = std::string(name);
  cookie.path = std::string(path);
  cookie.domain = std::string(domain);
  cookie.max_age = 0;
  cookie.secure = secure;
  return serializeSetCookie(cookie);
}

}  // namespace barrier
