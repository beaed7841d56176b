// libFuzzer target: the safe return path rule and Location encoding.
// Invariants: the result is the input or "/"; an accepted path starts with
// exactly one '/' and holds no backslash or control byte; its Location form
// is printable ASCII without spaces and resolves on the same host.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http/query.h"
#include "core/http/return_path.h"

namespace {

void check(std::string_view p) {
  std::string safe = barrier::safeReturnPath(p);
  if (safe == "/") return;
  if (safe != p) std::abort();
  if (safe.size() < 1 || safe[0] != '/') std::abort();
  if (safe.size() > 1 && (safe[1] == '/' || safe[1] == '\\')) std::abort();
  for (char c : safe) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '\\') std::abort();
  }
  std::string location = barrier::encodeForLocation(safe);
  for (char c : location) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"' || c == '<' || c == '>') std::abort();
  }
  if (location.size() > 1 && (location[1] == '/' || location[1] == '\\')) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check(input);
  // The same bytes as a raw query string, the way /_identity/login sees them.
  auto path = barrier::queryParam(barrier::parseQuery(input), "path");
  if (path) check(*path);
  return 0;
}
