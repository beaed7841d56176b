#include "core/http/return_path.h"

#include <cstdint>

#include "core/http/message.h"
#include "core/http/percent.h"

namespace barrier {

namespace {

// How many extra decoding rounds are inspected. The value is decoded exactly
// once for use; further rounds are only looked at, so that "/%2F%2Fevil" or
// "/%252F..." cannot turn into "//evil" in some later, over-eager decoder.
constexpr int kInspectRounds = 3;

// Code points that render like '/', '\', '.', '@' or ':' or are invisible or
// reorder text. A browser keeps them in a path, but a human reading the
// redirect, or an IDNA-normalising component, may not: they are refused.
bool isConfusable(uint32_t cp) {
  switch (cp) {
    case 0x2215:  // DIVISION SLASH
    case 0x2044:  // FRACTION SLASH
    case 0x29F8:  // BIG SOLIDUS
    case 0xFF0F:  // FULLWIDTH SOLIDUS
    case 0x2216:  // SET MINUS
    case 0x29F5:  // REVERSE SOLIDUS OPERATOR
    case 0x29F9:  // BIG REVERSE SOLIDUS
    case 0xFE68:  // SMALL REVERSE SOLIDUS
    case 0xFF3C:  // FULLWIDTH REVERSE SOLIDUS
    case 0x3002:  // IDEOGRAPHIC FULL STOP
    case 0xFF0E:  // FULLWIDTH FULL STOP
    case 0xFF61:  // HALFWIDTH IDEOGRAPHIC FULL STOP
    case 0xFE52:  // SMALL FULL STOP
    case 0x2024:  // ONE DOT LEADER
    case 0xFF20:  // FULLWIDTH COMMERCIAL AT
    case 0xFE6B:  // SMALL COMMERCIAL AT
    case 0xFF1A:  // FULLWIDTH COLON
    case 0xFE55:  // SMALL COLON
    case 0x2028:  // LINE SEPARATOR
    case 0x2029:  // PARAGRAPH SEPARATOR
    case 0xFEFF:  // ZERO WIDTH NO-BREAK SPACE
    case 0x00AD:  // SOFT HYPHEN
      return true;
    default:
      break;
  }
  if (cp >= 0x80 && cp <= 0x9F) return true;      // C1 controls (NEL...)
  if (cp >= 0x200B && cp <= 0x200F) return true;  // zero-width, LRM/RLM
  if (cp >= 0x202A && cp <= 0x202E) return true;  // bidi embeddings/overrides
  if (cp >= 0x2060 && cp <= 0x2069) return true;  // word joiner, bidi isolates
  return false;
}

// Decodes one UTF-8 sequence at `i`; false on malformed, overlong or
// surrogate encodings (a lenient decoder elsewhere might read them as '/').
bool nextCodePoint(std::string_view s, size_t& i, uint32_t& cp) {
  auto b0 = static_cast<uint8_t>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return false;
  cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += len;
  return true;
}

// The safe return path rules (docs/ARCHITECTURE.md, "Login", step 1) for one
// form of the value.
bool passesRules(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;                  // relative reference only
  if (p.size() > 1 && (p[1] == '/' || p[1] == '\\')) return false;  // "//host", "/\host"
  size_t first_segment_end = p.find_first_of("/?#", 1);
  std::string_view first_segment =
      p.substr(1, first_segment_end == std::string_view::npos ? std::string_view::npos
                                                              : first_segment_end - 1);
  // "/@evil.com" is harmless after "https://site", but not if anything ever
  // drops the leading slash: a userinfo-looking first segment is refused.
  if (first_segment.find('@') != std::string_view::npos) return false;
  // No "." or ".." segment: the browser removes them, and "/.//evil.com"
  // or "/a/..//evil.com" would become "//evil.com" after the "//" test.
  // (A browser's own request never holds one; %2e is checked once decoded.)
  std::string_view path_part = p.substr(0, p.find_first_of("?#"));
  for (size_t start = 1; start <= path_part.size();) {
    size_t end = path_part.find('/', start);
    if (end == std::string_view::npos) end = path_part.size();
    std::string_view segment = path_part.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  size_t i = 0;
  while (i < p.size()) {
    auto c = static_cast<unsigned char>(p[i]);
    // Browsers strip TAB/CR/LF from URLs ("/\t/evil" is "//evil") and treat
    // '\' as '/', so none of them may appear anywhere.
    if (c < 0x20 || c == 0x7F || c == '\\') return false;
    uint32_t cp = 0;
    if (!nextCodePoint(p, i, cp)) return false;
    if (isConfusable(cp)) return false;
  }
  return true;
}

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// Bytes a Location header may carry as they are (RFC 3986 unreserved,
// gen-delims minus '[' ']', sub-delims); '%' is handled separately.
bool isLocationSafe(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case ':':
    case '/':
    case '?':
    case '#':
    case '@':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}

// Decodes every valid %XX and keeps a stray '%' as it is: a lone '%' must not
// stop the inspection of the escapes around it ("/%2F%2Fevil.com%").
std::string lenientDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    std::string decoded;
    if (s[i] == '%' && i + 2 < s.size() && percentDecode(s.substr(i, 3), decoded)) {
      out += decoded;
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool isSafeReturnPath(std::string_view decoded) {
  if (decoded.size() > kMaxReturnPathBytes) return false;
  std::string current(decoded);
  for (int round = 0; round <= kInspectRounds; ++round) {
    if (!passesRules(current)) return false;
    std::string next = lenientDecode(current);
    if (next == current) return true;
    current = std::move(next);
  }
  return true;
}

std::string safeReturnPath(std::string_view decoded) {
  return isSafeReturnPath(decoded) ? std::string(decoded) : std::string("/");
}

std::optional<ReturnUrl> parseReturnUrl(std::string_view decoded, const ReturnHosts& allowed) {
  if (decoded.size() > kMaxReturnPathBytes) return std::nullopt;
  size_t sep = decoded.find("://");
  if (sep == std::string_view::npos || !equalsIgnoreCase(decoded.substr(0, sep), allowed.scheme)) {
    return std::nullopt;
  }
  // The authority is everything up to the first '/': compared whole with
  // each listed host, so "app.example.com.evil", "user@app.example.com",
  // "app.example.com:444" or "app.example.com\@evil" name none of them.
  std::string_view rest = decoded.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!isSafeReturnPath(path)) return std::nullopt;
  for (const std::string& host : allowed.hosts) {
    if (equalsIgnoreCase(authority, host)) return ReturnUrl{host, std::move(path)};
  }
  return std::nullopt;
}

std::string safeReturnTarget(std::string_view decoded, const ReturnHosts& allowed) {
  if (isSafeReturnPath(decoded)) return std::string(decoded);
  std::optional<ReturnUrl> url = parseReturnUrl(decoded, allowed);
  if (!url) return "/";
  return std::string(allowed.scheme) + "://" + std::string(url->host) + url->path;
}

std::string returnLocation(std::string_view target, std::string_view site_base,
                           const ReturnHosts& allowed) {
  if (std::optional<ReturnUrl> url = parseReturnUrl(target, allowed)) {
    return std::string(allowed.scheme) + "://" + std::string(url->host) +
           encodeForLocation(url->path);
  }
  return std::string(site_base) + encodeForLocation(safeReturnPath(target));
}

std::string encodeForLocation(std::string_view safe_path) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(safe_path.size());
  for (size_t i = 0; i < safe_path.size(); ++i) {
    auto c = static_cast<unsigned char>(safe_path[i]);
    bool existing_escape =
        c == '%' && i + 2 < safe_path.size() && isHex(safe_path[i + 1]) && isHex(safe_path[i + 2]);
    if (existing_escape || isLocationSafe(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 0x0F];
    }
  }
  return out;
}

}  // namespace barrier
