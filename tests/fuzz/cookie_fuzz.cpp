// libFuzzer target: Cookie header parsing and Set-Cookie serialisation.
// Invariants: never crashes; bounded output; every pair has a non-empty name
// without control characters; a serialised cookie has no CR/LF.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http/cookie.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line is one header; the rest, split on '\n', are more headers.
  barrier::Headers headers;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    std::string_view line = input.substr(start, end == std::string_view::npos ? end : end - start);
    headers.add("Cookie", std::string(line));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  auto cookies = barrier::parseCookies(headers);
  if (cookies.size() > barrier::kMaxCookies) std::abort();
  for (const auto& c : cookies) {
    if (c.name.empty()) std::abort();
    for (char ch : c.name + c.value) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) std::abort();
    }
  }
  (void)barrier::cookieValues(headers, "barrier");

  barrier::SetCookie set;
  set.name = std::string(input.substr(0, input.size() / 2));
  set.value = std::string(input.substr(input.size() / 2));
  set.path = set.value;
  std::string serialized = barrier::serializeSetCookie(set);
  if (serialized.find_first_of("\r\n") != std::string::npos) std::abort();
  // What we serialise, we read back as exactly one pair of that name.
  std::string pair = serialized.substr(0, serialized.find(';'));
  auto back = barrier::parseCookieHeader(pair);
  if (back.size() > 1) std::abort();
  return 0;
}
