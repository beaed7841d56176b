#include "core/http/path_pattern.h"

#include "core/http/message.h"
#include "core/http/percent.h"

namespace barrier {

namespace {

// Collapses "//" and resolves "." and ".." segments. Input starts with '/'.
std::string resolveSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t i = 0;
  bool trailing_slash = false;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(i, end - i);
    i = end;
    // A final "." or ".." names a directory, like "x/": keep the slash.
    trailing_slash = seg.empty() || seg == "." || seg == "..";
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();  // never above the root
      continue;
    }
    segments.push_back(seg);
  }
  std::string out;
  for (auto seg : segments) {
    out += '/';
    out += seg;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

// Step 1: decode unreserved escapes once; flags anything ambiguous.
std::string decodeUnreserved(std::string_view raw, bool& ambiguous) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' || c == ';' || c == '#' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      ambiguous = true;
    }
    if (c != '%') {
      out += c;
      continue;
    }
    int hi = i + 2 < raw.size() ? hexDigitValue(raw[i + 1]) : -1;
    int lo = i + 2 < raw.size() ? hexDigitValue(raw[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      ambiguous = true;
      out += c;
      continue;
    }
    char decoded = static_cast<char>(hi * 16 + lo);
    i += 2;
    if (isUnreservedChar(decoded)) {
      out += decoded;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(decoded);
    if (decoded == '/' || decoded == '\\' || decoded == ';' || u < 0x20 || u == 0x7f) {
      ambiguous = true;
    }
    static const char kHex[] = "0123456789ABCDEF";
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

// The most-decoded reading: the path up to a literal '#' (where URL parsers
// see a fragment begin), every escape decoded once, '\' as '/', and
// ";params" removed from each segment (Tomcat/Spring style).
std::string mostDecoded(std::string_view raw) {
  raw = raw.substr(0, raw.find('#'));
  std::string decoded;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && hexDigitValue(raw[i + 1]) >= 0 &&
        hexDigitValue(raw[i + 2]) >= 0) {
      c = static_cast<char>(hexDigitValue(raw[i + 1]) * 16 + hexDigitValue(raw[i + 2]));
      i += 2;
    }
    decoded += c == '\\' ? '/' : c;
  }
  std::string out;
  bool in_params = false;
  for (char c : decoded) {
    if (c == '/') in_params = false;
    if (c == ';') in_params = true;
    if (!in_params) out += c;
  }
  return out;
}

// True when every step below would return `raw` unchanged: it starts with
// '/', has no escape, '\\', ';', '#' or control byte, no empty segment ("//")
// and no "." or ".." segment. Most request paths are like this.
bool alreadyNormal(std::string_view raw) {
  if (raw.empty() || raw[0] != '/') return false;
  size_t segment_start = 1;
  for (size_t i = 1; i <= raw.size(); ++i) {
    if (i < raw.size()) {
      unsigned char c = static_cast<unsigned char>(raw[i]);
      if (c == '%' || c == '\\' || c == ';' || c == '#' || c < 0x20 || c == 0x7f) return false;
      if (c != '/') continue;
    }
    std::string_view seg = raw.substr(segment_start, i - segment_start);
    bool last = i == raw.size();
    if ((seg.empty() && !last) || seg == "." || seg == "..") return false;
    segment_start = i + 1;
  }
  return true;
}

}  // namespace

NormalizedPath normalizePath(std::string_view raw_path) {
  NormalizedPath out;
  if (alreadyNormal(raw_path)) {
    out.path.assign(raw_path);
    return out;
  }
  std::string step1 = decodeUnreserved(raw_path, out.ambiguous);
  if (step1.empty() || step1[0] != '/') {
    // Origin-form targets start with '/'; anything else ("*", "x") is odd.
    out.ambiguous = out.ambiguous || !step1.empty();
    step1.insert(step1.begin(), '/');
  }
  out.path = resolveSegments(step1);
  if (out.ambiguous) {
    std::string alt = mostDecoded(raw_path);
    if (alt.empty() || alt[0] != '/') alt.insert(alt.begin(), '/');
    out.decoded = resolveSegments(alt);
  }
  return out;
}

bool matchPattern(std::string_view pattern, std::string_view path, bool ignore_case) {
  // "/x/*" also covers "/x": the origin may serve the directory itself.
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "/*" &&
      matchPattern(pattern.substr(0, pattern.size() - 2), path, ignore_case)) {
    return true;
  }
  auto eq = [&](char a, char b) { return ignore_case ? asciiLower(a) == asciiLower(b) : a == b; };
  // Iterative glob: remember the last '*' and retry from there on mismatch.
  size_t p = 0, s = 0, star = std::string_view::npos, star_s = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_s = s;
    } else if (p < pattern.size() && eq(pattern[p], path[s])) {
      ++p;
      ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matchesPublic(const std::vector<std::string>& patterns, const NormalizedPath& path) {
  if (path.ambiguous) return false;
  for (const auto& pattern : patterns) {
    if (matchPattern(pattern, path.path)) return true;
  }
  return false;
}

}  // namespace barrier
